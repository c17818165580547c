//! Guided lessons in the playground: the "Learn" picker, the step panel and the closing
//! page. The lessons are data ([`crate::lessons`]): this file draws a step, sends its
//! "try this" through the driver's command methods and shows a tick when the step's
//! condition, evaluated on the engine a few times a second, becomes true.

use super::driver::Driver;
use crate::lessons::{catalog, Baseline, Catalog, Lesson};
use crate::sim::Command;
use leptos::prelude::*;
use std::cell::RefCell;

/// Id of the closing page in links (`?lesson=which-one`).
pub const CLOSING_ID: &str = "which-one";

thread_local! {
    static CURRENT: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
}

/// The lesson and step (from 1) on screen, if any; the closing page is `("which-one", 1)`.
/// Share links read this to carry the lesson along.
pub fn current() -> Option<(String, u32)> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The lesson state, provided through context.
#[derive(Clone, Copy)]
pub struct Tutor {
    d: Driver,
    /// Index of the running lesson in the catalog.
    pub lesson: RwSignal<Option<usize>>,
    /// Step of that lesson, from 0.
    pub step: RwSignal<usize>,
    /// The closing page is shown.
    pub closing: RwSignal<bool>,
    /// The lesson picker is open.
    pub picker: RwSignal<bool>,
    /// The current step's condition has held.
    pub done: RwSignal<bool>,
    /// Current values of the step's readouts.
    pub values: RwSignal<Vec<f64>>,
    /// Node ids and panel names highlighted now.
    pub highlight: Memo<Vec<String>>,
    baseline: StoredValue<Baseline, LocalStorage>,
    epoch: StoredValue<u32, LocalStorage>,
}

/// The built-in lessons (validated by the native tests, so an error here is a build bug).
fn lessons() -> Option<&'static Catalog> {
    catalog().ok()
}

impl Tutor {
    /// Creates the lesson state, provides it and opens the lesson named in the URL.
    pub fn install(d: Driver) -> Tutor {
        let lesson = RwSignal::new(None::<usize>);
        let step = RwSignal::new(0usize);
        let closing = RwSignal::new(false);
        let highlight = Memo::new(move |_| {
            if closing.get() {
                return Vec::new();
            }
            // The catalogue is parsed only once a lesson is open, not at startup.
            let Some(l) = lesson.get() else {
                return Vec::new();
            };
            let Some(c) = lessons() else {
                return Vec::new();
            };
            c.lessons[l]
                .steps
                .get(step.get())
                .map_or_else(Vec::new, |s| s.highlight.clone())
        });
        let t = Tutor {
            d,
            lesson,
            step,
            closing,
            picker: RwSignal::new(false),
            done: RwSignal::new(false),
            values: RwSignal::new(Vec::new()),
            highlight,
            baseline: StoredValue::new_local(Baseline::default()),
            epoch: StoredValue::new_local(0),
        };
        provide_context(t);
        // Conditions and readouts follow the metrics snapshot (a few times a second).
        Effect::new(move |_| {
            d.stats.track();
            t.evaluate();
        });
        // Another mode picked: the lesson ends. Reset or a new seed: the step starts over.
        Effect::new(move |_| {
            let epoch = d.epoch.get();
            if t.lesson.get_untracked().is_none() || t.epoch.get_value() == epoch {
                return;
            }
            t.epoch.set_value(epoch);
            if d.is_custom() {
                t.enter(t.step.get_untracked());
            } else {
                t.lesson.set(None);
                t.remember();
            }
        });
        t.open_from_url();
        // A share link names a lesson and step: show them over the replayed run.
        Effect::new(move |_| {
            let Some(id) = d.lesson.get() else { return };
            if id == CLOSING_ID {
                t.show_closing();
                return;
            }
            match lessons().and_then(|c| c.position(&id)) {
                Some(i) => {
                    t.closing.set(false);
                    t.lesson.set(Some(i));
                    t.step
                        .set((d.lesson_step.get_untracked() as usize).saturating_sub(1));
                }
                None => d.flash(format!("There is no lesson `{id}`.")),
            }
        });
        t
    }

    fn open_from_url(self) {
        let search = window().location().search().unwrap_or_default();
        let q = web_sys::UrlSearchParams::new_with_str(&search).ok();
        let get = |k: &str| q.as_ref().and_then(|q| q.get(k));
        let Some(id) = get("lesson") else { return };
        let step = get("step")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(1);
        if id == CLOSING_ID {
            self.show_closing();
            return;
        }
        match lessons().and_then(|c| c.position(&id)) {
            Some(i) => self.start(i, step.saturating_sub(1), get("speed").is_none()),
            None => self.d.flash(format!("There is no lesson `{id}`.")),
        }
    }

    /// Starts lesson `i` at step `step` (from 0), with its suggested speed when `speed`.
    pub fn start(self, i: usize, step: usize, speed: bool) {
        let Some(l) = lessons().and_then(|c| c.lessons.get(i)) else {
            return;
        };
        let s = match l.scenario() {
            Ok(s) => s,
            Err(e) => {
                self.d.flash(e.to_string());
                return;
            }
        };
        self.closing.set(false);
        self.picker.set(false);
        self.lesson.set(Some(i));
        self.d.load_custom(&l.scenario.preset, s, l.seed);
        self.epoch.set_value(self.d.epoch.get_untracked());
        if let Some(v) = l.speed.filter(|_| speed) {
            self.d.speed.set(v);
        }
        if !self.d.playing.get_untracked() {
            self.d.toggle_play();
        }
        self.enter(step.min(l.steps.len() - 1));
    }

    /// Shows step `i` of the running lesson: a fresh baseline and no tick yet.
    pub fn enter(self, i: usize) {
        self.step.set(i);
        self.done.set(false);
        self.baseline.set_value(self.d.with_engine(Baseline::take));
        self.remember();
        self.evaluate();
    }

    /// Shows the closing page.
    pub fn show_closing(self) {
        self.picker.set(false);
        self.closing.set(true);
        self.lesson.set(None);
        self.remember();
    }

    /// Leaves the lesson (the run goes on).
    pub fn close(self) {
        self.closing.set(false);
        self.lesson.set(None);
        self.remember();
    }

    fn running(self) -> Option<&'static Lesson> {
        let i = self.lesson.get_untracked()?;
        lessons()?.lessons.get(i)
    }

    /// Performs the current step's "try this" through the driver.
    pub fn try_this(self) {
        let Some(step) = self
            .running()
            .and_then(|l| l.steps.get(self.step.get_untracked()))
        else {
            return;
        };
        let Some(t) = &step.try_this else { return };
        self.baseline.set_value(self.d.with_engine(Baseline::take));
        self.done.set(false);
        for a in &t.actions {
            let current = self.d.with_engine(|e| e.scenario().clone());
            let r = match a.command(&current) {
                Ok(Command::Fault(f)) => self.d.fault(f).map_err(|e| e.to_string()),
                Ok(Command::Update(s)) => self.d.update(*s).map_err(|e| e.to_string()),
                Err(m) => Err(m),
            };
            if let Err(m) = r {
                self.d.flash(format!("{}: {m}", t.label));
                break;
            }
        }
        if !self.d.playing.get_untracked() && self.d.error.get_untracked().is_none() {
            self.d.toggle_play();
        }
        self.evaluate();
    }

    fn evaluate(self) {
        let Some(step) = self
            .running()
            .and_then(|l| l.steps.get(self.step.get_untracked()))
        else {
            return;
        };
        let (values, holds) = self.baseline.with_value(|b| {
            self.d.with_engine(|e| {
                let v: Vec<f64> = step.show.iter().map(|r| r.metric.value(e, b)).collect();
                (v, step.done_when.as_ref().is_none_or(|c| c.holds(e, b)))
            })
        });
        if self.values.with_untracked(|old| *old != values) {
            self.values.set(values);
        }
        if holds && !self.done.get_untracked() {
            self.done.set(true);
        }
    }

    /// Writes the lesson and step (or the mode) into the address and [`current`].
    fn remember(self) {
        let now = if self.closing.get_untracked() {
            Some((CLOSING_ID.to_string(), 1))
        } else {
            self.running()
                .map(|l| (l.id.clone(), self.step.get_untracked() as u32 + 1))
        };
        let url = match &now {
            Some((id, _)) if id == CLOSING_ID => format!("?lesson={id}"),
            Some((id, n)) => format!("?lesson={id}&step={n}"),
            None => format!(
                "?mode={}&seed={}",
                self.d.mode.get_untracked(),
                self.d.seed.get_untracked()
            ),
        };
        CURRENT.with(|c| *c.borrow_mut() = now);
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }

    /// The `data-highlight` value of the page: highlighted panel names.
    pub fn highlight_attr(self) -> String {
        self.highlight.with(|v| v.join(" "))
    }

    /// Whether node `id` is highlighted.
    pub fn has(self, id: &str) -> bool {
        self.highlight.with(|v| v.iter().any(|x| x == id))
    }
}

/// The "Learn" button of the header.
#[component]
pub fn LearnButton() -> impl IntoView {
    let t = expect_context::<Tutor>();
    view! {
        <button
            class="btn learn"
            data-testid="learn"
            aria-expanded=move || t.picker.get().to_string()
            aria-controls="lesson-picker"
            title="Guided lessons on the running simulation"
            on:click=move |_| t.picker.update(|p| *p = !*p)
        >
            "Learn"
        </button>
    }
}

/// The picker, the step panel or the closing page, whichever is open.
#[component]
pub fn LessonArea() -> impl IntoView {
    let t = expect_context::<Tutor>();
    view! {
        <Show when=move || t.picker.get()>
            <Picker/>
        </Show>
        <Show when=move || t.lesson.get().is_some()>
            <StepPanel/>
        </Show>
        <Show when=move || t.closing.get()>
            <ClosingPage/>
        </Show>
    }
}

/// The list of lessons.
#[component]
fn Picker() -> impl IntoView {
    let t = expect_context::<Tutor>();
    let items = lessons()
        .map(|c| {
            c.lessons
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    view! {
                        <li>
                            <button class="lesson-item" data-testid="lesson-item" data-lesson=l.id.clone() on:click=move |_| t.start(i, 0, true)>
                                <span class="lesson-num">{i + 1}</span>
                                <span>
                                    <strong>{l.title.clone()}</strong>
                                    <span class="lesson-summary">{l.summary.clone()}</span>
                                </span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        });
    let closing_title = lessons().map_or(String::new(), |c| c.closing.title.clone());
    view! {
        <section class="panel lesson-picker" id="lesson-picker" data-testid="lesson-picker" aria-label="Lessons">
            <div class="lesson-head">
                <h2>"Lessons"</h2>
                <button class="btn small" data-testid="picker-close" aria-label="Close the lesson list" on:click=move |_| t.picker.set(false)>"✕"</button>
            </div>
            <p class="panel-help">"Each lesson runs a scenario and walks you through it; the simulation keeps running, so poke at it as you go."</p>
            <ol class="lesson-list">
                {items}
                <li>
                    <button class="lesson-item" data-testid="lesson-item" data-lesson=CLOSING_ID on:click=move |_| t.show_closing()>
                        <span class="lesson-num">"?"</span>
                        <span><strong>{closing_title}</strong><span class="lesson-summary">"What each lesson showed, and when to pick which."</span></span>
                    </button>
                </li>
            </ol>
        </section>
    }
}

/// The current step: text, readouts, "try this", the tick and Back/Next.
#[component]
fn StepPanel() -> impl IntoView {
    let t = expect_context::<Tutor>();
    let n_lessons = lessons().map_or(0, |c| c.lessons.len());
    let lesson = move || t.lesson.get().and_then(|i| lessons()?.lessons.get(i));
    let step = move || lesson().and_then(|l| l.steps.get(t.step.get()));
    let n_steps = move || lesson().map_or(0, |l| l.steps.len());
    let last = move || t.step.get() + 1 >= n_steps();
    let next = move |_| {
        let (Some(i), true) = (t.lesson.get_untracked(), last()) else {
            t.enter(t.step.get_untracked() + 1);
            return;
        };
        if i + 1 < n_lessons {
            t.start(i + 1, 0, true);
        } else {
            t.show_closing();
        }
    };
    let readouts = move || {
        step().map(|s| {
            s.show
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let metric = &r.metric;
                    let v = move || t.values.with(|v| v.get(k).copied().unwrap_or(f64::NAN));
                    view! {
                        <div class="readout" data-testid="readout">
                            <dt>{r.label.clone()}</dt>
                            <dd data-value=move || format!("{}", v())>{move || metric.format(v())}</dd>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel lesson-panel" data-testid="lesson-panel" aria-label="Lesson">
            <div class="lesson-head">
                <p class="lesson-title" data-testid="lesson-title">
                    {move || format!("Lesson {} of {n_lessons} · ", t.lesson.get().map_or(0, |i| i + 1))}
                    <strong>{move || lesson().map(|l| l.title.clone())}</strong>
                </p>
                <button class="btn small" data-testid="lesson-close" aria-label="Leave the lesson" title="Leave the lesson (the simulation keeps running)" on:click=move |_| t.close()>"✕"</button>
            </div>
            <h2 data-testid="step-title">
                <span class="step-count" data-testid="step-count">{move || format!("Step {} of {}", t.step.get() + 1, n_steps())}</span>
                {move || step().map(|s| s.title.clone())}
            </h2>
            <p class="step-text" data-testid="step-text">{move || step().map(|s| s.text.clone())}</p>
            <Show when=move || step().is_some_and(|s| !s.show.is_empty())>
                <dl class="lesson-readouts" data-testid="readouts">{readouts}</dl>
            </Show>
            <div class="lesson-actions">
                <Show when=move || step().is_some_and(|s| s.try_this.is_some())>
                    <button class="btn primary" data-testid="try-this" on:click=move |_| t.try_this()>
                        {move || format!("Try this: {}", step().and_then(|s| s.try_this.as_ref()).map_or("", |x| x.label.as_str()))}
                    </button>
                </Show>
                <p class="step-done" class:done=move || t.done.get() data-testid="step-done" data-done=move || t.done.get().to_string() role="status">
                    {move || if t.done.get() {
                        format!("✓ {}", step().map_or("", |s| s.done_text.as_str()))
                    } else if step().is_some_and(|s| s.try_this.is_some()) {
                        "○ Try it, then watch the figures.".to_string()
                    } else {
                        "○ Watch the simulation…".to_string()
                    }}
                </p>
            </div>
            <nav class="lesson-nav" aria-label="Lesson steps">
                <button class="btn" data-testid="step-back" disabled=move || t.step.get() == 0 on:click=move |_| t.enter(t.step.get_untracked().saturating_sub(1))>"← Back"</button>
                <button class="btn" class:primary=move || t.done.get() data-testid="step-next" on:click=next>
                    {move || if !last() { "Next →" } else if t.lesson.get().is_some_and(|i| i + 1 < n_lessons) { "Next lesson →" } else { "Which one should I use? →" }}
                </button>
            </nav>
        </section>
    }
}

/// "Which one should I use?", tied back to the lessons.
#[component]
fn ClosingPage() -> impl IntoView {
    let t = expect_context::<Tutor>();
    let Some(c) = lessons() else {
        return view! { <p>"The lessons could not be loaded."</p> }.into_any();
    };
    let points = c
        .closing
        .points
        .iter()
        .map(|p| {
            let links = p
                .lessons
                .iter()
                .filter_map(|id| {
                    let i = c.position(id)?;
                    let title = c.lessons[i].title.clone();
                    Some(view! {
                        <button class="btn small lesson-link" data-testid="which-one-link" data-lesson=id.clone() on:click=move |_| t.start(i, 0, true)>
                            {format!("Lesson {}: {title}", i + 1)}
                        </button>
                    })
                })
                .collect_view();
            view! {
                <li class="point">
                    <p><strong class="choose">{p.choose.clone()}</strong>" — "{p.when.clone()}</p>
                    <p class="because">{p.because.clone()}</p>
                    <p class="links">{links}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel lesson-panel closing" data-testid="which-one" aria-label="Which one should I use?">
            <div class="lesson-head">
                <h2>{c.closing.title.clone()}</h2>
                <button class="btn small" data-testid="lesson-close" aria-label="Close" on:click=move |_| t.close()>"✕"</button>
            </div>
            <p class="step-text">{c.closing.intro.clone()}</p>
            <ul class="points">{points}</ul>
        </section>
    }
    .into_any()
}
