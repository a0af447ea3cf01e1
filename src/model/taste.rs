//! The listener's taste: tracks from any mix of sources, in the order they were added, and the
//! words that describe it.

use std::collections::HashSet;

use encore_engine::TrackId;
use encore_engine::csv_import::{self, ImportError, Schema};
use encore_engine::matching::{ListenerTrack, MatchReport};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Entry;
use super::controls::count;

/// Where a listener track came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Source {
    Liked,
    Top,
    Playlist,
    Recent,
    Csv,
    Search,
}

impl Source {
    /// Every source, in declaration order (`source as usize` indexes it).
    pub const ALL: [Source; 6] = [
        Source::Liked,
        Source::Top,
        Source::Playlist,
        Source::Recent,
        Source::Csv,
        Source::Search,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Source::Liked => "Liked songs",
            Source::Top => "Top tracks",
            Source::Playlist => "Playlist",
            Source::Recent => "Recently played",
            Source::Csv => "Exportify CSV",
            Source::Search => "Picked from search",
        }
    }

    /// Whether the tracks came from the listener's Spotify account (not a file or the search).
    pub fn is_spotify(self) -> bool {
        matches!(
            self,
            Source::Liked | Source::Top | Source::Playlist | Source::Recent
        )
    }

    /// A word safe in a `data-testid`: `picks-search`, `picks-csv`.
    pub fn slug(self) -> &'static str {
        match self {
            Source::Liked => "liked",
            Source::Top => "top",
            Source::Playlist => "playlist",
            Source::Recent => "recent",
            Source::Csv => "csv",
            Source::Search => "search",
        }
    }
}

/// What makes two listener tracks of one source the same pick: the Spotify id, or for a track
/// without one the same title and artists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PickKey {
    Id(TrackId),
    Text(String, Vec<String>),
}

impl PickKey {
    pub fn of(track: &ListenerTrack) -> Self {
        match track.id {
            Some(id) => PickKey::Id(id),
            None => PickKey::Text(track.title.clone(), track.artists.clone()),
        }
    }
}

/// The listener's tracks from every source, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TasteState {
    pub tracks: Vec<(Source, ListenerTrack)>,
}

impl TasteState {
    /// Adds tracks from `source`, skipping ones that source already gave (see [`PickKey`]), so
    /// importing a file twice does not double it; returns how many were new. Linear in the tracks
    /// (a hash set), so a 10,000-song library adds at once.
    pub fn add(
        &mut self,
        source: Source,
        tracks: impl IntoIterator<Item = ListenerTrack>,
    ) -> usize {
        let mut seen: HashSet<PickKey> = self
            .tracks
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, t)| PickKey::of(t))
            .collect();
        let before = self.tracks.len();
        for track in tracks {
            if seen.insert(PickKey::of(&track)) {
                self.tracks.push((source, track));
            }
        }
        self.tracks.len() - before
    }

    /// Makes `tracks` the whole of `source` (a fresh import of a library that songs may have
    /// left since); returns how many were not in it before.
    pub fn replace(&mut self, source: Source, tracks: Vec<ListenerTrack>) -> usize {
        let before: HashSet<PickKey> = self
            .tracks
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, t)| PickKey::of(t))
            .collect();
        let n_new = tracks
            .iter()
            .filter(|t| !before.contains(&PickKey::of(t)))
            .count();
        self.remove_source(source);
        self.add(source, tracks);
        n_new
    }

    pub fn remove_source(&mut self, source: Source) {
        self.tracks.retain(|(s, _)| *s != source);
    }

    /// Takes one pick out of one source.
    pub fn remove_pick(&mut self, source: Source, key: &PickKey) {
        if let Some(at) = self
            .tracks
            .iter()
            .position(|(s, t)| *s == source && PickKey::of(t) == *key)
        {
            self.tracks.remove(at);
        }
    }

    /// Whether any source gave the track with this Spotify id.
    pub fn has_id(&self, id: TrackId) -> bool {
        self.tracks.iter().any(|(_, t)| t.id == Some(id))
    }

    /// The screen a returning listener with this taste belongs on: the Spotify one when any of it
    /// came from their Spotify account (so Connect is at hand), else the guest one.
    pub fn entry(&self) -> Entry {
        if self.tracks.iter().any(|(source, _)| source.is_spotify()) {
            Entry::Spotify
        } else {
            Entry::Guest
        }
    }

    /// How many tracks each source gave, in source order.
    pub fn counts(&self) -> Vec<(Source, usize)> {
        let mut counts = Source::ALL.map(|source| (source, 0));
        for (source, _) in &self.tracks {
            counts[*source as usize].1 += 1;
        }
        counts.into_iter().filter(|&(_, n)| n > 0).collect()
    }

    /// The first `limit` tracks `source` gave, in the order they came.
    pub fn picks(&self, source: Source, limit: usize) -> Vec<ListenerTrack> {
        self.tracks
            .iter()
            .filter(|(s, _)| *s == source)
            .take(limit)
            .map(|(_, t)| t.clone())
            .collect()
    }

    pub fn listener_tracks(&self) -> Vec<ListenerTrack> {
        self.tracks.iter().map(|(_, t)| t.clone()).collect()
    }

    /// `serde_json::to_string(self)`, [`JSON_SLICE`] tracks per task, `pause` before each
    /// slice (so none of it runs in the caller's task): a 10,000-song taste takes about 25 ms to
    /// write in one go, more than half of what a task of the page may take.
    pub async fn to_json_in_slices<P: Future<Output = ()>>(
        &self,
        mut pause: impl FnMut() -> P,
    ) -> serde_json::Result<String> {
        let mut json = br#"{"tracks":["#.to_vec();
        for (i, track) in self.tracks.iter().enumerate() {
            if i % JSON_SLICE == 0 {
                pause().await;
            }
            if i > 0 {
                json.push(b',');
            }
            serde_json::to_writer(&mut json, track)?;
        }
        json.extend_from_slice(b"]}");
        String::from_utf8(json).map_err(serde::ser::Error::custom)
    }
}

/// Tracks written to JSON per task: a couple of milliseconds of the page's thread.
const JSON_SLICE: usize = 1_000;

/// Why a dropped file gave no tracks, worded for the listener.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    #[error(
        "Encore could not read \"{0}\". Pick the file again; if it keeps failing, export the playlist from Exportify once more."
    )]
    Unreadable(String),
    #[error(
        "\"{0}\" is not an Exportify export (it has no \"Track URI\" column). Export a playlist at exportify.net and drop that CSV here."
    )]
    NotExportify(String),
    #[error(
        "\"{0}\" has no tracks Encore could read. Check that it is an Exportify export of a playlist with songs in it."
    )]
    Empty(String),
    #[error(
        "\"{0}\" is larger than {1} MB, more than Encore reads from one file (an Exportify export of 10,000 songs is about 3 MB)."
    )]
    TooLarge(String, u64),
    #[error(
        "\"{0}\" is {1} text that Encore cannot read ({2}). Save it as UTF-8 and drop it again."
    )]
    Encoding(String, &'static str, &'static str),
}

/// An Exportify CSV's tracks, and how many of its rows were skipped and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTracks {
    pub tracks: Vec<ListenerTrack>,
    /// "3 of 120 rows skipped: 2 bad id, 1 malformed row", or `None` when every row was read.
    pub skipped: Option<String>,
}

/// The listener tracks of an Exportify CSV's bytes.
pub fn exportify_tracks(bytes: &[u8], file_name: &str) -> Result<CsvTracks, CsvError> {
    let name = || file_name.to_owned();
    let report = csv_import::read_tracks(bytes, file_name).map_err(|e| match e {
        ImportError::TooLarge { limit_mb, .. } => CsvError::TooLarge(name(), limit_mb),
        ImportError::Encoding { encoding, why, .. } => CsvError::Encoding(name(), encoding, why),
        ImportError::Header { .. }
        | ImportError::Read { .. }
        | ImportError::UnknownSchema { .. } => CsvError::NotExportify(name()),
    })?;
    if report.schema != Schema::Exportify {
        return Err(CsvError::NotExportify(file_name.to_owned()));
    }
    let skipped = report.skipped_summary();
    let tracks: Vec<ListenerTrack> = report
        .tracks
        .into_iter()
        .map(|row| ListenerTrack {
            id: Some(row.id),
            title: row.title,
            artists: row.artists,
            album: row.album,
            isrc: None,
        })
        .collect();
    if tracks.is_empty() {
        return Err(CsvError::Empty(file_name.to_owned()));
    }
    Ok(CsvTracks { tracks, skipped })
}

/// The sentence of the match summary.
pub fn summary_sentence(report: &MatchReport, n_tracks: usize) -> String {
    let matched = report.n_matched_inputs();
    let distinct = report.matched.len();
    let mut out = format!("{matched} of {n_tracks} of your tracks are in Encore's catalog");
    if distinct != matched {
        out.push_str(&format!(
            " ({})",
            count(distinct, "song", "different songs")
        ));
    }
    out.push('.');
    if matched == 0 {
        out.push_str(" Add more tracks, or other sources, to get recommendations.");
    }
    out
}

/// `1250` as `1,250`, for progress lines.
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::block_on;

    #[test]
    fn a_taste_written_in_slices_reads_back_as_the_same_taste() {
        let mut taste = TasteState::default();
        taste.add(
            Source::Liked,
            (0..2_345).map(|i| track(Some(i), "Song \"x\"")),
        );
        taste.add(Source::Csv, [track(None, "Local file")]);
        let mut pauses = 0;
        let json = block_on(taste.to_json_in_slices(|| {
            pauses += 1;
            std::future::ready(())
        }));
        assert_eq!(json.ok(), serde_json::to_string(&taste).ok());
        assert_eq!(pauses, 3, "2,346 tracks in slices of 1,000");
        let empty = block_on(TasteState::default().to_json_in_slices(|| std::future::ready(())));
        assert_eq!(empty.ok().as_deref(), Some(r#"{"tracks":[]}"#));
    }

    fn track(id: Option<u128>, title: &str) -> ListenerTrack {
        ListenerTrack {
            id: id.map(TrackId),
            title: title.into(),
            artists: vec!["A".into()],
            ..Default::default()
        }
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_250), "1,250");
        assert_eq!(thousands(8_431_000), "8,431,000");
    }

    #[test]
    fn a_returning_listener_lands_where_their_taste_came_from() {
        let mut taste = TasteState::default();
        taste.add(Source::Search, vec![track(Some(1), "Picked")]);
        assert_eq!(taste.entry(), Entry::Guest);
        taste.add(Source::Liked, vec![track(Some(2), "Liked")]);
        assert_eq!(
            taste.entry(),
            Entry::Spotify,
            "Connect must be at hand to sync liked songs"
        );
    }

    #[test]
    fn sources_combine_without_doubling_and_can_be_removed() {
        let mut taste = TasteState::default();
        assert_eq!(
            taste.add(Source::Csv, [track(Some(1), "x"), track(Some(2), "y")]),
            2
        );
        assert_eq!(
            taste.add(Source::Csv, [track(Some(1), "x")]),
            0,
            "already there"
        );
        taste.add(Source::Search, [track(Some(1), "x"), track(None, "z")]);
        taste.add(Source::Search, [track(None, "z")]);
        assert_eq!(taste.counts(), vec![(Source::Csv, 2), (Source::Search, 2)]);
        taste.remove_source(Source::Csv);
        assert_eq!(taste.counts(), vec![(Source::Search, 2)]);
    }

    #[test]
    fn a_fresh_import_replaces_its_source_and_counts_what_is_new() {
        let mut taste = TasteState::default();
        taste.add(Source::Liked, [track(Some(1), "x"), track(Some(2), "y")]);
        taste.add(Source::Search, [track(Some(2), "y")]);
        // Song 1 was unliked since, song 3 liked.
        let n_new = taste.replace(
            Source::Liked,
            vec![track(Some(2), "y"), track(Some(3), "z")],
        );
        assert_eq!(n_new, 1);
        assert_eq!(
            taste.picks(Source::Liked, 10),
            vec![track(Some(2), "y"), track(Some(3), "z")]
        );
        assert_eq!(
            taste.counts(),
            vec![(Source::Liked, 2), (Source::Search, 1)]
        );
    }

    #[test]
    fn one_pick_comes_out_of_its_source_only() {
        let mut taste = TasteState::default();
        taste.add(Source::Csv, [track(Some(1), "x"), track(Some(2), "y")]);
        taste.add(Source::Search, [track(Some(1), "x"), track(None, "z")]);
        assert!(taste.has_id(TrackId(2)));
        taste.remove_pick(Source::Csv, &PickKey::Id(TrackId(2)));
        assert!(!taste.has_id(TrackId(2)));
        taste.remove_pick(Source::Search, &PickKey::Id(TrackId(1)));
        assert!(taste.has_id(TrackId(1)), "the CSV still has it");
        taste.remove_pick(Source::Search, &PickKey::Text("z".into(), vec!["A".into()]));
        assert_eq!(taste.counts(), vec![(Source::Csv, 1)]);
        assert_eq!(taste.picks(Source::Csv, 10), vec![track(Some(1), "x")]);
    }

    #[test]
    fn the_taste_survives_a_round_trip() {
        let mut taste = TasteState::default();
        taste.add(Source::Liked, [track(Some(7), "x"), track(None, "no id")]);
        let json = serde_json::to_string(&taste).unwrap();
        assert_eq!(serde_json::from_str::<TasteState>(&json).unwrap(), taste);
    }

    #[test]
    fn the_summary_counts_in_words() {
        let report = MatchReport {
            matched: vec![encore_engine::TrackIdx(0)],
            n_by_id: 1,
            ..Default::default()
        };
        assert_eq!(
            summary_sentence(&report, 1),
            "1 of 1 of your tracks are in Encore's catalog."
        );
        let report = MatchReport {
            matched: vec![encore_engine::TrackIdx(0)],
            n_by_id: 2,
            ..Default::default()
        };
        assert_eq!(
            summary_sentence(&report, 3),
            "2 of 3 of your tracks are in Encore's catalog (1 song)."
        );
    }

    #[test]
    fn exportify_csv_becomes_listener_tracks_and_other_files_are_explained() {
        let csv = "\u{feff}Track URI,Track Name,Artist Name(s),Album Name\n\
                   spotify:track:5SuOikwiRyPMVoIQDJUgSV,Everybody,Alpha;Beta,Album\n";
        let CsvTracks { tracks, skipped } = exportify_tracks(csv.as_bytes(), "mine.csv").unwrap();
        assert_eq!(tracks.len(), 1);
        assert_eq!(skipped, None);
        assert_eq!(
            tracks[0].id.map(|i| i.to_string()).as_deref(),
            Some("5SuOikwiRyPMVoIQDJUgSV")
        );
        assert_eq!(tracks[0].title, "Everybody");
        let err = exportify_tracks(b"name,age\nbob,3\n", "people.csv").unwrap_err();
        assert_eq!(err, CsvError::NotExportify("people.csv".into()));
        assert!(err.to_string().contains("exportify.net"));
    }

    #[test]
    fn skipped_rows_are_counted_and_unreadable_encodings_named() {
        let csv = "Track URI,Track Name,Artist Name(s),Album Name\n\
                   spotify:track:5SuOikwiRyPMVoIQDJUgSV,Everybody,Alpha,Album\n\
                   spotify:track:not-an-id,Broken,Beta,Album\n";
        let read = exportify_tracks(csv.as_bytes(), "mine.csv").unwrap();
        assert_eq!(read.tracks.len(), 1);
        let skipped = read.skipped.expect("the broken row is reported");
        assert!(skipped.starts_with("1 of 2 rows skipped"), "{skipped}");

        // UTF-16 without a valid second half of a surrogate pair cannot be read as any text.
        let broken_utf16 = [0xFF, 0xFE, b'T', 0, 0x00, 0xD8, b'x', 0];
        let err = exportify_tracks(&broken_utf16, "odd.csv").unwrap_err();
        assert!(matches!(err, CsvError::Encoding(..)), "{err:?}");
        assert!(err.to_string().contains("UTF-16"), "{err}");
    }
}
