//! `blend`, Encore's default, first stage: a weighted sum of signals, most of them smoothed
//! log-lifts of how much more likely each of a track's traits is among the seeds than in the
//! catalog. The weights ([`BlendWeights`], one per [`Signal`]) are learned by `encore train` on
//! real playlist continuations (`fit`, `learned.rs`): one set for lists of any artists, one for
//! new artists. The second stage (`ranker`) re-ranks the sum's best candidates.
//!
//! - artist and album: `ln(1 + seeds_with_it / (KAPPA * its_catalog_tracks))`, so an artist with
//!   few catalog tracks and several seeds counts most (playlists come back to their artists);
//! - genres: cosine between the track's IDF genre vector and the seeds' genre profile;
//! - era: the lift of the track's release year under the seeds' year distribution (each seed's
//!   year spread by a small kernel), so a playlist's decades, not just its mean, count;
//! - popularity: the lift of the track's popularity decile (for tracks of unknown popularity:
//!   whether their artists are popular) among the seeds, so playlists of hits get hits and
//!   playlists of deep cuts get deep cuts;
//! - sound: the lift of the track's k-means cluster; the measurements gave it little weight next to
//!   the others, so it mostly breaks ties;
//! - Billboard hit: the lift of the track's chart flag (a hit, known not to have charted, unknown)
//!   among the seeds. It is a popularity signal where Spotify's popularity is unknown; on the
//!   1,500 dev playlists it moved NDCG@50 from 0.1069 to 0.1099 and R-precision from 0.068 to
//!   0.070 at weight 1 (0.5 did as well, 2 did worse);
//! - collaborators: tracks by an artist co-credited with a seed artist on a catalog track
//!   (`artist_graph`), the main way to artists the listener does not have yet;
//! - the track's popularity level, alone and times the artist lift (which of an artist's tracks
//!   a playlist takes), the genre cosine squared, and the size of the primary artist's catalog.
//!
//! What did not earn its place (measured, then removed): years after the newest or before the
//! oldest seed and closeness to the seeds' mean sound (as learned signals: 0.1099 against 0.1117
//! NDCG@50 on 600 cases), and, with hand-set weights, distance to several taste centroids in
//! the audio space, a global popularity prior, and gaussian era closeness around the median year.
//!
//! Speed: only candidates are scored first, the tracks sharing a genre, an artist, an album or a
//! collaborator with the seeds (genre dots streamed from per-genre track lists). Every other track
//! scores at most its popularity level's part plus the best era, popularity, sound and hit lifts
//! together; only the tracks for which that bound reaches the pool's last candidate are scored
//! (none when the pool's last candidate beats every such bound). The rankings are those of
//! scoring every track; on the 375 mixed DEV libraries this halved the time per list.

use std::collections::HashMap;

use super::Query;
use super::index::invert;
use crate::catalog::{Lists, NONE_U32};
use crate::{Catalog, TrackIdx};

/// The signals blend adds up for a track, in the order of [`BlendWeights::to_array`]: first the
/// ones only some tracks have (through the seeds' artists and albums), then the ones every track
/// has (from [`Signal::Genre`] on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Tracks by a seed artist: `ln(1 + seeds / (KAPPA * artist's tracks))`, their best artist's.
    Artist,
    /// Tracks of a seed album: as the artist's, per album.
    Album,
    /// Tracks by an artist co-credited with a seed artist on some catalog track (and by no seed
    /// artist): `ln(1 + seeds by the artists they played with)`.
    Collaborator,
    /// The artist lift times the track's popularity level: which of an artist's tracks a playlist
    /// takes.
    ArtistPopularity,
    /// Cosine between the track's IDF genre vector and the seeds' genre profile, `0..=1`.
    Genre,
    /// That cosine squared: near-matches count more than a linear weight gives them.
    GenreSquared,
    /// Lift of the track's k-means sound cluster among the seeds.
    Sound,
    /// Lift of the track's release year under the seeds' year distribution.
    Era,
    /// Lift of the track's popularity decile among the seeds.
    Popularity,
    /// Lift of the track's Billboard status among the seeds.
    Hit,
    /// The track's popularity, `0..=1` (unknown: its artists' mean, else 0).
    Level,
    /// `ln(1 + catalog tracks of its primary artist)`: prolific artists are played more.
    ArtistSize,
}

/// Where the signals every track has start in [`Signal::ALL`].
const COMMON_START: usize = 4;
const N_COMMON: usize = Signal::COUNT - COMMON_START;

impl Signal {
    pub const ALL: [Signal; 12] = [
        Signal::Artist,
        Signal::Album,
        Signal::Collaborator,
        Signal::ArtistPopularity,
        Signal::Genre,
        Signal::GenreSquared,
        Signal::Sound,
        Signal::Era,
        Signal::Popularity,
        Signal::Hit,
        Signal::Level,
        Signal::ArtistSize,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// The name `encore eval --blend` and the generated weights use.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Artist => "artist",
            Signal::Album => "album",
            Signal::Collaborator => "collaborator",
            Signal::ArtistPopularity => "artist_popularity",
            Signal::Genre => "genre",
            Signal::GenreSquared => "genre_squared",
            Signal::Sound => "sound",
            Signal::Era => "era",
            Signal::Popularity => "popularity",
            Signal::Hit => "hit",
            Signal::Level => "level",
            Signal::ArtistSize => "artist_size",
        }
    }
}

/// The weight of each signal. The defaults are the ones `encore train` learned (`learned.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendWeights {
    pub artist: f32,
    pub album: f32,
    pub collaborator: f32,
    pub artist_popularity: f32,
    pub genre: f32,
    pub genre_squared: f32,
    pub sound: f32,
    pub era: f32,
    pub popularity: f32,
    pub hit: f32,
    pub level: f32,
    pub artist_size: f32,
}

impl Default for BlendWeights {
    fn default() -> Self {
        super::learned::MIXED
    }
}

impl BlendWeights {
    /// The weights in [`Signal::ALL`] order.
    pub fn to_array(&self) -> [f32; Signal::COUNT] {
        [
            self.artist,
            self.album,
            self.collaborator,
            self.artist_popularity,
            self.genre,
            self.genre_squared,
            self.sound,
            self.era,
            self.popularity,
            self.hit,
            self.level,
            self.artist_size,
        ]
    }

    /// The weights from an array in [`Signal::ALL`] order.
    pub fn from_array(w: [f32; Signal::COUNT]) -> Self {
        let [
            artist,
            album,
            collaborator,
            artist_popularity,
            genre,
            genre_squared,
            sound,
            era,
            popularity,
            hit,
            level,
            artist_size,
        ] = w;
        Self {
            artist,
            album,
            collaborator,
            artist_popularity,
            genre,
            genre_squared,
            sound,
            era,
            popularity,
            hit,
            level,
            artist_size,
        }
    }

    /// The weight of `signal`, for tuning by name.
    pub fn get_mut(&mut self, signal: Signal) -> &mut f32 {
        match signal {
            Signal::Artist => &mut self.artist,
            Signal::Album => &mut self.album,
            Signal::Collaborator => &mut self.collaborator,
            Signal::ArtistPopularity => &mut self.artist_popularity,
            Signal::Genre => &mut self.genre,
            Signal::GenreSquared => &mut self.genre_squared,
            Signal::Sound => &mut self.sound,
            Signal::Era => &mut self.era,
            Signal::Popularity => &mut self.popularity,
            Signal::Hit => &mut self.hit,
            Signal::Level => &mut self.level,
            Signal::ArtistSize => &mut self.artist_size,
        }
    }
}

/// Popularity buckets: ten deciles (100 joins the last); for tracks of unknown popularity, whether
/// their artists' known tracks average below or above 50; then "nothing known".
const POPULARITY_BUCKETS: usize = 13;
/// Year buckets from FIRST_YEAR on; bucket 0 is "unknown", the last collects later years.
const FIRST_YEAR: u16 = 1900;
const YEAR_BUCKETS: usize = 140;
/// Width (standard deviation, in years) of the kernel that spreads each seed's year.
const YEAR_KERNEL: f32 = 1.0;

/// Smoothing (in seeds) of the popularity, year and cluster distributions towards the catalog's.
const POPULARITY_ALPHA: f32 = 6.0;
const YEAR_ALPHA: f32 = 2.0;
const CLUSTER_ALPHA: f32 = 0.5;
const HIT_ALPHA: f32 = 6.0;
/// Billboard buckets: a hit, known not to have charted, unknown.
const HIT_BUCKETS: usize = 3;
/// Artist and album smoothing: one seed by an artist with `n` catalog tracks lifts them by
/// `ln(1 + 1 / (KAPPA * n))`.
const KAPPA: f32 = 0.03;

/// Per-track categories and their catalog shares, fitted on first use.
#[derive(Debug)]
pub(crate) struct Prior {
    popularity: Vec<u8>,
    popularity_share: [f32; POPULARITY_BUCKETS],
    year: Vec<u8>,
    year_share: Vec<f32>,
    cluster_share: Vec<f32>,
    hit: Vec<u8>,
    hit_share: [f32; HIT_BUCKETS],
    /// Per track, the length of its IDF genre vector (0 without genres).
    genre_norm: Vec<f32>,
    /// Per genre, its tracks: the candidates a seed genre brings.
    genre_tracks: Lists<u32>,
    /// Per track, its popularity level in `0..=1` (unknown: its artists' mean, else 0).
    level: Vec<f32>,
    /// Per track, `ln(1 + catalog tracks of its primary artist)`, and the largest.
    artist_size: Vec<f32>,
    max_artist_size: f32,
}

fn year_bucket(year: Option<u16>) -> u8 {
    year.map_or(0, |y| {
        (y.saturating_sub(FIRST_YEAR) as usize).clamp(1, YEAR_BUCKETS - 1) as u8
    })
}

/// Spreads `weight` over the year buckets around `bucket` with a gaussian kernel (bucket 0,
/// "unknown", takes it whole).
fn spread_year(bucket: u8, weight: f32, out: &mut [f32]) {
    if bucket == 0 {
        out[0] += weight;
        return;
    }
    let radius = (3.0 * YEAR_KERNEL).ceil() as i32;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|d| (-0.5 * (d as f32 / YEAR_KERNEL).powi(2)).exp())
        .collect();
    let total: f32 = kernel.iter().sum();
    for (d, k) in (-radius..=radius).zip(&kernel) {
        let b = (i32::from(bucket) + d).clamp(1, YEAR_BUCKETS as i32 - 1) as usize;
        out[b] += weight * k / total;
    }
}

/// Each track's popularity bucket and level (0..1). Known popularity by decile; unknown
/// popularity by the quintile of the mean known popularity of the track's artists (some sources
/// carry none), else "nothing known".
fn popularity_levels(catalog: &Catalog) -> (Vec<u8>, Vec<f32>) {
    let n_artists = catalog.artists.names.len();
    let mut sums = vec![(0.0f32, 0u32); n_artists];
    for (t, p) in catalog.popularity.iter().enumerate() {
        if let Some(p) = p {
            for &a in catalog.track_artists.row(t) {
                if let Some((sum, count)) = sums.get_mut(a as usize) {
                    *sum += f32::from(*p);
                    *count += 1;
                }
            }
        }
    }
    let artist_mean = |a: u32| {
        sums.get(a as usize)
            .filter(|(_, c)| *c > 0)
            .map(|(s, c)| s / *c as f32)
    };
    let popularity: Vec<u8> = catalog
        .popularity
        .iter()
        .enumerate()
        .map(|(t, p)| match p {
            Some(p) => (p / 10).min(9),
            None => catalog
                .track_artists
                .row(t)
                .iter()
                .find_map(|&a| artist_mean(a))
                .map_or(POPULARITY_BUCKETS as u8 - 1, |m| 10 + u8::from(m >= 50.0)),
        })
        .collect();
    let level: Vec<f32> = catalog
        .popularity
        .iter()
        .enumerate()
        .map(|(t, p)| match p {
            Some(p) => f32::from(*p) / 100.0,
            None => catalog
                .track_artists
                .row(t)
                .iter()
                .find_map(|&a| artist_mean(a))
                .map_or(0.0, |m| m / 100.0),
        })
        .collect();
    (popularity, level)
}

/// Each track's primary artist's catalogue size, as `ln(1 + tracks)`.
fn artist_sizes(catalog: &Catalog) -> Vec<f32> {
    let n_artists = catalog.artists.names.len();
    let mut artist_tracks = vec![0u32; n_artists];
    for &a in &catalog.track_artists.values {
        if let Some(c) = artist_tracks.get_mut(a as usize) {
            *c += 1;
        }
    }
    (0..catalog.n_tracks())
        .map(|t| {
            catalog
                .primary_artist(TrackIdx(t as u32))
                .and_then(|a| artist_tracks.get(a as usize))
                .map_or(0.0, |&c| (c as f32).ln_1p())
        })
        .collect()
}

impl Prior {
    /// The track's popularity level, `0..=1` (unknown: its artists' mean, else 0).
    pub fn level(&self, track: TrackIdx) -> f32 {
        self.level.get(track.get()).copied().unwrap_or(0.0)
    }

    pub fn new(catalog: &Catalog) -> Self {
        let n = catalog.n_tracks().max(1) as f32;
        let (popularity, level) = popularity_levels(catalog);
        let artist_size = artist_sizes(catalog);
        let max_artist_size = artist_size.iter().copied().fold(0.0, f32::max);
        let mut popularity_share = [0.0f32; POPULARITY_BUCKETS];
        popularity
            .iter()
            .for_each(|&b| popularity_share[b as usize] += 1.0 / n);
        let year: Vec<u8> = (0..catalog.n_tracks())
            .map(|t| year_bucket(catalog.year(TrackIdx(t as u32))))
            .collect();
        let mut year_share = vec![0.0f32; YEAR_BUCKETS];
        let mut raw = vec![0.0f32; YEAR_BUCKETS];
        year.iter().for_each(|&b| raw[b as usize] += 1.0 / n);
        for (b, &w) in raw.iter().enumerate() {
            spread_year(b as u8, w, &mut year_share);
        }
        let mut cluster_share = vec![0.0f32; catalog.kmeans.k().max(1)];
        for &c in &catalog.clusters {
            if let Some(share) = cluster_share.get_mut(c as usize) {
                *share += 1.0 / n;
            }
        }
        let hit: Vec<u8> = catalog
            .charted
            .iter()
            .map(|c| match c {
                Some(true) => 0,
                Some(false) => 1,
                None => 2,
            })
            .collect();
        let mut hit_share = [0.0f32; HIT_BUCKETS];
        hit.iter().for_each(|&b| hit_share[b as usize] += 1.0 / n);
        let genre_norm = (0..catalog.n_tracks())
            .map(|t| genre_norm(catalog, TrackIdx(t as u32)))
            .collect();
        let genre_tracks = invert(
            catalog.genres.names.len(),
            (0..catalog.n_tracks()).flat_map(|t| {
                catalog
                    .track_genres
                    .row(t)
                    .iter()
                    .map(move |&g| (u32::from(g), t as u32))
            }),
        );
        Self {
            popularity,
            popularity_share,
            year,
            year_share,
            cluster_share,
            hit,
            hit_share,
            genre_norm,
            genre_tracks,
            level,
            artist_size,
            max_artist_size,
        }
    }
}

/// Smoothed log-lifts of the seeds' distribution over the catalog's: `ln(p_seeds / p_catalog)`
/// with `p_seeds = (count + alpha * p_catalog) / (n + alpha)`, so rare evidence pulls towards 1.
fn log_lifts(counts: &[f32], shares: &[f32], n: f32, alpha: f32) -> Vec<f32> {
    counts
        .iter()
        .zip(shares)
        .map(|(&c, &p)| {
            if p > 0.0 {
                ((c + alpha * p) / (n + alpha) / p).ln()
            } else {
                0.0
            }
        })
        .collect()
}

/// What one request's seeds say about any track: each signal's lifts.
#[derive(Debug)]
pub(crate) struct Signals {
    /// The seeds' unit genre profile (per genre).
    profile: Vec<f32>,
    pop_lift: Vec<f32>,
    year_lift: Vec<f32>,
    cluster_lift: Vec<f32>,
    hit_lift: Vec<f32>,
    /// Per track by a seed artist, its best artist lift: a duet is not worth two songs.
    artist: HashMap<u32, f32>,
    /// Per seed album, its lift.
    album: HashMap<u32, f32>,
    /// Per track by a collaborator of a seed artist (and by no seed artist), its best
    /// collaborator lift.
    collaborator: HashMap<u32, f32>,
}

impl Signals {
    pub fn new(query: &Query, prior: &Prior) -> Self {
        let catalog = query.catalog;
        let n_seeds = query.seeds.len() as f32;
        let mut pop_counts = [0.0f32; POPULARITY_BUCKETS];
        let mut year_counts = vec![0.0f32; YEAR_BUCKETS];
        let mut cluster_counts = vec![0.0f32; prior.cluster_share.len()];
        let mut hit_counts = [0.0f32; HIT_BUCKETS];
        let mut artist_seeds: HashMap<u32, f32> = HashMap::new();
        let mut album_seeds: HashMap<u32, f32> = HashMap::new();
        for &s in query.seeds {
            hit_counts[usize::from(prior.hit.get(s.get()).copied().unwrap_or(2))] += 1.0;
            pop_counts[prior.popularity[s.get()] as usize] += 1.0;
            spread_year(prior.year[s.get()], 1.0, &mut year_counts);
            if let Some(c) =
                cluster_counts.get_mut(catalog.clusters.get(s.get()).copied().unwrap_or(0) as usize)
            {
                *c += 1.0;
            }
            for &a in catalog.track_artists.row(s.get()) {
                *artist_seeds.entry(a).or_default() += 1.0;
            }
            if let Some(&b) = catalog.track_album.get(s.get()).filter(|&&b| b != NONE_U32) {
                *album_seeds.entry(b).or_default() += 1.0;
            }
        }
        let mut artist: HashMap<u32, f32> = HashMap::new();
        for (&a, &count) in &artist_seeds {
            let size = query.index.artist_tracks.row(a as usize).len().max(1) as f32;
            let lift = (1.0 + count / (KAPPA * size)).ln();
            for t in query.index.artist(a) {
                let e = artist.entry(t.0).or_insert(0.0);
                *e = e.max(lift);
            }
        }
        let album = album_seeds
            .iter()
            .map(|(&b, &count)| {
                let size = query.index.album_tracks.row(b as usize).len().max(1) as f32;
                (b, (1.0 + count / (KAPPA * size)).ln())
            })
            .collect();
        // A collaborator counts the seeds of every seed artist they played with.
        let mut played_with: HashMap<u32, f32> = HashMap::new();
        for (&a, &count) in &artist_seeds {
            for &b in query.index.graph.neighbours(a) {
                if !artist_seeds.contains_key(&b) {
                    *played_with.entry(b).or_default() += count;
                }
            }
        }
        let mut collaborator: HashMap<u32, f32> = HashMap::new();
        for (&b, &count) in &played_with {
            let lift = count.ln_1p();
            for t in query.index.artist(b) {
                if !artist.contains_key(&t.0) {
                    let e = collaborator.entry(t.0).or_insert(0.0);
                    *e = e.max(lift);
                }
            }
        }
        Self {
            profile: genre_profile(query, prior),
            pop_lift: log_lifts(
                &pop_counts,
                &prior.popularity_share,
                n_seeds,
                POPULARITY_ALPHA,
            ),
            year_lift: log_lifts(&year_counts, &prior.year_share, n_seeds, YEAR_ALPHA),
            cluster_lift: log_lifts(
                &cluster_counts,
                &prior.cluster_share,
                n_seeds,
                CLUSTER_ALPHA,
            ),
            hit_lift: log_lifts(&hit_counts, &prior.hit_share, n_seeds, HIT_ALPHA),
            artist,
            album,
            collaborator,
        }
    }

    /// The signals every track has, given its genre dot with the profile, in [`Signal::ALL`]
    /// order from [`Signal::Genre`] on.
    fn common(&self, catalog: &Catalog, prior: &Prior, t: usize, dot: f32) -> [f32; N_COMMON] {
        let norm = prior.genre_norm[t];
        let genre = if norm > 0.0 { dot / norm } else { 0.0 };
        [
            genre,
            genre * genre,
            self.cluster_lift
                .get(catalog.clusters.get(t).copied().unwrap_or(0) as usize)
                .copied()
                .unwrap_or(0.0),
            self.year_lift[prior.year[t] as usize],
            self.pop_lift[prior.popularity[t] as usize],
            self.hit_lift[usize::from(prior.hit.get(t).copied().unwrap_or(2))],
            prior.level[t],
            prior.artist_size[t],
        ]
    }

    /// The best the common signals other than the genres' can add up to under `w` (the genres'
    /// are 0 for a track sharing no genre with the seeds).
    fn bound_without_genres(&self, prior: &Prior, w: &[f32; Signal::COUNT]) -> f32 {
        let max = |lifts: &[f32], weight: f32| {
            lifts
                .iter()
                .map(|l| weight * l)
                .fold(f32::NEG_INFINITY, f32::max)
        };
        max(&self.cluster_lift, w[Signal::Sound as usize])
            + max(&self.year_lift, w[Signal::Era as usize])
            + max(&self.pop_lift, w[Signal::Popularity as usize])
            + max(&self.hit_lift, w[Signal::Hit as usize])
            + w[Signal::Level as usize].max(0.0)
            + max(
                &[0.0, prior.max_artist_size],
                w[Signal::ArtistSize as usize],
            )
    }

    /// Every signal of track `t`, in [`Signal::ALL`] order.
    pub fn of(&self, catalog: &Catalog, prior: &Prior, t: TrackIdx) -> [f32; Signal::COUNT] {
        let dot: f32 = catalog
            .track_genres
            .row(t.get())
            .iter()
            .map(|&g| idf(catalog, g) * self.profile.get(usize::from(g)).copied().unwrap_or(0.0))
            .sum();
        let album = catalog
            .track_album
            .get(t.get())
            .and_then(|b| self.album.get(b))
            .copied()
            .unwrap_or(0.0);
        let artist = self.artist.get(&t.0).copied().unwrap_or(0.0);
        let mut out = [0.0; Signal::COUNT];
        out[..COMMON_START].copy_from_slice(&[
            artist,
            album,
            self.collaborator.get(&t.0).copied().unwrap_or(0.0),
            artist * prior.level[t.get()],
        ]);
        out[COMMON_START..].copy_from_slice(&self.common(catalog, prior, t.get(), dot));
        out
    }
}

/// Scores into `scores` every track that could enter the list (the others stay at -inf): the
/// weighted sum of its signals.
pub(crate) fn score(
    query: &Query,
    weights: &BlendWeights,
    prior: &Prior,
    signals: &Signals,
    scores: &mut [f32],
) {
    let catalog = query.catalog;
    let w = weights.to_array();
    let base = |t: usize, dot: f32| {
        signals
            .common(catalog, prior, t, dot)
            .iter()
            .zip(&w[COMMON_START..])
            .map(|(x, w)| x * w)
            .sum::<f32>()
    };
    // Candidates first: tracks sharing a genre, an artist, an album or a collaborator with the
    // seeds. Every other track scores only its era, popularity, sound and hit, at most `bound`.
    let mut candidates = genre_dots(query, prior, signals, scores);
    for &t in &candidates {
        scores[t as usize] = base(t as usize, scores[t as usize]);
    }
    // Tracks without a seed genre: their dot is zero.
    let visit = |t: u32, scores: &mut [f32], candidates: &mut Vec<u32>| {
        let score = &mut scores[t as usize];
        if *score == f32::NEG_INFINITY && query.allowed(TrackIdx(t)) {
            *score = base(t as usize, 0.0);
            candidates.push(t);
        }
        score.is_finite()
    };
    for (&t, &lift) in &signals.artist {
        if visit(t, scores, &mut candidates) {
            scores[t as usize] +=
                lift * (weights.artist + weights.artist_popularity * prior.level[t as usize]);
        }
    }
    for (&b, &lift) in &signals.album {
        for t in query.index.album(b) {
            if visit(t.0, scores, &mut candidates) {
                scores[t.get()] += weights.album * lift;
            }
        }
    }
    for (&t, &lift) in &signals.collaborator {
        if visit(t, scores, &mut candidates) {
            scores[t as usize] += weights.collaborator * lift;
        }
    }
    // The other tracks matter only when they could enter the pool: when they could beat the
    // pool's last candidate (with a per-artist cap the pool may grow, so always). Each scores at
    // most its popularity level's part plus the best the other lifts can add, so only the tracks
    // popular enough for that to reach the pool are scored.
    let bound = signals.bound_without_genres(prior, &w);
    // A margin for the rounding of the sums in another order.
    let bound = bound + 1e-4 * (1.0 + bound.abs());
    let uncapped = query.options.max_per_artist.is_none();
    let Some(last_of_pool) = uncapped
        .then(|| nth_best(&candidates, scores, query.pool))
        .flatten()
    else {
        // Every candidate is scored already.
        for t in 0..scores.len() as u32 {
            visit(t, scores, &mut candidates);
        }
        return;
    };
    if bound < last_of_pool {
        return;
    }
    let level_weight = w[Signal::Level as usize];
    let without_level = bound - level_weight.max(0.0);
    for (t, &level) in prior.level.iter().enumerate() {
        if level_weight * level + without_level >= last_of_pool {
            visit(t as u32, scores, &mut candidates);
        }
    }
}

/// Each allowed track sharing a genre with the seeds, its genre dot with their profile in
/// `scores`. The dots stream each seed genre's track list, accumulating in `scores` (in ascending
/// genre order, the order of a track's genre row, so the sums are those of a dot product over
/// the row).
fn genre_dots(query: &Query, prior: &Prior, signals: &Signals, scores: &mut [f32]) -> Vec<u32> {
    let catalog = query.catalog;
    let mut candidates: Vec<u32> = Vec::new();
    let mut seed_genres: Vec<u16> = query
        .seeds
        .iter()
        .flat_map(|s| catalog.track_genres.row(s.get()).iter().copied())
        .collect();
    seed_genres.sort_unstable();
    seed_genres.dedup();
    for &g in &seed_genres {
        let w = idf(catalog, g) * signals.profile.get(usize::from(g)).copied().unwrap_or(0.0);
        for &t in prior.genre_tracks.row(usize::from(g)) {
            let score = &mut scores[t as usize];
            if score.is_finite() {
                *score += w;
            } else if query.allowed(TrackIdx(t)) {
                *score = w;
                candidates.push(t);
            }
        }
    }
    candidates
}

/// The `n`-th best score of `tracks` (1-based), `None` when there are fewer.
fn nth_best(tracks: &[u32], scores: &[f32], n: usize) -> Option<f32> {
    if n == 0 || tracks.len() < n {
        return None;
    }
    let mut values: Vec<f32> = tracks.iter().map(|&t| scores[t as usize]).collect();
    let (_, nth, _) = values.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    Some(*nth)
}

/// The seeds' genre profile: the sum of their unit IDF genre vectors, scaled to unit length.
fn genre_profile(query: &Query, prior: &Prior) -> Vec<f32> {
    let catalog = query.catalog;
    let mut profile = vec![0.0f32; catalog.genres.names.len()];
    for &s in query.seeds {
        let norm = prior.genre_norm[s.get()];
        if norm > 0.0 {
            for &g in catalog.track_genres.row(s.get()) {
                if let Some(p) = profile.get_mut(g as usize) {
                    *p += idf(catalog, g) / norm;
                }
            }
        }
    }
    let norm = profile.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        profile.iter_mut().for_each(|x| *x /= norm);
    }
    profile
}

pub(super) fn idf(catalog: &Catalog, genre: u16) -> f32 {
    catalog
        .genres
        .idf
        .get(genre as usize)
        .copied()
        .unwrap_or(0.0)
}

pub(super) fn genre_norm(catalog: &Catalog, track: TrackIdx) -> f32 {
    catalog
        .track_genres
        .row(track.get())
        .iter()
        .map(|&g| idf(catalog, g).powi(2))
        .sum::<f32>()
        .sqrt()
}
