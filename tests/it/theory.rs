//! The engine against queueing theory, with long fixed-seed runs.
//!
//! Tolerances: 3 % for mean waits (the run lengths give a standard error near 1 %).

use crate::support::*;
use msgflow::sim::theory::mmc;

struct Case {
    rate: f64,
    servers: u32,
    mean_ms: f64,
    secs: f64,
}

/// Waiting time at a broker queue with `servers` competing consumers (prefetch 1, manual ack).
fn check_broker(c: Case) {
    let s = scenario(work_queue(c.rate, c.servers, c.mean_ms, "manual", 1));
    let e = run(s, 7, c.secs);
    let g = idx(&e, "g");
    let w = &e.metrics().wait[g];
    let want = mmc(c.rate, c.servers, c.mean_ms).expect("stable");
    let got = w.mean_wait_ms();
    eprintln!(
        "broker M/M/{} ρ={:.2}: wait {got:.4} ms vs {:.4} ms ({:+.2} %)",
        c.servers,
        want.utilisation,
        want.wait_ms,
        (got / want.wait_ms - 1.0) * 100.0
    );
    assert!(
        rel(got, want.wait_ms) < 0.03,
        "broker M/M/{} at ρ={:.2}: mean wait {got:.4} ms, theory {:.4} ms",
        c.servers,
        want.utilisation,
        want.wait_ms
    );
    let u = e.utilisation(g);
    assert!(
        rel(u, want.utilisation) < 0.02,
        "utilisation {u:.4} vs ρ {:.4}",
        want.utilisation
    );
    // Little's law on the same run: L = λ W.
    let lambda = w.arrivals as f64 / c.secs;
    let l = w.mean_len(e.now());
    assert!(
        rel(l, lambda * got / 1000.0) < 0.03,
        "Little: L={l:.4}, λW={:.4}",
        lambda * got / 1000.0
    );
}

/// Waiting time at one gRPC service replica with `servers` workers.
fn check_rpc(c: Case) {
    let s = scenario(rpc(c.rate, 1, c.servers, c.mean_ms));
    let e = run(s, 11, c.secs);
    let w = &e.metrics().wait[idx(&e, "s")];
    let want = mmc(c.rate, c.servers, c.mean_ms).expect("stable");
    let got = w.mean_wait_ms();
    eprintln!(
        "rpc M/M/{} ρ={:.2}: wait {got:.4} ms vs {:.4} ms ({:+.2} %)",
        c.servers,
        want.utilisation,
        want.wait_ms,
        (got / want.wait_ms - 1.0) * 100.0
    );
    assert!(
        rel(got, want.wait_ms) < 0.03,
        "rpc M/M/{} at ρ={:.2}: mean wait {got:.4} ms, theory {:.4} ms",
        c.servers,
        want.utilisation,
        want.wait_ms
    );
    let lambda = w.arrivals as f64 / c.secs;
    let l = w.mean_len(e.now());
    assert!(
        rel(l, lambda * got / 1000.0) < 0.03,
        "Little: L={l:.4}, λW={:.4}",
        lambda * got / 1000.0
    );
}

#[test]
fn broker_queue_is_mm1_at_half_load() {
    check_broker(Case {
        rate: 500.0,
        servers: 1,
        mean_ms: 1.0,
        secs: 400.0,
    });
}

#[test]
fn broker_queue_is_mm1_at_ninety_percent() {
    check_broker(Case {
        rate: 900.0,
        servers: 1,
        mean_ms: 1.0,
        secs: 2500.0,
    });
}

#[test]
fn broker_queue_is_mmc_with_four_consumers() {
    check_broker(Case {
        rate: 3600.0,
        servers: 4,
        mean_ms: 1.0,
        secs: 700.0,
    });
}

#[test]
fn rpc_service_is_mm1_at_ninety_percent() {
    check_rpc(Case {
        rate: 900.0,
        servers: 1,
        mean_ms: 1.0,
        secs: 2500.0,
    });
}

#[test]
fn rpc_service_is_mmc_with_four_workers() {
    check_rpc(Case {
        rate: 3200.0,
        servers: 4,
        mean_ms: 1.0,
        secs: 700.0,
    });
}

#[test]
fn retries_over_a_lossy_link_succeed_with_one_minus_p_to_the_k() {
    // Loss p on the link hits the request and the response: an attempt fails with q = 1-(1-p)².
    let (p, k) = (0.2, 3);
    let s = scenario(serde_json::json!({
        "version": 1,
        "nodes": [
            { "id": "c", "role": { "client": { "target": "s", "workload": { "poisson": { "rate_per_s": 200 } },
              "retry": { "max_attempts": k, "initial_backoff_ms": 1, "max_backoff_ms": 1, "backoff_multiplier": 1 } } } },
            { "id": "s", "role": { "service": { "replicas": 1, "workers": 64, "service_time": { "constant": { "ms": 1 } } } } }
        ],
        "links": [ { "a": "c", "b": "s", "latency_ms": 1, "loss": p } ]
    }));
    let e = run(s, 3, 150.0);
    let c = counters(&e, "c");
    let q: f64 = 1.0 - (1.0 - p) * (1.0 - p);
    let want = 1.0 - q.powi(k);
    let got = c.status[0] as f64 / c.calls() as f64;
    eprintln!(
        "retries: success {got:.4} vs 1-q^k {want:.4} over {} calls",
        c.calls()
    );
    assert!(c.calls() > 25_000);
    assert!(
        (got - want).abs() < 0.006,
        "success ratio {got:.4}, theory {want:.4}"
    );
}

#[test]
fn fan_out_delivers_subscribers_times_published() {
    let mut v =
        serde_json::from_str::<serde_json::Value>(include_str!("../../scenarios/pub-sub.json"))
            .unwrap();
    v["faults"] =
        serde_json::json!([{ "at_ms": 20000, "fault": { "crash": { "node": "publisher" } } }]);
    let e = run(scenario(v), 5, 40.0);
    let published = counters(&e, "publisher").sent;
    let processed: u64 = ["billing", "shipping", "analytics"]
        .iter()
        .map(|g| counters(&e, g).processed)
        .sum();
    assert!(published > 300);
    assert_eq!(processed, 3 * published);
    assert_eq!(e.metrics().total.lost_total(), 0);
}

#[test]
fn more_consumers_than_partitions_leaves_the_rest_idle() {
    let mut v = serde_json::from_str::<serde_json::Value>(include_str!(
        "../../scenarios/partitioned-log.json"
    ))
    .unwrap();
    v["nodes"][2]["role"]["consumer_group"]["count"] = 6.into();
    let e = run(scenario(v), 9, 30.0);
    let g = e.node_view(idx(&e, "group"));
    let idle: Vec<_> = g.instances.iter().filter(|c| c.processed == 0).collect();
    assert_eq!(idle.len(), 6 - 4, "C − P consumers stay idle");
    assert!(idle.iter().all(|c| c.partitions.is_empty()));
    assert!(g
        .instances
        .iter()
        .filter(|c| c.processed > 0)
        .all(|c| c.partitions.len() == 1));
}

fn crash_run(ack: &str) -> (u64, msgflow::sim::Engine) {
    // One consumer, slow, prefetch 5: at the crash it holds deliveries in service and buffered.
    let s = scenario(work_queue(30.0, 1, 100.0, ack, 5));
    let mut e = msgflow::sim::Engine::new(s, 4);
    e.run_until(msgflow::sim::SimTime::from_ms(10_000.0));
    let held = e.node_view(idx(&e, "g")).instances[0].outstanding as u64;
    e.inject(msgflow::sim::Command::Fault(
        msgflow::scenario::Fault::Crash {
            node: "g".into(),
            instance: Some(0),
        },
    ))
    .unwrap();
    (held, e)
}

#[test]
fn auto_ack_loses_what_the_consumer_held_at_a_crash() {
    let (held, e) = crash_run("auto");
    assert!(held >= 2, "the consumer held {held} messages");
    let lost = e.metrics().total.lost[msgflow::sim::LossReason::NodeCrash.idx()];
    assert_eq!(lost, held);
    assert_eq!(e.metrics().total.redelivered, 0);
}

#[test]
fn manual_ack_redelivers_what_the_consumer_held_at_a_crash() {
    let (held, mut e) = crash_run("manual");
    assert!(held >= 2, "the consumer held {held} messages");
    assert_eq!(e.metrics().total.lost_total(), 0);
    e.inject(msgflow::sim::Command::Fault(
        msgflow::scenario::Fault::Restart {
            node: "g".into(),
            instance: Some(0),
        },
    ))
    .unwrap();
    let t = e.now().as_ms();
    e.run_until(msgflow::sim::SimTime::from_ms(t + 100.0));
    let b = counters(&e, "b");
    assert_eq!(b.redelivered, held, "every held message is delivered again");
    e.audit().unwrap();
}

// ----- the theory overlay (Engine::theory) ------------------------------------------------

fn check_of<'a>(
    checks: &'a [msgflow::sim::theory::TheoryCheck],
    node: &str,
    e: &msgflow::sim::Engine,
) -> &'a msgflow::sim::theory::TheoryCheck {
    let i = idx(e, node);
    checks
        .iter()
        .find(|c| c.node == i)
        .expect("a check per line")
}

/// Prediction and measurement agree at ρ = 0.8 (and Little's law holds on the run).
fn overlay_agrees(e: &msgflow::sim::Engine, node: &str, c: u32) {
    let checks = e.theory();
    let ck = check_of(&checks, node, e);
    assert!(
        ck.reasons.is_empty(),
        "unexpected reasons: {:?}",
        ck.reasons
    );
    assert_eq!(ck.servers, c);
    let p = ck.prediction.expect("theory applies");
    let m = ck.measured;
    eprintln!(
        "overlay M/M/{c} at {node}: ρ {:.4}/{:.4} P(wait) {:.4}/{:.4} Wq {:.4}/{:.4} W {:.4}/{:.4} Lq {:.4}/{:.4} L {:.4}/{:.4} λW {:.4}",
        m.utilisation, p.utilisation, m.p_wait, p.p_wait, m.wait_ms, p.wait_ms, m.sojourn_ms,
        p.sojourn_ms, m.queue_len, p.queue_len, m.in_system, p.in_system, m.little_in_system
    );
    assert!((p.utilisation - 0.8).abs() < 1e-9);
    assert!(rel(m.utilisation, p.utilisation) < 0.02, "ρ");
    assert!(rel(m.p_wait, p.p_wait) < 0.03, "P(wait)");
    assert!(rel(m.wait_ms, p.wait_ms) < 0.05, "Wq");
    assert!(rel(m.sojourn_ms, p.sojourn_ms) < 0.03, "W");
    assert!(rel(m.queue_len, p.queue_len) < 0.05, "Lq");
    assert!(rel(m.in_system, p.in_system) < 0.03, "L");
    // Little's law on the measured figures alone.
    assert!(rel(m.in_system, m.little_in_system) < 0.01, "L = λW");
    assert!(rel(m.queue_len, m.little_queue_len) < 0.01, "Lq = λWq");
}

#[test]
fn overlay_matches_an_rpc_service_at_rho_point_eight() {
    // One replica with two workers: M/M/2, λ = 1600/s, 1/μ = 1 ms.
    let e = run(scenario(rpc(1600.0, 1, 2, 1.0)), 21, 600.0);
    overlay_agrees(&e, "s", 2);
}

#[test]
fn overlay_matches_a_broker_queue_at_rho_point_eight() {
    // Three consumers, prefetch 1, zero-latency links: M/M/3, λ = 2400/s.
    let e = run(scenario(work_queue(2400.0, 3, 1.0, "manual", 1)), 22, 600.0);
    overlay_agrees(&e, "g", 3);
}

fn reasons_for(v: serde_json::Value, node: &str, secs: f64) -> Vec<String> {
    let e = run(scenario(v), 5, secs);
    let checks = e.theory();
    let ck = check_of(&checks, node, &e);
    assert!(ck.prediction.is_none(), "theory should not apply");
    ck.reasons.clone()
}

fn has(reasons: &[String], needle: &str) {
    assert!(
        reasons.iter().any(|r| r.contains(needle)),
        "no reason containing `{needle}` in {reasons:?}"
    );
}

#[test]
fn overlay_says_why_theory_does_not_apply() {
    // Fixed-rate arrivals.
    let mut v = rpc(100.0, 1, 2, 1.0);
    v["nodes"][0]["role"]["client"]["workload"] =
        serde_json::json!({ "fixed_rate": { "rate_per_s": 100 } });
    let r = reasons_for(v, "s", 2.0);
    assert_eq!(r, ["calls from c are fixed-rate (100/s), not Poisson"]);

    // Log-normal service time.
    let mut v = rpc(100.0, 1, 2, 1.0);
    v["nodes"][1]["role"]["service"]["service_time"] =
        serde_json::json!({ "log_normal": { "median_ms": 1, "sigma": 1 } });
    assert_eq!(
        reasons_for(v, "s", 2.0),
        ["service time is log-normal, not exponential"]
    );

    // Overload: ρ = 1.3.
    let r = reasons_for(work_queue(1300.0, 1, 1.0, "manual", 1), "g", 2.0);
    assert_eq!(r.len(), 1, "{r:?}");
    has(&r, "ρ = 1.30 ≥ 1");
    has(&r, "grows without bound");

    // A crash fault (active now) and a lossy link.
    let mut v = rpc(100.0, 1, 2, 1.0);
    v["faults"] = serde_json::json!([{ "at_ms": 1000, "fault": { "crash": { "node": "s", "instance": 0 } } }]);
    v["links"][0]["loss"] = 0.1.into();
    let r = reasons_for(v, "s", 2.0);
    has(&r, "1 of 1 replicas are down (a crash fault is active)");
    has(&r, "the c–s link loses 10% of messages");
    has(&r, "the fault timeline has a crash at 1000 ms");

    // Closed-loop callers and round-robin over replicas.
    let mut v = rpc(100.0, 3, 2, 1.0);
    v["nodes"][0]["role"]["client"]["workload"] =
        serde_json::json!({ "closed_loop": { "concurrency": 4 } });
    let r = reasons_for(v, "s", 2.0);
    has(&r, "4 closed-loop callers");
    has(&r, "round-robin over 3 replicas");

    // The work-queue preset: prefetch 2 across three consumers and a 10 ms link.
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../scenarios/work-queue.json")).unwrap();
    let r = reasons_for(v, "workers", 5.0);
    has(&r, "prefetch 2 lets a busy consumer hold messages");
    has(&r, "the broker–workers link adds 10 ms");

    // A partitioned log has no shared queue.
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../scenarios/partitioned-log.json")).unwrap();
    let r = reasons_for(v, "group", 2.0);
    has(&r, "partitioned log");
}
