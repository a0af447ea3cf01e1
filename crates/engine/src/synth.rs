//! Synthetic catalogs of any size for benchmarks (`encore catalog synth`).
//!
//! Each synthetic track copies a real track drawn uniformly (seeded) from a source catalog, with a
//! fresh random id and its standardized features jittered by gaussian noise (`jitter` standard
//! deviations), then rounded to what the file stores. Drawing whole real rows keeps the joint
//! distribution of the features (correlations, the discrete key/mode/time signature, skewed
//! instrumentalness) that independent per-feature draws would lose. Strings, artists, albums,
//! genres and the fitted models are shared with the source, so a million-track file has realistic
//! string and column sizes; clusters and projections are recomputed for the new rows.

use thiserror::Error;

use crate::catalog::{Catalog, Lists, StringTable, TrustColumn};
use crate::seeded::SeededRng;
use crate::space::{SCALED_STRIDE, encode_raw, round_features};
use crate::{Feature, TrackId, TrackIdx, kmeans};

/// Why a synthetic catalog cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SynthError {
    #[error("the source catalog has no tracks to draw from")]
    EmptySource,
    #[error("a catalog holds at most {max} tracks, asked for {asked}")]
    TooMany { asked: usize, max: usize },
}

/// Parameters of [`synthesize`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    pub n_tracks: usize,
    pub seed: u64,
    /// Noise added to each standardized feature, in standard deviations.
    pub jitter: f32,
}

/// A catalog of `config.n_tracks` tracks drawn from `source` (see the module doc).
pub fn synthesize(source: &Catalog, config: &SynthConfig) -> Result<Catalog, SynthError> {
    let n_source = source.n_tracks();
    if n_source == 0 {
        return Err(SynthError::EmptySource);
    }
    let max = u32::MAX as usize / 2;
    if config.n_tracks > max {
        return Err(SynthError::TooMany {
            asked: config.n_tracks,
            max,
        });
    }
    let n = config.n_tracks;
    let mut rng = SeededRng::new(config.seed);
    // Drawn in ascending source order so the copied string and index columns keep the source's
    // artist/album runs (and so its compressibility).
    let mut picks: Vec<usize> = (0..n).map(|_| rng.below(n_source)).collect();
    picks.sort_unstable();

    let mut ids = Vec::with_capacity(n);
    let mut titles = StringTable {
        text: String::new(),
        offsets: vec![0],
    };
    let mut track_artists = Lists::default();
    let mut track_genres = Lists::default();
    let mut genre_trust = TrustColumn::default();
    let mut features = Vec::with_capacity(n * Feature::COUNT);
    let mut scaled_row = [0.0f32; Feature::COUNT];
    let mut raw_row = [0.0f32; Feature::COUNT];
    for &p in &picks {
        let id = (u128::from(rng.bits()) << 64) | u128::from(rng.bits());
        ids.push(TrackId(id));
        titles.push(source.titles.get(p));
        track_artists.push_row(source.track_artists.row(p).iter().copied());
        track_genres.push_row(source.track_genres.row(p).iter().copied());
        source
            .genres_with_trust(TrackIdx(p as u32))
            .for_each(|(_, trust)| genre_trust.push(trust));
        source
            .scaler()
            .transform_row(&source.raw_features(TrackIdx(p as u32)), &mut scaled_row);
        for z in &mut scaled_row {
            *z += rng.normal() as f32 * config.jitter;
        }
        source.scaler().inverse_row(&scaled_row, &mut raw_row);
        features.extend_from_slice(&raw_row);
    }
    round_features(&mut features);
    let mut scaled = Vec::new();
    source.scaler().transform_into(&features, &mut scaled);
    let clusters = kmeans::assign(&scaled, SCALED_STRIDE, &source.kmeans.centroids);
    // The source's map, so synthetic tracks land where their originals are.
    let projection = source.map.project_all(&scaled, SCALED_STRIDE);
    Ok(Catalog {
        ids,
        titles,
        track_artists,
        artists: source.artists.clone(),
        track_album: picks.iter().map(|&p| source.track_album[p]).collect(),
        albums: source.albums.clone(),
        years: picks.iter().map(|&p| source.years[p]).collect(),
        popularity: picks.iter().map(|&p| source.popularity[p]).collect(),
        charted: picks.iter().map(|&p| source.charted[p]).collect(),
        space: source.space.clone(),
        codes: features
            .chunks_exact(Feature::COUNT)
            .map(encode_raw)
            .collect(),
        kmeans: source.kmeans.clone(),
        clusters,
        map: source.map.clone(),
        projection,
        track_genres,
        genre_trust,
        genres: source.genres.clone(),
    })
}
