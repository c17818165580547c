//! Memory is bounded by work in flight: a long run at 10,000 messages/s does not grow.

use msgflow::sim::{Engine, SimTime};

#[test]
fn a_long_run_at_ten_thousand_per_second_stays_flat() {
    for (name, s) in msgflow::sim::bench::standard() {
        let mut e = Engine::new(s, 1);
        e.set_invariant_checks(false);
        e.run_until(SimTime::from_ms(10_000.0));
        let early = e.footprint();
        e.run_until(SimTime::from_ms(120_000.0));
        let late = e.footprint();
        assert!(e.metrics().ledger.created > 1_000_000, "{name}");
        // Slots are reused: the high-water mark after two minutes stays near the first ten seconds'.
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
