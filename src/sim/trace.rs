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

/// `FNV_PRIME` to the powers 0..=8.
const PRIME_POW: [u64; 9] = {
    let mut p = [1u64; 9];
    let mut i = 1;
    while i < 9 {
        p[i] = p[i - 1].wrapping_mul(FNV_PRIME);
        i += 1;
    }
    p
};

/// FNV-1a over the eight little-endian bytes of `v` (unrolled).
///
/// FNV-1a over a zero byte is a multiplication by the prime, so when the bytes from `K` on
/// are all zero (as they are for times, slots and ids of any run shorter than hours) they
/// take one multiplication by a power of the prime: the same value, a much shorter chain of
/// dependent multiplications.
#[inline(always)]
fn fnv_u64<const K: usize>(mut h: u64, v: u64) -> u64 {
    const { assert!(K > 0 && K < 8) };
    for i in 0..K {
        h = fnv_byte(h, (v >> (8 * i)) as u8);
    }
    if v >> (8 * K) == 0 {
        h.wrapping_mul(PRIME_POW[8 - K])
    } else {
        for i in K..8 {
            h = fnv_byte(h, (v >> (8 * i)) as u8);
        }
        h
    }
}

/// Event names, indexed by [`name_index`] (the same strings as `encode(ev).0`).
const NAMES: [&str; 10] = [
    "arrive",
    "arrival",
    "caller_start",
    "service_done",
    "consume_done",
    "deadline",
    "retry",
    "confirm_timeout",
    "commit_tick",
    "fault",
];

#[inline(always)]
fn name_index(ev: &Event) -> usize {
    match ev {
        Event::Arrive { .. } => 0,
        Event::Arrival { .. } => 1,
        Event::CallerStart { .. } => 2,
        Event::ServiceDone { .. } => 3,
        Event::ConsumeDone { .. } => 4,
        Event::Deadline { .. } => 5,
        Event::RetryFire { .. } => 6,
        Event::ConfirmTimeout { .. } => 7,
        Event::CommitTick { .. } => 8,
        Event::Fault { .. } => 9,
    }
}

/// FNV-1a over a fixed string as a function of the state `h` before it:
/// `h * prime^len + offset[h & 0xff]`.
///
/// Why: xor with a byte changes only the low byte of the state, and the low byte of a
/// product depends only on the low bytes of its factors. So the low byte evolves on its own
/// along the string, and each step adds `prime * ((low ^ x) - low)` to `prime * state`;
/// the sum of those additions depends only on the starting low byte. One table lookup and
/// one multiplication replace a dependent multiplication per character.
struct NameStep {
    pow: u64,
    offset: [u64; 256],
}

impl NameStep {
    fn new(name: &str) -> NameStep {
        let pow = name.bytes().fold(1u64, |p, _| p.wrapping_mul(FNV_PRIME));
        let mut offset = [0u64; 256];
        for (low, o) in offset.iter_mut().enumerate() {
            let h = name.bytes().fold(low as u64, fnv_byte);
            *o = h.wrapping_sub(pow.wrapping_mul(low as u64));
        }
        NameStep { pow, offset }
    }
    #[inline(always)]
    fn apply(&self, h: u64) -> u64 {
        h.wrapping_mul(self.pow)
            .wrapping_add(self.offset[(h & 0xff) as usize])
    }
}

/// FNV-1a over the canonical little-endian bytes of every processed event.
pub(crate) struct Trace {
    hash: u64,
    recording: bool,
    records: Vec<TraceRecord>,
    /// One [`NameStep`] per event name (20 KB, built per engine: nothing in the binary).
    names: Vec<NameStep>,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            hash: 0xcbf2_9ce4_8422_2325,
            recording: false,
            records: Vec::new(),
            names: NAMES.iter().map(|n| NameStep::new(n)).collect(),
        }
    }
}

impl Trace {
    pub fn record(&mut self, t: SimTime, ev: &Event) {
        let (name, a, b) = encode(ev);
        // Times below 2^40 ns (18 minutes), subjects below 2^16, ids below 2^24 take the
        // short path; larger values the byte-by-byte one. The result is the same.
        let h = fnv_u64::<5>(self.hash, t.0);
        let h = self.names[name_index(ev)].apply(h);
        let h = fnv_u64::<2>(h, a);
        self.hash = fnv_u64::<3>(h, b);
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
