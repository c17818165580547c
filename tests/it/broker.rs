//! Broker semantics, one behaviour per test.

use crate::support::*;
use msgflow::scenario::Fault;
use msgflow::sim::{Command, Engine, LossReason, MsgKind, SimTime};
use serde_json::json;

fn queue_topology(
    queue: serde_json::Value,
    producer: serde_json::Value,
    group: serde_json::Value,
) -> serde_json::Value {
    let mut p = json!({ "publish": { "broker": "b", "to": "q" }, "workload": { "fixed_rate": { "rate_per_s": 50 } }, "key_space": 4 });
    p.as_object_mut()
        .unwrap()
        .extend(producer.as_object().unwrap().clone());
    let mut q = json!({ "name": "q" });
    q.as_object_mut()
        .unwrap()
        .extend(queue.as_object().unwrap().clone());
    let mut g = json!({ "source": { "broker": "b", "from": "q" }, "count": 2, "processing": { "constant": { "ms": 10 } } });
    g.as_object_mut()
        .unwrap()
        .extend(group.as_object().unwrap().clone());
    json!({
        "version": 1,
        "nodes": [
            { "id": "p", "role": { "producer": p } },
            { "id": "b", "role": { "broker": { "queues": [ q ] } } },
            { "id": "g", "role": { "consumer_group": g } }
        ],
        "links": [ { "a": "p", "b": "b", "latency_ms": 2 }, { "a": "b", "b": "g", "latency_ms": 2 } ]
    })
}

fn crash(e: &mut Engine, node: &str, instance: Option<u32>) {
    e.inject(Command::Fault(Fault::Crash {
        node: node.into(),
        instance,
    }))
    .unwrap();
}
fn restart(e: &mut Engine, node: &str, instance: Option<u32>) {
    e.inject(Command::Fault(Fault::Restart {
        node: node.into(),
        instance,
    }))
    .unwrap();
}

#[test]
fn poison_messages_end_in_the_dead_letter_queue_after_max_deliveries() {
    let v = queue_topology(
        json!({ "max_deliveries": 3 }),
        json!({ "poison_ratio": 0.1 }),
        json!({}),
    );
    let e = run(scenario(v), 3, 20.0);
    let b = counters(&e, "b");
    let dl = e.node_view(1).boxes[0].dead_letters;
    assert!(dl > 50);
    assert_eq!(b.dead_lettered, dl);
    // Three nacks per dead-lettered message, plus those of poison messages still retrying.
    let nacked = counters(&e, "g").nacked;
    assert!(
        nacked >= 3 * dl && nacked - 3 * dl < 10,
        "{nacked} nacks for {dl} dead letters"
    );
}

#[test]
fn reject_without_requeue_dead_letters_at_once() {
    let v = queue_topology(
        json!({}),
        json!({ "poison_ratio": 0.2 }),
        json!({ "on_failure": "reject" }),
    );
    let e = run(scenario(v), 3, 20.0);
    assert_eq!(counters(&e, "g").nacked, counters(&e, "b").dead_lettered);
    assert_eq!(counters(&e, "b").redelivered, 0);
}

#[test]
fn ttl_expires_messages_nobody_consumes() {
    let v = queue_topology(
        json!({ "ttl_ms": 1000, "dead_letter": false }),
        json!({}),
        json!({}),
    );
    let mut e = Engine::new(scenario(v), 1);
    crash(&mut e, "g", None);
    e.run_until(SimTime::from_ms(10_000.0));
    let b = counters(&e, "b");
    assert!(
        b.expired >= 440,
        "messages older than 1 s expire: {}",
        b.expired
    );
    assert!(e.node_view(1).boxes[0].depth <= 51);
    e.audit().unwrap();
}

#[test]
fn a_length_limit_drops_the_head_or_rejects_the_publish() {
    for (overflow, confirms) in [("drop_head", false), ("reject_publish", true)] {
        let mut producer = json!({});
        if confirms {
            producer = json!({ "confirms": { "timeout_ms": 200 } });
        }
        let v = queue_topology(
            json!({ "max_length": 10, "overflow": overflow, "dead_letter": false }),
            producer,
            json!({}),
        );
        let mut e = Engine::new(scenario(v), 1);
        crash(&mut e, "g", None);
        e.run_until(SimTime::from_ms(5_000.0));
        assert_eq!(e.node_view(1).boxes[0].depth, 10, "{overflow}");
        let overflowed = e.metrics().total.lost[LossReason::Overflow.idx()];
        assert!(overflowed > 200, "{overflow}: {overflowed}");
        if confirms {
            assert!(
                counters(&e, "p").republished > 100,
                "refused messages are published again"
            );
        }
        e.audit().unwrap();
    }
}

#[test]
fn a_broker_restart_keeps_durable_persistent_messages_only() {
    for (durable, persistent, kept) in [
        (true, true, true),
        (false, true, false),
        (true, false, false),
    ] {
        let v = queue_topology(
            json!({ "durable": durable }),
            json!({ "persistent": persistent }),
            json!({}),
        );
        let mut e = Engine::new(scenario(v), 1);
        crash(&mut e, "g", None);
        e.run_until(SimTime::from_ms(2_000.0));
        let depth = e.node_view(1).boxes[0].depth;
        assert!(depth > 90);
        crash(&mut e, "b", None);
        restart(&mut e, "b", None);
        let after = e.node_view(1).boxes[0].depth;
        assert_eq!(
            after,
            if kept { depth } else { 0 },
            "durable={durable} persistent={persistent}"
        );
        if !kept {
            assert_eq!(e.metrics().total.lost[LossReason::NodeCrash.idx()], depth);
        }
    }
}

#[test]
fn publisher_confirms_republish_through_a_broker_outage_without_loss() {
    let v = queue_topology(
        json!({}),
        json!({ "confirms": { "timeout_ms": 300 } }),
        json!({}),
    );
    let mut e = Engine::new(scenario(v), 1);
    e.run_until(SimTime::from_ms(2_000.0));
    crash(&mut e, "b", None);
    e.run_until(SimTime::from_ms(3_000.0));
    restart(&mut e, "b", None);
    // Stop publishing new messages (the producer keeps re-publishing), then let it drain.
    let mut quiet = e.scenario().clone();
    let msgflow::scenario::Role::Producer(p) = &mut quiet.nodes[0].role else {
        panic!()
    };
    p.workload = msgflow::scenario::Workload::FixedRate { rate_per_s: 0.0 };
    e.inject(Command::Update(Box::new(quiet))).unwrap();
    e.run_until(SimTime::from_ms(8_000.0));
    let g = counters(&e, "g");
    // Every message the producer created before the outage ended was processed at least once.
    assert!(counters(&e, "p").republished > 40);
    let sent = counters(&e, "p").sent;
    assert!(sent >= 149);
    assert_eq!(
        g.processed - g.duplicated,
        sent,
        "every message arrives at least once"
    );
    e.audit().unwrap();
}

#[test]
fn a_lost_ack_causes_a_redelivery_and_a_duplicate() {
    let mut v = queue_topology(json!({}), json!({}), json!({}));
    v["links"][1]["loss"] = json!(0.05);
    let e = run(scenario(v), 8, 30.0);
    let g = counters(&e, "g");
    assert!(
        g.duplicated > 10,
        "acks lost on the way make the broker deliver again: {}",
        g.duplicated
    );
    assert!(counters(&e, "b").redelivered >= g.duplicated);
}

#[test]
fn a_partitioned_log_keeps_order_per_key_but_a_work_queue_does_not() {
    let log = run(
        scenario(
            serde_json::from_str(include_str!("../../scenarios/partitioned-log.json")).unwrap(),
        ),
        1,
        60.0,
    );
    assert_eq!(counters(&log, "group").reordered, 0);
    assert!(counters(&log, "group").processed > 3000);
    let queue = run(
        scenario(serde_json::from_str(include_str!("../../scenarios/work-queue.json")).unwrap()),
        1,
        60.0,
    );
    assert!(counters(&queue, "workers").reordered > 100);
}

#[test]
fn a_consumer_crash_rebalances_and_replays_from_the_committed_offset() {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../scenarios/partitioned-log.json")).unwrap();
    v["nodes"][2]["role"]["consumer_group"]["commit"] =
        json!({ "periodic": { "interval_ms": 1000 } });
    let mut e = Engine::new(scenario(v), 2);
    e.run_until(SimTime::from_ms(10_500.0));
    let before = e.node_view(2);
    assert_eq!(
        before
            .instances
            .iter()
            .map(|c| c.partitions.len())
            .sum::<usize>(),
        4
    );
    crash(&mut e, "group", Some(0));
    let after = e.node_view(2);
    assert!(after.instances[0].partitions.is_empty());
    assert_eq!(
        after.instances[1].partitions.len() + after.instances[2].partitions.len(),
        4
    );
    e.run_until(SimTime::from_ms(20_000.0));
    let g = counters(&e, "group");
    assert!(
        g.duplicated > 0,
        "records processed after the last commit are processed again"
    );
    assert_eq!(
        g.reordered, 0,
        "a replay never reorders a key beyond the duplicate"
    );
    e.audit().unwrap();
}

#[test]
fn partitions_can_grow_but_not_shrink_while_running() {
    let s = scenario(
        serde_json::from_str(include_str!("../../scenarios/partitioned-log.json")).unwrap(),
    );
    let mut e = Engine::new(s.clone(), 1);
    e.run_until(SimTime::from_ms(1000.0));
    let mut grown = s.clone();
    let msgflow::scenario::Role::Broker(b) = &mut grown.nodes[1].role else {
        panic!()
    };
    b.logs[0].partitions = 6;
    e.inject(Command::Update(Box::new(grown.clone()))).unwrap();
    assert_eq!(e.node_view(1).boxes[0].partitions.len(), 6);
    let mut shrunk = grown;
    let msgflow::scenario::Role::Broker(b) = &mut shrunk.nodes[1].role else {
        panic!()
    };
    b.logs[0].partitions = 2;
    let err = e.inject(Command::Update(Box::new(shrunk))).unwrap_err();
    assert_eq!(
        err.errors[0].path,
        "nodes[1].role.broker.logs[0].partitions"
    );
    assert_eq!(
        e.node_view(1).boxes[0].partitions.len(),
        6,
        "a refused change changes nothing"
    );
}

#[test]
fn consumer_count_changes_live() {
    let s =
        scenario(serde_json::from_str(include_str!("../../scenarios/work-queue.json")).unwrap());
    let mut e = Engine::new(s.clone(), 1);
    e.run_until(SimTime::from_ms(5000.0));
    for n in [8u32, 1, 64, 2] {
        let mut next = s.clone();
        let msgflow::scenario::Role::ConsumerGroup(g) = &mut next.nodes[2].role else {
            panic!()
        };
        g.count = n;
        e.inject(Command::Update(Box::new(next))).unwrap();
        assert_eq!(e.node_view(2).instances.len(), n as usize);
        let t = e.now().as_ms();
        e.run_until(SimTime::from_ms(t + 2000.0));
        e.audit().unwrap();
    }
    assert_eq!(
        e.metrics().total.lost_total(),
        0,
        "manual ack: removed consumers hand their messages back"
    );
}

/// The view tells a consumer's deliveries held under automatic acks (the broker forgot
/// them) from unacknowledged ones (the broker keeps a copy), and follows a live change.
#[test]
fn the_view_says_whether_the_broker_still_has_what_a_consumer_holds() {
    let auto = queue_topology(json!({}), json!({}), json!({ "ack": "auto" }));
    let mut e = Engine::new(scenario(auto.clone()), 1);
    e.run_until(SimTime::from_ms(1_000.0));
    let g = idx(&e, "g");
    assert!(e.node_view(g).instances.iter().all(|i| i.auto_ack));
    let mut manual = auto;
    manual["nodes"][2]["role"]["consumer_group"]["ack"] = json!("manual");
    e.inject(Command::Update(Box::new(scenario(manual))))
        .unwrap();
    e.run_until(SimTime::from_ms(2_000.0));
    assert!(e.node_view(g).instances.iter().all(|i| !i.auto_ack));
}

/// An ack already on the wire when its consumer crashes still reaches the broker (the
/// message is done, not redelivered), but it must not free a prefetch slot of the consumer
/// restarted in the meantime: the new incarnation never holds more than its prefetch.
#[test]
fn an_ack_in_flight_at_a_crash_does_not_free_the_restarted_consumers_prefetch() {
    let v = queue_topology(
        json!({}),
        json!({}),
        json!({ "prefetch": 1, "processing": { "constant": { "ms": 100 } } }),
    );
    let mut e = Engine::new(scenario(v), 1);
    e.run_until(SimTime::from_ms(1_000.0));
    let g = idx(&e, "g");
    // A backlog builds (50/s against 2 × 10/s), so the restarted consumer is served at once.
    assert!(e.node_view(idx(&e, "b")).boxes[0].depth > 10);
    // Step until consumer 0 has finished a message and its ack is on the way.
    let acks_from_c0 = |e: &Engine| {
        e.in_flight()
            .filter(|f| f.kind == MsgKind::Ack && f.from.node as usize == g && f.from.inst == 0)
            .count()
    };
    while acks_from_c0(&e) == 0 {
        assert!(e.step());
    }
    assert_eq!(e.node_view(g).instances[0].busy, 0);
    let acked = counters(&e, "b").acked;
    let redelivered = counters(&e, "b").redelivered;
    crash(&mut e, "g", Some(0));
    restart(&mut e, "g", Some(0));
    let mut most_held = 0;
    while e.now() < SimTime::from_ms(3_000.0) {
        assert!(e.step());
        let c0 = e.node_view(g).instances[0].clone();
        let arriving = e
            .in_flight()
            .filter(|f| f.kind == MsgKind::Event && f.to.node as usize == g && f.to.inst == 0)
            .count() as u32;
        most_held = most_held.max(c0.busy + c0.waiting + arriving);
    }
    assert_eq!(most_held, 1, "prefetch 1 holds");
    assert!(counters(&e, "b").acked > acked);
    assert_eq!(
        counters(&e, "b").redelivered,
        redelivered,
        "the ack on the wire settled its message"
    );
    assert_eq!(e.violation(), None);
    e.audit().unwrap();
}
