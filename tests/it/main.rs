//! Native integration tests, one binary (the wasm32 suite is tests/*_wasm.rs and tests/web.rs).
#![cfg(not(target_arch = "wasm32"))]

mod broker;
mod determinism;
mod grpc;
mod invariants;
mod memory;
mod payload;
mod scenario;
mod speed_equivalence;
mod support;
mod theory;
