//! The scenario format: presets parse, bad input names its field, the runner works.

use msgflow::scenario::{preset, Scenario, PRESETS};
use serde_json::json;

fn errors(v: serde_json::Value) -> Vec<String> {
    match Scenario::from_json(&v.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e.errors.iter().map(|f| f.to_string()).collect(),
    }
}

fn base() -> serde_json::Value {
    serde_json::from_str(include_str!("../../scenarios/work-queue.json")).unwrap()
}

#[test]
fn every_preset_file_parses_and_round_trips() {
    for p in PRESETS {
        let s = preset(p.name).unwrap();
        let again = Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(s, again, "{}", p.name);
    }
}

#[test]
fn bad_input_names_the_field_and_the_accepted_range() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        ({ let mut v = base(); v["version"] = json!(7); v }, "version: this playground reads scenario format 1, got 7"),
        ({ let mut v = base(); v["nodes"][2]["role"]["consumer_group"]["count"] = json!(0); v },
            "nodes[2].role.consumer_group.count: must be between 1 and 64, got 0"),
        ({ let mut v = base(); v["nodes"][2]["role"]["consumer_group"]["count"] = json!(1_000_000_000_000u64); v },
            "nodes[2].role.consumer_group.count"),
        ({ let mut v = base(); v["nodes"][0]["role"]["producer"]["workload"]["poisson"]["rate_per_s"] = json!(1e9); v },
            "nodes[0].role.producer.workload.poisson.rate_per_s: must be between 0 and 100000 per second"),
        ({ let mut v = base(); v["links"][0]["latency_ms"] = json!(-5); v }, "links[0].latency_ms: must be between 0 and"),
        ({ let mut v = base(); v["links"][0]["loss"] = json!(1.5); v }, "links[0].loss: must be between 0 and 1, got 1.5"),
        ({ let mut v = base(); v["links"][0]["b"] = json!("producer"); v }, "links[0].b: a link must join two different nodes"),
        ({ let mut v = base(); v["links"].as_array_mut().unwrap().remove(1); v },
            "nodes[2].role.consumer_group.source.broker: `workers` talks to `broker` but no link joins them"),
        ({ let mut v = base(); v["nodes"][0]["role"]["producer"]["publish"]["to"] = json!("nope"); v },
            "nodes[0].role.producer.publish.to: broker `broker` has no exchange, queue or log named `nope`"),
        ({ let mut v = base(); v["nodes"][1]["role"]["broker"]["queues"][0]["colour"] = json!("red"); v },
            "nodes[1].role.broker.queues[0].colour: unknown field `colour`, expected one of `name`"),
        ({ let mut v = base(); v["nodes"][2]["role"]["consumer_group"]["prefetch"] = json!("ten"); v },
            "nodes[2].role.consumer_group.prefetch: must be a whole number between 1 and 1000, got string \"ten\""),
        ({ let mut v = base(); v["nodes"][1]["id"] = json!("producer"); v }, "nodes[1].id: `producer` is used twice"),
    ];
    for (v, want) in cases {
        let got = errors(v);
        assert!(
            got.iter().any(|g| g.starts_with(want)),
            "want `{want}`, got {got:#?}"
        );
    }
}

#[test]
fn call_cycles_are_refused() {
    let v = json!({
        "version": 1,
        "nodes": [
            { "id": "a", "role": { "service": { "replicas": 1, "workers": 1, "service_time": { "constant": { "ms": 1 } }, "calls": "b" } } },
            { "id": "b", "role": { "service": { "replicas": 1, "workers": 1, "service_time": { "constant": { "ms": 1 } }, "calls": "a" } } }
        ],
        "links": [ { "a": "a", "b": "b" } ]
    });
    let got = errors(v);
    assert!(
        got.iter()
            .any(|g| g.contains("calls form a cycle: a → b → a")),
        "{got:?}"
    );
}

#[test]
fn malformed_and_oversized_documents_are_refused() {
    let e = Scenario::from_json("{ not json").unwrap_err();
    assert!(e.to_string().contains("key must be a string"), "{e}");
    let big = format!("{{\"version\":1,\"name\":\"{}\"}}", "x".repeat(2 << 20));
    let e = Scenario::from_json(&big).unwrap_err();
    assert!(
        e.to_string().contains("at most 1048576 are accepted"),
        "{e}"
    );
}

#[test]
fn the_runner_prints_a_report_and_rejects_bad_files_with_status_2() {
    let bin = env!("CARGO_BIN_EXE_msgflow");
    let out = std::process::Command::new(bin)
        .args([
            "run",
            "--preset",
            "work-queue",
            "--seed",
            "3",
            "--duration",
            "5s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["invariants_ok"], json!(true));
    assert_eq!(r["seed"], json!(3));
    assert!(r["total"]["processed"].as_u64().unwrap() > 200);
    // The exported (pretty) scenario runs unchanged and gives the same report.
    let dir = std::env::temp_dir().join(format!("msgflow-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wq.json");
    std::fs::write(&file, preset("work-queue").unwrap().to_json()).unwrap();
    let out2 = std::process::Command::new(bin)
        .args([
            "run",
            file.to_str().unwrap(),
            "--seed",
            "3",
            "--duration",
            "5s",
        ])
        .output()
        .unwrap();
    let r2: serde_json::Value = serde_json::from_slice(&out2.stdout).unwrap();
    assert_eq!(r["trace_hash"], r2["trace_hash"]);
    // A bad file: status 2, the file, the field path and what was expected.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"version":1,"nodes":[{"id":"x","role":{"client":{"target":"x","workload":{"poisson":{"rate_per_s":-1}}}}}]}"#).unwrap();
    let out3 = std::process::Command::new(bin)
        .args(["run", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out3.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out3.stderr);
    assert!(
        err.contains("bad.json: nodes[0].role.client.target: `x` is a client, expected a service"),
        "{err}"
    );
    assert!(
        err.contains(
            "nodes[0].role.client.workload.poisson.rate_per_s: must be between 0 and 100000"
        ),
        "{err}"
    );
    // A trace file has one JSON line per event.
    let trace = dir.join("t.jsonl");
    let out4 = std::process::Command::new(bin)
        .args([
            "run",
            "--preset",
            "hybrid",
            "--duration",
            "2s",
            "--trace",
            trace.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let r4: serde_json::Value = serde_json::from_slice(&out4.stdout).unwrap();
    let lines = std::fs::read_to_string(&trace).unwrap().lines().count() as u64;
    assert_eq!(lines, r4["events"].as_u64().unwrap());
    std::fs::remove_dir_all(&dir).ok();
}
