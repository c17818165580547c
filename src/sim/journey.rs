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
/// Recent journeys kept.
pub const RECENT: u64 = 512;

/// Bounded store of journeys: the most recent [`RECENT`] logical ids plus pinned ones.
pub struct Journeys {
    /// The journey of origin `o` is at `o % RECENT` if that slot's origin is `o` (a slot
    /// never used has origin 0 and no steps; every journey kept has a step).
    recent: Box<[Journey; RECENT as usize]>,
    pinned: BTreeMap<u64, Journey>,
    newest: u64,
}

impl Default for Journeys {
    fn default() -> Self {
        Journeys {
            recent: Box::new(std::array::from_fn(|_| Journey::default())),
            pinned: BTreeMap::new(),
            newest: 0,
        }
    }
}

impl Journeys {
    // Always inlined: the step is written straight into the journey instead of being
    // stored by the caller and reloaded wider (a store-forwarding stall per step).
    /// `step` builds the step only where it is stored, so it is written in place.
    #[inline(always)]
    pub(crate) fn record(&mut self, origin: u64, at: SimTime, step: impl Fn() -> Step) {
        if !self.pinned.is_empty() {
            self.record_pinned(origin, at, step());
        }
        if origin + RECENT <= self.newest {
            return;
        }
        // A slot holding this origin was filled by `record_new`, which raised `newest` to it.
        let j = &mut self.recent[(origin % RECENT) as usize];
        if j.origin == origin {
            if j.steps.len() < MAX_STEPS {
                super::fast::push(&mut j.steps, (at, step()));
            } else {
                j.truncated += 1;
            }
        } else {
            self.record_new(origin, at, step());
        }
    }

    #[cold]
    fn record_pinned(&mut self, origin: u64, at: SimTime, step: Step) {
        if let Some(j) = self.pinned.get_mut(&origin) {
            push(j, at, step);
        }
    }

    /// The first step of a journey kept in the recent window: it replaces the journey of
    /// the origin `RECENT` before it, reusing its storage (no allocation per message).
    #[cold]
    fn record_new(&mut self, origin: u64, at: SimTime, step: Step) {
        self.newest = self.newest.max(origin);
        let j = &mut self.recent[(origin % RECENT) as usize];
        j.origin = origin;
        j.steps.clear();
        j.truncated = 0;
        push(j, at, step);
    }
    /// The journey of `origin`, if kept.
    pub fn get(&self, origin: u64) -> Option<&Journey> {
        self.pinned.get(&origin).or_else(|| {
            let j = &self.recent[(origin % RECENT) as usize];
            (j.origin == origin && !j.steps.is_empty()).then_some(j)
        })
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
        let j = self.get(origin).cloned().unwrap_or(Journey {
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
