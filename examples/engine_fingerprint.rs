//! A fingerprint of everything the engine shows: trace hashes, event counts, reports,
//! outputs, series, node views, messages in flight, footprints, journeys and waiting lines,
//! over the benchmark scenarios, every preset and N random scenarios (mutated presets with
//! faults and a live update). A change meant to keep results identical must keep the
//! `ALL` line: compare the output before and after.
//!
//! `cargo run --release --example engine_fingerprint -- [N=300]`

use msgflow::scenario::{
    preset, AckMode, Dist, Fault, Role, Scenario, ScheduledFault, Workload, PRESETS,
};
use msgflow::sim::rng::{Rng, Stream};
use msgflow::sim::{Command, Engine, SimTime};
use std::hash::{Hash, Hasher};

/// Mutates a preset's parameters and adds a random fault schedule, all from `r`.
fn random_scenario(preset_idx: usize, r: &mut Rng) -> Scenario {
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

fn fingerprint(e: &mut Engine, h: &mut std::collections::hash_map::DefaultHasher) {
    e.trace_hash().hash(h);
    e.events_processed().hash(h);
    serde_json::to_string(&e.report()).unwrap().hash(h);
    format!("{:?}", e.drain_outputs()).hash(h);
    for p in e.metrics().series.points() {
        format!("{:?}", p).hash(h);
    }
    format!("{:?}", e.nodes_view()).hash(h);
    let flights: Vec<_> = e.in_flight().collect();
    format!("{:?}", flights).hash(h);
    format!("{:?}", e.footprint()).hash(h);
    let newest = e.metrics().ledger.created + 10;
    for o in newest.saturating_sub(700)..newest {
        if let Some(j) = e.journey(o) {
            format!("{:?}", j).hash(h);
        }
    }
    format!("{:?}", e.metrics().wait).hash(h);
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut all = std::collections::hash_map::DefaultHasher::new();
    for (name, s) in msgflow::sim::bench::standard() {
        for seed in 0..3 {
            let mut e = Engine::new(s.clone(), seed);
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for k in 1..=3 {
                e.run_until(SimTime::from_ms(k as f64 * 700.0));
                fingerprint(&mut e, &mut h);
            }
            println!(
                "{name} {seed} {:016x} trace {:016x}",
                h.finish(),
                e.trace_hash()
            );
            h.finish().hash(&mut all);
        }
    }
    for p in PRESETS {
        let mut e = Engine::new(preset(p.name).unwrap(), 7);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for k in 1..=4 {
            e.run_until(SimTime::from_ms(k as f64 * 2500.0));
            fingerprint(&mut e, &mut h);
        }
        println!("{} {:016x}", p.name, h.finish());
        h.finish().hash(&mut all);
    }
    for case in 0..n {
        let mut r = Rng::new(case, Stream::Choice, 0);
        let s = random_scenario(case as usize, &mut r);
        let mut e = Engine::new(s.clone(), case * 31 + 1);
        e.set_invariant_checks(true);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        e.run_until_bounded(SimTime::from_ms(1500.0), 300_000);
        fingerprint(&mut e, &mut h);
        let mut next = s;
        for nd in &mut next.nodes {
            if let Role::ConsumerGroup(g) = &mut nd.role {
                g.count = 1 + r.below(8);
            }
        }
        e.inject(Command::Update(Box::new(next))).unwrap();
        for _ in 0..15 {
            let t = e.now().as_ms() + 100.0;
            e.run_until_bounded(SimTime::from_ms(t), 100_000);
        }
        fingerprint(&mut e, &mut h);
        assert_eq!(e.violation(), None);
        e.audit().unwrap();
        println!("case {case} {:016x}", h.finish());
        h.finish().hash(&mut all);
    }
    println!("ALL {:016x}", all.finish());
}
