//! Native integration tests, one binary.

mod broker;
mod grpc;
mod payload;
mod support;
mod theory;
