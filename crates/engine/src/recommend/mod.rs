//! The recommenders: from a listener's seed tracks to ranked catalog tracks, each explained.
//!
//! Every [`Method`] follows the same contract: it takes validated seed track indices and
//! [`Options`], scores catalog tracks, and the shared selection in this module turns the scores
//! into the final list. That keeps the option semantics identical across methods: seeds and
//! excluded tracks never come back, the year range and the per-artist cap are hard filters, and
//! the popularity preference and feature nudges re-rank each method's own best candidates.
//!
//! Results are deterministic: equal scores are broken by track index, and the one method that
//! samples (`classifier`) seeds its generator from the seed tracks themselves.
//!
//! What this module does not do: no IO, no clock, no threads. Timing and parallelism belong to
//! the callers (the CLI's `eval`, the app's worker).
//!
//! ```
//! # use encore_engine::recommend::{Method, Options};
//! let method: Method = "knn".parse().unwrap();
//! assert_eq!(method.name(), "knn");
//! assert_eq!(Method::default(), Method::Blend);
//! assert_eq!(Options::default().k, 50);
//! ```

mod adviser;
pub mod artist_graph;
mod blend;
mod centroid;
mod classifier;
mod clusters;
mod explain;
pub mod fit;
mod index;
mod knn;
mod learned;
mod popular;
pub mod ranker;
mod select;
pub mod taste_sides;

use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{Catalog, Feature, TrackIdx};

pub use blend::{BlendWeights, Signal};
pub use explain::Explanation;
pub use index::artist_keys;
pub use ranker::Ranker;

/// A recommendation method, by the name the CLI and the app use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Encore's own method and the default.
    #[default]
    Blend,
    Classifier,
    CentroidGenre,
    Centroid,
    Clusters,
    Knn,
    Adviser,
    AdviserGenre,
    Popular,
}

impl Method {
    /// Every method, the default first.
    pub const ALL: [Method; 9] = [
        Method::Blend,
        Method::Classifier,
        Method::CentroidGenre,
        Method::Centroid,
        Method::Clusters,
        Method::Knn,
        Method::Adviser,
        Method::AdviserGenre,
        Method::Popular,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::Blend => "blend",
            Method::Classifier => "classifier",
            Method::CentroidGenre => "centroid-genre",
            Method::Centroid => "centroid",
            Method::Clusters => "clusters",
            Method::Knn => "knn",
            Method::Adviser => "adviser",
            Method::AdviserGenre => "adviser-genre",
            Method::Popular => "popular",
        }
    }

    /// One sentence the app shows next to the method's name.
    pub fn description(self) -> &'static str {
        match self {
            Method::Blend => {
                "Favours what your tracks share more than the catalog does: artists, albums, genres, eras."
            }
            Method::Classifier => {
                "Learns what sets your tracks apart from random ones and ranks the catalog by it."
            }
            Method::CentroidGenre => {
                "Finds tracks most like the average of yours, with genres counting the most."
            }
            Method::Centroid => {
                "Finds tracks most like the average of yours: sound, genres, era and popularity alike."
            }
            Method::Clusters => {
                "Splits the catalog into sound families and picks from each as often as you do."
            }
            Method::Knn => {
                "Takes turns between your tracks, each suggesting its closest neighbours."
            }
            Method::Adviser => {
                "Finds your corner of the music map and the tracks nearest to you in it."
            }
            Method::AdviserGenre => {
                "Like adviser, but only tracks that share at least one genre with yours."
            }
            Method::Popular => "The most popular tracks you do not have yet: a baseline.",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = RecommendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| RecommendError::UnknownMethod(s.to_owned()))
    }
}

/// "More of this feature": shifts the target by `amount` catalog standard deviations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nudge {
    pub feature: Feature,
    /// Positive for more, negative for less; about -2..=2 is a useful slider range.
    pub amount: f32,
}

/// Which artists the list may hold, next to the ones the seeds credit (any credit, any position).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Artists {
    /// Only tracks by an artist the seeds credit.
    Familiar,
    /// Any artist: the method decides.
    #[default]
    Mixed,
    /// No track crediting any artist the seeds credit: discovery.
    New,
}

impl Artists {
    pub const ALL: [Artists; 3] = [Artists::Familiar, Artists::Mixed, Artists::New];

    pub fn name(self) -> &'static str {
        match self {
            Artists::Familiar => "familiar",
            Artists::Mixed => "mixed",
            Artists::New => "new",
        }
    }
}

impl fmt::Display for Artists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Artists {
    type Err = RecommendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Artists::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| RecommendError::UnknownArtists(s.to_owned()))
    }
}

/// What the listener asks for beyond the seeds. The same for every method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Number of results wanted (at least 1). When fewer tracks are eligible, all of them come
    /// back: asking for more than the catalog holds is not an error.
    pub k: usize,
    /// Tracks never to recommend (besides the seeds, which are always excluded).
    pub exclude: Vec<TrackIdx>,
    /// At most this many results per primary artist (at least 1); `None` for no cap.
    pub max_per_artist: Option<usize>,
    /// Only tracks released in this inclusive year range; tracks of unknown year are left out
    /// when a range is set.
    pub years: Option<(u16, u16)>,
    /// Feature shifts, applied to each method's best candidates.
    pub nudges: Vec<Nudge>,
    /// From -1 (hidden gems) through 0 (no preference) to 1 (hits).
    pub popularity: f32,
    /// Familiar artists only, any, or new artists only (a hard filter, like the year range).
    pub artists: Artists,
    /// Recommend for one side of the taste only (an index into [`Recommender::sides`] of the
    /// same seeds); `None` for all of them.
    pub side: Option<usize>,
    /// For all sides of a library (60 seeds or more that split into sides), `blend` ranks each
    /// side on its own seeds and deals the sides' lists into one, each side its share of the
    /// places ([`taste_sides::shares`]): on the mixed DEV libraries TastesServed@50 0.48 to
    /// 0.57 and NDCG@50 0.133 to 0.146, for one pass per side. On by default; off, one list
    /// for the whole library.
    pub split_sides: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            k: 50,
            exclude: Vec::new(),
            max_per_artist: None,
            years: None,
            nudges: Vec::new(),
            popularity: 0.0,
            artists: Artists::Mixed,
            side: None,
            split_sides: true,
        }
    }
}

/// One recommended track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub track: TrackIdx,
    /// The method's score (after any re-ranking by the options); higher is better. Only the
    /// order is meaningful across methods.
    pub score: f32,
    pub explanation: Explanation,
}

/// Why a request cannot be answered.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RecommendError {
    #[error("no seed tracks given")]
    NoSeeds,
    #[error("track index {index} is not in the catalog of {n_tracks} tracks")]
    UnknownTrack { index: u32, n_tracks: usize },
    #[error("number of results must be at least 1")]
    ZeroResults,
    #[error("at most 0 tracks per artist would leave nothing to recommend")]
    ZeroPerArtist,
    #[error("year range {0}..={1} is empty")]
    EmptyYears(u16, u16),
    // Without the value: printing an `f32` would ship the float printer to the browser.
    #[error("popularity preference is outside -1..=1")]
    Popularity,
    #[error("nudge on {0:?} is not a finite number")]
    Nudge(Feature),
    #[error(
        "unknown method {0:?}, expected one of: blend, classifier, centroid-genre, centroid, clusters, knn, adviser, adviser-genre, popular"
    )]
    UnknownMethod(String),
    #[error("unknown artists choice {0:?}, expected one of: familiar, mixed, new")]
    UnknownArtists(String),
    #[error("side {side} does not exist: the taste has {n_sides} sides")]
    UnknownSide { side: usize, n_sides: usize },
}

/// Blend splits the list among the sides of a taste only from this many seeds: a playlist of a
/// few dozen songs is one taste, a library of several playlists is where one side would
/// otherwise take the whole list. From 30, a third of DEV's single playlists split and lost
/// NDCG@50 (0.1613 to 0.1587); from 60 they keep it (0.1613), and the mixed libraries (median
/// 73 seeds) still reach TastesServed@50 0.57.
const MIN_SEEDS_TO_SPLIT: usize = 60;

/// The validated inputs of one request, as every method sees them.
#[derive(Debug)]
pub(crate) struct Query<'a> {
    pub catalog: &'a Catalog,
    pub index: &'a index::Index,
    /// Distinct seeds, in the order given.
    pub seeds: &'a [TrackIdx],
    pub options: &'a Options,
    /// Per track: a seed or excluded.
    pub blocked: &'a [bool],
    /// How many candidates a method that ranks lists (rather than scoring every track) should
    /// produce: enough for the options' re-ranking and artist cap to choose from.
    pub pool: usize,
}

impl Query<'_> {
    /// Whether `track` may be recommended at all (not a seed, not excluded, in the year range).
    pub fn allowed(&self, track: TrackIdx) -> bool {
        if self.blocked.get(track.get()).copied().unwrap_or(true) {
            return false;
        }
        match self.options.years {
            None => true,
            Some((from, to)) => self
                .catalog
                .year(track)
                .is_some_and(|y| (from..=to).contains(&y)),
        }
    }
}

/// Recommends from one catalog. Holds the indexes built from it and a score buffer reused across
/// requests, and fits the models only some methods need (the adviser's map clusters, the centroid
/// vectors, blend's prior) on first use, or ahead of it with [`Recommender::warm_up_step`].
#[derive(Debug)]
pub struct Recommender {
    catalog: Arc<Catalog>,
    index: index::Index,
    scores: Vec<f32>,
    /// Blend's weights when set by hand; the learned ones for each artists choice otherwise.
    blend: Option<BlendWeights>,
    /// Blend's re-ranking network when set by hand (`Some(None)`: none, the linear stage alone);
    /// the learned one for each artists choice otherwise.
    ranker: Option<Option<Ranker>>,
    blend_prior: OnceCell<blend::Prior>,
    adviser: OnceCell<adviser::Model>,
    adviser_fitter: Option<adviser::Fitter>,
    centroid: OnceCell<centroid::Space>,
    centroid_builder: Option<centroid::Builder>,
    /// The last distinct seeds grouped into sides, and their sides: the app asks for a taste's
    /// sides, then recommends from the same seeds move after move, and grouping 10,000 seeds
    /// takes about 16 ms.
    last_sides: RefCell<Option<(Vec<TrackIdx>, Vec<taste_sides::Side>)>>,
}

/// A request being answered a piece at a time: see [`Recommender::begin`].
#[derive(Debug)]
pub struct Job {
    method: Method,
    /// Distinct seeds, in the order given.
    seeds: Vec<TrackIdx>,
    options: Options,
    /// Per track: a seed or excluded.
    blocked: Vec<bool>,
    /// The sides of the taste blend gives their shares of the list (`shares`): none unless it
    /// splits the list.
    sides: Vec<taste_sides::Side>,
    shares: Vec<usize>,
    /// Each side's own list, one more per step of [`Recommender::advance`].
    side_lists: Vec<Vec<(TrackIdx, f32)>>,
    knn: knn::Progress,
}

impl Recommender {
    pub fn new(catalog: impl Into<Arc<Catalog>>) -> Self {
        let catalog = catalog.into();
        let n = catalog.n_tracks();
        Self {
            index: index::Index::new(&catalog),
            scores: vec![f32::NEG_INFINITY; n],
            blend: None,
            ranker: None,
            blend_prior: OnceCell::new(),
            adviser: OnceCell::new(),
            adviser_fitter: None,
            centroid: OnceCell::new(),
            centroid_builder: None,
            last_sides: RefCell::new(None),
            catalog,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Replaces `blend`'s signal weights for every artists choice (the defaults are the learned
    /// ones, one set per choice; this is for re-tuning with `encore eval`).
    pub fn set_blend_weights(&mut self, weights: BlendWeights) {
        self.blend = Some(weights);
    }

    /// Replaces `blend`'s weights and re-ranking network (`None`: the linear stage alone) for
    /// every artists choice: for training and measuring them (`encore train`).
    pub fn set_blend_model(&mut self, weights: BlendWeights, ranker: Option<Ranker>) {
        self.blend = Some(weights);
        self.ranker = Some(ranker);
    }

    /// The weights blend uses for `options`, and the network that re-ranks its best candidates,
    /// if any.
    fn blend_model(&self, options: &Options) -> (BlendWeights, Option<Ranker>) {
        let (weights, ranker) = match options.artists {
            Artists::New => (learned::NEW_ARTISTS, learned::NEW_ARTISTS_RANKER),
            Artists::Familiar | Artists::Mixed => (learned::MIXED, learned::MIXED_RANKER),
        };
        (
            self.blend.unwrap_or(weights),
            self.ranker.clone().unwrap_or(Some(ranker)),
        )
    }

    /// For training blend (`encore train`): the `depth` best tracks for `seeds` under the linear
    /// `weights` and `options`, best first, each with the re-ranking network's features (blend's
    /// signals first, in [`Signal::ALL`] order).
    pub fn blend_candidates(
        &mut self,
        seeds: &[TrackIdx],
        options: &Options,
        weights: &BlendWeights,
        depth: usize,
    ) -> Result<Vec<(TrackIdx, [f32; ranker::N_FEATURES])>, RecommendError> {
        let job = self.begin(Method::Blend, seeds, options)?;
        let catalog = Arc::clone(&self.catalog);
        let query = Query {
            catalog: &catalog,
            index: &self.index,
            seeds: &job.seeds,
            options: &job.options,
            blocked: &job.blocked,
            pool: depth.min(catalog.n_tracks()),
        };
        blend_scores(&self.blend_prior, &mut self.scores, &query, weights, None);
        let prior = self.blend_prior.get_or_init(|| blend::Prior::new(&catalog));
        let signals = blend::Signals::new(&query, prior);
        let context = ranker::Context::new(&query, prior);
        Ok(ranker::candidates(&query, &self.scores, depth)
            .into_iter()
            .map(|t| (t, context.features(&query, prior, &signals, t)))
            .collect())
    }

    /// Fits one piece of the models that some methods otherwise fit on first use; `true` once
    /// every model is ready. A UI calls it between frames after loading, so that no method's
    /// first use is slow; skipping it changes no result.
    pub fn warm_up_step(&mut self) -> bool {
        let catalog = &self.catalog;
        if self.blend_prior.get().is_none() {
            self.blend_prior.get_or_init(|| blend::Prior::new(catalog));
        } else if self.centroid.get().is_none() {
            warm(
                &self.centroid,
                &mut self.centroid_builder,
                catalog,
                centroid::Builder::new,
            );
        } else if self.adviser.get().is_none() {
            warm(
                &self.adviser,
                &mut self.adviser_fitter,
                catalog,
                adviser::Fitter::new,
            );
        } else {
            self.index.code_index(catalog);
        }
        self.blend_prior.get().is_some()
            && self.centroid.get().is_some()
            && self.adviser.get().is_some()
            && self.index.has_code_index()
    }

    /// The `options.k` best tracks for `seeds` by `method`, best first, never a seed or an
    /// excluded track. Duplicate seeds count once.
    pub fn recommend(
        &mut self,
        method: Method,
        seeds: &[TrackIdx],
        options: &Options,
    ) -> Result<Vec<Recommendation>, RecommendError> {
        let mut job = self.begin(method, seeds, options)?;
        loop {
            if let Some(results) = self.advance(&mut job) {
                return Ok(results);
            }
        }
    }

    /// Checks a request and starts it; [`Recommender::advance`] answers it. The answer is the
    /// one [`Recommender::recommend`] gives. A caller that must stay responsive (the app's main
    /// thread) yields between calls of `advance`, and simply drops a job it no longer wants.
    pub fn begin(
        &self,
        method: Method,
        seeds: &[TrackIdx],
        options: &Options,
    ) -> Result<Job, RecommendError> {
        let mut seeds = validate(&self.catalog, seeds, options)?;
        let blocked = self.blocked(&seeds, options);
        let mut sides = vec![];
        let mut shares = vec![];
        if options.side.is_some()
            || (options.split_sides && method == Method::Blend && seeds.len() >= MIN_SEEDS_TO_SPLIT)
        {
            let taste = self.sides_of_distinct(&seeds);
            if let Some(side) = options.side {
                let chosen = taste.get(side).ok_or(RecommendError::UnknownSide {
                    side,
                    n_sides: taste.len(),
                })?;
                seeds = chosen.seeds.clone();
            } else if taste.len() > 1 {
                shares = taste_sides::shares(&taste, options.k);
                sides = taste;
            }
        }
        Ok(Job {
            method,
            seeds,
            options: options.clone(),
            blocked,
            sides,
            shares,
            side_lists: Vec::new(),
            knn: knn::Progress::default(),
        })
    }

    /// The sides of the taste of `seeds`, largest first (one when it does not split): their
    /// names, sizes and seeds. [`Options::side`] picks one of them by index.
    pub fn sides(&self, seeds: &[TrackIdx]) -> Vec<taste_sides::Side> {
        let n = self.catalog.n_tracks();
        let mut seen = std::collections::HashSet::with_capacity(seeds.len());
        let seeds: Vec<TrackIdx> = seeds
            .iter()
            .copied()
            .filter(|s| s.get() < n && seen.insert(*s))
            .collect();
        self.sides_of_distinct(&seeds)
    }

    /// [`taste_sides::sides`] of distinct, in-range `seeds`, grouped once while the same seeds
    /// keep being asked about.
    fn sides_of_distinct(&self, seeds: &[TrackIdx]) -> Vec<taste_sides::Side> {
        let mut kept = self.last_sides.borrow_mut();
        if let Some((of, sides)) = kept.as_ref()
            && of == seeds
        {
            return sides.clone();
        }
        let sides = taste_sides::sides(&self.catalog, seeds);
        *kept = Some((seeds.to_vec(), sides.clone()));
        sides
    }

    /// Per track, whether the request rules it out: a seed, excluded, or by an artist the
    /// artists choice leaves out.
    fn blocked(&self, seeds: &[TrackIdx], options: &Options) -> Vec<bool> {
        let n = self.catalog.n_tracks();
        let familiar = || {
            let mut familiar = vec![false; n];
            for a in self.index.seed_artists(&self.catalog, seeds) {
                for t in self.index.artist(a) {
                    familiar[t.get()] = true;
                }
            }
            familiar
        };
        let mut blocked = match options.artists {
            Artists::Mixed => vec![false; n],
            Artists::New => familiar(),
            Artists::Familiar => familiar().into_iter().map(|f| !f).collect(),
        };
        for &t in seeds.iter().chain(&options.exclude) {
            blocked[t.get()] = true;
        }
        blocked
    }

    /// Does one bounded piece of `job`: the whole of most methods, one batch of seeds for `knn`.
    /// Returns the results once the job is done.
    pub fn advance(&mut self, job: &mut Job) -> Option<Vec<Recommendation>> {
        let catalog = Arc::clone(&self.catalog);
        // With sides, one side's own list per step, then the sides' lists dealt into one.
        if job.side_lists.len() < job.sides.len() {
            let list = self.side_list(job, &job.sides[job.side_lists.len()].seeds);
            job.side_lists.push(list);
            if job.side_lists.len() < job.sides.len() {
                return None;
            }
        }
        let query = Query {
            catalog: &catalog,
            index: &self.index,
            seeds: &job.seeds,
            options: &job.options,
            blocked: &job.blocked,
            pool: select::pool_size(&job.options, catalog.n_tracks()),
        };
        if !job.sides.is_empty() {
            let picked = taste_sides::deal(&catalog, &job.side_lists, &job.shares, &job.options);
            return Some(explained(&query, true, picked));
        }
        self.scores.fill(f32::NEG_INFINITY);
        match job.method {
            Method::Blend => {
                let (weights, ranker) = self.blend_model(&job.options);
                blend_scores(
                    &self.blend_prior,
                    &mut self.scores,
                    &query,
                    &weights,
                    ranker.as_ref(),
                );
            }
            Method::Classifier => classifier::score(&query, &mut self.scores),
            Method::CentroidGenre | Method::Centroid => {
                let space = self.centroid.get_or_init(|| centroid::Space::new(&catalog));
                space.score(
                    &query,
                    job.method == Method::CentroidGenre,
                    &mut self.scores,
                );
            }
            Method::Clusters => clusters::score(&query, &mut self.scores),
            Method::Knn => {
                if !knn::step(&query, &mut job.knn, &mut self.scores) {
                    return None;
                }
            }
            Method::Adviser | Method::AdviserGenre => {
                let model = self.adviser.get_or_init(|| adviser::Model::fit(&catalog));
                model.score(&query, job.method == Method::AdviserGenre, &mut self.scores);
            }
            Method::Popular => popular::score(&query, &mut self.scores),
        }
        let picked = select::select(&query, &self.scores);
        Some(explained(&query, job.method != Method::Popular, picked))
    }
}

/// The picked tracks with their explanations (`uses_seeds`: whether the method ranked by the
/// seeds).
fn explained(query: &Query, uses_seeds: bool, picked: Vec<(TrackIdx, f32)>) -> Vec<Recommendation> {
    let explainer = explain::Explainer::new(query, uses_seeds);
    picked
        .into_iter()
        .map(|(track, score)| Recommendation {
            track,
            score,
            explanation: explainer.explain(track),
        })
        .collect()
}

impl Recommender {
    /// Blend's list for one side of `job`'s taste: a pass on the side's seeds alone, under the
    /// whole library's blocked tracks (no seed of another side comes back, and "new artists"
    /// means new to the whole library).
    fn side_list(&mut self, job: &Job, seeds: &[TrackIdx]) -> Vec<(TrackIdx, f32)> {
        let catalog = Arc::clone(&self.catalog);
        let query = Query {
            catalog: &catalog,
            index: &self.index,
            seeds,
            options: &job.options,
            blocked: &job.blocked,
            pool: select::pool_size(&job.options, catalog.n_tracks()),
        };
        let (weights, ranker) = self.blend_model(&job.options);
        blend_scores(
            &self.blend_prior,
            &mut self.scores,
            &query,
            &weights,
            ranker.as_ref(),
        );
        select::select(&query, &self.scores)
    }
}

/// Blend's scores for `query` into `scores`: the linear stage, then the network's re-ranking of
/// its best candidates.
fn blend_scores(
    prior: &OnceCell<blend::Prior>,
    scores: &mut [f32],
    query: &Query,
    weights: &BlendWeights,
    ranker: Option<&Ranker>,
) {
    let prior = prior.get_or_init(|| blend::Prior::new(query.catalog));
    scores.fill(f32::NEG_INFINITY);
    let signals = blend::Signals::new(query, prior);
    // The network re-ranks the sum's whole best RERANK_DEPTH, as it was trained to.
    let deep = Query {
        pool: query
            .pool
            .max(ranker.map_or(0, |_| ranker::RERANK_DEPTH))
            .min(query.catalog.n_tracks()),
        ..*query
    };
    blend::score(&deep, weights, prior, &signals, scores);
    if let Some(ranker) = ranker {
        ranker::rerank(query, prior, &signals, ranker, scores);
    }
}

/// A model fitted a bounded piece at a time, so that a UI thread can yield between pieces.
pub(crate) trait Stepwise {
    type Output;

    /// Does one piece; the model once the last piece is done.
    fn step(&mut self, catalog: &Catalog) -> Option<Self::Output>;

    /// Does every piece.
    fn run(mut self, catalog: &Catalog) -> Self::Output
    where
        Self: Sized,
    {
        loop {
            if let Some(done) = self.step(catalog) {
                return done;
            }
        }
    }
}

/// One piece of fitting `cell`'s model with the fitter in `fitter` (started by `start`).
fn warm<F: Stepwise>(
    cell: &OnceCell<F::Output>,
    fitter: &mut Option<F>,
    catalog: &Catalog,
    start: impl FnOnce(&Catalog) -> F,
) {
    let running = fitter.get_or_insert_with(|| start(catalog));
    if let Some(done) = running.step(catalog) {
        *fitter = None;
        let _ = cell.set(done);
    }
}

/// Checks the request and returns the distinct seeds in their given order.
fn validate(
    catalog: &Catalog,
    seeds: &[TrackIdx],
    options: &Options,
) -> Result<Vec<TrackIdx>, RecommendError> {
    let n_tracks = catalog.n_tracks();
    if let Some(bad) = seeds
        .iter()
        .chain(&options.exclude)
        .find(|t| t.get() >= n_tracks)
    {
        return Err(RecommendError::UnknownTrack {
            index: bad.0,
            n_tracks,
        });
    }
    if seeds.is_empty() {
        return Err(RecommendError::NoSeeds);
    }
    if options.k == 0 {
        return Err(RecommendError::ZeroResults);
    }
    if options.max_per_artist == Some(0) {
        return Err(RecommendError::ZeroPerArtist);
    }
    if let Some((from, to)) = options.years
        && from > to
    {
        return Err(RecommendError::EmptyYears(from, to));
    }
    if !(-1.0..=1.0).contains(&options.popularity) {
        return Err(RecommendError::Popularity);
    }
    if let Some(nudge) = options.nudges.iter().find(|n| !n.amount.is_finite()) {
        return Err(RecommendError::Nudge(nudge.feature));
    }
    // A set, not `Vec::contains`: a liked-songs library has thousands of seeds.
    let mut seen = std::collections::HashSet::with_capacity(seeds.len());
    Ok(seeds.iter().copied().filter(|&s| seen.insert(s)).collect())
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests;
