//! Share links in the playground: opening one (a replay in time-budgeted slices, one per
//! animation frame, so the tab never freezes), the Copy link button, and the message for a
//! link that cannot be opened.
//!
//! The link is built when Copy link is pressed, not kept in the address bar: the state
//! changes every frame and encoding it (the scenario edits and every command) on each change
//! would cost time for nothing. The address bar keeps `?mode=…&seed=…` (or the link the
//! page was opened with, until another run is loaded).

use super::driver::{perf_now, Driver};
use crate::scenario::PRESETS;
use crate::share::{ShareError, ShareState};
use crate::sim::ReplayStep;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Wall-clock milliseconds a replay may use per frame.
const REPLAY_BUDGET_MS: f64 = 10.0;
/// Events between two clock checks during a replay.
const EVENTS_PER_CHECK: u64 = 1000;
/// The run shown when the address asks for nothing or for something that cannot be opened.
pub const DEFAULT_SEED: u64 = 42;

/// How the page was opened.
pub enum Start {
    /// `?mode=…&seed=…&speed=…` (each optional): a fresh run.
    Query {
        /// Preset name.
        mode: String,
        /// Seed.
        seed: u64,
        /// Speed, when given and in range.
        speed: Option<f64>,
    },
    /// `#s=…`: a shared run, to replay.
    Link(Box<ShareState>),
    /// A link that cannot be opened, and why.
    Broken(ShareError),
}

impl Start {
    /// Reads the fragment (`#s=…`); without one, `query` (mode, seed, speed from the query).
    pub fn from_location(query: (String, u64, Option<f64>)) -> Start {
        let hash = window().location().hash().unwrap_or_default();
        match ShareState::from_fragment(&hash) {
            Some(Ok(s)) => Start::Link(Box::new(s)),
            Some(Err(e)) => Start::Broken(e),
            None => {
                let (mode, seed, speed) = query;
                Start::Query { mode, seed, speed }
            }
        }
    }

    /// The run to build first: preset, seed and speed (a link's preset until its replay
    /// is ready; the default run for a broken link).
    pub fn first_run(&self) -> (String, u64, Option<f64>) {
        match self {
            Start::Query { mode, seed, speed } => (mode.clone(), *seed, *speed),
            Start::Link(s) => (s.mode.clone(), s.seed, None),
            Start::Broken(_) => (PRESETS[0].name.to_string(), DEFAULT_SEED, None),
        }
    }
}

/// What the status next to Copy link says.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Status {
    /// Nothing.
    #[default]
    Idle,
    /// Replaying the opened link: "Replaying to 12.3 s… 45%".
    Replaying(String),
    /// The link is in the clipboard.
    Copied,
    /// The clipboard is unavailable: the link is in a selected field.
    Field,
    /// The run cannot be shared, and why.
    Cannot(String),
}

impl Status {
    fn key(&self) -> &'static str {
        match self {
            Status::Idle => "",
            Status::Replaying(_) => "replaying",
            Status::Copied => "copied",
            Status::Field => "field",
            Status::Cannot(_) => "cannot",
        }
    }

    fn text(&self) -> String {
        match self {
            Status::Idle => String::new(),
            Status::Replaying(t) | Status::Cannot(t) => t.clone(),
            Status::Copied => "Link copied".into(),
            Status::Field => "Copy this link:".into(),
        }
    }
}

/// State of the share controls, provided through context.
#[derive(Clone, Copy)]
pub struct ShareUi {
    /// Why the link in the address could not be opened.
    pub link_error: RwSignal<Option<String>>,
    /// The status next to Copy link.
    pub status: RwSignal<Status>,
    /// The last link made by Copy link.
    pub link: RwSignal<Option<String>>,
}

/// Provides the share controls' state and acts on how the page was opened: replays a
/// link, or says why it cannot.
pub fn begin(d: Driver, start: Start) {
    let ui = ShareUi {
        link_error: RwSignal::new(None),
        status: RwSignal::new(Status::Idle),
        link: RwSignal::new(None),
    };
    provide_context(ui);
    match start {
        Start::Query { .. } => {}
        Start::Broken(e) => ui.link_error.set(Some(format!(
            "This link cannot be opened — {e}. The default scenario runs instead."
        ))),
        Start::Link(state) => replay(d, ui, *state),
    }
}

struct Pending {
    replay: crate::sim::Replay,
    mode: String,
    speed: f64,
    playing: bool,
}

fn replay(d: Driver, ui: ShareUi, state: ShareState) {
    d.lesson.set(state.lesson.clone());
    d.lesson_step.set(state.step);
    let replay = match state.replay() {
        Ok(r) => r,
        Err(e) => return replay_failed(d, ui, &e.to_string()),
    };
    d.replaying.set(true);
    let pending = StoredValue::new_local(Some(Pending {
        replay,
        mode: state.mode,
        speed: state.speed,
        playing: state.playing,
    }));
    slice(d, ui, pending, d.epoch.get_untracked());
}

fn progress_text(p: &Pending) -> String {
    format!(
        "Replaying to {:.1} s… {:.0}%",
        p.replay.target().at.as_secs(),
        (p.replay.progress() * 100.0).floor()
    )
}

/// Runs the replay for one frame's budget, then again on the next frame.
fn slice(d: Driver, ui: ShareUi, pending: StoredValue<Option<Pending>, LocalStorage>, epoch: u32) {
    if d.epoch.get_untracked() != epoch {
        // Another run was loaded meanwhile: drop the replay.
        pending.set_value(None);
        ui.status.set(Status::Idle);
        return;
    }
    let t0 = perf_now();
    let outcome = pending
        .try_update_value(|p| {
            let p = p.as_mut()?;
            loop {
                match p.replay.advance(EVENTS_PER_CHECK) {
                    Ok(ReplayStep::Done) => return Some(Ok(true)),
                    Ok(_) if perf_now() - t0 > REPLAY_BUDGET_MS => {
                        return Some(Ok(false));
                    }
                    Ok(_) => {}
                    Err(e) => return Some(Err(e.to_string())),
                }
            }
        })
        .flatten();
    match outcome {
        Some(Ok(true)) => {
            ui.status.set(Status::Idle);
            if let Some(Some(p)) = pending.try_update_value(Option::take) {
                d.install(&p.mode, p.replay.into_engine(), p.speed, p.playing);
            }
        }
        Some(Ok(false)) => {
            if let Some(text) = pending.with_value(|p| p.as_ref().map(progress_text)) {
                ui.status.set(Status::Replaying(text));
            }
            request_animation_frame(move || slice(d, ui, pending, epoch));
        }
        Some(Err(e)) => {
            pending.set_value(None);
            replay_failed(d, ui, &e);
        }
        None => {}
    }
}

fn replay_failed(d: Driver, ui: ShareUi, why: &str) {
    d.replaying.set(false);
    ui.status.set(Status::Idle);
    ui.link_error.set(Some(format!(
        "This link cannot be replayed — {why}. It shows {} with seed {} from the start instead.",
        super::controls::mode_title(d.mode.get_untracked()),
        d.seed.get_untracked()
    )));
}

/// Builds the link of the current run and copies it, or shows it in a field to copy.
fn copy_link(d: Driver, ui: ShareUi) {
    let made = d
        .with_engine(|e| {
            let mode = d.mode.get_untracked();
            ShareState::capture(
                if mode == super::driver::CUSTOM {
                    ""
                } else {
                    mode
                },
                e,
                d.speed.get_untracked(),
                d.playing.get_untracked(),
            )
        })
        .map(|s| match super::lesson::current() {
            Some((lesson, step)) => s.with_lesson(Some(lesson), step),
            None => s,
        })
        .and_then(|s| s.fragment());
    let frag = match made {
        Ok(f) => f,
        Err(e) => {
            ui.link.set(None);
            ui.status
                .set(Status::Cannot(format!("This run cannot be shared: {e}.")));
            return;
        }
    };
    let loc = window().location();
    let link = format!(
        "{}{}#{frag}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    );
    ui.status.set(Status::Idle);
    ui.link.set(Some(link.clone()));
    // navigator.clipboard is missing outside secure contexts: check before calling it.
    let nav = window().navigator();
    let clipboard = js_sys::Reflect::get(&nav, &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .map(|c| c.unchecked_into::<web_sys::Clipboard>());
    match clipboard {
        None => ui.status.set(Status::Field),
        Some(c) => {
            let promise = c.write_text(&link);
            leptos::task::spawn_local(async move {
                let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                if ui.link.try_get_untracked().flatten().as_deref() == Some(link.as_str()) {
                    ui.status
                        .set(if ok { Status::Copied } else { Status::Field });
                }
            });
        }
    }
}

/// The Copy link button, its outcome, and the replay progress.
#[component]
pub fn ShareControls() -> impl IntoView {
    let d = expect_context::<Driver>();
    let ui = expect_context::<ShareUi>();
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if ui.status.with(|s| *s == Status::Field) {
            if let Some(el) = field.get() {
                // Select once the value is in place (the next frame, after every update).
                request_animation_frame(move || {
                    let _ = el.focus();
                    el.select();
                });
            }
        }
    });
    // A link describes one moment of one run: drop it when another run is loaded.
    Effect::new(move |prev: Option<u32>| {
        let epoch = d.epoch.get();
        if prev.is_some_and(|p| p != epoch) {
            ui.link.set(None);
            if !matches!(ui.status.get_untracked(), Status::Replaying(_)) {
                ui.status.set(Status::Idle);
            }
        }
        epoch
    });
    view! {
        <div class="share" data-testid="share" data-link=move || ui.link.get().unwrap_or_default()>
            <button
                class="btn"
                data-testid="copy-link"
                title="Copy a link that replays this run exactly: scenario, changes, seed, time and speed"
                disabled=move || d.replaying.get()
                on:click=move |_| copy_link(d, ui)
            >
                "Copy link"
            </button>
            <span
                class="share-note"
                role="status"
                data-testid="share-status"
                data-state=move || ui.status.with(Status::key)
            >
                {move || ui.status.with(Status::text)}
            </span>
            <input
                node_ref=field
                class="share-field"
                data-testid="share-field"
                readonly
                aria-label="Link to this run"
                hidden=move || ui.status.with(|s| *s != Status::Field)
                prop:value=move || ui.link.get().unwrap_or_default()
            />
            <span
                hidden
                data-testid="run-state"
                data-trace-hash=move || d.stats.with(|s| format!("{:016x}", s.trace_hash))
                data-events=move || d.stats.with(|s| s.events)
                data-ns=move || d.stats.with(|s| s.now.0)
            ></span>
        </div>
    }
}

/// Why the link in the address could not be opened (dismissable).
#[component]
pub fn LinkError() -> impl IntoView {
    let ui = expect_context::<ShareUi>();
    view! {
        <div
            class="error-box"
            role="alert"
            data-testid="link-error"
            hidden=move || ui.link_error.with(Option::is_none)
        >
            <p>{move || ui.link_error.get()}</p>
            <button class="btn" on:click=move |_| ui.link_error.set(None)>"Dismiss"</button>
        </div>
    }
}
