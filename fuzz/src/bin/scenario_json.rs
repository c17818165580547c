//! Any bytes as a scenario document: decoding and validation never panic, every error names
//! a problem (and, for a JSON object, its field path), and whatever is accepted survives
//! export and import and runs with every invariant kept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msgflow::scenario::Scenario;
use msgflow_fuzz::{check_valid, dump, replay::check_errors};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    dump(|| text.to_string());
    match Scenario::from_json(text) {
        Ok(s) => check_valid(&s, data.len() as u64, 5_000),
        Err(e) => {
            if let Err(m) = check_errors(Some(text), &e) {
                panic!("{m}\n{e}");
            }
        }
    }
});
