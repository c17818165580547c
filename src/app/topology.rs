//! The animated SVG topology: node cards with their instances and broker boxes, links,
//! and messages as dots moving along them at the current virtual time.

use super::dots::{DotCanvas, DotHits};
use super::driver::{Driver, DOT_CAP};
use super::flights::{kind_label, shape, BundleBadge, BurstMark};
use super::layout::{instance_count, Layout, LinkGeom, Rect, LOG_HEAD_H, NODE_W};
use crate::scenario::{Fault, LinkState, Role};
use crate::sim::{InstanceView, MsgKind};
use leptos::prelude::*;

/// `performance.mark` set when the topology is first in the document (read by
/// `scripts/bench` with `performance.getEntriesByName`).
pub const TOPOLOGY_MARK: &str = "msgflow:topology-rendered";

/// Width below which the flow is drawn top to bottom.
const NARROW_PX: f64 = 640.0;

fn is_narrow() -> bool {
    window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < NARROW_PX)
}

/// Decides whether the flow is drawn top to bottom. The full view asks the window's width;
/// an embed provides its own rule (the shape of its frame) as context.
#[derive(Clone, Copy)]
pub struct NarrowRule(pub fn() -> bool);

/// What an instance of a role is called.
pub fn instance_noun(role: &str) -> &'static str {
    match role {
        "service" => "replica",
        "consumer_group" => "consumer",
        "broker" => "broker",
        "producer" => "producer",
        _ => "client",
    }
}

/// The topology canvas with its legend.
#[component]
pub fn Topology() -> impl IntoView {
    let d = expect_context::<Driver>();
    let rule = use_context::<NarrowRule>().map_or(is_narrow as fn() -> bool, |r| r.0);
    let narrow = RwSignal::new(rule());
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        let n = rule();
        if narrow.get_untracked() != n {
            narrow.set(n);
        }
    });
    on_cleanup(move || resize.remove());
    let layout = Memo::new(move |_| d.scenario.with(|s| Layout::of(s, narrow.get())));
    provide_context(layout);
    // Effects run once the view is mounted: the nodes are in the document by then.
    Effect::new(move |_| {
        if let Some(p) = window().performance() {
            let _ = p.mark(TOPOLOGY_MARK);
        }
    });
    let node_keys = move || {
        d.scenario.with(|s| {
            let epoch = d.epoch.get();
            s.nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let parts = match &n.role {
                        Role::Broker(b) => b.logs.iter().map(|l| l.partitions as usize).sum(),
                        _ => 0,
                    };
                    (epoch, i, instance_count(&n.role), parts, narrow.get())
                })
                .collect::<Vec<_>>()
        })
    };
    // The app provides one (the export draws what it holds); the embed does not.
    let hits = use_context::<DotHits>().unwrap_or_else(|| {
        let h = DotHits::new();
        provide_context(h);
        h
    });
    let svg = NodeRef::<leptos::svg::Svg>::new();
    let over_dot = RwSignal::new(false);
    let dot_at = move |ev: &leptos::ev::MouseEvent| {
        let el = svg.get_untracked()?;
        layout.with_untracked(|l| hits.under(ev, &el, l))
    };
    view! {
        <div class="canvas-wrap">
            <div
                class="stage"
                style:max-width=move || layout.with(|l| format!("{:.0}px", l.width * 1.25))
            >
            <svg
                node_ref=svg
                class="topology"
                class:over-dot=move || over_dot.get()
                data-testid="topology"
                viewBox=move || layout.with(|l| format!("0 0 {:.0} {:.0}", l.width, l.height))
                role="group"
                aria-label="Topology: nodes, links and messages in flight"
                on:click:capture=move |ev| {
                    // A message drawn over a node or link takes the click.
                    if let Some(f) = dot_at(&ev) {
                        ev.stop_propagation();
                        ev.prevent_default();
                        d.select(f.origin, f.kind, f.id);
                    }
                }
                on:pointermove=move |ev| {
                    let over = dot_at(&ev).is_some();
                    if over_dot.get_untracked() != over {
                        over_dot.set(over);
                    }
                }
            >
                <g class="bands">
                    {move || {
                        layout.with(|l| {
                            if l.bands.len() < 2 {
                                return Vec::new();
                            }
                            l.bands
                                .iter()
                                .enumerate()
                                .map(|(i, b)| {
                                    let line = (i > 0).then(|| {
                                        view! { <line class="band-sep" x1="0" x2=l.width y1=b.y - 6.0 y2=b.y - 6.0></line> }
                                    });
                                    view! {
                                        {line}
                                        <text class="band-title" x=b.x y=b.y + 13.0>{b.title.clone()}</text>
                                    }
                                })
                                .collect::<Vec<_>>()
                        })
                    }}
                </g>
                <g class="links">
                    <For each=move || layout.with(|l| l.links.clone()) key=|l| (l.idx, l.p1.0 as i64, l.p1.1 as i64, l.p2.0 as i64, l.p2.1 as i64) children=move |l| view! { <LinkLine link=l/> }/>
                </g>
                <g class="nodes">
                    <For each=node_keys key=|k| *k children=move |k| view! { <NodeCard idx=k.1/> }/>
                </g>
                <g class="bursts">
                    <For each=move || d.bursts.get() key=|b| b.flight.id children=move |b| view! { <BurstMark burst=b/> }/>
                </g>
                <g class="bundles">
                    <For each=move || d.bundles.get() key=|b| (b.a, b.b, b.count) children=move |b| view! { <BundleBadge bundle=b/> }/>
                </g>
            </svg>
            <DotCanvas/>
            </div>
            <Show when=move || { d.dot_stride.get() > 1 }>
                <p class="note" data-testid="aggregate-note">
                    {move || format!(
                        "{} messages in flight: more than {DOT_CAP}, so one in {} is drawn and each link shows its count.",
                        d.in_flight.get(),
                        d.dot_stride.get()
                    )}
                </p>
            </Show>
            <Legend/>
        </div>
    }
}

/// The legend of message kinds and node states.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            {MsgKind::ALL
                .iter()
                .map(|&k| {
                    view! {
                        <li>
                            <svg class="legend-icon" viewBox="-9 -9 18 18" aria-hidden="true">
                                <g class=format!("flight k-{}", k.as_str())>{shape(k)}</g>
                            </svg>
                            {kind_label(k)}
                        </li>
                    }
                })
                .collect_view()}
            <li><span class="swatch busy" aria-hidden="true"></span>"busy"</li>
            <li><span class="swatch down" aria-hidden="true">"✕"</span>"crashed"</li>
            <li><span class="swatch cut" aria-hidden="true"></span>"cut link"</li>
        </ul>
    }
}

/// A link; click or Enter to cut or heal it.
#[component]
fn LinkLine(
    /// The link's geometry.
    link: LinkGeom,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let idx = link.idx;
    let cut = Memo::new(move |_| {
        d.scenario
            .with(|s| s.links.get(idx).is_some_and(|l| l.state == LinkState::Cut))
    });
    let names = d.scenario.with_untracked(|s| {
        let l = &s.links[idx];
        let name = |id: &str| {
            s.nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| {
                    if n.label.is_empty() {
                        n.id.clone()
                    } else {
                        n.label.clone()
                    }
                })
                .unwrap_or_default()
        };
        (
            l.a.clone(),
            l.b.clone(),
            format!("{} – {}", name(&l.a), name(&l.b)),
        )
    });
    let (a, b, title) = names;
    let toggle = move || {
        let f = if cut.get_untracked() {
            Fault::Heal {
                a: a.clone(),
                b: b.clone(),
            }
        } else {
            Fault::Cut {
                a: a.clone(),
                b: b.clone(),
            }
        };
        let _ = d.fault(f);
    };
    let toggle2 = toggle.clone();
    let ((x1, y1), (x2, y2)) = (link.p1, link.p2);
    // A 16-px-wide clickable band around the line (a line's box has no height).
    let len = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt().max(1.0);
    let (nx, ny) = (-(y2 - y1) / len * 8.0, (x2 - x1) / len * 8.0);
    let hit = format!(
        "M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z",
        x1 + nx,
        y1 + ny,
        x2 + nx,
        y2 + ny,
        x2 - nx,
        y2 - ny,
        x1 - nx,
        y1 - ny
    );
    view! {
        <g
            class="link"
            class:cut=move || cut.get()
            data-link=idx
            data-cut=move || cut.get().to_string()
            tabindex="0"
            role="button"
            aria-label=move || format!("link {title}, {}; activate to {}", if cut.get() { "cut" } else { "up" }, if cut.get() { "heal" } else { "cut" })
            on:click=move |_| toggle()
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    toggle2();
                }
            }
        >
            <path class="link-hit" d=hit></path>
            <line class="link-line" x1=x1 y1=y1 x2=x2 y2=y2></line>
        </g>
    }
}

/// One node card.
#[component]
fn NodeCard(
    /// Index of the node in the scenario.
    idx: usize,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let layout = expect_context::<Memo<Layout>>();
    let (id, label, role, per_instance) = d.scenario.with_untracked(|s| {
        let n = &s.nodes[idx];
        let label = if n.label.is_empty() {
            n.id.clone()
        } else {
            n.label.clone()
        };
        (
            n.id.clone(),
            label,
            n.role.as_str(),
            matches!(n.role, Role::Service(_) | Role::ConsumerGroup(_)),
        )
    });
    let geom = layout.with_untracked(|l| l.nodes[idx].clone());
    let Rect { x, y, w, h } = geom.rect;
    let narrow_card = w < NODE_W;
    let up = Memo::new(move |_| d.nodes.with(|v| v.get(idx).is_none_or(|n| n.up)));
    let tutor = use_context::<super::lesson::Tutor>();
    let hl_id = id.clone();
    let insts = geom
        .inst
        .iter()
        .enumerate()
        .map(|(i, r)| view! { <InstanceRow node=idx inst=i rect=*r node_id=id.clone() label=label.clone() role=role per_instance=per_instance/> })
        .collect_view();
    let boxes = geom
        .boxes
        .iter()
        .enumerate()
        .map(|(i, r)| view! { <BrokerBox node=idx b=i rect=*r part_h=geom.part_h/> })
        .collect_view();
    view! {
        <g
            class=format!("node role-{role}")
            class:down=move || !up.get()
            class:lesson-hl=move || tutor.is_some_and(|t| t.has(&hl_id))
            data-node=id.clone()
            data-role=role
            transform=format!("translate({x:.1} {y:.1})")
            role="group"
            aria-label=label.clone()
        >
            <rect class="node-bg" width=w height=h rx="8"></rect>
            <text class="node-label" x="10" y="17">{label.clone()}</text>
            {(label.chars().count() < if narrow_card { 9 } else { 15 }).then(|| view! { <text class="node-role" x=w - 10.0 y="17">{role.replace('_', " ")}</text> })}
            {insts}
            {boxes}
        </g>
    }
}

fn instance_detail(role: &str, v: &InstanceView) -> String {
    if !v.up {
        return "crashed".into();
    }
    match role {
        "service" => {
            let mut s = if v.busy > 0 {
                format!("busy {}", v.busy)
            } else {
                "idle".into()
            };
            if v.waiting > 0 {
                s += &format!(" · {} waiting", v.waiting);
            }
            s
        }
        "consumer_group" => {
            let mut s = if v.busy > 0 {
                "busy".to_string()
            } else {
                "idle".into()
            };
            if v.outstanding > 0 {
                // With automatic acks the broker already forgot them: only the consumer
                // holds them (a crash loses them).
                let what = if v.auto_ack { "held" } else { "unacked" };
                s += &format!(" · {} {what}", v.outstanding);
            }
            if !v.partitions.is_empty() {
                let p: Vec<String> = v.partitions.iter().map(|p| format!("p{p}")).collect();
                s += &format!(" · {}", p.join(","));
            }
            s
        }
        "client" => format!(
            "{} open call{}",
            v.outstanding,
            if v.outstanding == 1 { "" } else { "s" }
        ),
        "producer" => {
            if v.outstanding > 0 {
                format!("{} unconfirmed", v.outstanding)
            } else {
                "running".into()
            }
        }
        _ => "running".into(),
    }
}

/// One replica, consumer or single instance; click or Enter/Space to crash or restart it.
#[component]
fn InstanceRow(
    /// Node index.
    node: usize,
    /// Instance index.
    inst: usize,
    /// Row geometry relative to the card.
    rect: Rect,
    /// Scenario id of the node.
    node_id: String,
    /// Node label.
    label: String,
    /// Role name.
    role: &'static str,
    /// Faults address this instance rather than the whole node.
    per_instance: bool,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    // Without the processed count, which the row does not show: it changes at every refresh
    // and would re-run every closure below.
    let v = Memo::new(move |_| {
        d.nodes.with(|n| {
            n.get(node)
                .and_then(|n| n.instances.get(inst))
                .map(|i| InstanceView {
                    processed: 0,
                    ..i.clone()
                })
                .unwrap_or_default()
        })
    });
    let noun = instance_noun(role);
    let name = if per_instance {
        format!("{label} {noun} {}", inst + 1)
    } else {
        label.clone()
    };
    let id_attr = node_id.clone();
    let toggle = move || {
        let instance = per_instance.then_some(inst as u32);
        let node = node_id.clone();
        let f = if v.get_untracked().up {
            Fault::Crash { node, instance }
        } else {
            Fault::Restart { node, instance }
        };
        let _ = d.fault(f);
    };
    let toggle2 = toggle.clone();
    let Rect { x, y, w, h } = rect;
    let text = h >= 14.0;
    let short = if per_instance {
        format!("{}{}", if role == "service" { "R" } else { "C" }, inst + 1)
    } else {
        String::new()
    };
    view! {
        <g
            class="inst"
            class:busy=move || v.with(|v| v.up && v.busy > 0)
            class:down=move || v.with(|v| !v.up)
            data-node=id_attr
            data-inst=inst
            data-up=move || v.with(|v| v.up.to_string())
            data-busy=move || v.with(|v| v.busy)
            data-outstanding=move || v.with(|v| v.outstanding)
            tabindex="0"
            role="button"
            aria-label=move || {
                v.with(|v| {
                    format!("{name}, {}; activate to {}", instance_detail(role, v), if v.up { "crash" } else { "restart" })
                })
            }
            on:click=move |_| toggle()
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    toggle2();
                }
            }
        >
            <rect class="inst-bg" x=x y=y width=w height=h rx="4"></rect>
            {text
                .then(|| {
                    view! {
                        <text class="inst-name" x=x + 6.0 y=y + h / 2.0 + 3.5>{short.clone()}</text>
                        <text class="inst-detail" x=x + w - 6.0 y=y + h / 2.0 + 3.5>
                            {move || v.with(|v| instance_detail(role, v))}
                        </text>
                    }
                })}
            <Show when=move || v.with(|v| !v.up)>
                <path class="x-mark" d=format!("M{a},{b} l{s},{s} M{c},{b} l-{s},{s}", a = x + w / 2.0 - h * 0.3, b = y + h * 0.2, c = x + w / 2.0 + h * 0.3, s = h * 0.6)></path>
            </Show>
        </g>
    }
}

/// A queue, log or exchange inside a broker. Its elements are built once per kind, name and
/// partition count; a refresh of the node states only sets the numbers, texts and bar widths
/// that changed (a rebuilt view would set every attribute of every element again).
#[component]
fn BrokerBox(
    /// Node index of the broker.
    node: usize,
    /// Box index (queues, then logs, then exchanges).
    b: usize,
    /// Geometry relative to the card.
    rect: Rect,
    /// Height of one partition row.
    part_h: f64,
) -> impl IntoView {
    let d = expect_context::<Driver>();
    let v = Memo::new(move |_| {
        d.nodes.with(|n| {
            n.get(node)
                .and_then(|n| n.boxes.get(b).cloned())
                .unwrap_or_default()
        })
    });
    let Rect { x, y, w, h } = rect;
    let kind = v.with_untracked(|v| v.kind);
    // What the elements are: a change of it builds them again.
    let shape = Memo::new(move |_| v.with(|v| (v.kind, v.name.clone(), v.partitions.len())));
    let body = move || -> AnyView {
        let (kind, name, parts) = shape.get();
        match kind {
            "queue" => {
                let depth = Memo::new(move |_| v.with(|v| v.depth));
                let frac = Memo::new(move |_| (depth.get() as f64 / 50.0).min(1.0));
                let detail = move || {
                    v.with(|bv| {
                        format!(
                            "{} ready · {} unacked{}",
                            bv.depth,
                            bv.unacked,
                            if bv.dead_letters > 0 { format!(" · DLQ {}", bv.dead_letters) } else { String::new() }
                        )
                    })
                };
                view! {
                    <text class="box-name" x=x + 6.0 y=y + 13.0>{format!("▤ {name}")}</text>
                    <text class="box-num" x=x + w - 6.0 y=y + 13.0 data-depth=move || depth.get()>{move || depth.get()}</text>
                    <rect class="depth-track" x=x + 6.0 y=y + 18.0 width=w - 12.0 height="6" rx="3"></rect>
                    <rect class="depth-bar" class:full={move || frac.get() >= 1.0} x=x + 6.0 y=y + 18.0 width=move || (w - 12.0) * frac.get() height="6" rx="3"></rect>
                    <text class="box-detail" x=x + 6.0 y=y + 34.0>{detail}</text>
                }
                .into_any()
            }
            "log" => {
                let rows = (0..parts)
                    .map(|p| {
                        let pv = Memo::new(move |_| v.with(|v| v.partitions.get(p).cloned().unwrap_or_default()));
                        let frac = Memo::new(move |_| {
                            pv.with(|pv| (pv.end.saturating_sub(pv.committed) as f64 / 20.0).min(1.0))
                        });
                        let py = y + LOG_HEAD_H + p as f64 * part_h;
                        let label = (part_h >= 12.0).then(|| {
                            view! {
                                <text class="part-text" x=x + 6.0 y=py + 10.0>
                                    {move || {
                                        pv.with(|pv| {
                                            let owner = pv.owner.map_or("—".to_string(), |o| format!("C{}", o + 1));
                                            format!("p{p}  end {} · commit {} · {owner}", pv.end, pv.committed)
                                        })
                                    }}
                                </text>
                            }
                        });
                        view! {
                            <rect class="part-bg" x=x + 2.0 y=py width=w - 4.0 height=part_h - 1.0 rx="2"></rect>
                            <rect class="lag-bar" x=move || x + w - 4.0 - 30.0 * frac.get() y=py + 1.0 width=move || 30.0 * frac.get() height=(part_h - 3.0).max(1.0)></rect>
                            {label}
                        }
                    })
                    .collect_view();
                view! {
                    <text class="box-name" x=x + 6.0 y=y + 14.0>{format!("☰ {name} (log)")}</text>
                    <text class="box-num" x=x + w - 6.0 y=y + 14.0>{move || format!("lag {}", v.with(|v| v.depth))}</text>
                    {rows}
                }
                .into_any()
            }
            _ => view! { <text class="box-name" x=x + 6.0 y=y + 16.0>{format!("⇉ {name} (exchange)")}</text> }.into_any(),
        }
    };
    view! {
        <g class=format!("box box-{kind}") data-box=b>
            <rect class="box-bg" x=x y=y width=w height=h rx="4"></rect>
            {body}
        </g>
    }
}
