//! The three standard scenarios the engine's throughput is measured on.

use crate::scenario::Scenario;

/// (name, scenario JSON) of each standard benchmark.
pub fn standard() -> Vec<(&'static str, Scenario)> {
    let wq = serde_json::json!({
        "version": 1, "name": "bench: work queue, 64 consumers, 10k msg/s",
        "nodes": [
            { "id": "p", "role": { "producer": { "publish": { "broker": "b", "to": "q" },
              "workload": { "poisson": { "rate_per_s": 10000 } }, "key_space": 256 } } },
            { "id": "b", "role": { "broker": { "queues": [ { "name": "q" } ] } } },
            { "id": "g", "role": { "consumer_group": { "source": { "broker": "b", "from": "q" },
              "count": 64, "prefetch": 4, "processing": { "exponential": { "mean_ms": 5 } } } } }
        ],
        "links": [ { "a": "p", "b": "b", "latency_ms": 1 }, { "a": "b", "b": "g", "latency_ms": 1 } ]
    });
    let grpc = serde_json::json!({
        "version": 1, "name": "bench: gRPC, 8 replicas, retries, 1% loss",
        "nodes": [
            { "id": "c", "role": { "client": { "target": "s", "workload": { "poisson": { "rate_per_s": 10000 } },
              "deadline_ms": 200, "retry": { "max_attempts": 3, "initial_backoff_ms": 5, "max_backoff_ms": 50, "backoff_multiplier": 2 } } } },
            { "id": "s", "role": { "service": { "replicas": 8, "workers": 4, "service_time": { "exponential": { "mean_ms": 2 } } } } }
        ],
        "links": [ { "a": "c", "b": "s", "latency_ms": 1, "loss": 0.01 } ]
    });
    let log = serde_json::json!({
        "version": 1, "name": "bench: log, 32 partitions, 16 consumers",
        "nodes": [
            { "id": "p", "role": { "producer": { "publish": { "broker": "b", "to": "t" },
              "workload": { "poisson": { "rate_per_s": 10000 } }, "key_space": 1024 } } },
            { "id": "b", "role": { "broker": { "logs": [ { "name": "t", "partitions": 32 } ] } } },
            { "id": "g", "role": { "consumer_group": { "source": { "broker": "b", "from": "t" },
              "count": 16, "prefetch": 8, "processing": { "exponential": { "mean_ms": 1 } } } } }
        ],
        "links": [ { "a": "p", "b": "b", "latency_ms": 1 }, { "a": "b", "b": "g", "latency_ms": 1 } ]
    });
    [
        ("work-queue-64", wq),
        ("grpc-8-retries-loss", grpc),
        ("log-32x16", log),
    ]
    .into_iter()
    .map(|(n, v)| {
        (
            n,
            Scenario::from_json(&v.to_string()).expect("bench scenarios are valid"),
        )
    })
    .collect()
}
