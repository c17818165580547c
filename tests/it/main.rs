//! Native integration tests, one binary.

mod broker;
mod determinism;
mod grpc;
mod invariants;
mod payload;
mod scenario;
mod support;
mod theory;
