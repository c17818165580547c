//! Headless runner: runs a scenario natively and prints a JSON report.
//!
//! ```text
//! msgflow run SCENARIO.json [--seed N] [--duration 60s] [--events N] [--trace out.jsonl]
//! msgflow run --preset NAME [--seed N] [--duration 60s] [--events N] [--trace out.jsonl]
//! msgflow presets
//! ```
//! A bad scenario exits with status 2 and names the file, the field path and what was expected.
//!
//! `--events N` stops after exactly N processed events. The clock then stands at the N-th
//! event's time, or at `--duration` when one is given and no further event comes before it:
//! `--events` and `--duration` together reproduce a paused playground run exactly (its
//! exported report carries both `events` and `virtual_ns`).

use msgflow::scenario::{preset, preset_names, Scenario};
use msgflow::sim::{Engine, SimTime};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage:
  msgflow run SCENARIO.json [--seed N] [--duration 60s] [--events N] [--trace out.jsonl]
  msgflow run --preset NAME [--seed N] [--duration 60s] [--events N] [--trace out.jsonl]
      --duration: 60s, 1500ms, 2m, 1h or 2500000ns (exact virtual nanoseconds)
      --events N: stop after exactly N processed events
  msgflow presets
  msgflow bench [--seconds N] [--runs N]
  msgflow bench --soak          (one virtual hour at 10,000 messages/s: memory stays flat)";

struct RunArgs {
    source: Source,
    seed: u64,
    /// None: 60 s, or unbounded with `--events`.
    duration: Option<SimTime>,
    events: Option<u64>,
    trace: Option<String>,
}

enum Source {
    File(String),
    Preset(String),
}

/// Parses `60s`, `1500ms`, `2m`, `1h`, `2500000ns` or a bare number of seconds.
fn parse_duration(s: &str) -> Result<SimTime, String> {
    let max_ns = msgflow::sim::time::ms_to_ns(msgflow::scenario::limits::MAX_TIME_MS);
    if let Some(v) = s.strip_suffix("ns") {
        return match v.parse::<u64>() {
            Ok(ns) if ns > 0 && ns <= max_ns => Ok(SimTime(ns)),
            _ => Err(format!(
                "--duration: `{s}` must be a whole number of nanoseconds between 1 and {max_ns}"
            )),
        };
    }
    let (num, scale) = if let Some(v) = s.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1000.0)
    } else if let Some(v) = s.strip_suffix('m') {
        (v, 60_000.0)
    } else if let Some(v) = s.strip_suffix('h') {
        (v, 3_600_000.0)
    } else {
        (s, 1000.0)
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("--duration: `{s}` is not a duration like 60s, 1500ms or 2m"))?;
    let ms = v * scale;
    if !(ms.is_finite() && ms > 0.0 && ms <= msgflow::scenario::limits::MAX_TIME_MS) {
        return Err(format!(
            "--duration: must be between 0 and {} ms, got {s}",
            msgflow::scenario::limits::MAX_TIME_MS
        ));
    }
    Ok(SimTime::from_ms(ms))
}

fn parse_run(args: &[String]) -> Result<RunArgs, String> {
    let mut source = None;
    let mut seed = 1;
    let mut duration = None;
    let mut events = None;
    let mut trace = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: `{v}` is not a whole number from 0 to 2^64-1"))?;
            }
            "--duration" => duration = Some(parse_duration(&value("--duration")?)?),
            "--events" => {
                let v = value("--events")?;
                events = Some(v.parse::<u64>().map_err(|_| {
                    format!("--events: `{v}` is not a whole number from 0 to 2^64-1")
                })?);
            }
            "--trace" => trace = Some(value("--trace")?),
            "--preset" => source = Some(Source::Preset(value("--preset")?)),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => source = Some(Source::File(s.to_string())),
        }
    }
    let source = source.ok_or("run needs a scenario file or --preset NAME")?;
    Ok(RunArgs {
        source,
        seed,
        duration,
        events,
        trace,
    })
}

/// Reads a scenario file, refusing more than the accepted size before reading it all (a
/// huge file, a device or a pipe must not exhaust memory).
fn read_capped(path: &str) -> Result<String, String> {
    use std::io::Read;
    let max = msgflow::scenario::limits::MAX_SCENARIO_BYTES;
    let too_big = |n: String| format!("{path}: the file is {n} bytes; at most {max} are accepted");
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{path}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{path}: is a directory, not a scenario file"));
    }
    if meta.len() > max as u64 {
        return Err(too_big(meta.len().to_string()));
    }
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{path}: {e}"))?;
    if bytes.len() > max {
        return Err(too_big(format!("more than {max}")));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{path}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn load(source: &Source) -> Result<Scenario, String> {
    match source {
        Source::Preset(name) => preset(name).ok_or_else(|| {
            format!(
                "no preset named `{name}`; presets: {}",
                preset_names().collect::<Vec<_>>().join(", ")
            )
        }),
        Source::File(path) => {
            let text = read_capped(path)?;
            Scenario::from_json(&text).map_err(|e| {
                e.errors
                    .iter()
                    .map(|f| format!("{path}: {f}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

fn run(args: RunArgs) -> Result<(), String> {
    let scenario = load(&args.source)?;
    let mut engine = Engine::new(scenario, args.seed);
    let mut out = match &args.trace {
        Some(p) => {
            engine.record_trace(true);
            Some(std::io::BufWriter::new(
                std::fs::File::create(p).map_err(|e| format!("{p}: {e}"))?,
            ))
        }
        None => None,
    };
    // Without --events the run lasts 60 s unless told otherwise; with it, until the N-th event.
    let end = match (args.duration, args.events) {
        (Some(d), _) => d,
        (None, None) => SimTime::from_ms(60_000.0),
        (None, Some(_)) => SimTime::NEVER,
    };
    // Run in slices so the trace is streamed and memory stays bounded.
    let slice = SimTime::from_ms(1000.0).0;
    let mut t = SimTime::ZERO;
    while t < end {
        t = SimTime(t.0.saturating_add(slice).min(end.0));
        let capped = match args.events {
            None => {
                engine.run_until(t);
                false
            }
            Some(n) => {
                let left = n.saturating_sub(engine.events_processed());
                left == 0 || !engine.run_until_bounded(t, left)
            }
        };
        if let Some(w) = out.as_mut() {
            for r in engine.drain_trace() {
                let line = serde_json::to_string(&r).map_err(|e| e.to_string())?;
                writeln!(w, "{line}").map_err(|e| e.to_string())?;
            }
        }
        engine.drain_outputs();
        if capped {
            // Exactly N events: the clock moves on to the duration only if nothing else
            // would have happened before it.
            if args.duration.is_some() && engine.next_event_time().is_none_or(|x| x > end) {
                engine.run_until(end);
            }
            break;
        }
        if end == SimTime::NEVER && engine.next_event_time().is_none() {
            break;
        }
    }
    if let Some(mut w) = out {
        w.flush().map_err(|e| e.to_string())?;
    }
    let report = engine.report();
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    if report.invariants_ok {
        Ok(())
    } else {
        Err(format!(
            "invariant broken: {}",
            report.violation.unwrap_or_default()
        ))
    }
}

/// Events per second of the standard scenarios: median (min–max) over several runs.
fn bench(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--soak") {
        return soak();
    }
    let mut secs = 60.0;
    let mut runs = 5;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--seconds" => {
                secs = v
                    .parse()
                    .map_err(|_| "--seconds: a number of virtual seconds")?
            }
            "--runs" => runs = v.parse().map_err(|_| "--runs: a whole number")?,
            _ => return Err(format!("unknown option {a}")),
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cores: {cores}; virtual seconds per run: {secs}; runs: {runs}");
    println!(
        "{:<22} {:>14} {:>24} {:>12} {:>10}",
        "scenario", "events/s", "min–max", "events", "slots"
    );
    let mut rows = Vec::new();
    for (name, s) in msgflow::sim::bench::standard() {
        let mut rates = Vec::new();
        let mut events = 0;
        let mut slots = 0;
        for seed in 0..runs {
            let mut e = Engine::new(s.clone(), seed);
            e.set_invariant_checks(false);
            let start = std::time::Instant::now();
            e.run_until(SimTime::from_ms(secs * 1000.0));
            let dt = start.elapsed().as_secs_f64();
            events = e.events_processed();
            slots = e.pending_events();
            rates.push(events as f64 / dt);
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        let med = rates[rates.len() / 2];
        println!(
            "{name:<22} {med:>14.0} {:>24} {events:>12} {slots:>10}",
            format!("{:.0}–{:.0}", rates[0], rates[rates.len() - 1])
        );
        rows.push(serde_json::json!({ "scenario": name, "median_events_per_s": med, "min": rates[0], "max": rates[rates.len() - 1], "events": events }));
    }
    eprintln!("{}", serde_json::json!({ "cores": cores, "native": rows }));
    Ok(())
}

/// One virtual hour of the work-queue benchmark; prints the footprint every ten minutes.
fn soak() -> Result<(), String> {
    let (name, s) = msgflow::sim::bench::standard().remove(0);
    let mut e = Engine::new(s, 1);
    e.set_invariant_checks(false);
    println!("{name}: virtual minute, message slots, pending events, call slots, messages created");
    for minute in [1u64, 10, 20, 30, 40, 50, 60] {
        e.run_until(SimTime(minute * 60 * msgflow::sim::NS_PER_S));
        let (m, q, c) = e.footprint();
        println!(
            "{minute:>3} {m:>8} {q:>8} {c:>8} {:>12}",
            e.metrics().ledger.created
        );
    }
    e.audit()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("presets") => {
            for p in msgflow::scenario::PRESETS {
                let s = Scenario::from_json(p.json).expect("presets are valid");
                println!("{:<18} {}", p.name, s.description);
            }
            ExitCode::SUCCESS
        }
        Some("bench") => match bench(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgflow: {e}");
                ExitCode::from(2)
            }
        },
        Some("run") => match parse_run(&args[1..]).and_then(run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgflow: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
