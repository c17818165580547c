//! A random variant of a preset with a random fault schedule, shared by the invariant
//! property tests and `examples/engine_fingerprint.rs` (which includes this file).

use msgflow::scenario::{
    preset, AckMode, Dist, Fault, Role, Scenario, ScheduledFault, Workload, PRESETS,
};
use msgflow::sim::rng::Rng;

/// Mutates a preset's parameters and adds a random fault schedule, all from `r`.
pub fn random_scenario(preset_idx: usize, r: &mut Rng) -> Scenario {
    let mut s = preset(PRESETS[preset_idx % PRESETS.len()].name).unwrap();
    let pick = |r: &mut Rng, xs: &[f64]| xs[r.below(xs.len() as u32) as usize];
    for n in &mut s.nodes {
        match &mut n.role {
            Role::Client(c) => {
                c.workload = match r.below(3) {
                    0 => Workload::Poisson {
                        rate_per_s: pick(r, &[0.0, 5.0, 50.0, 400.0]),
                    },
                    1 => Workload::FixedRate {
                        rate_per_s: pick(r, &[1.0, 100.0]),
                    },
                    _ => Workload::ClosedLoop {
                        concurrency: r.below(20),
                        think_ms: pick(r, &[0.0, 5.0]),
                    },
                };
                c.deadline_ms = [None, Some(5.0), Some(200.0)][r.below(3) as usize];
            }
            Role::Service(sv) => {
                sv.replicas = 1 + r.below(4);
                sv.workers = 1 + r.below(4);
                sv.queue_limit = [None, Some(0), Some(3)][r.below(3) as usize];
                sv.service_time = Dist::LogNormal {
                    median_ms: pick(r, &[1.0, 20.0]),
                    sigma: 1.0,
                };
            }
            Role::Producer(p) => {
                p.workload = Workload::Poisson {
                    rate_per_s: pick(r, &[0.0, 20.0, 300.0]),
                };
                p.poison_ratio = pick(r, &[0.0, 0.1]);
                p.persistent = r.chance(0.5);
                p.key_space = 1 + r.below(50);
            }
            Role::Broker(b) => {
                for q in &mut b.queues {
                    q.durable = r.chance(0.5);
                    q.max_length = [None, Some(5)][r.below(2) as usize];
                    q.ttl_ms = [None, Some(50.0)][r.below(2) as usize];
                    q.max_deliveries = [None, Some(2)][r.below(2) as usize];
                }
                for l in &mut b.logs {
                    l.partitions = 1 + r.below(8);
                    l.durable = r.chance(0.5);
                }
            }
            Role::ConsumerGroup(g) => {
                g.count = 1 + r.below(6);
                g.prefetch = 1 + r.below(5);
                g.ack = if r.chance(0.5) {
                    AckMode::Auto
                } else {
                    AckMode::Manual
                };
            }
        }
    }
    for l in &mut s.links {
        l.latency_ms = pick(r, &[0.0, 1.0, 30.0]);
        l.loss = pick(r, &[0.0, 0.0, 0.05, 0.5]);
        l.bandwidth_mbps = [None, Some(0.1), Some(10.0)][r.below(3) as usize];
    }
    let ids: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    let links: Vec<(String, String)> = s.links.iter().map(|l| (l.a.clone(), l.b.clone())).collect();
    for _ in 0..r.below(8) {
        let at_ms = r.unit() * 3000.0;
        let node = ids[r.below(ids.len() as u32) as usize].clone();
        let instance = if r.chance(0.5) {
            Some(r.below(4))
        } else {
            None
        };
        let (a, b) = links[r.below(links.len() as u32) as usize].clone();
        let fault = match r.below(7) {
            0 | 1 => Fault::Crash { node, instance },
            2 => Fault::Restart { node, instance },
            3 => Fault::Cut { a, b },
            4 => Fault::Heal { a, b },
            5 => Fault::LatencySpike {
                a,
                b,
                extra_ms: 100.0,
            },
            _ => Fault::LinkLoss { a, b, loss: 0.3 },
        };
        s.faults.push(ScheduledFault { at_ms, fault });
    }
    s
}
