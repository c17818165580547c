//! Accessibility helpers: keyboard shortcuts and a throttled aria-live announcer.

use super::driver::{Driver, Notices};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Wall milliseconds between two announcements.
const ANNOUNCE_MS: u32 = 2_500;

/// Space plays or pauses and → steps, unless focus is on a control that uses those keys.
pub fn install_shortcuts(d: Driver) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.default_prevented() || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let busy_target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| {
                let tag = el.tag_name().to_ascii_uppercase();
                matches!(
                    tag.as_str(),
                    "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "A" | "OPTION"
                ) || el.get_attribute("role").is_some_and(|r| r == "button")
            });
        if busy_target {
            return;
        }
        match ev.key().as_str() {
            " " | "Spacebar" => {
                ev.prevent_default();
                d.toggle_play();
            }
            "ArrowRight" => {
                ev.prevent_default();
                d.step();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

fn sentence(n: Notices) -> String {
    let mut parts = n.lines;
    if n.dead > 0 {
        parts.push(format!("{} dead-lettered", n.dead));
    }
    if n.failed > 0 {
        parts.push(format!("{} calls failed", n.failed));
    }
    if n.lost > 0 {
        parts.push(format!("{} messages lost", n.lost));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}.", parts.join("; "))
    }
}

/// A polite live region announcing crashes, dead letters and error bursts at a readable rate.
#[component]
pub fn Announcer() -> impl IntoView {
    let d = expect_context::<Driver>();
    let text = RwSignal::new(String::new());
    let interval = Interval::new(ANNOUNCE_MS, move || {
        let Some(n) = d.notices.try_update_value(std::mem::take) else {
            return;
        };
        let s = sentence(n);
        if !s.is_empty() {
            text.set(s);
        }
    });
    let interval = StoredValue::new_local(Some(interval));
    on_cleanup(move || {
        interval.try_update_value(|i| i.take().map(Interval::cancel));
    });
    view! {
        <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">{move || text.get()}</div>
        <div class="notice" role="status" data-testid="notice">{move || d.notice.get()}</div>
    }
}
