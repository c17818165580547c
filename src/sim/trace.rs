//! The event trace (hashed, optionally recorded) and the notable-event outputs.

use super::engine::{Event, Packed};
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

/// Multipliers of the trace hash: odd, so multiplying by one is a bijection on `u64`.
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
const MIX_T: u64 = 0xbf58_476d_1ce4_e5b9;
const MIX_A: u64 = 0x94d0_49bb_1331_11eb;
const MIX_B: u64 = 0xd6e8_feb8_6659_fd93;

/// The trace: a hash of every processed event, and the events themselves while recording.
///
/// The hash folds in, for each event, its time and the two words of its packed form
/// ([`Packed`]: the kind and every field): `h ← (rotl(h, 23) ⊕ m) · MIX` with
/// `m = t · MIX_T ⊕ w0 · MIX_A ⊕ w1 · MIX_B`, in wrapping 64-bit integer arithmetic, so it
/// is the same on every target. For a given `m` the step is a bijection of `h`, so two runs
/// that differ in one event's time or field end with different hashes; the whole step is
/// one multiplication long on the chain from one event to the next.
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
    #[inline(always)]
    pub(crate) fn record(&mut self, t: SimTime, ev: Packed) {
        let Packed(w0, w1) = ev;
        let m = t.0.wrapping_mul(MIX_T) ^ w0.wrapping_mul(MIX_A) ^ w1.wrapping_mul(MIX_B);
        self.hash = (self.hash.rotate_left(23) ^ m).wrapping_mul(MIX);
        if self.recording {
            self.keep(t, ev);
        }
    }
    #[cold]
    fn keep(&mut self, t: SimTime, ev: Packed) {
        let (name, a, b) = encode(&ev.unpack());
        self.records.push(TraceRecord {
            t: t.0,
            ev: name,
            a,
            b,
        });
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

    /// The definition: FNV-1a over every byte.
    fn reference(h: u64, t: u64, ev: &Event) -> u64 {
        let (name, a, b) = encode(ev);
        let mut h = h;
        for x in t
            .to_le_bytes()
            .iter()
            .chain(name.as_bytes())
            .chain(&a.to_le_bytes())
            .chain(&b.to_le_bytes())
        {
            h = fnv_byte(h, *x);
        }
        h
    }

    #[test]
    fn fast_hash_equals_fnv1a_over_every_byte() {
        let mut r = crate::sim::rng::Rng::new(11, crate::sim::rng::Stream::Choice, 0);
        let mut trace = Trace::default();
        let mut want = trace.hash();
        for i in 0..100_000u32 {
            // Values of every magnitude, so both paths of each field are taken.
            let mut v = || r.next_u64() >> (r.below(64) as u64);
            let t = v();
            let (x, y) = (v(), v());
            let ev = match i % 4 {
                0 => Event::Arrive {
                    slot: x as u32,
                    id: y,
                },
                1 => Event::Arrival {
                    node: x as u16,
                    gen: y as u32,
                },
                2 => Event::ConfirmTimeout {
                    node: x as u16,
                    origin: y,
                },
                _ => Event::Deadline {
                    call: x as u32,
                    gen: y as u32,
                },
            };
            trace.record(SimTime(t), &ev);
            want = reference(want, t, &ev);
            assert_eq!(trace.hash(), want, "event {i}: {ev:?} at {t}");
        }
    }

    #[test]
    fn name_steps_equal_fnv1a_over_the_names() {
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
        let trace = Trace::default();
        let mut r = crate::sim::rng::Rng::new(5, crate::sim::rng::Stream::Choice, 0);
        for ev in &all {
            assert_eq!(NAMES[name_index(ev)], encode(ev).0);
            for _ in 0..1000 {
                let h = r.next_u64();
                let want = encode(ev).0.bytes().fold(h, fnv_byte);
                assert_eq!(trace.names[name_index(ev)].apply(h), want, "{ev:?}");
            }
        }
    }
}
