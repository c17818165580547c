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
const _: () = assert!(RECENT_STEPS.is_power_of_two(), "the ring's index is masked");

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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(i: u64) -> SimTime {
        SimTime(i * 1_000)
    }

    #[test]
    fn a_journey_gathers_its_steps_from_the_ring_in_order() {
        let mut j = Journeys::default();
        // Three interleaved messages, four steps each.
        for k in 0..4u16 {
            for origin in 1..=3u64 {
                j.record(origin, at(u64::from(k) * 10 + origin), || Step::Retried {
                    attempt: k,
                });
            }
        }
        let two = j.get(2).expect("kept");
        assert_eq!(two.origin, 2);
        assert_eq!(
            two.steps,
            (0..4u16)
                .map(|k| (at(u64::from(k) * 10 + 2), Step::Retried { attempt: k }))
                .collect::<Vec<_>>()
        );
        assert_eq!(two.truncated, 0);
        assert!(j.get(4).is_none());
        assert!(j.get(0).is_none(), "origin 0 marks unused entries");
    }

    #[test]
    fn the_ring_keeps_the_newest_steps_and_a_pinned_journey_outlives_it() {
        let mut j = Journeys::default();
        j.record(1, at(0), || Step::Acked);
        j.record(2, at(0), || Step::Acked);
        j.pin(2);
        // Fill the ring with other messages: 1 and 2 leave it.
        for i in 0..RECENT_STEPS as u64 {
            j.record(10 + i, at(1 + i), || Step::Confirmed);
            if i == 5 {
                j.record(2, at(1 + i), || Step::Requeued);
            }
        }
        assert!(j.get(1).is_none(), "pushed out of the ring");
        let pinned = j.get(2).expect("pinned");
        assert_eq!(
            pinned.steps,
            vec![(at(0), Step::Acked), (at(6), Step::Requeued)]
        );
        // The newest RECENT_STEPS steps are all there.
        let newest = 10 + RECENT_STEPS as u64 - 1;
        assert_eq!(j.get(newest).map(|x| x.steps.len()), Some(1));
    }

    #[test]
    fn a_long_journey_keeps_its_first_steps_and_counts_the_rest() {
        let mut j = Journeys::default();
        for i in 0..(MAX_STEPS as u64 + 7) {
            j.record(9, at(i), || Step::Requeued);
        }
        let long = j.get(9).expect("kept");
        assert_eq!(long.steps.len(), MAX_STEPS);
        assert_eq!(long.steps[0].0, at(0));
        assert_eq!(long.truncated, 7);
    }
}
