//! Entry point of the browser app: installs the panic hook and mounts the playground.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(msgflow::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: `scripts/serve`. The headless runner is `cargo run --bin msgflow`.");
    std::process::exit(2);
}
