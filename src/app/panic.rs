//! A panic hook that leaves a visible error box (the release build aborts on panic, so
//! nothing else of the app keeps running) with the seed and a reset link.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;

static SEED: AtomicU64 = AtomicU64::new(0);
static MODE: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Records the run the error box should name.
pub fn remember(mode: &str, seed: u64) {
    SEED.store(seed, Ordering::Relaxed);
    let idx = crate::scenario::PRESETS
        .iter()
        .position(|p| p.name == mode)
        .unwrap_or(0);
    MODE.store(idx, Ordering::Relaxed);
}

/// Installs the hook (once).
pub fn install() {
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            show(&info.to_string());
        }));
    });
}

fn show(msg: &str) {
    let seed = SEED.load(Ordering::Relaxed);
    let mode = crate::scenario::PRESETS
        .get(MODE.load(Ordering::Relaxed))
        .map_or("request-response", |p| p.name);
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let Ok(div) = doc.create_element("div") else {
        return;
    };
    div.set_class_name("fatal");
    let _ = div.set_attribute("role", "alert");
    let _ = div.set_attribute("data-testid", "fatal");
    if let Ok(h) = doc.create_element("h2") {
        h.set_text_content(Some("The playground stopped"));
        let _ = div.append_child(&h);
    }
    if let Ok(p) = doc.create_element("p") {
        p.set_text_content(Some(&format!("{msg} (mode {mode}, seed {seed})")));
        let _ = div.append_child(&p);
    }
    if let Ok(a) = doc.create_element("a") {
        // A plain link reloads the page: it works even though the wasm instance is gone.
        let _ = a.set_attribute("href", &format!("?mode={mode}&seed={seed}"));
        a.set_class_name("btn primary");
        a.set_text_content(Some("Reset (reload with the same seed)"));
        let _ = div.append_child(&a);
    }
    let _ = body.prepend_with_node_1(&div);
}
