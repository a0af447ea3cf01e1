//! The app shell.

use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main>
            <h1>"Encore"</h1>
            <p>"Music recommendations computed in your browser. Nothing leaves it except to talk to Spotify."</p>
        </main>
    }
}
