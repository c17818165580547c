//! One timed run of a standard benchmark scenario (`msgflow::sim::bench`), natively or in
//! WebAssembly, so that `scripts/bench` can interleave native and browser runs of the same
//! code on a noisy machine.
//!
//! Natively: `engine_bench list` prints the scenario names; `engine_bench INDEX SEED SECONDS`
//! runs one and prints `{"scenario":…,"events":…,"ms":…}`. In the browser (release build,
//! `wasm-bindgen --target web`, loaded by `bench/wasm.html`) the same run is
//! `bench_run(INDEX, SEED, SECONDS)`, timed with `performance.now()`. Either way the engine is
//! built untimed, with invariant checks off, and only `run_until` is timed.

use msgflow::scenario::Scenario;
use msgflow::sim::{bench, Engine, SimTime};

/// Builds standard scenario `index` with `seed`; returns its name and the engine.
fn prepare(index: usize, seed: u64) -> Option<(&'static str, Engine)> {
    let (name, s): (&'static str, Scenario) = bench::standard().into_iter().nth(index)?;
    let mut e = Engine::new(s, seed);
    e.set_invariant_checks(false);
    Some((name, e))
}

fn run(e: &mut Engine, virtual_secs: f64) -> u64 {
    e.run_until(SimTime::from_ms(virtual_secs * 1000.0));
    e.events_processed()
}

#[cfg(target_arch = "wasm32")]
mod web {
    use wasm_bindgen::prelude::*;

    /// Names of the standard scenarios, in order.
    #[wasm_bindgen]
    pub fn bench_names() -> Vec<String> {
        msgflow::sim::bench::standard()
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect()
    }

    /// Runs standard scenario `index` with `seed` for `virtual_secs` virtual seconds;
    /// returns `[events processed, wall milliseconds]`.
    #[wasm_bindgen]
    pub fn bench_run(index: usize, seed: u32, virtual_secs: f64) -> Result<Vec<f64>, JsError> {
        let (_, mut e) = super::prepare(index, u64::from(seed))
            .ok_or_else(|| JsError::new("bench_run: index out of range"))?;
        let perf = web_sys::window()
            .and_then(|w| w.performance())
            .ok_or_else(|| JsError::new("bench_run: no performance.now()"))?;
        let t0 = perf.now();
        let events = super::run(&mut e, virtual_secs);
        let ms = perf.now() - t0;
        Ok(vec![events as f64, ms])
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("list") {
        for (name, _) in bench::standard() {
            println!("{name}");
        }
        return std::process::ExitCode::SUCCESS;
    }
    let parsed = match args.as_slice() {
        [i, seed, secs] => i.parse::<usize>().ok().zip(seed.parse::<u64>().ok()).zip(
            secs.parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0 && s.is_finite()),
        ),
        _ => None,
    };
    let Some(((index, seed), secs)) = parsed else {
        eprintln!("usage: engine_bench list | engine_bench INDEX SEED VIRTUAL_SECONDS");
        return std::process::ExitCode::from(2);
    };
    let Some((name, mut e)) = prepare(index, seed) else {
        eprintln!(
            "engine_bench: INDEX must be below {}, got {index}",
            bench::standard().len()
        );
        return std::process::ExitCode::from(2);
    };
    let t0 = std::time::Instant::now();
    let events = run(&mut e, secs);
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        serde_json::json!({ "scenario": name, "events": events, "ms": ms })
    );
    std::process::ExitCode::SUCCESS
}
