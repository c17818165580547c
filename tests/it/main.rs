//! Native integration tests, one binary (the wasm32 suite is tests/*_wasm.rs and tests/web.rs).
#![cfg(not(target_arch = "wasm32"))]

mod broker;
mod decoder;
mod determinism;
mod editor;
mod exported_run;
mod gen;
mod grpc;
mod invariants;
mod lessons;
mod memory;
mod mutate;
mod payload;
mod regressions;
mod replay;
mod scenario;
mod share;
mod speed_equivalence;
mod stress;
mod support;
mod theory;
mod validation;
