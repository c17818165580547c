//! Embedding in documentation.
//!
//! - [`Embed`]: the view shown for `?embed` (or `?embed=1`): only the topology, the time
//!   controls (compacted by CSS) and a link to the full playground. It plays while it is
//!   on screen and its tab is visible, and pauses otherwise; a manual pause is kept.
//! - [`CopyEmbed`]: the full view's "Copy embed code" button, producing [`snippet`].
//!
//! `assets/embed.js` defines the `<message-flow-playground>` element, which renders the
//! same `<iframe>` as [`snippet`] (keep [`SANDBOX`] and the query in step with it).

use super::controls::{mode_title, TimeControls};
use super::driver::Driver;
use super::topology::{NarrowRule, Topology};
use leptos::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The `sandbox` of an embed's `<iframe>`: scripts run; the frame keeps its own origin so
/// its module script and `.wasm` load from a plain static host (an opaque origin turns
/// them into CORS requests that such hosts refuse); links open new, unsandboxed tabs; no
/// top-level navigation, forms, modals or downloads.
pub const SANDBOX: &str =
    "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox";
/// Default width of an embed, in CSS pixels.
pub const EMBED_WIDTH: u32 = 640;
/// Default height of an embed, in CSS pixels.
pub const EMBED_HEIGHT: u32 = 400;
/// Share of the frame that must be on screen for it to play.
const VISIBLE_RATIO: f64 = 0.25;
/// Height of the embed's title bar and control bar together, in CSS pixels.
const BARS_PX: f64 = 64.0;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Whether this page is an embed (then the address is not rewritten on reset).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Whether a query flag is on: present with no value, or any value but `0`, `false`,
/// `no` or `off`.
pub fn flag_on(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

fn query_flag(search: &str, key: &str) -> Option<bool> {
    web_sys::UrlSearchParams::new_with_str(search)
        .ok()
        .and_then(|q| q.get(key))
        .map(|v| flag_on(&v))
}

/// Whether the address (`location.search`) asks for the embed view.
pub fn requested(search: &str) -> bool {
    query_flag(search, "embed").unwrap_or(false)
}

/// Escapes text for an HTML attribute value in double quotes.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value (everything but unreserved characters).
fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// The address of an embed of `mode` with `seed`, from the app at `base` (an absolute
/// URL without query, e.g. `https://example.org/play/`).
pub fn embed_url(base: &str, mode: &str, seed: u64) -> String {
    format!("{base}?embed=1&mode={}&seed={seed}", query_value(mode))
}

/// The `<iframe>` snippet embedding `mode` with `seed` from the app at `base`.
///
/// `frameborder="0"` rather than a `style` attribute, which a host page with a strict
/// Content-Security-Policy would refuse; the embed draws its own border.
pub fn snippet(base: &str, mode: &str, seed: u64) -> String {
    format!(
        r#"<iframe src="{}" title="{}" width="{EMBED_WIDTH}" height="{EMBED_HEIGHT}" loading="lazy" sandbox="{SANDBOX}" frameborder="0"></iframe>"#,
        attr(&embed_url(base, mode, seed)),
        attr(&format!(
            "Message flow playground: {} (seed {seed})",
            mode_title(mode)
        )),
    )
}

/// What starts and stops an embedded run: it runs only when the reader wants it, the
/// frame is on screen and the tab is visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Autoplay {
    /// The reader wants it running: true at start (unless `autoplay=0` or reduced motion
    /// is preferred), false after a manual pause, true again after a manual play.
    pub wanted: bool,
    /// Enough of the frame is inside the top-level viewport.
    pub on_screen: bool,
    /// The tab is visible.
    pub tab_visible: bool,
}

impl Autoplay {
    /// Whether the run should be playing.
    pub fn running(self) -> bool {
        self.wanted && self.on_screen && self.tab_visible
    }

    /// The reader pressed play (`true`) or pause: a pause holds until they play again; a
    /// play means the frame is on screen in a visible tab.
    pub fn user(self, play: bool) -> Autoplay {
        if play {
            Autoplay {
                wanted: true,
                on_screen: true,
                tab_visible: true,
            }
        } else {
            Autoplay {
                wanted: false,
                ..self
            }
        }
    }

    /// A short name of the state, for tests and styling.
    pub fn state(self) -> &'static str {
        match (self.wanted, self.tab_visible, self.on_screen) {
            (false, _, _) => "paused",
            (true, false, _) => "hidden-tab",
            (true, true, false) => "off-screen",
            (true, true, true) => "playing",
        }
    }
}

/// An embed's frame is drawn top to bottom when it is taller than wide.
fn frame_is_portrait() -> bool {
    let w = window().inner_width().ok().and_then(|v| v.as_f64());
    let h = window().inner_height().ok().and_then(|v| v.as_f64());
    matches!((w, h), (Some(w), Some(h)) if h - BARS_PX > w)
}

/// Observes the document against the top-level viewport (inside an `<iframe>` too) and
/// the tab's visibility, updating `auto`.
fn watch_visibility(auto: RwSignal<Autoplay>) {
    let vis = window_event_listener(leptos::ev::visibilitychange, move |_| {
        let shown = !document().hidden();
        auto.update(|a| a.tab_visible = shown);
    });
    on_cleanup(move || vis.remove());

    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        // The last entry is the latest state.
        if let Some(e) = entries
            .iter()
            .last()
            .and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok())
        {
            let on = e.is_intersecting() && e.intersection_ratio() >= VISIBLE_RATIO;
            if auto.try_with_untracked(|a| a.on_screen != on) == Some(true) {
                auto.update(|a| a.on_screen = on);
            }
        }
    });
    let opts = web_sys::IntersectionObserverInit::new();
    let thresholds = js_sys::Array::of2(&JsValue::from(0.0), &JsValue::from(VISIBLE_RATIO));
    opts.set_threshold(&thresholds);
    let observer =
        web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &opts);
    match (observer, document().document_element()) {
        (Ok(observer), Some(root)) => {
            observer.observe(&root);
            let kept = StoredValue::new_local(Some((observer, callback)));
            on_cleanup(move || {
                if let Some(Some((o, _cb))) = kept.try_update_value(Option::take) {
                    o.disconnect();
                }
            });
        }
        // No IntersectionObserver: treat the frame as always on screen.
        _ => auto.update(|a| a.on_screen = true),
    }
}

/// The embed view: topology, the time controls, a link to the full playground.
#[component]
pub fn Embed() -> impl IntoView {
    ACTIVE.store(true, Ordering::Relaxed);
    super::panic::install();
    let (mode, seed, speed) = super::from_url();
    let search = window().location().search().unwrap_or_default();
    let autoplay = query_flag(&search, "autoplay").unwrap_or(true);
    let d = Driver::new(&mode, seed);
    super::panic::remember(d.mode.get_untracked(), seed);
    if let Some(s) = speed {
        d.speed.set(s);
    }
    provide_context(d);
    provide_context(NarrowRule(frame_is_portrait));
    d.start();
    super::a11y::install_shortcuts(d);

    let auto = RwSignal::new(Autoplay {
        wanted: autoplay && !d.reduced_motion.get_untracked(),
        on_screen: false,
        tab_visible: !document().hidden(),
    });
    watch_visibility(auto);
    // The driver plays exactly when the embed should run (and no engine error stopped it)...
    Effect::new(move |_| {
        let run = auto.with(|a| a.running()) && d.error.with(Option::is_none);
        if d.playing.get_untracked() != run {
            d.playing.set(run);
        }
    });
    // ...and a play or pause from the controls (button, Space, step) is the reader's wish.
    Effect::new(move |_| {
        let playing = d.playing.get();
        if d.error.with_untracked(Option::is_none)
            && auto.with_untracked(|a| a.running()) != playing
        {
            auto.update(|a| *a = a.user(playing));
        }
    });

    let full_href = move || format!("?mode={}&seed={}", d.mode.get(), d.seed.get());
    view! {
        <div class="embed" data-testid="embed" data-state=move || auto.get().state()>
            <header class="embed-bar">
                <h1 class="embed-title">{mode_title(d.mode.get_untracked())}</h1>
                <a
                    class="embed-open"
                    data-testid="open-full"
                    href=full_href
                    target="_blank"
                    rel="noopener"
                >
                    "Open in the full playground ↗"
                </a>
            </header>
            <p class="embed-error" role="alert" data-testid="engine-error">{move || d.error.get()}</p>
            <div class="embed-stage">
                <Topology/>
            </div>
            <TimeControls/>
            <super::a11y::Announcer/>
        </div>
    }
}

/// The app's address without query or fragment (where an embed points).
fn app_base() -> String {
    let loc = window().location();
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// `navigator.clipboard`, when the page may use it (secure contexts only).
fn clipboard() -> Option<web_sys::Clipboard> {
    let nav = window().navigator();
    js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .map(JsCast::unchecked_into)
}

/// "Copy embed code": copies [`snippet`] for the current mode and seed, and shows it in a
/// read-only text area (selected when the clipboard refuses).
#[component]
pub fn CopyEmbed() -> impl IntoView {
    let d = expect_context::<Driver>();
    let code = Memo::new(move |_| snippet(&app_base(), d.mode.get(), d.seed.get()));
    let open = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    let select_area = move || {
        // The text area is shown on this click: select it once it is displayed.
        request_animation_frame(move || {
            if let Some(a) = area.get_untracked() {
                let _ = a.focus();
                a.select();
            }
        });
    };
    let copy = move |_| {
        open.set(true);
        let text = code.get_untracked();
        let failed = move || {
            status.set(
                "Could not copy: the code is selected below, copy it with Ctrl+C (⌘C).".into(),
            );
            select_area();
        };
        match clipboard() {
            Some(c) => {
                status.set(String::new());
                let written = wasm_bindgen_futures::JsFuture::from(c.write_text(&text));
                leptos::task::spawn_local(async move {
                    match written.await {
                        Ok(_) => status.set("Copied the embed code to the clipboard.".into()),
                        Err(_) => failed(),
                    }
                });
            }
            None => failed(),
        }
    };
    view! {
        <div class="copy-embed">
            <button
                class="btn small"
                data-testid="copy-embed"
                data-embed-code=move || code.get()
                aria-expanded=move || open.get().to_string()
                aria-controls="embed-code"
                title="Copy an <iframe> that shows this mode and seed in another page"
                on:click=copy
            >
                "Copy embed code"
            </button>
            <span class="copy-status" role="status" data-testid="copy-status">{move || status.get()}</span>
        </div>
        <div class="embed-code" id="embed-code" hidden=move || !open.get()>
            <textarea
                readonly
                rows="3"
                data-testid="embed-code"
                aria-label="Embed code"
                node_ref=area
                prop:value=move || code.get()
            ></textarea>
            <button class="btn small" data-testid="embed-code-close" on:click=move |_| open.set(false)>"Close"</button>
        </div>
    }
}
