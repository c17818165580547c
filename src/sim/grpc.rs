//! Request-response with gRPC semantics: workloads, calls, load balancing, deadlines,
//! retries with throttling, server backlogs, downstream calls and server streaming.

use super::dist::{exp_gap, sample};
use super::engine::{Engine, Event};
use super::journey::Step;
use super::message::{flags, Ctx, Endpoint, LossReason, MsgKind, MsgState};
use super::runtime::*;
use super::time::{ms_to_ns, SimTime};
use super::trace::OutputKind;
use crate::payload::Encoding;
use crate::scenario::{LbPolicy, Method, RetryPolicy, Role, StatusCode, Workload};

/// The least time a closed-loop caller waits after a failed call before its next one.
pub const FAILURE_PAUSE_NS: u64 = 1_000_000;

/// What governs one call, from the client's spec (or defaults for a service calling downstream).
struct CallPolicy {
    lb: LbPolicy,
    retry: Option<RetryPolicy>,
    responses: u32,
    json: bool,
    deadline: Option<f64>,
}

fn status_of_idx(i: u16) -> StatusCode {
    StatusCode::ALL
        .iter()
        .copied()
        .find(|s| s.idx() == i as usize)
        .unwrap_or(StatusCode::Unavailable)
}

impl Engine {
    /// Starts a node's own activity at time zero (or at a restart).
    pub(crate) fn start_node(&mut self, node: usize) {
        match self.role(node).clone() {
            Role::Client(c) => self.start_workload(node, &c.workload),
            Role::Producer(p) => self.start_workload(node, &p.workload),
            Role::ConsumerGroup(g) => {
                if let crate::scenario::CommitMode::Periodic { interval_ms } = g.commit {
                    let NodeRt::Group(rt) = &mut self.nodes[node] else {
                        return;
                    };
                    rt.tick_gen += 1;
                    let at = self.now.after(ms_to_ns(interval_ms).max(1));
                    self.schedule(at, Event::CommitTick { node: node as u16 });
                }
                self.rebalance(node);
            }
            _ => {}
        }
    }

    /// (Re)starts a workload from now; earlier scheduled arrivals become stale.
    pub(crate) fn start_workload(&mut self, node: usize, w: &Workload) {
        let gen = match &mut self.nodes[node] {
            NodeRt::Client(c) => {
                c.gen += 1;
                c.gen
            }
            NodeRt::Producer(p) => {
                p.gen += 1;
                p.gen
            }
            _ => return,
        };
        match *w {
            Workload::ClosedLoop {
                concurrency,
                think_ms,
            } => {
                if let NodeRt::Client(c) = &mut self.nodes[node] {
                    c.callers = concurrency;
                }
                let at = self.now.after(ms_to_ns(think_ms));
                for caller in 0..concurrency {
                    self.schedule_caller(node, caller, gen, at);
                }
            }
            _ => self.schedule_arrival(node, gen),
        }
    }

    fn schedule_caller(&mut self, node: usize, caller: u32, gen: u32, at: SimTime) {
        let node = node as u16;
        self.schedule(at, Event::CallerStart { node, caller, gen });
    }

    fn workload(&self, node: usize) -> Option<&Workload> {
        match self.role(node) {
            Role::Client(c) => Some(&c.workload),
            Role::Producer(p) => Some(&p.workload),
            _ => None,
        }
    }

    fn schedule_arrival(&mut self, node: usize, gen: u32) {
        let Some(w) = self.workload(node).cloned() else {
            return;
        };
        let rng = match &mut self.nodes[node] {
            NodeRt::Client(c) => &mut c.arrivals,
            NodeRt::Producer(p) => &mut p.arrivals,
            _ => return,
        };
        let gap = match w {
            Workload::Poisson { rate_per_s } if rate_per_s > 0.0 => exp_gap(rate_per_s, rng),
            Workload::FixedRate { rate_per_s } if rate_per_s > 0.0 => ms_to_ns(1000.0 / rate_per_s),
            _ => return,
        };
        self.schedule(
            self.now.after(gap.max(1)),
            Event::Arrival {
                node: node as u16,
                gen,
            },
        );
    }

    pub(crate) fn on_arrival(&mut self, node: usize, gen: u32) {
        let (up, cur) = match &self.nodes[node] {
            NodeRt::Client(c) => (c.up, c.gen),
            NodeRt::Producer(p) => (p.up, p.gen),
            _ => return,
        };
        if !up || cur != gen {
            return;
        }
        self.schedule_arrival(node, gen);
        match self.nodes[node] {
            NodeRt::Client(_) => self.start_call(node, 0, None, None, SimTime::NEVER),
            _ => self.publish_new(node),
        }
    }

    pub(crate) fn on_caller_start(&mut self, node: usize, caller: u32, gen: u32) {
        let NodeRt::Client(c) = &self.nodes[node] else {
            return;
        };
        if c.up && c.gen == gen && caller < c.callers {
            self.start_call(node, 0, Some(caller), None, SimTime::NEVER);
        }
    }

    fn policy(&self, node: usize) -> CallPolicy {
        match self.role(node) {
            Role::Client(c) => CallPolicy {
                lb: c.lb,
                retry: c.retry.clone(),
                responses: match c.method {
                    Method::Unary => 1,
                    Method::ServerStream { responses } => responses.max(1),
                },
                json: c.encoding == Encoding::Json,
                deadline: c.deadline_ms,
            },
            _ => CallPolicy {
                lb: LbPolicy::RoundRobin,
                retry: None,
                responses: 1,
                json: false,
                deadline: None,
            },
        }
    }

    /// Starts a call from `node` (a client, or a service replica calling downstream).
    pub(crate) fn start_call(
        &mut self,
        node: usize,
        inst: u16,
        caller: Option<u32>,
        parent: Option<(u32, u64, u32)>,
        inherited_deadline: SimTime,
    ) {
        let target = match (&self.nodes[node], self.role(node)) {
            (NodeRt::Client(c), _) => c.target,
            (NodeRt::Service(s), _) => match s.calls {
                Some(t) => t,
                None => return,
            },
            _ => return,
        };
        let pol = self.policy(node);
        let origin = self.new_origin();
        let own = pol
            .deadline
            .map_or(SimTime::NEVER, |d| self.now.after(ms_to_ns(d)));
        let deadline = own.min(inherited_deadline);
        let (slot, gen) = self.calls.insert(Call {
            gen: 0,
            origin,
            client: node,
            inst,
            caller,
            target,
            started: self.now,
            deadline,
            attempt: 0,
            replica: None,
            stream_left: pol.responses,
            waiting_retry: false,
            parent: parent.map(|(s, id, _)| (s, id)),
            key: parent.map_or((origin % 1000) as u32, |p| p.2),
            json: pol.json,
        });
        self.journeys.record(
            origin,
            self.now,
            Step::Created {
                at: Endpoint::new(node, inst as usize),
                key: (origin % 1000) as u32,
            },
        );
        if deadline != SimTime::NEVER {
            self.schedule(deadline, Event::Deadline { call: slot, gen });
        }
        self.attempt(slot, gen, pol.lb);
    }

    /// Picks a ready replica of the call's target; none means UNAVAILABLE at once.
    fn pick_replica(&mut self, client: usize, target: usize, lb: LbPolicy) -> Option<usize> {
        if !self.reachable(client, target) {
            return None;
        }
        let NodeRt::Service(s) = &self.nodes[target] else {
            return None;
        };
        let ready: Vec<bool> = s.replicas.iter().map(|r| r.up).collect();
        let n = ready.len();
        if n == 0 {
            return None;
        }
        let (cursor, sticky) = match &self.nodes[client] {
            NodeRt::Client(c) => (
                if lb == LbPolicy::PickFirst {
                    c.pick
                } else {
                    c.rr
                },
                lb == LbPolicy::PickFirst,
            ),
            NodeRt::Service(s) => (s.rr, false),
            _ => (0, false),
        };
        let start = cursor as usize % n;
        let pick = (0..n).map(|k| (start + k) % n).find(|&r| ready[r])?;
        let next = if sticky {
            pick as u32
        } else {
            (pick + 1) as u32
        };
        match &mut self.nodes[client] {
            NodeRt::Client(c) if sticky => c.pick = next,
            NodeRt::Client(c) => c.rr = next,
            NodeRt::Service(s) => s.rr = next,
            _ => {}
        }
        Some(pick)
    }

    fn attempt(&mut self, call: u32, gen: u32, lb: LbPolicy) {
        let Some(c) = self.calls.get_mut(call, gen) else {
            return;
        };
        c.attempt += 1;
        let (client, inst, target, attempt, origin, key, json, deadline) = (
            c.client, c.inst, c.target, c.attempt, c.origin, c.key, c.json, c.deadline,
        );
        if attempt == 1 {
            self.metrics.bump(client, |m| m.sent += 1);
        } else {
            self.metrics.bump(client, |m| m.retried += 1);
            self.journeys
                .record(origin, self.now, Step::Retried { attempt });
        }
        let Some(replica) = self.pick_replica(client, target, lb) else {
            self.attempt_failed(call, gen, StatusCode::Unavailable);
            return;
        };
        if let Some(c) = self.calls.get_mut(call, gen) {
            c.replica = Some(replica);
        }
        let from = Endpoint::new(client, inst as usize);
        let f = if json { flags::JSON } else { 0 };
        let Some(slot) = self.create(
            MsgKind::Request,
            origin,
            from,
            rpc_ctx(call, gen),
            key,
            self.now,
            f,
        ) else {
            self.attempt_failed(call, gen, StatusCode::ResourceExhausted);
            return;
        };
        let m = self.msgs.get_mut(slot).expect("just created");
        m.deliveries = attempt;
        m.deadline = deadline;
        let kind = if attempt > 1 {
            MsgKind::Retry
        } else {
            MsgKind::Request
        };
        self.send(slot, from, Endpoint::new(target, replica), kind);
    }

    /// An attempt failed with `status`: retry it if the policy allows, or end the call.
    pub(crate) fn attempt_failed(&mut self, call: u32, gen: u32, status: StatusCode) {
        let Some(c) = self.calls.get(call, gen) else {
            return;
        };
        if c.waiting_retry {
            return;
        }
        let (client, attempt, deadline, origin) = (c.client, c.attempt, c.deadline, c.origin);
        let pol = self.policy(client);
        let Some(rp) = pol.retry.filter(|_| c.parent.is_none()) else {
            self.call_done(call, status);
            return;
        };
        let retryable = rp.retryable_status_codes.contains(&status);
        let mut allowed = retryable && (attempt as u32) < rp.max_attempts;
        if let (Some(t), NodeRt::Client(cl)) = (&rp.throttling, &mut self.nodes[client]) {
            if retryable {
                cl.tokens = (cl.tokens - 1.0).max(0.0);
            }
            allowed &= cl.tokens > t.max_tokens / 2.0;
        }
        if !allowed {
            self.call_done(call, status);
            return;
        }
        let cap = (rp.initial_backoff_ms * libm::pow(rp.backoff_multiplier, (attempt - 1) as f64))
            .min(rp.max_backoff_ms);
        let NodeRt::Client(cl) = &mut self.nodes[client] else {
            return;
        };
        let backoff = ms_to_ns(cap * cl.choice.unit());
        let at = self.now.after(backoff);
        if at >= deadline {
            self.call_done(call, status);
            return;
        }
        if let Some(c) = self.calls.get_mut(call, gen) {
            c.waiting_retry = true;
        }
        self.emit(
            OutputKind::Retried,
            Endpoint::new(client, 0),
            0,
            origin,
            MsgKind::Retry,
        );
        self.schedule(at, Event::RetryFire { call, gen });
    }

    pub(crate) fn on_retry_fire(&mut self, call: u32, gen: u32) {
        let Some(c) = self.calls.get_mut(call, gen) else {
            return;
        };
        if !c.waiting_retry {
            return;
        }
        c.waiting_retry = false;
        let client = c.client;
        let lb = self.policy(client).lb;
        self.attempt(call, gen, lb);
    }

    pub(crate) fn on_deadline(&mut self, call: u32, gen: u32) {
        if self.calls.get(call, gen).is_some() {
            self.call_done(call, StatusCode::DeadlineExceeded);
        }
    }

    /// Ends a call with its final status.
    fn call_done(&mut self, call: u32, status: StatusCode) {
        let Some(c) = self.calls.remove(call) else {
            return;
        };
        let node = c.client;
        self.metrics.bump(node, |m| m.status[status.idx()] += 1);
        let at = Endpoint::new(node, c.inst as usize);
        if status == StatusCode::Ok {
            let lat = self.now.since(c.started);
            if c.parent.is_none() {
                self.metrics.latency[node].record(lat);
                self.metrics.series.done(lat);
            }
            if let (Some(Role::Client(spec)), NodeRt::Client(cl)) = (
                self.scenario.nodes.get(node).map(|n| &n.role),
                &mut self.nodes[node],
            ) {
                if let Some(t) = spec.retry.as_ref().and_then(|r| r.throttling.as_ref()) {
                    cl.tokens = (cl.tokens + t.token_ratio).min(t.max_tokens);
                }
            }
            self.emit(OutputKind::CallOk, at, 0, c.origin, MsgKind::Response);
        } else {
            self.metrics.series.error();
            self.emit(
                OutputKind::CallFailed,
                at,
                status.code() as u64,
                c.origin,
                MsgKind::Error,
            );
        }
        self.journeys
            .record(c.origin, self.now, Step::Status { code: status });
        if let Some((slot, id)) = c.parent {
            if self
                .msgs
                .get(slot)
                .is_some_and(|m| m.id == id && m.state == MsgState::InService)
            {
                self.complete_request(slot, status);
            }
        }
        if let (Some(caller), Some(Workload::ClosedLoop { think_ms, .. })) =
            (c.caller, self.workload(node).cloned())
        {
            if let NodeRt::Client(cl) = &self.nodes[node] {
                let gen = cl.gen;
                // After a failure a caller pauses at least FAILURE_PAUSE, so a dead service
                // cannot make virtual time stand still.
                let pause = if status == StatusCode::Ok {
                    0
                } else {
                    FAILURE_PAUSE_NS
                };
                let at = self.now.after(ms_to_ns(think_ms).max(pause));
                self.schedule_caller(node, caller, gen, at);
            }
        }
    }

    /// A response or error reached its caller.
    pub(crate) fn client_receive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let Ctx::Rpc { call, gen, aux } = m.ctx else {
            self.finish(slot, MsgState::Done);
            return;
        };
        let node = m.to.node as usize;
        let up = match &self.nodes[node] {
            NodeRt::Client(c) => c.up,
            NodeRt::Service(s) => s.replicas.get(m.to.inst as usize).is_some_and(|r| r.up),
            _ => false,
        };
        if !up {
            self.finish(slot, MsgState::Lost(LossReason::NodeDown));
            return;
        }
        self.finish(slot, MsgState::Done);
        let Some(c) = self.calls.get_mut(call, gen) else {
            self.metrics.bump(node, |c| c.late += 1);
            return;
        };
        if m.deliveries != c.attempt || c.waiting_retry {
            self.metrics.bump(node, |c| c.late += 1);
            return;
        }
        if m.kind == MsgKind::Response {
            c.stream_left = c.stream_left.saturating_sub(1);
            if c.stream_left == 0 {
                self.call_done(call, StatusCode::Ok);
            }
        } else {
            self.attempt_failed(call, gen, status_of_idx(aux));
        }
    }

    /// A request reached a service replica.
    pub(crate) fn service_receive(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let (node, inst) = (m.to.node as usize, m.to.inst as usize);
        let Role::Service(spec) = self.role(node) else {
            return;
        };
        let (workers, queue_limit) = (spec.workers, spec.queue_limit);
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        if !s.replicas.get(inst).is_some_and(|r| r.up) {
            // Connection refused: the caller hears UNAVAILABLE at once.
            self.finish(slot, MsgState::Lost(LossReason::NodeDown));
            if let Ctx::Rpc { call, gen, .. } = m.ctx {
                self.attempt_failed(call, gen, StatusCode::Unavailable);
            }
            return;
        }
        let now = self.now;
        if let Some(msg) = self.msgs.get_mut(slot) {
            msg.enqueued = now;
        }
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        let r = &mut s.replicas[inst];
        if r.busy < workers {
            self.metrics.wait[node].enter(self.now);
            self.start_service(slot);
        } else if queue_limit.is_some_and(|l| r.backlog.len() >= l as usize) {
            self.respond(slot, StatusCode::ResourceExhausted);
        } else {
            r.backlog.push_back(slot);
            self.metrics.wait[node].enter(self.now);
            self.journeys
                .record(m.origin, self.now, Step::Queued { at: m.to });
            self.set_state(slot, MsgState::Queued);
        }
    }

    fn start_service(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live");
        let (to, origin, enq, attempt) = (m.to, m.origin, m.enqueued, m.deliveries);
        let node = to.node as usize;
        let Role::Service(spec) = self.role(node) else {
            return;
        };
        let st = spec.service_time;
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        s.replicas[to.inst as usize].busy += 1;
        let dur = sample(&st, s.slow, &mut s.work);
        let wait = self.now.since(enq);
        self.metrics.wait[node].leave(self.now, Some(wait));
        self.metrics.bump(node, |c| {
            c.delivered += 1;
            c.work_ns = c.work_ns.saturating_add(dur);
        });
        self.journeys
            .record(origin, self.now, Step::Delivered { at: to, attempt });
        self.set_state(slot, MsgState::InService);
        let id = self.msgs.get(slot).expect("live").id;
        self.schedule(self.now.after(dur), Event::ServiceDone { slot, id });
    }

    pub(crate) fn on_service_done(&mut self, slot: u32) {
        let m = self.msgs.get(slot).expect("live").clone();
        let node = m.to.node as usize;
        let calls_down = matches!(&self.nodes[node], NodeRt::Service(s) if s.calls.is_some());
        let Ctx::Rpc { aux, .. } = m.ctx else { return };
        if calls_down && aux == 0 {
            // Synchronous downstream call: the worker waits, the deadline is inherited.
            if let Some(me) = self.msgs.get_mut(slot) {
                me.ctx = match me.ctx {
                    Ctx::Rpc { call, gen, .. } => Ctx::Rpc {
                        call,
                        gen,
                        aux: u16::MAX,
                    },
                    c => c,
                };
            }
            self.start_call(node, m.to.inst, None, Some((slot, m.id, m.key)), m.deadline);
            return;
        }
        self.complete_request(slot, StatusCode::Ok);
    }

    /// Answers a request in service: publishes (hybrid), streams, and frees the worker.
    fn complete_request(&mut self, slot: u32, status: StatusCode) {
        let m = self.msgs.get(slot).expect("live").clone();
        let (node, inst) = (m.to.node as usize, m.to.inst as usize);
        let Ctx::Rpc { call, gen, aux } = m.ctx else {
            return;
        };
        let sent_so_far = if aux == u16::MAX { 0 } else { aux as u32 };
        let total = self
            .calls
            .get(call, gen)
            .map_or(1, |c| c.stream_left.max(1) + sent_so_far);
        if status == StatusCode::Ok && sent_so_far == 0 {
            if let NodeRt::Service(s) = &self.nodes[node] {
                if let Some(target) = s.publish {
                    self.publish_from(Endpoint::new(node, inst), target, m.key, 0, None);
                }
            }
        }
        if status == StatusCode::Ok && sent_so_far + 1 < total {
            // Server streaming: one more response now, the next after another service time.
            let f = m.flags & flags::JSON;
            if let Some(r) = self.create(
                MsgKind::Response,
                m.origin,
                m.to,
                rpc_ctx(call, gen),
                m.key,
                m.created,
                f,
            ) {
                if let Some(rm) = self.msgs.get_mut(r) {
                    rm.deliveries = m.deliveries;
                }
                self.send(r, m.to, m.from, MsgKind::Response);
            }
            let Role::Service(spec) = self.role(node) else {
                return;
            };
            let st = spec.service_time;
            let NodeRt::Service(s) = &mut self.nodes[node] else {
                return;
            };
            let dur = sample(&st, s.slow, &mut s.work);
            if let Some(me) = self.msgs.get_mut(slot) {
                me.ctx = Ctx::Rpc {
                    call,
                    gen,
                    aux: (sent_so_far + 1) as u16,
                };
            }
            self.schedule(self.now.after(dur), Event::ServiceDone { slot, id: m.id });
            return;
        }
        self.journeys
            .record(m.origin, self.now, Step::Processed { at: m.to });
        self.respond(slot, status);
        self.free_worker(node, inst);
    }

    /// Turns the request into its response and sends it back.
    fn respond(&mut self, slot: u32, status: StatusCode) {
        let m = self.msgs.get_mut(slot).expect("live");
        let (from, to) = (m.to, m.from);
        if let Ctx::Rpc { call, gen, .. } = m.ctx {
            m.ctx = Ctx::Rpc {
                call,
                gen,
                aux: status.idx() as u16,
            };
        }
        let kind = if status == StatusCode::Ok {
            MsgKind::Response
        } else {
            MsgKind::Error
        };
        self.send(slot, from, to, kind);
    }

    fn free_worker(&mut self, node: usize, inst: usize) {
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        let Some(r) = s.replicas.get_mut(inst) else {
            return;
        };
        r.busy = r.busy.saturating_sub(1);
        self.pump(node, inst);
    }

    /// Starts waiting requests while workers are free; drops those whose deadline passed.
    pub(crate) fn pump(&mut self, node: usize, inst: usize) {
        let workers = match self.role(node) {
            Role::Service(s) => s.workers,
            _ => return,
        };
        loop {
            let NodeRt::Service(s) = &mut self.nodes[node] else {
                return;
            };
            let Some(r) = s.replicas.get_mut(inst) else {
                return;
            };
            if !r.up || r.busy >= workers {
                return;
            }
            let Some(next) = r.backlog.pop_front() else {
                return;
            };
            let expired = self.msgs.get(next).is_some_and(|m| m.deadline <= self.now);
            if expired {
                // The caller has given up: a server that honours deadlines skips the work.
                self.metrics.wait[node].leave(self.now, None);
                self.metrics.bump(node, |c| c.cancelled += 1);
                self.finish(next, MsgState::Done);
                continue;
            }
            self.start_service(next);
        }
    }

    /// Crashes replica `inst` of service `node`: its requests are lost and callers see UNAVAILABLE.
    pub(crate) fn crash_replica(&mut self, node: usize, inst: usize) {
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        let Some(r) = s.replicas.get_mut(inst) else {
            return;
        };
        if !r.up {
            return;
        }
        r.up = false;
        r.busy = 0;
        let backlog: Vec<u32> = r.backlog.drain(..).collect();
        for _ in &backlog {
            self.metrics.wait[node].leave(self.now, None);
        }
        let here = Endpoint::new(node, inst);
        let victims: Vec<u32> = self
            .msgs
            .iter()
            .filter(|(_, m)| {
                m.to == here
                    && matches!(m.state, MsgState::Queued | MsgState::InService)
                    && matches!(m.ctx, Ctx::Rpc { .. })
            })
            .map(|(s, _)| s)
            .collect();
        for slot in victims {
            let ctx = self.msgs.get(slot).expect("live").ctx;
            self.finish(slot, MsgState::Lost(LossReason::NodeCrash));
            if let Ctx::Rpc { call, gen, .. } = ctx {
                self.attempt_failed(call, gen, StatusCode::Unavailable);
            }
        }
        // Calls this replica was making downstream are abandoned with it.
        let orphans: Vec<u32> = self
            .calls
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.as_ref()
                    .filter(|c| c.client == node && c.inst as usize == inst)
                    .map(|_| i as u32)
            })
            .collect();
        for o in orphans {
            self.calls.remove(o);
        }
        self.emit(OutputKind::Crashed, here, 0, 0, MsgKind::Request);
    }

    /// Restarts replica `inst` of service `node`.
    pub(crate) fn restart_replica(&mut self, node: usize, inst: usize) {
        let NodeRt::Service(s) = &mut self.nodes[node] else {
            return;
        };
        let Some(r) = s.replicas.get_mut(inst) else {
            return;
        };
        if r.up {
            return;
        }
        r.up = true;
        self.emit(
            OutputKind::Restarted,
            Endpoint::new(node, inst),
            0,
            0,
            MsgKind::Request,
        );
    }

    /// Crashes a client: its workload stops and its open calls are forgotten.
    pub(crate) fn crash_client(&mut self, node: usize) {
        let NodeRt::Client(c) = &mut self.nodes[node] else {
            return;
        };
        if !c.up {
            return;
        }
        c.up = false;
        c.gen += 1;
        let open: Vec<u32> = self
            .calls
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().filter(|c| c.client == node).map(|_| i as u32))
            .collect();
        for o in open {
            self.calls.remove(o);
        }
        self.emit(
            OutputKind::Crashed,
            Endpoint::new(node, 0),
            0,
            0,
            MsgKind::Request,
        );
    }
}
