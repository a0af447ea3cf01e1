//! `blend`, Encore's default: one score per track that adds up what playlist continuation rewards,
//! measured on real playlists (see the README's evaluation table).
//!
//! - artist affinity: the share of seeds by each of the track's artists (the strongest signal:
//!   playlists come back to their artists);
//! - album affinity: the share of seeds from the track's album;
//! - genre affinity: cosine between the track's IDF genre vector and the seeds' genre profile;
//! - sound: closeness to the nearest of several taste centroids, one per k-means cluster the
//!   seeds fall in, so a listener who likes two things is not averaged into neither;
//! - era: closeness of the release year to the seeds' median year, on the seeds' own spread;
//! - a popularity prior.

use std::collections::{BTreeMap, HashMap};

use super::Query;
use crate::TrackIdx;
use crate::catalog::{NONE_U32, SCALED_STRIDE};
use crate::nearest::dist2;

/// The weight of each signal; every signal lies in `0..=1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendWeights {
    pub artist: f32,
    pub album: f32,
    pub genre: f32,
    pub sound: f32,
    pub era: f32,
    pub popularity: f32,
}

impl Default for BlendWeights {
    fn default() -> Self {
        Self {
            artist: 1.0,
            album: 0.5,
            genre: 1.0,
            sound: 0.3,
            era: 0.3,
            popularity: 0.5,
        }
    }
}

/// Squared standardized distance at which sound closeness falls to 1/e: about half the mean
/// squared distance between two random tracks over 13 features.
const SOUND_SCALE: f32 = 13.0;
/// Narrowest era spread, in years: even a one-year playlist welcomes its neighbours.
const MIN_ERA_SPREAD: f32 = 3.0;
/// Popularity assumed where no source knew it: below the middle, as such tracks tend to be.
const UNKNOWN_POPULARITY: f32 = 0.25;

pub(crate) fn score(query: &Query, weights: &BlendWeights, scores: &mut [f32]) {
    let catalog = query.catalog;
    let n_seeds = query.seeds.len() as f32;
    let profile = genre_profile(query);
    let centroids = taste_centroids(query);
    let era = era_model(query);
    for (t, score) in scores.iter_mut().enumerate() {
        let track = TrackIdx(t as u32);
        if !query.allowed(track) {
            continue;
        }
        let genre = genre_cosine(query, &profile, track);
        let row = catalog.scaled_row(track);
        let nearest = centroids
            .iter()
            .map(|c| dist2(row, c))
            .fold(f32::INFINITY, f32::min);
        let sound = (-nearest / SOUND_SCALE).exp();
        let era = match (era, catalog.year(track)) {
            (Some((median, spread)), Some(year)) => {
                let d = (f32::from(year) - median) / spread;
                (-0.5 * d * d).exp()
            }
            _ => 0.5,
        };
        let popularity = catalog
            .popularity
            .get(t)
            .copied()
            .flatten()
            .map_or(UNKNOWN_POPULARITY, |p| f32::from(p) / 100.0);
        *score = weights.genre * genre
            + weights.sound * sound
            + weights.era * era
            + weights.popularity * popularity;
    }
    // Artist and album affinity touch only the tracks of the seeds' artists and albums.
    let mut artists: HashMap<u32, f32> = HashMap::new();
    let mut albums: HashMap<u32, f32> = HashMap::new();
    for &s in query.seeds {
        for &a in catalog.track_artists.row(s.get()) {
            *artists.entry(a).or_default() += 1.0 / n_seeds;
        }
        if let Some(&b) = catalog.track_album.get(s.get()).filter(|&&b| b != NONE_U32) {
            *albums.entry(b).or_default() += 1.0 / n_seeds;
        }
    }
    for (&a, &share) in &artists {
        for t in query.index.artist(a) {
            if let Some(score) = scores.get_mut(t.get()).filter(|s| s.is_finite()) {
                *score += weights.artist * share;
            }
        }
    }
    for (&b, &share) in &albums {
        for t in query.index.album(b) {
            if let Some(score) = scores.get_mut(t.get()).filter(|s| s.is_finite()) {
                *score += weights.album * share;
            }
        }
    }
}

/// The seeds' genre profile: the sum of their unit IDF genre vectors, scaled to unit length.
fn genre_profile(query: &Query) -> Vec<f32> {
    let catalog = query.catalog;
    let mut profile = vec![0.0f32; catalog.genres.names.len()];
    for &s in query.seeds {
        let norm = genre_norm(query, s);
        if norm > 0.0 {
            for &g in catalog.track_genres.row(s.get()) {
                if let Some(p) = profile.get_mut(g as usize) {
                    *p += idf(query, g) / norm;
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

fn idf(query: &Query, genre: u16) -> f32 {
    query
        .catalog
        .genres
        .idf
        .get(genre as usize)
        .copied()
        .unwrap_or(0.0)
}

fn genre_norm(query: &Query, track: TrackIdx) -> f32 {
    query
        .catalog
        .track_genres
        .row(track.get())
        .iter()
        .map(|&g| idf(query, g).powi(2))
        .sum::<f32>()
        .sqrt()
}

fn genre_cosine(query: &Query, profile: &[f32], track: TrackIdx) -> f32 {
    let genres = query.catalog.track_genres.row(track.get());
    if genres.is_empty() {
        return 0.0;
    }
    let (mut dot, mut norm2) = (0.0f32, 0.0f32);
    for &g in genres {
        let w = idf(query, g);
        dot += w * profile.get(g as usize).copied().unwrap_or(0.0);
        norm2 += w * w;
    }
    if norm2 > 0.0 { dot / norm2.sqrt() } else { 0.0 }
}

/// One mean scaled row per catalog cluster holding seeds, in cluster order.
fn taste_centroids(query: &Query) -> Vec<[f32; SCALED_STRIDE]> {
    let catalog = query.catalog;
    let mut groups: BTreeMap<u16, ([f32; SCALED_STRIDE], f32)> = BTreeMap::new();
    for &s in query.seeds {
        let cluster = catalog.clusters.get(s.get()).copied().unwrap_or(0);
        let (sum, count) = groups.entry(cluster).or_insert(([0.0; SCALED_STRIDE], 0.0));
        sum.iter_mut()
            .zip(catalog.scaled_row(s))
            .for_each(|(a, x)| *a += x);
        *count += 1.0;
    }
    groups
        .into_values()
        .map(|(sum, count)| sum.map(|x| x / count))
        .collect()
}

/// The seeds' median year and spread (standard deviation, at least [`MIN_ERA_SPREAD`]), or
/// `None` when no seed has a known year.
fn era_model(query: &Query) -> Option<(f32, f32)> {
    let mut years: Vec<f32> = query
        .seeds
        .iter()
        .filter_map(|&s| query.catalog.year(s))
        .map(f32::from)
        .collect();
    if years.is_empty() {
        return None;
    }
    years.sort_by(f32::total_cmp);
    let median = years[years.len() / 2];
    let mean = years.iter().sum::<f32>() / years.len() as f32;
    let var = years.iter().map(|y| (y - mean).powi(2)).sum::<f32>() / years.len() as f32;
    Some((median, var.sqrt().max(MIN_ERA_SPREAD)))
}
