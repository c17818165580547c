//! Random scenarios and fault schedules: no panic, the conservation invariant always holds,
//! and the same seed gives the same trace.

use super::mutate::random_scenario;
use msgflow::scenario::{Role, Scenario};
use msgflow::sim::rng::{Rng, Stream};
use msgflow::sim::{Command, Engine, SimTime};
use proptest::prelude::*;

fn run_checked(s: Scenario, seed: u64, r: &mut Rng) -> u64 {
    let mut e = Engine::new(s.clone(), seed);
    e.set_invariant_checks(true);
    // A live change half-way: consumer counts and rates, as the playground sends them.
    e.run_until_bounded(SimTime::from_ms(2000.0), 1_000_000);
    let mut next = s;
    for n in &mut next.nodes {
        if let Role::ConsumerGroup(g) = &mut n.role {
            g.count = 1 + r.below(8);
        }
    }
    e.inject(Command::Update(Box::new(next)))
        .expect("same topology is accepted");
    for _ in 0..20 {
        let t = e.now().as_ms() + 100.0;
        e.run_until_bounded(SimTime::from_ms(t), 200_000);
    }
    assert_eq!(e.violation(), None);
    e.audit().unwrap();
    e.trace_hash()
}

/// Cases per run: small by default; `MSGFLOW_PROPTEST_CASES` raises it (see README).
fn cases() -> u32 {
    std::env::var("MSGFLOW_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_every_invariant(preset_idx in 0usize..16, seed in any::<u64>(), shape in any::<u64>()) {
        let mut r = Rng::new(shape, Stream::Choice, 0);
        let s = random_scenario(preset_idx, &mut r);
        let mut r1 = Rng::new(shape, Stream::Choice, 1);
        let mut r2 = Rng::new(shape, Stream::Choice, 1);
        let a = run_checked(s.clone(), seed, &mut r1);
        let b = run_checked(s, seed, &mut r2);
        prop_assert_eq!(a, b, "same seed, same trace");
    }
}
