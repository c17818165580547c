//! Shared helpers: build scenarios from JSON, run them, read counters.

use msgflow::scenario::Scenario;
use msgflow::sim::{Counters, Engine, SimTime};

/// A validated scenario from a JSON value (panics with the field errors otherwise).
pub fn scenario(v: serde_json::Value) -> Scenario {
    Scenario::from_json(&v.to_string()).unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
}

/// Runs `s` with `seed` for `secs` virtual seconds and checks the conservation invariant.
pub fn run(s: Scenario, seed: u64, secs: f64) -> Engine {
    let mut e = Engine::new(s, seed);
    e.run_until(SimTime::from_ms(secs * 1000.0));
    assert_eq!(e.violation(), None, "invariant broken");
    e.audit().expect("ledger matches the live messages");
    e
}

/// Counters of node `id`.
pub fn counters<'a>(e: &'a Engine, id: &str) -> &'a Counters {
    let i = e.scenario().node_idx(id).expect("node exists");
    &e.metrics().nodes[i]
}

/// Index of node `id`.
pub fn idx(e: &Engine, id: &str) -> usize {
    e.scenario().node_idx(id).expect("node exists")
}

/// Relative difference.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// A producer → broker queue → consumer group topology with zero-latency links.
pub fn work_queue(
    rate: f64,
    consumers: u32,
    mean_ms: f64,
    ack: &str,
    prefetch: u32,
) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "nodes": [
            { "id": "p", "role": { "producer": { "publish": { "broker": "b", "to": "q" },
              "workload": { "poisson": { "rate_per_s": rate } }, "key_space": 16 } } },
            { "id": "b", "role": { "broker": { "queues": [ { "name": "q" } ] } } },
            { "id": "g", "role": { "consumer_group": { "source": { "broker": "b", "from": "q" },
              "count": consumers, "prefetch": prefetch, "ack": ack,
              "processing": { "exponential": { "mean_ms": mean_ms } } } } }
        ],
        "links": [ { "a": "p", "b": "b" }, { "a": "b", "b": "g" } ]
    })
}

/// A client → service topology with zero-latency links.
pub fn rpc(rate: f64, replicas: u32, workers: u32, mean_ms: f64) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "nodes": [
            { "id": "c", "role": { "client": { "target": "s", "workload": { "poisson": { "rate_per_s": rate } } } } },
            { "id": "s", "role": { "service": { "replicas": replicas, "workers": workers,
              "service_time": { "exponential": { "mean_ms": mean_ms } } } } }
        ],
        "links": [ { "a": "c", "b": "s" } ]
    })
}
