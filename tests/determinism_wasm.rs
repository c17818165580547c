//! The same trace hashes as the native build (tests/it/determinism.rs), computed in the browser.
#![cfg(target_arch = "wasm32")]

use msgflow::scenario::preset;
use msgflow::sim::{Engine, SimTime};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const GOLDEN: &[(&str, u64, f64, u64)] = include!("golden_hashes.in");

#[wasm_bindgen_test]
fn every_preset_matches_the_native_trace_hash() {
    for &(name, seed, secs, want) in GOLDEN {
        let mut e = Engine::new(preset(name).unwrap(), seed);
        e.run_until(SimTime::from_ms(secs * 1000.0));
        assert_eq!(
            e.trace_hash(),
            want,
            "{name} seed {seed}: got {:#018x}",
            e.trace_hash()
        );
    }
}

#[wasm_bindgen_test]
fn the_conservation_invariant_holds_in_the_browser() {
    let mut e = Engine::new(preset("work-queue").unwrap(), 3);
    e.set_invariant_checks(true);
    e.run_until(SimTime::from_ms(30_000.0));
    assert_eq!(e.violation(), None);
    assert!(e.audit().is_ok());
}
