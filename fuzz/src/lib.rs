//! Shared code of the fuzz targets. The case format, the checks and the generator are the
//! native tests' own files (`tests/it/replay.rs`, `tests/it/gen.rs`), so a fuzz finding
//! replays as a regression test and the stress test draws from the same generator.
//!
//! A new target is one file in `src/bin/` (Cargo finds it; `scripts/fuzz` lists them).

#[path = "../../tests/it/replay.rs"]
pub mod replay;

#[path = "../../tests/it/gen.rs"]
pub mod gen;

use arbitrary::Unstructured;
use msgflow::scenario::Scenario;

/// The fuzzer's bytes as a source of choices (zeros once they run out).
pub struct Bytes<'a, 'b>(pub &'a mut Unstructured<'b>);

impl gen::Source for Bytes<'_, '_> {
    fn below(&mut self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

/// Set `MSGFLOW_FUZZ_DUMP=path` when running a target on one input to write the case it
/// decodes to as JSON (the form kept under `tests/regressions/`).
pub fn dump(json: impl FnOnce() -> String) {
    if let Ok(path) = std::env::var("MSGFLOW_FUZZ_DUMP") {
        std::fs::write(&path, json()).expect("MSGFLOW_FUZZ_DUMP is writable");
    }
}

/// Every check a decoded-and-valid scenario must pass: it survives export and import, and a
/// short run of it (twice, with the same seed) keeps every invariant.
pub fn check_valid(s: &Scenario, seed: u64, max_events: u64) {
    if let Err(e) = replay::round_trips(s) {
        panic!("{e}");
    }
    let case = replay::Case {
        seed,
        scenario: s.clone(),
        commands: Vec::new(),
        until_ms: 10_000.0,
        max_events,
    };
    if let Err(e) = replay::run_twice(&case) {
        panic!("{e}");
    }
}
