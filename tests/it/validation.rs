//! Validation at every entrance: scenario JSON (files, presets, exports), the runner's file
//! input and the playground's parameter fields. Every refusal names the field path and what
//! is accepted; the table of field ranges, the validator and the README agree.

use msgflow::scenario::fields::{parse_field, range_of, FIELD_RANGES};
use msgflow::scenario::{limits, Scenario};
use serde_json::{json, Value};

fn base() -> Value {
    serde_json::from_str(include_str!("../../scenarios/work-queue.json")).unwrap()
}

fn rpc_chain() -> Value {
    serde_json::from_str(include_str!("../../scenarios/rpc-chain.json")).unwrap()
}

/// Every numeric field of the format at least once.
fn kitchen_sink() -> Value {
    json!({
        "version": 1, "name": "all fields",
        "nodes": [
            { "id": "c1", "role": { "client": { "target": "s1",
                "workload": { "poisson": { "rate_per_s": 10 } }, "deadline_ms": 100,
                "method": { "server_stream": { "responses": 3 } }, "arrival_stream": 2,
                "retry": { "max_attempts": 3, "initial_backoff_ms": 10, "max_backoff_ms": 100,
                    "backoff_multiplier": 2, "throttling": { "max_tokens": 10, "token_ratio": 0.1 } } } } },
            { "id": "c2", "role": { "client": { "target": "s1",
                "workload": { "closed_loop": { "concurrency": 4, "think_ms": 5 } } } } },
            { "id": "s1", "role": { "service": { "replicas": 2, "workers": 2, "queue_limit": 10,
                "service_time": { "log_normal": { "median_ms": 5, "sigma": 1 } }, "calls": "s2" } } },
            { "id": "s2", "role": { "service": { "replicas": 1, "workers": 1,
                "service_time": { "uniform": { "min_ms": 1, "max_ms": 2 } } } } },
            { "id": "p1", "role": { "producer": { "publish": { "broker": "b", "to": "q" },
                "workload": { "fixed_rate": { "rate_per_s": 5 } }, "key_space": 8, "poison_ratio": 0.1,
                "confirms": { "timeout_ms": 100 }, "arrival_stream": 1 } } },
            { "id": "b", "role": { "broker": {
                "queues": [ { "name": "q", "max_length": 100, "ttl_ms": 1000, "max_deliveries": 3 } ],
                "logs": [ { "name": "l", "partitions": 4 } ] } } },
            { "id": "g1", "role": { "consumer_group": { "source": { "broker": "b", "from": "q" },
                "count": 2, "prefetch": 5, "processing": { "exponential": { "mean_ms": 5 } } } } },
            { "id": "g2", "role": { "consumer_group": { "source": { "broker": "b", "from": "l" },
                "count": 2, "processing": { "constant": { "ms": 5 } },
                "commit": { "periodic": { "interval_ms": 100 } } } } }
        ],
        "links": [
            { "a": "c1", "b": "s1", "latency_ms": 1, "loss": 0.01, "bandwidth_mbps": 10,
              "jitter": { "exponential": { "mean_ms": 1 } } },
            { "a": "c2", "b": "s1" }, { "a": "s1", "b": "s2" }, { "a": "p1", "b": "b" },
            { "a": "b", "b": "g1" }, { "a": "b", "b": "g2" }
        ],
        "faults": [
            { "at_ms": 10, "fault": { "crash": { "node": "s1", "instance": 1 } } },
            { "at_ms": 20, "fault": { "restart": { "node": "s1", "instance": 1 } } },
            { "at_ms": 30, "fault": { "link_loss": { "a": "c1", "b": "s1", "loss": 0.5 } } },
            { "at_ms": 40, "fault": { "latency_spike": { "a": "c1", "b": "s1", "extra_ms": 50 } } },
            { "at_ms": 50, "fault": { "slow": { "node": "g1", "factor": 2 } } }
        ],
        "metrics": { "window_ms": 250 }
    })
}

/// Every numeric leaf of `v` with its path.
fn numeric_paths(v: &Value, path: String, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Number(_) => out.push(path),
        Value::Array(xs) => {
            for (i, x) in xs.iter().enumerate() {
                numeric_paths(x, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                numeric_paths(x, join(k), out);
            }
        }
        _ => {}
    }
}

/// The value at a path like `nodes[2].role.service.replicas`.
fn at<'a>(v: &'a mut Value, path: &str) -> &'a mut Value {
    let mut cur = v;
    for seg in path.split('.') {
        let (key, idx) = match seg.split_once('[') {
            Some((k, rest)) => (
                k,
                Some(rest.trim_end_matches(']').parse::<usize>().unwrap()),
            ),
            None => (seg, None),
        };
        cur = &mut cur[key];
        if let Some(i) = idx {
            cur = &mut cur[i];
        }
    }
    cur
}

/// Paths and messages of the errors `from_json` reports for `text`.
fn errors_of(text: &str) -> Vec<(String, String)> {
    match Scenario::from_json(text) {
        Ok(_) => Vec::new(),
        Err(e) => e.errors.into_iter().map(|f| (f.path, f.message)).collect(),
    }
}

fn with(mut v: Value, path: &str, x: Value) -> String {
    *at(&mut v, path) = x;
    v.to_string()
}

fn without(mut v: Value, path: &str) -> String {
    let parent = match path.rsplit_once('.') {
        Some((parent, key)) => at(&mut v, parent).as_object_mut().unwrap().remove(key),
        None => v.as_object_mut().unwrap().remove(path),
    };
    assert!(parent.is_some(), "{path} is not in the document");
    v.to_string()
}

#[test]
fn the_kitchen_sink_is_valid_and_every_numeric_field_has_a_range() {
    let v = kitchen_sink();
    Scenario::from_json(&v.to_string()).unwrap();
    let mut paths = Vec::new();
    numeric_paths(&v, String::new(), &mut paths);
    for p in &paths {
        assert!(range_of(p).is_some(), "{p} has no row in FIELD_RANGES");
    }
    // Every row is used by some field.
    for r in FIELD_RANGES {
        assert!(
            paths.iter().any(|p| range_of(p) == Some(r)),
            "{} matches no field of the kitchen sink",
            r.pattern
        );
    }
}

/// The validator and the decoder quote the same range for every numeric field: out of range
/// but decodable (checked by the validator) and not decodable at all (too big, a string).
#[test]
fn every_numeric_field_names_its_path_and_range_both_ways() {
    let v = kitchen_sink();
    let mut paths = Vec::new();
    numeric_paths(&v, String::new(), &mut paths);
    for p in paths {
        let r = range_of(&p).unwrap();
        let range = if r.lo == r.hi {
            format!("{}", r.lo)
        } else {
            format!("between {} and {}{}", r.lo, r.hi, r.unit)
        };
        // Decodable but out of range: one above the top, or below the bottom.
        let bad = if r.hi < u32::MAX as f64 {
            if r.whole {
                json!((r.hi + 1.0) as u64)
            } else {
                json!(r.hi * 2.0 + 1.0)
            }
        } else {
            json!(-1)
        };
        let errs = errors_of(&with(v.clone(), &p, bad.clone()));
        assert!(
            errs.iter().any(|(ep, m)| *ep == p && m.contains(&range)),
            "{p} = {bad}: want `{range}`, got {errs:?}"
        );
        // Not decodable: a string, and a number beyond any type.
        for junk in ["\"12\"", "1e400", "-1e400", "[]"] {
            let text = with(v.clone(), &p, json!("JUNK")).replace("\"JUNK\"", junk);
            let errs = errors_of(&text);
            assert!(
                errs.iter().any(|(ep, m)| *ep == p && m.contains(&range)),
                "{p} = {junk}: want `{range}`, got {errs:?}"
            );
        }
    }
}

/// One row per hostile input: the path it must name and a fragment of the message.
#[test]
fn hostile_documents_are_refused_with_path_and_range() {
    let wq = base;
    let big_name = format!(
        "{{\"version\":1,\"name\":\"{}\",\"nodes\":[]}}",
        "x".repeat(10 << 20)
    );
    let deep = format!(
        "{{\"version\":1,\"name\":{}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let mut many = base();
    let nodes = many["nodes"].as_array_mut().unwrap();
    for i in 0..limits::MAX_NODES {
        nodes.push(json!({ "id": format!("extra{i}"), "role": { "broker": {} } }));
    }
    let cases: Vec<(&str, String, &str, &str)> = vec![
        // Malformed text.
        ("empty", String::new(), "", "EOF while parsing"),
        ("not JSON", "{ not json".into(), "", "key must be a string"),
        (
            "truncated",
            r#"{"version":1,"nodes":[{"id":"#.into(),
            "nodes[0].id",
            "EOF while parsing",
        ),
        (
            "a number",
            "5".into(),
            "",
            "must be a JSON object (a scenario), got 5",
        ),
        (
            "a list",
            "[1, []]".into(),
            "",
            "must be a JSON object (a scenario), got a list",
        ),
        (
            "null",
            "null".into(),
            "",
            "must be a JSON object (a scenario), got null",
        ),
        (
            "NaN literal",
            r#"{"version":1,"nodes":[{"id":"a","role":{"service":{"replicas":NaN}}}]}"#.into(),
            "nodes[0].role.service.replicas",
            "expected value",
        ),
        ("10 MB", big_name, "", "at most 1048576 are accepted"),
        ("nesting 5000 deep", deep, "name", "expected a string"),
        // Missing, unknown and duplicate fields.
        (
            "no version",
            without(wq(), "version"),
            "version",
            "is required (a whole number equal to 1)",
        ),
        ("no nodes", without(wq(), "nodes"), "nodes", "is required"),
        (
            "no count",
            without(wq(), "nodes[2].role.consumer_group.count"),
            "nodes[2].role.consumer_group.count",
            "is required (a whole number between 1 and 64)",
        ),
        (
            "no rate",
            without(wq(), "nodes[0].role.producer.workload.poisson.rate_per_s"),
            "nodes[0].role.producer.workload.poisson.rate_per_s",
            "is required (a number between 0 and 100000 per second)",
        ),
        (
            "unknown field",
            with(wq(), "links[0].colour", json!("red")),
            "links[0].colour",
            "unknown field `colour`",
        ),
        (
            "unknown role",
            with(wq(), "nodes[1].role", json!({ "robot": {} })),
            "nodes[1].role",
            "unknown variant `robot`",
        ),
        (
            "role as a string",
            with(wq(), "nodes[1].role", json!("broker")),
            "nodes[1].role.broker",
            "one key naming the kind, got a string",
        ),
        (
            "empty key",
            r#"{"version":1,"nodes":[],"":1}"#.into(),
            "\"\"",
            "unknown field ``",
        ),
        (
            "empty key in a node",
            r#"{"version":1,"nodes":[{"id":"a","":{}}]}"#.into(),
            "nodes[0].\"\"",
            "unknown field ``",
        ),
        (
            "a key that looks like a path",
            r#"{".":1e99}"#.into(),
            "\".\"",
            "unknown field `.`",
        ),
        (
            "duplicate key",
            r#"{"version":1,"nodes":[],"version":1}"#.into(),
            "version",
            "appears twice",
        ),
        // Wrong types.
        (
            "string for a count",
            with(wq(), "nodes[2].role.consumer_group.prefetch", json!("ten")),
            "nodes[2].role.consumer_group.prefetch",
            "must be a whole number between 1 and 1000, got string \"ten\"",
        ),
        (
            "bool for loss",
            with(wq(), "links[0].loss", json!(true)),
            "links[0].loss",
            "must be a number between 0 and 1, got boolean",
        ),
        (
            "fraction of a consumer",
            with(wq(), "nodes[2].role.consumer_group.count", json!(2.5)),
            "nodes[2].role.consumer_group.count",
            "must be a whole number between 1 and 64, got 2.5",
        ),
        (
            "object for an id",
            with(wq(), "nodes[0].id", json!({})),
            "nodes[0].id",
            "expected a string",
        ),
        // Out of range.
        (
            "version 7",
            with(wq(), "version", json!(7)),
            "version",
            "reads scenario format 1, got 7",
        ),
        (
            "0 consumers",
            with(wq(), "nodes[2].role.consumer_group.count", json!(0)),
            "nodes[2].role.consumer_group.count",
            "must be between 1 and 64, got 0",
        ),
        (
            "10^12 consumers",
            with(
                wq(),
                "nodes[2].role.consumer_group.count",
                json!(1_000_000_000_000u64),
            ),
            "nodes[2].role.consumer_group.count",
            "must be a whole number between 1 and 64, got 1000000000000",
        ),
        (
            "negative consumers",
            with(wq(), "nodes[2].role.consumer_group.count", json!(-3)),
            "nodes[2].role.consumer_group.count",
            "between 1 and 64, got -3",
        ),
        (
            "10^9 msg/s",
            with(
                wq(),
                "nodes[0].role.producer.workload.poisson.rate_per_s",
                json!(1e9),
            ),
            "nodes[0].role.producer.workload.poisson.rate_per_s",
            "must be between 0 and 100000 per second, got 1000000000",
        ),
        (
            "negative latency",
            with(wq(), "links[0].latency_ms", json!(-5)),
            "links[0].latency_ms",
            "must be between 0 and 1000000000 ms, got -5",
        ),
        (
            "latency beyond any f64",
            with(wq(), "links[0].latency_ms", json!("HUGE")).replace("\"HUGE\"", "1e999"),
            "links[0].latency_ms",
            "must be a number between 0 and 1000000000 ms, got a number too large to read",
        ),
        (
            "loss of 150 %",
            with(wq(), "links[0].loss", json!(1.5)),
            "links[0].loss",
            "must be between 0 and 1, got 1.5",
        ),
        (
            "negative jitter",
            with(
                wq(),
                "links[0].jitter",
                json!({ "uniform": { "min_ms": -1, "max_ms": 1 } }),
            ),
            "links[0].jitter.uniform.min_ms",
            "must be between 0 and 1000000000 ms, got -1",
        ),
        (
            "jitter min above max",
            with(
                wq(),
                "links[0].jitter",
                json!({ "uniform": { "min_ms": 5, "max_ms": 1 } }),
            ),
            "links[0].jitter.uniform",
            "min_ms (5) must not exceed max_ms (1)",
        ),
        (
            "sigma 9",
            with(
                wq(),
                "nodes[2].role.consumer_group.processing",
                json!({ "log_normal": { "median_ms": 5, "sigma": 9 } }),
            ),
            "nodes[2].role.consumer_group.processing.log_normal.sigma",
            "must be between 0 and 4, got 9",
        ),
        (
            "zero bandwidth",
            with(wq(), "links[0].bandwidth_mbps", json!(0)),
            "links[0].bandwidth_mbps",
            "must be between 0.001 and 100000 Mbit/s, got 0",
        ),
        (
            "window of 0",
            with(wq(), "metrics", json!({ "window_ms": 0 })),
            "metrics.window_ms",
            "must be between 1 and 60000 ms, got 0",
        ),
        (
            "crash instance 99",
            with(
                wq(),
                "faults",
                json!([{ "at_ms": 1, "fault": { "crash": { "node": "workers", "instance": 99 } } }]),
            ),
            "faults[0].fault.crash.instance",
            "must be between 0 and 63, got 99",
        ),
        (
            "fault in the past",
            with(
                wq(),
                "faults",
                json!([{ "at_ms": -1, "fault": { "crash": { "node": "workers" } } }]),
            ),
            "faults[0].at_ms",
            "must be between 0 and 1000000000 ms, got -1",
        ),
        (
            "65 nodes",
            many.to_string(),
            "nodes",
            "must hold 1 to 64 nodes, got 67",
        ),
        (
            "no nodes at all",
            with(wq(), "nodes", json!([])),
            "nodes",
            "must hold 1 to 64 nodes, got 0",
        ),
        // References and topology.
        (
            "self-link",
            with(wq(), "links[0].b", json!("producer")),
            "links[0].b",
            "a link must join two different nodes",
        ),
        (
            "link to an unknown node",
            with(wq(), "links[0].b", json!("ghost")),
            "links[0].b",
            "no node has id `ghost`",
        ),
        (
            "duplicate link",
            with(wq(), "links[1]", json!({ "a": "broker", "b": "producer" })),
            "links[1]",
            "are already linked",
        ),
        (
            "unreachable consumers",
            {
                let mut v = wq();
                v["links"].as_array_mut().unwrap().remove(1);
                v.to_string()
            },
            "nodes[2].role.consumer_group.source.broker",
            "`workers` talks to `broker` but no link joins them",
        ),
        (
            "unknown queue",
            with(wq(), "nodes[0].role.producer.publish.to", json!("nope")),
            "nodes[0].role.producer.publish.to",
            "has no exchange, queue or log named `nope`",
        ),
        (
            "publishing to a consumer group",
            with(
                wq(),
                "nodes[0].role.producer.publish.broker",
                json!("workers"),
            ),
            "nodes[0].role.producer.publish.broker",
            "`workers` is a consumer_group, expected a broker",
        ),
        (
            "duplicate id",
            with(wq(), "nodes[1].id", json!("producer")),
            "nodes[1].id",
            "`producer` is used twice",
        ),
        (
            "empty id",
            with(wq(), "nodes[1].id", json!("")),
            "nodes[1].id",
            "must not be empty",
        ),
        (
            "long label",
            with(wq(), "nodes[1].label", json!("l".repeat(65))),
            "nodes[1].label",
            "at most 64 characters",
        ),
        (
            "service calling itself",
            with(
                rpc_chain(),
                "nodes[3].role.service.calls",
                json!("inventory"),
            ),
            "nodes[3].role.service.calls",
            "a service cannot call itself",
        ),
        (
            "call cycle",
            with(rpc_chain(), "nodes[3].role.service.calls", json!("gateway")),
            "nodes[1].role.service.calls",
            "calls form a cycle: gateway → orders → inventory → gateway",
        ),
        (
            "client calling itself",
            with(rpc_chain(), "nodes[0].role.client.target", json!("client")),
            "nodes[0].role.client.target",
            "`client` is a client, expected a service",
        ),
        (
            "fault on an unknown node",
            with(
                wq(),
                "faults",
                json!([{ "at_ms": 1, "fault": { "crash": { "node": "ghost" } } }]),
            ),
            "faults[0].fault.crash.node",
            "no node has id `ghost`",
        ),
        (
            "cut of a missing link",
            with(
                wq(),
                "faults",
                json!([{ "at_ms": 1, "fault": { "cut": { "a": "producer", "b": "workers" } } }]),
            ),
            "faults[0].fault.cut",
            "no link joins `producer` and `workers`",
        ),
        (
            "slowing a broker",
            with(
                wq(),
                "faults",
                json!([{ "at_ms": 1, "fault": { "slow": { "node": "broker", "factor": 2 } } }]),
            ),
            "faults[0].fault.slow.node",
            "only consumer groups and services can be slowed",
        ),
    ];
    for (what, text, path, fragment) in cases {
        let errs = errors_of(&text);
        assert!(
            errs.iter().any(|(p, m)| p == path && m.contains(fragment)),
            "{what}: want `{path}: …{fragment}…`, got {errs:?}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let text = format!(
        "\u{feff}{}",
        include_str!("../../scenarios/work-queue.json")
    );
    Scenario::from_json(&text).unwrap();
}

/// The playground's fields: what the user types is checked before it reaches the engine.
#[test]
fn typed_field_values_are_checked_against_the_field_range() {
    let ok: Vec<(&str, f64, f64, &str, bool, f64)> = vec![
        ("3", 1.0, 64.0, "", true, 3.0),
        (" 12 ", 1.0, 64.0, "", true, 12.0),
        ("2.5", 0.0, 100.0, "%", false, 2.5),
        ("1e3", 0.0, 10_000.0, "ms", false, 1000.0),
        ("0", 0.0, 100_000.0, "msg/s", false, 0.0),
    ];
    for (raw, lo, hi, unit, whole, want) in ok {
        assert_eq!(parse_field(raw, lo, hi, unit, whole), Ok(want), "{raw}");
    }
    let bad: Vec<(&str, f64, f64, &str, bool, &str)> = vec![
        (
            "",
            1.0,
            64.0,
            "",
            true,
            "enter a whole number between 1 and 64",
        ),
        (
            "abc",
            1.0,
            64.0,
            "",
            true,
            "must be a whole number between 1 and 64, got `abc`",
        ),
        (
            "NaN",
            0.0,
            10_000.0,
            "ms",
            false,
            "must be a number between 0 and 10000 ms, got NaN",
        ),
        (
            "inf",
            0.0,
            10_000.0,
            "ms",
            false,
            "between 0 and 10000 ms, got inf",
        ),
        (
            "-5",
            0.0,
            10_000.0,
            "ms",
            false,
            "must be a number between 0 and 10000 ms, got -5",
        ),
        ("0", 1.0, 64.0, "", true, "between 1 and 64, got 0"),
        ("1e12", 1.0, 64.0, "", true, "between 1 and 64, got 1e12"),
        (
            "2.5",
            1.0,
            64.0,
            "",
            true,
            "must be a whole number between 1 and 64, got 2.5",
        ),
        (
            "150",
            0.0,
            100.0,
            "%",
            false,
            "must be a number between 0 and 100%, got 150",
        ),
        (
            "1e9",
            0.0,
            100_000.0,
            "msg/s",
            false,
            "between 0 and 100000 msg/s, got 1e9",
        ),
        ("0,5", 0.0, 100.0, "%", false, "got `0,5`"),
    ];
    for (raw, lo, hi, unit, whole, want) in bad {
        let got = parse_field(raw, lo, hi, unit, whole).unwrap_err();
        assert!(got.contains(want), "{raw}: want `{want}`, got `{got}`");
    }
    let long = "9".repeat(10_000);
    assert!(parse_field(&long, 0.0, 1.0, "", false)
        .unwrap_err()
        .contains("too long"));
}

/// The runner's file input: size is capped before reading, bad bytes and paths are named.
#[test]
fn the_runner_refuses_hostile_files_with_status_2() {
    let bin = env!("CARGO_BIN_EXE_msgflow");
    let dir = std::env::temp_dir().join(format!("msgflow-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.json");
    std::fs::write(&big, vec![b' '; 10 << 20]).unwrap();
    let binary = dir.join("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, b'{']).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, with(base(), "links[0].loss", json!(1.5))).unwrap();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec![big.display().to_string()],
            "the file is 10485760 bytes; at most 1048576 are accepted".into(),
        ),
        (vec![binary.display().to_string()], "not UTF-8 text".into()),
        (vec![dir.display().to_string()], "is a directory".into()),
        (
            vec![bad.display().to_string()],
            "bad.json: links[0].loss: must be between 0 and 1, got 1.5".into(),
        ),
        (
            vec!["/dev/zero".into()],
            "at most 1048576 are accepted".into(),
        ),
        (
            vec!["--preset".into(), "nope".into()],
            "no preset named `nope`".into(),
        ),
        (
            vec![
                "--preset".into(),
                "work-queue".into(),
                "--duration".into(),
                "1e999s".into(),
            ],
            "--duration: must be between 0 and".into(),
        ),
        (
            vec![
                "--preset".into(),
                "work-queue".into(),
                "--seed".into(),
                "-1".into(),
            ],
            "--seed: `-1` is not a whole number".into(),
        ),
        (
            vec!["--preset".into(), "work-queue".into(), "--bogus".into()],
            "unknown option --bogus".into(),
        ),
    ];
    for (args, want) in cases {
        let out = std::process::Command::new(bin)
            .arg("run")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&want), "{args:?}: want `{want}`, got `{err}`");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The README's limits table lists every constant of `limits.rs` with its value.
#[test]
fn the_readme_limits_table_matches_limits_rs() {
    let readme = include_str!("../../README.md");
    let source = include_str!("../../src/scenario/limits.rs");
    let values: Vec<(&str, String)> = vec![
        ("MAX_SCENARIO_BYTES", limits::MAX_SCENARIO_BYTES.to_string()),
        ("MAX_NODES", limits::MAX_NODES.to_string()),
        ("MAX_LINKS", limits::MAX_LINKS.to_string()),
        ("MAX_FAULTS", limits::MAX_FAULTS.to_string()),
        ("MAX_REPLICAS", limits::MAX_REPLICAS.to_string()),
        ("MAX_WORKERS", limits::MAX_WORKERS.to_string()),
        ("MAX_CONSUMERS", limits::MAX_CONSUMERS.to_string()),
        ("MAX_PREFETCH", limits::MAX_PREFETCH.to_string()),
        ("MAX_PARTITIONS", limits::MAX_PARTITIONS.to_string()),
        ("MAX_RATE_PER_S", limits::MAX_RATE_PER_S.to_string()),
        ("MAX_CONCURRENCY", limits::MAX_CONCURRENCY.to_string()),
        ("MAX_TIME_MS", limits::MAX_TIME_MS.to_string()),
        ("MIN_BANDWIDTH_MBPS", limits::MIN_BANDWIDTH_MBPS.to_string()),
        ("MAX_BANDWIDTH_MBPS", limits::MAX_BANDWIDTH_MBPS.to_string()),
        ("MAX_ATTEMPTS", limits::MAX_ATTEMPTS.to_string()),
        ("MAX_QUEUE_LENGTH", limits::MAX_QUEUE_LENGTH.to_string()),
        ("MAX_DELIVERIES", limits::MAX_DELIVERIES.to_string()),
        ("MAX_KEY_SPACE", limits::MAX_KEY_SPACE.to_string()),
        (
            "MAX_STREAM_RESPONSES",
            limits::MAX_STREAM_RESPONSES.to_string(),
        ),
        ("MAX_LIVE_MESSAGES", limits::MAX_LIVE_MESSAGES.to_string()),
        ("MAX_NAME_CHARS", limits::MAX_NAME_CHARS.to_string()),
        (
            "MAX_LOGGED_COMMANDS",
            limits::MAX_LOGGED_COMMANDS.to_string(),
        ),
        ("MAX_LINK_CHARS", limits::MAX_LINK_CHARS.to_string()),
        ("MAX_REPLAY_EVENTS", limits::MAX_REPLAY_EVENTS.to_string()),
    ];
    let engine = [
        ("MAX_UNCONFIRMED", msgflow::sim::MAX_UNCONFIRMED.to_string()),
        ("LOG_RETENTION", msgflow::sim::LOG_RETENTION.to_string()),
    ];
    // Every constant in limits.rs is in the list above…
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap();
            assert!(
                values.iter().any(|(n, _)| *n == name),
                "{name} is new in limits.rs: add it to this test and to README.md's limits table"
            );
        }
    }
    // …and in README.md's table, on a row that states its value.
    for (name, value) in values.into_iter().chain(engine) {
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("README.md's limits table has no row for `{name}`"));
        let digits: String = row.chars().filter(|c| *c != ',').collect();
        assert!(
            digits.contains(&format!(" {value} ")),
            "README.md states a different value for `{name}` (want {value}): {row}"
        );
    }
}
