//! Faults and live changes: commands injected into a running engine.

use super::engine::Engine;
use super::message::{Endpoint, LossReason, MsgKind, MsgState};
use super::runtime::*;
use super::time::{ms_to_ns, SimTime};
use super::trace::OutputKind;
use crate::scenario::{limits, Fault, FieldError, LinkState, Role, Scenario, ScenarioError};

/// A change to a running simulation, applied at the engine's current time.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A failure or recovery, as in the scenario's fault timeline.
    Fault(Fault),
    /// New parameters for the same nodes and links (rates, latencies, consumer counts, …).
    Update(Box<Scenario>),
}

/// A command as applied: when, and after how many events, so a run can be replayed exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// Events processed before it.
    pub after_events: u64,
    /// Virtual time it was applied at.
    pub at: SimTime,
    /// The command.
    pub command: Command,
}

fn err(path: &str, msg: impl Into<String>) -> ScenarioError {
    ScenarioError {
        errors: vec![FieldError::new(path, msg)],
    }
}

/// The inputs of a run beyond its seed: the scenario it started from and every command
/// applied since, in order (at most [`limits::MAX_LOGGED_COMMANDS`]).
#[derive(Clone, Debug)]
pub(crate) struct CommandLog {
    initial: Scenario,
    applied: Vec<Applied>,
    /// Commands applied after the log was full (the run can no longer be replayed).
    overflow: u64,
}

impl CommandLog {
    pub(crate) fn new(initial: &Scenario) -> CommandLog {
        CommandLog {
            initial: initial.clone(),
            applied: Vec::new(),
            overflow: 0,
        }
    }
}

/// Where a run is: events processed and the virtual clock. Replaying a run's inputs to its
/// position gives the same engine state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Events processed.
    pub events: u64,
    /// The virtual clock (at or after the last processed event).
    pub at: SimTime,
}

/// A run whose command log overflowed: it cannot be replayed from its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogFull {
    /// Commands applied in the run.
    pub applied: u64,
}

impl std::fmt::Display for LogFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this run made {} changes; a run can be replayed (and shared) with at most {} — \
             reset to start a new one",
            self.applied,
            limits::MAX_LOGGED_COMMANDS
        )
    }
}

impl std::error::Error for LogFull {}

impl Engine {
    /// Applies a command now. An invalid command changes nothing and says why.
    ///
    /// Every applied command is logged with the event count and time it was applied at
    /// (see [`Engine::applied`]), so the run can be replayed exactly.
    pub fn inject(&mut self, command: Command) -> Result<(), ScenarioError> {
        match &command {
            Command::Fault(f) => {
                self.check_fault(f)?;
                self.apply_fault(f);
            }
            Command::Update(s) => self.update(s)?,
        }
        if self.log.applied.len() < limits::MAX_LOGGED_COMMANDS && self.log.overflow == 0 {
            self.log.applied.push(Applied {
                after_events: self.events,
                at: self.now,
                command,
            });
        } else {
            self.log.overflow += 1;
        }
        Ok(())
    }

    /// The scenario this run started from (before any command).
    pub fn initial_scenario(&self) -> &Scenario {
        &self.log.initial
    }

    /// The commands applied so far, oldest first (complete unless [`Engine::log_complete`]
    /// says otherwise).
    pub fn applied(&self) -> &[Applied] {
        &self.log.applied
    }

    /// Whether every command applied so far is in [`Engine::applied`]; past
    /// [`limits::MAX_LOGGED_COMMANDS`] the run goes on but cannot be replayed.
    pub fn log_complete(&self) -> Result<(), LogFull> {
        if self.log.overflow == 0 {
            Ok(())
        } else {
            Err(LogFull {
                applied: self.log.applied.len() as u64 + self.log.overflow,
            })
        }
    }

    /// Where the run is now.
    pub fn position(&self) -> Position {
        Position {
            events: self.events,
            at: self.now,
        }
    }

    fn check_fault(&self, f: &Fault) -> Result<(), ScenarioError> {
        let mut probe = self.scenario.clone();
        probe.faults = vec![crate::scenario::ScheduledFault {
            at_ms: 0.0,
            fault: f.clone(),
        }];
        probe.validate().map_err(|mut e| {
            for x in &mut e.errors {
                x.path = x.path.replace("faults[0].fault", "fault");
            }
            e
        })
    }

    fn instances(&self, node: usize) -> usize {
        match &self.nodes[node] {
            NodeRt::Service(s) => s.replicas.len(),
            NodeRt::Group(g) => g.consumers.len(),
            _ => 1,
        }
    }

    /// Applies a (validated) fault.
    pub(crate) fn apply_fault(&mut self, f: &Fault) {
        match f {
            Fault::Crash { node, instance } | Fault::Restart { node, instance } => {
                let crash = matches!(f, Fault::Crash { .. });
                let Some(n) = self.scenario.node_idx(node) else {
                    return;
                };
                let all: Vec<usize> = match instance {
                    Some(i) => vec![*i as usize],
                    None => (0..self.instances(n)).collect(),
                };
                for i in all {
                    self.crash_or_restart(n, i, crash);
                }
            }
            Fault::Cut { a, b } | Fault::Heal { a, b } => {
                let cut = matches!(f, Fault::Cut { .. });
                let Some(l) = self.scenario.link_idx(a, b) else {
                    return;
                };
                self.set_cut(l, cut);
            }
            Fault::LinkLoss { a, b, loss } => {
                if let Some(l) = self.scenario.link_idx(a, b) {
                    self.scenario.links[l].loss = *loss;
                }
            }
            Fault::LatencySpike { a, b, extra_ms } => {
                if let Some(l) = self.scenario.link_idx(a, b) {
                    self.links[l].extra_ns = ms_to_ns(*extra_ms);
                }
            }
            Fault::Slow { node, factor } => {
                let Some(n) = self.scenario.node_idx(node) else {
                    return;
                };
                match &mut self.nodes[n] {
                    NodeRt::Group(g) => g.slow = *factor,
                    NodeRt::Service(s) => s.slow = *factor,
                    _ => {}
                }
            }
        }
    }

    fn crash_or_restart(&mut self, n: usize, i: usize, crash: bool) {
        match (&self.nodes[n], crash) {
            (NodeRt::Service(_), true) => self.crash_replica(n, i),
            (NodeRt::Service(_), false) => self.restart_replica(n, i),
            (NodeRt::Group(_), true) => self.crash_consumer(n, i),
            (NodeRt::Group(_), false) => self.restart_consumer(n, i),
            (NodeRt::Broker(_), true) => self.crash_broker(n),
            (NodeRt::Broker(_), false) => self.restart_broker(n),
            (NodeRt::Client(_), true) => self.crash_client(n),
            (NodeRt::Producer(_), true) => self.crash_producer(n),
            (NodeRt::Client(c), false) if !c.up => {
                if let NodeRt::Client(c) = &mut self.nodes[n] {
                    c.up = true;
                }
                self.emit(
                    OutputKind::Restarted,
                    Endpoint::new(n, 0),
                    0,
                    0,
                    MsgKind::Request,
                );
                self.start_node(n);
            }
            (NodeRt::Producer(p), false) if !p.up => {
                if let NodeRt::Producer(p) = &mut self.nodes[n] {
                    p.up = true;
                }
                self.emit(
                    OutputKind::Restarted,
                    Endpoint::new(n, 0),
                    0,
                    0,
                    MsgKind::Event,
                );
                self.start_node(n);
            }
            _ => {}
        }
    }

    /// Cuts or heals link `l`; messages on a cut link are lost at once.
    fn set_cut(&mut self, l: usize, cut: bool) {
        if self.links[l].cut == cut {
            return;
        }
        self.links[l].cut = cut;
        self.scenario.links[l].state = if cut { LinkState::Cut } else { LinkState::Up };
        let (a, b) = match (
            self.scenario.node_idx(&self.scenario.links[l].a),
            self.scenario.node_idx(&self.scenario.links[l].b),
        ) {
            (Some(a), Some(b)) => (a, b),
            _ => return,
        };
        let at = Endpoint::new(a, 0);
        if cut {
            self.emit(OutputKind::LinkCut, at, l as u64, 0, MsgKind::Event);
            let on_link: Vec<(u32, u64)> = self
                .msgs
                .iter()
                .filter(|(_, m)| {
                    m.state == MsgState::InFlight
                        && ((m.from.node as usize == a && m.to.node as usize == b)
                            || (m.from.node as usize == b && m.to.node as usize == a))
                })
                .map(|(s, m)| (s, m.id))
                .collect();
            for (slot, id) in on_link {
                if let Some(m) = self.msgs.get_mut(slot) {
                    m.lost = true;
                    m.arrive = self.now;
                }
                self.schedule(self.now, super::engine::Event::Arrive { slot, id });
            }
        } else {
            self.emit(OutputKind::LinkHealed, at, l as u64, 0, MsgKind::Event);
            for n in [a, b] {
                self.kick(n);
            }
        }
    }

    /// Restarts whatever may have stalled at a node (dispatch, backlogs).
    fn kick(&mut self, n: usize) {
        match &self.nodes[n] {
            NodeRt::Broker(br) => {
                let (nq, groups): (usize, Vec<usize>) = (
                    br.queues.len(),
                    br.logs
                        .iter()
                        .flat_map(|l| l.groups.iter().copied())
                        .collect(),
                );
                for q in 0..nq {
                    self.dispatch(n, q);
                }
                for g in groups {
                    self.dispatch_group_log(g);
                }
            }
            NodeRt::Group(_) => self.dispatch_source(n),
            _ => {}
        }
    }

    /// Applies new parameters from `next`, which must have the same nodes and links.
    fn update(&mut self, next: &Scenario) -> Result<(), ScenarioError> {
        next.validate()?;
        let cur = &self.scenario;
        if cur.nodes.len() != next.nodes.len() {
            return Err(err("nodes", "adding or removing nodes needs a restart"));
        }
        for (i, (a, b)) in cur.nodes.iter().zip(&next.nodes).enumerate() {
            if a.id != b.id || a.role.as_str() != b.role.as_str() {
                return Err(err(
                    &format!("nodes[{i}]"),
                    "node ids and roles cannot change while running",
                ));
            }
            if let (Role::Broker(x), Role::Broker(y)) = (&a.role, &b.role) {
                let names = |v: &crate::scenario::BrokerSpec| {
                    (
                        v.queues.iter().map(|q| q.name.clone()).collect::<Vec<_>>(),
                        v.logs.iter().map(|q| q.name.clone()).collect::<Vec<_>>(),
                        v.exchanges
                            .iter()
                            .map(|q| (q.name.clone(), q.bindings.clone()))
                            .collect::<Vec<_>>(),
                    )
                };
                if names(x) != names(y) {
                    return Err(err(
                        &format!("nodes[{i}].role.broker"),
                        "queues, logs and exchanges cannot change while running",
                    ));
                }
                for (j, (l1, l2)) in x.logs.iter().zip(&y.logs).enumerate() {
                    if l2.partitions < l1.partitions {
                        return Err(err(
                            &format!("nodes[{i}].role.broker.logs[{j}].partitions"),
                            format!(
                                "partitions can only grow (from {}), as in Kafka",
                                l1.partitions
                            ),
                        ));
                    }
                }
            }
            let targets = |r: &Role| match r {
                Role::Client(c) => vec![c.target.clone()],
                Role::Service(s) => vec![
                    s.calls.clone().unwrap_or_default(),
                    s.publish
                        .as_ref()
                        .map(|p| format!("{}/{}", p.broker, p.to))
                        .unwrap_or_default(),
                ],
                Role::Producer(p) => vec![format!("{}/{}", p.publish.broker, p.publish.to)],
                Role::ConsumerGroup(g) => vec![format!("{}/{}", g.source.broker, g.source.from)],
                Role::Broker(_) => vec![],
            };
            if targets(&a.role) != targets(&b.role) {
                return Err(err(
                    &format!("nodes[{i}].role"),
                    "targets and sources cannot change while running",
                ));
            }
        }
        if cur.links.len() != next.links.len()
            || cur
                .links
                .iter()
                .zip(&next.links)
                .any(|(x, y)| (x.a != y.a) || (x.b != y.b))
        {
            return Err(err("links", "adding or removing links needs a restart"));
        }
        let old = std::mem::replace(&mut self.scenario, next.clone());
        // Faults scheduled at the start keep their meaning.
        self.scenario.faults = old.faults.clone();
        for i in 0..next.nodes.len() {
            self.apply_node_change(i, &old.nodes[i].role);
        }
        for l in 0..next.links.len() {
            self.links[l].configure(&next.links[l]);
            let cut = next.links[l].state == LinkState::Cut;
            self.scenario.links[l].state = old.links[l].state;
            self.set_cut(l, cut);
        }
        Ok(())
    }

    fn apply_node_change(&mut self, i: usize, old: &Role) {
        let new = self.scenario.nodes[i].role.clone();
        match (old, &new) {
            (Role::Client(a), Role::Client(b)) => {
                if a.workload != b.workload {
                    self.start_workload(i, &b.workload);
                }
                if a.retry.as_ref().and_then(|r| r.throttling.clone())
                    != b.retry.as_ref().and_then(|r| r.throttling.clone())
                {
                    if let NodeRt::Client(c) = &mut self.nodes[i] {
                        c.tokens = b
                            .retry
                            .as_ref()
                            .and_then(|r| r.throttling.as_ref())
                            .map_or(0.0, |t| t.max_tokens);
                    }
                }
            }
            (Role::Producer(a), Role::Producer(b)) if a.workload != b.workload => {
                self.start_workload(i, &b.workload);
            }
            (Role::Service(a), Role::Service(b)) => {
                let (from, to) = (a.replicas as usize, b.replicas as usize);
                if to < from {
                    for r in to..from {
                        self.crash_replica(i, r);
                    }
                }
                if let NodeRt::Service(s) = &mut self.nodes[i] {
                    s.replicas.truncate(to);
                    while s.replicas.len() < to {
                        s.replicas.push(ReplicaRt {
                            up: true,
                            backlog: Default::default(),
                            busy: 0,
                        });
                    }
                }
                for r in 0..to {
                    self.pump(i, r);
                }
            }
            (Role::ConsumerGroup(a), Role::ConsumerGroup(b)) => {
                let (from, to) = (a.count as usize, b.count as usize);
                if to < from {
                    for c in to..from {
                        if let NodeRt::Group(g) = &mut self.nodes[i] {
                            g.consumers[c].up = false;
                        }
                        self.reclaim_consumer(i, c, LossReason::NodeCrash);
                    }
                }
                if let NodeRt::Group(g) = &mut self.nodes[i] {
                    g.consumers.truncate(to);
                    while g.consumers.len() < to {
                        g.consumers.push(ConsumerRt::new());
                    }
                }
                if a.commit != b.commit {
                    self.start_node(i);
                } else {
                    self.rebalance(i);
                }
                self.dispatch_source(i);
            }
            (Role::Broker(a), Role::Broker(b)) => {
                for (l, (x, y)) in a.logs.iter().zip(&b.logs).enumerate() {
                    if y.partitions > x.partitions {
                        self.grow_partitions(i, l, y.partitions as usize);
                    }
                }
                self.kick(i);
            }
            _ => {}
        }
    }

    fn grow_partitions(&mut self, b: usize, l: usize, to: usize) {
        let NodeRt::Broker(br) = &mut self.nodes[b] else {
            return;
        };
        while br.logs[l].partitions.len() < to {
            br.logs[l].partitions.push(PartitionRt::default());
        }
        let groups = br.logs[l].groups.clone();
        for g in groups {
            if let NodeRt::Group(gr) = &mut self.nodes[g] {
                if let Some(lg) = gr.log.as_mut() {
                    while lg.owner.len() < to {
                        lg.owner.push(None);
                        lg.committed.push(0);
                        lg.fetched.push(0);
                        lg.processed.push(0);
                        lg.epoch.push(0);
                        lg.high.push(0);
                    }
                }
            }
            self.rebalance(g);
        }
    }
}
