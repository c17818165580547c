//! The Leptos playground: a thin picture of the engine.

use leptos::prelude::*;

/// The whole playground.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="app">
            <h1>"Message flow playground"</h1>
        </main>
    }
}
