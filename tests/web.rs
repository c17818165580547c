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

/// Lets Leptos run its scheduled effects (DOM updates are asynchronous).
async fn next_frame() {
    leptos::task::tick().await;
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
fn the_topology_draws_every_node_and_instance_of_the_default_mode() {
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), msgflow::app::App);

    let nodes = container.query_selector_all("g.node[data-role]").unwrap();
    assert_eq!(
        nodes.length(),
        2,
        "request-response has a client and a service"
    );
    let replicas = container
        .query_selector_all("[data-node=\"orders\"][data-inst]")
        .unwrap();
    assert_eq!(replicas.length(), 3);
    let first = replicas
        .get(0)
        .unwrap()
        .dyn_into::<web_sys::Element>()
        .unwrap();
    assert_eq!(first.get_attribute("role").as_deref(), Some("button"));
    assert_eq!(first.get_attribute("tabindex").as_deref(), Some("0"));
    assert!(first
        .get_attribute("aria-label")
        .unwrap()
        .starts_with("Orders service replica 1, idle"));
    let clock = container
        .query_selector("[data-testid=clock]")
        .unwrap()
        .unwrap();
    assert_eq!(clock.get_attribute("data-ns").as_deref(), Some("0"));
    let legend = container.query_selector_all(".legend li").unwrap();
    assert!(legend.length() >= 6, "one legend entry per message kind");

    drop(handle);
    container.remove();
}

#[wasm_bindgen_test]
async fn clicking_a_replica_crashes_it_and_greys_it_out() {
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), msgflow::app::App);
    let replica = container
        .query_selector("[data-node=\"orders\"][data-inst=\"1\"]")
        .unwrap()
        .unwrap();
    replica
        .dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    next_frame().await;
    assert_eq!(replica.get_attribute("data-up").as_deref(), Some("false"));
    assert!(replica.class_list().contains("down"));
    assert!(
        replica.query_selector(".x-mark").unwrap().is_some(),
        "a crashed instance shows a ✕"
    );
    replica
        .dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    next_frame().await;
    assert_eq!(replica.get_attribute("data-up").as_deref(), Some("true"));

    drop(handle);
    container.remove();
}

#[wasm_bindgen_test]
fn the_layout_puts_callers_brokers_and_consumers_in_columns() {
    use msgflow::app::Layout;
    let s = msgflow::scenario::preset("work-queue").unwrap();
    let l = Layout::of(&s, false);
    let x: Vec<f64> = l.nodes.iter().map(|n| n.rect.x).collect();
    assert!(
        x[0] < x[1] && x[1] < x[2],
        "producer → broker → workers: {x:?}"
    );
    assert_eq!(l.nodes[2].inst.len(), 3);
    assert_eq!(l.bands.len(), 1);
    let v = Layout::of(&s, true);
    assert!(v.nodes[0].rect.y < v.nodes[1].rect.y && v.nodes[1].rect.y < v.nodes[2].rect.y);

    // Side by side: two components, one band each, on one clock.
    let s = msgflow::scenario::preset("side-by-side").unwrap();
    let l = Layout::of(&s, false);
    assert_eq!(l.bands.len(), 2);
    let grpc_bottom = l.nodes[0].rect.y.max(l.nodes[1].rect.y + l.nodes[1].rect.h);
    assert!(
        l.nodes[2].rect.y > grpc_bottom,
        "the broker flow is drawn below the gRPC flow"
    );

    // Messages leave and enter on the instance they belong to.
    let a = l.anchor(
        msgflow::sim::Endpoint::new(3, 0),
        msgflow::sim::Endpoint::new(4, 0),
    );
    let b = l.anchor(
        msgflow::sim::Endpoint::new(4, 0),
        msgflow::sim::Endpoint::new(3, 0),
    );
    let c = l.anchor(
        msgflow::sim::Endpoint::new(4, 1),
        msgflow::sim::Endpoint::new(3, 0),
    );
    assert!(a.0 < b.0);
    assert!(c.1 > b.1, "consumer 2 sits below consumer 1");
}
