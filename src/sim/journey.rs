//! Per-message journeys, kept for recent and pinned messages only.

use super::message::{Endpoint, LossReason, MsgKind};
use super::time::SimTime;
use crate::scenario::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// One step of a journey.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// The logical message or call was created.
    Created { at: Endpoint, key: u32 },
    /// An envelope left `from` for `to`.
    Sent {
        id: u64,
        kind: MsgKind,
        from: Endpoint,
        to: Endpoint,
        bytes: u32,
    },
    /// It waits in a queue or backlog.
    Queued { at: Endpoint },
    /// Delivery number `attempt` reached a consumer or worker.
    Delivered { at: Endpoint, attempt: u16 },
    /// Processing finished.
    Processed { at: Endpoint },
    /// The broker received the acknowledgement.
    Acked,
    /// The consumer rejected it.
    Nacked { requeue: bool },
    /// RPC attempt `attempt` after a backoff.
    Retried { attempt: u16 },
    /// Back in the queue for redelivery.
    Requeued,
    /// Moved to the dead-letter queue.
    DeadLettered,
    /// Time to live ran out.
    Expired,
    /// Lost.
    Lost { reason: LossReason },
    /// The call ended with this status.
    Status { code: StatusCode },
    /// The broker confirmed the publish.
    Confirmed,
    /// The producer published it again.
    Republished,
}

/// The steps of one logical message, with times.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Journey {
    /// Logical id.
    pub origin: u64,
    /// Steps, oldest first (at most [`MAX_STEPS`]).
    pub steps: Vec<(SimTime, Step)>,
    /// Steps dropped past the cap.
    pub truncated: u32,
}

/// Steps kept per journey.
pub const MAX_STEPS: usize = 48;
/// Steps of recent messages kept, all messages together (a power of two).
pub const RECENT_STEPS: usize = 8192;

/// Bounded store of journeys: the newest [`RECENT_STEPS`] steps of every message, plus
/// pinned messages' journeys in full (up to [`MAX_STEPS`] steps each).
///
/// Recording a step writes it at the head of one ring (its origin, time and step in
/// parallel arrays): a few stores to memory written in order, with no per-message storage
/// to look up. Asking for a journey gathers its steps from the ring, which only the
/// inspector and tests do, a few times a second at most.
pub struct Journeys {
    /// Origin of each ring entry (0: never written; origins start at 1).
    origins: Box<[u64; RECENT_STEPS]>,
    /// Time and step of each ring entry.
    steps: Box<[(SimTime, Step); RECENT_STEPS]>,
    /// Next entry to write (the oldest entry once the ring is full).
    head: usize,
    pinned: BTreeMap<u64, Journey>,
}

/// A boxed array of `N` copies of `v`, built on the heap.
fn boxed<T: Clone, const N: usize>(v: T) -> Box<[T; N]> {
    vec![v; N]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| unreachable!("the vector has N entries"))
}

impl Default for Journeys {
    fn default() -> Self {
        Journeys {
            origins: boxed(0),
            steps: boxed((SimTime::ZERO, Step::Acked)),
            head: 0,
            pinned: BTreeMap::new(),
        }
    }
}

impl Journeys {
    /// Records a step of `origin`'s journey. `step` builds the step only where it is
    /// stored, so it is written in place.
    #[inline(always)]
    pub(crate) fn record(&mut self, origin: u64, at: SimTime, step: impl Fn() -> Step) {
        if !self.pinned.is_empty() {
            self.record_pinned(origin, at, step());
        }
        let i = self.head;
        self.head = (i + 1) & (RECENT_STEPS - 1);
        self.origins[i] = origin;
        self.steps[i] = (at, step());
    }

    #[cold]
    fn record_pinned(&mut self, origin: u64, at: SimTime, step: Step) {
        if let Some(j) = self.pinned.get_mut(&origin) {
            push(j, at, step);
        }
    }

    /// The journey of `origin` in the ring (its steps still there, oldest first).
    fn recent(&self, origin: u64) -> Option<Journey> {
        let mut j = Journey {
            origin,
            ..Default::default()
        };
        for k in 0..RECENT_STEPS {
            let i = (self.head + k) & (RECENT_STEPS - 1);
            if self.origins[i] == origin {
                let (at, step) = self.steps[i];
                push(&mut j, at, step);
            }
        }
        (!j.steps.is_empty()).then_some(j)
    }

    /// The journey of `origin`, if kept.
    pub fn get(&self, origin: u64) -> Option<Journey> {
        match self.pinned.get(&origin) {
            Some(j) => Some(j.clone()),
            None if origin == 0 => None,
            None => self.recent(origin),
        }
    }
    /// Keeps recording `origin` beyond the recent window (at most 32 pinned; the oldest goes).
    pub fn pin(&mut self, origin: u64) {
        if self.pinned.contains_key(&origin) {
            return;
        }
        if self.pinned.len() >= 32 {
            let first = *self.pinned.keys().next().expect("non-empty");
            self.pinned.remove(&first);
        }
        let j = self.get(origin).unwrap_or(Journey {
            origin,
            ..Default::default()
        });
        self.pinned.insert(origin, j);
    }
}

fn push(j: &mut Journey, at: SimTime, step: Step) {
    if j.steps.len() < MAX_STEPS {
        j.steps.push((at, step));
    } else {
        j.truncated += 1;
    }
}
