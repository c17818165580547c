//! Native integration tests, one binary.

mod broker;
mod determinism;
mod grpc;
mod invariants;
mod memory;
mod payload;
mod scenario;
mod support;
mod theory;
