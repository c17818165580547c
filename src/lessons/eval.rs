//! Metrics and conditions evaluated on a running engine (read only).

use super::{Condition, CounterName, MessageName, Metric};
use crate::payload::{body_len, PayloadKind};
use crate::scenario::{Role, Scenario, Workload};
use crate::sim::theory::mmc;
use crate::sim::{Counters, Engine, SimTime, NS_PER_MS};

/// The engine's figures when a step started; step-relative metrics subtract them.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    at: SimTime,
    total: Counters,
    nodes: Vec<Counters>,
    /// Per node: (samples, sum of latencies in ms).
    latency: Vec<(u64, f64)>,
    /// Per node: (waits, sum of waits in ns).
    wait: Vec<(u64, u128)>,
}

impl Baseline {
    /// The engine's figures now.
    pub fn take(e: &Engine) -> Baseline {
        let m = e.metrics();
        Baseline {
            at: e.now(),
            total: m.total.clone(),
            nodes: m.nodes.clone(),
            latency: m
                .latency
                .iter()
                .map(|l| (l.count(), l.mean_ms() * l.count() as f64))
                .collect(),
            wait: m.wait.iter().map(|w| (w.n, w.sum_wait_ns)).collect(),
        }
    }
}

/// How a metric's value reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A whole number of messages, calls or consumers.
    Count,
    /// Milliseconds.
    Ms,
    /// Bytes.
    Bytes,
    /// A plain ratio.
    Ratio,
    /// Seconds.
    Secs,
}

impl Unit {
    /// `v` as text with its unit; "—" when it is not a number.
    pub fn format(self, v: f64) -> String {
        if !v.is_finite() {
            return "—".into();
        }
        match self {
            Unit::Count => format!("{v:.0}"),
            Unit::Ms if v >= 100.0 => format!("{v:.0} ms"),
            Unit::Ms => format!("{v:.1} ms"),
            Unit::Bytes => format!("{v:.0} B"),
            Unit::Ratio => format!("{v:.2}"),
            Unit::Secs => format!("{v:.1} s"),
        }
    }
}

fn counter(c: &Counters, of: CounterName) -> u64 {
    use CounterName::*;
    if let Some(s) = of.status() {
        return c.status[s.idx()];
    }
    match of {
        Sent => c.sent,
        Delivered => c.delivered,
        Acked => c.acked,
        Nacked => c.nacked,
        Retried => c.retried,
        Redelivered => c.redelivered,
        Duplicated => c.duplicated,
        Reordered => c.reordered,
        Republished => c.republished,
        Processed => c.processed,
        Lost => c.lost_total(),
        Expired => c.expired,
        DeadLettered => c.dead_lettered,
        Late => c.late,
        Cancelled => c.cancelled,
        Refused => c.refused,
        FailedCalls => c.errors(),
        Attempts => c.sent + c.retried,
        Ok | DeadlineExceeded | ResourceExhausted | Unavailable => 0,
    }
}

impl Metric {
    /// The unit of the value.
    pub fn unit(&self) -> Unit {
        match self {
            Metric::Count { .. }
            | Metric::QueueDepth { .. }
            | Metric::DeadLetters { .. }
            | Metric::IdleConsumers { .. } => Unit::Count,
            Metric::MeanLatency { .. }
            | Metric::MeanWait { .. }
            | Metric::PredictedWait { .. }
            | Metric::ChainLatency { .. } => Unit::Ms,
            Metric::BodyBytes { .. } => Unit::Bytes,
            Metric::Ratio { .. } => Unit::Ratio,
            Metric::Sum(v) => v.first().map_or(Unit::Count, Metric::unit),
            Metric::Elapsed => Unit::Secs,
        }
    }

    /// `v` as text: with its unit, "—" when not a number, "unbounded" for the wait of an
    /// overloaded queue.
    pub fn format(&self, v: f64) -> String {
        match self {
            Metric::PredictedWait { .. } if v.is_nan() => "unbounded: overloaded".into(),
            _ => self.unit().format(v),
        }
    }

    /// The value now, relative to `b` where the metric counts from the step's start.
    /// Not a number when it cannot be computed (unknown node, nothing measured yet).
    pub fn value(&self, e: &Engine, b: &Baseline) -> f64 {
        let s = e.scenario();
        let idx = |id: &str| s.node_idx(id);
        let m = e.metrics();
        match self {
            Metric::Count { of, node, run } => {
                let (now, then) = match node {
                    None => (&m.total, &b.total),
                    Some(id) => match idx(id) {
                        Some(i) => (&m.nodes[i], b.nodes.get(i).unwrap_or(&m.nodes[i])),
                        None => return f64::NAN,
                    },
                };
                let base = if *run { 0 } else { counter(then, *of) };
                counter(now, *of).saturating_sub(base) as f64
            }
            Metric::QueueDepth {
                node,
                queue,
                instance,
            } => {
                let Some(i) = idx(node) else { return f64::NAN };
                let v = e.node_view(i);
                match v.role {
                    "broker" => v
                        .boxes
                        .iter()
                        .filter(|x| queue.as_ref().is_none_or(|q| &x.name == q))
                        .map(|x| x.depth)
                        .sum::<u64>() as f64,
                    _ => v
                        .instances
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| instance.is_none_or(|want| *k == want as usize))
                        .map(|(_, x)| x.waiting as u64)
                        .sum::<u64>() as f64,
                }
            }
            Metric::DeadLetters { node } => {
                let Some(i) = idx(node) else { return f64::NAN };
                e.node_view(i)
                    .boxes
                    .iter()
                    .map(|x| x.dead_letters)
                    .sum::<u64>() as f64
            }
            Metric::IdleConsumers { node } => {
                let Some(i) = idx(node) else { return f64::NAN };
                let from_log = matches!(&s.nodes[i].role, Role::ConsumerGroup(g)
                    if broker_has_log(s, &g.source.broker, &g.source.from));
                e.node_view(i)
                    .instances
                    .iter()
                    .filter(|c| {
                        c.up && if from_log {
                            c.partitions.is_empty()
                        } else {
                            c.busy == 0 && c.outstanding == 0
                        }
                    })
                    .count() as f64
            }
            Metric::MeanLatency { node, run } => {
                let Some(i) = idx(node) else { return f64::NAN };
                let l = &m.latency[i];
                let (n, sum) = (l.count(), l.mean_ms() * l.count() as f64);
                let (n0, sum0) = if *run {
                    (0, 0.0)
                } else {
                    b.latency.get(i).copied().unwrap_or((n, sum))
                };
                if n <= n0 {
                    return f64::NAN;
                }
                (sum - sum0) / (n - n0) as f64
            }
            Metric::MeanWait { node, run } => {
                let Some(i) = idx(node) else { return f64::NAN };
                let w = &m.wait[i];
                let (n0, sum0) = if *run {
                    (0, 0)
                } else {
                    b.wait.get(i).copied().unwrap_or((w.n, w.sum_wait_ns))
                };
                if w.n <= n0 {
                    return f64::NAN;
                }
                (w.sum_wait_ns - sum0) as f64 / (w.n - n0) as f64 / NS_PER_MS as f64
            }
            Metric::PredictedWait { node } => predicted_wait(s, node).unwrap_or(f64::NAN),
            Metric::ChainLatency { node } => chain_latency(s, node).unwrap_or(f64::NAN),
            Metric::BodyBytes { message, encoding } => {
                let kind = match message {
                    MessageName::OrderRequest => PayloadKind::OrderRequest,
                    MessageName::OrderReply => PayloadKind::OrderReply,
                    MessageName::OrderPlaced => PayloadKind::OrderPlaced,
                };
                let total: u64 = (1..=100u64)
                    .map(|id| u64::from(body_len(kind, *encoding, id, (id % 1000) as u32)))
                    .sum();
                total as f64 / 100.0
            }
            Metric::Ratio { of, per } => {
                let d = per.value(e, b);
                if d == 0.0 {
                    f64::NAN
                } else {
                    of.value(e, b) / d
                }
            }
            Metric::Sum(v) => v.iter().map(|m| m.value(e, b)).sum(),
            Metric::Elapsed => e.now().since(b.at) as f64 / 1e9,
        }
    }
}

impl Condition {
    /// Whether the condition holds now.
    pub fn holds(&self, e: &Engine, b: &Baseline) -> bool {
        match self {
            Condition::All(v) => v.iter().all(|c| c.holds(e, b)),
            Condition::Any(v) => v.iter().any(|c| c.holds(e, b)),
            Condition::Check { metric, op, value } => op.holds(metric.value(e, b), *value),
            Condition::Compare {
                left,
                op,
                right,
                factor,
            } => op.holds(left.value(e, b), factor * right.value(e, b)),
        }
    }
}

pub(super) fn broker_has_log(s: &Scenario, broker: &str, name: &str) -> bool {
    s.nodes.iter().any(|n| {
        n.id == broker
            && matches!(&n.role, Role::Broker(b) if b.logs.iter().any(|l| l.name == name))
    })
}

fn rate(w: &Workload) -> f64 {
    w.rate_per_s().unwrap_or(0.0)
}

/// Arrivals per second at what `node` serves, and its (servers, mean service ms).
pub(super) fn queue_model(s: &Scenario, node: &str) -> Option<(f64, u32, f64)> {
    let n = s.nodes.iter().find(|n| n.id == node)?;
    match &n.role {
        Role::ConsumerGroup(g) => {
            let broker = s.nodes.iter().find(|n| n.id == g.source.broker)?;
            let Role::Broker(b) = &broker.role else {
                return None;
            };
            // The names whose messages land in the queue: itself and exchanges bound to it.
            let into = |to: &str| {
                to == g.source.from
                    || b.exchanges
                        .iter()
                        .any(|x| x.name == to && x.bindings.iter().any(|q| q == &g.source.from))
            };
            let lambda: f64 = s
                .nodes
                .iter()
                .filter_map(|p| match &p.role {
                    Role::Producer(p) if p.publish.broker == broker.id && into(&p.publish.to) => {
                        Some(rate(&p.workload))
                    }
                    _ => None,
                })
                .sum();
            Some((lambda, g.count, g.processing.mean_ms()))
        }
        Role::Service(v) => {
            let lambda: f64 = s
                .nodes
                .iter()
                .filter_map(|c| match &c.role {
                    Role::Client(c) if c.target == node => Some(rate(&c.workload)),
                    _ => None,
                })
                .sum();
            // Round robin splits the calls evenly: one replica sees 1/replicas of them.
            Some((
                lambda / v.replicas.max(1) as f64,
                v.workers,
                v.service_time.mean_ms(),
            ))
        }
        _ => None,
    }
}

fn predicted_wait(s: &Scenario, node: &str) -> Option<f64> {
    let (lambda, c, service_ms) = queue_model(s, node)?;
    mmc(lambda, c, service_ms).map(|p| p.wait_ms)
}

/// Round trips of every hop plus every service's mean time along `client`'s call chain.
fn chain_latency(s: &Scenario, client: &str) -> Option<f64> {
    let c = s.nodes.iter().find(|n| n.id == client)?;
    let Role::Client(spec) = &c.role else {
        return None;
    };
    let (mut from, mut to) = (client.to_string(), Some(spec.target.clone()));
    let mut total = 0.0;
    let mut hops = 0;
    while let Some(t) = to {
        hops += 1;
        if hops > s.nodes.len() {
            return None;
        }
        let link = s.links.get(s.link_idx(&from, &t)?)?;
        total += 2.0 * (link.latency_ms + link.jitter.map_or(0.0, |j| j.mean_ms()));
        let Role::Service(v) = &s.nodes.iter().find(|n| n.id == t)?.role else {
            return None;
        };
        total += v.service_time.mean_ms();
        from = t;
        to = v.calls.clone();
    }
    Some(total)
}
