//! The Leptos playground: a thin picture of the engine.
//!
//! - [`driver`]: owns the engine, runs the animation loop, publishes signals.
//! - [`topology`] (+ [`layout`], [`flights`], [`dots`]): the SVG picture with messages on a
//!   canvas over it; click to inject faults or inspect a message.
//! - [`controls`], [`params`]: time controls, failures and live parameters.
//! - [`metrics`] (+ [`charts`]), [`inspector`], [`log`]: what happened.
//! - [`a11y`], [`panic`]: keyboard shortcuts, announcements, the fatal-error box.
//! - [`theory`]: the M/M/c overlay; [`editor`], [`export`]: edit, import and download.
//! - [`lesson`]: the guided lessons (picker, step panel, closing page).
//! - [`share`]: opening share links (replayed in slices) and the Copy link button.
//! - [`embed`]: the embed view (`?embed`) and the "Copy embed code" button.

mod a11y;
mod charts;
mod controls;
mod dots;
mod driver;
mod editor;
pub mod embed;
mod export;
mod flights;
mod inspector;
mod layout;
pub mod lesson;
mod log;
mod metrics;
mod panic;
mod params;
mod share;
mod theory;
mod topology;

pub use dots::{covers, fit, hit};
pub use driver::{lod_stride, sampled, Driver, DOT_CAP};
pub use layout::Layout;

use leptos::either::Either;
use leptos::prelude::*;

/// Remembers the run in the URL (`?mode=…&seed=…`) and for the panic box.
pub(crate) fn remember(mode: &str, seed: u64) {
    panic::remember(mode, seed);
    if embed::active() {
        return;
    }
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
    let seed = get("seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(share::DEFAULT_SEED);
    let speed = get("speed")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| (0.1..=100.0).contains(s));
    (mode, seed, speed)
}

/// The whole playground.
#[component]
pub fn App() -> impl IntoView {
    if embed::requested(&window().location().search().unwrap_or_default()) {
        // Either, not AnyView: erasing the app's view type would keep its unused
        // server-rendering code in the bundle (about 11 KB gzipped).
        return Either::Left(view! { <embed::Embed/> });
    }
    panic::install();
    let start = share::Start::from_location(from_url());
    let (mode, seed, speed) = start.first_run();
    let d = Driver::new(&mode, seed);
    panic::remember(d.mode.get_untracked(), seed);
    if let Some(s) = speed {
        d.speed.set(s);
    }
    provide_context(d);
    // The messages last painted on the canvas: the topology paints them, the export reads them.
    provide_context(dots::DotHits::new());
    d.start();
    share::begin(d, start);
    a11y::install_shortcuts(d);
    let tutor = lesson::Tutor::install(d);
    let description = move || d.scenario.with(|s| s.description.clone());
    // The panels around the topology are built in the first task after the first frame has
    // been painted: the header and the topology show as soon as they can, the rest a frame
    // later (the panels' boxes are there from the start, empty until then).
    let rest = RwSignal::new(false);
    request_animation_frame(move || {
        set_timeout(move || rest.set(true), std::time::Duration::ZERO);
    });
    let later = move || rest.get();
    Either::Right(view! {
        <div class="app" data-highlight=move || tutor.highlight_attr()>
            <header class="top">
                <div class="brand">
                    <h1>"Message flow playground"</h1>
                    <controls::ModePicker/>
                    <lesson::LearnButton/>
                </div>
                <controls::TimeControls/>
                <share::ShareControls/>
            </header>
            <share::LinkError/>
            <Show when=move || d.error.get().is_some()>
                <div class="error-box" role="alert" data-testid="engine-error">
                    <p>{move || d.error.get()}{move || format!(" (seed {})", d.seed.get())}</p>
                    <button class="btn primary" on:click=move |_| d.reset()>"Reset"</button>
                </div>
            </Show>
            <lesson::LessonArea/>
            <main class="layout">
                <section class="panel canvas-panel" aria-labelledby="topology-title">
                    <div class="panel-head">
                        <h2 id="topology-title">{move || controls::mode_title(d.mode.get())}</h2>
                        <p class="description">{description}</p>
                        <embed::CopyEmbed/>
                    </div>
                    <controls::FaultButtons/>
                    <topology::Topology/>
                </section>
                <aside class="panel params-panel" aria-label="Parameters">
                    <Show when=later>
                        <params::Params/>
                    </Show>
                </aside>
                <section class="panel metrics-panel" aria-label="Metrics">
                    <Show when=later>
                        <metrics::Metrics/>
                        <theory::Theory/>
                    </Show>
                </section>
                <section class="panel inspector-panel" aria-label="Message inspector">
                    <Show when=later>
                        <inspector::Inspector/>
                    </Show>
                </section>
                <section class="panel log-panel" aria-label="Event log">
                    <Show when=later>
                        <log::EventLog/>
                    </Show>
                </section>
                <section class="panel editor-panel" aria-label="Scenario editor and export">
                    <Show when=later>
                        <editor::Editor/>
                        <export::Export/>
                    </Show>
                </section>
            </main>
            <a11y::Announcer/>
        </div>
    })
}
