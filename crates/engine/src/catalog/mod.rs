//! The catalog: every track Encore can recommend, with what the Spotify API no longer serves
//! (audio features, genres, year, popularity), plus the models fitted offline (scaler, k-means,
//! PCA projection, genre IDF) so the browser only assigns and ranks.
//!
//! Storage is columnar (structure of arrays): one `Vec` per per-track attribute, indexed by
//! [`TrackIdx`]. That keeps a million tracks to a handful of allocations, makes decoding a copy,
//! and lets the ranking kernels stream the feature codes (16 bytes a track).
//!
//! - `format`: the binary file, its byte-level specification and validation.
//! - `build`: merging source rows into a catalog and fitting the models.
//! - `genre`: the genre vocabulary and its IDF weights, built with the catalog.

pub mod build;
pub mod format;
pub mod genre;

pub use format::{CatalogDecoder, CatalogError};
// The feature space is its own leaf module; named here too because every column of the catalog
// is laid out in it.
pub use crate::space::{SCALED_STRIDE, Scaler};

use crate::nearest::{CodeIndex, NearestError};
use crate::pca::Projection2d;
use crate::space::{CodeRow, CodeSpace, Row, decode_raw};
use crate::{ArtistId, Feature, TrackId, TrackIdx};

/// Marker for "no value" in the `u32` index columns.
pub const NONE_U32: u32 = u32::MAX;

/// Many strings in one buffer, each followed by a NUL byte as the catalog file stores them (so a
/// decoded table is the unpacked section itself, not a copy): string `i` is
/// `text[offsets[i]..offsets[i + 1] - 1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringTable {
    pub text: String,
    /// `len() + 1` ascending byte offsets into `text`, starting at 0: where each string starts,
    /// then the end of the last terminator.
    pub offsets: Vec<u32>,
}

impl StringTable {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`; empty when `i` is out of range (callers index with validated ids).
    pub fn get(&self, i: usize) -> &str {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) => self
                .text
                .get(start as usize..(end as usize).saturating_sub(1))
                .unwrap_or(""),
            _ => "",
        }
    }

    /// Appends `s` (which the file cannot hold if it contains a NUL: `to_bytes` says so).
    pub fn push(&mut self, s: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.text.push_str(s);
        self.text.push('\0');
        self.offsets
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A list of small lists: row `i` is `values[offsets[i]..offsets[i + 1]]` (compressed sparse rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lists<T> {
    /// `n_rows + 1` ascending offsets into `values`, starting at 0.
    pub offsets: Vec<u32>,
    pub values: Vec<T>,
}

impl<T> Default for Lists<T> {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            values: Vec::new(),
        }
    }
}

impl<T> Lists<T> {
    pub fn n_rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Row `i`; empty when `i` is out of range.
    pub fn row(&self, i: usize) -> &[T] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) => {
                self.values.get(start as usize..end as usize).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    pub fn push_row(&mut self, row: impl IntoIterator<Item = T>) {
        self.values.extend(row);
        self.offsets
            .push(u32::try_from(self.values.len()).unwrap_or(u32::MAX));
    }
}

/// One flag per value of a [`Lists`] column, 64 to a word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Flags {
    words: Vec<u64>,
    len: usize,
}

impl Flags {
    pub fn with_capacity(len: usize) -> Self {
        Self {
            words: Vec::with_capacity(len.div_ceil(64)),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Flag `i`; false when out of range.
    pub fn get(&self, i: usize) -> bool {
        i < self.len
            && self
                .words
                .get(i / 64)
                .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn push(&mut self, on: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        if let (true, Some(word)) = (on, self.words.last_mut()) {
            *word |= 1 << (self.len % 64);
        }
        self.len += 1;
    }
}

/// How far one of a track's genres can be trusted to describe it, most first: the order a track's
/// genres are shown in.
///
/// Spotify assigns artist genres itself, from listening and editorial data, and the sources hold
/// two snapshots of them: the 2024 crawl's `artist_genres` (with a listener's Exportify `Genres`,
/// both read off the track's rows) and the 2020 artist-genres file (SOURCES.md). A genre both
/// snapshots give has held for years; one only the 2024 crawl gives (Daft Punk's "rock") or only
/// the 2020 file gives (Beyoncé's "post-teen pop") is Spotify's word at one moment, which the other
/// moment did not repeat. A genre search's label is weaker still: a search for "rock" returns
/// whatever matches the word anywhere, so Daft Punk and Radiohead come back under labels Spotify
/// never gave them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trust {
    /// One of Spotify's genres for the track's artists that both snapshots give, or that the one
    /// snapshot knowing the artists gives.
    Agreed,
    /// One of Spotify's genres for the track's artists that only one of two snapshots knowing
    /// them gives.
    OneSnapshot,
    /// Only the label of a genre search that found the track.
    SearchLabel,
}

impl Trust {
    /// Every level, most trusted first.
    pub const ALL: [Trust; 3] = [Trust::Agreed, Trust::OneSnapshot, Trust::SearchLabel];

    /// Whether the genre is one of Spotify's own for the track's artists.
    pub fn is_artist_genre(self) -> bool {
        self != Trust::SearchLabel
    }
}

/// One [`Trust`] per value of a [`Lists`] column, two bits each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustColumn {
    artist_genre: Flags,
    agreed: Flags,
}

impl TrustColumn {
    pub fn with_capacity(len: usize) -> Self {
        Self {
            artist_genre: Flags::with_capacity(len),
            agreed: Flags::with_capacity(len),
        }
    }

    pub fn len(&self) -> usize {
        self.artist_genre.len()
    }

    pub fn is_empty(&self) -> bool {
        self.artist_genre.is_empty()
    }

    /// The trust of value `i`; a search label when out of range.
    pub fn get(&self, i: usize) -> Trust {
        match (self.artist_genre.get(i), self.agreed.get(i)) {
            (false, _) => Trust::SearchLabel,
            (true, false) => Trust::OneSnapshot,
            (true, true) => Trust::Agreed,
        }
    }

    pub fn push(&mut self, trust: Trust) {
        self.artist_genre.push(trust.is_artist_genre());
        self.agreed.push(trust == Trust::Agreed);
    }
}

/// Of some of a track's genres with their trust, those worth showing: Spotify's genres for its
/// artists when there is any, else the rest (a genre search's label is better than nothing for a
/// track whose artists Spotify gave no genre). In the order given.
pub fn most_trusted(
    genres: impl Iterator<Item = (u16, Trust)> + Clone,
) -> impl Iterator<Item = u16> {
    let any_artist_genre = genres.clone().any(|(_, trust)| trust.is_artist_genre());
    genres.filter_map(move |(g, trust)| (trust.is_artist_genre() == any_artist_genre).then_some(g))
}

/// k-means fitted offline on the catalog's scaled rows.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    /// `k` rows of [`SCALED_STRIDE`] values (padding lanes zero).
    pub centroids: Vec<f32>,
    /// The elbow curve behind the choice of `k`: `(k, inertia)` for every `k` tried.
    pub inertia_curve: Vec<(u16, f64)>,
}

impl KMeansModel {
    pub fn k(&self) -> usize {
        self.centroids.len() / SCALED_STRIDE
    }
}

/// The artists of the catalog, indexed by the values of [`Catalog::track_artists`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArtistTable {
    pub names: StringTable,
    /// The Spotify id where a source gave one.
    pub ids: Vec<Option<ArtistId>>,
}

/// The genre vocabulary with inverse document frequencies (over tracks).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenreVocab {
    pub names: StringTable,
    /// Smoothed IDF per genre, `ln((1 + n_tracks) / (1 + tracks_with_genre)) + 1`; see `genre`.
    pub idf: Vec<f32>,
}

/// A loaded (or freshly built) catalog. Every per-track column has `n_tracks()` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub ids: Vec<TrackId>,
    pub titles: StringTable,
    /// Per track, its artists' indices into [`Catalog::artists`], primary artist first.
    pub track_artists: Lists<u32>,
    pub artists: ArtistTable,
    /// Per track, an index into [`Catalog::albums`], or [`NONE_U32`].
    pub track_album: Vec<u32>,
    pub albums: StringTable,
    /// Release year; 0 when unknown.
    pub years: Vec<u16>,
    /// Spotify popularity 0..=100; `None` when no source knew it (unknown is not zero).
    pub popularity: Vec<Option<u8>>,
    /// Billboard Hot 100 hit: `Some(true)` for a hit, `Some(false)` for a track a source says
    /// did not chart, `None` when no source knew (only the hit-predictor CSV has the flag).
    pub charted: Vec<Option<bool>>,
    /// The standardization of the audio features and the code domain over it: how a track's
    /// codes read as a scaled row ([`Catalog::scaled_row`]) or are ranked as they are.
    pub space: CodeSpace,
    /// Per track, its audio features as the file's codes (16 bytes; see [`CodeRow`]): all the
    /// catalog keeps of them. Neither raw values (52 MB for a million tracks) nor scaled rows
    /// (64 MB) are held; [`Catalog::raw_features`] and [`Catalog::scaled_row`] decode them.
    pub codes: Vec<CodeRow>,
    pub kmeans: KMeansModel,
    /// Per track, its k-means cluster (a row of [`KMeansModel::centroids`]).
    pub clusters: Vec<u16>,
    /// The 2-D PCA map fitted offline on the scaled rows; stored in the file as it is.
    pub map: Projection2d,
    /// Per track, its position on the map ([`Catalog::map`] of its scaled row).
    pub projection: Vec<[f32; 2]>,
    /// Per track, its genres' indices into [`Catalog::genres`], ascending (the order every
    /// ranking sums over, so scores do not depend on where a genre came from).
    pub track_genres: Lists<u16>,
    /// Per value of [`Catalog::track_genres`], how far it is trusted. See
    /// [`Catalog::genres_by_trust`].
    pub genre_trust: TrustColumn,
    pub genres: GenreVocab,
}

impl Catalog {
    pub fn n_tracks(&self) -> usize {
        self.ids.len()
    }

    pub fn title(&self, track: TrackIdx) -> &str {
        self.titles.get(track.get())
    }

    /// The track's artists' names, primary first.
    pub fn artist_names(&self, track: TrackIdx) -> impl Iterator<Item = &str> + '_ {
        self.track_artists
            .row(track.get())
            .iter()
            .map(|&a| self.artists.names.get(a as usize))
    }

    pub fn primary_artist(&self, track: TrackIdx) -> Option<u32> {
        self.track_artists.row(track.get()).first().copied()
    }

    pub fn year(&self, track: TrackIdx) -> Option<u16> {
        self.years.get(track.get()).copied().filter(|&y| y != 0)
    }

    /// The track's raw audio features in [`Feature::ALL`] order (zeros when out of range), as
    /// built or stored: see [`decode_raw`].
    pub fn raw_features(&self, track: TrackIdx) -> [f32; Feature::COUNT] {
        self.codes
            .get(track.get())
            .map_or([0.0; Feature::COUNT], decode_raw)
    }

    /// The track's standardized features (zeros when out of range), decoded from its codes:
    /// bit for bit the row the builder scaled.
    pub fn scaled_row(&self, track: TrackIdx) -> Row {
        self.codes
            .get(track.get())
            .map_or([0.0; SCALED_STRIDE], |codes| self.space.decode(codes))
    }

    /// The standardization fitted on the raw features.
    pub fn scaler(&self) -> &Scaler {
        self.space.scaler()
    }

    /// The exact nearest-neighbour index over every track's codes.
    pub fn code_index(&self) -> Result<CodeIndex, NearestError> {
        CodeIndex::new(&self.codes, &self.space.weights)
    }

    /// The track's genre ids with the trust of each, ascending by id.
    pub fn genres_with_trust(
        &self,
        track: TrackIdx,
    ) -> impl Iterator<Item = (u16, Trust)> + Clone + '_ {
        let start = self
            .track_genres
            .offsets
            .get(track.get())
            .map_or(0, |&o| o as usize);
        self.track_genres
            .row(track.get())
            .iter()
            .enumerate()
            .map(move |(j, &g)| (g, self.genre_trust.get(start + j)))
    }

    /// The track's genre ids with their trust, most trustworthy first ([`Trust`]: Daft Punk's
    /// "electro" and "filter house", which both Spotify snapshots give, before the "rock" only the
    /// 2024 one adds, before the "house" and "pop" of the searches that found its songs).
    ///
    /// Within a level, by id, so the commoner genre comes first. Read on the built catalog, the
    /// broad genre a listener knows leads and the niche ones follow: Radiohead "rock, art rock,
    /// alternative rock, permanent wave, melancholia, oxford indie", Metallica "rock, metal, hard
    /// rock, thrash metal, old school thrash", Miles Davis "jazz, cool jazz, jazz fusion, hard
    /// bop, jazz trumpet" (then "soul, vocal jazz, bebop ..." from one snapshot), Beyoncé "pop,
    /// r&b" (then "dance pop, post-teen pop"). Rarest first would lead with "oxford indie", "old
    /// school thrash" and "jazz trumpet", which say less to most listeners and, where only the
    /// first few are shown, hide the broad genre.
    pub fn genres_by_trust(
        &self,
        track: TrackIdx,
    ) -> impl Iterator<Item = (u16, Trust)> + Clone + '_ {
        let row = self.genres_with_trust(track);
        Trust::ALL
            .into_iter()
            .flat_map(move |level| row.clone().filter(move |&(_, trust)| trust == level))
    }

    /// The track's genre names, most trustworthy first (see [`Catalog::genres_by_trust`]).
    pub fn genre_names(&self, track: TrackIdx) -> impl Iterator<Item = &str> + '_ {
        self.genres_by_trust(track)
            .map(|(g, _)| self.genres.names.get(g as usize))
    }

    /// The genre names a listener is shown: the track's [`most_trusted`] genres, most trustworthy
    /// first.
    pub fn shown_genre_names(&self, track: TrackIdx) -> impl Iterator<Item = &str> + '_ {
        most_trusted(self.genres_by_trust(track)).map(|g| self.genres.names.get(g as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_hold_one_bit_per_value_across_words() {
        let mut flags = Flags::with_capacity(130);
        (0..130).for_each(|i| flags.push(i % 3 == 0 || i == 64));
        assert_eq!(flags.len(), 130);
        assert!(flags.get(0) && flags.get(63) && flags.get(64) && flags.get(129));
        assert!(!flags.get(1) && !flags.get(65) && !flags.get(128));
        assert!(!flags.get(130), "out of range is unset");
    }

    #[test]
    fn a_trust_column_holds_each_level() {
        let mut column = TrustColumn::with_capacity(3);
        Trust::ALL.into_iter().for_each(|t| column.push(t));
        assert_eq!(column.len(), 3);
        assert_eq!(
            (0..3).map(|i| column.get(i)).collect::<Vec<_>>(),
            Trust::ALL
        );
        assert_eq!(column.get(3), Trust::SearchLabel, "out of range");
    }

    #[test]
    fn the_most_trusted_genres_are_spotifys_if_any() {
        use Trust::*;
        let mixed = [
            (0, SearchLabel),
            (3, OneSnapshot),
            (7, Agreed),
            (9, SearchLabel),
        ];
        assert_eq!(most_trusted(mixed.into_iter()).collect::<Vec<_>>(), [3, 7]);
        let labels_only = [(0, SearchLabel), (9, SearchLabel)];
        assert_eq!(
            most_trusted(labels_only.into_iter()).collect::<Vec<_>>(),
            [0, 9]
        );
    }
}
