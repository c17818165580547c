//! The standard benchmark scenarios keep the trace hashes they had before the engine was
//! made faster: the same events, in the same order, at the same times.

use msgflow::sim::{Engine, SimTime};

/// (scenario, seed, trace hash after 2.1 virtual seconds), recorded before the speed work
/// and pinned again when the trace hash changed from byte-wise FNV-1a to the packed-event
/// hash: the traces written by `msgflow run --trace` before and after that change were
/// identical, record by record, for these nine runs and every preset.
const PINNED: &[(&str, u64, u64)] = &[
    ("work-queue-64", 0, 0x9983_3d87_be4a_81e9),
    ("work-queue-64", 1, 0x555f_5e42_299a_5d31),
    ("work-queue-64", 2, 0xd60e_26fb_78ec_efd0),
    ("grpc-8-retries-loss", 0, 0x4fad_0e4b_1c4f_a21b),
    ("grpc-8-retries-loss", 1, 0x6ed3_9ff0_cb34_a661),
    ("grpc-8-retries-loss", 2, 0x3e55_1a86_901a_d4f3),
    ("log-32x16", 0, 0xe268_a098_bcc1_1651),
    ("log-32x16", 1, 0xdeba_72d3_6c5c_fac1),
    ("log-32x16", 2, 0xc2e2_692a_b977_ae0e),
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
