//! Matching the listener's tracks (from Spotify or an Exportify CSV) to catalog tracks.
//!
//! A track the listener has is a [`ListenerTrack`]: whatever its source knew. It is matched, in
//! order, by
//!
//! 1. its Spotify id, when the catalog holds that id;
//! 2. its folded title and primary artist ([`crate::search::fold`]), exactly;
//! 3. the same with the title's decorations removed: a `" - "` suffix (`- Remastered 2011`,
//!    `- Live`) and bracketed parts (`(feat. X)`, `[Radio Edit]`), since the same recording often
//!    sits in the catalog under another release's id and a plainer title.
//!
//! When several catalog tracks share a key, one on the same album wins, else the most popular,
//! else the first in catalog order. The catalog has no ISRC column, so an ISRC cannot be used
//! here, but it is kept on [`ListenerTrack`] for sources and exports that want it.
//!
//! Like the search index, the matcher is built once per catalog, in slices if need be
//! ([`MatcherBuilder::add_tracks`]).

use std::cmp::{Ordering, Reverse};
use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::catalog::NONE_U32;
use crate::search::fold;
use crate::{Catalog, TrackId, TrackIdx};

/// A track the listener has, as its source described it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListenerTrack {
    /// The Spotify id, when the source gave one (Spotify's own lists always do; local files do not).
    pub id: Option<TrackId>,
    pub title: String,
    /// Artist names, primary first.
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub isrc: Option<String>,
}

/// How a listener track found its catalog track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Id,
    TitleArtist,
    LooseTitleArtist,
}

/// The outcome of matching a list of listener tracks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchReport {
    /// The matched catalog tracks, each once, in the order the listener's tracks came.
    pub matched: Vec<TrackIdx>,
    /// How many listener tracks matched by id, by title and artist, and by the loose title.
    pub n_by_id: usize,
    pub n_by_title_artist: usize,
    pub n_by_loose_title_artist: usize,
    /// The listener tracks no catalog track matched, in input order.
    pub unmatched: Vec<ListenerTrack>,
}

impl MatchReport {
    /// Number of listener tracks that matched (two listener tracks may match one catalog track).
    pub fn n_matched_inputs(&self) -> usize {
        self.n_by_id + self.n_by_title_artist + self.n_by_loose_title_artist
    }
}

/// The title without decorations (cut at `" - "`, bracketed parts removed), or `None` when it
/// has none, so the common undecorated title is folded once.
fn undecorated(title: &str) -> Option<String> {
    if !title.contains(" - ") && !title.contains(['(', '[']) {
        return None;
    }
    let head = title.split(" - ").next().unwrap_or(title);
    let mut out = String::with_capacity(head.len());
    let mut depth = 0usize;
    for c in head.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Some(out)
}

/// The folded title and the folded loose title (the same when there are no decorations; a title
/// that is all decoration, like "(Intro)", keeps its plain fold rather than becoming empty).
fn title_keys(title: &str) -> (String, Option<String>) {
    let exact = fold(title);
    let loose = undecorated(title)
        .map(|t| fold(&t))
        .filter(|t| !t.is_empty() && *t != exact);
    (exact, loose)
}

/// The lookup key of a folded (title, primary artist) pair: a 64-bit hash, so the index holds
/// no strings. `None` when either side is empty. (`str`'s `Hash` ends each string with a marker,
/// so ("ab", "c") and ("a", "bc") differ.)
fn key(title: &str, artist: &str) -> Option<u64> {
    if title.is_empty() || artist.is_empty() {
        return None;
    }
    let mut hasher = DefaultHasher::new();
    title.hash(&mut hasher);
    artist.hash(&mut hasher);
    Some(hasher.finish())
}

/// `(key, track)` pairs sorted by key, then by the candidates' preference order.
type KeyIndex = Vec<(u64, TrackIdx)>;

/// The tracks under `key`, best candidate first.
fn candidates(index: &KeyIndex, key: u64) -> impl Iterator<Item = TrackIdx> + '_ {
    let start = index.partition_point(|&(k, _)| k < key);
    index[start..]
        .iter()
        .take_while(move |&&(k, _)| k == key)
        .map(|&(_, t)| t)
}

/// By key, then by popularity (unknown last), then in catalog order. Not inlined, for the same
/// reason as the search's word comparison: a call instead of a copy at each of the sort's
/// comparisons makes the app's download 2 KB smaller (gzip).
#[inline(never)]
fn compare_candidates(catalog: &Catalog, a: &(u64, TrackIdx), b: &(u64, TrackIdx)) -> Ordering {
    let popularity = |t: TrackIdx| catalog.popularity.get(t.get()).copied().flatten();
    let key = |&(k, t): &(u64, TrackIdx)| (k, Reverse(popularity(t)), t);
    key(a).cmp(&key(b))
}

/// Collects catalog keys; [`MatcherBuilder::finish`] turns them into a [`Matcher`].
#[derive(Debug, Default)]
pub struct MatcherBuilder {
    by_id: Vec<(TrackId, TrackIdx)>,
    by_title: KeyIndex,
    by_loose_title: KeyIndex,
    /// Per catalog artist, the folded name, folded once however many tracks the artist has.
    artist_folds: Vec<Option<Box<str>>>,
    /// How many of the three lists [`MatcherBuilder::sort_step`] has sorted.
    n_sorted: u8,
}

impl MatcherBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tracks in `tracks` (any slices of `0..catalog.n_tracks()`, each once).
    pub fn add_tracks(&mut self, catalog: &Catalog, tracks: Range<usize>) {
        if self.artist_folds.len() < catalog.artists.names.len() {
            self.artist_folds.resize(catalog.artists.names.len(), None);
        }
        for i in tracks.start..tracks.end.min(catalog.n_tracks()) {
            let track = TrackIdx(i as u32);
            self.by_id.push((catalog.ids[i], track));
            let Some(artist) = catalog.primary_artist(track).map(|a| a as usize) else {
                continue;
            };
            let Some(slot) = self.artist_folds.get_mut(artist) else {
                continue;
            };
            let artist = slot.get_or_insert_with(|| fold(catalog.artists.names.get(artist)).into());
            let (exact, loose) = title_keys(catalog.title(track));
            if let Some(k) = key(&exact, artist) {
                self.by_title.push((k, track));
            }
            if let Some(k) = key(loose.as_deref().unwrap_or(&exact), artist) {
                self.by_loose_title.push((k, track));
            }
        }
    }

    /// Sorts one of the three key lists (ids, titles, loose titles) and returns whether all are
    /// sorted: lets a caller spread [`MatcherBuilder::finish`]'s work over several short tasks.
    /// A key's candidates are ordered by popularity (unknown last), then catalog order.
    pub fn sort_step(&mut self, catalog: &Catalog) -> bool {
        let order = |index: &mut KeyIndex| {
            index.sort_unstable_by(|a, b| compare_candidates(catalog, a, b));
        };
        match self.n_sorted {
            0 => {
                // The first occurrence of an id wins; a valid catalog has each id once anyway.
                self.by_id.sort_unstable();
                self.by_id.dedup_by_key(|&mut (id, _)| id);
            }
            1 => order(&mut self.by_title),
            2 => order(&mut self.by_loose_title),
            _ => return true,
        }
        self.n_sorted += 1;
        self.n_sorted == 3
    }

    pub fn finish(mut self, catalog: &Catalog) -> Matcher {
        while !self.sort_step(catalog) {}
        Matcher {
            by_id: self.by_id,
            by_title: self.by_title,
            by_loose_title: self.by_loose_title,
        }
    }
}

/// Finds the catalog track for a listener track (see the module docs for the order of tries).
#[derive(Debug, Clone)]
pub struct Matcher {
    by_id: Vec<(TrackId, TrackIdx)>,
    by_title: KeyIndex,
    by_loose_title: KeyIndex,
}

impl Matcher {
    /// Indexes the whole catalog in one go.
    pub fn build(catalog: &Catalog) -> Self {
        let mut builder = MatcherBuilder::new();
        builder.add_tracks(catalog, 0..catalog.n_tracks());
        builder.finish(catalog)
    }

    fn by_id(&self, id: TrackId) -> Option<TrackIdx> {
        let i = self.by_id.binary_search_by_key(&id, |&(id, _)| id).ok()?;
        Some(self.by_id[i].1)
    }

    /// The catalog track for `wanted`, and how it was found.
    pub fn find(&self, catalog: &Catalog, wanted: &ListenerTrack) -> Option<(TrackIdx, MatchKind)> {
        if let Some(track) = wanted.id.and_then(|id| self.by_id(id)) {
            return Some((track, MatchKind::Id));
        }
        let artist = fold(wanted.artists.first()?);
        let album = wanted.album.as_deref().map(fold).filter(|a| !a.is_empty());
        let on_album = |t: TrackIdx| {
            let a = catalog
                .track_album
                .get(t.get())
                .copied()
                .unwrap_or(NONE_U32);
            a != NONE_U32 && album.as_deref() == Some(fold(catalog.albums.get(a as usize)).as_str())
        };
        let pick = |index: &KeyIndex, k: u64| {
            let same_album = album
                .as_ref()
                .and_then(|_| candidates(index, k).find(|&t| on_album(t)));
            same_album.or_else(|| candidates(index, k).next())
        };
        let (exact, loose) = title_keys(&wanted.title);
        if let Some(track) = key(&exact, &artist).and_then(|k| pick(&self.by_title, k)) {
            return Some((track, MatchKind::TitleArtist));
        }
        key(loose.as_deref().unwrap_or(&exact), &artist)
            .and_then(|k| pick(&self.by_loose_title, k))
            .map(|track| (track, MatchKind::LooseTitleArtist))
    }

    /// Every catalog track that is a version of `track` (same primary artist and the same title
    /// without decorations), `track` included, most popular first: what "leave out what I
    /// already have" leaves out.
    pub fn versions(&self, catalog: &Catalog, track: TrackIdx) -> Vec<TrackIdx> {
        let artist = fold(catalog.artist_names(track).next().unwrap_or(""));
        let (exact, loose) = title_keys(catalog.title(track));
        key(loose.as_deref().unwrap_or(&exact), &artist)
            .map(|k| candidates(&self.by_loose_title, k).collect())
            .unwrap_or_default()
    }

    /// Matches every listener track; see [`MatchReport`].
    pub fn match_all(&self, catalog: &Catalog, wanted: &[ListenerTrack]) -> MatchReport {
        let mut report = MatchReport::default();
        let mut seen = HashSet::new();
        for track in wanted {
            match self.find(catalog, track) {
                Some((idx, kind)) => {
                    match kind {
                        MatchKind::Id => report.n_by_id += 1,
                        MatchKind::TitleArtist => report.n_by_title_artist += 1,
                        MatchKind::LooseTitleArtist => report.n_by_loose_title_artist += 1,
                    }
                    if seen.insert(idx) {
                        report.matched.push(idx);
                    }
                }
                None => report.unmatched.push(track.clone()),
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::tests::text_catalog;

    fn fixture() -> Catalog {
        text_catalog(&[
            ("Bohemian Rhapsody - Remastered 2011", &["Queen"], Some(70)),
            ("Bohemian Rhapsody", &["Queen"], Some(90)),
            ("Jolene", &["Dolly Parton"], Some(80)),
            ("Déjà Vu", &["Olivia Rodrigo"], Some(85)),
            ("Blinding Lights", &["The Weeknd"], None),
            ("Blinding Lights", &["The Weeknd"], Some(50)),
            ("Señorita", &["Shawn Mendes", "Camila Cabello"], Some(75)),
        ])
    }

    fn listener(
        id: Option<u128>,
        title: &str,
        artists: &[&str],
        album: Option<&str>,
    ) -> ListenerTrack {
        ListenerTrack {
            id: id.map(TrackId),
            title: title.to_owned(),
            artists: artists.iter().map(|a| (*a).to_owned()).collect(),
            album: album.map(str::to_owned),
            isrc: None,
        }
    }

    /// `(listener track, expected catalog index and kind)` checked one by one.
    fn check(cases: &[(ListenerTrack, Option<(u32, MatchKind)>)]) {
        let catalog = fixture();
        let matcher = Matcher::build(&catalog);
        for (wanted, expected) in cases {
            let got = matcher.find(&catalog, wanted).map(|(t, k)| (t.0, k));
            assert_eq!(got, *expected, "{wanted:?}");
        }
    }

    #[test]
    fn id_wins_over_text() {
        // The fixture's ids are index + 1; the title here is deliberately another track's.
        check(&[
            (
                listener(Some(3), "Bohemian Rhapsody", &["Queen"], None),
                Some((2, MatchKind::Id)),
            ),
            (
                listener(Some(999), "Jolene", &["Dolly Parton"], None),
                Some((2, MatchKind::TitleArtist)),
            ),
        ]);
    }

    #[test]
    fn title_and_primary_artist_forgive_case_accents_and_punctuation() {
        check(&[
            (
                listener(None, "deja vu", &["OLIVIA RODRIGO"], None),
                Some((3, MatchKind::TitleArtist)),
            ),
            (
                listener(None, "Senorita", &["Shawn Mendes"], None),
                Some((6, MatchKind::TitleArtist)),
            ),
            // Only the primary artist is compared.
            (listener(None, "Señorita", &["Camila Cabello"], None), None),
            (listener(None, "Jolene", &[], None), None),
            (listener(None, "", &["Dolly Parton"], None), None),
        ]);
    }

    #[test]
    fn decorations_fall_back_to_the_loose_title() {
        check(&[
            // The exact decorated title exists, so it wins.
            (
                listener(
                    None,
                    "Bohemian Rhapsody - Remastered 2011",
                    &["Queen"],
                    None,
                ),
                Some((0, MatchKind::TitleArtist)),
            ),
            // Undecorated in the catalog twice (loose keys of 0 and 1): the more popular wins.
            (
                listener(None, "Bohemian Rhapsody - Live Aid", &["Queen"], None),
                Some((1, MatchKind::LooseTitleArtist)),
            ),
            (
                listener(
                    None,
                    "Jolene (feat. Someone) [Radio Edit]",
                    &["Dolly Parton"],
                    None,
                ),
                Some((2, MatchKind::LooseTitleArtist)),
            ),
        ]);
    }

    #[test]
    fn ties_prefer_the_same_album_then_popularity() {
        check(&[
            // Popularity 50 beats unknown.
            (
                listener(None, "Blinding Lights", &["The Weeknd"], None),
                Some((5, MatchKind::TitleArtist)),
            ),
            // The fixture's album of track i is "<title> (album)"; both are "Blinding Lights (album)",
            // so the album cannot separate them and popularity decides again.
            (
                listener(
                    None,
                    "Blinding Lights",
                    &["The Weeknd"],
                    Some("blinding lights (ALBUM)"),
                ),
                Some((5, MatchKind::TitleArtist)),
            ),
            // Album of track 0 names it even though track 1 is more popular.
            (
                listener(
                    None,
                    "Bohemian Rhapsody - Live",
                    &["Queen"],
                    Some("Bohemian Rhapsody - Remastered 2011 (album)"),
                ),
                Some((0, MatchKind::LooseTitleArtist)),
            ),
        ]);
    }

    #[test]
    fn report_counts_dedupes_and_lists_the_unmatched() {
        let catalog = fixture();
        let matcher = Matcher::build(&catalog);
        let wanted = vec![
            listener(Some(3), "Jolene", &["Dolly Parton"], None),
            listener(None, "Jolene", &["Dolly Parton"], None),
            listener(None, "Unknown Song", &["Nobody"], None),
            listener(None, "Deja Vu - Live", &["Olivia Rodrigo"], None),
        ];
        let report = matcher.match_all(&catalog, &wanted);
        assert_eq!(report.matched, vec![TrackIdx(2), TrackIdx(3)]);
        assert_eq!(
            (
                report.n_by_id,
                report.n_by_title_artist,
                report.n_by_loose_title_artist
            ),
            (1, 1, 1)
        );
        assert_eq!(report.n_matched_inputs(), 3);
        assert_eq!(report.unmatched, vec![wanted[2].clone()]);
    }

    #[test]
    fn versions_are_the_same_song_by_the_same_artist() {
        let catalog = fixture();
        let matcher = Matcher::build(&catalog);
        assert_eq!(
            matcher.versions(&catalog, TrackIdx(0)),
            vec![TrackIdx(1), TrackIdx(0)]
        );
        assert_eq!(matcher.versions(&catalog, TrackIdx(2)), vec![TrackIdx(2)]);
    }

    #[test]
    fn building_in_slices_equals_building_at_once() {
        let catalog = fixture();
        let mut builder = MatcherBuilder::new();
        builder.add_tracks(&catalog, 4..7);
        builder.add_tracks(&catalog, 0..4);
        assert!(!builder.sort_step(&catalog));
        let sliced = builder.finish(&catalog);
        let whole = Matcher::build(&catalog);
        assert_eq!(sliced.by_id, whole.by_id);
        assert_eq!(sliced.by_title, whole.by_title);
        assert_eq!(sliced.by_loose_title, whole.by_loose_title);
    }

    #[test]
    fn listener_tracks_round_trip_through_json() {
        let track = ListenerTrack {
            id: Some(TrackId(42)),
            title: "Song".into(),
            artists: vec!["A".into(), "B".into()],
            album: Some("Album".into()),
            isrc: Some("USUM71900123".into()),
        };
        let json = serde_json::to_string(&track).unwrap();
        assert_eq!(serde_json::from_str::<ListenerTrack>(&json).unwrap(), track);
    }
}
