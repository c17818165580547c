//! Memory is bounded by work in flight: a long run at 10,000 messages/s does not grow.

use msgflow::sim::{Engine, SimTime};

/// Virtual seconds of the long run: 120 by default (CI); `MSGFLOW_MEMORY_SECONDS=3600` runs
/// the full hour (`msgflow bench --soak` does too, printing the footprint every ten minutes).
fn seconds() -> f64 {
    std::env::var("MSGFLOW_MEMORY_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120.0)
}

#[test]
fn a_long_run_at_ten_thousand_per_second_stays_flat() {
    for (name, s) in msgflow::sim::bench::standard() {
        let mut e = Engine::new(s, 1);
        e.set_invariant_checks(false);
        e.run_until(SimTime::from_ms(10_000.0));
        let early = e.footprint();
        e.run_until(SimTime::from_ms(seconds() * 1000.0));
        let late = e.footprint();
        assert!(e.metrics().ledger.created > 1_000_000, "{name}");
        // Slots are reused: the high-water mark at the end stays near the first ten seconds'.
        assert!(
            late.0 <= early.0 * 2 + 64,
            "{name}: message slots {early:?} → {late:?}"
        );
        assert!(
            late.1 <= early.1 * 2 + 64,
            "{name}: pending events {early:?} → {late:?}"
        );
        assert!(
            late.2 <= early.2 * 2 + 64,
            "{name}: call slots {early:?} → {late:?}"
        );
        e.audit().unwrap();
    }
}
