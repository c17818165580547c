//! Invariants under stress: at least 10,000 random scenarios with fault schedules and live
//! commands, each run twice. Every run keeps the conservation invariant after every event,
//! its ledger matches a recount, refused commands change nothing, and the two runs give the
//! same trace hash. Hostile cases (values and references validation must refuse) are refused
//! with a field path for every problem.
//!
//! `MSGFLOW_STRESS_CASES` sets the number of cases (10,000 by default, spread over four
//! tests so both cores work); `MSGFLOW_STRESS_SECONDS` lengthens each run (default 2 virtual
//! seconds, at most 4,000 events). A failure prints the case as JSON: save it under
//! `tests/regressions/engine/` and it becomes a regression test.

use super::gen::{self, Shape};
use super::replay::{self, check_errors, guarded};
use msgflow::scenario::Scenario;
use msgflow::sim::rng::{Rng, Stream};

/// Seed of the stress cases (fixed: a failure is reproducible by its index).
const SEED: u64 = 0x5EED_5772_E550;
/// Tests the cases are spread over.
const PARTS: u64 = 4;

fn env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn total() -> u64 {
    env("MSGFLOW_STRESS_CASES", 10_000.0) as u64
}

fn shape(wild: bool) -> Shape {
    let secs = env("MSGFLOW_STRESS_SECONDS", 2.0);
    Shape {
        max_nodes: 8,
        max_ms: secs * 1000.0,
        max_events: (2000.0 * secs) as u64,
        wild,
    }
}

/// Runs the cases of part `part`; returns (valid cases run, events processed).
fn part(part: u64) -> (u64, u64) {
    let (mut valid, mut invalid, mut events) = (0u64, 0u64, 0u64);
    let mut i = part;
    while i < total() {
        let mut r = Rng::new(SEED, Stream::Choice, i);
        let case = gen::case(&mut r, shape(false));
        let dump = || serde_json::to_string(&case).unwrap();
        match case.scenario.validate() {
            Ok(()) => {
                replay::round_trips(&case.scenario)
                    .unwrap_or_else(|e| panic!("case {i}: {e}\n{}", dump()));
                let out = guarded(|| replay::run_twice(&case))
                    .unwrap_or_else(|e| panic!("case {i}: {e}\n{}", dump()));
                valid += 1;
                events += out.events;
            }
            Err(e) => {
                check_errors(None, &e).unwrap_or_else(|m| panic!("case {i}: {m}\n{}", dump()));
                invalid += 1;
            }
        }
        i += PARTS;
    }
    // The generator aims at valid scenarios; a few are refused (e.g. an unreachable node).
    assert!(
        valid >= (valid + invalid) * 9 / 10,
        "only {valid} of {} generated scenarios were valid",
        valid + invalid
    );
    (valid, events)
}

#[test]
fn random_cases_part_1_of_4() {
    let (valid, events) = part(0);
    assert!(events > valid, "{valid} cases ran only {events} events");
}

#[test]
fn random_cases_part_2_of_4() {
    part(1);
}

#[test]
fn random_cases_part_3_of_4() {
    part(2);
}

#[test]
fn random_cases_part_4_of_4() {
    part(3);
}

/// Hostile cases: NaN, negative and huge numbers, unknown and self references, refused live
/// changes. Each problem is reported with its path, and whatever is valid runs cleanly.
#[test]
fn hostile_cases_are_refused_with_paths_or_run_cleanly() {
    let n = total() / 5;
    let (mut refused, mut ran) = (0u64, 0u64);
    for i in 0..n {
        let mut r = Rng::new(SEED ^ 0xBAD, Stream::Choice, i);
        let case = gen::case(&mut r, shape(true));
        let dump = || serde_json::to_string(&case).unwrap_or_else(|e| e.to_string());
        match case.scenario.validate() {
            Ok(()) => {
                guarded(|| replay::run(&case))
                    .unwrap_or_else(|e| panic!("wild case {i}: {e}\n{}", dump()));
                ran += 1;
            }
            Err(e) => {
                check_errors(None, &e).unwrap_or_else(|m| panic!("wild case {i}: {m}"));
                // What the runner and the editor see: the exported text is refused too,
                // unless the only problems were non-finite numbers (JSON writes them as
                // null, which is "none" for an optional field).
                let text = serde_json::to_string(&case.scenario).unwrap();
                match Scenario::from_json(&text) {
                    Err(again) => check_errors(Some(&text), &again)
                        .unwrap_or_else(|m| panic!("wild case {i} as text: {m}\n{text}")),
                    Ok(_) => assert!(
                        e.errors
                            .iter()
                            .all(|f| f.message.ends_with("inf") || f.message.ends_with("NaN")),
                        "wild case {i} is refused ({e}) but not after export"
                    ),
                }
                refused += 1;
            }
        }
    }
    assert!(
        refused > n / 10 && ran > n / 10,
        "refused {refused}, ran {ran}"
    );
}
