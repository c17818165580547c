//! Queueing theory the simulation is checked against (and the overlay shows).

/// Erlang C: the probability that an arrival waits, for `c` servers at offered load `a = λ/μ`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let c_f = c as f64;
    if a >= c_f {
        return 1.0;
    }
    // Sum a^k/k! for k < c, iteratively.
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let top = term * a / c_f * (c_f / (c_f - a));
    top / (sum + top)
}

/// Predictions of an M/M/c queue.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MmcPrediction {
    /// Utilisation ρ = λ / (cμ).
    pub utilisation: f64,
    /// Probability of waiting.
    pub p_wait: f64,
    /// Mean wait in the queue, in ms.
    pub wait_ms: f64,
    /// Mean number waiting (Little: λ·W).
    pub queue_len: f64,
    /// Mean time in system (wait + service), in ms.
    pub sojourn_ms: f64,
    /// Mean number in system (waiting or in service): L = λW = Lq + cρ.
    pub in_system: f64,
}

/// The M/M/c prediction for arrival rate `lambda_per_s`, `c` servers and mean service `service_ms`;
/// `None` when the queue is unstable (ρ ≥ 1).
pub fn mmc(lambda_per_s: f64, c: u32, service_ms: f64) -> Option<MmcPrediction> {
    if c == 0 || service_ms <= 0.0 || lambda_per_s <= 0.0 {
        return None;
    }
    let mu = 1000.0 / service_ms;
    let a = lambda_per_s / mu;
    let rho = a / c as f64;
    if rho >= 1.0 {
        return None;
    }
    let pw = erlang_c(c, a);
    let wait_s = pw / (c as f64 * mu - lambda_per_s);
    Some(MmcPrediction {
        utilisation: rho,
        p_wait: pw,
        wait_ms: wait_s * 1000.0,
        queue_len: lambda_per_s * wait_s,
        sojourn_ms: wait_s * 1000.0 + service_ms,
        in_system: lambda_per_s * (wait_s + service_ms / 1000.0),
    })
}

// ----- the overlay: which waiting lines M/M/c describes, and how the run compares ---------

use super::engine::Engine;
use super::runtime::NodeRt;
use crate::scenario::{
    ConsumerGroupSpec, Dist, Fault, LbPolicy, Method, Role, ServiceSpec, StatusCode, Workload,
};

/// What kind of waiting line a [`TheoryCheck`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A gRPC service: requests wait in a replica's backlog for one of its workers.
    Service,
    /// A broker queue read by a consumer group: messages wait for a consumer.
    Queue,
    /// A partitioned log read by a consumer group.
    Log,
}

/// What the run measured for one waiting line (time averages from the start of the run).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measured {
    /// Arrivals into the line per virtual second (λ).
    pub arrival_rate_per_s: f64,
    /// Work started over servers × time (ρ).
    pub utilisation: f64,
    /// Share of items that waited at all.
    pub p_wait: f64,
    /// Mean wait before service (Wq), in ms.
    pub wait_ms: f64,
    /// Mean service time drawn, in ms.
    pub service_ms: f64,
    /// Mean time in system, wait + service (W), in ms.
    pub sojourn_ms: f64,
    /// Time-average number waiting (Lq).
    pub queue_len: f64,
    /// Time-average number waiting or in service (L).
    pub in_system: f64,
    /// λ·Wq from the measured rate and wait: Little's law says it equals `queue_len`.
    pub little_queue_len: f64,
    /// λ·W: Little's law says it equals `in_system`.
    pub little_in_system: f64,
    /// Items that finished waiting; 0 means nothing has been measured yet.
    pub samples: u64,
}

/// One queue or server: whether M/M/c describes it, the prediction and the measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct TheoryCheck {
    /// The node whose waiting line this is (the service or the consumer group).
    pub node: usize,
    /// Service, broker queue or log.
    pub kind: LineKind,
    /// A short name: the service id, or `broker/queue → group`.
    pub name: String,
    /// Servers c: workers of one replica, or consumers.
    pub servers: u32,
    /// Arrival rate λ from the scenario's Poisson workloads (at one replica of a service).
    pub lambda_per_s: f64,
    /// Mean service time 1/μ from the scenario, in ms.
    pub service_ms: f64,
    /// Offered utilisation ρ = λ / (cμ).
    pub rho: f64,
    /// The run's figures.
    pub measured: Measured,
    /// The M/M/c prediction, when every assumption holds.
    pub prediction: Option<MmcPrediction>,
    /// Why M/M/c does not describe this line, in plain words (empty when it does).
    pub reasons: Vec<String>,
}

impl TheoryCheck {
    /// True when the M/M/c assumptions hold and a prediction is given.
    pub fn applies(&self) -> bool {
        self.prediction.is_some()
    }
}

fn dist_name(d: &Dist) -> &'static str {
    match d {
        Dist::Constant { .. } => "constant",
        Dist::Uniform { .. } => "uniform",
        Dist::Exponential { .. } => "exponential",
        Dist::LogNormal { .. } => "log-normal",
    }
}

/// A number without needless decimals (60, 0.5, 12.25).
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Engine {
    /// Every service and consumer group, with the M/M/c verdict for the current scenario
    /// and the figures measured so far.
    pub fn theory(&self) -> Vec<TheoryCheck> {
        self.scenario
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match &n.role {
                Role::Service(s) => Some(self.service_check(i, s)),
                Role::ConsumerGroup(g) => Some(self.group_check(i, g)),
                _ => None,
            })
            .collect()
    }

    fn id(&self, i: usize) -> &str {
        &self.scenario.nodes[i].id
    }

    fn measured(&self, i: usize, servers: u32) -> Measured {
        let w = &self.metrics.wait[i];
        let c = &self.metrics.nodes[i];
        let t = self.now.as_secs();
        if t <= 0.0 {
            return Measured::default();
        }
        let lambda = w.arrivals as f64 / t;
        let service_ms = if c.delivered > 0 {
            c.work_ns as f64 / c.delivered as f64 / super::time::NS_PER_MS as f64
        } else {
            0.0
        };
        let wait_ms = w.mean_wait_ms();
        let busy = c.work_ns as f64 / self.now.0 as f64;
        let queue_len = w.mean_len(self.now);
        Measured {
            arrival_rate_per_s: lambda,
            utilisation: busy / f64::from(servers.max(1)),
            p_wait: if w.n > 0 {
                w.waited as f64 / w.n as f64
            } else {
                0.0
            },
            wait_ms,
            service_ms,
            sojourn_ms: wait_ms + service_ms,
            queue_len,
            in_system: queue_len + busy,
            little_queue_len: lambda * wait_ms / 1000.0,
            little_in_system: lambda * (wait_ms + service_ms) / 1000.0,
            samples: w.n,
        }
    }

    /// Reasons a link on the path breaks the assumptions. `holds_server`: its delay keeps a
    /// server (consumer slot) taken.
    fn link_reasons(&self, a: usize, b: usize, holds_server: bool, r: &mut Vec<String>) {
        let Some(l) = self.link_between(a, b) else {
            return;
        };
        let (spec, rt) = (&self.scenario.links[l], &self.links[l]);
        let name = format!("{}–{}", self.id(a), self.id(b));
        if rt.cut {
            r.push(format!("the {name} link is cut (a fault is active)"));
        }
        if spec.loss > 0.0 {
            r.push(format!(
                "the {name} link loses {}% of messages (a loss fault is active)",
                num(spec.loss * 100.0)
            ));
        }
        if rt.extra_ns > 0 {
            r.push(format!("a latency spike is active on the {name} link"));
        }
        if spec.jitter.is_some() {
            r.push(format!(
                "jitter on the {name} link (kept in order) reshapes the arrivals"
            ));
        }
        if spec.bandwidth_mbps.is_some() {
            r.push(format!(
                "the {name} link's bandwidth limit makes messages queue on the wire"
            ));
        }
        if holds_server && spec.latency_ms > 0.0 {
            r.push(format!(
                "the {name} link adds {} ms to every delivery and ack, so a consumer stays taken longer than its processing time",
                num(spec.latency_ms)
            ));
        }
    }

    /// Reasons from the fault timeline: faults on these nodes or the links between them.
    fn timeline_reasons(&self, nodes: &[usize], r: &mut Vec<String>) {
        let ids: Vec<&str> = nodes.iter().map(|&i| self.id(i)).collect();
        let on_path = |a: &str, b: &str| ids.contains(&a) && ids.contains(&b);
        let hits: Vec<(f64, &str)> = self
            .scenario
            .faults
            .iter()
            .filter_map(|f| {
                let what = match &f.fault {
                    Fault::Crash { node, .. } if ids.contains(&node.as_str()) => "a crash",
                    Fault::Restart { node, .. } if ids.contains(&node.as_str()) => "a restart",
                    Fault::Slow { node, .. } if ids.contains(&node.as_str()) => "a slow-down",
                    Fault::Cut { a, b } if on_path(a, b) => "a link cut",
                    Fault::Heal { a, b } if on_path(a, b) => "a link heal",
                    Fault::LinkLoss { a, b, .. } if on_path(a, b) => "link loss",
                    Fault::LatencySpike { a, b, .. } if on_path(a, b) => "a latency spike",
                    _ => return None,
                };
                Some((f.at_ms, what))
            })
            .collect();
        if let Some((at, what)) = hits.first() {
            let more = match hits.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            r.push(format!(
                "the fault timeline has {what} at {} ms on this path{more}",
                num(*at)
            ));
        }
    }

    fn source_reasons(&self, j: usize, w: &Workload, what: &str, r: &mut Vec<String>) -> f64 {
        let id = self.id(j);
        let up = match &self.nodes[j] {
            NodeRt::Client(c) => c.up,
            NodeRt::Producer(p) => p.up,
            _ => true,
        };
        if !up {
            r.push(format!("{id} is crashed, so its {what} stopped"));
        }
        match *w {
            Workload::Poisson { rate_per_s } => return rate_per_s,
            Workload::FixedRate { rate_per_s } => r.push(format!(
                "{what} from {id} are fixed-rate ({}/s), not Poisson",
                num(rate_per_s)
            )),
            Workload::ClosedLoop { concurrency, .. } => r.push(format!(
                "{what} from {id} come from {concurrency} closed-loop callers that each wait for an answer, not from a Poisson stream"
            )),
        }
        0.0
    }

    /// `line`: the node, the kind of line and its name.
    fn verdict(
        &self,
        (i, kind, name): (usize, LineKind, String),
        c: u32,
        lambda: f64,
        service: &Dist,
        mut r: Vec<String>,
    ) -> TheoryCheck {
        let service_ms = service.mean_ms();
        if !service.is_exponential() {
            let what = if kind == LineKind::Service {
                "service"
            } else {
                "processing"
            };
            r.push(format!(
                "{what} time is {}, not exponential",
                dist_name(service)
            ));
        }
        let rho = if c == 0 {
            f64::INFINITY
        } else {
            lambda * service_ms / 1000.0 / f64::from(c)
        };
        if lambda <= 0.0 && r.is_empty() {
            r.push("no Poisson arrivals reach it".into());
        } else if service_ms <= 0.0 {
            r.push("the mean service time is 0 ms, so nothing ever waits".into());
        } else if rho >= 1.0 {
            r.push(format!(
                "ρ = {rho:.2} ≥ 1: work arrives faster than {c} server{} can do it, so the queue grows without bound",
                if c == 1 { "" } else { "s" }
            ));
        }
        let prediction = if r.is_empty() {
            mmc(lambda, c, service_ms)
        } else {
            None
        };
        TheoryCheck {
            node: i,
            kind,
            name,
            servers: c,
            lambda_per_s: lambda,
            service_ms,
            rho,
            measured: self.measured(i, c),
            prediction,
            reasons: r,
        }
    }

    fn service_check(&self, i: usize, spec: &ServiceSpec) -> TheoryCheck {
        let id = self.id(i).to_string();
        let mut r = Vec::new();
        let mut lambda = 0.0;
        let mut path = vec![i];
        for (j, n) in self.scenario.nodes.iter().enumerate() {
            match &n.role {
                Role::Client(cl) if cl.target == id => {
                    path.push(j);
                    let rate = self.source_reasons(j, &cl.workload, "calls", &mut r);
                    // λ at the busiest replica: round-robin shares the calls out evenly,
                    // pick-first sends them all to the first replica.
                    lambda += match cl.lb {
                        LbPolicy::RoundRobin => rate / f64::from(spec.replicas.max(1)),
                        LbPolicy::PickFirst => rate,
                    };
                    if spec.replicas > 1 && cl.lb == LbPolicy::RoundRobin {
                        r.push(format!(
                            "{} spreads calls round-robin over {} replicas, each with its own queue: a replica's arrivals are evenly spaced, not Poisson",
                            n.id, spec.replicas
                        ));
                    }
                    if let Method::ServerStream { responses } = cl.method {
                        if responses > 1 {
                            r.push(format!(
                                "each call from {} streams {responses} responses, holding a worker for {responses} service times",
                                n.id
                            ));
                        }
                    }
                    let cc = &self.metrics.nodes[j];
                    if cc.retried > 0 {
                        r.push(format!(
                            "{} retried {} calls, and retries are extra arrivals that are not Poisson",
                            n.id, cc.retried
                        ));
                    }
                    let refused = cc.status[StatusCode::ResourceExhausted.idx()];
                    if let (Some(k), true) = (spec.queue_limit, refused > 0) {
                        r.push(format!(
                            "the queue limit ({k}) turned away {refused} calls: that is M/M/c/K, not M/M/c"
                        ));
                    }
                    self.link_reasons(j, i, false, &mut r);
                }
                Role::Service(up) if up.calls.as_deref() == Some(id.as_str()) => {
                    path.push(j);
                    r.push(format!(
                        "calls from {} are made after its own work, not as a Poisson stream",
                        n.id
                    ));
                }
                _ => {}
            }
        }
        if path.len() == 1 {
            r.push("nothing calls it".into());
        }
        if let Some(down) = &spec.calls {
            r.push(format!(
                "each request also waits for its call to {down}, so a worker is held longer than the service time"
            ));
        }
        if let NodeRt::Service(s) = &self.nodes[i] {
            let down = s.replicas.iter().filter(|x| !x.up).count();
            if down > 0 {
                r.push(format!(
                    "{down} of {} replicas are down (a crash fault is active)",
                    s.replicas.len()
                ));
            }
            if s.slow != 1.0 {
                r.push(format!("a slow-down fault (×{}) is active", num(s.slow)));
            }
        }
        let c = &self.metrics.nodes[i];
        if c.cancelled > 0 {
            r.push(format!(
                "{} requests were dropped after their callers' deadlines passed while they waited",
                c.cancelled
            ));
        }
        if c.lost_total() > 0 {
            r.push(format!(
                "{} requests were lost here (crash or loss)",
                c.lost_total()
            ));
        }
        self.timeline_reasons(&path, &mut r);
        self.verdict(
            (i, LineKind::Service, id),
            spec.workers,
            lambda,
            &spec.service_time,
            r,
        )
    }

    fn group_check(&self, g: usize, spec: &ConsumerGroupSpec) -> TheoryCheck {
        let (src, id) = (&spec.source, self.id(g).to_string());
        let b = self.scenario.node_idx(&src.broker).unwrap_or(g);
        let name = format!("{}/{} → {id}", src.broker, src.from);
        let mut r = Vec::new();
        let kind = match &self.scenario.nodes[b].role {
            Role::Broker(br) if br.logs.iter().any(|l| l.name == src.from) => LineKind::Log,
            _ => LineKind::Queue,
        };
        if kind == LineKind::Log {
            r.push(
                "it reads a partitioned log: each consumer owns whole partitions, so messages do not wait in one shared queue"
                    .into(),
            );
        }
        // Publishers reaching this queue or log, directly or through an exchange.
        let reaches = |to: &str| {
            to == src.from
                || matches!(&self.scenario.nodes[b].role, Role::Broker(br)
                    if br.exchanges.iter().any(|x| x.name == to && x.bindings.contains(&src.from)))
        };
        let mut lambda = 0.0;
        let mut path = vec![g, b];
        for (j, n) in self.scenario.nodes.iter().enumerate() {
            match &n.role {
                Role::Producer(p) if p.publish.broker == src.broker && reaches(&p.publish.to) => {
                    path.push(j);
                    lambda += self.source_reasons(j, &p.workload, "messages", &mut r);
                    let pc = &self.metrics.nodes[j];
                    if pc.republished > 0 {
                        r.push(format!(
                            "{} re-published {} messages after missing confirms, adding duplicates",
                            n.id, pc.republished
                        ));
                    }
                    if pc.refused > 0 {
                        r.push(format!(
                            "{} refused {} messages under back-pressure",
                            n.id, pc.refused
                        ));
                    }
                    if p.poison_ratio > 0.0 {
                        r.push(format!(
                            "{}% of {}'s messages are poison: they fail and come back or leave early",
                            num(p.poison_ratio * 100.0),
                            n.id
                        ));
                    }
                    self.link_reasons(j, b, false, &mut r);
                }
                Role::Service(s)
                    if s.publish
                        .as_ref()
                        .is_some_and(|p| p.broker == src.broker && reaches(&p.to)) =>
                {
                    path.push(j);
                    r.push(format!(
                        "messages from {} are published after its own work, not as a Poisson stream",
                        n.id
                    ));
                }
                Role::ConsumerGroup(o)
                    if j != g
                        && kind == LineKind::Queue
                        && o.source.broker == src.broker
                        && o.source.from == src.from =>
                {
                    r.push(format!(
                        "{} also reads this queue, so two groups compete for it",
                        n.id
                    ));
                }
                _ => {}
            }
        }
        if kind == LineKind::Queue && spec.prefetch > 1 && spec.count > 1 {
            r.push(format!(
                "prefetch {} lets a busy consumer hold messages an idle one could take, so the {} consumers do not share one queue (set prefetch to 1)",
                spec.prefetch, spec.count
            ));
        }
        self.link_reasons(b, g, true, &mut r);
        if let NodeRt::Broker(br) = &self.nodes[b] {
            if !br.up {
                r.push("the broker is down (a crash fault is active)".into());
            }
        }
        let bc = &self.metrics.nodes[b];
        if bc.redelivered > 0 {
            r.push(format!(
                "{} messages were delivered again after a nack, crash or lost ack, adding arrivals",
                bc.redelivered
            ));
        }
        let gone = bc.lost_total() + bc.expired + bc.dead_lettered;
        if gone > 0 {
            r.push(format!(
                "the broker dropped, expired or dead-lettered {gone} messages"
            ));
        }
        if let NodeRt::Group(gr) = &self.nodes[g] {
            let down = gr.consumers.iter().filter(|x| !x.up).count();
            if down > 0 {
                r.push(format!(
                    "{down} of {} consumers are down (a crash fault is active)",
                    gr.consumers.len()
                ));
            }
            if gr.slow != 1.0 {
                r.push(format!("a slow-down fault (×{}) is active", num(gr.slow)));
            }
        }
        let gc = &self.metrics.nodes[g];
        if gc.lost_total() > 0 {
            r.push(format!(
                "{} messages were lost on the way to or at the consumers",
                gc.lost_total()
            ));
        }
        self.timeline_reasons(&path, &mut r);
        self.verdict((g, kind, name), spec.count, lambda, &spec.processing, r)
    }
}
