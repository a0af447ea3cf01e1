//! Reading track CSVs: the shipped data sets, their upstream forms, and Exportify exports.
//!
//! [`read_tracks`] takes any `impl Read` (the CLI decodes gzip, the app hands over a dropped file's
//! bytes) and a source name (the file name: upstream per-genre and per-decade files carry their
//! genre or decade only there). The schema is detected from the header, never from the name:
//!
//! | schema | recognised by | gives |
//! |---|---|---|
//! | [`Schema::GenreSearch`] | `track_id` + `artist_genres` | tracks; search genre = `search_genre` or the file stem |
//! | [`Schema::Tracks114k`] | `track_id` + `track_genre` | tracks, `track_genre` as search genre (a leading unnamed index column is ignored) |
//! | [`Schema::HitPredictor`] | `uri` + `chorus_hit` | tracks; year from `decade` or a `dataset-of-60s` name |
//! | [`Schema::Exportify`] | `Track URI` | tracks, features optional (a listener's own export) |
//! | [`Schema::ArtistGenres`] | `artists` + `genres` + `count` | genres per artist name |
//! | [`Schema::GenreProfiles`] | `genres` + `mode`, no `artists` | nothing (see below) |
//!
//! A row's genres come in two kinds that the catalog keeps apart ([`TrackRow::genres`] and
//! [`TrackRow::search_genres`]): Spotify's own genres for the row's artists (`artist_genres`,
//! Exportify's `Genres`, the artist-genres file), and the genre a crawl searched for when it found
//! the row (`search_genre`, the per-genre file's name, the 114k set's `track_genre`), which says
//! only that Spotify's search returned the track for that word.
//!
//! The genre-profile file (mean audio features per genre) has no tracks and no artists, and every
//! genre it names already reaches tracks through the artist genres, so it is recognised and counted
//! but deliberately not used: averaged profiles would only blur real per-track features.
//!
//! Bad rows are skipped and counted by [`SkipReason`]; a file whose header matches no schema is an
//! [`ImportError`]. The `csv` crate handles quoting, doubled quotes, quoted newlines and CRLF; a
//! UTF-8 byte order mark is stripped here.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use thiserror::Error;

use crate::{ArtistId, Feature, TrackId};

mod text;

use text::TextError;
pub use text::{MAX_CSV_BYTES, TextEncoding};

/// The kinds of CSV Encore understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Schema {
    /// The 2024 genre-search crawl (77k): release dates, popularity, artist ids and genres.
    GenreSearch,
    /// The "Spotify Tracks Dataset" (114k): one row per (track, genre).
    Tracks114k,
    /// "The Spotify Hit Predictor Dataset": `spotify:track:` uris, decades, no popularity.
    HitPredictor,
    /// An Exportify playlist export.
    Exportify,
    /// Spotify genres per artist name (`data_w_genres.csv`).
    ArtistGenres,
    /// Mean audio profile per genre (`data_by_genres.csv`).
    GenreProfiles,
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Schema::GenreSearch => "genre search 2024",
            Schema::Tracks114k => "spotify tracks 114k",
            Schema::HitPredictor => "hit predictor",
            Schema::Exportify => "exportify",
            Schema::ArtistGenres => "artist genres",
            Schema::GenreProfiles => "genre profiles",
        })
    }
}

/// Why a row was skipped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The id cell is empty.
    MissingId,
    /// The id cell is not a Spotify track id or uri.
    BadId,
    /// A number cell could not be parsed (the column is named).
    BadNumber(&'static str),
    /// Some but not all audio features are present.
    MissingFeature(&'static str),
    /// The CSV layer rejected the row (invalid UTF-8, ...).
    Malformed,
    /// An artist-genres row without an artist name.
    MissingArtist,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::MissingId => f.write_str("missing id"),
            SkipReason::BadId => f.write_str("bad id"),
            SkipReason::BadNumber(col) => write!(f, "bad number in `{col}`"),
            SkipReason::MissingFeature(col) => write!(f, "missing `{col}`"),
            SkipReason::Malformed => f.write_str("malformed row"),
            SkipReason::MissingArtist => f.write_str("missing artist"),
        }
    }
}

/// Why a whole file could not be read.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{source_name}: cannot read the csv header: {message}")]
    Header {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: reading stopped after {rows_read} rows: {message}")]
    Read {
        source_name: String,
        rows_read: u64,
        message: String,
    },
    #[error("{source_name}: the header matches no known track csv (columns: {columns})")]
    UnknownSchema {
        source_name: String,
        columns: String,
    },
    #[error(
        "{source_name}: the file is larger than {limit_mb} MB, the most encore reads from one csv \
         (an export of 10,000 songs is about 3 MB)"
    )]
    TooLarge { source_name: String, limit_mb: u64 },
    #[error("{source_name}: the file is {encoding} text that {why}; save it as UTF-8")]
    Encoding {
        source_name: String,
        encoding: &'static str,
        why: &'static str,
    },
}

/// One track as one source row describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRow {
    pub id: TrackId,
    pub title: String,
    /// Artist names, primary first.
    pub artists: Vec<String>,
    /// Artist ids parallel to `artists` when the source gave them for every artist, else empty.
    pub artist_ids: Vec<ArtistId>,
    pub album: Option<String>,
    pub year: Option<u16>,
    pub popularity: Option<u8>,
    /// Billboard Hot 100 hit (the hit predictor's `target`: 1 or 0); `None` elsewhere.
    pub charted: Option<bool>,
    /// The audio features in [`Feature::ALL`] order; `None` when the row has none at all
    /// (newer Exportify exports).
    pub features: Option<[f32; Feature::COUNT]>,
    /// Spotify's genres for the row's artists.
    pub genres: Vec<String>,
    /// The genre searches that found the row (a data set built by searching Spotify for a genre
    /// name): a weaker label than [`TrackRow::genres`], often wrong for the artist.
    pub search_genres: Vec<String>,
}

/// One artist's genres from the artist-genres file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistGenres {
    pub artist: String,
    pub genres: Vec<String>,
}

/// What one file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub source_name: String,
    pub schema: Schema,
    /// Data rows read (excluding the header), skipped or not.
    pub rows_read: u64,
    pub skipped: BTreeMap<SkipReason, u64>,
    pub tracks: Vec<TrackRow>,
    pub artist_genres: Vec<ArtistGenres>,
    /// The encoding the file's text was read in.
    pub encoding: TextEncoding,
}

impl ImportReport {
    pub fn rows_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// How many rows were skipped and why, for the listener to read (`None` when none were):
    /// "3 of 120 rows skipped: 2 bad id, 1 malformed row".
    pub fn skipped_summary(&self) -> Option<String> {
        let skipped = self.rows_skipped();
        if skipped == 0 {
            return None;
        }
        let reasons: Vec<String> = self
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        let rows = if self.rows_read == 1 { "row" } else { "rows" };
        Some(format!(
            "{skipped} of {} {rows} skipped: {}",
            self.rows_read,
            reasons.join(", ")
        ))
    }
}

/// Reads one CSV of at most [`MAX_CSV_BYTES`], in UTF-8, UTF-16 (with its byte-order mark) or
/// Windows-1252 (see [`TextEncoding`]). `source_name` is the file name, used for messages and
/// for the genre or decade of upstream per-genre / per-decade files. Every row read is a track,
/// an artist's genres, or counted in [`ImportReport::skipped`] with its reason.
pub fn read_tracks(reader: impl Read, source_name: &str) -> Result<ImportReport, ImportError> {
    let bytes = text::read_capped(reader).map_err(|e| text_error(e, source_name))?;
    let (text, encoding) = text::decode(&bytes).map_err(|e| text_error(e, source_name))?;
    read_text(&text, encoding, source_name)
}

fn text_error(error: TextError, source_name: &str) -> ImportError {
    let source_name = source_name.to_owned();
    match error {
        TextError::TooLarge => ImportError::TooLarge {
            source_name,
            limit_mb: MAX_CSV_BYTES >> 20,
        },
        TextError::Encoding { encoding, why } => ImportError::Encoding {
            source_name,
            encoding,
            why,
        },
        // A read failure (a truncated gzip stream, a disk error) loses the rest of the file:
        // that is the whole file's error, saying how many whole rows came before it.
        TextError::Read { bytes, message } => {
            let whole_lines = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let rows_read = text::decode(&bytes[..whole_lines])
                .ok()
                .and_then(|(text, encoding)| read_text(&text, encoding, &source_name).ok())
                .map_or(0, |report| report.rows_read);
            ImportError::Read {
                source_name,
                rows_read,
                message,
            }
        }
    }
}

/// [`read_tracks`] on text already decoded to UTF-8 (where damaged rows may remain).
fn read_text(
    text: &[u8],
    encoding: TextEncoding,
    source_name: &str,
) -> Result<ImportReport, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text);
    let header = csv.headers().map_err(|e| ImportError::Header {
        source_name: source_name.to_owned(),
        message: e.to_string(),
    })?;
    let columns = Columns::new(header);
    let schema = columns.detect().ok_or_else(|| ImportError::UnknownSchema {
        source_name: source_name.to_owned(),
        columns: columns.names.join(", "),
    })?;
    let mut report = ImportReport {
        source_name: source_name.to_owned(),
        schema,
        rows_read: 0,
        skipped: BTreeMap::new(),
        tracks: Vec::new(),
        artist_genres: Vec::new(),
        encoding,
    };
    let layout = Layout::new(schema, &columns, source_name);
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                report.rows_read += 1;
                if let Err(reason) = layout.read_row(&record, &mut report) {
                    *report.skipped.entry(reason).or_default() += 1;
                }
            }
            // A bad row (damaged UTF-8) does not end the file; the text is in memory, so no
            // read can fail here.
            Err(_) => {
                report.rows_read += 1;
                *report.skipped.entry(SkipReason::Malformed).or_default() += 1;
            }
        }
    }
    Ok(report)
}

/// Header names normalised for lookup: trimmed, BOM-free, lowercase, spaces as `_`.
struct Columns {
    names: Vec<String>,
}

impl Columns {
    fn new(header: &csv::StringRecord) -> Self {
        let names = header
            .iter()
            .map(|h| {
                h.trim_start_matches('\u{feff}')
                    .trim()
                    .to_lowercase()
                    .replace(' ', "_")
            })
            .collect();
        Self { names }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn find_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.find(n))
    }

    fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    fn detect(&self) -> Option<Schema> {
        if self.has("track_uri") {
            Some(Schema::Exportify)
        } else if self.has("track_id") && self.has("artist_genres") {
            Some(Schema::GenreSearch)
        } else if self.has("track_id") && self.has("track_genre") {
            Some(Schema::Tracks114k)
        } else if self.has("uri") && self.has("chorus_hit") {
            Some(Schema::HitPredictor)
        } else if self.has("artists") && self.has("genres") && self.has("count") {
            Some(Schema::ArtistGenres)
        } else if self.has("genres") && self.has("mode") && !self.has("artists") {
            Some(Schema::GenreProfiles)
        } else {
            None
        }
    }
}

/// Column positions for one schema, resolved once per file.
struct Layout {
    schema: Schema,
    id: Option<usize>,
    title: Option<usize>,
    artists: Option<usize>,
    artist_ids: Option<usize>,
    album: Option<usize>,
    release_date: Option<usize>,
    decade: Option<usize>,
    popularity: Option<usize>,
    /// The hit predictor's `target` (Billboard Hot 100 hit).
    charted: Option<usize>,
    /// Spotify's genres of the row's artists.
    genre_columns: Vec<usize>,
    /// The genre searched for when the row was found.
    search_genre_column: Option<usize>,
    features: [Option<usize>; Feature::COUNT],
    /// Search genre from the file name (upstream per-genre files without `search_genre`).
    name_genre: Option<String>,
    /// Year from the file name (upstream per-decade files without `decade`).
    name_year: Option<u16>,
}

impl Layout {
    fn new(schema: Schema, c: &Columns, source_name: &str) -> Self {
        let features = Feature::ALL.map(|f| match f {
            Feature::DurationMs => {
                c.find_any(&["duration_ms", "duration_(ms)", "track_duration_(ms)"])
            }
            _ => c.find(f.csv_name()),
        });
        let stem = file_stem(source_name);
        let mut layout = Layout {
            schema,
            id: None,
            title: None,
            artists: None,
            artist_ids: None,
            album: None,
            release_date: None,
            decade: None,
            popularity: c.find("popularity"),
            charted: None,
            genre_columns: Vec::new(),
            search_genre_column: None,
            features,
            name_genre: None,
            name_year: None,
        };
        match schema {
            Schema::GenreSearch => {
                layout.id = c.find("track_id");
                layout.title = c.find("track_name");
                layout.artists = c.find("artist_name");
                layout.artist_ids = c.find("artist_id");
                layout.album = c.find("album_name");
                layout.release_date = c.find("release_date");
                layout.genre_columns = c.find("artist_genres").into_iter().collect();
                layout.search_genre_column = c.find("search_genre");
                if !c.has("search_genre") {
                    layout.name_genre = Some(stem.replace(['_', '-'], " ").trim().to_lowercase())
                        .filter(|g| !g.is_empty());
                }
            }
            Schema::Tracks114k => {
                layout.id = c.find("track_id");
                layout.title = c.find("track_name");
                layout.artists = c.find("artists");
                layout.album = c.find("album_name");
                layout.search_genre_column = c.find("track_genre");
            }
            Schema::HitPredictor => {
                layout.id = c.find("uri");
                layout.title = c.find("track");
                layout.artists = c.find("artist");
                layout.decade = c.find("decade");
                layout.charted = c.find("target");
                if layout.decade.is_none() {
                    layout.name_year = decade_middle(stem.rsplit(['-', '_']).next().unwrap_or(""));
                }
            }
            Schema::Exportify => {
                layout.id = c.find("track_uri");
                layout.title = c.find("track_name");
                layout.artists = c.find("artist_name(s)");
                layout.artist_ids = c.find("artist_uri(s)");
                layout.album = c.find("album_name");
                layout.release_date = c.find_any(&["release_date", "album_release_date"]);
                layout.genre_columns = c
                    .find_any(&["genres", "artist_genres"])
                    .into_iter()
                    .collect();
            }
            Schema::ArtistGenres => {
                layout.artists = c.find("artists");
                layout.genre_columns = c.find("genres").into_iter().collect();
            }
            Schema::GenreProfiles => {}
        }
        layout
    }

    fn read_row(&self, r: &csv::StringRecord, report: &mut ImportReport) -> Result<(), SkipReason> {
        let cell = |i: Option<usize>| i.and_then(|i| r.get(i)).map(str::trim).unwrap_or("");
        match self.schema {
            Schema::GenreProfiles => return Ok(()),
            Schema::ArtistGenres => {
                let artist = cell(self.artists);
                if artist.is_empty() {
                    return Err(SkipReason::MissingArtist);
                }
                let genres = self
                    .genre_columns
                    .iter()
                    .flat_map(|&i| parse_genre_list(cell(Some(i))))
                    .collect();
                report.artist_genres.push(ArtistGenres {
                    artist: artist.to_owned(),
                    genres,
                });
                return Ok(());
            }
            _ => {}
        }
        let id_text = cell(self.id);
        if id_text.is_empty() {
            return Err(SkipReason::MissingId);
        }
        let id = TrackId::parse(id_text).map_err(|_| SkipReason::BadId)?;
        let features = self.read_features(r)?;
        let popularity = match cell(self.popularity) {
            "" => None,
            p => {
                let value = parse_number(p).ok_or(SkipReason::BadNumber("popularity"))?;
                Some(value.round().clamp(0.0, 100.0) as u8)
            }
        };
        let charted = match cell(self.charted) {
            "" => None,
            "1" => Some(true),
            "0" => Some(false),
            _ => return Err(SkipReason::BadNumber("target")),
        };
        let artists = split_artists(self.schema, cell(self.artists));
        let artist_ids = self.read_artist_ids(cell(self.artist_ids), artists.len());
        let year = match cell(self.release_date) {
            "" => decade_middle(cell(self.decade)).or(self.name_year),
            date => year_of(date).ok_or(SkipReason::BadNumber("release_date"))?,
        };
        let mut genres = Vec::new();
        for text in self.genre_columns.iter().map(|&i| cell(Some(i))) {
            for genre in parse_genre_list(text) {
                push_genre(&mut genres, &genre);
            }
        }
        let mut search_genres = Vec::new();
        for genre in parse_genre_list(cell(self.search_genre_column)) {
            push_genre(&mut search_genres, &genre);
        }
        if let Some(genre) = &self.name_genre {
            push_genre(&mut search_genres, genre);
        }
        let album = Some(cell(self.album))
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        report.tracks.push(TrackRow {
            id,
            title: cell(self.title).to_owned(),
            artists,
            artist_ids,
            album,
            year,
            popularity,
            charted,
            features,
            genres,
            search_genres,
        });
        Ok(())
    }

    fn read_features(
        &self,
        r: &csv::StringRecord,
    ) -> Result<Option<[f32; Feature::COUNT]>, SkipReason> {
        let cells = self
            .features
            .map(|i| i.and_then(|i| r.get(i)).map(str::trim).unwrap_or(""));
        if cells.iter().all(|c| c.is_empty()) {
            return Ok(None);
        }
        let mut out = [0.0f32; Feature::COUNT];
        for ((slot, text), feature) in out.iter_mut().zip(cells).zip(Feature::ALL) {
            if text.is_empty() {
                return Err(SkipReason::MissingFeature(feature.csv_name()));
            }
            *slot = parse_number(text).ok_or(SkipReason::BadNumber(feature.csv_name()))? as f32;
        }
        Ok(Some(out))
    }

    fn read_artist_ids(&self, text: &str, n_artists: usize) -> Vec<ArtistId> {
        if text.is_empty() {
            return Vec::new();
        }
        let ids: Option<Vec<ArtistId>> = text.split(',').map(|s| ArtistId::parse(s).ok()).collect();
        // Ids only help when they line up with the names; otherwise drop them all.
        ids.filter(|ids| ids.len() == n_artists).unwrap_or_default()
    }
}

/// A finite number in JSON's grammar, which is what Python (`1.01e-06`), pandas (`4.98E-05`) and
/// JavaScript (Exportify) write. Parsed by `serde_json`, which the browser carries anyway for
/// Spotify's responses, rather than `str::parse`, whose correctly rounded parser ships a 10 KB
/// table of powers of five: at most an ulp apart, far below the catalog's quantization.
fn parse_number(text: &str) -> Option<f64> {
    serde_json::from_str::<f64>(text)
        .ok()
        .filter(|v| v.is_finite())
}

fn split_artists(schema: Schema, text: &str) -> Vec<String> {
    let separator = match schema {
        Schema::Tracks114k => ';',
        Schema::Exportify => ',',
        // The crawl and the hit predictor name one artist per row.
        _ => {
            return if text.is_empty() {
                Vec::new()
            } else {
                vec![text.to_owned()]
            };
        }
    };
    text.split(separator)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The year of `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: `Some(None)` for Spotify's `0000` (unknown),
/// `None` when the text is not a date.
fn year_of(date: &str) -> Option<Option<u16>> {
    let year = date.get(..4)?.parse::<u16>().ok()?;
    match year {
        0 => Some(None),
        1000..=2999 => Some(Some(year)),
        _ => None,
    }
}

/// `1960s` (or `60s`) -> 1965: the middle of the decade is the least wrong single year.
pub fn decade_middle(text: &str) -> Option<u16> {
    let digits = text.trim().strip_suffix('s')?;
    let start: u16 = digits.parse().ok()?;
    let start = match digits.len() {
        4 => start,
        // Two-digit decades from the hit predictor's upstream names: 60s..90s are 19xx, 00s and
        // 10s are 20xx.
        2 if start >= 30 => 1900 + start,
        2 => 2000 + start,
        _ => return None,
    };
    (start % 10 == 0).then_some(start + 5)
}

fn file_stem(source_name: &str) -> &str {
    let name = source_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(source_name);
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.strip_suffix(".csv").unwrap_or(name)
}

/// Genres from a cell: a Python list string (`['acid jazz', "children's music"]`), `[]`, or a
/// comma-separated list. Lowercased and trimmed.
pub fn parse_genre_list(text: &str) -> Vec<String> {
    let text = text.trim();
    let mut out = Vec::new();
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let mut rest = inner.trim_start();
        while let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let body = &rest[1..];
            let Some(end) = body.find(quote) else { break };
            push_genre(&mut out, &body[..end]);
            rest = body[end + 1..]
                .trim_start()
                .trim_start_matches(',')
                .trim_start();
        }
    } else {
        for genre in text.split(',') {
            push_genre(&mut out, genre);
        }
    }
    out
}

fn push_genre(out: &mut Vec<String>, genre: &str) {
    // NUL ends strings in the catalog file; a genre name has no use for one.
    let genre = genre.replace('\0', "").trim().to_lowercase();
    if !genre.is_empty() && !out.contains(&genre) {
        out.push(genre);
    }
}

/// The join key for artist names across files: lowercase, whitespace collapsed.
pub fn normalize_artist(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn read(csv: &str, name: &str) -> ImportReport {
        read_tracks(csv.as_bytes(), name).unwrap()
    }

    const FEATURES_HEADER: &str = "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature";
    const FEATURES_ROW: &str =
        "0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,230666,4";

    #[test]
    fn detects_every_schema_from_its_header() {
        let cases = [
            (
                "track_id,artists,album_name,track_name,popularity,track_genre",
                Schema::Tracks114k,
            ),
            (
                ",track_id,artists,album_name,track_name,popularity,track_genre",
                Schema::Tracks114k,
            ),
            (
                "search_genre,track_name,track_id,artist_genres",
                Schema::GenreSearch,
            ),
            ("track_name,track_id,artist_genres", Schema::GenreSearch),
            (
                "track,artist,uri,chorus_hit,sections,target,decade",
                Schema::HitPredictor,
            ),
            (
                "track,artist,uri,chorus_hit,sections,target",
                Schema::HitPredictor,
            ),
            (
                "\u{feff}Track URI,Track Name,Artist Name(s)",
                Schema::Exportify,
            ),
            ("genres,artists,acousticness,count", Schema::ArtistGenres),
            ("mode,genres,acousticness", Schema::GenreProfiles),
        ];
        for (header, schema) in cases {
            assert_eq!(
                read(&format!("{header}\n"), "x.csv").schema,
                schema,
                "{header}"
            );
        }
        let err = read_tracks("name,value\n".as_bytes(), "odd.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "odd.csv: the header matches no known track csv (columns: name, value)"
        );
        assert!(read_tracks("".as_bytes(), "empty.csv").is_err());
    }

    #[test]
    fn reads_the_114k_form_with_and_without_index_column() {
        let plain = format!(
            "track_id,artists,album_name,track_name,popularity,{FEATURES_HEADER},track_genre\n\
             5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino;Other,Comedy,Comedy,73,{FEATURES_ROW},acoustic\n"
        );
        let indexed = format!(
            ",track_id,artists,album_name,track_name,popularity,{FEATURES_HEADER},track_genre\n\
             0,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino;Other,Comedy,Comedy,73,{FEATURES_ROW},acoustic\n"
        );
        for text in [plain, indexed] {
            let report = read(&text, "dataset.csv");
            let row = &report.tracks[0];
            assert_eq!(row.id.to_string(), "5SuOikwiRyPMVoIQDJUgSV");
            assert_eq!(row.artists, ["Gen Hoshino", "Other"]);
            assert_eq!(row.album.as_deref(), Some("Comedy"));
            assert_eq!(row.popularity, Some(73));
            assert_eq!(row.year, None);
            assert_eq!(row.search_genres, ["acoustic"]);
            assert!(row.genres.is_empty(), "the 114k set knows no artist genres");
            let f = row.features.unwrap();
            assert_eq!(f[Feature::Instrumentalness.column()], 1.01e-06);
            assert_eq!(f[Feature::DurationMs.column()], 230666.0);
        }
    }

    #[test]
    fn reads_genre_search_rows_and_upstream_per_genre_files() {
        let with_genre = format!(
            "search_genre,track_name,track_id,artist_name,artist_id,album_name,release_date,popularity,{FEATURES_HEADER},artist_genres\n\
             acid jazz,Jazz,0poAcsyKGAMc8goHsV0Dxm,Solsonics,0hRcHqu2R885utzNyofwbj,Jazz LP,2003-01-01,29,{FEATURES_ROW},\"['acid jazz', \"\"children's music\"\"]\"\n"
        );
        let row = &read(&with_genre, "x.csv").tracks[0];
        assert_eq!(row.genres, ["acid jazz", "children's music"]);
        assert_eq!(row.search_genres, ["acid jazz"]);
        assert_eq!(row.year, Some(2003));
        assert_eq!(row.artist_ids.len(), 1);
        let upstream = format!(
            "track_name,track_id,artist_name,artist_id,album_name,release_date,popularity,{FEATURES_HEADER},artist_genres\n\
             Jazz,0poAcsyKGAMc8goHsV0Dxm,Solsonics,0hRcHqu2R885utzNyofwbj,Jazz LP,1996,29,{FEATURES_ROW},[]\n"
        );
        let row = &read(&upstream, "data/nu_jazz.csv").tracks[0];
        assert_eq!(row.search_genres, ["nu jazz"]);
        assert!(
            row.genres.is_empty(),
            "its artist_genres cell is an empty list"
        );
        assert_eq!(row.year, Some(1996));
        let unknown_year = upstream.replace(",1996,", ",0000,");
        assert_eq!(read(&unknown_year, "nu_jazz.csv").tracks[0].year, None);
        let bad_year = read(&upstream.replace(",1996,", ",soon,"), "nu_jazz.csv");
        assert_eq!(bad_year.skipped[&SkipReason::BadNumber("release_date")], 1);
    }

    #[test]
    fn reads_hit_predictor_uris_and_decades() {
        let body = format!(
            "Song,Garland Green,spotify:track:1dtKN6wwlolkM8XZy2y9C1,{FEATURES_ROW},32.9,9,1"
        );
        let with_decade = format!(
            "track,artist,uri,{FEATURES_HEADER},chorus_hit,sections,target,decade\n{body},1960s\n"
        );
        let row = &read(&with_decade, "hits.csv").tracks[0];
        assert_eq!(row.id.to_string(), "1dtKN6wwlolkM8XZy2y9C1");
        assert_eq!((row.year, row.popularity), (Some(1965), None));
        assert_eq!(row.charted, Some(true));
        let miss = with_decade.replace(",9,1,1960s", ",9,0,1960s");
        assert_eq!(read(&miss, "hits.csv").tracks[0].charted, Some(false));
        let bad = read(&with_decade.replace(",9,1,1960s", ",9,x,1960s"), "hits.csv");
        assert_eq!(bad.skipped[&SkipReason::BadNumber("target")], 1);
        let per_decade =
            format!("track,artist,uri,{FEATURES_HEADER},chorus_hit,sections,target\n{body}\n");
        assert_eq!(
            read(&per_decade, "dataset-of-10s.csv").tracks[0].year,
            Some(2015)
        );
        assert_eq!(
            read(&per_decade, "dataset-of-90s.csv").tracks[0].year,
            Some(1995)
        );
    }

    #[test]
    fn reads_exportify_with_bom_crlf_and_without_features() {
        let text = "\u{feff}\"Track URI\",\"Track Name\",\"Artist Name(s)\",\"Release Date\",\"Popularity\",\"Genres\"\r\n\
                    \"spotify:track:5SuOikwiRyPMVoIQDJUgSV\",\"Line\none\",\"A, B\",\"2019-05\",\"40\",\"pop,rock\"\r\n";
        let report = read(text, "liked.csv");
        assert_eq!(report.schema, Schema::Exportify);
        let row = &report.tracks[0];
        assert_eq!(row.title, "Line\none");
        assert_eq!(row.artists, ["A", "B"]);
        assert_eq!(row.year, Some(2019));
        assert_eq!(row.features, None);
        assert_eq!(row.genres, ["pop", "rock"]);
        assert!(row.search_genres.is_empty());
    }

    #[test]
    fn reads_artist_genres_with_doubled_quotes_and_crlf() {
        let text = "genres,artists,acousticness,count\r\n\
                    show tunes,\"\"\"Cats\"\" 1981 Original London Cast\",0.59,9\r\n\
                    \"nu metal, rap rock\",3rd Strike,4.98E-05,2\r\n\
                    [],Nobody,0.1,1\r\n\
                    \"['a', 'b']\",,0.1,1\r\n";
        let report = read(text, "artists.csv");
        assert_eq!(report.artist_genres.len(), 3);
        assert_eq!(
            report.artist_genres[0].artist,
            "\"Cats\" 1981 Original London Cast"
        );
        assert_eq!(report.artist_genres[1].genres, ["nu metal", "rap rock"]);
        assert!(report.artist_genres[2].genres.is_empty());
        assert_eq!(report.skipped[&SkipReason::MissingArtist], 1);
    }

    #[test]
    fn counts_bad_rows_by_reason() {
        let header = format!(
            "track_id,artists,album_name,track_name,popularity,{FEATURES_HEADER},track_genre"
        );
        let cases: [(&str, SkipReason); 5] = [
            (",a,b,c,1,{F},g", SkipReason::MissingId),
            ("nope,a,b,c,1,{F},g", SkipReason::BadId),
            (
                "5SuOikwiRyPMVoIQDJUgSV,a,b,c,lots,{F},g",
                SkipReason::BadNumber("popularity"),
            ),
            (
                "5SuOikwiRyPMVoIQDJUgSV,a,b,c,1,x,0.4,1,-6,0,0.1,0.1,0,0.3,0.7,87,230666,4,g",
                SkipReason::BadNumber("danceability"),
            ),
            (
                "5SuOikwiRyPMVoIQDJUgSV,a,b,c,1,0.5,0.4,1,-6,0,0.1,0.1,0,0.3,0.7,87,,4,g",
                SkipReason::MissingFeature("duration_ms"),
            ),
        ];
        for (row, reason) in cases {
            let text = format!("{header}\n{}\n", row.replace("{F}", FEATURES_ROW));
            let report = read(&text, "t.csv");
            assert!(report.tracks.is_empty(), "{row}");
            assert_eq!(report.rows_read, 1);
            assert_eq!(
                report.skipped.get(&reason),
                Some(&1),
                "{row}: {:?}",
                report.skipped
            );
        }
        // A short row (missing trailing columns) has no features left: skipped, not a panic.
        let report = read(
            &format!("{header}\n5SuOikwiRyPMVoIQDJUgSV,a,b,c,1,0.5\n"),
            "t.csv",
        );
        assert_eq!(report.rows_skipped(), 1);
        // In a UTF-8 file (é), a row of damaged UTF-8 is one malformed row; the rows after it
        // are still read.
        let mut bytes = format!("{header}\n").into_bytes();
        bytes.extend_from_slice(b"5SuOikwiRyPMVoIQDJUgSV,\xff,b,c,1,");
        bytes.extend_from_slice(
            format!("{FEATURES_ROW},g\n5SuOikwiRyPMVoIQDJUgSV,é,b,c,1,{FEATURES_ROW},g\n")
                .as_bytes(),
        );
        let report = read_tracks(bytes.as_slice(), "t.csv").unwrap();
        assert_eq!((report.rows_read, report.tracks.len()), (2, 1));
        assert_eq!(report.skipped[&SkipReason::Malformed], 1);
        assert_eq!(
            report.skipped_summary().as_deref(),
            Some("1 of 2 rows skipped: 1 malformed row")
        );
        // With no UTF-8 character at all, the same bytes are Latin-1 and every row is read.
        let latin1: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|&b| b < 0x80 || b == 0xff)
            .collect();
        let report = read_tracks(latin1.as_slice(), "t.csv").unwrap();
        assert_eq!(report.encoding, TextEncoding::Windows1252);
        assert_eq!((report.tracks.len(), report.skipped_summary()), (2, None));
        assert_eq!(report.tracks[0].artists, ["ÿ"]);
    }

    #[test]
    fn a_missing_feature_column_skips_every_row_with_its_name() {
        let header = FEATURES_HEADER.replace(",tempo", "");
        let row = FEATURES_ROW.replace(",87.917", "");
        let text = format!(
            "track_id,artists,track_name,{header},track_genre\n\
             5SuOikwiRyPMVoIQDJUgSV,a,t,{row},g\n\
             4qPNDBW1i3p13qLCt0Ki3A,a,t,{row},g\n"
        );
        let report = read(&text, "t.csv");
        assert!(report.tracks.is_empty());
        assert_eq!(report.skipped[&SkipReason::MissingFeature("tempo")], 2);
        assert_eq!(
            SkipReason::MissingFeature("tempo").to_string(),
            "missing `tempo`"
        );
    }

    #[test]
    fn reads_older_exportify_exports_with_features() {
        let text = "Track URI,Track Name,Artist URI(s),Artist Name(s),Album Name,Album Release Date,Track Duration (ms),Popularity,Artist Genres,\
             Danceability,Energy,Key,Loudness,Mode,Speechiness,Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature\n\
             spotify:track:5SuOikwiRyPMVoIQDJUgSV,Song,\"spotify:artist:0hRcHqu2R885utzNyofwbj,spotify:artist:4OW0w5K2UNaWtbpRqzWqI0\",\"A,B\",LP,1999-03-01,230666,12,\"jazz,funk\",\
             0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4\n";
        let report = read(text, "playlist.csv");
        let row = &report.tracks[0];
        assert_eq!(row.artist_ids.len(), 2);
        assert_eq!(row.album.as_deref(), Some("LP"));
        assert_eq!(row.year, Some(1999));
        assert_eq!(row.genres, ["jazz", "funk"]);
        let f = row.features.unwrap();
        assert_eq!(f[Feature::DurationMs.column()], 230666.0);
        assert_eq!(f[Feature::TimeSignature.column()], 4.0);
    }

    #[test]
    fn utf16_reads_like_utf8_and_oversized_or_broken_files_are_refused_by_name() {
        let text = format!(
            "track_id,track_genre,{FEATURES_HEADER}\n5SuOikwiRyPMVoIQDJUgSV,Señor,{FEATURES_ROW}\n"
        );
        let utf8 = read_tracks(text.as_bytes(), "t.csv").unwrap();
        assert_eq!((utf8.encoding, utf8.tracks.len()), (TextEncoding::Utf8, 1));
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let report = read_tracks(utf16.as_slice(), "t.csv").unwrap();
        assert_eq!(report.encoding, TextEncoding::Utf16Le);
        assert_eq!(report.tracks, utf8.tracks);
        utf16.push(0);
        let err = read_tracks(utf16.as_slice(), "t.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: the file is UTF-16 text that ends in the middle of a character; save it as UTF-8"
        );
        let huge = std::io::repeat(b'a').take(MAX_CSV_BYTES + 1);
        let err = read_tracks(huge, "big.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.csv: the file is larger than 64 MB, the most encore reads from one csv (an export \
             of 10,000 songs is about 3 MB)"
        );
    }

    #[test]
    fn a_read_failure_is_the_files_error() {
        /// Yields its bytes, then fails like a truncated gzip stream.
        struct Broken<'a>(&'a [u8]);
        impl Read for Broken<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "corrupt deflate stream",
                    ));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let text = format!(
            "track_id,track_genre,{FEATURES_HEADER}\n5SuOikwiRyPMVoIQDJUgSV,g,{FEATURES_ROW}\n4qPN"
        );
        let err = read_tracks(Broken(text.as_bytes()), "t.csv.gz").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv.gz: reading stopped after 1 rows: corrupt deflate stream"
        );
    }

    proptest! {
        /// Any bytes after a known header: rows are read or skipped, never a panic, and every
        /// row is accounted for.
        #[test]
        fn arbitrary_rows_never_panic(body in prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec![",", "\"", "\n", "\r\n", "[", "'", "1.5e-3", "spotify:track:", "5SuOikwiRyPMVoIQDJUgSV", "\u{feff}"]).prop_map(str::to_owned),
                "[ -~]{0,6}",
            ],
            0..60,
        ), header in 0usize..4) {
            let headers = [
                format!("track_id,artists,album_name,track_name,popularity,{FEATURES_HEADER},track_genre"),
                format!("search_genre,track_name,track_id,artist_name,artist_id,release_date,popularity,{FEATURES_HEADER},artist_genres"),
                "Track URI,Track Name,Artist Name(s),Release Date,Genres".to_owned(),
                "genres,artists,count".to_owned(),
            ];
            let text = format!("{}\n{}", headers[header], body.concat());
            let report = read_tracks(text.as_bytes(), "fuzz.csv").unwrap();
            let kept = (report.tracks.len() + report.artist_genres.len()) as u64;
            prop_assert_eq!(kept + report.rows_skipped(), report.rows_read);
        }
    }

    #[test]
    fn parses_numbers_as_python_pandas_and_javascript_write_them() {
        for (text, value) in [
            ("1.01e-06", 1.01e-06),
            ("4.98E-05", 4.98e-05),
            ("-6.746", -6.746),
            ("230666", 230666.0),
            ("-0.0", 0.0),
            ("1e2", 100.0),
        ] {
            assert_eq!(parse_number(text), Some(value), "{text}");
        }
        for text in ["", "abc", "NaN", "inf", "1e999", "0.5.1", "1,5", "0x10"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    proptest! {
        /// Any number as Rust, Python or JavaScript prints it (shortest round trip) reads back
        /// as the same `f32` the correctly rounded parser gives.
        #[test]
        fn parsed_numbers_are_the_correctly_rounded_f32(value in any::<f64>().prop_filter("finite as f32", |v| (*v as f32).is_finite())) {
            for text in [format!("{value}"), format!("{value:e}"), format!("{:?}", value as f32)] {
                let expected = text.parse::<f64>().unwrap() as f32;
                prop_assert_eq!(parse_number(&text).map(|v| v as f32), Some(expected), "{}", text);
            }
        }
    }

    #[test]
    fn parses_genre_lists() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "['acid jazz', 'instrumental funk']",
                &["acid jazz", "instrumental funk"],
            ),
            (
                "[\"children's music\", 'pop']",
                &["children's music", "pop"],
            ),
            ("[]", &[]),
            ("nu metal, Rap Rock", &["nu metal", "rap rock"]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_genre_list(text), expected, "{text}");
        }
    }

    #[test]
    fn normalizes_artist_names_and_decades() {
        assert_eq!(normalize_artist("  The   Beatles "), "the beatles");
        assert_eq!(decade_middle("1960s"), Some(1965));
        assert_eq!(decade_middle("00s"), Some(2005));
        assert_eq!(decade_middle("1963s"), None);
        assert_eq!(decade_middle("sixties"), None);
    }
}
