//! gRPC semantics, one behaviour per test.

use crate::support::*;
use msgflow::scenario::{Fault, StatusCode};
use msgflow::sim::{Command, Engine, SimTime};
use serde_json::json;

fn client_service(
    client: serde_json::Value,
    service: serde_json::Value,
    latency: f64,
) -> serde_json::Value {
    json!({
        "version": 1,
        "nodes": [
            { "id": "c", "role": { "client": client } },
            { "id": "s", "role": { "service": service } }
        ],
        "links": [ { "a": "c", "b": "s", "latency_ms": latency } ]
    })
}

fn status(e: &Engine, id: &str, s: StatusCode) -> u64 {
    counters(e, id).status[s.idx()]
}

#[test]
fn a_slow_service_makes_calls_exceed_their_deadline() {
    let v = client_service(
        json!({ "target": "s", "workload": { "fixed_rate": { "rate_per_s": 10 } }, "deadline_ms": 50 }),
        json!({ "replicas": 1, "workers": 4, "service_time": { "constant": { "ms": 80 } } }),
        5.0,
    );
    let e = run(scenario(v), 1, 10.0);
    assert_eq!(status(&e, "c", StatusCode::Ok), 0);
    assert!(status(&e, "c", StatusCode::DeadlineExceeded) >= 99);
    assert!(
        counters(&e, "c").late >= 98,
        "answers after the deadline are late"
    );
}

#[test]
fn a_full_backlog_answers_resource_exhausted() {
    let v = client_service(
        json!({ "target": "s", "workload": { "fixed_rate": { "rate_per_s": 100 } } }),
        json!({ "replicas": 1, "workers": 1, "queue_limit": 2, "service_time": { "constant": { "ms": 50 } } }),
        1.0,
    );
    let e = run(scenario(v), 1, 10.0);
    let ok = status(&e, "c", StatusCode::Ok);
    let ex = status(&e, "c", StatusCode::ResourceExhausted);
    assert!((195..=200).contains(&ok), "20 calls/s get served, got {ok}");
    assert!(ex > 700, "the rest is refused, got {ex}");
}

#[test]
fn calls_to_a_crashed_service_fail_at_once_with_unavailable() {
    let v = client_service(
        json!({ "target": "s", "workload": { "fixed_rate": { "rate_per_s": 100 } } }),
        json!({ "replicas": 1, "workers": 4, "service_time": { "constant": { "ms": 5 } } }),
        10.0,
    );
    let mut e = Engine::new(scenario(v), 1);
    e.run_until(SimTime::from_ms(1000.0));
    e.inject(Command::Fault(Fault::Crash {
        node: "s".into(),
        instance: None,
    }))
    .unwrap();
    // Answers already on the wire at the crash still arrive; nothing after that.
    e.run_until(SimTime::from_ms(1100.0));
    let before = e.metrics().latency[0].count();
    e.run_until(SimTime::from_ms(2000.0));
    let unavailable = status(&e, "c", StatusCode::Unavailable);
    assert!(
        (99..=102).contains(&unavailable),
        "every call fails: {unavailable}"
    );
    assert_eq!(
        e.metrics().latency[0].count(),
        before,
        "no call succeeds while it is down"
    );
    // Failing at once: none waited for a round trip, so nothing is on the link.
    assert_eq!(e.in_flight().count(), 0);
}

#[test]
fn round_robin_spreads_calls_and_pick_first_sticks_to_one_replica() {
    for (lb, busiest_share) in [("round_robin", 0.34), ("pick_first", 1.0)] {
        let v = client_service(
            json!({ "target": "s", "lb": lb, "workload": { "fixed_rate": { "rate_per_s": 30 } } }),
            json!({ "replicas": 3, "workers": 4, "service_time": { "constant": { "ms": 5 } } }),
            1.0,
        );
        let mut e = Engine::new(scenario(v), 1);
        e.run_until(SimTime::from_ms(10_000.0));
        let served: Vec<u64> = e
            .drain_outputs()
            .iter()
            .filter(|o| o.kind == msgflow::sim::OutputKind::CallOk)
            .map(|_| 1)
            .collect();
        assert!(!served.is_empty());
        let journeys: Vec<u16> = (1..=290u64)
            .filter_map(|o| e.journey(o))
            .filter_map(|j| {
                j.steps.iter().find_map(|(_, s)| match s {
                    msgflow::sim::journey::Step::Delivered { at, .. } => Some(at.inst),
                    _ => None,
                })
            })
            .collect();
        let mut per = [0u32; 3];
        for r in &journeys {
            per[*r as usize] += 1;
        }
        let max = *per.iter().max().unwrap() as f64 / journeys.len() as f64;
        assert!(
            (max - busiest_share).abs() < 0.02,
            "{lb}: replica shares {per:?}"
        );
    }
}

#[test]
fn retries_back_off_and_throttling_stops_a_retry_storm() {
    let base = |throttle: bool| {
        let mut retry = json!({ "max_attempts": 5, "initial_backoff_ms": 10, "max_backoff_ms": 100,
                                "backoff_multiplier": 2, "retryable_status_codes": ["UNAVAILABLE"] });
        if throttle {
            retry["throttling"] = json!({ "max_tokens": 10, "token_ratio": 0.1 });
        }
        client_service(
            json!({ "target": "s", "workload": { "fixed_rate": { "rate_per_s": 100 } }, "retry": retry }),
            json!({ "replicas": 1, "workers": 4, "service_time": { "constant": { "ms": 5 } } }),
            5.0,
        )
    };
    let mut storm = [0u64; 2];
    for (i, throttle) in [false, true].into_iter().enumerate() {
        let mut e = Engine::new(scenario(base(throttle)), 2);
        e.inject(Command::Fault(Fault::Crash {
            node: "s".into(),
            instance: None,
        }))
        .unwrap();
        e.run_until(SimTime::from_ms(10_000.0));
        storm[i] = counters(&e, "c").retried;
    }
    assert!(
        storm[0] > 3950 && storm[0] <= 4000,
        "without a budget every call retries 4 times: {}",
        storm[0]
    );
    assert!(
        storm[1] <= 10,
        "the token bucket stops retries: {}",
        storm[1]
    );
}

#[test]
fn a_deadline_propagates_down_a_call_chain() {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../scenarios/rpc-chain.json")).unwrap();
    // Inventory becomes very slow: the gateway's callers time out, and so do the inner calls.
    v["nodes"][3]["role"]["service"]["service_time"] = json!({ "constant": { "ms": 500 } });
    let e = run(scenario(v), 1, 20.0);
    let client_de = status(&e, "client", StatusCode::DeadlineExceeded);
    let inner_de = status(&e, "orders", StatusCode::DeadlineExceeded);
    assert!(client_de > 350);
    assert!(
        inner_de > 350,
        "the call from orders to inventory inherits the deadline: {inner_de}"
    );
    assert_eq!(status(&e, "client", StatusCode::Ok), 0);
}

#[test]
fn a_server_stream_sends_every_response() {
    let v = client_service(
        json!({ "target": "s", "workload": { "fixed_rate": { "rate_per_s": 10 } }, "method": { "server_stream": { "responses": 4 } } }),
        json!({ "replicas": 1, "workers": 8, "service_time": { "constant": { "ms": 10 } } }),
        5.0,
    );
    let mut e = Engine::new(scenario(v), 1);
    e.run_until(SimTime::from_ms(10_100.0));
    let ok = status(&e, "c", StatusCode::Ok);
    assert_eq!(ok, 100);
    // Latency: 5 ms there, 4 × 10 ms of work, 5 ms back.
    let lat = e.metrics().latency[0].summary();
    assert!((lat.p50_ms - 50.0).abs() < 0.1, "{lat:?}");
    let j = e.journey(3).unwrap();
    let responses = j
        .steps
        .iter()
        .filter(|(_, s)| {
            matches!(
                s,
                msgflow::sim::journey::Step::Sent {
                    kind: msgflow::sim::MsgKind::Response,
                    ..
                }
            )
        })
        .count();
    assert_eq!(responses, 4);
}

#[test]
fn latency_of_a_call_chain_adds_up() {
    let v: serde_json::Value = json!({
        "version": 1,
        "nodes": [
            { "id": "c", "role": { "client": { "target": "a", "workload": { "fixed_rate": { "rate_per_s": 10 } } } } },
            { "id": "a", "role": { "service": { "replicas": 1, "workers": 8, "service_time": { "constant": { "ms": 3 } }, "calls": "b" } } },
            { "id": "b", "role": { "service": { "replicas": 1, "workers": 8, "service_time": { "constant": { "ms": 7 } } } } }
        ],
        "links": [ { "a": "c", "b": "a", "latency_ms": 10 }, { "a": "a", "b": "b", "latency_ms": 4 } ]
    });
    let e = run(scenario(v), 1, 5.0);
    let lat = e.metrics().latency[0].summary();
    // 10 + 3 + 4 + 7 + 4 + 10 = 38 ms, every time.
    assert!(
        (lat.p50_ms - 38.0).abs() < 0.05 && (lat.max_ms - 38.0).abs() < 0.05,
        "{lat:?}"
    );
}
