//! The app shell: provides the app-wide contexts, starts loading the catalog, and shows the
//! screens in order (welcome, taste sources and match summary, recommendations, the taste map).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::forget::ForgetHere;
use crate::components::status::{ErrorMessage, ProgressBar};
use crate::model::{Entry, Workbench, remembered};
use crate::pages::connect::ConnectPanel;
use crate::pages::insight::Insight;
use crate::pages::recommend::RecommendPanel;
use crate::pages::taste::TastePanel;
use crate::pages::welcome::Welcome;
use crate::{session, spotify};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let bench = Workbench::new();
    provide_context(bench);
    let session = session::provide_session();
    provide_context(session);
    // A login reply (or a return from granting the save permission) goes straight to the work.
    if spotify::handle_auth_callback(session) || session.is_logged_in() {
        bench.entry.set(Entry::Spotify);
    }
    remembered::remember(bench);
    spawn_local(bench.load_catalog());
    let progress = move || bench.load.with(|s| s.progress());

    view! {
        <header class="site-header">
            <h1>"Encore"</h1>
            <p class="tagline">"Music recommendations computed in your browser."</p>
        </header>
        <main id="main">
            {move || bench.load.with(|s| s.error().map(|e| view! {
                <ErrorMessage message=Signal::stored(e.to_string()) />
                // A new engine worker, which loads the catalog again (from the cache if it can).
                <button type="button" data-testid="retry-engine" on:click=move |_| spawn_local(bench.load_catalog())>
                    "Retry"
                </button>
            }))}
            <Show when=move || progress().is_some()>
                <ProgressBar
                    testid="catalog-progress"
                    label=Signal::derive(move || progress().map(|p| p.label()).unwrap_or_default())
                    fraction=Signal::derive(move || progress().and_then(|p| p.fraction()))
                />
            </Show>
            {move || match bench.entry.get() {
                Entry::Welcome => view! { <Welcome /> }.into_any(),
                Entry::Spotify if !session.is_logged_in() => view! { <ConnectPanel /> }.into_any(),
                entry => {
                    // A guest sees only what a guest can use: Spotify is offered in one line
                    // among the sources; a connected listener gets the account menu.
                    view! {
                        <Show when=move || entry == Entry::Spotify>
                            <ConnectPanel />
                        </Show>
                        <TastePanel />
                        <RecommendPanel />
                        <Insight />
                    }
                        .into_any()
                }
            }}
        </main>
        <footer class="site-footer">
            <p>
                "Encore keeps your picks, your settings and your last list in this browser. It talks only to this site and, if you connect it, to Spotify."
            </p>
            <ForgetHere />
        </footer>
    }
}
