//! Browser tests, run by `wasm-bindgen-test-runner` in headless Chromium
//! (`scripts/test`, suite `wasm`). Only `#[wasm_bindgen_test]` functions run there;
//! a plain `#[test]` is silently skipped. On native targets this file is empty.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh, attached `<div>` to mount into.
fn fresh_container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document
        .create_element("div")
        .unwrap()
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

#[wasm_bindgen_test]
fn app_mounts_and_renders_the_title() {
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), msgflow::app::App);

    let h1 = container
        .query_selector("h1")
        .unwrap()
        .expect("the app renders an <h1>");
    assert_eq!(h1.text_content().unwrap(), "Message flow playground");

    drop(handle);
    container.remove();
}
