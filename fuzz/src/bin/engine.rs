//! Whole engine runs on generated scenarios (from scratch or mutated presets, values at the
//! edges of the accepted ranges, some refused), with fault schedules and live commands:
//! no panic, the conservation invariant after every event, a ledger that matches a recount,
//! refused commands that change nothing, the same trace when run twice.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use msgflow_fuzz::gen::{self, Shape};
use msgflow_fuzz::{dump, replay, Bytes};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let shape = Shape {
        max_nodes: 12,
        max_ms: 60_000.0,
        max_events: 20_000,
        wild: true,
    };
    let case = gen::case(&mut Bytes(&mut u), shape);
    dump(|| serde_json::to_string_pretty(&case).unwrap_or_default());
    match case.scenario.validate() {
        Ok(()) => {
            if let Err(e) = replay::round_trips(&case.scenario) {
                panic!("{e}");
            }
            if let Err(e) = replay::run_twice(&case) {
                panic!("{e}");
            }
        }
        Err(e) => {
            if let Err(m) = replay::check_errors(None, &e) {
                panic!("{m}\n{e}");
            }
        }
    }
});
