//! The headless runner reproduces a run stopped anywhere, as the playground exports it:
//! `msgflow run SCENARIO --seed S --events N --duration Tns` prints the same report.

use msgflow::scenario::preset;
use msgflow::sim::{Engine, SimTime};

/// Advances like the playground: uneven frame targets, a per-frame event budget that
/// sometimes stops a frame between two events at the same instant.
fn run_like_the_app(e: &mut Engine, frames: u32) {
    for f in 0..frames {
        let target = e.now().after(7_000_000 + u64::from(f % 5) * 3_100_017);
        e.run_until_bounded(target, 40 + u64::from(f % 3) * 37);
    }
}

/// The runner's report, as printed (compared as text: floats exactly as serialised).
fn runner_text(file: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgflow"))
        .arg("run")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

fn runner(file: &std::path::Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&runner_text(file, args)).unwrap()
}

fn report_text(e: &Engine) -> String {
    serde_json::to_string_pretty(&e.report()).unwrap()
}

#[test]
fn the_runner_reproduces_a_paused_run_from_events_and_virtual_time() {
    let dir = std::env::temp_dir().join(format!("msgflow-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, seed, frames) in [
        ("work-queue", 7u64, 300u32),
        ("request-response", 3, 211),
        ("hybrid", 11, 150),
    ] {
        let s = preset(name).unwrap();
        let mut e = Engine::new(s.clone(), seed);
        run_like_the_app(&mut e, frames);
        let want_text = report_text(&e);
        let want = serde_json::to_value(e.report()).unwrap();
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, s.to_json()).unwrap();
        let events = e.events_processed().to_string();
        let dur = format!("{}ns", e.now().0);
        let got = runner_text(
            &file,
            &[
                "--seed",
                &seed.to_string(),
                "--events",
                &events,
                "--duration",
                &dur,
            ],
        );
        assert_eq!(got, want_text, "{name}: the runner's report differs");
        // --events alone stops at the N-th event: same counters, the clock at that event.
        let got = runner(&file, &["--seed", &seed.to_string(), "--events", &events]);
        assert_eq!(got["events"], want["events"]);
        assert_eq!(got["trace_hash"], want["trace_hash"]);
        assert_eq!(got["total"], want["total"]);
        assert!(got["virtual_ns"].as_u64().unwrap() <= e.now().0);
    }
    // Fewer events than a full second: still exact.
    let s = preset("pub-sub").unwrap();
    let mut e = Engine::new(s.clone(), 1);
    for _ in 0..123 {
        e.step();
    }
    let file = dir.join("pub-sub.json");
    std::fs::write(&file, s.to_json()).unwrap();
    let got = runner_text(&file, &["--seed", "1", "--events", "123"]);
    assert_eq!(got, report_text(&e));
    assert!(got.contains(&format!("\"virtual_ns\": {}", e.now().0)));
    assert!(e.now() > SimTime::ZERO);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_runner_refuses_bad_event_counts_and_durations() {
    let bin = env!("CARGO_BIN_EXE_msgflow");
    for (args, msg) in [
        (
            vec!["--events", "-3"],
            "--events: `-3` is not a whole number",
        ),
        (
            vec!["--duration", "1.5ns"],
            "--duration: `1.5ns` must be a whole number of nanoseconds",
        ),
    ] {
        let out = std::process::Command::new(bin)
            .args(["run", "--preset", "work-queue"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{err}");
    }
}
