//! The app's state as plain types, below every view: what the listener chose, what the engine
//! holds, and the decisions made on them. Nothing here draws anything.
//!
//! - `engine`: the catalog and its indexes, built in slices, and the answers computed from them
//!   (in the engine worker).
//! - `protocol`: the messages between the page and the engine worker; `remote`: the page's side
//!   of the worker; `map`: the map's arithmetic (in the worker).
//! - `taste`: the listener's tracks by source.
//! - `controls`: the recommendation settings and the methods' plain names.
//! - `sides`: the sides of the taste as a choice, and which one a request is from.
//! - `track`: a track's display data, built in one place.
//! - `remembered`: the taste, the controls and the last list kept in the browser.
//!
//! [`Workbench`] is the one app-wide context: `Copy` signal handles and the engine worker, whose
//! state is the one [`LoadState`] signal, so "ready" and "failed" can never both hold.

pub mod controls;
pub mod engine;
pub mod map;
pub mod protocol;
pub mod remembered;
pub mod remote;
pub mod sides;
pub mod taste;
pub mod track;

use std::collections::HashMap;
use std::rc::Rc;

use encore_engine::matching::MatchReport;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::catalog::{LoadError, Progress};
use crate::runtime::yield_now;
use controls::Controls;
use protocol::{Answer, EngineFacts, Lane, Request};
use remote::{EngineWorker, Reply};
use sides::{SideSummary, kept_choice};
use taste::{PickKey, TasteState};
use track::ShownTrack;

/// Where loading the catalog stands: exactly one of these at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    Loading(Progress),
    Ready(EngineFacts),
    Failed(LoadError),
}

impl LoadState {
    pub fn facts(&self) -> Option<EngineFacts> {
        match self {
            LoadState::Ready(facts) => Some(*facts),
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
    pub load: RwSignal<LoadState>,
    /// The engine worker, once started.
    worker: StoredValue<Option<Rc<EngineWorker>>, LocalStorage>,
    pub entry: RwSignal<Entry>,
    pub taste: RwSignal<TasteState>,
    /// The taste matched to the catalog; `None` until the engine first answered.
    pub report: RwSignal<Option<MatchReport>>,
    /// The release year of each of the listener's tracks that matched.
    pub years: RwSignal<HashMap<PickKey, u16>>,
    /// The sides of the matched taste, largest first; empty until the engine said.
    pub sides: RwSignal<Vec<SideSummary>>,
    pub controls: RwSignal<Controls>,
    /// The list on screen.
    pub recs: RwSignal<Vec<ShownTrack>>,
    /// Whether the listener asked for a list: from then on every change re-ranks by itself.
    pub requested: RwSignal<bool>,
}

impl Workbench {
    pub fn new() -> Self {
        let bench = Self {
            load: RwSignal::new(LoadState::Loading(Progress::Checking)),
            worker: StoredValue::new_local(None),
            entry: RwSignal::new(Entry::Welcome),
            taste: RwSignal::new(TasteState::default()),
            report: RwSignal::new(None),
            years: RwSignal::new(HashMap::new()),
            sides: RwSignal::new(Vec::new()),
            controls: RwSignal::new(Controls::default()),
            recs: RwSignal::new(Vec::new()),
            requested: RwSignal::new(false),
        };
        // The match follows the taste; a newer taste supersedes a match still running.
        Effect::new(move |_| {
            if bench.facts().is_some() {
                spawn_local(bench.match_taste(bench.taste.get()));
            }
        });
        bench
    }

    /// Matches `taste`, written to the worker a slice per task: a 10,000-song library is not
    /// one long task of the page's thread.
    async fn match_taste(self, taste: TasteState) {
        let Some(worker) = self.worker.get_value() else {
            return;
        };
        let json = async {
            let written = taste.to_json_in_slices(yield_now).await?;
            Ok(Request::match_json(&written))
        };
        let answer = worker
            .ask_json(Lane::Match, Box::pin(json))
            .await
            .ok()
            .flatten();
        if let Some(Reply {
            answer: Answer::Matched { report, years },
            ..
        }) = answer
        {
            let seeds = report.matched.clone();
            crate::runtime::timed("match-apply", || {
                let years = taste
                    .tracks
                    .iter()
                    .map(|(_, track)| PickKey::of(track))
                    .zip(years)
                    .filter_map(|(key, year)| Some((key, year?)))
                    .collect();
                self.years.set(years);
                self.report.set(Some(report));
            });
            self.find_sides(seeds).await;
        }
    }

    /// Asks for the sides of the matched songs `seeds` (superseded by a newer taste's), and
    /// keeps the chosen side only while the taste still has it.
    async fn find_sides(self, seeds: Vec<encore_engine::TrackIdx>) {
        // After the new list's request (the effect asking for it runs before a task yields): the
        // worker then makes the list first, and finds the sides after it.
        crate::runtime::yield_now().await;
        let Some(Answer::Sides(sides)) = self.ask(Request::Sides { seeds }).await else {
            return;
        };
        let fallback = self.controls.with_untracked(|c| {
            let kept = kept_choice(&sides, c.side.as_deref());
            (kept != c.side).then_some(kept)
        });
        if let Some(kept) = fallback {
            self.controls.update(|c| c.side = kept);
        }
        self.sides.set(sides);
    }

    /// Back to a first visit: no taste, default controls, no list, the welcome screen. Called
    /// after Forget me erased what the browser kept (nothing is written back: the remembered
    /// state's write permit was revoked with it).
    pub fn forget(&self) {
        self.taste.set(TasteState::default());
        self.controls.set(Controls::default());
        self.recs.set(Vec::new());
        self.sides.set(Vec::new());
        self.requested.set(false);
        self.entry.set(Entry::Welcome);
    }

    /// What the page keeps of the engine, once ready (a reactive read).
    pub fn facts(&self) -> Option<EngineFacts> {
        self.load.with(LoadState::facts)
    }

    pub fn is_ready(&self) -> bool {
        self.load.with(|s| matches!(s, LoadState::Ready(_)))
    }

    /// Asks the engine; `None` when a newer request of the same kind superseded this one, or
    /// when the engine stopped (the load state then says so, with a retry).
    pub async fn ask(self, request: Request) -> Option<Answer> {
        self.ask_for_reply(request).await.map(|reply| reply.answer)
    }

    /// [`Workbench::ask`] with the pixels an answer may carry.
    pub async fn ask_for_reply(self, request: Request) -> Option<Reply> {
        let worker = self.worker.get_value()?;
        worker.ask(request).await.ok().flatten()
    }

    /// Starts the engine worker, which loads, verifies and indexes the catalog, moving
    /// [`Workbench::load`] along. Called again by Retry after the worker stopped.
    pub async fn load_catalog(self) {
        let load = self.load;
        if let Some(old) = self.worker.get_value() {
            old.terminate();
        }
        load.set(LoadState::Loading(Progress::Checking));
        let started = EngineWorker::start(
            move |p| load.set(LoadState::Loading(p)),
            move |why| load.set(LoadState::Failed(LoadError::Stopped(why))),
        );
        let worker = match started {
            Ok(worker) => Rc::new(worker),
            Err(why) => return load.set(LoadState::Failed(LoadError::Stopped(why))),
        };
        self.worker.set_value(Some(Rc::clone(&worker)));
        match worker.ask(Request::Load).await {
            Ok(Some(Reply {
                answer: Answer::Loaded(facts),
                ..
            })) => load.set(LoadState::Ready(facts)),
            Ok(Some(Reply {
                answer: Answer::LoadFailed(e),
                ..
            })) => load.set(LoadState::Failed(e)),
            // A stop has already said why.
            _ => {}
        }
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
        assert!(loading.facts().is_none() && loading.error().is_none());
        let failed = LoadState::Failed(LoadError::Network);
        assert_eq!(failed.error(), Some(&LoadError::Network));
        assert!(failed.facts().is_none(), "a failed load has no engine");
        assert_eq!(failed.progress(), None, "and shows no progress bar");
    }
}
