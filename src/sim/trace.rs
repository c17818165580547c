//! The event trace (hashed, optionally recorded) and the notable-event outputs.

use super::engine::Event;
use super::message::{Endpoint, MsgKind};
use super::time::SimTime;
use serde::Serialize;

/// One processed event, as written to `--trace` files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceRecord {
    /// Virtual time in ns.
    pub t: u64,
    /// Event name.
    pub ev: &'static str,
    /// Main subject (slot, node or call).
    pub a: u64,
    /// Second subject (envelope id, generation, origin or fault index).
    pub b: u64,
}

fn encode(ev: &Event) -> (&'static str, u64, u64) {
    match *ev {
        Event::Arrive { slot, id } => ("arrive", slot as u64, id),
        Event::Arrival { node, gen } => ("arrival", node as u64, gen as u64),
        Event::CallerStart { node, caller, .. } => ("caller_start", node as u64, caller as u64),
        Event::ServiceDone { slot, id } => ("service_done", slot as u64, id),
        Event::ConsumeDone { slot, id } => ("consume_done", slot as u64, id),
        Event::Deadline { call, gen } => ("deadline", call as u64, gen as u64),
        Event::RetryFire { call, gen } => ("retry", call as u64, gen as u64),
        Event::ConfirmTimeout { node, origin } => ("confirm_timeout", node as u64, origin),
        Event::CommitTick { node } => ("commit_tick", node as u64, 0),
        Event::Fault { idx } => ("fault", idx as u64, 0),
    }
}

/// FNV-1a over the canonical little-endian bytes of every processed event.
pub(crate) struct Trace {
    hash: u64,
    recording: bool,
    records: Vec<TraceRecord>,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            hash: 0xcbf2_9ce4_8422_2325,
            recording: false,
            records: Vec::new(),
        }
    }
}

impl Trace {
    pub fn record(&mut self, t: SimTime, ev: &Event) {
        let (name, a, b) = encode(ev);
        let mut h = self.hash;
        let mut eat = |bytes: &[u8]| {
            for &x in bytes {
                h ^= x as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&t.0.to_le_bytes());
        eat(name.as_bytes());
        eat(&a.to_le_bytes());
        eat(&b.to_le_bytes());
        self.hash = h;
        if self.recording {
            self.records.push(TraceRecord {
                t: t.0,
                ev: name,
                a,
                b,
            });
        }
    }
    pub fn hash(&self) -> u64 {
        self.hash
    }
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
    }
    pub fn drain(&mut self) -> Vec<TraceRecord> {
        std::mem::take(&mut self.records)
    }
}

/// Kinds of notable events for the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// A message was lost.
    Lost,
    /// A call finished with an error status.
    CallFailed,
    /// A call finished OK.
    CallOk,
    /// An RPC attempt is retried.
    Retried,
    /// A message was requeued for redelivery.
    Requeued,
    /// A message went to the dead-letter queue.
    DeadLettered,
    /// A message expired.
    Expired,
    /// A message was processed by a consumer.
    Processed,
    /// A message was processed a second time.
    Duplicate,
    /// A node or instance crashed.
    Crashed,
    /// A node or instance restarted.
    Restarted,
    /// A link was cut.
    LinkCut,
    /// A link was healed.
    LinkHealed,
    /// A consumer group rebalanced its partitions.
    Rebalanced,
    /// A message was published.
    Published,
    /// A queue refused a publish.
    Refused,
}

impl OutputKind {
    /// Name used in the log and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Lost => "lost",
            OutputKind::CallFailed => "call_failed",
            OutputKind::CallOk => "call_ok",
            OutputKind::Retried => "retried",
            OutputKind::Requeued => "requeued",
            OutputKind::DeadLettered => "dead_lettered",
            OutputKind::Expired => "expired",
            OutputKind::Processed => "processed",
            OutputKind::Duplicate => "duplicate",
            OutputKind::Crashed => "crashed",
            OutputKind::Restarted => "restarted",
            OutputKind::LinkCut => "link_cut",
            OutputKind::LinkHealed => "link_healed",
            OutputKind::Rebalanced => "rebalanced",
            OutputKind::Published => "published",
            OutputKind::Refused => "refused",
        }
    }
}

/// A notable event for the event log and announcements.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Output {
    /// When.
    pub t: SimTime,
    /// What.
    pub kind: OutputKind,
    /// Where.
    pub at: Endpoint,
    /// Envelope id (0 when none).
    pub id: u64,
    /// Logical message or call id (0 when none).
    pub origin: u64,
    /// The message kind concerned.
    pub msg: MsgKind,
}
