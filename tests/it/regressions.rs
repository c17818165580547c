//! Every input that once broke something, kept so it never does again.
//!
//! - `tests/regressions/engine/*.json`: engine cases (the `Case` format of `replay.rs`: a
//!   scenario, a seed, live commands); each must run twice with every invariant kept and the
//!   same trace.
//! - `tests/regressions/scenario_json/*`: documents given to `Scenario::from_json`; each must
//!   be refused with a path for every problem, or accepted and run cleanly.
//!
//! `scripts/fuzz case TARGET ARTIFACT` writes a fuzz finding in the first form.

use super::replay::{self, check_errors, guarded, Case};
use msgflow::scenario::Scenario;
use std::path::PathBuf;

fn files(dir: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|e| panic!("tests/regressions/{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.ends_with("README.md"))
        .collect();
    v.sort();
    v
}

#[test]
fn engine_cases_keep_every_invariant() {
    let cases = files("engine");
    assert!(!cases.is_empty());
    let mut failed = Vec::new();
    for path in cases {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let case: Case =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not a case: {e}"));
        match guarded(|| replay::run_twice(&case)) {
            Ok(out) => println!("{name}: {out:?}"),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn documents_are_refused_with_paths_or_run_cleanly() {
    let mut failed = Vec::new();
    for path in files("scenario_json") {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let r = guarded(|| match Scenario::from_json(text) {
            Ok(s) => {
                replay::round_trips(&s)?;
                let case = Case {
                    seed: 1,
                    scenario: s,
                    commands: Vec::new(),
                    until_ms: 10_000.0,
                    max_events: 5_000,
                };
                replay::run_twice(&case).map(|_| ())
            }
            Err(e) => check_errors(Some(text), &e).map_err(|m| format!("{m}\n{e}")),
        });
        if let Err(e) = r {
            failed.push(format!("{name}: {e}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
