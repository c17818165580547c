//! How messages look: the shape of each kind (the legend; `dots.rs` paints the same shapes
//! on the canvas), where a message is along its link at a virtual time, bursts where lost
//! messages vanish, and counted bundles when too many are in flight.

use super::driver::{Bundle, Burst};
use super::layout::Layout;
use crate::sim::{Flight, MsgKind, LOSS_POINT};
use leptos::prelude::*;

/// The drawn shape of a message kind (colour comes from CSS).
pub fn shape(kind: MsgKind) -> AnyView {
    match kind {
        MsgKind::Request => view! { <circle class="shape" r="5"></circle> }.into_any(),
        MsgKind::Retry => view! {
            <circle class="shape" r="4"></circle>
            <circle class="ring" r="7.5"></circle>
        }
        .into_any(),
        MsgKind::Response => {
            view! { <rect class="shape" x="-4.5" y="-4.5" width="9" height="9"></rect> }.into_any()
        }
        MsgKind::Error => {
            view! { <path class="shape" d="M0,-6.5 L6,4.5 L-6,4.5 Z"></path> }.into_any()
        }
        MsgKind::Event => {
            view! { <path class="shape" d="M0,-6.5 L6.5,0 L0,6.5 L-6.5,0 Z"></path> }.into_any()
        }
        MsgKind::Ack => {
            view! { <path class="tick" d="M-4.5,0 L-1.5,3.5 L4.5,-4"></path> }.into_any()
        }
    }
}

/// Human name of a message kind.
pub fn kind_label(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::Request => "request",
        MsgKind::Retry => "retry",
        MsgKind::Response => "response",
        MsgKind::Error => "error",
        MsgKind::Event => "event",
        MsgKind::Ack => "ack / confirm",
    }
}

/// Fraction of the way a message has travelled at `now` (reduced motion: 0 or the end).
pub(super) fn progress(f: &Flight, now: u64, reduced: bool) -> f64 {
    let span = f.arrive.0.saturating_sub(f.sent.0).max(1) as f64;
    let t = (now.saturating_sub(f.sent.0) as f64 / span).clamp(0.0, 1.0);
    let t = if reduced {
        if t < 0.5 {
            0.0
        } else {
            1.0
        }
    } else {
        t
    };
    if f.lost {
        t * LOSS_POINT
    } else {
        t
    }
}

/// A lost message bursting where it vanished.
#[component]
pub fn BurstMark(
    /// The burst.
    burst: Burst,
) -> impl IntoView {
    let layout = expect_context::<Memo<Layout>>();
    let f = burst.flight;
    let (x, y) = layout.with_untracked(|l| l.along(f.from, f.to, LOSS_POINT));
    view! {
        <g class="burst" transform=format!("translate({x:.1} {y:.1})") data-burst=f.id>
            <g class="burst-anim">
                <circle r="9"></circle>
                <path d="M-5,-5 L5,5 M5,-5 L-5,5"></path>
            </g>
        </g>
    }
}

/// A counted bundle of messages on one link.
#[component]
pub fn BundleBadge(
    /// The bundle.
    bundle: Bundle,
) -> impl IntoView {
    let layout = expect_context::<Memo<Layout>>();
    let pos = move || {
        layout.with(|l| {
            l.links
                .iter()
                .find(|g| (g.a.min(g.b), g.a.max(g.b)) == (bundle.a as usize, bundle.b as usize))
                .map_or((0.0, 0.0), |g| {
                    ((g.p1.0 + g.p2.0) / 2.0, (g.p1.1 + g.p2.1) / 2.0)
                })
        })
    };
    let label = format!("×{}", bundle.count);
    let w = 14.0 + 7.0 * label.chars().count() as f64;
    view! {
        <g class="bundle" data-bundle=bundle.count transform=move || { let (x, y) = pos(); format!("translate({x:.1} {y:.1})") }>
            <rect x=-w / 2.0 y="-10" width=w height="20" rx="10"></rect>
            <text y="4">{label}</text>
        </g>
    }
}
