//! The event queue: ordered by time, ties broken by insertion order.

use super::time::SimTime;

/// Number of FIFO lanes beside the heap.
pub const LANES: usize = 3; // `first` compares exactly three lane heads
/// Lane number meaning "no lane: use the heap".
pub const NO_LANE: usize = usize::MAX;

const ARITY: usize = 4;
const SENTINEL: u128 = u128::MAX;

/// A FIFO of entries in key order: arrays read from `head`, cleared when emptied and
/// compacted when the consumed prefix is the larger half (amortised O(1)).
struct Lane<E> {
    keys: Vec<u128>,
    events: Vec<E>,
    head: usize,
}

impl<E> Default for Lane<E> {
    fn default() -> Self {
        Lane {
            keys: Vec::new(),
            events: Vec::new(),
            head: 0,
        }
    }
}

impl<E: Copy> Lane<E> {
    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.head == self.keys.len()
    }
    #[inline(always)]
    fn push(&mut self, key: u128, event: E) {
        super::fast::push(&mut self.keys, key);
        super::fast::push(&mut self.events, event);
    }
    /// Removes the front entry (the lane is not empty); returns its event and the new
    /// front key (`SENTINEL` when empty).
    #[inline(always)]
    fn pop(&mut self) -> (E, u128) {
        let event = self.events[self.head];
        self.head += 1;
        if self.head == self.keys.len() {
            self.keys.clear();
            self.events.clear();
            self.head = 0;
            return (event, SENTINEL);
        }
        if self.head >= 1024 && 2 * self.head >= self.keys.len() {
            self.compact();
        }
        (event, self.keys[self.head])
    }
    #[cold]
    fn compact(&mut self) {
        self.keys.drain(..self.head);
        self.events.drain(..self.head);
        self.head = 0;
    }
}

/// A priority queue of events keyed by `(time, insertion sequence)`.
///
/// Every entry has the packed key `(time << 64) | insertion sequence`: one integer
/// comparison orders by time, then by insertion, and no two keys are equal.
///
/// Many events are scheduled in time order within their kind (a link with a fixed latency
/// delivers in the order it sends; deadlines and arrivals are "now + a constant or a
/// sample"). The caller names a lane per kind: an event no earlier than the last one in its
/// lane is appended there (a FIFO, O(1)); any other goes to a 4-ary min-heap. Popping takes
/// the smallest key among the heap's root and the lanes' heads, so the order is exactly the
/// `(time, sequence)` order whatever lane hints are given; the lanes only keep the heap
/// small (and in cache).
pub struct EventQueue<E> {
    /// Heap keys, with `ARITY - 1` sentinels past the end so every node has `ARITY`
    /// children to compare without a data-dependent branch.
    keys: Vec<u128>,
    /// Heap events, parallel to `keys`.
    events: Vec<E>,
    /// Keys and events of each lane, in parallel arrays (each push is a few register
    /// stores, not an aggregate copied through the stack).
    lanes: [Lane<E>; LANES],
    /// Key at the head of each lane (`SENTINEL` when empty).
    heads: [u128; LANES],
    /// The lane with the smallest head: a pop compares it with the heap's root only.
    min_lane: usize,
    /// Time of the newest entry of each lane.
    tails: [u64; LANES],
    seq: u64,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            keys: vec![SENTINEL; ARITY - 1],
            events: Vec::new(),
            lanes: Default::default(),
            heads: [SENTINEL; LANES],
            min_lane: 0,
            tails: [0; LANES],
            seq: 0,
            len: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `at`, in lane `lane` if it keeps that lane in order
    /// (`NO_LANE`: always the heap).
    #[inline(always)]
    pub fn push(&mut self, at: SimTime, lane: usize, event: E) {
        self.seq += 1;
        self.len += 1;
        let key = ((at.0 as u128) << 64) | self.seq as u128;
        if lane < LANES {
            let empty = self.lanes[lane].is_empty();
            if empty || self.tails[lane] <= at.0 {
                if empty {
                    self.heads[lane] = key;
                    if key < self.heads[self.min_lane] {
                        self.min_lane = lane;
                    }
                }
                self.tails[lane] = at.0;
                self.lanes[lane].push(key, event);
                return;
            }
        }
        self.heap_push(key, event);
    }

    fn heap_push(&mut self, key: u128, event: E) {
        let mut hole = self.events.len();
        super::fast::push(&mut self.events, event);
        super::fast::push(&mut self.keys, SENTINEL);
        // Sift the hole up while the parent is later.
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            let pk = self.keys[parent];
            if pk <= key {
                break;
            }
            self.keys[hole] = pk;
            self.events[hole] = self.events[parent];
            hole = parent;
        }
        self.keys[hole] = key;
        self.events[hole] = event;
    }

    /// The smallest key and where it is (`LANES` for the heap). Keys are unique (both
    /// `SENTINEL` only when empty).
    #[inline(always)]
    fn first(&self) -> (u128, usize) {
        let lane = self.heads[self.min_lane];
        if self.keys[0] < lane {
            (self.keys[0], LANES)
        } else {
            (lane, self.min_lane)
        }
    }

    /// The lane with the smallest head (the queue has exactly three lanes).
    #[inline(always)]
    fn min_lane(heads: &[u128; LANES]) -> usize {
        let (a, ia) = if heads[1] < heads[0] {
            (heads[1], 1)
        } else {
            (heads[0], 0)
        };
        if heads[2] < a {
            2
        } else {
            ia
        }
    }

    /// The time of the next event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.len == 0 {
            return None;
        }
        Some(SimTime((self.first().0 >> 64) as u64))
    }

    /// Removes the next event.
    #[cfg(test)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::NEVER)
    }

    /// Removes the next event if it is due at or before `t`.
    #[inline]
    pub fn pop_until(&mut self, t: SimTime) -> Option<(SimTime, E)> {
        if self.len == 0 {
            return None;
        }
        let (key, src) = self.first();
        if (key >> 64) as u64 > t.0 {
            return None;
        }
        self.len -= 1;
        if src < LANES {
            let (event, next) = self.lanes[src].pop();
            self.heads[src] = next;
            self.min_lane = Self::min_lane(&self.heads);
            return Some((SimTime((key >> 64) as u64), event));
        }
        let event = self.heap_pop_root();
        Some((SimTime((key >> 64) as u64), event))
    }

    /// Removes the heap's root (the heap is not empty) and returns its event.
    fn heap_pop_root(&mut self) -> E {
        let last_event = self.events.pop().expect("heap is not empty");
        let n = self.events.len();
        // The last entry leaves position n, which becomes a sentinel.
        let last_key = self.keys[n];
        self.keys.pop();
        self.keys[n] = SENTINEL;
        if n == 0 {
            return last_event;
        }
        let top = self.events[0];
        // Move the hole at the root down along the earliest children to a leaf...
        let keys = &mut self.keys[..];
        let mut hole = 0;
        loop {
            let c = ARITY * hole + 1;
            if c >= n {
                break;
            }
            let (k0, k1, k2, k3) = (keys[c], keys[c + 1], keys[c + 2], keys[c + 3]);
            let (i01, m01) = if k1 < k0 { (1, k1) } else { (0, k0) };
            let (i23, m23) = if k3 < k2 { (3, k3) } else { (2, k2) };
            let (i, m) = if m23 < m01 { (i23, m23) } else { (i01, m01) };
            keys[hole] = m;
            self.events[hole] = self.events[c + i];
            hole = c + i;
        }
        // ... then put the former last entry there and sift it up.
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            let pk = keys[parent];
            if pk <= last_key {
                break;
            }
            keys[hole] = pk;
            self.events[hole] = self.events[parent];
            hole = parent;
        }
        keys[hole] = last_key;
        self.events[hole] = last_event;
        top
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_insertion_order() {
        let mut q = EventQueue::default();
        let times = [5u64, 3, 9, 3, 0, 5, 7, 3, 1, 9, 9, 2];
        for (i, &t) in times.iter().enumerate() {
            q.push(SimTime(t), [0, 1, 2, NO_LANE][i % 4], i);
        }
        let mut want: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
        want.sort();
        let mut got = Vec::new();
        while let Some((t, i)) = q.pop() {
            got.push((t.0, i));
        }
        assert_eq!(got, want);
        assert_eq!(q.len(), 0);
        assert_eq!(q.peek_time(), None);
    }

    #[test]
    fn a_lane_that_never_empties_keeps_its_order_through_compaction() {
        let mut q = EventQueue::default();
        let (mut pushed, mut popped) = (0u64, 0u64);
        // A backlog of 3000, then one pop per push: the lane never empties, so its consumed
        // prefix is compacted again and again.
        for _ in 0..3000 {
            q.push(SimTime(pushed / 3), 1, pushed);
            pushed += 1;
        }
        for _ in 0..50_000 {
            q.push(SimTime(pushed / 3), 1, pushed);
            pushed += 1;
            let (t, e) = q.pop().unwrap();
            assert_eq!((t.0, e), (popped / 3, popped));
            popped += 1;
            assert_eq!(q.len() as u64, pushed - popped);
        }
        assert!(q.lanes[1].keys.len() < 6000, "the lane is compacted");
    }

    #[test]
    fn matches_a_sorted_reference_under_mixed_pushes_and_pops() {
        let mut rng = crate::sim::rng::Rng::new(7, crate::sim::rng::Stream::Choice, 0);
        let mut q = EventQueue::default();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let (mut now, mut n) = (0u64, 0u64);
        for _ in 0..20_000 {
            if rng.below(3) > 0 || reference.is_empty() {
                let t = now + u64::from(rng.below(50));
                n += 1;
                // Lane hints at random, including none: the order must not depend on them.
                let lane = [0, 1, 2, NO_LANE][rng.below(4) as usize];
                q.push(SimTime(t), lane, n);
                reference.push((t, n));
            } else {
                reference.sort();
                let want = reference.remove(0);
                assert_eq!(q.peek_time(), Some(SimTime(want.0)));
                let (t, e) = q.pop().unwrap();
                assert_eq!((t.0, e), want);
                now = t.0;
            }
            assert_eq!(q.len(), reference.len());
        }
    }
}
