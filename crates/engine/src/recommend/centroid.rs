//! `centroid` and `centroid-genre` (design 2): one vector per track made of four groups, min-max
//! scaled audio features, TF-IDF genre weights, a one-hot decade and a one-hot popularity bucket,
//! each group of unit length; the seeds' mean vector; the catalog ranked by cosine similarity.
//!
//! `centroid` weighs the groups equally; `centroid-genre` doubles the genres' weight.

use super::{Query, Stepwise};
use crate::{Catalog, Feature, TrackIdx};

/// Popularity buckets of ten points: 0-9, ..., 90-99, 100.
const POPULARITY_BUCKETS: usize = 11;
/// Decade buckets from the 1900s to the 2030s; earlier and later years fall in the end buckets.
const FIRST_DECADE: u16 = 190;
const DECADE_BUCKETS: usize = 14;
const NONE: u8 = u8::MAX;

/// Group weights: audio, genres, era, popularity.
const EQUAL: [f32; 4] = [1.0, 1.0, 1.0, 1.0];
const GENRE_FIRST: [f32; 4] = [1.0, 2.0, 1.0, 1.0];

/// The per-track parts of the design-2 vectors, fitted on first use.
#[derive(Debug)]
pub(crate) struct Space {
    /// Min-max scaled audio features, each row of unit length, [`Feature::COUNT`] per track.
    audio: Vec<f32>,
    /// Per track, the length of its IDF genre vector (0 without genres).
    genre_norm: Vec<f32>,
    decade: Vec<u8>,
    popularity: Vec<u8>,
}

/// Tracks per piece of [`Builder::step`]: each raw row is mapped back from its scaled row, about
/// a hundred nanoseconds a track natively.
const BUILD_SLICE: usize = 50_000;

/// Builds the [`Space`] in pieces: the features' ranges, then the audio rows, a slice of tracks
/// per step, then the other groups. A caller on a UI thread yields between steps.
#[derive(Debug)]
pub(crate) struct Builder {
    min: [f32; Feature::COUNT],
    max: [f32; Feature::COUNT],
    /// Tracks whose range has been taken.
    ranged: usize,
    audio: Vec<f32>,
}

impl Builder {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            min: [f32::INFINITY; Feature::COUNT],
            max: [f32::NEG_INFINITY; Feature::COUNT],
            ranged: 0,
            audio: Vec::with_capacity(catalog.n_tracks() * Feature::COUNT),
        }
    }
}

impl Stepwise for Builder {
    type Output = Space;

    fn step(&mut self, catalog: &Catalog) -> Option<Space> {
        let n = catalog.n_tracks();
        // Raw rows are recomputed in each pass rather than held (52 MB for a million tracks).
        let raw =
            |range: std::ops::Range<usize>| range.map(|t| catalog.raw_features(TrackIdx(t as u32)));
        if self.ranged < n {
            let end = (self.ranged + BUILD_SLICE).min(n);
            for row in raw(self.ranged..end) {
                for ((lo, hi), &x) in self.min.iter_mut().zip(&mut self.max).zip(&row) {
                    *lo = lo.min(x);
                    *hi = hi.max(x);
                }
            }
            self.ranged = end;
            return None;
        }
        let done = self.audio.len() / Feature::COUNT;
        if done < n {
            let end = (done + BUILD_SLICE).min(n);
            for row in raw(done..end) {
                let start = self.audio.len();
                self.audio
                    .extend(row.iter().zip(self.min.iter().zip(&self.max)).map(
                        |(&x, (&lo, &hi))| {
                            // A constant feature carries no information: it scales to 0.
                            if hi > lo { (x - lo) / (hi - lo) } else { 0.0 }
                        },
                    ));
                let norm = self.audio[start..]
                    .iter()
                    .map(|x| x * x)
                    .sum::<f32>()
                    .sqrt();
                if norm > 0.0 {
                    self.audio[start..].iter_mut().for_each(|x| *x /= norm);
                }
            }
            return None;
        }
        Some(Space::finish(catalog, std::mem::take(&mut self.audio)))
    }
}

impl Space {
    pub fn new(catalog: &Catalog) -> Self {
        Builder::new(catalog).run(catalog)
    }

    /// The space around its audio rows: the genre, era and popularity groups.
    fn finish(catalog: &Catalog, audio: Vec<f32>) -> Self {
        let n = catalog.n_tracks();
        let idf = |g: u16| catalog.genres.idf.get(g as usize).copied().unwrap_or(0.0);
        let genre_norm = (0..n)
            .map(|t| {
                catalog
                    .track_genres
                    .row(t)
                    .iter()
                    .map(|&g| idf(g) * idf(g))
                    .sum::<f32>()
                    .sqrt()
            })
            .collect();
        let decade = (0..n)
            .map(|t| {
                catalog.year(TrackIdx(t as u32)).map_or(NONE, |y| {
                    (y / 10)
                        .saturating_sub(FIRST_DECADE)
                        .min(DECADE_BUCKETS as u16 - 1) as u8
                })
            })
            .collect();
        let popularity = catalog
            .popularity
            .iter()
            .map(|p| p.map_or(NONE, |p| (p / 10).min(10)))
            .collect();
        Self {
            audio,
            genre_norm,
            decade,
            popularity,
        }
    }

    fn audio_row(&self, t: usize) -> &[f32] {
        self.audio
            .get(t * Feature::COUNT..(t + 1) * Feature::COUNT)
            .unwrap_or(&[])
    }

    pub fn score(&self, query: &Query, genre_first: bool, scores: &mut [f32]) {
        let [wa, wg, we, wp] = if genre_first { GENRE_FIRST } else { EQUAL };
        let catalog = query.catalog;
        let n_seeds = query.seeds.len() as f32;
        let idf = |g: u16| catalog.genres.idf.get(g as usize).copied().unwrap_or(0.0);
        // The seeds' mean, group by group.
        let mut audio = [0.0f32; Feature::COUNT];
        let mut genres = vec![0.0f32; catalog.genres.names.len()];
        let mut decades = [0.0f32; DECADE_BUCKETS];
        let mut popularity = [0.0f32; POPULARITY_BUCKETS];
        for &s in query.seeds {
            let t = s.get();
            audio
                .iter_mut()
                .zip(self.audio_row(t))
                .for_each(|(m, x)| *m += x / n_seeds);
            if self.genre_norm[t] > 0.0 {
                for &g in catalog.track_genres.row(t) {
                    if let Some(m) = genres.get_mut(g as usize) {
                        *m += idf(g) / self.genre_norm[t] / n_seeds;
                    }
                }
            }
            if let Some(m) = decades.get_mut(self.decade[t] as usize) {
                *m += 1.0 / n_seeds;
            }
            if let Some(m) = popularity.get_mut(self.popularity[t] as usize) {
                *m += 1.0 / n_seeds;
            }
        }
        let sq = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>();
        let mean_norm2 = wa * wa * sq(&audio)
            + wg * wg * sq(&genres)
            + we * we * sq(&decades)
            + wp * wp * sq(&popularity);
        if mean_norm2 <= 0.0 {
            return;
        }
        for (t, score) in scores.iter_mut().enumerate() {
            if !query.allowed(TrackIdx(t as u32)) {
                continue;
            }
            let mut dot = wa
                * wa
                * self
                    .audio_row(t)
                    .iter()
                    .zip(&audio)
                    .map(|(x, m)| x * m)
                    .sum::<f32>();
            let mut norm2 = wa * wa;
            if self.genre_norm[t] > 0.0 {
                let g_dot: f32 = catalog
                    .track_genres
                    .row(t)
                    .iter()
                    .map(|&g| idf(g) * genres.get(g as usize).copied().unwrap_or(0.0))
                    .sum();
                dot += wg * wg * g_dot / self.genre_norm[t];
                norm2 += wg * wg;
            }
            if let Some(m) = decades.get(self.decade[t] as usize) {
                dot += we * we * m;
                norm2 += we * we;
            }
            if let Some(m) = popularity.get(self.popularity[t] as usize) {
                dot += wp * wp * m;
                norm2 += wp * wp;
            }
            *score = dot / (norm2 * mean_norm2).sqrt();
        }
    }
}
