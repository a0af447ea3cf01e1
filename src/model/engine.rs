//! The catalog and everything built from it once: the search index, the matcher and the
//! recommender, and the answers computed from them. It lives in the engine worker
//! (`crate::worker`), never on the page's thread. Building walks ~180k tracks in slices with a
//! yield between them, so a message that arrives meanwhile is read at once. Only the search
//! index is built before the page hears the catalog is ready; the matcher and the recommender's
//! models follow between requests ([`Engine::warm_up_step`]), each finished at its first use if
//! it is needed sooner.

use std::cell::{OnceCell, RefCell};
use std::future::Future;
use std::sync::Arc;

use encore_engine::families::family_names;
use encore_engine::matching::{MatchReport, Matcher, MatcherBuilder};
use encore_engine::ranked::{Scored, best_first};
use encore_engine::recommend::taste_sides::Side;
use encore_engine::recommend::{Job, RecommendError, Recommender};
use encore_engine::search::{SearchIndex, SearchIndexBuilder};
use encore_engine::{Catalog, Feature, TrackIdx};

use super::controls::{Controls, catalog_years};
use super::protocol::InsightCharts;
use super::track::ShownTrack;
use crate::runtime::timed;

/// Tracks indexed per slice while building the search index and matcher: small enough that a
/// request arriving meanwhile waits well under 100 ms.
const BUILD_SLICE: usize = 6_000;
/// Vocabulary words sorted per slice (the catalog has about 90k distinct words).
const SORT_SLICE: usize = 8_000;

/// The catalog and its indexes. Only the recommender changes after building (it reuses its
/// buffers), hence its `RefCell`: it is borrowed for one synchronous piece at a time.
#[derive(Debug)]
pub struct Engine {
    pub catalog: Arc<Catalog>,
    pub search: SearchIndex,
    /// Built after the catalog is ready ([`Engine::warm_up_step`]), or at its first use.
    matcher: OnceCell<Matcher>,
    /// The matcher being built, and the first track not in it yet.
    matcher_builder: RefCell<(MatcherBuilder, usize)>,
    recommender: RefCell<Recommender>,
    /// The catalog's first and last known release year.
    pub era: (u16, u16),
    /// Each sound family's name, by cluster id, from its genres and audio character.
    pub family_names: Vec<String>,
}

impl Engine {
    /// Indexes `catalog` in slices, with a `pause` between them (each slice is timed).
    pub async fn build<P: Future<Output = ()>>(
        catalog: Catalog,
        mut pause: impl FnMut() -> P,
    ) -> Self {
        let catalog = Arc::new(catalog);
        let n = catalog.n_tracks();
        let mut search = SearchIndexBuilder::new();
        for start in (0..n).step_by(BUILD_SLICE) {
            let range = start..(start + BUILD_SLICE).min(n);
            timed("search-index-slice", || search.add_tracks(&catalog, range));
            pause().await;
        }
        let mut sorter = search.into_sorter();
        while !timed("search-index-sort", || sorter.step(SORT_SLICE)) {
            pause().await;
        }
        let search = sorter.finish();
        pause().await;
        let recommender = timed("recommender-new", || Recommender::new(Arc::clone(&catalog)));
        let family_names = timed("family-names", || family_names(&catalog));
        pause().await;
        Self {
            family_names,
            era: catalog_years(&catalog),
            catalog,
            search,
            matcher: OnceCell::new(),
            matcher_builder: RefCell::new((MatcherBuilder::new(), 0)),
            recommender: RefCell::new(recommender),
        }
    }

    /// Builds one piece of the matcher, or fits one piece of the models some methods would
    /// otherwise fit on first use; `true` once all are ready. The worker runs it between requests once the catalog is ready, so the
    /// listener can search meanwhile and no method's first use is slow later; skipping it
    /// changes no answer.
    pub fn warm_up_step(&self) -> bool {
        if self.matcher.get().is_none() {
            timed("matcher-step", || self.matcher_step());
            return false;
        }
        timed("recommender-warm-up", || {
            self.recommender.borrow_mut().warm_up_step()
        })
    }

    /// Indexes a slice of the catalog into the matcher, or sorts a piece of it, or finishes it.
    fn matcher_step(&self) {
        {
            let mut building = self.matcher_builder.borrow_mut();
            let (builder, next) = &mut *building;
            let n = self.catalog.n_tracks();
            if *next < n {
                let end = (*next + BUILD_SLICE).min(n);
                builder.add_tracks(&self.catalog, *next..end);
                *next = end;
                return;
            }
            if !builder.sort_step(&self.catalog) {
                return;
            }
        }
        self.matcher();
    }

    /// The matcher, finished here from wherever warming up left it.
    fn matcher(&self) -> &Matcher {
        self.matcher.get_or_init(|| {
            let (mut builder, next) = self.matcher_builder.take();
            builder.add_tracks(&self.catalog, next..self.catalog.n_tracks());
            builder.finish(&self.catalog)
        })
    }

    pub fn match_all(&self, tracks: &[encore_engine::matching::ListenerTrack]) -> MatchReport {
        self.matcher().match_all(&self.catalog, tracks)
    }

    /// Every version of every song the listener has: what "leave out what I already have"
    /// leaves out.
    pub fn owned_versions(&self, seeds: &[TrackIdx]) -> Vec<TrackIdx> {
        seeds
            .iter()
            .flat_map(|&s| self.matcher().versions(&self.catalog, s))
            .collect()
    }

    /// Starts a request for `seeds` and `controls`, from the side of the taste at index `side`
    /// of [`Engine::sides`] of the same seeds (`None`: all); [`Engine::advance`] answers it.
    pub fn begin(
        &self,
        seeds: &[TrackIdx],
        owned: &[TrackIdx],
        controls: &Controls,
        side: Option<usize>,
    ) -> Result<Job, RecommendError> {
        let exclude = if controls.leave_out_owned {
            owned.to_vec()
        } else {
            Vec::new()
        };
        let options = controls.options(self.era, exclude, side);
        self.recommender
            .borrow()
            .begin(controls.method, seeds, &options)
    }

    /// The sides of the taste of `seeds`, largest first (one when it does not split).
    pub fn sides(&self, seeds: &[TrackIdx]) -> Vec<Side> {
        timed("taste-sides", || self.recommender.borrow().sides(seeds))
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
        let (found, _) = self.matcher().find(&self.catalog, track)?;
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

    /// The charts comparing `mine` with `recommended`: the largest sound families of either side
    /// by name, and the average audio profiles.
    pub fn insight(&self, mine: &[TrackIdx], recommended: &[TrackIdx]) -> InsightCharts {
        let (a, b) = (
            cluster_shares(&self.catalog, mine),
            cluster_shares(&self.catalog, recommended),
        );
        // Largest together first, through the engine's one ranked order (no sort of its own).
        let mut together: Vec<Scored> = (0u32..)
            .zip(a.iter().zip(&b))
            .map(|(i, (x, y))| (x + y, i))
            .collect();
        let order: Vec<usize> = best_first(&mut together, N_FAMILIES)
            .iter()
            .filter(|&&(share, _)| share > 0.0)
            .map(|&(_, i)| i as usize)
            .collect();
        InsightCharts {
            families: order
                .iter()
                .map(|&i| {
                    self.family_names
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("Family {}", i + 1))
                })
                .collect(),
            my_spread: order.iter().map(|&i| a[i]).collect(),
            their_spread: order.iter().map(|&i| b[i]).collect(),
            my_profile: audio_profile(&self.catalog, mine),
            their_profile: audio_profile(&self.catalog, recommended),
        }
    }
}

/// How many sound families the spread chart lists: the listener's and the list's largest.
const N_FAMILIES: usize = 10;

/// Share of `tracks` in each of the catalog's clusters (sums to 1 unless `tracks` is empty).
fn cluster_shares(catalog: &Catalog, tracks: &[TrackIdx]) -> Vec<f32> {
    let mut shares = vec![0.0f32; catalog.kmeans.k().max(1)];
    for &t in tracks {
        if let Some(&c) = catalog.clusters.get(t.get())
            && let Some(s) = shares.get_mut(usize::from(c))
        {
            *s += 1.0;
        }
    }
    let n = tracks.len().max(1) as f32;
    shares.iter_mut().for_each(|s| *s /= n);
    shares
}

/// The features of the audio profile, each scaled to 0..=1 (tempo over 200 bpm).
pub const PROFILE: [Feature; 8] = [
    Feature::Danceability,
    Feature::Energy,
    Feature::Valence,
    Feature::Acousticness,
    Feature::Instrumentalness,
    Feature::Speechiness,
    Feature::Liveness,
    Feature::TempoBpm,
];

/// The mean of each [`PROFILE`] feature over `tracks`, in 0..=1.
fn audio_profile(catalog: &Catalog, tracks: &[TrackIdx]) -> Vec<f32> {
    let mut sums = [0.0f32; PROFILE.len()];
    for &t in tracks {
        let raw = catalog.raw_features(t);
        for (sum, f) in sums.iter_mut().zip(PROFILE) {
            let v = raw.get(f.column()).copied().unwrap_or(0.0);
            *sum += if f == Feature::TempoBpm { v / 200.0 } else { v };
        }
    }
    let n = tracks.len().max(1) as f32;
    sums.iter().map(|s| (s / n).clamp(0.0, 1.0)).collect()
}
