//! Same scenario + same seed ⇒ the same event trace; the hashes are committed so that the
//! wasm32 build (tests/determinism_wasm.rs) must reproduce them bit for bit.

use crate::support::*;
use msgflow::scenario::preset;
use msgflow::sim::{Engine, SimTime};

/// (preset, seed, virtual seconds, trace hash). The wasm32 test checks the same table.
pub const GOLDEN: &[(&str, u64, f64, u64)] = include!("../golden_hashes.in");

#[test]
fn every_preset_matches_its_committed_trace_hash() {
    let mut wrong = Vec::new();
    for &(name, seed, secs, want) in GOLDEN {
        let mut e = Engine::new(preset(name).unwrap(), seed);
        e.run_until(SimTime::from_ms(secs * 1000.0));
        if e.trace_hash() != want {
            wrong.push(format!(
                "    (\"{name}\", {seed}, {secs:.1}, {:#018x}),",
                e.trace_hash()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "trace hashes differ; got:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn same_seed_same_trace_and_other_seed_other_trace() {
    for name in msgflow::scenario::preset_names() {
        let a = run(preset(name).unwrap(), 42, 5.0);
        let b = run(preset(name).unwrap(), 42, 5.0);
        let c = run(preset(name).unwrap(), 43, 5.0);
        assert_eq!(a.trace_hash(), b.trace_hash(), "{name}");
        assert_eq!(a.report().total.base, b.report().total.base, "{name}");
        assert_ne!(a.trace_hash(), c.trace_hash(), "{name}");
    }
}

#[test]
fn stepping_and_running_give_the_same_trace() {
    let mut a = Engine::new(preset("hybrid").unwrap(), 5);
    a.run_until(SimTime::from_ms(3000.0));
    let mut b = Engine::new(preset("hybrid").unwrap(), 5);
    while b
        .next_event_time()
        .is_some_and(|t| t <= SimTime::from_ms(3000.0))
    {
        b.step();
    }
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(a.events_processed(), b.events_processed());
}

#[test]
fn side_by_side_twins_share_their_arrival_times() {
    let mut e = Engine::new(preset("side-by-side").unwrap(), 9);
    e.run_until(SimTime::from_ms(10_000.0));
    assert_eq!(counters(&e, "client").sent, counters(&e, "producer").sent);
}
