//! The standard benchmark scenarios keep the trace hashes they had before the engine was
//! made faster: the same events, in the same order, at the same times.

use msgflow::sim::{Engine, SimTime};

/// (scenario, seed, trace hash after 2.1 virtual seconds), recorded before the speed work.
const PINNED: &[(&str, u64, u64)] = &[
    ("work-queue-64", 0, 0x8020_1056_47ba_f98a),
    ("work-queue-64", 1, 0xcece_da79_b595_7d93),
    ("work-queue-64", 2, 0xf2ab_c17a_d31f_92c3),
    ("grpc-8-retries-loss", 0, 0x0a41_2947_4e24_69ab),
    ("grpc-8-retries-loss", 1, 0x89a1_9d7b_39f0_1e0e),
    ("grpc-8-retries-loss", 2, 0x7158_b227_c015_6cc3),
    ("log-32x16", 0, 0x6c2b_dc09_f78f_d481),
    ("log-32x16", 1, 0xc1d2_2ef6_7822_c14d),
    ("log-32x16", 2, 0xd264_ad25_f370_de28),
];

#[test]
fn bench_scenarios_keep_their_trace_hashes() {
    let scenarios = msgflow::sim::bench::standard();
    let mut wrong = Vec::new();
    for &(name, seed, want) in PINNED {
        let (_, s) = scenarios
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a standard scenario");
        let mut e = Engine::new(s.clone(), seed);
        e.set_invariant_checks(true);
        e.run_until(SimTime::from_ms(2100.0));
        assert_eq!(e.violation(), None, "{name} seed {seed}");
        e.audit().expect("ledger matches the live messages");
        if e.trace_hash() != want {
            wrong.push(format!("{name} seed {seed}: {:#018x}", e.trace_hash()));
        }
    }
    assert!(
        wrong.is_empty(),
        "trace hashes differ:\n{}",
        wrong.join("\n")
    );
}
