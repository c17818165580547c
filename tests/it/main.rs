//! Native integration tests, one binary.

mod payload;
mod support;
mod theory;
