//! The catalog and everything built from it once: the search index, the matcher and the
//! recommender. Building walks ~180k tracks, so it runs in slices with a yield to the page
//! between them: the progress bar keeps painting meanwhile.

use std::cell::RefCell;
use std::sync::Arc;

use encore_engine::families::family_names;
use encore_engine::matching::{MatchReport, Matcher, MatcherBuilder};
use encore_engine::recommend::{Job, RecommendError, Recommender};
use encore_engine::search::{SearchIndex, SearchIndexBuilder};
use encore_engine::{Catalog, TrackIdx};

use super::controls::{Controls, catalog_years};
use super::track::ShownTrack;
use crate::runtime::{timed, yield_now};

/// Tracks indexed per slice while building the search index and matcher: small enough that a
/// slice stays well under the 100 ms a task may take in the browser.
const BUILD_SLICE: usize = 6_000;
/// Vocabulary words sorted per slice (the catalog has about 90k distinct words).
const SORT_SLICE: usize = 8_000;

/// The catalog and its indexes. Only the recommender changes after building (it reuses its
/// buffers), hence its `RefCell`: it is borrowed for one synchronous piece at a time.
#[derive(Debug)]
pub struct Engine {
    pub catalog: Arc<Catalog>,
    pub search: SearchIndex,
    pub matcher: Matcher,
    recommender: RefCell<Recommender>,
    /// The catalog's first and last known release year.
    pub era: (u16, u16),
    /// Each sound family's name, by cluster id, from its genres and audio character.
    pub family_names: Vec<String>,
}

impl Engine {
    /// Indexes `catalog` in slices, yielding to the page between them (each slice is timed).
    pub async fn build(catalog: Catalog) -> Self {
        let catalog = Arc::new(catalog);
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
        let family_names = timed("family-names", || family_names(&catalog));
        yield_now().await;
        Self {
            family_names,
            era: catalog_years(&catalog),
            catalog,
            search,
            matcher,
            recommender: RefCell::new(recommender),
        }
    }

    pub fn match_all(&self, tracks: &[encore_engine::matching::ListenerTrack]) -> MatchReport {
        self.matcher.match_all(&self.catalog, tracks)
    }

    /// Every version of every song the listener has: what "leave out what I already have"
    /// leaves out.
    pub fn owned_versions(&self, seeds: &[TrackIdx]) -> Vec<TrackIdx> {
        seeds
            .iter()
            .flat_map(|&s| self.matcher.versions(&self.catalog, s))
            .collect()
    }

    /// Starts a request for `seeds` and `controls`; [`Engine::advance`] answers it.
    pub fn begin(
        &self,
        seeds: &[TrackIdx],
        owned: &[TrackIdx],
        controls: &Controls,
    ) -> Result<Job, RecommendError> {
        let exclude = if controls.leave_out_owned {
            owned.to_vec()
        } else {
            Vec::new()
        };
        let options = controls.options(self.era, exclude);
        self.recommender
            .borrow()
            .begin(controls.method, seeds, &options)
    }

    /// Runs one piece of `job`; the list as shown once it is answered.
    pub fn advance(&self, job: &mut Job) -> Option<Vec<ShownTrack>> {
        let recs = self.recommender.borrow_mut().advance(job)?;
        Some(
            recs.iter()
                .map(|r| ShownTrack::recommended(&self.catalog, r))
                .collect(),
        )
    }

    /// The best `limit` catalog tracks for a typed query.
    pub fn search(&self, query: &str, limit: usize) -> Vec<ShownTrack> {
        self.search
            .search(&self.catalog, query, limit)
            .into_iter()
            .map(|t| ShownTrack::new(&self.catalog, t))
            .collect()
    }

    /// The release year of the catalog track a listener track matches, if any.
    pub fn year_of(&self, track: &encore_engine::matching::ListenerTrack) -> Option<u16> {
        let (found, _) = self.matcher.find(&self.catalog, track)?;
        self.catalog.year(found)
    }

    /// Keeps the tracks of a list remembered from an earlier visit that this catalog still holds
    /// at the same place (a new catalog renumbers its tracks).
    pub fn still_valid(&self, list: Vec<ShownTrack>) -> Vec<ShownTrack> {
        list.into_iter()
            .filter(|s| {
                self.catalog
                    .ids
                    .get(s.track.get())
                    .is_some_and(|id| id.to_string() == s.id)
            })
            .collect()
    }
}
