//! The metrics panel: counters, latency percentiles, the side-by-side comparison and charts.

use super::charts::{Line, LineChart};
use super::driver::{Driver, Stats};
use crate::scenario::{Role, Scenario, StatusCode};
use crate::sim::{Counters, LatencySummary};
use leptos::prelude::*;

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

/// The metrics panel.
#[component]
pub fn Metrics() -> impl IntoView {
    let d = expect_context::<Driver>();
    let counter =
        move |name: &'static str, label: &'static str, help: &'static str, f: fn(&Stats) -> u64| {
            view! {
                <div class="counter" title=help>
                    <dt>{label}</dt>
                    <dd data-counter=name>{move || d.stats.with(f)}</dd>
                </div>
            }
        };
    let status = |code: StatusCode| {
        view! {
            <div class="counter" class:error-code=code != StatusCode::Ok title=format!("Calls that ended with {}", code.as_str())>
                <dt>{code.as_str()}</dt>
                <dd data-status=code.as_str()>{move || d.stats.with(|s| s.total.status[code.idx()])}</dd>
            </div>
        }
    };
    let series = move |f: fn(&crate::sim::SeriesPoint) -> f64| {
        move || {
            d.stats.with(|s| {
                s.series
                    .iter()
                    .map(|p| (p.t_ms / 1000.0, f(p)))
                    .collect::<Vec<_>>()
            })
        }
    };
    let (thr, err) = (series(|p| p.throughput), series(|p| p.errors));
    let throughput = Signal::derive(move || {
        vec![
            Line {
                name: "done/s",
                class: "s1",
                points: thr(),
            },
            Line {
                name: "errors+lost/s",
                class: "s3",
                points: err(),
            },
        ]
    });
    let (p50, p90, p99) = (
        series(|p| p.p50_ms),
        series(|p| p.p90_ms),
        series(|p| p.p99_ms),
    );
    let latency = Signal::derive(move || {
        vec![
            Line {
                name: "p50",
                class: "s1",
                points: p50(),
            },
            Line {
                name: "p90",
                class: "s2",
                points: p90(),
            },
            Line {
                name: "p99",
                class: "s3",
                points: p99(),
            },
        ]
    });
    let (depth, lag, infl) = (
        series(|p| p.queue_depth as f64),
        series(|p| p.lag as f64),
        series(|p| p.in_flight as f64),
    );
    let backlog = Signal::derive(move || {
        vec![
            Line {
                name: "queue depth",
                class: "s1",
                points: depth(),
            },
            Line {
                name: "log lag",
                class: "s2",
                points: lag(),
            },
            Line {
                name: "in flight",
                class: "s4",
                points: infl(),
            },
        ]
    });
    view! {
        <h2>"Metrics"</h2>
        <dl class="counters" data-testid="counters">
            {counter("sent", "sent", "Requests sent (first attempts) and messages published", |s| s.total.sent)}
            {counter("delivered", "delivered", "Messages handed to a consumer or requests to a worker", |s| s.total.delivered)}
            {counter("in_flight", "in flight", "Messages on a link right now", |s| s.in_flight)}
            {counter("queued", "queued", "Messages waiting in queues, backlogs and buffers", |s| s.queued)}
            {counter("retried", "retried", "RPC retry attempts", |s| s.total.retried)}
            {counter("redelivered", "redelivered", "Messages delivered again after a crash, nack or lost ack", |s| s.total.redelivered)}
            {counter("duplicated", "duplicated", "Messages processed more than once", |s| s.total.duplicated)}
            {counter("lost", "lost", "Messages lost on links, at crashed nodes or by overflow", |s| s.total.lost_total())}
            {counter("dead_lettered", "dead-lettered", "Messages moved to a dead-letter queue", |s| s.total.dead_lettered)}
            {counter("errors", "errors", "Calls that ended with an error status", |s| s.total.errors())}
            {StatusCode::ALL.iter().map(|&c| status(c)).collect_view()}
        </dl>
        <LatencyTable/>
        <Comparison/>
        <div class="charts">
            <LineChart title="Throughput" unit="msg/s" lines=throughput testid="chart-throughput"/>
            <LineChart title="Latency percentiles" unit="ms" lines=latency testid="chart-latency"/>
            <LineChart title="Queue depth and lag" unit="messages" lines=backlog testid="chart-depth"/>
        </div>
    }
}

/// Latency percentiles of every node that measures them. The rows are built when a node
/// starts measuring (or the scenario changes); a metrics refresh only sets the figures.
#[component]
fn LatencyTable() -> impl IntoView {
    let d = expect_context::<Driver>();
    let names = Memo::new(move |_| {
        d.scenario.with(|s| {
            s.nodes
                .iter()
                .map(|n| (label(s, n), n.role.as_str()))
                .collect::<Vec<_>>()
        })
    });
    let measuring = Memo::new(move |_| {
        d.stats.with(|st| {
            st.latency
                .iter()
                .enumerate()
                .filter(|(_, l)| l.count > 0)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        })
    });
    let rows = move || {
        names.with(|names| {
            measuring
                .get()
                .into_iter()
                .map(|i| (i, names.get(i).cloned().unwrap_or_default()))
                .collect::<Vec<_>>()
        })
    };
    let row = move |(i, (name, role)): (usize, (String, &'static str))| {
        let what = if role == "client" {
            "call"
        } else {
            "end-to-end"
        };
        let l = Memo::new(move |_| {
            d.stats
                .with(|st| st.latency.get(i).cloned().unwrap_or_default())
        });
        view! {
            <tr data-latency=i>
                <th scope="row">{name}<span class="dim">{format!(" ({what})")}</span></th>
                <td><span class="fig">{move || l.with(|l| l.count)}</span></td>
                <td><span class="fig">{move || l.with(|l| ms(l.p50_ms))}</span></td>
                <td><span class="fig">{move || l.with(|l| ms(l.p90_ms))}</span></td>
                <td><span class="fig">{move || l.with(|l| ms(l.p99_ms))}</span></td>
            </tr>
        }
    };
    view! {
        <table class="latency">
            <caption>"Latency"</caption>
            <thead>
                <tr><th scope="col">"node"</th><th scope="col">"n"</th><th scope="col">"p50"</th><th scope="col">"p90"</th><th scope="col">"p99"</th></tr>
            </thead>
            <tbody><For each=rows key=|r| r.clone() children=row/></tbody>
        </table>
    }
}

fn label(_: &Scenario, n: &crate::scenario::Node) -> String {
    if n.label.is_empty() {
        n.id.clone()
    } else {
        n.label.clone()
    }
}

/// gRPC versus broker, for scenarios that run both side by side.
#[component]
fn Comparison() -> impl IntoView {
    let d = expect_context::<Driver>();
    let sides = Memo::new(move |_| {
        d.scenario.with(|s| {
            let client = s
                .nodes
                .iter()
                .position(|n| matches!(n.role, Role::Client(_)))?;
            let producer = s
                .nodes
                .iter()
                .position(|n| matches!(n.role, Role::Producer(_)))?;
            let group = s
                .nodes
                .iter()
                .position(|n| matches!(n.role, Role::ConsumerGroup(_)))?;
            let rtt = s
                .links
                .iter()
                .find(|l| l.a == s.nodes[producer].id || l.b == s.nodes[producer].id)
                .map_or(0.0, |l| 2.0 * l.latency_ms);
            let service = match &s.nodes[client].role {
                Role::Client(cl) => s.node_idx(&cl.target).unwrap_or(client),
                _ => client,
            };
            Some((client, producer, group, rtt, [client, service]))
        })
    });
    move || {
        let (c, p, g, rtt, rpc) = sides.get()?;
        let view = d.stats.with(|st| {
            let lat = |i: usize| st.latency.get(i).cloned().unwrap_or_default();
            let cnt = |i: usize| st.nodes.get(i).cloned().unwrap_or_default();
            let (lc, lg): (LatencySummary, LatencySummary) = (lat(c), lat(g));
            let (cc, cp, cg): (Counters, Counters, Counters) = (cnt(c), cnt(p), cnt(g));
            let broker_lost: u64 =
                st.nodes.iter().enumerate().filter(|(i, _)| !rpc.contains(i)).map(|(_, n)| n.lost_total()).sum();
            let rows = [
                ("latency p50", ms(lc.p50_ms), ms(lg.p50_ms)),
                ("latency p99", ms(lc.p99_ms), ms(lg.p99_ms)),
                ("completed", format!("{} OK calls", cc.status[0]), format!("{} processed", cg.processed)),
                (
                    "errors / loss",
                    format!("{} errors ({} UNAVAILABLE, {} DEADLINE_EXCEEDED)", cc.errors(), cc.status[3], cc.status[1]),
                    format!("{} lost, {} dead-lettered", broker_lost, cg.dead_lettered + cp.dead_lettered),
                ),
                ("duplicates", format!("{} retries", cc.retried), format!("{} duplicates, {} redelivered", cg.duplicated, cg.redelivered)),
                (
                    "what the caller experienced",
                    format!("waited for every answer: {} per call (p50); saw every failure", ms(lc.p50_ms)),
                    format!("handed off after the broker's confirm (≈{}); never sees processing or its failures", ms(rtt)),
                ),
            ];
            rows.into_iter()
                .map(|(k, a, b)| view! { <tr><th scope="row">{k}</th><td>{a}</td><td>{b}</td></tr> })
                .collect_view()
        });
        Some(view! {
            <table class="comparison" data-testid="comparison">
                <caption>"Side by side: the same arrivals through gRPC and through a broker"</caption>
                <thead><tr><th scope="col"></th><th scope="col">"gRPC client"</th><th scope="col">"broker consumers"</th></tr></thead>
                <tbody>{view}</tbody>
            </table>
        })
    }
}
