//! Lessons: every lesson parses and validates, every step's "try this" makes its condition
//! come true on the lesson's seed within bounded virtual time, and what the lessons claim
//! (queueing theory, fan-out counts, ordering) holds with stated tolerances.

use crate::support::rel;
use msgflow::lessons::{catalog, Baseline, Lesson, LessonError, Metric, Step};
use msgflow::sim::{Engine, SimTime};

/// Virtual time between two checks of a condition (the playground checks a few times a second).
const CHECK_MS: f64 = 50.0;

/// Performs a step's "try this" on the engine, as the playground's button does.
fn perform(e: &mut Engine, step: &Step) {
    let Some(t) = &step.try_this else { return };
    for a in &t.actions {
        let cmd = a
            .command(e.scenario())
            .unwrap_or_else(|m| panic!("{}: {m}", t.label));
        e.inject(cmd)
            .unwrap_or_else(|err| panic!("{}: {err}", t.label));
    }
}

/// Runs until `step`'s condition holds; returns the virtual seconds it took, or None.
fn run_step(e: &mut Engine, b: &Baseline, step: &Step, within_s: f64) -> Option<f64> {
    let start = e.now();
    let end = start.after((within_s * 1e9) as u64);
    let Some(cond) = &step.done_when else {
        return Some(0.0);
    };
    loop {
        if cond.holds(e, b) {
            return Some(e.now().since(start) as f64 / 1e9);
        }
        if e.now() >= end {
            return None;
        }
        let next = SimTime::from_ms(e.now().as_ms() + CHECK_MS).min(end);
        e.run_until(next);
    }
}

/// Plays a lesson from its first step: for each step, a baseline, the "try this", then
/// the run until its condition holds. Calls `after(i, engine, baseline)` after step `i`.
fn play(l: &Lesson, mut after: impl FnMut(usize, &mut Engine, &Baseline)) {
    let mut e = Engine::new(l.scenario().unwrap(), l.seed);
    for (i, step) in l.steps.iter().enumerate() {
        let b = Baseline::take(&e);
        perform(&mut e, step);
        let took = run_step(&mut e, &b, step, l.within_s(i));
        let readouts: Vec<String> = step
            .show
            .iter()
            .map(|r| format!("{} = {}", r.label, r.metric.format(r.metric.value(&e, &b))))
            .collect();
        eprintln!(
            "{} step {} at {:.2} s: done after {took:?} s; {}",
            l.id,
            i + 1,
            e.now().as_secs(),
            readouts.join("; ")
        );
        assert!(
            took.is_some(),
            "lesson `{}`, step {} ({}): the condition did not hold within {} virtual s",
            l.id,
            i + 1,
            step.title,
            l.within_s(i)
        );
        assert_eq!(e.violation(), None);
        after(i, &mut e, &b);
    }
    e.audit().expect("ledger matches");
}

fn lesson(id: &str) -> &'static Lesson {
    catalog().unwrap().get(id).unwrap()
}

#[test]
fn every_lesson_parses_and_validates() {
    let c = catalog().unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = c.lessons.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "request-response",
            "decoupling",
            "scaling-out",
            "fan-out",
            "message-format",
            "delivery",
            "retries",
            "partitions",
            "hybrid"
        ]
    );
    // Every lesson is linked from the closing page.
    for id in ids {
        assert!(
            c.closing
                .points
                .iter()
                .any(|p| p.lessons.iter().any(|l| l == id)),
            "{id} is not linked from the closing page"
        );
    }
}

#[test]
fn every_step_completes_after_its_try_this() {
    for l in &catalog().unwrap().lessons {
        play(l, |_, _, _| {});
    }
}

/// A lesson with one change, parsed again; returns its error.
fn broken(f: impl FnOnce(&mut serde_json::Value)) -> LessonError {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../lessons/02-decoupling.json")).unwrap();
    f(&mut v);
    Lesson::from_json("02-decoupling.json", &v.to_string()).unwrap_err()
}

#[test]
fn bad_lessons_name_the_lesson_the_step_and_the_field() {
    let cases: Vec<(LessonError, &str)> = vec![
        (
            broken(|v| v["steps"][1]["highlight"][0] = "clinet".into()),
            "lesson `decoupling`, step 2, steps[1].highlight[0]: `clinet` is neither a node nor a panel; nodes: client, service, producer, broker, consumers; panels: ",
        ),
        (
            broken(|v| v["steps"][1]["try"]["actions"][1]["fault"]["crash"]["node"] = "nobody".into()),
            "lesson `decoupling`, step 2, steps[1].try.actions[1]: crash.node: no node has id `nobody`",
        ),
        (
            broken(|v| {
                v["steps"][0]["done_when"]["all"][1]["check"]["metric"]["count"]["node"] = "ghost".into()
            }),
            "lesson `decoupling`, step 1, steps[0].done_when.all[1].check.metric.count.node: no node `ghost` in the scenario",
        ),
        (
            broken(|v| v["steps"][2]["done_when"]["all"][1]["check"]["op"] = "≥".into()),
            "lesson `02-decoupling.json`, step 3, steps[2].done_when.all[1].check.op: unknown variant `≥`",
        ),
        (
            broken(|v| v["steps"][0]["show"][0]["metric"] = serde_json::json!({ "mean_wait": { "node": "client" } })),
            "lesson `decoupling`, step 1, steps[0].show[0].metric.mean_wait.node: `client` is not a service or a consumer group",
        ),
        (
            broken(|v| {
                v["steps"][1]["try"]["actions"][0] = serde_json::json!({ "set": { "path": "nodes[service].role.service.replicas", "value": 0 } })
            }),
            "lesson `decoupling`, step 2, steps[1].try.actions[0]: nodes[1].role.service.replicas: must be between 1 and 64, got 0",
        ),
        (
            broken(|v| {
                v["steps"][1]["try"]["actions"][0] = serde_json::json!({ "set": { "path": "nodes[nobody].role", "value": 0 } })
            }),
            "lesson `decoupling`, step 2, steps[1].try.actions[0]: nodes[nobody]: no element with id or name `nobody`",
        ),
        (
            broken(|v| v["steps"][0]["show"][0]["metric"] = serde_json::json!({ "queue_depth": { "node": "consumers", "instance": 9 } })),
            "lesson `decoupling`, step 1, steps[0].show[0].metric.queue_depth.instance: `consumers` has 2 instances, numbered from 0; got 9",
        ),
        (
            broken(|v| v["steps"][0]["show"][0]["metric"] = serde_json::json!({ "queue_depth": { "node": "broker", "instance": 0 } })),
            "lesson `decoupling`, step 1, steps[0].show[0].metric.queue_depth.instance: `broker` has no instances: only a service or a consumer group has",
        ),
        (
            broken(|v| v["scenario"]["preset"] = "nope".into()),
            "lesson `decoupling`, scenario.preset: no preset `nope`",
        ),
        (
            broken(|v| v["steps"][0]["colour"] = "red".into()),
            "lesson `02-decoupling.json`, step 1, steps[0].colour: unknown field `colour`",
        ),
    ];
    for (err, want) in cases {
        let got = err.to_string();
        assert!(got.starts_with(want), "want `{want}…`, got `{got}`");
    }
}

#[test]
fn scaling_out_measures_the_wait_mmc_predicts() {
    // After the third and the fourth consumer join, run long enough for the mean to settle
    // and compare it with the M/M/c prediction shown in the step.
    let l = lesson("scaling-out");
    let mut checked = 0;
    play(l, |i, e, _| {
        if i < 2 {
            return;
        }
        let b = Baseline::take(e);
        e.run_until(SimTime::from_ms(e.now().as_ms() + 6_000_000.0));
        let node = "workers".to_string();
        let predicted = Metric::PredictedWait { node: node.clone() }.value(e, &b);
        let measured = Metric::MeanWait { node, run: false }.value(e, &b);
        eprintln!(
            "scaling-out step {}: predicted {predicted:.3} ms, measured {measured:.3} ms",
            i + 1
        );
        assert!(
            rel(measured, predicted) < 0.08,
            "step {}: measured {measured:.3} ms vs M/M/c {predicted:.3} ms",
            i + 1
        );
        checked += 1;
    });
    assert_eq!(checked, 2);
}

#[test]
fn fan_out_delivers_one_copy_per_subscriber_and_the_rpc_side_calls_each() {
    let l = lesson("fan-out");
    let mut e = Engine::new(l.scenario().unwrap(), l.seed);
    e.run_until(SimTime::from_ms(30_000.0));
    // Stop the sources, then let everything in flight finish.
    for node in [
        "publisher",
        "call-billing",
        "call-shipping",
        "call-analytics",
    ] {
        e.inject(msgflow::sim::Command::Fault(
            msgflow::scenario::Fault::Crash {
                node: node.into(),
                instance: None,
            },
        ))
        .unwrap();
    }
    e.run_until(SimTime::from_ms(40_000.0));
    let c = |id: &str| e.metrics().nodes[e.scenario().node_idx(id).unwrap()].clone();
    let published = c("publisher").sent;
    assert!(published > 250, "published {published}");
    for g in ["billing", "shipping", "analytics"] {
        assert_eq!(c(g).processed, published, "{g} processed every event once");
    }
    let calls: u64 = ["call-billing", "call-shipping", "call-analytics"]
        .iter()
        .map(|n| c(n).sent)
        .sum();
    assert_eq!(calls, 3 * published, "one call per receiver per order");
    for n in ["publisher", "broker", "billing", "shipping", "analytics"] {
        assert_eq!(c(n).lost_total(), 0, "{n} lost nothing");
    }
}

#[test]
fn a_call_chain_costs_the_sum_of_its_hops() {
    let l = lesson("request-response");
    let mut e = Engine::new(l.scenario().unwrap(), l.seed);
    let b = Baseline::take(&e);
    e.run_until(SimTime::from_ms(200_000.0));
    let client = "client".to_string();
    let sum = Metric::ChainLatency {
        node: client.clone(),
    }
    .value(&e, &b);
    let measured = Metric::MeanLatency {
        node: client,
        run: false,
    }
    .value(&e, &b);
    eprintln!("call chain: sum of hops {sum:.2} ms, measured {measured:.2} ms");
    // 2 × (20 + 5 + 5) ms of links, 5 + 20 ms of service and a log-normal 30 ms median.
    assert!((sum - (60.0 + 25.0 + 30.0 * (0.32f64).exp())).abs() < 1e-9);
    assert!(rel(measured, sum) < 0.03, "measured {measured:.2} ms");
}

#[test]
fn json_bodies_are_several_times_larger_than_protobuf() {
    use msgflow::lessons::MessageName::*;
    use msgflow::payload::Encoding::{Json, Protobuf};
    let e = Engine::new(lesson("message-format").scenario().unwrap(), 1);
    let b = Baseline::take(&e);
    let size = |message, encoding| Metric::BodyBytes { message, encoding }.value(&e, &b);
    for m in [OrderRequest, OrderReply, OrderPlaced] {
        let (p, j) = (size(m, Protobuf), size(m, Json));
        eprintln!("{m:?}: protobuf {p:.1} B, JSON {j:.1} B");
        assert!(j > 3.0 * p, "{m:?}: protobuf {p} B, JSON {j} B");
    }
}

#[test]
fn a_partitioned_log_keeps_every_key_in_order_and_a_queue_does_not() {
    let l = lesson("partitions");
    let mut e = Engine::new(l.scenario().unwrap(), 7);
    e.run_until(SimTime::from_ms(200_000.0));
    let c = |id: &str| e.metrics().nodes[e.scenario().node_idx(id).unwrap()].clone();
    assert!(c("log-group").processed > 10_000);
    assert_eq!(c("log-group").reordered, 0);
    assert!(
        c("queue-group").reordered > 100,
        "{}",
        c("queue-group").reordered
    );
}
