//! Runs benchmark scenarios whose name starts with a prefix (or all), for a profiler:
//! events/s (median, min, max over the runs; run `i` uses seed `i`), and the event count and
//! trace hash of the last run's seed.
//!
//! `cargo run --release --example bench_one -- [PREFIX|all] [virtual seconds=60] [runs=1]`

use msgflow::sim::{Engine, SimTime};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map(String::as_str).unwrap_or("all");
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let runs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    for (name, s) in msgflow::sim::bench::standard() {
        if which != "all" && !name.starts_with(which) {
            continue;
        }
        let mut rates = vec![];
        let mut ev = 0;
        let mut h = 0;
        for seed in 0..runs {
            let mut e = Engine::new(s.clone(), seed);
            e.set_invariant_checks(false);
            let t = std::time::Instant::now();
            e.run_until(SimTime::from_ms(secs * 1000.0));
            let dt = t.elapsed().as_secs_f64();
            ev = e.events_processed();
            h = e.trace_hash();
            rates.push(ev as f64 / dt);
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{name:<22} med {:>10.0} min {:>10.0} max {:>10.0} events {ev} hash {h:016x} (seed {})",
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            runs - 1
        );
    }
}
