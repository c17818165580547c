//! Message-flow playground: a deterministic simulation of request-response (gRPC)
//! and message-broker flows, and (on wasm32 only) the Leptos playground that draws it.
//!
//! - [`scenario`]: the JSON scenario format, validation, limits and presets.
//! - [`sim`]: the engine (sans-IO, virtual time, one seed).
//! - [`lessons`]: guided lessons as data, with conditions evaluated on the engine.
//! - [`payload`]: the protobuf messages whose encoded sizes travel on the links.
//! - [`share`]: share links that replay a run exactly.

pub mod lessons;
pub mod payload;
pub mod scenario;
pub mod share;
pub mod sim;

#[cfg(target_arch = "wasm32")]
pub mod app;
