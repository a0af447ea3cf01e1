//! Merging imported rows into a [`Catalog`] and fitting the offline models.
//!
//! **Merge precedence.** Rows are grouped by track id. For each field (title, artists, album,
//! year, popularity, features) the value comes from the first row that has one, taking sources
//! in this order: the 2024 genre-search crawl (newest, with release dates and artist ids), then the
//! 114k tracks set, then the hit predictor, then Exportify exports; within one kind, in the order
//! the files were given (the CLI sorts them by name), then by row. Artist ids are taken only with
//! the artist names they belong to. Genres are the union over all rows, plus the genres the
//! artist-genres file gives for each of the track's artists (joined by
//! [`normalize_artist`]), each with its [`Trust`]: the rows' artist genres (the 2024 crawl's,
//! a listener's Exportify `Genres`) and the artist-genres file (2020) are two snapshots of
//! Spotify's artist genres, agreed where both give a genre, and the genre searches' labels come
//! last. The Billboard flag (`charted`) is a hit when any row says so, not a
//! hit when rows know it and none does, else unknown. Tracks without audio features are dropped
//! and counted.
//!
//! **Order.** Tracks are sorted by primary artist, album, title, id, so the artist and album
//! columns of the file are runs that compress well; artists and albums are numbered in order of
//! first appearance.
//!
//! **Fits.** Features are first rounded to what the file stores (see `format`), so a catalog read
//! back equals the one built. Then: the [`Scaler`], k-means on the scaled rows with `k` chosen by
//! the elbow of the inertia curve for `k` in `k_range` (fitted on a seeded subsample, see
//! [`BuildConfig`]), the final k-means on every track with that `k`, the 2-D PCA, and the genre
//! vocabulary with IDF.

use std::collections::{BTreeMap, HashMap, HashSet};

use thiserror::Error;

use super::genre;
use super::{ArtistTable, Catalog, KMeansModel, Lists, SCALED_STRIDE, Scaler, StringTable, Trust};
use crate::csv_import::{ImportReport, Schema, TrackRow, normalize_artist};
use crate::kmeans::{self, KMeansError, KMeansParams};
use crate::seeded::SeededRng;
use crate::space::{CodeSpace, encode_raw, round_features};
use crate::{ArtistId, Feature, TrackId, pca};

/// Why a catalog cannot be built.
#[derive(Debug, Error)]
pub enum BuildError {
    #[error("no track with audio features in the input ({rows} track rows read)")]
    NoTracks { rows: usize },
    #[error("clustering failed: {0}")]
    KMeans(#[from] KMeansError),
}

/// Knobs of a build; [`BuildConfig::default`] is what `encore catalog build` uses.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildConfig {
    pub seed: u64,
    /// The `k` values of the elbow curve.
    pub k_range: std::ops::RangeInclusive<usize>,
    /// `Some(k)` skips the elbow and uses `k` (small test catalogs).
    pub fixed_k: Option<usize>,
    /// Tracks in the seeded subsample the elbow curve is fitted on; the shape of the curve is
    /// stable well below the full catalog, and 63 fits on 180k tracks would take minutes.
    pub curve_sample: usize,
    /// Iteration cap of each curve fit (the final fit uses 100).
    pub curve_max_iter: usize,
    /// A genre is kept when at least this many tracks carry it.
    pub min_genre_tracks: usize,
}

impl Default for BuildConfig {
    fn default() -> Self {
        Self {
            seed: 0x0e9c_0e5e,
            k_range: 2..=64,
            fixed_k: None,
            curve_sample: 12_000,
            curve_max_iter: 25,
            min_genre_tracks: 2,
        }
    }
}

/// What a build did, for the builder's report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildReport {
    /// Distinct track ids seen in the input.
    pub distinct_ids: usize,
    /// Track rows that repeated an id already seen.
    pub duplicate_rows: usize,
    /// Distinct ids dropped because no row had audio features.
    pub dropped_without_features: usize,
    pub tracks_kept: usize,
    pub artists: usize,
    pub albums: usize,
    /// Distinct genre names seen, and how many were kept.
    pub genres_seen: usize,
    pub genres_kept: usize,
    /// Artist names in the artist-genres file, and how many matched a catalog artist.
    pub artist_genre_rows: usize,
    pub artist_genre_matches: usize,
    pub k: usize,
}

/// One track while merging: fields filled by the first source that has them.
#[derive(Debug)]
struct Merged {
    id: TrackId,
    title: String,
    artists: Vec<String>,
    artist_ids: Vec<ArtistId>,
    album: Option<String>,
    year: Option<u16>,
    popularity: Option<u8>,
    charted: Option<bool>,
    features: Option<[f32; Feature::COUNT]>,
    /// Spotify's genres for the track's artists as its rows give them.
    genres: Vec<String>,
    /// The labels of the genre searches that found it.
    search_genres: Vec<String>,
}

impl Merged {
    fn new(row: &TrackRow) -> Self {
        Self {
            id: row.id,
            title: without_nul(&row.title),
            artists: row.artists.iter().map(|a| without_nul(a)).collect(),
            artist_ids: row.artist_ids.clone(),
            album: row.album.as_deref().map(without_nul),
            year: row.year,
            popularity: row.popularity,
            charted: row.charted,
            features: row.features,
            genres: row.genres.clone(),
            search_genres: row.search_genres.clone(),
        }
    }

    fn fill_from(&mut self, row: &TrackRow) {
        if self.title.is_empty() {
            self.title = without_nul(&row.title);
        }
        if self.artists.is_empty() {
            self.artists = row.artists.iter().map(|a| without_nul(a)).collect();
        }
        if self.artist_ids.is_empty()
            && !row.artist_ids.is_empty()
            && same_artists(&self.artists, &row.artists)
        {
            self.artist_ids.clone_from(&row.artist_ids);
        }
        if self.album.is_none() {
            self.album = row.album.as_deref().map(without_nul);
        }
        self.year = self.year.or(row.year);
        self.popularity = self.popularity.or(row.popularity);
        // A hit in any source wins: a chart run is a fact, a 0 may only mean "not in that list".
        self.charted = match (self.charted, row.charted) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        self.features = self.features.or(row.features);
        union_into(&mut self.genres, &row.genres);
        union_into(&mut self.search_genres, &row.search_genres);
    }
}

/// Adds the genres of `more` that `genres` lacks, in order.
fn union_into(genres: &mut Vec<String>, more: &[String]) {
    for g in more {
        if !genres.contains(g) {
            genres.push(g.clone());
        }
    }
}

/// The file ends strings with NUL bytes, so a stray NUL in a CSV cell becomes a space.
fn without_nul(s: &str) -> String {
    s.replace('\0', " ")
}

fn same_artists(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| normalize_artist(x) == normalize_artist(y))
}

fn precedence(schema: Schema) -> u8 {
    match schema {
        Schema::GenreSearch => 0,
        Schema::Tracks114k => 1,
        Schema::HitPredictor => 2,
        Schema::Exportify => 3,
        Schema::ArtistGenres | Schema::GenreProfiles => 4,
    }
}

/// Builds a catalog from imported files (in the order given; see the module doc for precedence).
pub fn build(
    imports: &[ImportReport],
    config: &BuildConfig,
) -> Result<(Catalog, BuildReport), BuildError> {
    let mut report = BuildReport::default();
    let mut by_precedence: Vec<&ImportReport> = imports.iter().collect();
    by_precedence.sort_by_key(|i| precedence(i.schema));

    let mut merged: Vec<Merged> = Vec::new();
    let mut index: HashMap<TrackId, usize> = HashMap::new();
    let mut n_rows = 0;
    for row in by_precedence.iter().flat_map(|i| &i.tracks) {
        n_rows += 1;
        match index.get(&row.id) {
            Some(&i) => {
                report.duplicate_rows += 1;
                merged[i].fill_from(row);
            }
            None => {
                index.insert(row.id, merged.len());
                merged.push(Merged::new(row));
            }
        }
    }
    report.distinct_ids = merged.len();

    let mut artist_genres: HashMap<String, Vec<String>> = HashMap::new();
    for entry in imports.iter().flat_map(|i| &i.artist_genres) {
        report.artist_genre_rows += 1;
        let genres = artist_genres
            .entry(normalize_artist(&entry.artist))
            .or_default();
        union_into(genres, &entry.genres);
    }

    let before = merged.len();
    merged.retain(|m| m.features.is_some());
    report.dropped_without_features = before - merged.len();
    if merged.is_empty() {
        return Err(BuildError::NoTracks { rows: n_rows });
    }

    // Sort keys computed once: normalizing inside the comparator would allocate per comparison.
    let mut keyed: Vec<((String, String, String, TrackId), Merged)> = merged
        .into_iter()
        .map(|m| {
            let artist = m
                .artists
                .first()
                .map(|a| normalize_artist(a))
                .unwrap_or_default();
            let key = (
                artist,
                m.album.clone().unwrap_or_default(),
                m.title.clone(),
                m.id,
            );
            (key, m)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let tracks: Vec<Merged> = keyed.into_iter().map(|(_, m)| m).collect();

    let (mut catalog, features) = assemble(&tracks, &artist_genres, config, &mut report)?;
    fit_models(&mut catalog, &features, config, &mut report)?;
    report.tracks_kept = catalog.n_tracks();
    Ok((catalog, report))
}

/// The string and index columns and genres, and the rounded raw features (row-major), before
/// any fit.
fn assemble(
    tracks: &[Merged],
    artist_genres: &HashMap<String, Vec<String>>,
    config: &BuildConfig,
    report: &mut BuildReport,
) -> Result<(Catalog, Vec<f32>), BuildError> {
    let mut titles = new_table();
    let mut artists = ArtistTable {
        names: new_table(),
        ids: Vec::new(),
    };
    let mut artist_index: HashMap<String, u32> = HashMap::new();
    let mut albums = new_table();
    let mut album_index: HashMap<&str, u32> = HashMap::new();
    let mut track_artists = Lists::default();
    let mut track_album = Vec::with_capacity(tracks.len());
    let mut features = Vec::with_capacity(tracks.len() * Feature::COUNT);
    let mut genre_names: Vec<Vec<(&str, Trust)>> = Vec::with_capacity(tracks.len());
    let mut matched_artists = HashSet::new();

    for t in tracks {
        titles.push(&t.title);
        let mut row = Vec::with_capacity(t.artists.len());
        for (i, name) in t.artists.iter().enumerate() {
            let key = normalize_artist(name);
            let next = artists.ids.len() as u32;
            let a = *artist_index.entry(key).or_insert_with(|| {
                artists.names.push(name);
                artists.ids.push(None);
                next
            });
            if let (Some(id), Some(slot)) = (t.artist_ids.get(i), artists.ids.get_mut(a as usize)) {
                slot.get_or_insert(*id);
            }
            if !row.contains(&a) {
                row.push(a);
            }
        }
        track_artists.push_row(row);
        track_album.push(match &t.album {
            Some(album) => {
                let next = album_index.len() as u32;
                *album_index.entry(album.as_str()).or_insert_with(|| {
                    albums.push(album);
                    next
                })
            }
            None => super::NONE_U32,
        });
        features.extend_from_slice(t.features.as_ref().unwrap_or(&[0.0; Feature::COUNT]));
        genre_names.push(genres_with_trust(t, artist_genres, &mut matched_artists));
    }
    round_features(&mut features);
    report.artists = artists.ids.len();
    report.albums = album_index.len();
    report.artist_genre_matches = matched_artists.len();
    report.genres_seen = {
        let mut all: Vec<&str> = genre_names.iter().flatten().map(|&(g, _)| g).collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    };
    let (genres, track_genres, genre_trust) =
        genre::build_vocab(&genre_names, config.min_genre_tracks);
    report.genres_kept = genres.names.len();

    let catalog = Catalog {
        ids: tracks.iter().map(|t| t.id).collect(),
        titles,
        track_artists,
        artists,
        track_album,
        albums,
        years: tracks
            .iter()
            .map(|t| super::format::storable_year(t.year))
            .collect(),
        popularity: tracks
            .iter()
            .map(|t| t.popularity.map(|p| p.min(100)))
            .collect(),
        charted: tracks.iter().map(|t| t.charted).collect(),
        space: CodeSpace::new(&Scaler::identity()),
        codes: Vec::new(),
        kmeans: KMeansModel {
            centroids: Vec::new(),
            inertia_curve: Vec::new(),
        },
        clusters: Vec::new(),
        map: pca::Projection2d::default(),
        projection: Vec::new(),
        track_genres,
        genre_trust,
        genres,
    };
    Ok((catalog, features))
}

/// A track's genre names, each with its [`Trust`]: the genres its rows give for its artists (the
/// 2024 snapshot) and those the artist-genres file gives them (the 2020 snapshot, its artists
/// noted in `matched_artists`) are agreed where both give them, or where only one snapshot knows
/// the artists at all, and come from one snapshot only otherwise; its search labels come last.
///
/// A snapshot knows the artists when it gives them any genre. The 2024 crawl gives only the
/// primary artist's genres, so a featured artist's genres from the 2020 file count as one
/// snapshot's: they follow the primary artist's agreed ones, which is the order wanted anyway.
fn genres_with_trust<'t>(
    track: &'t Merged,
    artist_genres: &'t HashMap<String, Vec<String>>,
    matched_artists: &mut HashSet<String>,
) -> Vec<(&'t str, Trust)> {
    let from_rows: Vec<&str> = track.genres.iter().map(String::as_str).collect();
    let mut from_file: Vec<&str> = Vec::new();
    for name in &track.artists {
        let key = normalize_artist(name);
        if let Some(extra) = artist_genres.get(&key) {
            from_file.extend(extra.iter().map(String::as_str));
            matched_artists.insert(key);
        }
    }
    let both_know = !from_rows.is_empty() && !from_file.is_empty();
    let trust_in = |other: &[&str], g: &str| {
        if both_know && !other.contains(&g) {
            Trust::OneSnapshot
        } else {
            Trust::Agreed
        }
    };
    let mut genres: Vec<(&str, Trust)> = Vec::new();
    genres.extend(from_rows.iter().map(|&g| (g, trust_in(&from_file, g))));
    genres.extend(from_file.iter().map(|&g| (g, trust_in(&from_rows, g))));
    genres.extend(
        track
            .search_genres
            .iter()
            .map(|g| (g.as_str(), Trust::SearchLabel)),
    );
    genres
}

fn new_table() -> StringTable {
    StringTable {
        text: String::new(),
        offsets: vec![0],
    }
}

/// Scaler, k-means (elbow), PCA: everything derived from the rounded `features`.
fn fit_models(
    catalog: &mut Catalog,
    features: &[f32],
    config: &BuildConfig,
    report: &mut BuildReport,
) -> Result<(), BuildError> {
    let n_tracks = catalog.n_tracks();
    let scaler = Scaler::fit(features);
    // Fitted on the scaled rows, which only the fit holds: the catalog keeps the codes, whose
    // decoded rows are these rows bit for bit.
    let mut scaled = Vec::new();
    scaler.transform_into(features, &mut scaled);
    catalog.space = CodeSpace::new(&scaler);
    catalog.codes = features
        .chunks_exact(Feature::COUNT)
        .map(encode_raw)
        .collect();

    let k = match config.fixed_k {
        Some(k) => k.clamp(1, n_tracks),
        None => {
            let mut rng = SeededRng::new(config.seed ^ 0x5a5a);
            let sample: Vec<f32> = rng
                .sample_indices(n_tracks, config.curve_sample)
                .into_iter()
                .flat_map(|i| {
                    scaled[i * SCALED_STRIDE..(i + 1) * SCALED_STRIDE]
                        .iter()
                        .copied()
                })
                .collect();
            let n_sample = sample.len() / SCALED_STRIDE;
            let ks = (*config.k_range.start()).max(1)..=(*config.k_range.end()).min(n_sample);
            let params = KMeansParams {
                max_iter: config.curve_max_iter,
                ..KMeansParams::new(1, config.seed)
            };
            catalog.kmeans.inertia_curve =
                kmeans::inertia_curve(&sample, SCALED_STRIDE, ks, &params)?;
            usize::from(kmeans::elbow(&catalog.kmeans.inertia_curve)).clamp(1, n_tracks)
        }
    };
    let fit = kmeans::fit(&scaled, SCALED_STRIDE, &KMeansParams::new(k, config.seed))?;
    // The file stores the centroids only and the reader assigns each track to its nearest one.
    // `fit` ends on an assignment pass over its final centroids with that same nearest-centroid
    // code, so these assignments are exactly what every reader recomputes.
    catalog.kmeans.centroids = fit.centroids;
    catalog.clusters = fit.assignments;
    report.k = k;

    // Kept with the catalog and stored as it is, so writing never refits it.
    catalog.map = pca::fit_2d(&scaled, SCALED_STRIDE);
    catalog.projection = catalog.map.project_all(&scaled, SCALED_STRIDE);
    Ok(())
}

/// Skipped-row counts of several imports summed by reason (for the builder's report).
pub fn total_skipped(imports: &[ImportReport]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (reason, n) in imports.iter().flat_map(|i| &i.skipped) {
        *out.entry(reason.to_string()).or_default() += n;
    }
    out
}
