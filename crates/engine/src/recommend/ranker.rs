//! Blend's second stage: a small learned network re-ranks the linear stage's best candidates.
//!
//! The linear weighted sum (`blend`) is cheap enough to score every track, but it cannot say that
//! a signal matters more when another is weak (a genre match counts for more on a track by an
//! artist the seeds do not have), or that a track close to *one* seed can fit a library whose
//! average it is far from. So the best [`RERANK_DEPTH`] tracks of the linear stage are scored
//! again by a two-layer perceptron (ReLU hidden layer plus a linear skip) over blend's signals and
//! a few more that are only worth computing for a short list ([`Extra`]): how many seed artists a
//! collaborator played with, the shares of the seeds by the track's artist and album, the number
//! of seeds, how far the track's popularity and year are from the seeds', and its closeness to the
//! nearest seed in sound and in genres.
//!
//! The network is trained by `encore train` (`fit::fit_ranker`, LambdaRank) and compiled in as a
//! few hundred generic numbers (`learned.rs`): nothing about any track, artist, album or genre.

use std::collections::{HashMap, HashSet};

use super::Query;
use super::blend::{Prior, Signal, Signals, genre_norm, idf};
use crate::catalog::NONE_U32;
use crate::ranked::{Scored, best_first};
use crate::{Catalog, Feature, TrackIdx};

/// How many of the linear stage's best tracks the network re-ranks.
pub const RERANK_DEPTH: usize = 300;
/// Hidden units of the network.
pub const HIDDEN: usize = 16;
/// At most this many seeds (evenly spread over the list) are compared one by one with each
/// candidate: enough to find a library's sides, bounded for libraries of thousands.
const NEAREST_SEEDS: usize = 96;

/// The features only the re-ranked candidates get, after blend's signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// `ln(1 + distinct seed artists co-credited with the track's artists)`, for tracks by no
    /// seed artist: one link is chance, several are a scene.
    CollaboratorLinks,
    /// The share of the seeds by the track's best-represented artist.
    ArtistShare,
    /// The share of the seeds from the track's album.
    AlbumShare,
    /// `ln(number of seeds)`: a playlist of ten and a library of a thousand want different mixes.
    SeedCount,
    /// The track's popularity level minus the seeds' mean, `-1..=1`.
    PopularityGap,
    /// The track's year minus the seeds' median, in decades (0 when unknown).
    YearGap,
    /// Distance in the scaled audio space to the nearest seed.
    NearestSound,
    /// The best cosine between the track's IDF genre vector and one seed's.
    NearestGenre,
    /// `1 / (1 + tracks of its primary artist more popular than it)`: a playlist takes an
    /// artist's best-known songs first.
    ArtistRank,
    /// The same within its album.
    AlbumRank,
    /// 1 when a seed by the same artist has the same title (up to case, version and featuring
    /// notes): another release of a song the listener has.
    SameSong,
    /// Distinct primary artists over seeds: playlists that return to their artists want more
    /// of them.
    ArtistVariety,
}

impl Extra {
    pub const ALL: [Extra; 12] = [
        Extra::CollaboratorLinks,
        Extra::ArtistShare,
        Extra::AlbumShare,
        Extra::SeedCount,
        Extra::PopularityGap,
        Extra::YearGap,
        Extra::NearestSound,
        Extra::NearestGenre,
        Extra::ArtistRank,
        Extra::AlbumRank,
        Extra::SameSong,
        Extra::ArtistVariety,
    ];
}

/// The audio features the network reads, each as the track's scaled value and as its difference
/// from the seeds' mean: a live take, a spoken interlude or an eight-minute version is rarely
/// what a playlist continues with, unless it is what the seeds are.
pub const SOUND: [Feature; 13] = Feature::ALL;

/// Every feature the network reads: blend's signals, the extras, then the sound's.
pub const N_FEATURES: usize = Signal::COUNT + Extra::ALL.len() + 2 * SOUND.len();
const SOUND_START: usize = Signal::COUNT + Extra::ALL.len();

/// The network: `skip . z + out . relu(hidden z + bias)` on standardized features
/// `z = (x - mean) / scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    pub mean: [f32; N_FEATURES],
    pub scale: [f32; N_FEATURES],
    pub hidden: [[f32; N_FEATURES]; HIDDEN],
    pub bias: [f32; HIDDEN],
    pub out: [f32; HIDDEN],
    pub skip: [f32; N_FEATURES],
}

impl Ranker {
    /// The score of a candidate with features `x`; higher is better.
    pub fn score(&self, x: &[f32; N_FEATURES]) -> f32 {
        let z: [f32; N_FEATURES] = std::array::from_fn(|i| (x[i] - self.mean[i]) / self.scale[i]);
        let skip: f32 = self.skip.iter().zip(&z).map(|(w, v)| w * v).sum();
        let hidden: f32 = self
            .hidden
            .iter()
            .zip(&self.bias)
            .zip(&self.out)
            .map(|((row, b), o)| {
                let a = b + row.iter().zip(&z).map(|(w, v)| w * v).sum::<f32>();
                o * a.max(0.0)
            })
            .sum();
        skip + hidden
    }
}

/// What the seeds say that the extras need, computed once per request.
#[derive(Debug)]
pub(crate) struct Context {
    /// Per artist, seeds crediting them.
    artist_seeds: HashMap<u32, f32>,
    /// Per album, seeds from it.
    album_seeds: HashMap<u32, f32>,
    n_seeds: f32,
    mean_level: f32,
    median_year: Option<f32>,
    /// The seeds compared one by one: their scaled rows and unit IDF genre vectors.
    rows: Vec<TrackIdx>,
    genres: Vec<Vec<(u16, f32)>>,
    /// Every seed's (primary artist key, song title).
    songs: HashSet<(u32, String)>,
    artist_variety: f32,
    /// The seeds' mean of each [`SOUND`] feature, scaled.
    sound_mean: [f32; SOUND.len()],
}

impl Context {
    pub fn new(query: &Query, prior: &Prior) -> Self {
        let catalog = query.catalog;
        let seeds = query.seeds;
        let mut artist_seeds: HashMap<u32, f32> = HashMap::new();
        let mut album_seeds: HashMap<u32, f32> = HashMap::new();
        for &s in seeds {
            for &a in catalog.track_artists.row(s.get()) {
                *artist_seeds.entry(a).or_default() += 1.0;
            }
            if let Some(&b) = catalog.track_album.get(s.get()).filter(|&&b| b != NONE_U32) {
                *album_seeds.entry(b).or_default() += 1.0;
            }
        }
        let n_seeds = seeds.len().max(1) as f32;
        let mean_level = seeds.iter().map(|&s| prior.level(s)).sum::<f32>() / n_seeds;
        let mut years: Vec<u16> = seeds.iter().filter_map(|&s| catalog.year(s)).collect();
        years.sort_unstable();
        let median_year = years.get(years.len() / 2).map(|&y| f32::from(y));
        let n_near = seeds.len().min(NEAREST_SEEDS);
        let rows: Vec<TrackIdx> = (0..n_near)
            .map(|i| seeds[i * seeds.len() / n_near])
            .collect();
        let genres = rows.iter().map(|&s| unit_genres(catalog, s)).collect();
        let songs = seeds.iter().filter_map(|&s| song(query, s)).collect();
        let primaries: HashSet<u32> = seeds
            .iter()
            .filter_map(|&s| catalog.primary_artist(s))
            .collect();
        Self {
            artist_seeds,
            album_seeds,
            n_seeds,
            mean_level,
            median_year,
            rows,
            genres,
            songs,
            artist_variety: primaries.len() as f32 / n_seeds,
            sound_mean: std::array::from_fn(|i| {
                seeds.iter().map(|&s| sound(catalog, s, i)).sum::<f32>() / n_seeds
            }),
        }
    }

    /// The extras of track `t`, in [`Extra::ALL`] order.
    fn extras(&self, query: &Query, prior: &Prior, t: TrackIdx) -> [f32; Extra::ALL.len()] {
        let catalog = query.catalog;
        let credits = catalog.track_artists.row(t.get());
        let by_seed_artist = credits.iter().any(|a| self.artist_seeds.contains_key(a));
        let links = if by_seed_artist {
            0
        } else {
            let linked: HashSet<u32> = credits
                .iter()
                .flat_map(|&a| query.index.graph.neighbours(a))
                .copied()
                .filter(|b| self.artist_seeds.contains_key(b))
                .collect();
            linked.len()
        };
        let artist_share = credits
            .iter()
            .filter_map(|a| self.artist_seeds.get(a))
            .fold(0.0f32, |m, &c| m.max(c))
            / self.n_seeds;
        let album_share = catalog
            .track_album
            .get(t.get())
            .and_then(|b| self.album_seeds.get(b))
            .copied()
            .unwrap_or(0.0)
            / self.n_seeds;
        let year_gap = match (catalog.year(t), self.median_year) {
            (Some(y), Some(m)) => (f32::from(y) - m) / 10.0,
            _ => 0.0,
        };
        let row = catalog.scaled_row(t);
        let nearest_sound = self
            .rows
            .iter()
            .map(|&s| {
                row.iter()
                    .zip(catalog.scaled_row(s))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
            })
            .fold(f32::INFINITY, f32::min)
            .sqrt();
        let genres = unit_genres(catalog, t);
        let nearest_genre = self
            .genres
            .iter()
            .map(|s| sparse_dot(&genres, s))
            .fold(0.0f32, f32::max);
        let level = prior.level(t);
        let rank_among = |tracks: &[u32]| {
            let above = tracks
                .iter()
                .filter(|&&o| prior.level(TrackIdx(o)) > level)
                .count();
            1.0 / (1.0 + above as f32)
        };
        let artist_rank = catalog.primary_artist(t).map_or(0.0, |a| {
            rank_among(query.index.artist_tracks.row(a as usize))
        });
        let album_rank = catalog
            .track_album
            .get(t.get())
            .filter(|&&b| b != NONE_U32)
            .map_or(0.0, |&b| {
                rank_among(query.index.album_tracks.row(b as usize))
            });
        let same_song = song(query, t).is_some_and(|s| self.songs.contains(&s));
        [
            (links as f32).ln_1p(),
            artist_share,
            album_share,
            self.n_seeds.ln(),
            prior.level(t) - self.mean_level,
            year_gap,
            if nearest_sound.is_finite() {
                nearest_sound
            } else {
                0.0
            },
            nearest_genre,
            artist_rank,
            album_rank,
            f32::from(u8::from(same_song)),
            self.artist_variety,
        ]
    }

    /// Every feature of track `t`: blend's signals, then the extras.
    pub fn features(
        &self,
        query: &Query,
        prior: &Prior,
        signals: &Signals,
        t: TrackIdx,
    ) -> [f32; N_FEATURES] {
        let mut out = [0.0; N_FEATURES];
        out[..Signal::COUNT].copy_from_slice(&signals.of(query.catalog, prior, t));
        out[Signal::COUNT..SOUND_START].copy_from_slice(&self.extras(query, prior, t));
        for (i, mean) in self.sound_mean.iter().enumerate() {
            let value = sound(query.catalog, t, i);
            out[SOUND_START + 2 * i] = value;
            out[SOUND_START + 2 * i + 1] = value - mean;
        }
        out
    }
}

/// The track's scaled value of the `i`-th [`SOUND`] feature (0, the catalog's mean, when absent).
fn sound(catalog: &Catalog, t: TrackIdx, i: usize) -> f32 {
    catalog
        .scaled_row(t)
        .get(SOUND[i].column())
        .copied()
        .unwrap_or(0.0)
}

/// The track's primary artist (by key) and its title without version or featuring notes (what
/// follows " - " or an opening parenthesis), in lower case.
fn song(query: &Query, t: TrackIdx) -> Option<(u32, String)> {
    let artist = query.catalog.primary_artist(t)?;
    let key = query.index.artist_key.get(artist as usize).copied()?;
    let title = query.catalog.title(t);
    let end = [title.find(" - "), title.find(" ("), title.find(" [")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(title.len());
    Some((key, title[..end].trim().to_lowercase()))
}

/// The track's IDF genre vector at unit length (empty without genres), ascending by genre.
fn unit_genres(catalog: &Catalog, t: TrackIdx) -> Vec<(u16, f32)> {
    let norm = genre_norm(catalog, t);
    if norm <= 0.0 {
        return Vec::new();
    }
    let mut v: Vec<(u16, f32)> = catalog
        .track_genres
        .row(t.get())
        .iter()
        .map(|&g| (g, idf(catalog, g) / norm))
        .collect();
    v.sort_unstable_by_key(|&(g, _)| g);
    v
}

/// The dot product of two sparse vectors ascending by index.
fn sparse_dot(a: &[(u16, f32)], b: &[(u16, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// The linear stage's best [`RERANK_DEPTH`] allowed tracks in `scores`, best first.
pub(crate) fn candidates(query: &Query, scores: &[f32], depth: usize) -> Vec<TrackIdx> {
    let mut scored: Vec<Scored> = scores
        .iter()
        .enumerate()
        .filter(|&(t, s)| s.is_finite() && query.allowed(TrackIdx(t as u32)))
        .map(|(t, &s)| (s, t as u32))
        .collect();
    best_first(&mut scored, depth)
        .iter()
        .map(|&(_, t)| TrackIdx(t))
        .collect()
}

/// Re-scores the linear stage's best tracks in `scores` with `ranker`. They keep their place
/// above every other track, which keeps its linear order below them (the per-artist cap may
/// reach that far).
pub(crate) fn rerank(
    query: &Query,
    prior: &Prior,
    signals: &Signals,
    ranker: &Ranker,
    scores: &mut [f32],
) {
    let top = candidates(query, scores, RERANK_DEPTH);
    let Some(&last) = top.last() else {
        return;
    };
    let context = Context::new(query, prior);
    let rescored: Vec<f32> = top
        .iter()
        .map(|&t| ranker.score(&context.features(query, prior, signals, t)))
        .collect();
    let floor = rescored.iter().copied().fold(f32::INFINITY, f32::min);
    let cut = scores[last.get()];
    // The rest, shifted below the re-ranked ones in their own order, when the list may reach
    // that far; else out of the selection's way.
    let reaches_rest = query.options.max_per_artist.is_some() || query.pool > top.len();
    for s in scores.iter_mut().filter(|s| s.is_finite()) {
        *s = if reaches_rest {
            floor - 1.0 - (cut - *s).max(0.0)
        } else {
            f32::NEG_INFINITY
        };
    }
    for (&t, &s) in top.iter().zip(&rescored) {
        scores[t.get()] = s;
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::Index;
    use super::super::testing::{N_TRACKS, fixture, tracks};
    use super::super::{Options, Recommender};
    use super::*;
    use crate::catalog::StringTable;

    fn extra(e: Extra) -> usize {
        Extra::ALL
            .iter()
            .position(|&x| x == e)
            .unwrap_or(usize::MAX)
    }

    /// The extras of `candidates` for `seeds` on the fixture, whose track 4 is re-titled as a
    /// live take of track 0.
    fn extras_of(seeds: &[usize], candidates: &[usize]) -> Vec<[f32; Extra::ALL.len()]> {
        let mut catalog = fixture();
        let mut titles = StringTable::default();
        for t in 0..N_TRACKS {
            titles.push(&if t == 4 {
                "song 0 (Live)".to_owned()
            } else {
                format!("Song {t}")
            });
        }
        catalog.titles = titles;
        let index = Index::new(&catalog);
        let prior = Prior::new(&catalog);
        let seeds = tracks(seeds);
        let options = Options::default();
        let blocked = vec![false; N_TRACKS];
        let query = Query {
            catalog: &catalog,
            index: &index,
            seeds: &seeds,
            options: &options,
            blocked: &blocked,
            pool: 10,
        };
        let context = Context::new(&query, &prior);
        candidates
            .iter()
            .map(|&t| context.extras(&query, &prior, TrackIdx(t as u32)))
            .collect()
    }

    #[test]
    fn the_extras_read_the_seeds_artists_albums_and_collaborators() {
        // Seeds: three songs of Ada's first album. Candidates: Ada's track 3 (same album), Cy's
        // track 20 (Cy plays on Ada's track 5), Bo's track 10, Di's track 30.
        let x = extras_of(&[0, 1, 2], &[3, 20, 10, 30]);
        let links = extra(Extra::CollaboratorLinks);
        assert_eq!(
            x[0][links], 0.0,
            "a seed artist's track is no collaborator's"
        );
        assert!((x[1][links] - 2f32.ln()).abs() < 1e-6);
        assert_eq!(x[2][links], 0.0);
        assert_eq!(x[0][extra(Extra::ArtistShare)], 1.0);
        assert_eq!(x[1][extra(Extra::ArtistShare)], 0.0);
        assert_eq!(x[0][extra(Extra::AlbumShare)], 1.0);
        assert_eq!(x[2][extra(Extra::AlbumShare)], 0.0);
        assert!(
            x.iter()
                .all(|e| (e[extra(Extra::SeedCount)] - 3f32.ln()).abs() < 1e-6)
        );
        assert!(
            x.iter()
                .all(|e| e[extra(Extra::ArtistVariety)] == 1.0 / 3.0)
        );
    }

    #[test]
    fn the_nearest_seed_counts_in_genres_and_sound() {
        let x = extras_of(&[0, 1, 2], &[3, 10, 30]);
        let genre = extra(Extra::NearestGenre);
        // Ada's own genres, Bo's rock, Di's folk and pop (one shared genre).
        assert!((x[0][genre] - 1.0).abs() < 1e-5, "{x:?}");
        assert_eq!(x[1][genre], 0.0);
        assert!(x[2][genre] > 0.1 && x[2][genre] < 0.9, "{x:?}");
        let sound = extra(Extra::NearestSound);
        assert!(
            x[0][sound] < x[1][sound],
            "Ada sounds like Ada, not Bo: {x:?}"
        );
        // A library of Ada and Bo: Bo's track is near one of its seeds.
        let mixed = extras_of(&[0, 1, 11, 12], &[10]);
        assert!(mixed[0][genre] > 0.99 && mixed[0][sound] < x[1][sound]);
    }

    #[test]
    fn an_artists_best_known_song_and_another_take_of_a_seed_stand_out() {
        // Ada's popularities: track 8 (96) is her best known, track 5 (85) the second.
        let x = extras_of(&[0], &[8, 5, 4, 3]);
        let rank = extra(Extra::ArtistRank);
        assert_eq!(x[0][rank], 1.0);
        assert_eq!(x[1][rank], 0.5);
        let same = extra(Extra::SameSong);
        assert_eq!(x[2][same], 1.0, "track 4 is a live take of the seed");
        assert_eq!(x[3][same], 0.0);
        // Album 0 is tracks 0 to 4: track 3 (11) is below 1 (37), 2 (74) and 4 (48).
        assert_eq!(x[3][extra(Extra::AlbumRank)], 0.25);
    }

    fn network(skip: [f32; N_FEATURES]) -> Ranker {
        Ranker {
            mean: [0.0; N_FEATURES],
            scale: [1.0; N_FEATURES],
            hidden: [[0.0; N_FEATURES]; HIDDEN],
            bias: [0.0; HIDDEN],
            out: [0.0; HIDDEN],
            skip,
        }
    }

    #[test]
    fn the_network_adds_its_skip_and_its_rectified_hidden_units() {
        let mut skip = [0.0; N_FEATURES];
        skip[0] = 2.0;
        let mut r = network(skip);
        r.mean[0] = 1.0;
        r.scale[0] = 0.5;
        // One hidden unit reading feature 1, firing only above 0.5.
        r.hidden[0][1] = 1.0;
        r.bias[0] = -0.5;
        r.out[0] = 3.0;
        let mut x = [0.0; N_FEATURES];
        x[0] = 2.0;
        // Skip: 2 * (2 - 1) / 0.5 = 4; the hidden unit is off.
        assert!((r.score(&x) - 4.0).abs() < 1e-6);
        x[1] = 0.25;
        assert!((r.score(&x) - 4.0).abs() < 1e-6);
        x[1] = 1.5;
        assert!((r.score(&x) - 7.0).abs() < 1e-6);
    }

    #[test]
    fn the_network_reorders_blends_best_candidates() {
        // A network that only wants popular tracks: the list becomes the most popular non-seeds.
        let mut skip = [0.0; N_FEATURES];
        skip[Signal::Level as usize] = 1.0;
        let mut recommender = Recommender::new(fixture());
        recommender.set_blend_model(super::super::BlendWeights::default(), Some(network(skip)));
        let options = Options {
            k: 3,
            ..Options::default()
        };
        let got: Vec<usize> = recommender
            .recommend(super::super::Method::Blend, &tracks(&[0, 1]), &options)
            .unwrap()
            .iter()
            .map(|r| r.track.get())
            .collect();
        // Popularity (t * 37) % 100, unknown for track 27: 8 (96), 35 (95), 16 (92).
        assert_eq!(got, vec![8, 35, 16]);
    }
}
