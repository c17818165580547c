//! Browser tests of the embed view and the embed snippet (`src/app/embed.rs`), run by
//! `wasm-bindgen-test-runner` in headless Chromium (suite `wasm`). A separate binary from
//! tests/web.rs: mounting the embed marks the whole page as an embed.
#![cfg(target_arch = "wasm32")]

use msgflow::app::embed::{embed_url, flag_on, requested, snippet, Autoplay, SANDBOX};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_embed_flag_is_on_unless_it_says_no() {
    assert!(requested("?embed"));
    assert!(requested("?embed=1"));
    assert!(requested("?mode=pub-sub&embed=true&seed=3"));
    assert!(requested("embed="), "a bare key, with or without '?'");
    assert!(!requested("?embed=0"));
    assert!(!requested("?embed=false"));
    assert!(!requested("?mode=pub-sub"));
    assert!(!requested(""));
    for off in ["0", "false", "FALSE", " no ", "off"] {
        assert!(!flag_on(off), "{off:?}");
    }
    for on in ["", "1", "yes", "true"] {
        assert!(flag_on(on), "{on:?}");
    }
}

#[wasm_bindgen_test]
fn the_snippet_is_a_lazy_sandboxed_iframe_with_escaped_attributes() {
    assert_eq!(
        snippet("https://example.org/play/", "work-queue", 7),
        "<iframe src=\"https://example.org/play/?embed=1&amp;mode=work-queue&amp;seed=7\" \
         title=\"Message flow playground: Work queue (seed 7)\" width=\"640\" height=\"400\" \
         loading=\"lazy\" sandbox=\"allow-scripts allow-same-origin allow-popups \
         allow-popups-to-escape-sandbox\" frameborder=\"0\"></iframe>"
    );
    assert_eq!(
        SANDBOX,
        "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
    );
    // Whatever the base and mode, nothing can close the attribute or open a tag.
    let s = snippet("https://x.test/a\"b<c>/", "a&b \"c\"", u64::MAX);
    assert!(s.starts_with(
        "<iframe src=\"https://x.test/a&quot;b&lt;c&gt;/?embed=1&amp;mode=a%26b%20%22c%22&amp;seed=18446744073709551615\""
    ));
    assert_eq!(s.matches('<').count(), 2, "{s}");
    assert_eq!(s.matches('"').count(), 14, "seven attributes: {s}");
    assert_eq!(
        embed_url("/p/", "pub-sub", 0),
        "/p/?embed=1&mode=pub-sub&seed=0"
    );
}

#[wasm_bindgen_test]
fn autoplay_runs_only_when_wanted_on_screen_and_in_a_visible_tab() {
    let start = Autoplay {
        wanted: true,
        on_screen: false,
        tab_visible: true,
    };
    assert!(!start.running());
    assert_eq!(start.state(), "off-screen");
    let shown = Autoplay {
        on_screen: true,
        ..start
    };
    assert!(shown.running());
    assert_eq!(shown.state(), "playing");
    let hidden = Autoplay {
        tab_visible: false,
        ..shown
    };
    assert_eq!((hidden.running(), hidden.state()), (false, "hidden-tab"));

    // A manual pause survives scrolling away and back, and tab switches.
    let paused = shown.user(false);
    assert_eq!(paused.state(), "paused");
    let back = Autoplay {
        on_screen: true,
        tab_visible: true,
        ..Autoplay {
            on_screen: false,
            tab_visible: false,
            ..paused
        }
    };
    assert!(!back.running());
    // Playing by hand plays at once (a click means the frame is on screen).
    let played = start.user(true);
    assert!(played.running());
    assert_eq!(
        hidden.user(true),
        Autoplay {
            wanted: true,
            on_screen: true,
            tab_visible: true
        }
    );
}

#[wasm_bindgen_test]
async fn the_embed_view_shows_the_topology_the_controls_and_a_link_out() {
    let document = web_sys::window().unwrap().document().unwrap();
    let container = document
        .create_element("div")
        .unwrap()
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone(), msgflow::app::embed::Embed);
    leptos::task::tick().await;

    let q = |s: &str| container.query_selector(s).unwrap();
    assert!(q("[data-testid=embed]").is_some());
    assert_eq!(
        q(".embed-title").unwrap().text_content().unwrap(),
        "Request-response"
    );
    assert!(q("g.node[data-role]").is_some());
    for id in ["play", "reset", "speed", "clock"] {
        assert!(q(&format!("[data-testid={id}]")).is_some(), "{id}");
    }
    assert!(
        q(".params-panel").is_none() && q("[data-testid=mode]").is_none(),
        "no panels"
    );
    let link = q("[data-testid=open-full]").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("?mode=request-response&seed=42")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(link.get_attribute("rel").as_deref(), Some("noopener"));
    assert!(msgflow::app::embed::active());

    drop(handle);
    container.remove();
}
