//! Broker semantics: publishing with confirms, queues (prefetch, acks, redelivery,
//! dead-lettering, TTL, length limits), fan-out exchanges and partitioned logs with
//! consumer groups, offsets and rebalancing.

use super::dist::sample;
use super::engine::{Engine, Event};
use super::grpc::wrap;
use super::journey::Step;
use super::message::{flags, Ctx, Endpoint, LossReason, Msg, MsgKind, MsgState};
use super::runtime::*;
use super::time::ms_to_ns;
use super::trace::OutputKind;
use crate::payload::Encoding;
use crate::scenario::{AckMode, CommitMode, OnFailure, Overflow, QueueSpec, Role};

/// Unconfirmed messages a producer keeps before it refuses new ones (back-pressure).
pub const MAX_UNCONFIRMED: usize = 10_000;
/// Records kept per partition of a log that no consumer group reads.
pub const LOG_RETENTION: usize = 10_000;

/// The partition of `key` among `partitions` (a fixed hash, like Kafka's default partitioner).
pub fn partition_of(key: u32, partitions: usize) -> usize {
    let mut z = (key as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) % partitions.max(1) as u64) as usize
}

impl Engine {
    fn queue_spec(&self, broker: usize, q: usize) -> Option<&QueueSpec> {
        match self.role(broker) {
            Role::Broker(b) => b.queues.get(q),
            _ => None,
        }
    }

    fn group_spec(&self, g: usize) -> Option<&crate::scenario::ConsumerGroupSpec> {
        match self.role(g) {
            Role::ConsumerGroup(s) => Some(s),
            _ => None,
        }
    }

    fn broker_up(&self, b: usize) -> bool {
        matches!(&self.nodes[b], NodeRt::Broker(br) if br.up)
    }

    /// A producer's workload fired: a new message.
    pub(crate) fn publish_new(&mut self, node: usize) {
        let Role::Producer(spec) = &self.scenario.nodes[node].role else {
            return;
        };
        let (confirms, key_space, poison_ratio, persistent, json) = (
            spec.confirms.as_ref().map(|c| c.timeout_ms),
            spec.key_space,
            spec.poison_ratio,
            spec.persistent,
            spec.encoding == Encoding::Json,
        );
        let NodeRt::Producer(p) = &mut self.nodes[node] else {
            return;
        };
        let Some(target) = p.target else { return };
        if confirms.is_some() && p.unconfirmed.len() >= MAX_UNCONFIRMED {
            self.metrics.bump(node, |c| c.refused += 1);
            return;
        }
        let key = p.choice.below(key_space.max(1));
        let mut f = 0;
        if p.choice.chance(poison_ratio) {
            f |= flags::POISON;
        }
        if persistent {
            f |= flags::PERSISTENT;
        }
        if json {
            f |= flags::JSON;
        }
        let origin = self.new_origin();
        self.journeys.record(origin, self.now, || Step::Created {
            at: Endpoint::new(node, 0),
            key,
        });
        self.metrics.bump(node, |c| c.sent += 1);
        if let Some(timeout_ms) = confirms {
            let NodeRt::Producer(p) = &mut self.nodes[node] else {
                return;
            };
            p.unconfirmed.insert(
                origin,
                Unconfirmed {
                    key,
                    created: self.now,
                    flags: f,
                },
            );
            let at = self.now.after(ms_to_ns(timeout_ms));
            self.schedule(
                at,
                Event::ConfirmTimeout {
                    node: node as u16,
                    origin,
                },
            );
        }
        let now = self.now;
        self.publish_from(Endpoint::new(node, 0), target, key, f, Some((origin, now)));
    }

    /// Sends a publish from `from` to a broker box.
    pub(crate) fn publish_from(
        &mut self,
        from: Endpoint,
        target: BoxRef,
        key: u32,
        f: u8,
        origin: Option<(u64, super::time::SimTime)>,
    ) {
        let (origin, created) = match origin {
            Some(o) => o,
            None => {
                let o = self.new_origin();
                self.journeys
                    .record(o, self.now, || Step::Created { at: from, key });
                self.metrics.bump(from.node as usize, |c| c.sent += 1);
                (o, self.now)
            }
        };
        let Some(slot) = self.create(
            MsgKind::Event,
            origin,
            from,
            Ctx::Publish {
                producer: from.node,
            },
            key,
            created,
            f,
        ) else {
            return;
        };
        self.emit(OutputKind::Published, from, 0, origin, MsgKind::Event);
        if !self.broker_up(target.broker) {
            // Connection refused: nothing travels.
            self.finish(slot, MsgState::Lost(LossReason::NodeDown));
            return;
        }
        let to = Endpoint::new(target.broker, target.inst(&self.scenario));
        self.send(slot, from, to, MsgKind::Event);
    }

    pub(crate) fn on_confirm_timeout(&mut self, node: usize, origin: u64) {
        let Role::Producer(spec) = self.role(node).clone() else {
            return;
        };
        let NodeRt::Producer(p) = &mut self.nodes[node] else {
            return;
        };
        if !p.up {
            return;
        }
        let Some(u) = p.unconfirmed.get(&origin) else {
            return;
        };
        let (key, created, f) = (u.key, u.created, u.flags);
        let Some(target) = p.target else { return };
        let Some(cf) = spec.confirms else { return };
        self.metrics.bump(node, |c| c.republished += 1);
        self.journeys.record(origin, self.now, || Step::Republished);
        let at = self.now.after(ms_to_ns(cf.timeout_ms));
        self.schedule(
            at,
            Event::ConfirmTimeout {
                node: node as u16,
                origin,
            },
        );
        self.publish_from(
            Endpoint::new(node, 0),
            target,
            key,
            f,
            Some((origin, created)),
        );
    }

    /// A confirm reached its producer.
    pub(crate) fn producer_receive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        self.finish(slot, MsgState::Done);
        let NodeRt::Producer(p) = &mut self.nodes[m.to.node as usize] else {
            return;
        };
        if !p.up || m.has(flags::REFUSED) {
            return; // A negative confirm: the timeout will publish again.
        }
        if p.unconfirmed.remove(&m.origin).is_some() {
            self.journeys.record(m.origin, self.now, || Step::Confirmed);
        }
    }

    fn confirm(&mut self, producer: usize, at: Endpoint, origin: u64, key: u32, refused: bool) {
        let wants = matches!(self.role(producer), Role::Producer(p) if p.confirms.is_some());
        if !wants {
            return;
        }
        let f = if refused { flags::REFUSED } else { 0 };
        if let Some(c) = self.create(MsgKind::Ack, origin, at, Ctx::Confirm, key, self.now, f) {
            self.send(c, at, Endpoint::new(producer, 0), MsgKind::Ack);
        }
    }

    /// Something reached a broker: a publish, an ack or nack, or an offset commit.
    pub(crate) fn broker_receive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let b = m.to.node as usize;
        if !self.broker_up(b) {
            self.finish(slot, MsgState::Lost(LossReason::NodeDown));
            return;
        }
        let Role::Broker(spec) = self.role(b) else {
            return;
        };
        let (nq, nl) = (spec.queues.len(), spec.logs.len());
        match m.ctx {
            Ctx::Publish { producer } => {
                let inst = m.to.inst as usize;
                let mut refused = false;
                if inst < nq {
                    refused = !self.enqueue(b, inst, slot);
                } else if inst < nq + nl {
                    self.append(b, inst - nq, &m);
                    self.finish(slot, MsgState::Done);
                } else {
                    let x = inst - nq - nl;
                    let NodeRt::Broker(br) = &self.nodes[b] else {
                        return;
                    };
                    let bound = br.exchanges.get(x).cloned().unwrap_or_default();
                    for q in bound {
                        if let Some(copy) = self.create(
                            MsgKind::Event,
                            m.origin,
                            m.to,
                            Ctx::Queue { queue: q as u16 },
                            m.key,
                            m.created,
                            m.flags,
                        ) {
                            self.enqueue(b, q, copy);
                        }
                    }
                    self.finish(slot, MsgState::Done);
                }
                self.confirm(producer as usize, m.to, m.origin, m.key, refused);
            }
            Ctx::Queue { queue } => self.on_ack(b, queue as usize, slot),
            Ctx::Commit {
                log,
                partition,
                offset,
                ..
            } => {
                self.finish(slot, MsgState::Done);
                self.on_commit(m.from, log as usize, partition as usize, offset);
            }
            _ => self.finish(slot, MsgState::Done),
        }
    }

    /// Puts a message at the tail of a queue; false if the queue refused it.
    fn enqueue(&mut self, b: usize, q: usize, slot: u32) -> bool {
        let Some(spec) = self.queue_spec(b, q) else {
            return false;
        };
        let (max_length, overflow) = (spec.max_length, spec.overflow);
        self.expire_heads(b, q);
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return false;
        };
        if let Some(max) = max_length {
            if br.queues[q].ready.len() >= max as usize {
                match overflow {
                    Overflow::RejectPublish => {
                        let at = Endpoint::new(b, q);
                        if let Some(m) = self.msgs.get_mut(slot) {
                            m.to = at;
                        }
                        self.finish(slot, MsgState::Lost(LossReason::Overflow));
                        self.emit(OutputKind::Refused, at, 0, 0, MsgKind::Event);
                        return false;
                    }
                    Overflow::DropHead => {
                        let head = br.queues[q]
                            .ready
                            .pop_front()
                            .expect("full queue has a head");
                        self.leave_wait(b, q, None);
                        self.dead_letter_or_lose(b, q, head, LossReason::Overflow);
                    }
                }
            }
        }
        let now = self.now;
        let m = self.msgs.get_mut(slot).expect("live");
        m.ctx = Ctx::Queue { queue: q as u16 };
        m.to = Endpoint::new(b, q);
        m.enqueued = now;
        let origin = m.origin;
        self.set_state(slot, MsgState::Queued);
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return false;
        };
        br.queues[q].ready.push_back(slot);
        self.enter_wait(b, q);
        self.journeys.record(origin, now, || Step::Queued {
            at: Endpoint::new(b, q),
        });
        self.dispatch(b, q);
        true
    }

    fn first_group(&self, b: usize, q: usize) -> Option<usize> {
        match &self.nodes[b] {
            NodeRt::Broker(br) => br.queues.get(q)?.groups.first().copied(),
            _ => None,
        }
    }

    fn enter_wait(&mut self, b: usize, q: usize) {
        if let Some(g) = self.first_group(b, q) {
            self.metrics.wait[g].enter(self.now);
        }
    }

    fn leave_wait(&mut self, b: usize, q: usize, wait: Option<u64>) {
        if let Some(g) = self.first_group(b, q) {
            self.metrics.wait[g].leave(self.now, wait);
        }
    }

    fn dead_letter_or_lose(&mut self, b: usize, q: usize, slot: u32, reason: LossReason) {
        let dlq = self.queue_spec(b, q).is_some_and(|s| s.dead_letter);
        let at = Endpoint::new(b, q);
        let origin = self.msgs.get(slot).map_or(0, |m| m.origin);
        if let Some(m) = self.msgs.get_mut(slot) {
            m.to = at;
        }
        if dlq {
            self.dead_letter(b, q, slot);
        } else {
            self.emit(OutputKind::Lost, at, 0, origin, MsgKind::Event);
            self.finish(slot, MsgState::Lost(reason));
        }
    }

    fn dead_letter(&mut self, b: usize, q: usize, slot: u32) {
        let at = Endpoint::new(b, q);
        let origin = self.msgs.get(slot).map_or(0, |m| m.origin);
        if let Some(m) = self.msgs.get_mut(slot) {
            m.to = at;
        }
        if let NodeRt::Broker(br) = &mut self.nodes[b] {
            br.queues[q].dlq += 1;
        }
        self.emit(OutputKind::DeadLettered, at, 0, origin, MsgKind::Event);
        self.finish(slot, MsgState::DeadLettered);
    }

    // Inlined: most queues have no time to live, and this runs at every enqueue and dispatch.
    /// Expires messages at the head of a queue whose time to live has run out.
    #[inline(always)]
    fn expire_heads(&mut self, b: usize, q: usize) {
        if let Some(ttl) = self.queue_spec(b, q).and_then(|s| s.ttl_ms) {
            self.expire_heads_older_than(b, q, ms_to_ns(ttl));
        }
    }

    fn expire_heads_older_than(&mut self, b: usize, q: usize, ttl: u64) {
        loop {
            let NodeRt::Broker(br) = &mut self.nodes[b] else {
                return;
            };
            let Some(&head) = br.queues[q].ready.front() else {
                return;
            };
            let m = self.msgs.get(head).expect("queued");
            if self.now.since(m.enqueued) < ttl {
                return;
            }
            br.queues[q].ready.pop_front();
            let origin = m.origin;
            self.leave_wait(b, q, None);
            self.metrics.bump(b, |c| c.expired += 1);
            self.emit(
                OutputKind::Expired,
                Endpoint::new(b, q),
                0,
                origin,
                MsgKind::Event,
            );
            if self.queue_spec(b, q).is_some_and(|s| s.dead_letter) {
                self.dead_letter(b, q, head);
            } else {
                self.set_state(head, MsgState::Expired);
                self.journeys.record(origin, self.now, || Step::Expired);
            }
        }
    }

    /// Number of dispatch candidates of a queue read by `groups` in broker `b`.
    fn dispatch_candidates(&self, groups: &[usize], b: usize) -> usize {
        groups
            .iter()
            .filter(|&&g| self.reachable(b, g))
            .map(|&g| match &self.nodes[g] {
                NodeRt::Group(gr) => gr.consumers.len(),
                _ => 0,
            })
            .sum()
    }

    /// The first candidate at or cyclically after `start` that is up and under its
    /// prefetch: (candidate number, group, consumer).
    fn dispatch_pick(
        &self,
        groups: &[usize],
        b: usize,
        start: usize,
    ) -> Option<(usize, usize, usize)> {
        // Two passes over the numbering: [start, n), then [0, start).
        for pass in 0..2 {
            let mut base = 0;
            for &g in groups {
                if !self.reachable(b, g) {
                    continue;
                }
                let NodeRt::Group(gr) = &self.nodes[g] else {
                    continue;
                };
                let count = gr.consumers.len();
                let (lo, hi) = if pass == 0 {
                    (start.saturating_sub(base).min(count), count)
                } else {
                    (0, start.saturating_sub(base).min(count))
                };
                if lo < hi {
                    let prefetch = self.group_spec(g).map_or(1, |s| s.prefetch);
                    if let Some(c) = gr.consumers[lo..hi]
                        .iter()
                        .position(|x| x.up && x.outstanding < prefetch)
                    {
                        return Some((base + lo + c, g, lo + c));
                    }
                }
                base += count;
            }
        }
        None
    }

    /// Hands ready messages to consumers with room under their prefetch, round-robin.
    pub(crate) fn dispatch(&mut self, b: usize, q: usize) {
        if !self.broker_up(b) {
            return;
        }
        self.expire_heads(b, q);
        let NodeRt::Broker(br) = &self.nodes[b] else {
            return;
        };
        if br.queues[q].ready.is_empty() {
            // The usual case after an ack: nothing waits, so no candidate needs counting.
            return;
        }
        // Candidates are the consumers of every reachable group, in group order, numbered
        // 0..n; the round-robin cursor indexes that numbering.
        let n = self.dispatch_candidates(&br.queues[q].groups, b);
        if n == 0 {
            return;
        }
        loop {
            let NodeRt::Broker(br) = &self.nodes[b] else {
                return;
            };
            let qr = &br.queues[q];
            if qr.ready.is_empty() {
                return;
            }
            let Some((i, g, c)) = self.dispatch_pick(&qr.groups, b, wrap(qr.rr, n)) else {
                return;
            };
            let NodeRt::Broker(br) = &mut self.nodes[b] else {
                return;
            };
            br.queues[q].rr = wrap(i + 1, n);
            let slot = br.queues[q].ready.pop_front().expect("non-empty");
            if let NodeRt::Group(gr) = &mut self.nodes[g] {
                gr.consumers[c].outstanding += 1;
            }
            let auto = self.group_spec(g).is_some_and(|s| s.ack == AckMode::Auto);
            let m = self.msgs.get_mut(slot).expect("queued");
            m.deliveries += 1;
            if m.deliveries > 1 {
                m.flags |= flags::REDELIVERED;
            }
            let redelivery = m.deliveries > 1;
            if redelivery {
                self.metrics.bump(b, |c| c.redelivered += 1);
            }
            if auto {
                self.metrics.bump(b, |c| c.acked += 1);
            }
            self.send(
                slot,
                Endpoint::new(b, q),
                Endpoint::new(g, c),
                MsgKind::Event,
            );
        }
    }

    /// A delivery reached a consumer.
    pub(crate) fn consumer_receive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let (g, c) = (m.to.node as usize, m.to.inst as usize);
        let up = matches!(&self.nodes[g], NodeRt::Group(gr) if gr.consumers.get(c).is_some_and(|x| x.up));
        let valid = match m.ctx {
            Ctx::Record { partition, gen, .. } => matches!(&self.nodes[g], NodeRt::Group(gr)
                if gr.log.as_ref().is_some_and(|l| l.epoch.get(partition as usize) == Some(&gen) && l.owner[partition as usize] == Some(c as u16))),
            _ => true,
        };
        if !up || !valid {
            self.delivery_failed(slot, LossReason::NodeDown);
            return;
        }
        self.set_state(slot, MsgState::Queued);
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        gr.consumers[c].buffer.push_back(slot);
        if !gr.consumers[c].busy {
            self.start_next(g, c);
        }
    }

    /// A delivery could not be handled by its consumer: requeue, abandon or lose it.
    fn delivery_failed(&mut self, slot: u32, reason: LossReason) {
        let m = self.msgs.get(slot).expect("live").clone();
        let (g, c) = (m.to.node as usize, m.to.inst as usize);
        if let NodeRt::Group(gr) = &mut self.nodes[g] {
            gr.release(c);
        }
        match m.ctx {
            Ctx::Queue { queue } => {
                let b = m.from.node as usize;
                let manual = self.group_spec(g).is_some_and(|s| s.ack == AckMode::Manual);
                if manual {
                    self.requeue(b, queue as usize, slot);
                } else {
                    self.leave_wait(b, queue as usize, None);
                    self.emit(OutputKind::Lost, m.to, m.id, m.origin, m.kind);
                    self.finish(slot, MsgState::Lost(reason));
                    self.dispatch(b, queue as usize);
                }
            }
            Ctx::Record {
                log,
                partition,
                offset,
                gen,
            } => {
                self.finish(slot, MsgState::Lost(LossReason::Abandoned));
                self.rewind(g, log as usize, partition as usize, offset, gen);
            }
            _ => self.finish(slot, MsgState::Lost(reason)),
        }
    }

    /// A record delivery was lost: the consumer fetches again from that offset.
    fn rewind(&mut self, g: usize, _log: usize, p: usize, offset: u64, gen: u32) {
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        let Some(l) = gr.log.as_mut() else { return };
        if l.epoch.get(p) == Some(&gen) {
            l.fetched[p] = l.fetched[p].min(offset);
            l.epoch[p] += 1;
            l.mark(p);
        }
        self.dispatch_group_log(g);
    }

    /// Back into the queue (at the head) for redelivery, unless delivered too often.
    fn requeue(&mut self, b: usize, q: usize, slot: u32) {
        let max = self.queue_spec(b, q).and_then(|s| s.max_deliveries);
        let m = self.msgs.get_mut(slot).expect("live");
        // Only what had started processing re-enters the waiting line.
        let reenter = m.kind == MsgKind::Ack || m.state == MsgState::InService;
        m.flags &= !flags::NACK;
        let (origin, deliveries) = (m.origin, m.deliveries);
        if max.is_some_and(|mx| deliveries as u32 >= mx) {
            if !reenter {
                self.leave_wait(b, q, None);
            }
            self.dead_letter(b, q, slot);
            self.dispatch(b, q);
            return;
        }
        if !self.broker_up(b) {
            if !reenter {
                self.leave_wait(b, q, None);
            }
            self.finish(slot, MsgState::Lost(LossReason::NodeDown));
            return;
        }
        let now = self.now;
        let m = self.msgs.get_mut(slot).expect("live");
        m.to = Endpoint::new(b, q);
        m.ctx = Ctx::Queue { queue: q as u16 };
        m.enqueued = now;
        self.set_state(slot, MsgState::Queued);
        if let NodeRt::Broker(br) = &mut self.nodes[b] {
            br.queues[q].ready.push_front(slot);
        }
        if reenter {
            self.enter_wait(b, q);
        }
        self.journeys.record(origin, now, || Step::Requeued);
        self.emit(
            OutputKind::Requeued,
            Endpoint::new(b, q),
            0,
            origin,
            MsgKind::Event,
        );
        self.dispatch(b, q);
    }

    fn start_next(&mut self, g: usize, c: usize) {
        loop {
            let NodeRt::Group(gr) = &mut self.nodes[g] else {
                return;
            };
            let Some(slot) = gr.consumers[c].buffer.pop_front() else {
                gr.consumers[c].busy = false;
                return;
            };
            // A record of a partition revoked since it was fetched is dropped unprocessed.
            let stale = match self.msgs.get(slot).map(|m| m.ctx) {
                Some(Ctx::Record { partition, gen, .. }) => gr
                    .log
                    .as_ref()
                    .is_none_or(|l| l.epoch[partition as usize] != gen),
                _ => false,
            };
            if stale {
                gr.release(c);
                self.finish(slot, MsgState::Lost(LossReason::Abandoned));
                continue;
            }
            gr.consumers[c].busy = true;
            let Some(spec) = self.group_spec(g) else {
                return;
            };
            let processing = spec.processing;
            let NodeRt::Group(gr) = &mut self.nodes[g] else {
                return;
            };
            let dur = sample(&processing, gr.slow, &mut gr.work);
            let m = self.msgs.get(slot).expect("buffered");
            let (origin, enq, deliveries, redelivered, id) = (
                m.origin,
                m.enqueued,
                m.deliveries,
                m.has(flags::REDELIVERED),
                m.id,
            );
            let is_queue = matches!(m.ctx, Ctx::Queue { .. });
            if is_queue {
                let b = m.from.node as usize;
                let q = match m.ctx {
                    Ctx::Queue { queue } => queue as usize,
                    _ => 0,
                };
                let first = self.first_group(b, q);
                if first == Some(g) {
                    self.metrics.wait[g].leave(self.now, Some(self.now.since(enq)));
                }
            } else {
                self.metrics.wait[g].leave(self.now, Some(self.now.since(enq)));
            }
            self.metrics.bump(g, |x| {
                x.delivered += 1;
                x.work_ns = x.work_ns.saturating_add(dur);
            });
            if redelivered && !is_queue {
                self.metrics.bump(g, |x| x.redelivered += 1);
            }
            self.journeys.record(origin, self.now, || Step::Delivered {
                at: Endpoint::new(g, c),
                attempt: deliveries.max(1),
            });
            self.set_state(slot, MsgState::InService);
            self.schedule(self.now.after(dur), Event::ConsumeDone { slot, id });
            return;
        }
    }

    pub(crate) fn on_consume_done(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let (g, c) = (m.to.node as usize, m.to.inst as usize);
        let Some(spec) = self.group_spec(g) else {
            return;
        };
        let (ack, on_failure, commit) = (spec.ack, spec.on_failure, spec.commit);
        let here = Endpoint::new(g, c);
        let poison = m.has(flags::POISON);
        if !poison {
            self.processed(g, c, &m);
        }
        match m.ctx {
            Ctx::Queue { queue } => {
                let b = m.from.node as usize;
                if ack == AckMode::Manual {
                    let mm = self.msgs.get_mut(slot).expect("live");
                    if poison {
                        mm.flags |= flags::NACK;
                        self.metrics.bump(g, |x| x.nacked += 1);
                        self.journeys.record(m.origin, self.now, || Step::Nacked {
                            requeue: on_failure == OnFailure::Requeue,
                        });
                    }
                    self.send(slot, here, Endpoint::new(b, queue as usize), MsgKind::Ack);
                } else {
                    if let NodeRt::Group(gr) = &mut self.nodes[g] {
                        gr.release(c);
                    }
                    if poison {
                        self.emit(OutputKind::Lost, here, m.id, m.origin, m.kind);
                        self.finish(slot, MsgState::Lost(LossReason::ProcessingFailed));
                    } else {
                        self.finish(slot, MsgState::Done);
                    }
                    self.dispatch(b, queue as usize);
                }
            }
            Ctx::Record {
                log,
                partition,
                offset,
                ..
            } => {
                if let NodeRt::Group(gr) = &mut self.nodes[g] {
                    gr.release(c);
                    if let Some(l) = gr.log.as_mut() {
                        let p = partition as usize;
                        l.processed[p] = l.processed[p].max(offset + 1);
                    }
                }
                if poison {
                    // A log cannot nack: the consumer parks the record in a dead-letter topic and moves on.
                    self.metrics.bump(g, |x| x.dead_lettered += 1);
                    self.emit(OutputKind::DeadLettered, here, m.id, m.origin, m.kind);
                    self.set_state(slot, MsgState::DeadLettered);
                    self.journeys
                        .record(m.origin, self.now, || Step::DeadLettered);
                } else {
                    self.finish(slot, MsgState::Done);
                }
                if commit == CommitMode::AfterProcessing {
                    self.send_commit(g, c, log as usize, partition as usize, offset + 1);
                }
                self.dispatch_group_log(g);
            }
            _ => self.finish(slot, MsgState::Done),
        }
        self.start_next(g, c);
    }

    /// Bookkeeping of a successful processing: latency, duplicates and key order.
    fn processed(&mut self, g: usize, c: usize, m: &super::message::Msg) {
        let lat = self.now.since(m.created);
        self.metrics.latency[g].record(lat);
        self.metrics.series.done(lat);
        self.metrics.bump(g, |x| x.processed += 1);
        self.journeys
            .record(m.origin, self.now, || Step::Processed {
                at: Endpoint::new(g, c),
            });
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        gr.consumers[c].processed += 1;
        let dup = gr.seen.insert(m.origin);
        let k = m.key as usize;
        let last = if k < DENSE_KEYS {
            if k >= gr.last_by_key.len() {
                gr.last_by_key.resize(k + 1, 0);
            }
            &mut gr.last_by_key[k]
        } else {
            gr.last_by_big_key.entry(m.key).or_insert(0)
        };
        // A duplicate is a replay, not a reordering.
        let reordered = !dup && m.origin < *last;
        *last = (*last).max(m.origin);
        if dup {
            self.metrics.bump(g, |x| x.duplicated += 1);
            self.emit(
                OutputKind::Duplicate,
                Endpoint::new(g, c),
                m.id,
                m.origin,
                m.kind,
            );
        } else {
            self.emit(
                OutputKind::Processed,
                Endpoint::new(g, c),
                m.id,
                m.origin,
                m.kind,
            );
        }
        if reordered {
            self.metrics.bump(g, |x| x.reordered += 1);
        }
    }

    /// An ack or nack reached the broker.
    fn on_ack(&mut self, b: usize, q: usize, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        self.release_acker(&m);
        let g = m.from.node as usize;
        if m.has(flags::NACK) {
            let requeue = self
                .group_spec(g)
                .is_none_or(|s| s.on_failure == OnFailure::Requeue);
            if requeue {
                self.requeue(b, q, slot);
            } else {
                self.dead_letter(b, q, slot);
                self.dispatch(b, q);
            }
            return;
        }
        self.metrics.bump(b, |x| x.acked += 1);
        self.journeys.record(m.origin, self.now, || Step::Acked);
        self.finish(slot, MsgState::Done);
        self.dispatch(b, q);
    }

    /// The ack or nack `m` arrived or was lost: its consumer has one more slot under its
    /// prefetch, unless it has crashed since sending it (an orphan).
    fn release_acker(&mut self, m: &Msg) {
        if m.has(flags::ORPHAN) {
            return;
        }
        if let NodeRt::Group(gr) = &mut self.nodes[m.from.node as usize] {
            gr.release(m.from.inst as usize);
        }
    }

    /// A queue message (delivery or ack) was lost on a link.
    pub(crate) fn queue_msg_lost(&mut self, slot: u32, queue: u16, reason: LossReason) {
        let m = self.msgs.get(slot).expect("live").clone();
        if m.kind == MsgKind::Ack {
            // The ack never arrives: the broker redelivers once it sees the channel fail.
            self.release_acker(&m);
            self.requeue(m.to.node as usize, queue as usize, slot);
        } else {
            self.delivery_failed(slot, reason);
        }
    }

    /// A record delivery was lost on a link.
    pub(crate) fn record_delivery_lost(&mut self, slot: u32) {
        self.delivery_failed(slot, LossReason::LinkLoss);
    }

    // ----- partitioned logs ---------------------------------------------------------------

    fn append(&mut self, b: usize, l: usize, m: &super::message::Msg) {
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return;
        };
        let log = &mut br.logs[l];
        let p = partition_of(m.key, log.partitions.len());
        let part = &mut log.partitions[p];
        part.records.push_back(Record {
            origin: m.origin,
            key: m.key,
            created: m.created,
            flags: m.flags,
            size: m.size,
        });
        if log.groups.is_empty() && part.records.len() > LOG_RETENTION {
            part.records.pop_front();
            part.base += 1;
        }
        let readers = log.groups.len();
        self.journeys
            .record(m.origin, self.now, || Step::Queued { at: m.to });
        for i in 0..readers {
            let NodeRt::Broker(br) = &self.nodes[b] else {
                return;
            };
            let g = br.logs[l].groups[i];
            if let NodeRt::Group(gr) = &mut self.nodes[g] {
                if let Some(lg) = gr.log.as_mut() {
                    lg.mark(p);
                }
            }
            self.metrics.wait[g].enter(self.now);
            self.dispatch_group_log(g);
        }
    }

    pub(crate) fn log_ends(&self, g: &GroupRt) -> Vec<u64> {
        match g.source {
            Some(BoxRef {
                broker,
                kind: BoxKind::Log,
                idx,
            }) => match &self.nodes[broker] {
                NodeRt::Broker(br) => br.logs[idx].partitions.iter().map(|p| p.end()).collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// Pushes records to the owners of a group's partitions, one per partition per round.
    pub(crate) fn dispatch_group_log(&mut self, g: usize) {
        let NodeRt::Group(gr) = &self.nodes[g] else {
            return;
        };
        let Some(BoxRef {
            broker: b,
            kind: BoxKind::Log,
            idx: l,
        }) = gr.source
        else {
            return;
        };
        if !self.broker_up(b) || !self.reachable(b, g) {
            return;
        }
        let prefetch = self.group_spec(g).map_or(1, |s| s.prefetch);
        let inst = BoxRef {
            broker: b,
            kind: BoxKind::Log,
            idx: l,
        }
        .inst(&self.scenario);
        loop {
            let mut progressed = false;
            let NodeRt::Group(gr) = &self.nodes[g] else {
                return;
            };
            let n = gr.log.as_ref().map_or(0, |x| x.owner.len());
            let start = gr.log.as_ref().map_or(0, |x| x.rr);
            // Partitions in the order start, start + 1, …, start + n - 1 (mod n), skipping
            // those known to be caught up: visiting them would change nothing.
            let first = if n == 0 { 0 } else { wrap(start, n) };
            let mut pass = 0;
            let mut cursor = first;
            loop {
                let hi = if pass == 0 { n } else { first };
                let NodeRt::Group(gr) = &self.nodes[g] else {
                    return;
                };
                let Some(p) = gr.log.as_ref().and_then(|x| x.next_dirty(cursor, hi)) else {
                    if pass == 0 {
                        pass = 1;
                        cursor = 0;
                        continue;
                    }
                    break;
                };
                cursor = p + 1;
                let NodeRt::Broker(br) = &self.nodes[b] else {
                    return;
                };
                let part = &br.logs[l].partitions[p];
                let (base, end) = (part.base, part.end());
                let NodeRt::Group(gr) = &mut self.nodes[g] else {
                    return;
                };
                let Some(lg) = gr.log.as_mut() else { return };
                // No owner: a rebalance marks every partition when a consumer returns.
                let Some(o) = lg.owner[p] else { continue };
                let cons = &gr.consumers[o as usize];
                if !cons.up || cons.outstanding >= prefetch {
                    lg.park(p);
                    continue;
                }
                if lg.fetched[p] < base {
                    lg.fetched[p] = base;
                }
                let offset = lg.fetched[p];
                if offset >= end {
                    lg.clean(p);
                    continue;
                }
                lg.fetched[p] += 1;
                if offset + 1 == end {
                    // Caught up: the next round's visit would only find that out.
                    lg.clean(p);
                }
                let redelivery = offset < lg.high[p];
                lg.high[p] = lg.high[p].max(offset + 1);
                let gen = lg.epoch[p];
                gr.consumers[o as usize].outstanding += 1;
                let NodeRt::Broker(br) = &self.nodes[b] else {
                    return;
                };
                let rec = br.logs[l].partitions[p].records[(offset - base) as usize];
                let from = Endpoint::new(b, inst);
                let ctx = Ctx::Record {
                    log: l as u16,
                    partition: p as u16,
                    offset,
                    gen,
                };
                let mut f = rec.flags;
                if redelivery {
                    f |= flags::REDELIVERED;
                }
                let Some(slot) = self.create(
                    MsgKind::Event,
                    rec.origin,
                    from,
                    ctx,
                    rec.key,
                    rec.created,
                    f,
                ) else {
                    return;
                };
                if let Some(mm) = self.msgs.get_mut(slot) {
                    mm.deliveries = 1 + u16::from(redelivery);
                    // `send` keeps a known size of an event sent on as an event.
                    mm.size = rec.size;
                }
                if redelivery {
                    self.metrics.wait[g].enter(self.now);
                }
                self.send(slot, from, Endpoint::new(g, o as usize), MsgKind::Event);
                progressed = true;
            }
            if let NodeRt::Group(gr) = &mut self.nodes[g] {
                if let Some(lg) = gr.log.as_mut() {
                    lg.rr = wrap(start + 1, n.max(1));
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn send_commit(&mut self, g: usize, c: usize, l: usize, p: usize, offset: u64) {
        let NodeRt::Group(gr) = &self.nodes[g] else {
            return;
        };
        let Some(BoxRef { broker: b, .. }) = gr.source else {
            return;
        };
        let gen = gr.log.as_ref().map_or(0, |x| x.generation);
        let from = Endpoint::new(g, c);
        let ctx = Ctx::Commit {
            log: l as u16,
            partition: p as u16,
            offset,
            gen,
        };
        let origin = self.new_origin();
        if let Some(slot) = self.create(MsgKind::Ack, origin, from, ctx, 0, self.now, 0) {
            let inst = BoxRef {
                broker: b,
                kind: BoxKind::Log,
                idx: l,
            }
            .inst(&self.scenario);
            self.send(slot, from, Endpoint::new(b, inst), MsgKind::Ack);
        }
    }

    fn on_commit(&mut self, from: Endpoint, l: usize, p: usize, offset: u64) {
        let g = from.node as usize;
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        let Some(lg) = gr.log.as_mut() else { return };
        // Fencing: only the partition's current owner may commit.
        if lg.owner.get(p) != Some(&Some(from.inst)) {
            return;
        }
        lg.committed[p] = lg.committed[p].max(offset);
        self.trim(g, l, p);
    }

    /// Drops records every group has committed.
    fn trim(&mut self, g: usize, l: usize, p: usize) {
        let NodeRt::Group(gr) = &self.nodes[g] else {
            return;
        };
        let Some(BoxRef { broker: b, .. }) = gr.source else {
            return;
        };
        let NodeRt::Broker(br) = &self.nodes[b] else {
            return;
        };
        let min = br.logs[l]
            .groups
            .iter()
            .filter_map(|&gg| match &self.nodes[gg] {
                NodeRt::Group(x) => x.log.as_ref().map(|lg| lg.committed[p]),
                _ => None,
            })
            .min()
            .unwrap_or(0);
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return;
        };
        // Nothing to mark dirty: every group has fetched at least what it committed.
        let part = &mut br.logs[l].partitions[p];
        while part.base < min && !part.records.is_empty() {
            part.records.pop_front();
            part.base += 1;
        }
    }

    pub(crate) fn on_commit_tick(&mut self, g: usize) {
        let Some(CommitMode::Periodic { interval_ms }) = self.group_spec(g).map(|s| s.commit)
        else {
            return;
        };
        self.schedule(
            self.now.after(ms_to_ns(interval_ms).max(1)),
            Event::CommitTick { node: g as u16 },
        );
        let NodeRt::Group(gr) = &self.nodes[g] else {
            return;
        };
        let Some(lg) = &gr.log else { return };
        let Some(BoxRef { idx: l, .. }) = gr.source else {
            return;
        };
        let todo: Vec<(usize, usize, u64)> = (0..lg.owner.len())
            .filter_map(|p| {
                let o = lg.owner[p]? as usize;
                (gr.consumers[o].up && lg.processed[p] > lg.committed[p]).then_some((
                    o,
                    p,
                    lg.processed[p],
                ))
            })
            .collect();
        for (o, p, off) in todo {
            self.send_commit(g, o, l, p, off);
        }
    }

    /// Assigns partitions to live consumers (partition p to the (p mod n)-th live consumer).
    /// A partition that changes hands restarts from its committed offset.
    pub(crate) fn rebalance(&mut self, g: usize) {
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        let live: Vec<u16> = (0..gr.consumers.len())
            .filter(|&c| gr.consumers[c].up)
            .map(|c| c as u16)
            .collect();
        let Some(lg) = gr.log.as_mut() else { return };
        let mut changed = false;
        for p in 0..lg.owner.len() {
            let new = if live.is_empty() {
                None
            } else {
                Some(live[p % live.len()])
            };
            if lg.owner[p] != new {
                lg.owner[p] = new;
                lg.epoch[p] += 1;
                lg.fetched[p] = lg.committed[p];
                lg.processed[p] = lg.committed[p];
                changed = true;
            }
        }
        lg.mark_all();
        if changed {
            lg.generation += 1;
            if self.now.0 > 0 {
                self.emit(
                    OutputKind::Rebalanced,
                    Endpoint::new(g, 0),
                    0,
                    0,
                    MsgKind::Event,
                );
            }
        }
        self.dispatch_group_log(g);
    }

    /// Takes back every delivery held by consumer `c` of group `g` (crash or removal).
    pub(crate) fn reclaim_consumer(&mut self, g: usize, c: usize, reason: LossReason) {
        let here = Endpoint::new(g, c);
        let mut held: Vec<(u64, u32)> = Vec::new();
        for (s, m) in self.msgs.iter_mut() {
            let queue = matches!(m.ctx, Ctx::Queue { .. });
            if m.to == here && (queue || matches!(m.ctx, Ctx::Record { .. })) {
                held.push((m.origin, s));
            } else if m.from == here && m.kind == MsgKind::Ack && queue {
                // Still reaches the broker, but belongs to the crashed incarnation: it must
                // not free a prefetch slot of the restarted one.
                m.flags |= flags::ORPHAN;
            }
        }
        held.sort_unstable();
        if let NodeRt::Group(gr) = &mut self.nodes[g] {
            if let Some(x) = gr.consumers.get_mut(c) {
                x.buffer.clear();
                x.busy = false;
                x.outstanding = 0;
            }
        }
        let manual = self.group_spec(g).is_some_and(|s| s.ack == AckMode::Manual);
        let mut touched = Vec::new();
        // Requeue newest first at the head, so the queue keeps the original order.
        for &(_, slot) in held.iter().rev() {
            let m = self.msgs.get(slot).expect("live").clone();
            match m.ctx {
                Ctx::Queue { queue } => {
                    let b = m.from.node as usize;
                    if manual && self.broker_up(b) {
                        self.requeue(b, queue as usize, slot);
                    } else {
                        if m.state != MsgState::InService {
                            self.leave_wait(b, queue as usize, None);
                        }
                        self.emit(OutputKind::Lost, here, m.id, m.origin, m.kind);
                        self.finish(slot, MsgState::Lost(reason));
                    }
                    touched.push((b, queue as usize));
                }
                _ => self.finish(slot, MsgState::Lost(LossReason::Abandoned)),
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for (b, q) in touched {
            self.dispatch(b, q);
        }
    }

    /// Crashes consumer `c` of group `g`.
    pub(crate) fn crash_consumer(&mut self, g: usize, c: usize) {
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        let Some(x) = gr.consumers.get_mut(c) else {
            return;
        };
        if !x.up {
            return;
        }
        x.up = false;
        self.emit(
            OutputKind::Crashed,
            Endpoint::new(g, c),
            0,
            0,
            MsgKind::Event,
        );
        self.reclaim_consumer(g, c, LossReason::NodeCrash);
        self.rebalance(g);
    }

    /// Restarts consumer `c` of group `g`.
    pub(crate) fn restart_consumer(&mut self, g: usize, c: usize) {
        let NodeRt::Group(gr) = &mut self.nodes[g] else {
            return;
        };
        let Some(x) = gr.consumers.get_mut(c) else {
            return;
        };
        if x.up {
            return;
        }
        x.up = true;
        self.emit(
            OutputKind::Restarted,
            Endpoint::new(g, c),
            0,
            0,
            MsgKind::Event,
        );
        self.rebalance(g);
        self.dispatch_source(g);
    }

    /// Dispatches from whatever a group reads.
    pub(crate) fn dispatch_source(&mut self, g: usize) {
        let NodeRt::Group(gr) = &self.nodes[g] else {
            return;
        };
        match gr.source {
            Some(BoxRef {
                broker,
                kind: BoxKind::Queue,
                idx,
            }) => self.dispatch(broker, idx),
            Some(BoxRef {
                kind: BoxKind::Log, ..
            }) => self.dispatch_group_log(g),
            _ => {}
        }
    }

    /// Crashes a broker: transient queues and non-persistent messages are lost,
    /// deliveries in progress return to durable queues, consumers stop.
    pub(crate) fn crash_broker(&mut self, b: usize) {
        let Role::Broker(spec) = self.role(b).clone() else {
            return;
        };
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return;
        };
        if !br.up {
            return;
        }
        br.up = false;
        self.emit(
            OutputKind::Crashed,
            Endpoint::new(b, 0),
            0,
            0,
            MsgKind::Event,
        );
        // Everything held by consumers of this broker's queues comes back (or is lost).
        let held: Vec<(u64, u32)> = self
            .msgs
            .iter()
            .filter(|(_, m)| match m.ctx {
                Ctx::Queue { .. } => m.state != MsgState::Queued || m.to.node as usize != b,
                Ctx::Record { .. } => true,
                _ => false,
            })
            .filter(|(_, m)| m.from.node as usize == b || m.to.node as usize == b)
            .map(|(s, m)| (m.origin, s))
            .collect();
        let mut groups: Vec<usize> = Vec::new();
        for (_, slot) in held.iter().rev() {
            let m = self.msgs.get(*slot).expect("live").clone();
            match m.ctx {
                Ctx::Queue { queue } => {
                    let q = queue as usize;
                    let g = if m.kind == MsgKind::Ack {
                        m.from.node
                    } else {
                        m.to.node
                    } as usize;
                    groups.push(g);
                    let keep = spec.queues[q].durable && m.has(flags::PERSISTENT);
                    if keep {
                        self.park(b, q, *slot);
                    } else {
                        self.finish(*slot, MsgState::Lost(LossReason::NodeCrash));
                    }
                }
                _ => {
                    groups.push(m.to.node as usize);
                    self.finish(*slot, MsgState::Lost(LossReason::Abandoned));
                }
            }
        }
        // Ready messages: only persistent ones on durable queues survive.
        for (q, qs) in spec.queues.iter().enumerate() {
            let NodeRt::Broker(br) = &mut self.nodes[b] else {
                return;
            };
            let ready: Vec<u32> = br.queues[q].ready.drain(..).collect();
            for slot in ready {
                let keep = qs.durable
                    && self
                        .msgs
                        .get(slot)
                        .is_some_and(|m| m.has(flags::PERSISTENT));
                if keep {
                    if let NodeRt::Broker(br) = &mut self.nodes[b] {
                        br.queues[q].ready.push_back(slot);
                    }
                } else {
                    self.leave_wait(b, q, None);
                    self.finish(slot, MsgState::Lost(LossReason::NodeCrash));
                }
            }
        }
        for (l, ls) in spec.logs.iter().enumerate() {
            if !ls.durable {
                let NodeRt::Broker(br) = &mut self.nodes[b] else {
                    return;
                };
                for part in &mut br.logs[l].partitions {
                    part.base += part.records.len() as u64;
                    part.records.clear();
                }
                groups.extend(br.logs[l].groups.iter().copied());
            }
        }
        groups.sort_unstable();
        groups.dedup();
        for g in groups {
            if let NodeRt::Group(gr) = &mut self.nodes[g] {
                for x in &mut gr.consumers {
                    x.buffer.clear();
                    x.busy = false;
                    x.outstanding = 0;
                }
                if let Some(lg) = gr.log.as_mut() {
                    for p in 0..lg.owner.len() {
                        lg.epoch[p] += 1;
                        lg.fetched[p] = lg.committed[p];
                        lg.processed[p] = lg.committed[p];
                    }
                    lg.mark_all();
                }
            }
        }
    }

    /// Puts a message back in a queue while the broker is down (it returns at restart).
    fn park(&mut self, b: usize, q: usize, slot: u32) {
        let now = self.now;
        let m = self.msgs.get_mut(slot).expect("live");
        m.to = Endpoint::new(b, q);
        m.ctx = Ctx::Queue { queue: q as u16 };
        m.flags &= !flags::NACK;
        m.enqueued = now;
        let origin = m.origin;
        let was_waiting = m.kind == MsgKind::Event && m.state != MsgState::InService;
        self.set_state(slot, MsgState::Queued);
        if let NodeRt::Broker(br) = &mut self.nodes[b] {
            br.queues[q].ready.push_front(slot);
        }
        if !was_waiting {
            self.enter_wait(b, q);
        }
        self.journeys.record(origin, now, || Step::Requeued);
    }

    /// Restarts a broker; consumers resume.
    pub(crate) fn restart_broker(&mut self, b: usize) {
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return;
        };
        if br.up {
            return;
        }
        br.up = true;
        let nq = br.queues.len();
        let groups: Vec<usize> = br
            .logs
            .iter()
            .flat_map(|l| l.groups.iter().copied())
            .collect();
        self.emit(
            OutputKind::Restarted,
            Endpoint::new(b, 0),
            0,
            0,
            MsgKind::Event,
        );
        for q in 0..nq {
            self.dispatch(b, q);
        }
        for g in groups {
            self.dispatch_group_log(g);
        }
    }

    /// Crashes a producer: it stops publishing and forgets its unconfirmed messages.
    pub(crate) fn crash_producer(&mut self, node: usize) {
        let NodeRt::Producer(p) = &mut self.nodes[node] else {
            return;
        };
        if !p.up {
            return;
        }
        p.up = false;
        p.gen += 1;
        p.unconfirmed.clear();
        self.emit(
            OutputKind::Crashed,
            Endpoint::new(node, 0),
            0,
            0,
            MsgKind::Event,
        );
    }
}
