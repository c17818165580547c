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

const FNV_PRIME: u64 = 0x0100_0000_01b3;

#[inline(always)]
fn fnv_byte(h: u64, x: u8) -> u64 {
    (h ^ x as u64).wrapping_mul(FNV_PRIME)
}

/// FNV-1a over the eight little-endian bytes of `v` (unrolled).
#[inline(always)]
fn fnv_u64(mut h: u64, v: u64) -> u64 {
    for i in 0..8 {
        h = fnv_byte(h, (v >> (8 * i)) as u8);
    }
    h
}

/// FNV-1a over a constant byte string (unrolled, the bytes folded into the code).
#[inline(always)]
fn fnv_bytes<const N: usize>(mut h: u64, bytes: &[u8; N]) -> u64 {
    for &x in bytes {
        h = fnv_byte(h, x);
    }
    h
}

/// FNV-1a over the event's name (the same bytes as `encode(ev).0`).
#[inline(always)]
fn fnv_name(h: u64, ev: &Event) -> u64 {
    match ev {
        Event::Arrive { .. } => fnv_bytes(h, b"arrive"),
        Event::Arrival { .. } => fnv_bytes(h, b"arrival"),
        Event::CallerStart { .. } => fnv_bytes(h, b"caller_start"),
        Event::ServiceDone { .. } => fnv_bytes(h, b"service_done"),
        Event::ConsumeDone { .. } => fnv_bytes(h, b"consume_done"),
        Event::Deadline { .. } => fnv_bytes(h, b"deadline"),
        Event::RetryFire { .. } => fnv_bytes(h, b"retry"),
        Event::ConfirmTimeout { .. } => fnv_bytes(h, b"confirm_timeout"),
        Event::CommitTick { .. } => fnv_bytes(h, b"commit_tick"),
        Event::Fault { .. } => fnv_bytes(h, b"fault"),
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
        let h = fnv_u64(self.hash, t.0);
        let h = fnv_name(h, ev);
        let h = fnv_u64(h, a);
        self.hash = fnv_u64(h, b);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrolled_name_hash_matches_the_names() {
        let all = [
            Event::Arrive { slot: 1, id: 2 },
            Event::Arrival { node: 1, gen: 2 },
            Event::CallerStart {
                node: 1,
                caller: 2,
                gen: 3,
            },
            Event::ServiceDone { slot: 1, id: 2 },
            Event::ConsumeDone { slot: 1, id: 2 },
            Event::Deadline { call: 1, gen: 2 },
            Event::RetryFire { call: 1, gen: 2 },
            Event::ConfirmTimeout { node: 1, origin: 2 },
            Event::CommitTick { node: 1 },
            Event::Fault { idx: 1 },
        ];
        for ev in &all {
            let mut want = 0xcbf2_9ce4_8422_2325u64;
            for &x in encode(ev).0.as_bytes() {
                want = fnv_byte(want, x);
            }
            assert_eq!(fnv_name(0xcbf2_9ce4_8422_2325, ev), want, "{ev:?}");
        }
    }
}
