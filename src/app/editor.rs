//! The scenario editor: the running scenario as pretty JSON, checked as you type (field
//! paths, lines and columns), applied live when only parameters changed or restarted as a
//! custom scenario when nodes, links, faults or metric settings changed; or imported from a
//! file. A bad edit never reaches the engine: the run goes on with the last valid scenario.

use super::driver::Driver;
use crate::scenario::{error_position, limits::MAX_SCENARIO_BYTES, Scenario};
use gloo_timers::callback::Timeout;
use leptos::{html, prelude::*};

/// Quiet time after the last keystroke before the text is checked.
const DEBOUNCE_MS: u32 = 300;

/// One problem with the text.
#[derive(Clone, Debug, PartialEq)]
struct Problem {
    path: String,
    message: String,
    /// Byte offset, line and column it points at.
    at: Option<(usize, usize, usize)>,
}

/// The text as a scenario, or every problem with it.
fn check(text: &str) -> Result<Scenario, Vec<Problem>> {
    Scenario::from_json(text).map_err(|e| {
        e.errors
            .iter()
            .map(|f| Problem {
                path: f.path.clone(),
                message: f.message.clone(),
                at: error_position(text, f),
            })
            .collect()
    })
}

/// What the editor last said.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    /// Nothing to say.
    Idle,
    /// The text is a valid scenario that differs from the running one.
    Valid,
    /// An informational line (applied, restarted, imported).
    Info(String),
    /// An error line (apply refused, file too big or unreadable).
    Bad(String),
}

/// Selects the line holding byte `offset` in the textarea and scrolls it into view.
fn select_line(area: &web_sys::HtmlTextAreaElement, text: &str, offset: usize) {
    // The text may have changed since the offset was found: stay on a character boundary.
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    // Selection offsets are UTF-16 code units.
    let u16_of = |b: usize| text[..b].encode_utf16().count() as u32;
    let _ = area.focus();
    let _ = area.set_selection_range(u16_of(start), u16_of(end));
    let lines = text.matches('\n').count().max(1) as f64;
    let line = text[..start].matches('\n').count() as f64;
    let per_line = f64::from(area.scroll_height()) / (lines + 1.0);
    area.set_scroll_top(((line - 3.0).max(0.0) * per_line) as i32);
}

/// The editor panel.
#[component]
pub fn Editor() -> impl IntoView {
    let d = expect_context::<Driver>();
    let area = NodeRef::<html::Textarea>::new();
    let text = StoredValue::new(String::new());
    let timer = StoredValue::new_local(None::<Timeout>);
    let dirty = RwSignal::new(false);
    let problems = RwSignal::new(Vec::<Problem>::new());
    let status = RwSignal::new(Status::Idle);

    let show = move |t: String| {
        if let Some(el) = area.get_untracked() {
            el.set_value(&t);
        }
        text.set_value(t);
    };
    // Follows the running scenario while the text has no edits of its own.
    Effect::new(move |_| {
        let json = d.scenario.with(Scenario::to_json);
        area.track();
        if !dirty.get_untracked() {
            show(json);
            problems.set(Vec::new());
        }
    });
    let validate = move || {
        let t = text.get_value();
        match check(&t) {
            Ok(s) => {
                problems.set(Vec::new());
                let same = d.scenario.with_untracked(|cur| *cur == s);
                status.set(if same { Status::Idle } else { Status::Valid });
            }
            Err(p) => {
                problems.set(p);
                status.set(Status::Idle);
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        text.set_value(event_target_value(&ev));
        dirty.set(true);
        timer.set_value(Some(Timeout::new(DEBOUNCE_MS, validate)));
    };
    let apply = move |_| {
        timer.set_value(None);
        let t = text.get_value();
        let next = match check(&t) {
            Ok(s) => s,
            Err(p) => {
                problems.set(p);
                status.set(Status::Bad(
                    "Not applied: fix the problems below. The simulation goes on with the previous scenario."
                        .into(),
                ));
                return;
            }
        };
        problems.set(Vec::new());
        let cur = d.with_engine(|e| e.scenario().clone());
        if cur == next {
            dirty.set(false);
            status.set(Status::Info("No changes to apply.".into()));
            return;
        }
        // Parameters change live; anything the engine cannot change while running restarts.
        let live = cur.faults == next.faults
            && cur.metrics == next.metrics
            && d.update(next.clone()).is_ok();
        dirty.set(false);
        if live {
            status.set(Status::Info(format!(
                "Applied live at t = {:.3} s; the run goes on.",
                d.now.get_untracked().as_secs()
            )));
        } else {
            d.load_scenario(next);
            status.set(Status::Info(
                "Restarted from t = 0 as a custom scenario: nodes, links, faults or metric settings changed, which a running simulation cannot take."
                    .into(),
            ));
        }
    };
    let revert = move |_| {
        timer.set_value(None);
        dirty.set(false);
        show(d.scenario.with_untracked(Scenario::to_json));
        problems.set(Vec::new());
        status.set(Status::Idle);
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let name = file.name();
        if file.size() > MAX_SCENARIO_BYTES as f64 {
            status.set(Status::Bad(format!(
                "{name} is {} bytes; a scenario may have at most {MAX_SCENARIO_BYTES} bytes (1 MiB). Nothing was imported.",
                file.size()
            )));
            return;
        }
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(v) => {
                    timer.set_value(None);
                    dirty.set(true);
                    show(v.as_string().unwrap_or_default());
                    validate();
                    let ok = problems.with_untracked(Vec::is_empty);
                    status.set(Status::Info(if ok {
                        format!("Imported {name}: press Apply to run it.")
                    } else {
                        format!("Imported {name}, but it has problems (below).")
                    }));
                }
                Err(_) => status.set(Status::Bad(format!("Could not read {name}."))),
            }
        });
    };
    let goto = move |at: usize| {
        if let Some(el) = area.get_untracked() {
            text.with_value(|t| select_line(&el, t, at));
        }
    };
    let problem_list = move || {
        problems
            .get()
            .into_iter()
            .map(|p| {
                let where_ = p.at.map(|(at, line, col)| {
                    view! {
                        <button class="btn small goto" title="Select this line in the text" on:click=move |_| goto(at)>
                            {format!("line {line}, column {col}")}
                        </button>
                    }
                });
                let path = if p.path.is_empty() { "document".to_string() } else { p.path.clone() };
                view! {
                    <li data-path=p.path.clone()>
                        <code class="path">{path}</code>": "{p.message}" "{where_}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="editor" data-testid="editor">
            <div class="panel-head">
                <h2 id="editor-title">"Scenario editor"</h2>
                <p class="panel-help">
                    "The running scenario as JSON (reference: docs/scenario-format.md). Parameter changes apply live; new nodes, links, faults or metric settings restart the run."
                </p>
            </div>
            <textarea
                node_ref=area
                class="editor-text"
                data-testid="editor-text"
                aria-labelledby="editor-title"
                aria-describedby="editor-problems"
                aria-invalid=move || (!problems.with(Vec::is_empty)).to_string()
                spellcheck="false"
                autocomplete="off"
                wrap="off"
                rows="18"
                on:input=on_input
            ></textarea>
            <div class="editor-actions">
                <button class="btn primary" data-testid="editor-apply" on:click=apply>"Apply"</button>
                <button class="btn" data-testid="editor-revert" title="Throw away the edits and show the running scenario" on:click=revert>"Revert"</button>
                <label class="btn file-btn" title="Load a scenario file into the editor">
                    "Import file…"
                    <input type="file" class="sr-only" accept=".json,application/json" data-testid="editor-file" on:change=import/>
                </label>
                <span class="editor-state" data-testid="editor-state">
                    {move || match (dirty.get(), problems.with(Vec::is_empty)) {
                        (_, false) => "",
                        (true, true) if status.get() == Status::Valid => "valid — press Apply to run it",
                        (true, true) => "edited",
                        (false, true) => "",
                    }}
                </span>
            </div>
            <p class="editor-status" role="status" data-testid="editor-status" class:bad=move || matches!(status.get(), Status::Bad(_))>
                {move || match status.get() {
                    Status::Info(s) | Status::Bad(s) => s,
                    _ => String::new(),
                }}
            </p>
            <ul class="editor-problems" id="editor-problems" data-testid="editor-errors" aria-live="polite">
                {problem_list}
            </ul>
        </div>
    }
}
