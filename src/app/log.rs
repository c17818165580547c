//! The event log: the engine's notable outputs, newest first, filterable by node and kind;
//! rows with a message open it in the inspector.

use super::driver::{Driver, LogRow, LOG_CAP};
use super::inspector::endpoint_name;
use crate::sim::OutputKind;
use leptos::prelude::*;

const KINDS: [OutputKind; 16] = [
    OutputKind::Published,
    OutputKind::Processed,
    OutputKind::CallOk,
    OutputKind::CallFailed,
    OutputKind::Retried,
    OutputKind::Requeued,
    OutputKind::Duplicate,
    OutputKind::Lost,
    OutputKind::DeadLettered,
    OutputKind::Expired,
    OutputKind::Refused,
    OutputKind::Crashed,
    OutputKind::Restarted,
    OutputKind::LinkCut,
    OutputKind::LinkHealed,
    OutputKind::Rebalanced,
];

fn bad(k: OutputKind) -> bool {
    matches!(
        k,
        OutputKind::CallFailed
            | OutputKind::Lost
            | OutputKind::DeadLettered
            | OutputKind::Expired
            | OutputKind::Refused
            | OutputKind::Crashed
            | OutputKind::LinkCut
            | OutputKind::Duplicate
    )
}

/// The event log panel.
#[component]
pub fn EventLog() -> impl IntoView {
    let d = expect_context::<Driver>();
    let node = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    Effect::new(move |_| {
        d.epoch.track();
        node.set(String::new());
    });
    let rows = move || {
        let (nf, kf) = (node.get(), kind.get());
        let n: Option<u16> = nf.parse().ok();
        d.log.with(|l| {
            l.iter()
                .filter(|r| {
                    n.is_none_or(|n| r.out.at.node == n)
                        && (kf.is_empty() || r.out.kind.as_str() == kf)
                })
                .copied()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h2>"Event log"</h2>
        <div class="log-filters">
            <label>
                "Node "
                <select data-testid="log-node" prop:value=move || node.get() on:change=move |ev| node.set(event_target_value(&ev))>
                    <option value="">"all"</option>
                    {move || {
                        d.scenario.with(|s| {
                            s.nodes
                                .iter()
                                .enumerate()
                                .map(|(i, n)| {
                                    let label = if n.label.is_empty() { n.id.clone() } else { n.label.clone() };
                                    view! { <option value=i.to_string()>{label}</option> }
                                })
                                .collect_view()
                        })
                    }}
                </select>
            </label>
            <label>
                "Kind "
                <select data-testid="log-kind" prop:value=move || kind.get() on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"all"</option>
                    {KINDS.iter().map(|k| view! { <option value=k.as_str()>{k.as_str().replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <span class="dim">{format!("newest first, last {LOG_CAP}")}</span>
        </div>
        <ol class="log" data-testid="log" aria-label="Events, newest first">
            <For each=rows key=|r| r.seq children=move |r| view! { <Row row=r/> }/>
        </ol>
    }
}

/// One event.
#[component]
fn Row(
    /// The event.
    row: LogRow,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let o = row.out;
    let place = d.scenario.with_untracked(|s| endpoint_name(s, o.at));
    let text = format!(
        "{:>10.3} ms  {}  {}",
        o.t.as_ms(),
        o.kind.as_str().replace('_', " "),
        place
    );
    let msg = (o.origin != 0).then(|| format!("#{}", o.origin));
    let class = if bad(o.kind) {
        "log-row bad"
    } else {
        "log-row"
    };
    let inner = view! {
        <span class="t">{format!("{:.3} ms", o.t.as_ms())}</span>
        <span class="k">{o.kind.as_str().replace('_', " ")}</span>
        <span class="w">{place}</span>
        <span class="m">{msg}</span>
    };
    if o.origin != 0 {
        view! {
            <li data-kind=o.kind.as_str()>
                <button class=class aria-label=text on:click=move |_| d.select(o.origin, o.msg, o.id)>{inner}</button>
            </li>
        }
        .into_any()
    } else {
        view! { <li data-kind=o.kind.as_str()><div class=class>{inner}</div></li> }.into_any()
    }
}
