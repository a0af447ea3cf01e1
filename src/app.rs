//! The app shell: loads the catalog, holds the app-wide state, and shows the screens in order
//! (welcome, taste sources and match summary, recommendations, the taste map).
//!
//! App-wide state is one `Copy` context, [`Workbench`]: signals for what the screens show, and
//! the engine's indexes (catalog, search index, matcher, recommender) in a local `StoredValue`,
//! built once after the catalog arrives. Building walks ~180k tracks, so it runs in slices with
//! [`yield_now`] between them: the page keeps painting the progress bar meanwhile.

use std::sync::Arc;

use encore_engine::Catalog;
use encore_engine::matching::{MatchReport, Matcher, MatcherBuilder};
use encore_engine::recommend::Recommender;
use encore_engine::search::{SearchIndex, SearchIndexBuilder};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::catalog::{self, LoadError, Progress};
use crate::components::status::{ErrorMessage, ProgressBar};
use crate::pages::connect::ConnectPanel;
use crate::pages::insight::Insight;
use crate::pages::recommend::{RecommendPanel, Shown};
use crate::pages::taste::{TastePanel, TasteState};
use crate::pages::welcome::Welcome;
use crate::{session, spotify};

/// Tracks indexed per slice while building the search index and matcher: small enough that a
/// slice stays well under the 100 ms a task may take in the browser.
const BUILD_SLICE: usize = 6_000;
/// Vocabulary words sorted per slice (the catalog has about 90k distinct words).
const SORT_SLICE: usize = 8_000;

/// Lets the browser handle input and paint before the current task continues.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback(&resolve);
        } else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Runs `f` and records how long it took as a User Timing measure `encore:{name}`: visible in the
/// browser's performance panel, and read by the end-to-end tests to report where time goes.
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let performance = web_sys::window().and_then(|w| w.performance());
    let start = format!("encore:{name}:start");
    if let Some(p) = &performance {
        let _ = p.mark(&start);
    }
    let out = f();
    if let Some(p) = &performance {
        let _ = p.measure_with_start_mark(&format!("encore:{name}"), &start);
        p.clear_marks_with_mark_name(&start);
    }
    out
}

/// The catalog and everything built from it once.
#[derive(Debug)]
pub struct Engine {
    pub catalog: Arc<Catalog>,
    pub search: SearchIndex,
    pub matcher: Matcher,
    pub recommender: Recommender,
}

/// Which screen the listener is on: the welcome, or the work (sources, results, map) once
/// they chose a way in or came back from Spotify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Welcome,
    Working,
}

/// App-wide state, provided as context.
#[derive(Debug, Clone, Copy)]
pub struct Workbench {
    /// Filled once the catalog is loaded and indexed; `ready` says when.
    pub engine: StoredValue<Option<Engine>, LocalStorage>,
    pub ready: RwSignal<bool>,
    pub progress: RwSignal<Option<Progress>>,
    pub load_error: RwSignal<Option<LoadError>>,
    pub entry: RwSignal<Entry>,
    pub taste: RwSignal<TasteState>,
    /// The taste matched to the catalog; `None` until the engine is ready.
    pub report: Memo<Option<MatchReport>>,
    pub recs: RwSignal<Vec<Shown>>,
}

impl Workbench {
    /// Runs `f` on the engine when it is ready (never inside a reactive read of `engine`).
    pub fn with_engine<T>(&self, f: impl FnOnce(&Engine) -> T) -> Option<T> {
        self.engine.with_value(|engine| engine.as_ref().map(f))
    }

    /// Like [`Workbench::with_engine`], with mutable access (the recommender reuses buffers).
    pub fn with_engine_mut<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Option<T> {
        let mut out = None;
        self.engine
            .update_value(|engine| out = engine.as_mut().map(f));
        out
    }
}

/// Loads, verifies and indexes the catalog, reporting progress into `bench`.
async fn prepare(bench: Workbench) {
    let progress = bench.progress;
    let catalog = match catalog::load(move |p| progress.set(Some(p))).await {
        Ok(catalog) => Arc::new(catalog),
        Err(e) => {
            bench.load_error.set(Some(e));
            bench.progress.set(None);
            return;
        }
    };
    let n = catalog.n_tracks();
    let mut search = SearchIndexBuilder::new();
    let mut matcher = MatcherBuilder::new();
    for start in (0..n).step_by(BUILD_SLICE) {
        let range = start..(start + BUILD_SLICE).min(n);
        timed("search-index-slice", || {
            search.add_tracks(&catalog, range.clone())
        });
        yield_now().await;
        timed("matcher-slice", || matcher.add_tracks(&catalog, range));
        yield_now().await;
    }
    let mut sorter = search.into_sorter();
    while !timed("search-index-sort", || sorter.step(SORT_SLICE)) {
        yield_now().await;
    }
    let search = sorter.finish();
    yield_now().await;
    while !timed("matcher-sort", || matcher.sort_step(&catalog)) {
        yield_now().await;
    }
    let matcher = matcher.finish(&catalog);
    yield_now().await;
    let mut recommender = timed("recommender-new", || Recommender::new(Arc::clone(&catalog)));
    // The models some methods fit on first use, fitted now in pieces: switching method later
    // never freezes the page.
    while !timed("recommender-warm-up", || recommender.warm_up_step()) {
        yield_now().await;
    }
    bench.engine.set_value(Some(Engine {
        catalog,
        search,
        matcher,
        recommender,
    }));
    bench.progress.set(None);
    bench.ready.set(true);
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let engine = StoredValue::new_local(None::<Engine>);
    let ready = RwSignal::new(false);
    let taste = RwSignal::new(TasteState::default());
    // Matching is hash lookups, quick even for a 10,000-track library, so it simply follows
    // the taste.
    let report = Memo::new(move |_| {
        if !ready.get() {
            return None;
        }
        let tracks = taste.with(TasteState::listener_tracks);
        engine.with_value(|e| e.as_ref().map(|e| e.matcher.match_all(&e.catalog, &tracks)))
    });
    let bench = Workbench {
        engine,
        ready,
        progress: RwSignal::new(None),
        load_error: RwSignal::new(None),
        entry: RwSignal::new(Entry::Welcome),
        taste,
        report,
        recs: RwSignal::new(Vec::new()),
    };
    provide_context(bench);
    let session = session::provide_session();
    provide_context(session);
    // A login reply (or a return from granting the save permission) goes straight to the work.
    if spotify::handle_auth_callback(session) || session.is_logged_in() {
        bench.entry.set(Entry::Working);
    }
    spawn_local(prepare(bench));

    view! {
        <header class="site-header">
            <h1>"Encore"</h1>
            <p class="tagline">"Music recommendations computed in your browser."</p>
        </header>
        <main id="main">
            <Show when=move || bench.load_error.get().is_some()>
                <ErrorMessage message=Signal::derive(move || {
                    bench.load_error.get().map(|e| e.to_string()).unwrap_or_default()
                }) />
            </Show>
            <Show when=move || bench.progress.get().is_some()>
                <ProgressBar
                    testid="catalog-progress"
                    label=Signal::derive(move || bench.progress.get().map(Progress::label).unwrap_or_default())
                    fraction=Signal::derive(move || bench.progress.get().and_then(Progress::fraction))
                />
            </Show>
            <Show
                when=move || bench.entry.get() != Entry::Welcome
                fallback=|| view! { <Welcome /> }
            >
                <ConnectPanel />
                <TastePanel />
                <RecommendPanel />
                <Insight />
            </Show>
        </main>
        <footer class="site-footer">
            <p>
                "Encore keeps your library and your recommendations in this browser. It talks only to this site and, if you connect it, to Spotify."
            </p>
        </footer>
    }
}
