//! Random scenarios, fault schedules and live commands, from any source of choices.
//!
//! The same generator feeds the stress test (choices from a seeded `Rng`) and the fuzz
//! targets (choices from the fuzzer's bytes through `arbitrary::Unstructured`), which include
//! this file with `#[path]`. It builds topologies from scratch or mutates a preset, and picks
//! numbers at the edges of what validation accepts (zero, the limits, tiny and huge values)
//! as often as ordinary ones. With `wild` set it also picks values and references that
//! validation must refuse.

use super::replay::{Case, CaseCommand, Timed};
use msgflow::payload::Encoding;
use msgflow::scenario::limits::*;
use msgflow::scenario::*;

/// A source of choices.
pub trait Source {
    /// A number in `0..n` (`n` ≥ 1).
    fn below(&mut self, n: u32) -> u32;

    /// True with probability about `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.below(1 << 16) as f64) < p * (1 << 16) as f64
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.below(1 << 30) as f64 / (1u64 << 30) as f64
    }
    /// One of `xs`.
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize].clone()
    }
    /// 64 bits.
    fn u64(&mut self) -> u64 {
        ((self.below(1 << 16) as u64) << 48)
            | ((self.below(1 << 16) as u64) << 32)
            | ((self.below(1 << 16) as u64) << 16)
            | self.below(1 << 16) as u64
    }
}

impl Source for msgflow::sim::rng::Rng {
    fn below(&mut self, n: u32) -> u32 {
        msgflow::sim::rng::Rng::below(self, n.max(1))
    }
}

/// How big and how hostile the generated cases are.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Most nodes of a generated topology.
    pub max_nodes: u32,
    /// Longest run, in virtual milliseconds.
    pub max_ms: f64,
    /// Most events per run.
    pub max_events: u64,
    /// Also produce values and references that validation must refuse.
    pub wild: bool,
}

struct G<'a, S: Source> {
    s: &'a mut S,
    wild: bool,
}

impl<S: Source> G<'_, S> {
    /// A value validation refuses, now and then (wild mode only).
    fn bad(&mut self) -> Option<f64> {
        (self.wild && self.s.chance(0.02)).then(|| {
            self.s.pick(&[
                f64::NAN,
                -1.0,
                f64::INFINITY,
                -0.0001,
                1.0e12,
                f64::MIN_POSITIVE,
            ])
        })
    }
    /// A float in `lo..=hi`, at the edges as often as in between; `typical` values too.
    fn f(&mut self, lo: f64, hi: f64, typical: &[f64]) -> f64 {
        if let Some(b) = self.bad() {
            return b;
        }
        match self.s.below(10) {
            0 => lo,
            1 => hi,
            2 | 3 => lo + (hi - lo) * self.s.unit(),
            // Log-uniform between max(lo, 1e-3) and hi.
            4 => {
                let a = lo.max(1e-3).ln();
                let v = (a + (hi.ln() - a) * self.s.unit()).exp();
                v.clamp(lo, hi)
            }
            _ => self.s.pick(typical).clamp(lo, hi),
        }
    }
    /// A whole number in `lo..=hi`, usually small.
    fn u(&mut self, lo: u32, hi: u32, typical_hi: u32) -> u32 {
        if self.wild && self.s.chance(0.02) {
            return self.s.pick(&[0, hi.saturating_add(1), u32::MAX]);
        }
        match self.s.below(8) {
            0 => lo,
            1 => hi,
            2 => lo + self.s.below(hi - lo + 1),
            _ => lo + self.s.below(typical_hi.clamp(lo, hi) - lo + 1),
        }
    }
    fn ms(&mut self) -> f64 {
        self.f(0.0, MAX_TIME_MS, &[0.0, 0.5, 1.0, 5.0, 20.0, 100.0])
    }
    fn short_ms(&mut self) -> f64 {
        self.f(0.0, MAX_TIME_MS, &[0.0, 1.0, 2.0, 10.0, 50.0])
    }
    fn dist(&mut self) -> Dist {
        match self.s.below(4) {
            0 => Dist::Constant {
                ms: self.short_ms(),
            },
            1 => {
                let a = self.short_ms();
                let b = self.short_ms();
                let (min_ms, max_ms) = if self.wild && self.s.chance(0.05) {
                    (a.max(b), a.min(b))
                } else {
                    (a.min(b), a.max(b))
                };
                Dist::Uniform { min_ms, max_ms }
            }
            2 => Dist::Exponential {
                mean_ms: self.short_ms(),
            },
            _ => Dist::LogNormal {
                median_ms: self.short_ms(),
                sigma: self.f(0.0, 4.0, &[0.0, 0.5, 1.0]),
            },
        }
    }
    fn rate(&mut self) -> f64 {
        self.f(0.0, MAX_RATE_PER_S, &[0.0, 0.001, 1.0, 10.0, 100.0, 1000.0])
    }
    fn workload(&mut self, closed_loop: bool) -> Workload {
        match self.s.below(if closed_loop { 3 } else { 2 }) {
            0 => Workload::Poisson {
                rate_per_s: self.rate(),
            },
            1 => Workload::FixedRate {
                rate_per_s: self.rate(),
            },
            _ => Workload::ClosedLoop {
                concurrency: self.u(0, MAX_CONCURRENCY, 20),
                think_ms: self.short_ms(),
            },
        }
    }
    fn retry(&mut self) -> Option<RetryPolicy> {
        self.s.chance(0.5).then(|| RetryPolicy {
            max_attempts: self.u(1, MAX_ATTEMPTS, MAX_ATTEMPTS),
            initial_backoff_ms: self.short_ms(),
            max_backoff_ms: self.short_ms(),
            backoff_multiplier: self.f(1.0, 10.0, &[1.0, 1.6, 2.0]),
            retryable_status_codes: (0..self.s.below(4))
                .map(|_| self.s.pick(&StatusCode::ALL))
                .collect(),
            throttling: self.s.chance(0.3).then(|| RetryThrottling {
                max_tokens: self.f(1.0, 1000.0, &[1.0, 10.0, 100.0]),
                token_ratio: self.f(0.001, 1.0, &[0.1, 0.5]),
            }),
        })
    }
    fn opt<T>(&mut self, p: f64, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.s.chance(p) {
            Some(f(self))
        } else {
            None
        }
    }
    fn encoding(&mut self) -> Encoding {
        self.s.pick(&[Encoding::Protobuf, Encoding::Json])
    }
    fn arrival_stream(&mut self) -> Option<u32> {
        self.opt(0.2, |g| g.s.pick(&[0, 1, u32::MAX]))
    }
}

/// Names of what a broker holds: (queues, logs, exchanges).
fn boxes(s: &Scenario, broker: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    match s.nodes.iter().find(|n| n.id == broker).map(|n| &n.role) {
        Some(Role::Broker(b)) => (
            b.queues.iter().map(|q| q.name.clone()).collect(),
            b.logs.iter().map(|l| l.name.clone()).collect(),
            b.exchanges.iter().map(|x| x.name.clone()).collect(),
        ),
        _ => (Vec::new(), Vec::new(), Vec::new()),
    }
}

/// A topology built from scratch: nodes of random roles wired to each other.
fn topology<S: Source>(g: &mut G<S>, max_nodes: u32) -> Scenario {
    let n = 1 + g.s.below(max_nodes.max(1));
    // Roles first (references need them), then brokers, then everything that points at them.
    let roles: Vec<u32> = (0..n).map(|_| g.s.below(5)).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
    let of = |r: u32| -> Vec<String> {
        roles
            .iter()
            .zip(&ids)
            .filter(|(x, _)| **x == r)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let (services, brokers) = (of(1), of(3));
    let mut s = Scenario {
        version: FORMAT_VERSION,
        name: String::new(),
        description: String::new(),
        nodes: Vec::new(),
        links: Vec::new(),
        faults: Vec::new(),
        metrics: MetricsConfig {
            window_ms: g.f(1.0, 60_000.0, &[250.0, 100.0, 1000.0]),
        },
    };
    for (i, &r) in roles.iter().enumerate() {
        if r != 3 {
            continue;
        }
        let queues: Vec<QueueSpec> = (0..g.s.below(4))
            .map(|k| QueueSpec {
                name: format!("q{k}"),
                durable: g.s.chance(0.5),
                max_length: g.opt(0.3, |g| g.u(1, MAX_QUEUE_LENGTH, 5)),
                overflow: g.s.pick(&[Overflow::DropHead, Overflow::RejectPublish]),
                ttl_ms: g.opt(0.3, |g| g.f(0.001, MAX_TIME_MS, &[1.0, 50.0])),
                max_deliveries: g.opt(0.3, |g| g.u(1, 1000, 3)),
                dead_letter: g.s.chance(0.7),
            })
            .collect();
        let exchanges = if queues.is_empty() {
            Vec::new()
        } else {
            (0..g.s.below(3))
                .map(|k| ExchangeSpec {
                    name: format!("x{k}"),
                    bindings: (0..1 + g.s.below(queues.len() as u32))
                        .map(|_| g.s.pick(&queues).name)
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                })
                .collect()
        };
        let logs = (0..g.s.below(3))
            .map(|k| LogSpec {
                name: format!("l{k}"),
                partitions: g.u(1, MAX_PARTITIONS, 8),
                durable: g.s.chance(0.5),
            })
            .collect();
        s.nodes.push(Node {
            id: ids[i].clone(),
            label: String::new(),
            role: Role::Broker(BrokerSpec {
                queues,
                exchanges,
                logs,
            }),
        });
    }
    let brokers_only = s.clone();
    let target = |g: &mut G<S>, sources: bool| -> Option<(String, String)> {
        let broker = if brokers.is_empty() || g.wild && g.s.chance(0.02) {
            g.s.pick(&ids)
        } else {
            g.s.pick(&brokers)
        };
        let (q, l, x) = boxes(&brokers_only, &broker);
        let mut names: Vec<String> = q.into_iter().chain(l).collect();
        if !sources {
            names.extend(x);
        }
        if g.wild && g.s.chance(0.02) {
            names.push("nowhere".into());
        }
        (!names.is_empty()).then(|| (broker, g.s.pick(&names)))
    };
    let mut nodes = Vec::new();
    for (i, &r) in roles.iter().enumerate() {
        let id = ids[i].clone();
        let role = match r {
            0 if services.is_empty() && !g.wild => continue,
            0 => Role::Client(ClientSpec {
                target: if services.is_empty() || g.wild && g.s.chance(0.02) {
                    g.s.pick(&ids)
                } else {
                    g.s.pick(&services)
                },
                workload: g.workload(true),
                lb: g.s.pick(&[LbPolicy::PickFirst, LbPolicy::RoundRobin]),
                deadline_ms: g.opt(0.4, |g| g.f(0.001, MAX_TIME_MS, &[5.0, 50.0, 300.0])),
                retry: g.retry(),
                method: if g.s.chance(0.2) {
                    Method::ServerStream {
                        responses: g.u(1, MAX_STREAM_RESPONSES, 5),
                    }
                } else {
                    Method::Unary
                },
                encoding: g.encoding(),
                arrival_stream: g.arrival_stream(),
            }),
            1 => {
                // Calls only go to a later service (no cycles) unless wild.
                let later: Vec<String> = services
                    .iter()
                    .filter(|x| natural(x) > natural(&id))
                    .cloned()
                    .collect();
                Role::Service(ServiceSpec {
                    replicas: g.u(1, MAX_REPLICAS, 4),
                    workers: g.u(1, MAX_WORKERS, 4),
                    service_time: g.dist(),
                    queue_limit: g.opt(0.3, |g| g.u(0, MAX_QUEUE_LENGTH, 5)),
                    calls: if g.wild && g.s.chance(0.05) {
                        Some(g.s.pick(&services))
                    } else if !later.is_empty() && g.s.chance(0.4) {
                        Some(g.s.pick(&later))
                    } else {
                        None
                    },
                    publish: if g.s.chance(0.3) {
                        target(g, false).map(|(broker, to)| PublishTarget { broker, to })
                    } else {
                        None
                    },
                })
            }
            2 => match target(g, false) {
                Some((broker, to)) => Role::Producer(ProducerSpec {
                    publish: PublishTarget { broker, to },
                    workload: g.workload(false),
                    key_space: g.u(1, MAX_KEY_SPACE, 16),
                    confirms: g.opt(0.4, |g| Confirms {
                        timeout_ms: g.f(1.0, MAX_TIME_MS, &[1.0, 20.0, 200.0]),
                    }),
                    poison_ratio: g.f(0.0, 1.0, &[0.0, 0.0, 0.1]),
                    persistent: g.s.chance(0.5),
                    encoding: g.encoding(),
                    arrival_stream: g.arrival_stream(),
                }),
                None => continue,
            },
            3 => continue,
            _ => match target(g, true) {
                Some((broker, from)) => Role::ConsumerGroup(ConsumerGroupSpec {
                    source: SourceRef { broker, from },
                    count: g.u(1, MAX_CONSUMERS, 4),
                    prefetch: g.u(1, MAX_PREFETCH, 5),
                    processing: g.dist(),
                    ack: g.s.pick(&[AckMode::Auto, AckMode::Manual]),
                    commit: if g.s.chance(0.3) {
                        CommitMode::Periodic {
                            interval_ms: g.f(1.0, MAX_TIME_MS, &[1.0, 100.0]),
                        }
                    } else {
                        CommitMode::AfterProcessing
                    },
                    on_failure: g.s.pick(&[OnFailure::Requeue, OnFailure::Reject]),
                }),
                None => continue,
            },
        };
        nodes.push(Node {
            id,
            label: String::new(),
            role,
        });
    }
    s.nodes.extend(nodes);
    if s.nodes.is_empty() && !g.wild {
        s.nodes.push(Node {
            id: "n0".into(),
            label: String::new(),
            role: Role::Service(ServiceSpec {
                replicas: 1,
                workers: 1,
                service_time: Dist::Constant { ms: 1.0 },
                queue_limit: None,
                calls: None,
                publish: None,
            }),
        });
    }
    s.nodes.sort_by_key(|n| natural(&n.id));
    // A link for every pair that talks (almost always), and a few more.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for n in &s.nodes {
        let id = n.id.clone();
        match &n.role {
            Role::Client(c) => pairs.push((id, c.target.clone())),
            Role::Service(v) => {
                pairs.extend(v.calls.iter().map(|c| (id.clone(), c.clone())));
                pairs.extend(v.publish.iter().map(|p| (id.clone(), p.broker.clone())));
            }
            Role::Producer(p) => pairs.push((id, p.publish.broker.clone())),
            Role::ConsumerGroup(c) => pairs.push((id, c.source.broker.clone())),
            Role::Broker(_) => {}
        }
    }
    let present: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    for _ in 0..g.s.below(3) {
        if present.len() > 1 {
            pairs.push((g.s.pick(&present), g.s.pick(&present)));
        }
    }
    for (a, b) in pairs {
        let known = present.contains(&a) && present.contains(&b);
        let exists = s.link_idx(&a, &b).is_some();
        let dropped = g.wild && g.s.chance(0.03);
        if (a == b || !known || exists || dropped) && !(g.wild && g.s.chance(0.1)) {
            continue;
        }
        s.links.push(link(g, a, b));
    }
    s
}

/// `n12` sorts after `n2`.
fn natural(id: &str) -> (usize, String) {
    (id.len(), id.to_string())
}

fn link<S: Source>(g: &mut G<S>, a: String, b: String) -> Link {
    Link {
        a,
        b,
        latency_ms: g.f(0.0, MAX_TIME_MS, &[0.0, 0.0, 1.0, 5.0, 30.0]),
        jitter: g.opt(0.3, |g| g.dist()),
        loss: g.f(0.0, 1.0, &[0.0, 0.0, 0.0, 0.01, 0.3]),
        bandwidth_mbps: g.opt(0.3, |g| {
            g.f(
                MIN_BANDWIDTH_MBPS,
                MAX_BANDWIDTH_MBPS,
                &[MIN_BANDWIDTH_MBPS, 0.1, 10.0],
            )
        }),
        state: if g.s.chance(0.05) {
            LinkState::Cut
        } else {
            LinkState::Up
        },
    }
}

/// New parameters for the same topology: what the playground's panel may send.
fn retune<S: Source>(g: &mut G<S>, s: &mut Scenario) {
    for n in &mut s.nodes {
        if !g.s.chance(0.5) {
            continue;
        }
        match &mut n.role {
            Role::Client(c) => {
                let closed = matches!(c.workload, Workload::ClosedLoop { .. });
                c.workload = g.workload(closed);
                c.deadline_ms = g.opt(0.4, |g| g.f(0.001, MAX_TIME_MS, &[5.0, 200.0]));
                c.retry = g.retry();
            }
            Role::Service(v) => {
                v.replicas = g.u(1, MAX_REPLICAS, 4);
                v.workers = g.u(1, MAX_WORKERS, 4);
                v.service_time = g.dist();
                v.queue_limit = g.opt(0.3, |g| g.u(0, MAX_QUEUE_LENGTH, 5));
            }
            Role::Producer(p) => {
                p.workload = g.workload(false);
                p.poison_ratio = g.f(0.0, 1.0, &[0.0, 0.1]);
                p.persistent = g.s.chance(0.5);
                p.key_space = g.u(1, MAX_KEY_SPACE, 50);
                p.confirms = g.opt(0.4, |g| Confirms {
                    timeout_ms: g.f(1.0, MAX_TIME_MS, &[1.0, 20.0]),
                });
            }
            Role::Broker(b) => {
                for q in &mut b.queues {
                    q.durable = g.s.chance(0.5);
                    q.max_length = g.opt(0.3, |g| g.u(1, MAX_QUEUE_LENGTH, 5));
                    q.ttl_ms = g.opt(0.3, |g| g.f(0.001, MAX_TIME_MS, &[1.0, 50.0]));
                    q.max_deliveries = g.opt(0.3, |g| g.u(1, 1000, 2));
                }
                for l in &mut b.logs {
                    // Sometimes fewer partitions: the engine must refuse that live.
                    l.partitions = g.u(1, MAX_PARTITIONS, 8);
                    l.durable = g.s.chance(0.5);
                }
            }
            Role::ConsumerGroup(c) => {
                c.count = g.u(1, MAX_CONSUMERS, 8);
                c.prefetch = g.u(1, MAX_PREFETCH, 5);
                c.processing = g.dist();
                c.ack = g.s.pick(&[AckMode::Auto, AckMode::Manual]);
                if g.s.chance(0.2) {
                    c.commit = CommitMode::Periodic {
                        interval_ms: g.f(1.0, MAX_TIME_MS, &[1.0, 100.0]),
                    };
                }
            }
        }
    }
    let ids: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    for l in &mut s.links {
        if g.s.chance(0.5) {
            let fresh = link(g, l.a.clone(), l.b.clone());
            *l = fresh;
        }
    }
    if g.wild && g.s.chance(0.05) && !ids.is_empty() {
        // A topology change: refused while running.
        let a = g.s.pick(&ids);
        s.links.push(Link {
            a: a.clone(),
            b: a,
            latency_ms: 0.0,
            jitter: None,
            loss: 0.0,
            bandwidth_mbps: None,
            state: LinkState::Up,
        });
    }
}

fn fault<S: Source>(g: &mut G<S>, s: &Scenario) -> Fault {
    let mut ids: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    if ids.is_empty() || g.wild && g.s.chance(0.03) {
        ids.push("ghost".into());
    }
    let mut slowable: Vec<String> = s
        .nodes
        .iter()
        .filter(|n| matches!(n.role, Role::Service(_) | Role::ConsumerGroup(_)))
        .map(|n| n.id.clone())
        .collect();
    if slowable.is_empty() || g.wild && g.s.chance(0.03) {
        slowable.push(g.s.pick(&ids));
    }
    let mut links: Vec<(String, String)> =
        s.links.iter().map(|l| (l.a.clone(), l.b.clone())).collect();
    if links.is_empty() && !g.wild {
        let node = g.s.pick(&ids);
        let instance = g.opt(0.5, |g| g.s.below(6));
        return if g.s.chance(0.5) {
            Fault::Crash { node, instance }
        } else {
            Fault::Restart { node, instance }
        };
    }
    if links.is_empty() || g.wild && g.s.chance(0.03) {
        let (a, b) = (g.s.pick(&ids), g.s.pick(&ids));
        links.push((a, b));
    }
    let node = g.s.pick(&ids);
    let instance = g.opt(0.5, |g| {
        if g.wild && g.s.chance(0.05) {
            g.s.pick(&[MAX_CONSUMERS, u32::MAX])
        } else {
            let n = if g.s.chance(0.1) { MAX_CONSUMERS } else { 6 };
            g.s.below(n)
        }
    });
    let (a, b) = g.s.pick(&links);
    match g.s.below(9) {
        0 | 1 => Fault::Crash { node, instance },
        2 | 3 => Fault::Restart { node, instance },
        4 => Fault::Cut { a, b },
        5 => Fault::Heal { a, b },
        6 => Fault::LinkLoss {
            a,
            b,
            loss: g.f(0.0, 1.0, &[0.0, 0.3, 1.0]),
        },
        7 => Fault::LatencySpike {
            a,
            b,
            extra_ms: g.ms(),
        },
        _ => Fault::Slow {
            node: g.s.pick(&slowable),
            factor: g.f(0.01, 100.0, &[0.5, 2.0, 10.0]),
        },
    }
}

/// A random case: a scenario (from scratch or a mutated preset) with a fault schedule and
/// live commands, a seed, a horizon and an event budget.
pub fn case<S: Source>(src: &mut S, shape: Shape) -> Case {
    let mut g = G {
        s: src,
        wild: shape.wild,
    };
    let mut s = if g.s.chance(0.35) {
        let mut p = preset(g.s.pick(PRESETS).name).expect("presets are valid");
        retune(&mut g, &mut p);
        p
    } else {
        topology(&mut g, shape.max_nodes)
    };
    let until_ms = match g.s.below(4) {
        0 => shape.max_ms * g.s.unit(),
        _ => shape.max_ms,
    };
    let when = |g: &mut G<S>| -> f64 {
        if g.s.chance(0.1) {
            g.s.pick(&[0.0, until_ms, until_ms * 2.0])
        } else {
            until_ms * g.s.unit()
        }
    };
    for _ in 0..g.s.below(10) {
        let at_ms = if let Some(b) = g.bad() {
            b
        } else {
            when(&mut g)
        };
        let f = fault(&mut g, &s);
        s.faults.push(ScheduledFault { at_ms, fault: f });
    }
    let mut commands: Vec<Timed> = Vec::new();
    for _ in 0..g.s.below(6) {
        let command = if g.s.chance(0.6) {
            CaseCommand::Fault(fault(&mut g, &s))
        } else {
            let mut next = s.clone();
            retune(&mut g, &mut next);
            CaseCommand::Update(Box::new(next))
        };
        let at_ms = when(&mut g);
        commands.push(Timed { at_ms, command });
    }
    commands.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    Case {
        seed: g.s.u64(),
        scenario: s,
        commands,
        until_ms,
        max_events: 1 + g.s.below(shape.max_events.min(u32::MAX as u64) as u32) as u64,
    }
}
