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
    // Index of the first row in the document.
    let first = RwSignal::new(0usize);
    // Off screen, the rows are not refreshed: a long run churns all of them four times a
    // second, and laying out their new text is the costliest refresh of a frame.
    let list = NodeRef::<leptos::html::Ol>::new();
    watch_on_screen(list, move |shown| d.show_log(shown));
    let rows = Memo::new(move |_| {
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
    });
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
        // Only the rows in view (and a few more) are in the document, as slots whose text
        // changes when the log refreshes: a busy run replaces all 200 rows 4 times a second,
        // and rebuilding or retexting them all costs more than a frame.
        <ol
            node_ref=list
            class="log"
            data-testid="log"
            aria-label="Events, newest first"
            on:scroll=move |ev| {
                let top = event_target::<web_sys::Element>(&ev).scroll_top().max(0);
                let f = (f64::from(top) / ROW_PX) as usize;
                if first.get_untracked() != f {
                    first.set(f);
                }
            }
        >
            // Spacers stand in for the rows above and below, so the list scrolls as if all
            // of them were there.
            <li class="log-spacer" aria-hidden="true" style:height=move || format!("{}px", first.get() as f64 * ROW_PX)></li>
            <For
                each=move || 0..WINDOW.min(rows.with(Vec::len).saturating_sub(first.get()))
                key=|i| *i
                children=move |i| view! { <Row rows=rows first=first i=i/> }
            />
            <li
                class="log-spacer"
                aria-hidden="true"
                style:height=move || {
                    let below = rows.with(Vec::len).saturating_sub(first.get() + WINDOW);
                    format!("{}px", below as f64 * ROW_PX)
                }
            ></li>
        </ol>
    }
}

/// Height of a row in CSS pixels (`.log > li` in style.css).
/// Calls `f` with whether `el` is on screen, now and at every change, until cleanup. Without
/// IntersectionObserver the element counts as on screen.
fn watch_on_screen(el: NodeRef<leptos::html::Ol>, f: impl Fn(bool) + Copy + Send + Sync + 'static) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let kept = StoredValue::new_local(
        None::<(
            web_sys::IntersectionObserver,
            Closure<dyn Fn(js_sys::Array)>,
        )>,
    );
    Effect::new(move |_| {
        let Some(target) = el.get() else { return };
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(e) = entries
                .iter()
                .last()
                .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
            {
                f(e.is_intersecting());
            }
        });
        match web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()) {
            Ok(o) => {
                o.observe(&target);
                kept.set_value(Some((o, callback)));
            }
            Err(_) => f(true),
        }
    });
    on_cleanup(move || {
        if let Some(Some((o, _))) = kept.try_update_value(Option::take) {
            o.disconnect();
        }
        f(true);
    });
}

const ROW_PX: f64 = 20.0;
/// Rows in the document: the 340-pixel list shows 17.
const WINDOW: usize = 24;

/// The event in slot `i` of the rows in the document (row `first + i` of the shown rows).
#[component]
fn Row(
    /// The shown rows.
    rows: Memo<Vec<LogRow>>,
    /// Index of the first row in the document.
    first: RwSignal<usize>,
    /// Slot.
    i: usize,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let row = Memo::new(move |_| rows.with(|r| r.get(first.get() + i).copied()));
    let position = move || first.get() + i + 1;
    let size = move || rows.with(Vec::len);
    let out = move || row.get().map(|r| r.out);
    let kind = move || out().map_or("", |o| o.kind.as_str());
    let kind_text = move || out().map(|o| o.kind.as_str().replace('_', " "));
    let time = move || out().map(|o| format!("{:.3} ms", o.t.as_ms()));
    let place = move || out().map(|o| d.scenario.with_untracked(|s| endpoint_name(s, o.at)));
    let msg = move || out().and_then(|o| (o.origin != 0).then(|| format!("#{}", o.origin)));
    let class = move || {
        if out().is_some_and(|o| bad(o.kind)) {
            "log-row bad"
        } else {
            "log-row"
        }
    };
    let inner = move || {
        view! {
            <span class="t">{time}</span>
            <span class="k">{kind_text}</span>
            <span class="w">{place}</span>
            <span class="m">{msg}</span>
        }
    };
    let has_message = Memo::new(move |_| out().is_some_and(|o| o.origin != 0));
    view! {
        <li data-kind=kind aria-posinset=position aria-setsize=size>
            {move || {
                if has_message.get() {
                    view! {
                        <button
                            class=class
                            on:click=move |_| {
                                if let Some(o) = row.get_untracked().map(|r| r.out) {
                                    d.select(o.origin, o.msg, o.id);
                                }
                            }
                        >
                            {inner()}
                        </button>
                    }
                    .into_any()
                } else {
                    view! { <div class=class>{inner()}</div> }.into_any()
                }
            }}
        </li>
    }
}
