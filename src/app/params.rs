//! The parameters panel: every tunable of the scenario, applied live with
//! `Command::Update`; the engine's validation errors appear next to the field.

use super::driver::Driver;
use crate::scenario::{limits, AckMode, Dist, Role, Scenario, StatusCode, Workload};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::collections::HashMap;

/// One tunable parameter; indices are node, link, queue or log numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// Base one-way latency of a link.
    LinkLatency(usize),
    /// Uniform jitter (0..max) of a link.
    LinkJitter(usize),
    /// Loss probability of a link, in percent.
    LinkLoss(usize),
    /// Bandwidth of a link (0 = unlimited).
    LinkBandwidth(usize),
    /// Open-loop arrival rate of a client or producer.
    Rate(usize),
    /// Closed-loop callers of a client.
    Concurrency(usize),
    /// Deadline of a client's calls (0 = none).
    Deadline(usize),
    /// Retry policy: attempts including the first.
    MaxAttempts(usize),
    /// Retry policy: first backoff.
    Backoff(usize),
    /// Replicas of a service.
    Replicas(usize),
    /// Workers per replica.
    Workers(usize),
    /// Mean service time.
    ServiceTime(usize),
    /// Consumers in a group.
    Count(usize),
    /// Mean processing time.
    Processing(usize),
    /// Prefetch of a group.
    Prefetch(usize),
    /// Ack mode of a group (1 = manual).
    Ack(usize),
    /// Partitions of log `1` in broker `0`.
    Partitions(usize, usize),
    /// Durability of queue `1` in broker `0`.
    QueueDurable(usize, usize),
    /// Durability of log `1` in broker `0`.
    LogDurable(usize, usize),
    /// Persistent messages of a producer.
    Persistent(usize),
}

/// How a parameter is edited.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Check,
    AckSelect,
}

/// Label, unit, bounds, explanation and field path of a parameter.
struct Spec {
    label: String,
    unit: &'static str,
    min: f64,
    max: f64,
    step: f64,
    help: &'static str,
    path: String,
    kind: Kind,
}

fn spec(p: Param, s: &Scenario) -> Spec {
    use Param::*;
    let role = |i: usize| s.nodes.get(i).map_or("client", |n| n.role.as_str());
    let num = |label: &str, unit, min, max, step, help, path: String| Spec {
        label: label.to_string(),
        unit,
        min,
        max,
        step,
        help,
        path,
        kind: Kind::Number,
    };
    match p {
        LinkLatency(l) => num("Latency", "ms", 0.0, 10_000.0, 1.0, "Base one-way delay of the link.", format!("links[{l}].latency_ms")),
        LinkJitter(l) => num("Jitter", "ms", 0.0, 10_000.0, 1.0, "Extra random delay, uniform from 0 up to this value (order kept per direction).", format!("links[{l}].jitter")),
        LinkLoss(l) => num("Loss", "%", 0.0, 100.0, 0.5, "Chance that a message is dropped on the way.", format!("links[{l}].loss")),
        LinkBandwidth(l) => num("Bandwidth", "Mbit/s", 0.0, limits::MAX_BANDWIDTH_MBPS, 0.1, "Link capacity; bigger payloads take longer to send. 0 means unlimited.", format!("links[{l}].bandwidth_mbps")),
        Rate(i) => num("Rate", "msg/s", 0.0, limits::MAX_RATE_PER_S, 1.0, "Average arrivals per second (open loop: arrivals do not wait for answers).", format!("nodes[{i}].role.{}.workload", role(i))),
        Concurrency(i) => num("Concurrency", "callers", 1.0, limits::MAX_CONCURRENCY as f64, 1.0, "Callers that each wait for an answer before sending the next call (closed loop).", format!("nodes[{i}].role.client.workload")),
        Deadline(i) => num("Deadline", "ms", 0.0, 60_000.0, 10.0, "Time after which the caller gives up with DEADLINE_EXCEEDED. 0 means no deadline.", format!("nodes[{i}].role.client.deadline_ms")),
        MaxAttempts(i) => num("Max attempts", "", 1.0, limits::MAX_ATTEMPTS as f64, 1.0, "Attempts per call including the first; retries happen on UNAVAILABLE (gRPC caps this at 5).", format!("nodes[{i}].role.client.retry.max_attempts")),
        Backoff(i) => num("Initial backoff", "ms", 0.0, 10_000.0, 5.0, "Wait before the first retry; it doubles for each further retry.", format!("nodes[{i}].role.client.retry.initial_backoff_ms")),
        Replicas(i) => num("Replicas", "", 1.0, limits::MAX_REPLICAS as f64, 1.0, "Processes of the service; the client balances calls over them.", format!("nodes[{i}].role.service.replicas")),
        Workers(i) => num("Workers", "per replica", 1.0, limits::MAX_WORKERS as f64, 1.0, "Requests one replica handles at the same time.", format!("nodes[{i}].role.service.workers")),
        ServiceTime(i) => num("Service time", "ms", 0.0, 60_000.0, 1.0, "Mean time a worker takes to handle one request.", format!("nodes[{i}].role.service.service_time")),
        Count(i) => num("Consumers", "", 1.0, limits::MAX_CONSUMERS as f64, 1.0, "Competing consumers in the group (1–64); each message goes to one of them.", format!("nodes[{i}].role.consumer_group.count")),
        Processing(i) => num("Processing time", "ms", 0.0, 60_000.0, 1.0, "Mean time a consumer takes to process one message.", format!("nodes[{i}].role.consumer_group.processing")),
        Prefetch(i) => num("Prefetch", "msgs", 1.0, limits::MAX_PREFETCH as f64, 1.0, "Unacknowledged messages one consumer may hold (records per fetch for logs).", format!("nodes[{i}].role.consumer_group.prefetch")),
        Ack(i) => Spec { kind: Kind::AckSelect, ..num("Ack mode", "", 0.0, 1.0, 1.0, "Manual: ack after processing (a crash means redelivery). Auto: forgotten when sent (a crash loses it).", format!("nodes[{i}].role.consumer_group.ack")) },
        Partitions(i, l) => num(&format!("Partitions of {}", broker_box(s, i, l, false)), "", 1.0, limits::MAX_PARTITIONS as f64, 1.0, "Partitions of the log; keys map to partitions. They can only grow, as in Kafka.", format!("nodes[{i}].role.broker.logs[{l}].partitions")),
        QueueDurable(i, q) => Spec { kind: Kind::Check, ..num(&format!("Durable queue {}", broker_box(s, i, q, true)), "", 0.0, 1.0, 1.0, "A durable queue keeps its persistent messages across a broker restart.", format!("nodes[{i}].role.broker.queues[{q}].durable")) },
        LogDurable(i, l) => Spec { kind: Kind::Check, ..num(&format!("Durable log {}", broker_box(s, i, l, false)), "", 0.0, 1.0, 1.0, "A durable log keeps its records across a broker restart.", format!("nodes[{i}].role.broker.logs[{l}].durable")) },
        Persistent(i) => Spec { kind: Kind::Check, ..num("Persistent messages", "", 0.0, 1.0, 1.0, "Persistent messages survive a broker restart when their queue is durable.", format!("nodes[{i}].role.producer.persistent")) },
    }
}

/// Parameters that take whole numbers only.
fn whole(p: Param) -> bool {
    use Param::*;
    matches!(
        p,
        Concurrency(_)
            | MaxAttempts(_)
            | Replicas(_)
            | Workers(_)
            | Count(_)
            | Prefetch(_)
            | Partitions(..)
    )
}

fn broker_box(s: &Scenario, i: usize, k: usize, queue: bool) -> String {
    match s.nodes.get(i).map(|n| &n.role) {
        Some(Role::Broker(b)) if queue => {
            b.queues.get(k).map(|q| q.name.clone()).unwrap_or_default()
        }
        Some(Role::Broker(b)) => b.logs.get(k).map(|q| q.name.clone()).unwrap_or_default(),
        _ => String::new(),
    }
}

fn workload(s: &Scenario, i: usize) -> Option<&Workload> {
    match &s.nodes.get(i)?.role {
        Role::Client(c) => Some(&c.workload),
        Role::Producer(p) => Some(&p.workload),
        _ => None,
    }
}

fn get(p: Param, s: &Scenario) -> f64 {
    use Param::*;
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    let node = |i: usize| s.nodes.get(i).map(|n| &n.role);
    let link = |l: usize| s.links.get(l);
    match (p, p_node(p).and_then(node)) {
        (LinkLatency(l), _) => link(l).map_or(0.0, |l| l.latency_ms),
        (LinkJitter(l), _) => link(l).and_then(|l| l.jitter).map_or(0.0, |j| match j {
            Dist::Uniform { max_ms, .. } => max_ms,
            d => d.mean_ms() * 2.0,
        }),
        (LinkLoss(l), _) => link(l).map_or(0.0, |l| l.loss * 100.0),
        (LinkBandwidth(l), _) => link(l).and_then(|l| l.bandwidth_mbps).unwrap_or(0.0),
        (Rate(i), _) => workload(s, i).and_then(Workload::rate_per_s).unwrap_or(0.0),
        (Concurrency(i), _) => match workload(s, i) {
            Some(Workload::ClosedLoop { concurrency, .. }) => *concurrency as f64,
            _ => 0.0,
        },
        (Deadline(_), Some(Role::Client(c))) => c.deadline_ms.unwrap_or(0.0),
        (MaxAttempts(_), Some(Role::Client(c))) => {
            c.retry.as_ref().map_or(1.0, |r| r.max_attempts as f64)
        }
        (Backoff(_), Some(Role::Client(c))) => {
            c.retry.as_ref().map_or(0.0, |r| r.initial_backoff_ms)
        }
        (Replicas(_), Some(Role::Service(v))) => v.replicas as f64,
        (Workers(_), Some(Role::Service(v))) => v.workers as f64,
        (ServiceTime(_), Some(Role::Service(v))) => v.service_time.mean_ms(),
        (Count(_), Some(Role::ConsumerGroup(g))) => g.count as f64,
        (Processing(_), Some(Role::ConsumerGroup(g))) => g.processing.mean_ms(),
        (Prefetch(_), Some(Role::ConsumerGroup(g))) => g.prefetch as f64,
        (Ack(_), Some(Role::ConsumerGroup(g))) => b(g.ack == AckMode::Manual),
        (Partitions(_, l), Some(Role::Broker(br))) => {
            br.logs.get(l).map_or(0.0, |x| x.partitions as f64)
        }
        (QueueDurable(_, q), Some(Role::Broker(br))) => {
            b(br.queues.get(q).is_some_and(|x| x.durable))
        }
        (LogDurable(_, l), Some(Role::Broker(br))) => b(br.logs.get(l).is_some_and(|x| x.durable)),
        (Persistent(_), Some(Role::Producer(pr))) => b(pr.persistent),
        _ => 0.0,
    }
}

fn p_node(p: Param) -> Option<usize> {
    use Param::*;
    match p {
        LinkLatency(_) | LinkJitter(_) | LinkLoss(_) | LinkBandwidth(_) => None,
        Rate(i)
        | Concurrency(i)
        | Deadline(i)
        | MaxAttempts(i)
        | Backoff(i)
        | Replicas(i)
        | Workers(i)
        | ServiceTime(i)
        | Count(i)
        | Processing(i)
        | Prefetch(i)
        | Ack(i)
        | Partitions(i, _)
        | QueueDurable(i, _)
        | LogDurable(i, _)
        | Persistent(i) => Some(i),
    }
}

fn rescale(d: &Dist, mean: f64) -> Dist {
    let old = d.mean_ms();
    if old > 0.0 && mean > 0.0 {
        d.scaled(mean / old)
    } else {
        Dist::Constant { ms: mean }
    }
}

fn set(p: Param, s: &mut Scenario, v: f64) {
    use Param::*;
    let u = |v: f64| v.round().max(0.0) as u32;
    if let Some(l) = match p {
        LinkLatency(l) | LinkJitter(l) | LinkLoss(l) | LinkBandwidth(l) => s.links.get_mut(l),
        _ => None,
    } {
        match p {
            LinkLatency(_) => l.latency_ms = v,
            LinkJitter(_) => {
                l.jitter = (v > 0.0).then_some(Dist::Uniform {
                    min_ms: 0.0,
                    max_ms: v,
                })
            }
            LinkLoss(_) => l.loss = v / 100.0,
            _ => l.bandwidth_mbps = (v > 0.0).then_some(v),
        }
        return;
    }
    let Some(role) = p_node(p)
        .and_then(|i| s.nodes.get_mut(i))
        .map(|n| &mut n.role)
    else {
        return;
    };
    match (p, role) {
        (Rate(_), Role::Client(c)) => set_rate(&mut c.workload, v),
        (Rate(_), Role::Producer(pr)) => set_rate(&mut pr.workload, v),
        (Concurrency(_), Role::Client(c)) => {
            if let Workload::ClosedLoop { concurrency, .. } = &mut c.workload {
                *concurrency = u(v);
            }
        }
        (Deadline(_), Role::Client(c)) => c.deadline_ms = (v > 0.0).then_some(v),
        (MaxAttempts(_), Role::Client(c)) => retry(&mut c.retry).max_attempts = u(v),
        (Backoff(_), Role::Client(c)) => {
            let r = retry(&mut c.retry);
            r.initial_backoff_ms = v;
            r.max_backoff_ms = r.max_backoff_ms.max(v);
        }
        (Replicas(_), Role::Service(sv)) => sv.replicas = u(v),
        (Workers(_), Role::Service(sv)) => sv.workers = u(v),
        (ServiceTime(_), Role::Service(sv)) => sv.service_time = rescale(&sv.service_time, v),
        (Count(_), Role::ConsumerGroup(g)) => g.count = u(v),
        (Processing(_), Role::ConsumerGroup(g)) => g.processing = rescale(&g.processing, v),
        (Prefetch(_), Role::ConsumerGroup(g)) => g.prefetch = u(v),
        (Ack(_), Role::ConsumerGroup(g)) => {
            g.ack = if v > 0.5 {
                AckMode::Manual
            } else {
                AckMode::Auto
            }
        }
        (Partitions(_, l), Role::Broker(b)) => {
            if let Some(x) = b.logs.get_mut(l) {
                x.partitions = u(v);
            }
        }
        (QueueDurable(_, q), Role::Broker(b)) => {
            if let Some(x) = b.queues.get_mut(q) {
                x.durable = v > 0.5;
            }
        }
        (LogDurable(_, l), Role::Broker(b)) => {
            if let Some(x) = b.logs.get_mut(l) {
                x.durable = v > 0.5;
            }
        }
        (Persistent(_), Role::Producer(pr)) => pr.persistent = v > 0.5,
        _ => {}
    }
}

fn set_rate(w: &mut Workload, v: f64) {
    match w {
        Workload::Poisson { rate_per_s } | Workload::FixedRate { rate_per_s } => *rate_per_s = v,
        Workload::ClosedLoop { .. } => {}
    }
}

fn retry(r: &mut Option<crate::scenario::RetryPolicy>) -> &mut crate::scenario::RetryPolicy {
    r.get_or_insert_with(|| crate::scenario::RetryPolicy {
        max_attempts: 1,
        initial_backoff_ms: 20.0,
        max_backoff_ms: 200.0,
        backoff_multiplier: 2.0,
        retryable_status_codes: vec![StatusCode::Unavailable],
        throttling: None,
    })
}

/// The parameters of one node, in display order.
fn node_params(s: &Scenario, i: usize) -> Vec<Param> {
    use Param::*;
    match &s.nodes[i].role {
        Role::Client(c) => {
            let load = if matches!(c.workload, Workload::ClosedLoop { .. }) {
                Concurrency(i)
            } else {
                Rate(i)
            };
            vec![load, Deadline(i), MaxAttempts(i), Backoff(i)]
        }
        Role::Producer(_) => vec![Rate(i), Persistent(i)],
        Role::Service(_) => vec![Replicas(i), Workers(i), ServiceTime(i)],
        Role::ConsumerGroup(g) => {
            let from_queue = s
                .nodes
                .iter()
                .find(|n| n.id == g.source.broker)
                .is_some_and(|n| matches!(&n.role, Role::Broker(b) if b.queues.iter().any(|q| q.name == g.source.from)));
            let mut v = vec![Count(i), Processing(i), Prefetch(i)];
            if from_queue {
                v.push(Ack(i));
            }
            v
        }
        Role::Broker(b) => (0..b.logs.len())
            .map(|l| Partitions(i, l))
            .chain((0..b.queues.len()).map(|q| QueueDurable(i, q)))
            .chain((0..b.logs.len()).map(|l| LogDurable(i, l)))
            .collect(),
    }
}

/// Errors of the last failed edit, per parameter.
type Errors = RwSignal<HashMap<Param, Vec<String>>>;

/// The parameters panel.
#[component]
pub fn Params() -> impl IntoView {
    let d = expect_context::<Driver>();
    let errors: Errors = RwSignal::new(HashMap::new());
    let groups = move || {
        d.epoch.track();
        errors.set(HashMap::new());
        d.scenario.with_untracked(|s| {
            let nodes = s.nodes.iter().enumerate().map(|(i, n)| {
                let label = if n.label.is_empty() {
                    n.id.clone()
                } else {
                    n.label.clone()
                };
                (
                    format!("{label} · {}", n.role.as_str().replace('_', " ")),
                    node_params(s, i),
                )
            });
            let links = s.links.iter().enumerate().map(|(l, k)| {
                let p = vec![
                    Param::LinkLatency(l),
                    Param::LinkJitter(l),
                    Param::LinkLoss(l),
                    Param::LinkBandwidth(l),
                ];
                (format!("Link {} ↔ {}", k.a, k.b), p)
            });
            nodes
                .chain(links)
                .filter(|(_, p)| !p.is_empty())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h2>"Parameters"</h2>
        <p class="panel-help">"Changes apply live to the running simulation."</p>
        {move || {
            // On narrow screens only the first group starts open.
            let wide = window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w >= 1000.0);
            groups()
                .into_iter()
                .enumerate()
                .map(|(i, (title, params))| {
                    view! {
                        <details class="param-group" open=wide || i == 0>
                            <summary>{title}</summary>
                            {params.into_iter().map(|p| view! { <Field p=p errors=errors/> }).collect_view()}
                        </details>
                    }
                })
                .collect_view()
        }}
    }
}

/// One parameter: input, unit, explanation and errors.
#[component]
fn Field(
    /// The parameter.
    p: Param,
    /// Errors of failed edits.
    errors: Errors,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let sp = d.scenario.with_untracked(|s| spec(p, s));
    let value = Memo::new(move |_| d.scenario.with(|s| get(p, s)));
    let id = format!("f-{}", sp.path.replace(['[', ']', '.'], "-"));
    let help_id = format!("{id}-help");
    let err_id = format!("{id}-err");
    let pending: StoredValue<Option<Timeout>, LocalStorage> = StoredValue::new_local(None);
    let apply = move |v: f64| {
        pending.set_value(None);
        let mut next = d.scenario.get_untracked();
        set(p, &mut next, v);
        let path = d.scenario.with_untracked(|s| spec(p, s).path);
        match d.update(next) {
            Ok(()) => errors.update(|e| {
                e.remove(&p);
            }),
            Err(e) => {
                let msgs = e
                    .errors
                    .iter()
                    .map(|fe| {
                        if fe.path.starts_with(&path) {
                            fe.message.clone()
                        } else {
                            fe.to_string()
                        }
                    })
                    .collect();
                errors.update(|m| {
                    m.insert(p, msgs);
                });
            }
        }
    };
    // Typed text is checked against the field's range before anything is applied: NaN,
    // 1e12, -5 or 2.5 consumers never reach the engine, and the error says what is accepted.
    let (lo, hi, unit) = (sp.min, sp.max, sp.unit);
    let parse = move |raw: &str| crate::scenario::fields::parse_field(raw, lo, hi, unit, whole(p));
    let errs = move || errors.with(|m| m.get(&p).cloned().unwrap_or_default());
    let has_err = move || errors.with(|m| m.contains_key(&p));
    let describedby = format!("{help_id} {err_id}");
    let input = match sp.kind {
        Kind::Number => view! {
            <input
                id=id.clone()
                type="number"
                inputmode="decimal"
                data-path=sp.path.clone()
                min=sp.min
                max=sp.max
                step=sp.step
                title=sp.help
                aria-describedby=describedby
                aria-invalid=move || has_err().to_string()
                prop:value=move || {
                    let v = value.get();
                    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.2}").trim_end_matches('0').to_string() }
                }
                on:input=move |ev| {
                    match parse(&event_target_value(&ev)) {
                        Ok(v) => pending.set_value(Some(Timeout::new(600, move || apply(v)))),
                        Err(_) => pending.set_value(None),
                    }
                }
                on:change=move |ev| {
                    match parse(&event_target_value(&ev)) {
                        Ok(v) => apply(v),
                        Err(msg) => {
                            pending.set_value(None);
                            errors.update(|m| {
                                m.insert(p, vec![msg]);
                            });
                        }
                    }
                }
            />
        }
        .into_any(),
        Kind::Check => view! {
            <input
                id=id.clone()
                type="checkbox"
                data-path=sp.path.clone()
                title=sp.help
                aria-describedby=describedby
                prop:checked=move || { value.get() > 0.5 }
                on:change=move |ev| { apply(if event_target_checked(&ev) { 1.0 } else { 0.0 }) }
            />
        }
        .into_any(),
        Kind::AckSelect => view! {
            <select
                id=id.clone()
                data-path=sp.path.clone()
                title=sp.help
                aria-describedby=describedby
                prop:value=move || { if value.get() > 0.5 { "manual" } else { "auto" } }
                on:change=move |ev| { apply(if event_target_value(&ev) == "manual" { 1.0 } else { 0.0 }) }
            >
                <option value="manual">"manual"</option>
                <option value="auto">"auto"</option>
            </select>
        }
        .into_any(),
    };
    view! {
        <div class="field" class:invalid=has_err class:check=sp.kind == Kind::Check>
            <label for=id.clone()>{sp.label}</label>
            <span class="input-unit">
                {input}
                <span class="unit">{sp.unit}</span>
            </span>
            <span id=help_id class="help">{sp.help}</span>
            <span id=err_id class="field-error" data-testid="field-error" role="alert">
                {move || errs().join("; ")}
            </span>
        </div>
    }
}
