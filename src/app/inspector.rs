//! The message inspector: the journey of one message and its payload (protobuf fields,
//! hex bytes with the gRPC frame header marked, JSON, sizes).

use super::driver::Driver;
use super::flights::kind_label;
use crate::payload::{self, PayloadKind};
use crate::scenario::Scenario;
use crate::sim::journey::Step;
use crate::sim::{Endpoint, MsgKind};
use leptos::prelude::*;

/// Name of an endpoint: node label plus instance or box.
pub fn endpoint_name(s: &Scenario, ep: Endpoint) -> String {
    let Some(n) = s.nodes.get(ep.node as usize) else {
        return format!("node {}", ep.node);
    };
    let label = if n.label.is_empty() {
        n.id.clone()
    } else {
        n.label.clone()
    };
    match &n.role {
        crate::scenario::Role::Service(_) => format!("{label} R{}", ep.inst + 1),
        crate::scenario::Role::ConsumerGroup(_) => format!("{label} C{}", ep.inst + 1),
        crate::scenario::Role::Broker(b) => {
            let names: Vec<&str> = b
                .queues
                .iter()
                .map(|q| q.name.as_str())
                .chain(b.logs.iter().map(|l| l.name.as_str()))
                .chain(b.exchanges.iter().map(|e| e.name.as_str()))
                .collect();
            names
                .get(ep.inst as usize)
                .map_or(label.clone(), |q| format!("{label}/{q}"))
        }
        _ => label,
    }
}

fn describe(s: &Scenario, step: &Step) -> String {
    let n = |ep: &Endpoint| endpoint_name(s, *ep);
    match step {
        Step::Created { at, key } => format!("created at {} (key {key})", n(at)),
        Step::Sent {
            kind,
            from,
            to,
            bytes,
            ..
        } => format!(
            "{} sent {} → {} ({bytes} B)",
            kind_label(*kind),
            n(from),
            n(to)
        ),
        Step::Queued { at } => format!("queued at {}", n(at)),
        Step::Delivered { at, attempt } => format!("delivered to {} (delivery {attempt})", n(at)),
        Step::Processed { at } => format!("processed at {}", n(at)),
        Step::Acked => "acknowledged".into(),
        Step::Nacked { requeue } => format!(
            "rejected ({})",
            if *requeue { "requeue" } else { "no requeue" }
        ),
        Step::Retried { attempt } => format!("retry: attempt {attempt}"),
        Step::Requeued => "back in the queue for redelivery".into(),
        Step::DeadLettered => "moved to the dead-letter queue".into(),
        Step::Expired => "time to live ran out".into(),
        Step::Lost { reason } => format!("lost ({})", reason.as_str().replace('_', " ")),
        Step::Status { code } => format!("call ended: {}", code.as_str()),
        Step::Confirmed => "publish confirmed by the broker".into(),
        Step::Republished => "re-published (no confirm in time)".into(),
    }
}

fn payload_kind(k: MsgKind) -> (PayloadKind, bool) {
    match k {
        MsgKind::Request | MsgKind::Retry => (PayloadKind::OrderRequest, true),
        MsgKind::Response | MsgKind::Error => (PayloadKind::OrderReply, true),
        MsgKind::Event => (PayloadKind::OrderPlaced, false),
        MsgKind::Ack => (PayloadKind::Ack, false),
    }
}

/// The inspector panel.
#[component]
pub fn Inspector() -> impl IntoView {
    let d = expect_context::<Driver>();
    let body = move || {
        let Some(sel) = d.selected.get() else {
            return view! {
                <p class="empty" data-testid="inspector-empty">
                    "Click a moving message or an event-log row to follow its journey and see its bytes."
                </p>
            }
            .into_any();
        };
        // Refresh the journey with the metrics (a few times a second).
        d.stats.track();
        let (steps, key, truncated) = d.with_engine(|e| {
            let s = e.scenario();
            e.journey(sel.origin).map_or((Vec::new(), 0, 0), |j| {
                let key = j.steps.iter().find_map(|(_, st)| match st {
                    Step::Created { key, .. } => Some(*key),
                    _ => None,
                });
                let steps: Vec<(f64, String)> = j
                    .steps
                    .iter()
                    .map(|(t, st)| (t.as_ms(), describe(s, st)))
                    .collect();
                (steps, key.unwrap_or(0), j.truncated)
            })
        });
        let (pk, grpc) = payload_kind(sel.kind);
        let pv = payload::inspect(pk, sel.origin, key, grpc);
        let bytes = pv
            .grpc_frame
            .clone()
            .unwrap_or_else(|| pv.proto_bytes.clone());
        let hex = bytes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let hdr = grpc && i < 5;
                let title = if !hdr {
                    ""
                } else if i == 0 {
                    "gRPC frame: compressed flag"
                } else {
                    "gRPC frame: message length (big-endian)"
                };
                view! { <span class="byte" class:frame-hdr=hdr title=title>{format!("{b:02x}")}</span> }
            })
            .collect_view();
        let fields = pv
            .fields
            .iter()
            .map(|(k, v)| view! { <tr><th scope="row">{k.clone()}</th><td>{v.clone()}</td></tr> })
            .collect_view();
        let journey = steps
            .into_iter()
            .map(|(t, text)| view! { <li><span class="t">{format!("{t:.2} ms")}</span>" "{text}</li> })
            .collect_view();
        let frame_len = pv.grpc_frame.as_ref().map(Vec::len);
        view! {
            <div class="inspector-head">
                <p>
                    <strong>{format!("Message #{}", sel.origin)}</strong>
                    {format!(" · {} · {}", kind_label(sel.kind), pv.type_name)}
                </p>
                <button class="btn small" data-testid="inspector-close" on:click=move |_| d.selected.set(None)>"Close"</button>
            </div>
            <h3>"Journey"</h3>
            <ol class="journey" data-testid="journey">
                {journey}
                {(truncated > 0).then(|| view! { <li class="dim">{format!("… {truncated} more steps")}</li> })}
            </ol>
            <h3>"Payload"</h3>
            <table class="fields" data-testid="fields">
                <thead><tr><th scope="col">"field"</th><th scope="col">"value"</th></tr></thead>
                <tbody>{fields}</tbody>
            </table>
            <p class="sizes" data-testid="sizes">
                {format!("protobuf {} B", pv.proto_len)}
                {frame_len.map(|n| format!(" · gRPC frame {n} B"))}
                {format!(" · JSON {} B", pv.json_len)}
            </p>
            <div class="hex" data-testid="hex" aria-label="Bytes on the wire, hexadecimal">{hex}</div>
            {grpc.then(|| view! { <p class="dim"><span class="byte frame-hdr">"00"</span>" marked bytes: the 5-byte gRPC frame header (compressed flag, 4-byte length)."</p> })}
            <h3>"JSON equivalent"</h3>
            <pre class="json" data-testid="json">{pv.json.clone()}</pre>
        }
        .into_any()
    };
    view! {
        <h2>"Message inspector"</h2>
        <div class="inspector" data-testid="inspector">{body}</div>
    }
}
