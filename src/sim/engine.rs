//! The engine: state, the event loop, message bookkeeping and the network.

use super::journey::{Journeys, Step};
use super::message::{flags, Ctx, Endpoint, LossReason, Msg, MsgKind, MsgState, Slab};
use super::metrics::Metrics;
use super::queue::{EventQueue, NO_LANE};
use super::runtime::*;
use super::time::{ms_to_ns, SimTime};
use super::trace::{Output, OutputKind, Trace};
use crate::payload::{self, Encoding, PayloadKind};
use crate::scenario::{limits, Role, Scenario};

/// Something scheduled to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// Envelope `id` in `slot` arrives (or is lost) now.
    Arrive { slot: u32, id: u64 },
    /// Next open-loop arrival of a workload (stale when `gen` changed).
    Arrival { node: u16, gen: u32 },
    /// Closed-loop caller `caller` starts its next call.
    CallerStart { node: u16, caller: u32, gen: u32 },
    /// A server worker finished the request `id` in `slot`.
    ServiceDone { slot: u32, id: u64 },
    /// A consumer finished processing `id` in `slot`.
    ConsumeDone { slot: u32, id: u64 },
    /// A call's deadline.
    Deadline { call: u32, gen: u32 },
    /// A call's retry backoff ended.
    RetryFire { call: u32, gen: u32 },
    /// A publish was not confirmed in time.
    ConfirmTimeout { node: u16, origin: u64 },
    /// Periodic offset commit of a consumer group.
    CommitTick { node: u16 },
    /// Apply scheduled fault number `idx`.
    Fault { idx: u32 },
}

/// An [`Event`] packed into two words: it goes through the queue in registers (building the
/// enum in memory field by field and copying it as a whole stalls store forwarding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Packed(pub(crate) u64, pub(crate) u64);

impl Event {
    #[inline(always)]
    pub(crate) fn pack(self) -> Packed {
        let w = |tag: u64, a: u64| tag | a << 8;
        match self {
            Event::Arrive { slot, id } => Packed(w(0, slot as u64), id),
            Event::Arrival { node, gen } => Packed(w(1, node as u64) | (gen as u64) << 32, 0),
            Event::CallerStart { node, caller, gen } => {
                Packed(w(2, node as u64), caller as u64 | (gen as u64) << 32)
            }
            Event::ServiceDone { slot, id } => Packed(w(3, slot as u64), id),
            Event::ConsumeDone { slot, id } => Packed(w(4, slot as u64), id),
            Event::Deadline { call, gen } => Packed(5, call as u64 | (gen as u64) << 32),
            Event::RetryFire { call, gen } => Packed(6, call as u64 | (gen as u64) << 32),
            Event::ConfirmTimeout { node, origin } => Packed(w(7, node as u64), origin),
            Event::CommitTick { node } => Packed(w(8, node as u64), 0),
            Event::Fault { idx } => Packed(9, idx as u64),
        }
    }
}

impl Packed {
    #[inline(always)]
    pub(crate) fn unpack(self) -> Event {
        let Packed(a, b) = self;
        let (lo8, hi32) = ((a >> 8) as u32, (a >> 32) as u32);
        let node = (a >> 8) as u16;
        let (blo, bhi) = (b as u32, (b >> 32) as u32);
        match a & 0xff {
            0 => Event::Arrive { slot: lo8, id: b },
            1 => Event::Arrival { node, gen: hi32 },
            2 => Event::CallerStart {
                node,
                caller: blo,
                gen: bhi,
            },
            3 => Event::ServiceDone { slot: lo8, id: b },
            4 => Event::ConsumeDone { slot: lo8, id: b },
            5 => Event::Deadline {
                call: blo,
                gen: bhi,
            },
            6 => Event::RetryFire {
                call: blo,
                gen: bhi,
            },
            7 => Event::ConfirmTimeout { node, origin: b },
            8 => Event::CommitTick { node },
            _ => Event::Fault { idx: blo },
        }
    }
}

/// The simulation. Sans-IO: time and the seed are inputs, outputs are data.
pub struct Engine {
    pub(crate) scenario: Scenario,
    pub(crate) seed: u64,
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue<Packed>,
    pub(crate) msgs: Slab,
    pub(crate) next_id: u64,
    pub(crate) next_origin: u64,
    pub(crate) nodes: Vec<NodeRt>,
    pub(crate) links: Vec<LinkRt>,
    /// `link_of[a * n + b]`: link index between nodes a and b.
    pub(crate) link_of: Vec<u16>,
    pub(crate) calls: Calls,
    pub(crate) metrics: Metrics,
    pub(crate) journeys: Journeys,
    pub(crate) trace: Trace,
    pub(crate) outputs: Outputs,
    pub(crate) dropped_outputs: u64,
    pub(crate) events: u64,
    pub(crate) check_invariants: bool,
    pub(crate) violation: Option<String>,
    pub(crate) faults: Vec<crate::scenario::Fault>,
    /// The scenario the run started from and the commands applied since (for replays).
    pub(crate) log: super::control::CommandLog,
}

/// Outputs kept until drained.
pub const MAX_OUTPUTS: usize = 4096;

/// The newest [`MAX_OUTPUTS`] outputs, oldest first: a ring over a buffer that grows to
/// `MAX_OUTPUTS` and is then reused. A push assigns an existing entry in place, field by
/// field (see [`put`]).
#[derive(Default)]
pub(crate) struct Outputs {
    buf: Vec<Output>,
    head: usize,
    len: usize,
}

/// Stores `o` in `dst` one field at a time. Assigning the whole record makes the compiler
/// build it on the stack with narrow stores and copy it with wide loads, which cannot be
/// forwarded from those stores and stall (most of `emit`'s time); field by field, each
/// value goes from its register straight into place.
#[inline(always)]
fn put(dst: &mut Output, o: Output) {
    let Output {
        t,
        kind,
        at,
        id,
        origin,
        msg,
    } = o;
    dst.t = t;
    dst.kind = kind;
    dst.at = at;
    dst.id = id;
    dst.origin = origin;
    dst.msg = msg;
}

impl Outputs {
    /// Appends `o`; true if the oldest output was dropped to make room.
    #[inline(always)]
    fn push(&mut self, o: Output) -> bool {
        let cap = self.buf.len();
        if self.len < cap {
            let mut i = self.head + self.len;
            if i >= cap {
                i -= cap;
            }
            put(&mut self.buf[i], o);
            self.len += 1;
            return false;
        }
        if cap == MAX_OUTPUTS {
            // Full: the newest replaces the oldest.
            put(&mut self.buf[self.head], o);
            self.head = if self.head + 1 == cap {
                0
            } else {
                self.head + 1
            };
            return true;
        }
        self.grow(o);
        false
    }

    #[cold]
    fn grow(&mut self, o: Output) {
        self.buf.rotate_left(self.head);
        self.head = 0;
        self.buf.push(o);
        self.len += 1;
    }

    /// Takes every output, oldest first.
    fn drain(&mut self) -> Vec<Output> {
        let cap = self.buf.len();
        let out = (0..self.len)
            .map(|k| self.buf[(self.head + k) % cap])
            .collect();
        self.head = 0;
        self.len = 0;
        out
    }
}
/// No link between two nodes.
pub(crate) const NO_LINK: u16 = u16::MAX;

impl Engine {
    /// A new run of `scenario` (already validated) with `seed`.
    pub fn new(scenario: Scenario, seed: u64) -> Engine {
        let n = scenario.nodes.len();
        let mut link_of = vec![NO_LINK; n * n];
        let mut links = Vec::with_capacity(scenario.links.len());
        for (i, l) in scenario.links.iter().enumerate() {
            let (Some(a), Some(b)) = (scenario.node_idx(&l.a), scenario.node_idx(&l.b)) else {
                continue;
            };
            link_of[a * n + b] = i as u16;
            link_of[b * n + a] = i as u16;
            links.push(LinkRt::new(seed, i, a, l));
        }
        let window_ns = ms_to_ns(scenario.metrics.window_ms).max(1);
        let mut e = Engine {
            nodes: Vec::with_capacity(n),
            metrics: Metrics::new(n, window_ns),
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            msgs: Slab::default(),
            next_id: 1,
            next_origin: 1,
            links,
            link_of,
            calls: Calls::default(),
            journeys: Journeys::default(),
            trace: Trace::default(),
            outputs: Outputs::default(),
            dropped_outputs: 0,
            events: 0,
            check_invariants: cfg!(debug_assertions),
            violation: None,
            faults: scenario.faults.iter().map(|f| f.fault.clone()).collect(),
            log: super::control::CommandLog::new(&scenario),
            scenario,
        };
        for i in 0..n {
            let rt = NodeRt::build(&e.scenario, i, seed);
            e.nodes.push(rt);
        }
        let times: Vec<f64> = e.scenario.faults.iter().map(|f| f.at_ms).collect();
        for (i, at_ms) in times.into_iter().enumerate() {
            e.schedule(SimTime::from_ms(at_ms), Event::Fault { idx: i as u32 });
        }
        for i in 0..n {
            e.start_node(i);
        }
        e
    }

    /// Current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The seed of this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The scenario as currently configured (live changes included).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    /// Time of the next pending event.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
    /// Sizes of everything that grows with work in flight: (message slots, pending events,
    /// call slots). Memory is bounded when these are.
    pub fn footprint(&self) -> (usize, usize, usize) {
        (
            self.msgs.capacity(),
            self.queue.len(),
            self.calls.slots.len(),
        )
    }

    /// Events waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events
    }
    /// Metrics so far.
    pub fn metrics(&self) -> &crate::sim::Metrics {
        &self.metrics
    }
    /// Hash of the event trace so far (identical for identical runs on every target).
    pub fn trace_hash(&self) -> u64 {
        self.trace.hash()
    }
    /// Keep every trace record for [`Engine::drain_trace`] (off by default).
    pub fn record_trace(&mut self, on: bool) {
        self.trace.set_recording(on);
    }
    /// Takes the recorded trace records.
    pub fn drain_trace(&mut self) -> Vec<super::trace::TraceRecord> {
        self.trace.drain()
    }
    /// Turns the after-every-event invariant check on or off (on in debug builds).
    pub fn set_invariant_checks(&mut self, on: bool) {
        self.check_invariants = on;
    }
    /// The first broken invariant, if any.
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }
    /// Takes the notable events since the last call (the newest [`MAX_OUTPUTS`]).
    pub fn drain_outputs(&mut self) -> Vec<Output> {
        self.outputs.drain()
    }
    /// Journeys of recent and pinned messages.
    pub fn journey(&self, origin: u64) -> Option<super::journey::Journey> {
        self.journeys.get(origin)
    }
    /// Keep recording this message's journey.
    pub fn pin(&mut self, origin: u64) {
        self.journeys.pin(origin);
    }

    /// Processes one event; returns false when none is pending.
    pub fn step(&mut self) -> bool {
        self.step_until(SimTime::NEVER)
    }

    /// Processes the next event if it is due at or before `t`; false if there is none.
    #[inline]
    fn step_until(&mut self, t: SimTime) -> bool {
        let Some((at, ev)) = self.queue.pop_until(t) else {
            return false;
        };
        debug_assert!(at >= self.now, "time never goes back");
        self.advance_to(at);
        self.events += 1;
        self.trace.record(at, ev);
        self.handle(ev.unpack());
        if self.check_invariants && self.violation.is_none() {
            self.violation = self.check();
        }
        true
    }

    /// Processes every event up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while self.step_until(t) {}
        if t > self.now {
            self.advance_to(t);
        }
    }

    /// Processes events up to `t` but at most `max_events`; returns true if `t` was reached.
    pub fn run_until_bounded(&mut self, t: SimTime, max_events: u64) -> bool {
        for _ in 0..max_events {
            if !self.step_until(t) {
                if t > self.now {
                    self.advance_to(t);
                }
                return true;
            }
        }
        false
    }

    #[inline(always)]
    pub(crate) fn advance_to(&mut self, t: SimTime) {
        // Close every metric window that ended before `t` (none before the next boundary:
        // no division on the common path).
        if t >= self.metrics.series.next_boundary() {
            self.close_windows(t);
        }
        self.now = t;
    }

    #[cold]
    #[inline(never)]
    fn close_windows(&mut self, t: SimTime) {
        let target = self.metrics.series.window_of(t);
        while self.metrics.series.current() < target {
            let (depth, lag) = self.gauges();
            let in_flight = self.metrics.ledger.in_flight;
            self.metrics.series.close(depth, lag, in_flight);
        }
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Arrive { slot, id } => {
                if self
                    .msgs
                    .get(slot)
                    .is_some_and(|m| m.id == id && m.state == MsgState::InFlight)
                {
                    self.arrive(slot);
                }
            }
            Event::Arrival { node, gen } => self.on_arrival(node as usize, gen),
            Event::CallerStart { node, caller, gen } => {
                self.on_caller_start(node as usize, caller, gen)
            }
            Event::ServiceDone { slot, id } => {
                if self
                    .msgs
                    .get(slot)
                    .is_some_and(|m| m.id == id && m.state == MsgState::InService)
                {
                    self.on_service_done(slot);
                }
            }
            Event::ConsumeDone { slot, id } => {
                if self
                    .msgs
                    .get(slot)
                    .is_some_and(|m| m.id == id && m.state == MsgState::InService)
                {
                    self.on_consume_done(slot);
                }
            }
            Event::Deadline { call, gen } => self.on_deadline(call, gen),
            Event::RetryFire { call, gen } => self.on_retry_fire(call, gen),
            Event::ConfirmTimeout { node, origin } => {
                self.on_confirm_timeout(node as usize, origin)
            }
            Event::CommitTick { node } => self.on_commit_tick(node as usize),
            Event::Fault { idx } => {
                if let Some(f) = self.faults.get(idx as usize).cloned() {
                    self.apply_fault(&f);
                }
            }
        }
    }

    fn arrive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("checked by caller");
        if m.lost {
            let reason = if self
                .link_between(m.from.node as usize, m.to.node as usize)
                .is_some_and(|l| self.links[l].cut)
            {
                LossReason::LinkCut
            } else {
                LossReason::LinkLoss
            };
            self.on_lost_in_transit(slot, reason);
            return;
        }
        let node = m.to.node as usize;
        if matches!(m.kind, MsgKind::Response | MsgKind::Error) {
            // Responses go to the caller: a client, or a service replica calling downstream.
            self.client_receive(slot);
            return;
        }
        match self.nodes[node] {
            NodeRt::Client(_) => self.client_receive(slot),
            NodeRt::Service(_) => self.service_receive(slot),
            NodeRt::Producer(_) => self.producer_receive(slot),
            NodeRt::Broker(_) => self.broker_receive(slot),
            NodeRt::Group(_) => self.consumer_receive(slot),
        }
    }

    /// What a lost envelope means for whoever waited for it.
    fn on_lost_in_transit(&mut self, slot: u32, reason: LossReason) {
        let m = self.msgs.get(slot).expect("live").clone();
        self.emit(OutputKind::Lost, m.from, m.id, m.origin, m.kind);
        match m.ctx {
            Ctx::Rpc { call, gen, .. } => {
                self.finish(slot, MsgState::Lost(reason));
                self.attempt_failed(call, gen, crate::scenario::StatusCode::Unavailable);
            }
            Ctx::Queue { queue } => self.queue_msg_lost(slot, queue, reason),
            Ctx::Record { .. } => self.record_delivery_lost(slot),
            _ => self.finish(slot, MsgState::Lost(reason)),
        }
    }

    // ----- message bookkeeping -------------------------------------------------------------

    /// Schedules `ev` at `at`, never before now.
    #[inline(always)]
    pub(crate) fn schedule(&mut self, at: SimTime, ev: Event) {
        // Kinds that are usually scheduled in time order get a FIFO lane (see EventQueue).
        let lane = match ev {
            Event::Arrive { .. } => 0,
            Event::Deadline { .. } => 1,
            Event::Arrival { .. } | Event::CallerStart { .. } => 2,
            _ => NO_LANE,
        };
        self.queue.push(at.max(self.now), lane, ev.pack());
    }

    pub(crate) fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn new_origin(&mut self) -> u64 {
        let id = self.next_origin;
        self.next_origin += 1;
        id
    }

    /// Creates a message (not yet placed anywhere: the caller sends or enqueues it at once).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create(
        &mut self,
        kind: MsgKind,
        origin: u64,
        at: Endpoint,
        ctx: Ctx,
        key: u32,
        created: SimTime,
        msg_flags: u8,
    ) -> Option<u32> {
        if self.msgs.len() >= limits::MAX_LIVE_MESSAGES {
            self.metrics.bump(at.node as usize, |c| c.refused += 1);
            return None;
        }
        let id = self.new_id();
        self.metrics.ledger.created += 1;
        // Born queued at its creator; `send` or `enqueue` moves it on in the same event.
        self.metrics.ledger.queued += 1;
        let slot = self.msgs.insert(Msg {
            id,
            origin,
            kind,
            state: MsgState::Queued,
            from: at,
            to: at,
            sent: self.now,
            arrive: self.now,
            lost: false,
            size: 0,
            key,
            created,
            enqueued: self.now,
            deliveries: 0,
            flags: msg_flags,
            ctx,
            deadline: SimTime::NEVER,
        });
        Some(slot)
    }

    /// Moves a live message to `state`; a final state releases it.
    // Always inlined: callers name the new state, so its ledger counter and whether it is
    // final are known where it is called; only the old state is looked up.
    #[inline(always)]
    pub(crate) fn set_state(&mut self, slot: u32, state: MsgState) {
        let Some(m) = self.msgs.get_mut(slot) else {
            return;
        };
        let old = m.state;
        m.state = state;
        *self.metrics.ledger.slot(old) -= 1;
        *self.metrics.ledger.slot(state) += 1;
        if !matches!(
            state,
            MsgState::InFlight | MsgState::Queued | MsgState::InService
        ) {
            self.msgs.remove(slot);
        }
    }

    /// Ends a message: done, lost, expired or dead-lettered (and records it).
    // Inlined: most callers end a message as done, which only moves it to its final state.
    #[inline(always)]
    pub(crate) fn finish(&mut self, slot: u32, state: MsgState) {
        if state == MsgState::Done {
            self.set_state(slot, state);
        } else {
            self.finish_not_done(slot, state);
        }
    }

    /// [`Engine::finish`] for a lost, expired or dead-lettered message.
    fn finish_not_done(&mut self, slot: u32, state: MsgState) {
        let Some(m) = self.msgs.get(slot) else {
            return;
        };
        let (origin, node) = (m.origin, m.to.node as usize);
        match state {
            MsgState::Lost(r) => {
                self.metrics.lost(node, r);
                self.journeys
                    .record(origin, self.now, || Step::Lost { reason: r });
            }
            MsgState::Expired => {
                self.metrics.bump(node, |c| c.expired += 1);
                self.metrics.series.error();
                self.journeys.record(origin, self.now, || Step::Expired);
            }
            MsgState::DeadLettered => {
                self.metrics.bump(node, |c| c.dead_lettered += 1);
                self.journeys
                    .record(origin, self.now, || Step::DeadLettered);
            }
            _ => {}
        }
        self.set_state(slot, state);
    }

    /// Puts a message on the link from its current place to `to`.
    pub(crate) fn send(&mut self, slot: u32, from: Endpoint, to: Endpoint, kind: MsgKind) {
        let id = self.new_id();
        let now = self.now;
        let body = 'size: {
            let m = self.msgs.get(slot).expect("live");
            // Sent again as the same kind (a queue delivering what was published): the
            // body is the same (origin, key, encoding and framing never change).
            if m.kind == kind && m.size != 0 {
                break 'size m.size;
            }
            let enc = if m.has(flags::JSON) {
                Encoding::Json
            } else {
                Encoding::Protobuf
            };
            let pk = match kind {
                MsgKind::Request | MsgKind::Retry => PayloadKind::OrderRequest,
                MsgKind::Response | MsgKind::Error => PayloadKind::OrderReply,
                MsgKind::Event => PayloadKind::OrderPlaced,
                MsgKind::Ack => PayloadKind::Ack,
            };
            let grpc = matches!(m.ctx, Ctx::Rpc { .. });
            payload::wire_len(pk, enc, m.origin, m.key, grpc)
        };
        let link = self.link_between(from.node as usize, to.node as usize);
        let (arrive, lost) = match link {
            Some(l) => {
                self.links[l].transmit(&self.scenario.links[l], from.node as usize, now, body)
            }
            None => (now, true),
        };
        let m = self.msgs.get_mut(slot).expect("live");
        m.id = id;
        m.kind = kind;
        m.from = from;
        m.to = to;
        m.sent = now;
        m.arrive = arrive;
        m.lost = lost;
        m.size = body;
        let origin = m.origin;
        self.set_state(slot, MsgState::InFlight);
        self.journeys.record(origin, now, || Step::Sent {
            id,
            kind,
            from,
            to,
            bytes: body,
        });
        self.schedule(arrive, Event::Arrive { slot, id });
    }

    /// Index of the link between two nodes.
    pub(crate) fn link_between(&self, a: usize, b: usize) -> Option<usize> {
        let n = self.nodes.len().max(self.scenario.nodes.len());
        match self.link_of.get(a * n + b) {
            Some(&l) if l != NO_LINK => Some(l as usize),
            _ => None,
        }
    }

    /// True if a message sent now from `a` to `b` can get there (the link is up).
    pub(crate) fn reachable(&self, a: usize, b: usize) -> bool {
        self.link_between(a, b).is_some_and(|l| !self.links[l].cut)
    }

    #[inline(always)]
    pub(crate) fn emit(
        &mut self,
        kind: OutputKind,
        at: Endpoint,
        id: u64,
        origin: u64,
        msg: MsgKind,
    ) {
        let o = Output {
            t: self.now,
            kind,
            at,
            id,
            origin,
            msg,
        };
        if self.outputs.push(o) {
            self.dropped_outputs += 1;
        }
    }

    /// Queue depth (broker queues + server backlogs) and log lag, for the series.
    pub(crate) fn gauges(&self) -> (u64, u64) {
        let mut depth = 0u64;
        let mut lag = 0u64;
        for n in &self.nodes {
            match n {
                NodeRt::Broker(b) => {
                    depth += b.queues.iter().map(|q| q.ready.len() as u64).sum::<u64>();
                }
                NodeRt::Service(s) => {
                    depth += s
                        .replicas
                        .iter()
                        .map(|r| r.backlog.len() as u64)
                        .sum::<u64>();
                }
                NodeRt::Group(g) => {
                    if let Some(l) = &g.log {
                        lag += l.lag(self.log_ends(g));
                    }
                }
                _ => {}
            }
        }
        (depth, lag)
    }

    /// Checks the conservation invariant and the ledger against the live messages.
    pub(crate) fn check(&self) -> Option<String> {
        let l = &self.metrics.ledger;
        if !l.balanced() {
            return Some(format!("ledger out of balance at {}: {l:?}", self.now));
        }
        if l.live() != self.msgs.len() as u64 {
            return Some(format!(
                "{} live messages but the ledger counts {} at {}",
                self.msgs.len(),
                l.live(),
                self.now
            ));
        }
        None
    }

    /// Recounts every live message by state (slow; for tests).
    pub fn audit(&self) -> Result<(), String> {
        if let Some(v) = self.check() {
            return Err(v);
        }
        let (mut f, mut q, mut s) = (0u64, 0u64, 0u64);
        for (_, m) in self.msgs.iter() {
            match m.state {
                MsgState::InFlight => f += 1,
                MsgState::Queued => q += 1,
                MsgState::InService => s += 1,
                other => {
                    return Err(format!(
                        "message {} is alive in final state {other:?}",
                        m.id
                    ))
                }
            }
        }
        let l = &self.metrics.ledger;
        if (f, q, s) != (l.in_flight, l.queued, l.in_service) {
            return Err(format!(
                "recount in_flight={f} queued={q} in_service={s} disagrees with the ledger {l:?}"
            ));
        }
        Ok(())
    }

    pub(crate) fn role(&self, node: usize) -> &Role {
        &self.scenario.nodes[node].role
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn output(id: u64) -> Output {
        Output {
            t: SimTime(id),
            kind: OutputKind::Processed,
            at: Endpoint::new(1, 2),
            id,
            origin: id,
            msg: MsgKind::Event,
        }
    }

    #[test]
    fn outputs_keep_the_newest_in_order_like_a_bounded_deque() {
        let mut r = crate::sim::rng::Rng::new(2, crate::sim::rng::Stream::Choice, 0);
        let mut ring = Outputs::default();
        let mut reference = VecDeque::new();
        let (mut next, mut dropped, mut want_dropped) = (0u64, 0u64, 0u64);
        for _ in 0..200 {
            // Bursts of every size around the bound, drained now and then.
            for _ in 0..r.below(3 * MAX_OUTPUTS as u32 / 2) {
                next += 1;
                if ring.push(output(next)) {
                    dropped += 1;
                }
                if reference.len() >= MAX_OUTPUTS {
                    reference.pop_front();
                    want_dropped += 1;
                }
                reference.push_back(output(next));
            }
            if r.below(2) == 0 {
                let got = ring.drain();
                let want: Vec<Output> = reference.drain(..).collect();
                assert_eq!(got, want);
            }
            assert_eq!(dropped, want_dropped);
        }
    }

    #[test]
    fn events_survive_packing() {
        let big = u32::MAX;
        for ev in [
            Event::Arrive {
                slot: big,
                id: u64::MAX,
            },
            Event::Arrival {
                node: u16::MAX,
                gen: big,
            },
            Event::CallerStart {
                node: 7,
                caller: big,
                gen: big - 1,
            },
            Event::ServiceDone {
                slot: 3,
                id: 1 << 40,
            },
            Event::ConsumeDone { slot: big, id: 9 },
            Event::Deadline { call: big, gen: 5 },
            Event::RetryFire { call: 1, gen: big },
            Event::ConfirmTimeout {
                node: u16::MAX,
                origin: u64::MAX,
            },
            Event::CommitTick { node: u16::MAX },
            Event::Fault { idx: big },
        ] {
            assert_eq!(ev.pack().unpack(), ev);
        }
    }
}
