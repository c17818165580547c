//! Exact replays and share links: a live run with faults and parameter changes injected at
//! odd moments, rebuilt from its inputs, is the same run (trace, counters, series, clock);
//! links round-trip, and every damaged or foreign link is refused with a named field.

use msgflow::scenario::{limits, preset, Fault, Role, Scenario, PRESETS};
use msgflow::share::{pb, ShareState, LINK_VERSION};
use msgflow::sim::{Command, Engine, Position, Replay, ReplayStep, SimTime};
use proptest::prelude::*;

/// Everything observable that a replay must reproduce.
fn fingerprint(e: &Engine) -> String {
    let m = e.metrics();
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        serde_json::to_string(&e.report()).unwrap(),
        m.total,
        m.nodes,
        m.ledger,
        m.series.points().collect::<Vec<_>>(),
        e.nodes_view(),
        e.scenario(),
    )
}

/// The playground's frame: advance toward `target` with a small event budget.
fn frame(e: &mut Engine, ms: f64, budget: u64) {
    let target = e.now().after((ms * 1e6) as u64);
    e.run_until_bounded(target, budget);
}

/// A work-queue run driven like the playground: frames with small budgets (some stop
/// mid-timestamp), single steps, parameter changes and faults at odd moments.
fn live_work_queue(seed: u64) -> Engine {
    let mut e = Engine::new(preset("work-queue").unwrap(), seed);
    for _ in 0..30 {
        frame(&mut e, 16.7, 200);
    }
    e.step();
    e.step();
    let mut next = e.scenario().clone();
    if let Role::ConsumerGroup(g) = &mut next.nodes[2].role {
        g.count = 5;
    }
    e.inject(Command::Update(Box::new(next))).unwrap();
    // A budget of 7 events stops between events that share a timestamp.
    for _ in 0..40 {
        frame(&mut e, 40.0, 7);
    }
    e.inject(Command::Fault(Fault::Crash {
        node: "workers".into(),
        instance: Some(1),
    }))
    .unwrap();
    // Two commands at the same position.
    e.inject(Command::Fault(Fault::Slow {
        node: "workers".into(),
        factor: 3.0,
    }))
    .unwrap();
    for _ in 0..25 {
        frame(&mut e, 33.3, 500);
    }
    let mut next = e.scenario().clone();
    if let Role::Producer(p) = &mut next.nodes[0].role {
        p.workload = msgflow::scenario::Workload::Poisson { rate_per_s: 140.5 };
    }
    next.links[1].latency_ms = 0.7 / 100.0 * 1000.0;
    e.inject(Command::Update(Box::new(next))).unwrap();
    e.inject(Command::Fault(Fault::Cut {
        a: "producer".into(),
        b: "broker".into(),
    }))
    .unwrap();
    // A refused command is not logged and changes nothing.
    assert!(e
        .inject(Command::Fault(Fault::Crash {
            node: "nobody".into(),
            instance: None
        }))
        .is_err());
    frame(&mut e, 250.0, 1_000_000);
    e.inject(Command::Fault(Fault::Heal {
        a: "producer".into(),
        b: "broker".into(),
    }))
    .unwrap();
    e.inject(Command::Fault(Fault::Restart {
        node: "workers".into(),
        instance: Some(1),
    }))
    .unwrap();
    for _ in 0..20 {
        frame(&mut e, 16.7, 300);
    }
    // Paused: the clock moves without events (run_until to a time between events).
    let t = e.now().after(1);
    e.run_until(t);
    e
}

#[test]
fn a_replay_reproduces_a_live_run_with_faults_and_parameter_changes() {
    let live = live_work_queue(7);
    assert_eq!(live.applied().len(), 7, "the refused command is not logged");
    assert!(live.log_complete().is_ok());
    let replayed = Engine::replay(
        live.initial_scenario().clone(),
        live.seed(),
        live.applied().to_vec(),
        live.position(),
    )
    .unwrap();
    assert_eq!(replayed.trace_hash(), live.trace_hash());
    assert_eq!(replayed.position(), live.position());
    assert_eq!(fingerprint(&replayed), fingerprint(&live));
    assert_eq!(
        replayed.applied(),
        live.applied(),
        "the replay logs the same commands"
    );
    // And the replay goes on like the live run would.
    let (mut a, mut b) = (live, replayed);
    a.run_until(SimTime::from_ms(6000.0));
    b.run_until(SimTime::from_ms(6000.0));
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(fingerprint(&a), fingerprint(&b));
}

#[test]
fn replays_match_in_every_preset_with_odd_injection_points() {
    for (k, p) in PRESETS.iter().enumerate() {
        let mut e = Engine::new(preset(p.name).unwrap(), 100 + k as u64);
        let ids: Vec<String> = e.scenario().nodes.iter().map(|n| n.id.clone()).collect();
        for round in 0..6u64 {
            frame(&mut e, 97.0, 13 + 31 * round);
            let node = ids[(round as usize * 7 + k) % ids.len()].clone();
            let f = if round % 2 == 0 {
                Fault::Crash {
                    node,
                    instance: None,
                }
            } else {
                Fault::Restart {
                    node,
                    instance: None,
                }
            };
            e.inject(Command::Fault(f)).unwrap();
            let mut next = e.scenario().clone();
            for l in &mut next.links {
                l.latency_ms += 1.25;
            }
            e.inject(Command::Update(Box::new(next))).unwrap();
        }
        frame(&mut e, 500.0, 1_000_000);
        let r = Engine::replay(
            e.initial_scenario().clone(),
            e.seed(),
            e.applied().to_vec(),
            e.position(),
        )
        .unwrap();
        assert_eq!(r.trace_hash(), e.trace_hash(), "{}", p.name);
        assert_eq!(fingerprint(&r), fingerprint(&e), "{}", p.name);
    }
}

#[test]
fn replay_stepping_stops_exactly_at_each_command_boundary() {
    let live = live_work_queue(3);
    let log = live.applied().to_vec();
    let mut r = Replay::new(
        live.initial_scenario().clone(),
        live.seed(),
        log.clone(),
        live.position(),
    )
    .unwrap();
    let mut seen = Vec::new();
    loop {
        let before = r.engine().events_processed();
        match r.advance(50).unwrap() {
            ReplayStep::Budget => {
                assert_eq!(r.engine().events_processed(), before + 50);
                // Never past the next boundary.
                if let Some((_, n)) = r.next_boundary() {
                    assert!(r.engine().events_processed() <= n);
                }
            }
            ReplayStep::Applied(i) => {
                assert_eq!(r.engine().events_processed(), log[i].after_events);
                assert_eq!(r.engine().now(), log[i].at);
                assert_eq!(r.engine().applied().len(), i + 1);
                seen.push(i);
            }
            ReplayStep::Done => break,
        }
    }
    assert_eq!(seen, (0..log.len()).collect::<Vec<_>>());
    assert!(r.is_done());
    assert_eq!(r.progress(), 1.0);
    assert_eq!(r.advance(10).unwrap(), ReplayStep::Done);
    let e = r.into_engine();
    assert_eq!(e.trace_hash(), live.trace_hash());
}

#[test]
fn replays_refuse_inputs_that_do_not_belong_to_the_run() {
    let live = live_work_queue(5);
    let log = live.applied().to_vec();
    let s = live.initial_scenario().clone();
    // A command moved after the next event.
    let mut bad = log.clone();
    bad[0].at = bad[1].at;
    let err = Engine::replay(s.clone(), 5, bad, live.position())
        .err()
        .unwrap();
    assert_eq!(err.path, "commands[0].at");
    assert!(err.message.contains("after the next event"), "{err}");
    // Out of order.
    let mut bad = log.clone();
    bad.swap(0, 2);
    let err = Replay::new(s.clone(), 5, bad, live.position())
        .err()
        .unwrap();
    assert_eq!(err.path, "commands[2].after_events", "{err}");
    // A position beyond the end of a run that stops.
    let mut quiet = s.clone();
    if let Role::Producer(p) = &mut quiet.nodes[0].role {
        p.workload = msgflow::scenario::Workload::Poisson { rate_per_s: 0.0 };
    }
    let err = Engine::replay(
        quiet,
        5,
        Vec::new(),
        Position {
            events: 1000,
            at: SimTime::from_ms(1.0),
        },
    )
    .err()
    .unwrap();
    assert_eq!(err.path, "position.events", "{err}");
    // A command the engine refuses.
    let mut bad = log;
    bad[0].command = Command::Fault(Fault::Crash {
        node: "ghost".into(),
        instance: None,
    });
    let err = Engine::replay(s, 5, bad, live.position()).err().unwrap();
    assert_eq!(err.path, "commands[0]");
    assert!(
        err.message
            .contains("fault.crash.node: no node has id `ghost`"),
        "{err}"
    );
}

#[test]
fn the_command_log_is_bounded_and_then_the_run_is_not_shareable() {
    let mut e = Engine::new(preset("work-queue").unwrap(), 1);
    for i in 0..=limits::MAX_LOGGED_COMMANDS {
        let factor = if i % 2 == 0 { 2.0 } else { 1.0 };
        e.inject(Command::Fault(Fault::Slow {
            node: "workers".into(),
            factor,
        }))
        .unwrap();
    }
    assert_eq!(e.applied().len(), limits::MAX_LOGGED_COMMANDS);
    let full = e.log_complete().unwrap_err();
    assert_eq!(full.applied, limits::MAX_LOGGED_COMMANDS as u64 + 1);
    let err = ShareState::capture("work-queue", &e, 1.0, false).unwrap_err();
    assert_eq!(err.errors[0].path, "commands");
    assert!(err.to_string().contains("at most 1000"), "{err}");
}

#[test]
fn a_link_round_trips_and_replays_the_identical_run() {
    let live = live_work_queue(11);
    let state = ShareState::capture("work-queue", &live, 2.5, true)
        .unwrap()
        .with_lesson(Some("queues-101".into()), 3);
    let text = state.fragment().unwrap();
    assert!(text.starts_with("s="));
    assert!(text.len() < 2000, "compact: {} characters", text.len());
    let back = ShareState::from_fragment(&format!("#{text}"))
        .unwrap()
        .unwrap();
    assert_eq!(back, state);
    assert_eq!(back.lesson.as_deref(), Some("queues-101"));
    assert_eq!((back.step, back.speed, back.playing), (3, 2.5, true));
    let replayed = back.replay().unwrap().run().unwrap();
    assert_eq!(replayed.trace_hash(), live.trace_hash());
    assert_eq!(fingerprint(&replayed), fingerprint(&live));
    // Sharing the replayed run gives the same link.
    let again = ShareState::capture("work-queue", &replayed, 2.5, true)
        .unwrap()
        .with_lesson(Some("queues-101".into()), 3)
        .fragment()
        .unwrap();
    assert_eq!(again, text);
}

#[test]
fn an_untouched_preset_makes_a_short_link() {
    let mut e = Engine::new(preset("request-response").unwrap(), 42);
    e.run_until(SimTime::from_ms(1234.5));
    let text = ShareState::capture("request-response", &e, 1.0, false)
        .unwrap()
        .encode()
        .unwrap();
    assert!(text.len() < 80, "{text}");
    assert!(text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let back = ShareState::decode(&text).unwrap();
    assert_eq!(back.scenario, preset("request-response").unwrap());
    assert_eq!(back.position, e.position());
    assert!(ShareState::from_fragment("#other=1").is_none());
    // A speed a hair outside the slider's range (float rounding) is kept within it.
    let s = ShareState::capture(
        "request-response",
        &e,
        f64::from_bits(0.1f64.to_bits() - 1),
        false,
    )
    .unwrap();
    assert_eq!(s.speed, 0.1);
    assert!(ShareState::decode(&s.encode().unwrap()).is_ok());
    assert!(ShareState::from_fragment("").is_none());
}

#[test]
fn a_scenario_edited_before_the_start_is_carried_as_edits() {
    let mut s = preset("hybrid").unwrap();
    s.links[0].latency_ms = 123.0;
    s.faults.clear();
    let mut e = Engine::new(s.clone(), 9);
    e.run_until(SimTime::from_ms(800.0));
    let state = ShareState::capture("hybrid", &e, 1.0, false).unwrap();
    let back = ShareState::decode(&state.encode().unwrap()).unwrap();
    assert_eq!(back.scenario, s);
    let r = back.replay().unwrap().run().unwrap();
    assert_eq!(r.trace_hash(), e.trace_hash());
}

#[test]
fn a_custom_scenario_is_carried_whole() {
    let mut s = preset("pub-sub").unwrap();
    s.name = "My own".into();
    s.links[1].loss = 0.125;
    let mut e = Engine::new(s.clone(), 21);
    e.run_until(SimTime::from_ms(700.0));
    let state = ShareState::capture("", &e, 1.0, false).unwrap();
    let back = ShareState::decode(&state.encode().unwrap()).unwrap();
    assert_eq!(back.mode, "");
    assert_eq!(back.scenario, s);
    let r = back.replay().unwrap().run().unwrap();
    assert_eq!(r.trace_hash(), e.trace_hash());
}

// ----- refusals ---------------------------------------------------------------------------

fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A link around an arbitrary state body, with a correct checksum.
fn seal(version: u32, state: Vec<u8>) -> String {
    use base64::Engine as _;
    use prost::Message;
    let link = pb::Link {
        version,
        check: fnv1a32(&state),
        state,
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(link.encode_to_vec())
}

fn state_pb(live: &Engine) -> pb::State {
    use base64::Engine as _;
    use prost::Message;
    let text = ShareState::capture("work-queue", live, 1.0, false)
        .unwrap()
        .encode()
        .unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap();
    let link = pb::Link::decode(bytes.as_slice()).unwrap();
    pb::State::decode(link.state.as_slice()).unwrap()
}

fn refusal(text: &str) -> (String, String) {
    let e = ShareState::decode(text).unwrap_err();
    (e.errors[0].path.clone(), e.to_string())
}

#[test]
fn damaged_and_foreign_links_are_refused_with_a_named_field() {
    use prost::Message;
    let mut e = Engine::new(preset("work-queue").unwrap(), 4);
    e.run_until(SimTime::from_ms(300.0));
    e.inject(Command::Fault(Fault::Crash {
        node: "broker".into(),
        instance: None,
    }))
    .unwrap();
    let good = ShareState::capture("work-queue", &e, 1.0, false)
        .unwrap()
        .encode()
        .unwrap();

    // One character changed in the middle.
    let mid = good.len() / 2;
    let c = if &good[mid..=mid] == "A" { "B" } else { "A" };
    let damaged = format!("{}{c}{}", &good[..mid], &good[mid + 1..]);
    let (path, msg) = refusal(&damaged);
    assert!(path.starts_with("link"), "{path}: {msg}");
    assert!(msg.contains("damaged") || msg.contains("version"), "{msg}");
    // Cut short.
    let (path, msg) = refusal(&good[..good.len() - 5]);
    assert!(path.starts_with("link"), "{msg}");
    assert!(msg.contains("damaged"), "{msg}");
    // Not base64url.
    let (_, msg) = refusal("abc$def");
    assert!(msg.contains("'$' at position 3"), "{msg}");
    // Too long, and empty.
    let (_, msg) = refusal(&"A".repeat(limits::MAX_LINK_CHARS + 1));
    assert!(msg.contains("at most 65536"), "{msg}");
    assert_eq!(refusal("").0, "link");
    // A newer version: refused before anything else is read.
    let (path, msg) = refusal(&seal(LINK_VERSION + 1, vec![1, 2, 3]));
    assert_eq!(path, "link.version");
    assert!(msg.contains("format version 2, newer"), "{msg}");
    // A link without a version.
    assert_eq!(refusal(&seal(0, vec![])).0, "link.version");

    // Well-formed links with bad fields.
    let base = state_pb(&e);
    let mut s = base.clone();
    s.mode = "queue-of-doom".into();
    let (path, msg) = refusal(&seal(1, s.encode_to_vec()));
    assert_eq!(path, "mode");
    assert!(msg.contains("expected one of request-response"), "{msg}");

    let mut s = base.clone();
    s.speed = 1000.0;
    assert_eq!(refusal(&seal(1, s.encode_to_vec())).0, "speed");

    let mut s = base.clone();
    s.events = limits::MAX_REPLAY_EVENTS + 1;
    assert_eq!(refusal(&seal(1, s.encode_to_vec())).0, "position.events");

    let mut s = base.clone();
    s.lesson = Some("x".repeat(65));
    assert_eq!(refusal(&seal(1, s.encode_to_vec())).0, "lesson");

    // An edit that breaks the scenario: validation names the field.
    let mut s = base.clone();
    s.edits.push(pb::Edit {
        path: "/nodes/2/role/consumer_group/count".into(),
        value: Some(pb::Value {
            kind: Some(pb::value::Kind::Uint(0)),
        }),
    });
    let (path, msg) = refusal(&seal(1, s.encode_to_vec()));
    assert_eq!(path, "scenario.nodes[2].role.consumer_group.count");
    assert!(msg.contains("between 1 and 64"), "{msg}");
    // An edit of the wrong type.
    let mut s = base.clone();
    s.edits.push(pb::Edit {
        path: "/nodes/2/role/consumer_group/count".into(),
        value: Some(pb::Value {
            kind: Some(pb::value::Kind::Text("three".into())),
        }),
    });
    let (path, _) = refusal(&seal(1, s.encode_to_vec()));
    assert_eq!(path, "scenario.nodes[2].role.consumer_group.count");
    // An edit of a field that does not exist.
    let mut s = base.clone();
    s.edits.push(pb::Edit {
        path: "/nodes/7/role".into(),
        value: Some(pb::Value {
            kind: Some(pb::value::Kind::Null(true)),
        }),
    });
    assert_eq!(refusal(&seal(1, s.encode_to_vec())).0, "edits[0].path");
    // A fault that is not a fault.
    let mut s = base.clone();
    s.commands[0].kind = Some(pb::command::Kind::Fault(pb::Fault {
        kind: 42,
        ..Default::default()
    }));
    let (path, msg) = refusal(&seal(1, s.encode_to_vec()));
    assert_eq!(path, "commands[0].fault.kind", "{msg}");
    assert!(msg.contains("unknown fault kind 42"), "{msg}");
    // A command beyond the position is refused when the replay starts.
    let mut s = base;
    s.commands[0].events_delta = s.events + 1;
    let st = ShareState::decode(&seal(1, s.encode_to_vec())).unwrap();
    let err = st.replay().err().unwrap();
    assert_eq!(err.errors[0].path, "commands[0].after_events");
}

// ----- properties ---------------------------------------------------------------------------

fn cases() -> u32 {
    std::env::var("MSGFLOW_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Replays whatever a decoded state asks for, but at most `cap` events (it must not panic).
fn replay_bounded(s: &ShareState, cap: u64) {
    if let Ok(mut r) = s.replay() {
        let mut left = cap;
        while left > 0 {
            match r.advance(1000) {
                Ok(ReplayStep::Done) | Err(_) => break,
                Ok(_) => left = left.saturating_sub(1000),
            }
        }
    }
}

/// A random valid state: a preset with random edits, random faults and updates.
fn random_state(preset_idx: usize, seed: u64, picks: &[u32]) -> ShareState {
    let name = PRESETS[preset_idx % PRESETS.len()].name;
    let mut pick = picks.iter().copied().cycle();
    let mut next = move |n: u32| pick.next().unwrap_or(0) % n.max(1);
    let mut s: Scenario = preset(name).unwrap();
    let tweak = |s: &mut Scenario, next: &mut dyn FnMut(u32) -> u32| {
        let l = next(s.links.len() as u32) as usize;
        s.links[l].latency_ms = f64::from(next(1000)) / 7.0;
        s.links[l].loss = f64::from(next(100)) / 300.0;
        for n in &mut s.nodes {
            match &mut n.role {
                Role::ConsumerGroup(g) => g.count = 1 + next(64),
                Role::Service(v) => v.replicas = 1 + next(8),
                _ => {}
            }
        }
    };
    tweak(&mut s, &mut next);
    let ids: Vec<String> = s.nodes.iter().map(|n| n.id.clone()).collect();
    let mut commands = Vec::new();
    let (mut events, mut at) = (0u64, 0u64);
    let mut cur = s.clone();
    for _ in 0..next(12) {
        events += u64::from(next(500));
        at += u64::from(next(1_000_000_000));
        let command = if next(2) == 0 {
            let node = ids[next(ids.len() as u32) as usize].clone();
            let other = ids[next(ids.len() as u32) as usize].clone();
            let x = f64::from(next(90)) / 9.0;
            Command::Fault(match next(7) {
                0 => Fault::Crash {
                    node,
                    instance: Some(next(3)),
                },
                1 => Fault::Restart {
                    node,
                    instance: None,
                },
                2 => Fault::Cut { a: node, b: other },
                3 => Fault::Heal { a: node, b: other },
                4 => Fault::LinkLoss {
                    a: node,
                    b: other,
                    loss: x / 10.0,
                },
                5 => Fault::LatencySpike {
                    a: node,
                    b: other,
                    extra_ms: x,
                },
                _ => Fault::Slow {
                    node,
                    factor: 1.0 + x,
                },
            })
        } else {
            tweak(&mut cur, &mut next);
            Command::Update(Box::new(cur.clone()))
        };
        commands.push(msgflow::sim::Applied {
            after_events: events,
            at: SimTime(at),
            command,
        });
    }
    ShareState {
        mode: name.to_string(),
        scenario: s,
        seed,
        lesson: (next(2) == 0).then(|| format!("lesson-{}", next(100))),
        step: next(20),
        speed: 0.1 + f64::from(next(999)) / 10.0,
        playing: next(2) == 0,
        position: Position {
            events: events + u64::from(next(10_000)),
            at: SimTime(at + u64::from(next(1_000_000))),
        },
        commands,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_decoded_or_refused_without_panicking(text in ".{0,300}") {
        let _ = ShareState::decode(&text);
        let _ = ShareState::from_fragment(&text);
    }

    #[test]
    fn any_bytes_are_decoded_or_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        use base64::Engine as _;
        let _ = ShareState::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
        // The same bytes as a state with a valid envelope get past the checksum.
        if let Ok(s) = ShareState::decode(&seal(1, bytes)) {
            replay_bounded(&s, 20_000);
        }
    }

    #[test]
    fn altered_states_are_decoded_or_refused_without_panicking(
        seed in 0u64..1000,
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        use prost::Message;
        let mut e = Engine::new(preset("work-queue").unwrap(), seed);
        e.run_until(SimTime::from_ms(200.0));
        let mut next = e.scenario().clone();
        next.links[0].latency_ms = 3.5;
        e.inject(Command::Update(Box::new(next))).unwrap();
        let mut bytes = state_pb(&e).encode_to_vec();
        let i = at.index(bytes.len());
        bytes[i] ^= byte | 1;
        if let Ok(s) = ShareState::decode(&seal(1, bytes)) {
            replay_bounded(&s, 20_000);
        }
    }

    #[test]
    fn random_states_round_trip(preset_idx in 0usize..7, seed in any::<u64>(), picks in proptest::collection::vec(any::<u32>(), 1..64)) {
        let state = random_state(preset_idx, seed, &picks);
        let text = state.encode().unwrap();
        let back = ShareState::decode(&text).unwrap();
        prop_assert_eq!(&back, &state);
        prop_assert_eq!(back.encode().unwrap(), text);
    }
}
