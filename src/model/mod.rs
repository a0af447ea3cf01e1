//! The app's state as plain types, below every view: what the listener chose, what the engine
//! holds, and the decisions made on them. Nothing here draws anything.
//!
//! - `engine`: the catalog and its indexes, built in slices.
//! - `taste`: the listener's tracks by source.
//! - `controls`: the recommendation settings and the methods' plain names.
//! - `track`: a track's display data, built in one place.
//! - `remembered`: the taste, the controls and the last list kept in the browser.
//!
//! [`Workbench`] is the one app-wide context: `Copy` signal handles, with the loaded engine inside
//! the one [`LoadState`] signal, so "ready" and "failed" can never both hold and reading the
//! engine is a reactive read like any other.

pub mod controls;
pub mod engine;
pub mod remembered;
pub mod taste;
pub mod track;

use std::rc::Rc;

use encore_engine::matching::MatchReport;
use leptos::prelude::*;

use crate::catalog::{self, LoadError, Progress};
use controls::Controls;
use engine::Engine;
use taste::TasteState;
use track::ShownTrack;

/// Where loading the catalog stands: exactly one of these at a time.
#[derive(Debug, Clone)]
pub enum LoadState {
    Loading(Progress),
    Ready(Rc<Engine>),
    Failed(LoadError),
}

impl LoadState {
    pub fn engine(&self) -> Option<Rc<Engine>> {
        match self {
            LoadState::Ready(engine) => Some(Rc::clone(engine)),
            _ => None,
        }
    }

    pub fn progress(&self) -> Option<Progress> {
        match self {
            LoadState::Loading(p) => Some(*p),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&LoadError> {
        match self {
            LoadState::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// Which screen the listener is on: the welcome; the work as a guest; or the Spotify way in
/// (its setup step until connected, then the work with their library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Welcome,
    Guest,
    Spotify,
}

/// App-wide state, provided as context.
#[derive(Debug, Clone, Copy)]
pub struct Workbench {
    pub load: RwSignal<LoadState, LocalStorage>,
    pub entry: RwSignal<Entry>,
    pub taste: RwSignal<TasteState>,
    /// The taste matched to the catalog; `None` until the engine is ready.
    pub report: Memo<Option<MatchReport>>,
    pub controls: RwSignal<Controls>,
    /// The list on screen.
    pub recs: RwSignal<Vec<ShownTrack>>,
    /// Whether the listener asked for a list: from then on every change re-ranks by itself.
    pub requested: RwSignal<bool>,
}

impl Workbench {
    pub fn new() -> Self {
        let load = RwSignal::new_local(LoadState::Loading(Progress::Checking));
        let taste = RwSignal::new(TasteState::default());
        // Matching is hash lookups, quick even for a 10,000-track library, so it simply follows
        // the taste.
        let report = Memo::new(move |_| {
            let engine = load.with(LoadState::engine)?;
            Some(taste.with(|t| engine.match_all(&t.listener_tracks())))
        });
        Self {
            load,
            entry: RwSignal::new(Entry::Welcome),
            taste,
            report,
            controls: RwSignal::new(Controls::default()),
            recs: RwSignal::new(Vec::new()),
            requested: RwSignal::new(false),
        }
    }

    /// Back to a first visit: no taste, default controls, no list, the welcome screen. Called
    /// after Forget me erased what the browser kept (nothing is written back: the remembered
    /// state's write permit was revoked with it).
    pub fn forget(&self) {
        self.taste.set(TasteState::default());
        self.controls.set(Controls::default());
        self.recs.set(Vec::new());
        self.requested.set(false);
        self.entry.set(Entry::Welcome);
    }

    /// The engine, once ready (a reactive read).
    pub fn engine(&self) -> Option<Rc<Engine>> {
        self.load.with(LoadState::engine)
    }

    pub fn engine_untracked(&self) -> Option<Rc<Engine>> {
        self.load.with_untracked(LoadState::engine)
    }

    pub fn is_ready(&self) -> bool {
        self.load.with(|s| matches!(s, LoadState::Ready(_)))
    }

    /// Loads, verifies and indexes the catalog, moving [`Workbench::load`] along.
    pub async fn load_catalog(self) {
        let load = self.load;
        let state = match catalog::load(move |p| load.set(LoadState::Loading(p))).await {
            Ok(catalog) => LoadState::Ready(Rc::new(Engine::build(catalog).await)),
            Err(e) => LoadState::Failed(e),
        };
        load.set(state);
    }
}

impl Default for Workbench {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_state_is_one_thing_at_a_time() {
        let loading = LoadState::Loading(Progress::Verifying);
        assert_eq!(loading.progress(), Some(Progress::Verifying));
        assert!(loading.engine().is_none() && loading.error().is_none());
        let failed = LoadState::Failed(LoadError::Network);
        assert_eq!(failed.error(), Some(&LoadError::Network));
        assert!(failed.engine().is_none(), "a failed load has no engine");
        assert_eq!(failed.progress(), None, "and shows no progress bar");
    }
}
