//! A fingerprint of everything the engine shows: trace hashes, event counts, reports,
//! outputs, series, node views, messages in flight, footprints, journeys and waiting lines,
//! over the benchmark scenarios, every preset and N random scenarios (mutated presets with
//! faults and a live update). A change meant to keep results identical must keep the
//! `ALL` line: compare the output before and after.
//!
//! `cargo run --release --example engine_fingerprint -- [N=300]`

use msgflow::scenario::{preset, Role, PRESETS};
use msgflow::sim::rng::{Rng, Stream};
use msgflow::sim::{Command, Engine, SimTime};
use std::hash::{Hash, Hasher};

#[path = "../tests/it/mutate.rs"]
mod mutate;

use mutate::random_scenario;

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
