//! The engine: a sans-IO, deterministic discrete-event simulation.
//!
//! It never reads a clock, never draws OS randomness and knows nothing of the browser.
//! Time and the seed are inputs; outputs (events, metrics, views) are data. Same scenario +
//! same seed ⇒ the same event trace on every target.

pub mod bench;
mod broker;
mod control;
mod dist;
mod engine;
mod grpc;
pub mod journey;
pub mod message;
pub mod metrics;
mod queue;
mod replay;
pub mod report;
pub mod rng;
mod runtime;
pub mod theory;
pub mod time;
pub mod trace;
mod view;

pub use broker::{partition_of, LOG_RETENTION, MAX_UNCONFIRMED};
pub use control::{Applied, Command, LogFull, Position};
pub use engine::{Engine, MAX_OUTPUTS};
pub use message::{Endpoint, LossReason, MsgKind, MsgState};
pub use metrics::{Counters, Latency, LatencySummary, Ledger, Metrics, SeriesPoint, WaitStats};
pub use replay::{Replay, ReplayError, ReplayStep};
pub use runtime::LOSS_POINT;
pub use time::{SimTime, NS_PER_MS, NS_PER_S};
pub use trace::{Output, OutputKind, TraceRecord};
pub use view::{BoxView, Flight, InstanceView, NodeView, PartitionView};
