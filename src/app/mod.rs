//! The Leptos playground: a thin picture of the engine.
//!
//! - [`driver`]: owns the engine, runs the animation loop, publishes signals.
//! - [`topology`] (+ [`layout`], [`flights`], [`dots`]): the SVG picture with messages on a
//!   canvas over it; click to inject faults or inspect a message.
//! - [`controls`], [`params`]: time controls, failures and live parameters.
//! - [`metrics`] (+ [`charts`]), [`inspector`], [`log`]: what happened.
//! - [`a11y`], [`panic`]: keyboard shortcuts, announcements, the fatal-error box.

mod a11y;
mod charts;
mod controls;
mod dots;
mod driver;
mod flights;
mod inspector;
mod layout;
mod log;
mod metrics;
mod panic;
mod params;
mod topology;

pub use dots::{fit, hit};
pub use driver::{lod_stride, sampled, Driver, DOT_CAP};
pub use layout::Layout;

use leptos::prelude::*;

/// Remembers the run in the URL (`?mode=…&seed=…`) and for the panic box.
pub(crate) fn remember(mode: &str, seed: u64) {
    panic::remember(mode, seed);
    if let Ok(h) = window().history() {
        let _ = h.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("?mode={mode}&seed={seed}")),
        );
    }
}

/// Mode, seed and speed from the address (`?mode=work-queue&seed=7&speed=1`).
fn from_url() -> (String, u64, Option<f64>) {
    let search = window().location().search().unwrap_or_default();
    let q = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let get = |k: &str| q.as_ref().and_then(|q| q.get(k));
    let mode = get("mode").unwrap_or_else(|| "request-response".into());
    let seed = get("seed").and_then(|s| s.parse().ok()).unwrap_or(42);
    let speed = get("speed")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| (0.1..=100.0).contains(s));
    (mode, seed, speed)
}

/// The whole playground.
#[component]
pub fn App() -> impl IntoView {
    panic::install();
    let (mode, seed, speed) = from_url();
    let d = Driver::new(&mode, seed);
    panic::remember(d.mode.get_untracked(), seed);
    if let Some(s) = speed {
        d.speed.set(s);
    }
    provide_context(d);
    d.start();
    a11y::install_shortcuts(d);
    let description = move || d.scenario.with(|s| s.description.clone());
    view! {
        <div class="app">
            <header class="top">
                <div class="brand">
                    <h1>"Message flow playground"</h1>
                    <controls::ModePicker/>
                </div>
                <controls::TimeControls/>
            </header>
            <Show when=move || d.error.get().is_some()>
                <div class="error-box" role="alert" data-testid="engine-error">
                    <p>{move || d.error.get()}{move || format!(" (seed {})", d.seed.get())}</p>
                    <button class="btn primary" on:click=move |_| d.reset()>"Reset"</button>
                </div>
            </Show>
            <main class="layout">
                <section class="panel canvas-panel" aria-labelledby="topology-title">
                    <div class="panel-head">
                        <h2 id="topology-title">{move || controls::mode_title(d.mode.get())}</h2>
                        <p class="description">{description}</p>
                    </div>
                    <controls::FaultButtons/>
                    <topology::Topology/>
                </section>
                <aside class="panel params-panel" aria-label="Parameters">
                    <params::Params/>
                </aside>
                <section class="panel metrics-panel" aria-label="Metrics">
                    <metrics::Metrics/>
                </section>
                <section class="panel inspector-panel" aria-label="Message inspector">
                    <inspector::Inspector/>
                </section>
                <section class="panel log-panel" aria-label="Event log">
                    <log::EventLog/>
                </section>
            </main>
            <a11y::Announcer/>
        </div>
    }
}
