//! Catalog search by title or artist, as the listener types.
//!
//! Text is first *folded* ([`fold`]): lowercased, Latin accents removed (`Beyoncé` -> `beyonce`),
//! apostrophes dropped (`don't` -> `dont`), `&` spelled `and`, every other non-alphanumeric
//! character a word break. The index maps every folded word of a track's title and artists to the
//! tracks that contain it (an inverted index over a sorted vocabulary), built once per catalog.
//!
//! A query matches a track when every query word matches one of the track's words, each scored:
//! the same word (4), a word it begins (2: the listener is still typing), or a word one edit away
//! (1; two edits for words of eight letters or more; an edit is an insertion, deletion,
//! substitution or swap of neighbours, Damerau-Levenshtein). Results are ordered by total score,
//! then popularity, then catalog order, so equal queries always give equal lists.
//!
//! Building walks every track, which on ~180k tracks is too long for one browser task, so
//! [`SearchIndexBuilder::add_tracks`] takes a range and the caller yields between slices.
//! This module does not rank by audio similarity and does not know about the listener's library.

use std::collections::HashMap;
use std::ops::Range;

use crate::catalog::Lists;
use crate::{Catalog, TrackIdx};

const SCORE_EXACT: u8 = 4;
const SCORE_PREFIX: u8 = 2;
const SCORE_TYPO: u8 = 1;

/// Lowercase ASCII for U+00E0..=U+00FF once lowercased; `?` marks the letters spelled with two
/// (`æ`, `ß`, `þ`), handled before the table is consulted.
const LATIN1_LOWER: &[u8; 32] = b"aaaaaa?ceeeeiiiidnooooo ouuuuy?y";

/// ASCII for Latin Extended-A, U+0100..=U+017F (both cases; `œ` and `ĳ` are handled before).
const LATIN_EXT_A: &[u8; 128] = b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Writes folded text: letters go straight in, and any run of gaps becomes one space between
/// words (none at either end), in a single pass.
struct Folder<'a> {
    out: &'a mut String,
    gap: bool,
}

impl Folder<'_> {
    fn letter(&mut self, c: char) {
        if self.gap && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.gap = false;
        self.out.push(c);
    }

    fn letters(&mut self, s: &str) {
        s.chars().for_each(|c| self.letter(c));
    }

    /// One lowercase character (see the module docs for what becomes what).
    fn push(&mut self, c: char) {
        match c {
            'a'..='z' | '0'..='9' => self.letter(c),
            // Apostrophes join: "don't" and "dont" are the same word to a listener typing.
            '\'' | '\u{2019}' | '\u{2018}' | '`' => {}
            // Combining marks (decomposed accents) vanish like precomposed ones.
            '\u{300}'..='\u{36f}' => {}
            '&' => {
                self.gap = true;
                self.letters("and");
                self.gap = true;
            }
            'æ' => self.letters("ae"),
            'ß' => self.letters("ss"),
            'þ' => self.letters("th"),
            'œ' => self.letters("oe"),
            'ĳ' => self.letters("ij"),
            '\u{e0}'..='\u{ff}' => match LATIN1_LOWER[c as usize - 0xe0] {
                b' ' => self.gap = true,
                ascii => self.letter(char::from(ascii)),
            },
            '\u{100}'..='\u{17f}' => self.letter(char::from(LATIN_EXT_A[c as usize - 0x100])),
            c if c.is_alphanumeric() => self.letter(c),
            _ => self.gap = true,
        }
    }
}

/// Folds `text` into `out` (cleared first), reusing its allocation; see [`fold`].
pub fn fold_into(text: &str, out: &mut String) {
    out.clear();
    let mut folder = Folder { out, gap: false };
    for c in text.chars() {
        if c.is_ascii() {
            folder.push(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(|lower| folder.push(lower));
        }
    }
}

/// Folds text for matching and search: lowercase, accents removed, apostrophes dropped, `&` as
/// `and`, other punctuation a single space, no leading or trailing space.
///
/// ```
/// assert_eq!(encore_engine::search::fold("Beyoncé & JAY-Z: Don't"), "beyonce and jay z dont");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Reusable rows for [`typo_distance`], so scanning the vocabulary does not allocate per word.
#[derive(Debug, Default)]
struct EditRows {
    prev2: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

/// The smallest Damerau-Levenshtein (optimal string alignment) distance between `query` and
/// `word` or any beginning of `word`, or `None` when it exceeds `max`. Taking the minimum over
/// the last row of the table is what makes beginnings count: cell `j` of that row is the distance
/// between `query` and `word[..j]`. Stops as soon as a whole row exceeds `max`, so most words of
/// the vocabulary cost a few cells.
fn typo_distance(query: &[char], word: &[char], max: usize, rows: &mut EditRows) -> Option<usize> {
    if word.len() + max < query.len() {
        return None;
    }
    let width = word.len() + 1;
    let EditRows { prev2, prev, cur } = rows;
    for row in [&mut *prev2, &mut *prev, &mut *cur] {
        row.clear();
        row.resize(width, 0);
    }
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=query.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..width {
            let cost = usize::from(query[i - 1] != word[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && query[i - 1] == word[j - 2] && query[i - 2] == word[j - 1] {
                best = best.min(prev2[j - 2] + 1);
            }
            cur[j] = best;
            row_min = row_min.min(best);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(prev2, prev);
        std::mem::swap(prev, cur);
    }
    prev.iter().copied().min().filter(|&d| d <= max)
}

/// How many edits a query word of `n_chars` letters may contain.
fn typo_budget(n_chars: usize) -> usize {
    match n_chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Collects the folded words of tracks; [`SearchIndexBuilder::finish`] turns them into an index.
#[derive(Debug, Default)]
pub struct SearchIndexBuilder {
    word_ids: HashMap<Box<str>, u32>,
    /// Per word id, the tracks containing it, ascending.
    postings: Vec<Vec<u32>>,
    /// Per catalog artist, its name's word ids, folded once however many tracks it has.
    artist_words: Vec<Option<Box<[u32]>>>,
    n_tracks: usize,
}

impl SearchIndexBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn word_ids_of(&mut self, folded: &str, out: &mut Vec<u32>) {
        for word in folded.split(' ').filter(|w| !w.is_empty()) {
            let id = match self.word_ids.get(word) {
                Some(&id) => id,
                None => {
                    let id = self.postings.len() as u32;
                    self.word_ids.insert(word.into(), id);
                    self.postings.push(Vec::new());
                    id
                }
            };
            out.push(id);
        }
    }

    /// Indexes the title and artists of the tracks in `tracks`. Call with ascending, disjoint
    /// ranges (slices of `0..catalog.n_tracks()`), so every posting list stays sorted.
    pub fn add_tracks(&mut self, catalog: &Catalog, tracks: Range<usize>) {
        let mut folded = String::new();
        let mut words: Vec<u32> = Vec::new();
        let mut artist_ids: Vec<u32> = Vec::new();
        if self.artist_words.len() < catalog.artists.names.len() {
            self.artist_words.resize(catalog.artists.names.len(), None);
        }
        for i in tracks.start..tracks.end.min(catalog.n_tracks()) {
            let track = TrackIdx(i as u32);
            words.clear();
            fold_into(catalog.title(track), &mut folded);
            self.word_ids_of(&folded, &mut words);
            for &artist in catalog.track_artists.row(i) {
                let a = artist as usize;
                if self.artist_words.get(a).is_some_and(Option::is_none) {
                    artist_ids.clear();
                    fold_into(catalog.artists.names.get(a), &mut folded);
                    self.word_ids_of(&folded, &mut artist_ids);
                    self.artist_words[a] = Some(artist_ids.as_slice().into());
                }
                if let Some(Some(ids)) = self.artist_words.get(a) {
                    words.extend_from_slice(ids);
                }
            }
            words.sort_unstable();
            words.dedup();
            for &word in &words {
                self.postings[word as usize].push(track.0);
            }
            self.n_tracks = self.n_tracks.max(i + 1);
        }
    }

    pub fn finish(mut self) -> SearchIndex {
        let mut entries: Vec<(Box<str>, u32)> = self.word_ids.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut words = Vec::with_capacity(entries.len());
        let mut postings = Lists::default();
        for (word, id) in entries {
            words.push(word.chars().collect::<Box<[char]>>());
            postings.push_row(std::mem::take(&mut self.postings[id as usize]));
        }
        SearchIndex {
            words,
            postings,
            n_tracks: self.n_tracks,
        }
    }
}

/// The inverted index of a catalog's titles and artists. Build it with [`SearchIndexBuilder`] or,
/// off the browser's main thread, [`SearchIndex::build`].
#[derive(Debug, Clone)]
pub struct SearchIndex {
    /// The vocabulary, sorted, as chars so edit distances need no decoding per query.
    words: Vec<Box<[char]>>,
    /// Per word, the ascending indices of the tracks containing it.
    postings: Lists<u32>,
    n_tracks: usize,
}

impl SearchIndex {
    /// Indexes the whole catalog in one go.
    pub fn build(catalog: &Catalog) -> Self {
        let mut builder = SearchIndexBuilder::new();
        builder.add_tracks(catalog, 0..catalog.n_tracks());
        builder.finish()
    }

    /// Number of distinct words indexed.
    pub fn n_words(&self) -> usize {
        self.words.len()
    }

    /// Scores every vocabulary word against one query word; `(word index, score)`.
    fn matching_words(&self, query: &[char]) -> Vec<(usize, u8)> {
        let budget = typo_budget(query.len());
        // Exact and prefix matches form one contiguous run of the sorted vocabulary.
        let start = self.words.partition_point(|w| &w[..] < query);
        let mut found: Vec<(usize, u8)> = self.words[start..]
            .iter()
            .take_while(|w| w.starts_with(query))
            .enumerate()
            .map(|(i, w)| {
                (
                    start + i,
                    if w.len() == query.len() {
                        SCORE_EXACT
                    } else {
                        SCORE_PREFIX
                    },
                )
            })
            .collect();
        if budget == 0 {
            return found;
        }
        // Typos are looked for among the words with the same first letter only: that cuts the scan
        // to a few percent of the vocabulary, and first letters are the ones people rarely miss.
        let run = start..start + found.len();
        let first = query[0];
        let same_first = self.words.partition_point(|w| w[0] < first)
            ..self.words.partition_point(|w| w[0] <= first);
        let mut rows = EditRows::default();
        for i in same_first {
            if !run.contains(&i)
                && typo_distance(query, &self.words[i], budget, &mut rows).is_some()
            {
                found.push((i, SCORE_TYPO));
            }
        }
        found
    }

    /// The best `limit` tracks for `query`, best first (see the module docs for the order). An
    /// empty or all-punctuation query finds nothing.
    pub fn search(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<TrackIdx> {
        let folded = fold(query);
        let mut terms: Vec<Vec<char>> = folded.split(' ').map(|w| w.chars().collect()).collect();
        terms.retain(|t| !t.is_empty());
        terms.dedup();
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        // Dense per-track accumulators: total score and how many query words matched so far.
        let mut total = vec![0u16; self.n_tracks];
        let mut n_matched = vec![0u8; self.n_tracks];
        let mut best = vec![0u8; self.n_tracks];
        let mut candidates: Vec<u32> = Vec::new();
        for (term_no, term) in terms.iter().enumerate() {
            let mut touched: Vec<u32> = Vec::new();
            for (word, score) in self.matching_words(term) {
                for &t in self.postings.row(word) {
                    let slot = &mut best[t as usize];
                    if *slot == 0 {
                        touched.push(t);
                    }
                    *slot = (*slot).max(score);
                }
            }
            candidates.clear();
            for t in touched {
                let i = t as usize;
                if usize::from(n_matched[i]) == term_no {
                    n_matched[i] += 1;
                    total[i] += u16::from(best[i]);
                    candidates.push(t);
                }
                best[i] = 0;
            }
            if candidates.is_empty() {
                return Vec::new();
            }
        }
        let popularity = |t: u32| catalog.popularity.get(t as usize).copied().flatten();
        let key = |&t: &u32| {
            (
                std::cmp::Reverse(total[t as usize]),
                std::cmp::Reverse(popularity(t)),
                t,
            )
        };
        if candidates.len() > limit {
            candidates.select_nth_unstable_by_key(limit - 1, key);
            candidates.truncate(limit);
        }
        candidates.sort_unstable_by_key(key);
        candidates.into_iter().map(TrackIdx).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::{ArtistTable, GenreVocab, KMeansModel, Scaler, StringTable};
    use crate::{Feature, TrackId};

    /// A tiny catalog: `(title, artists, popularity)` per track; only text columns matter here.
    pub(crate) fn text_catalog(rows: &[(&str, &[&str], Option<u8>)]) -> Catalog {
        let mut titles = StringTable::default();
        let mut artists = ArtistTable::default();
        let mut track_artists = Lists::default();
        let mut albums = StringTable::default();
        let mut ids = Vec::new();
        for (i, (title, names, _)) in rows.iter().enumerate() {
            ids.push(TrackId(i as u128 + 1));
            titles.push(title);
            albums.push(&format!("{title} (album)"));
            let mut row = Vec::new();
            for name in *names {
                let known = artists.names.iter().position(|n| n == *name);
                let idx = known.unwrap_or_else(|| {
                    artists.names.push(name);
                    artists.ids.push(None);
                    artists.names.len() - 1
                });
                row.push(idx as u32);
            }
            track_artists.push_row(row);
        }
        let n = rows.len();
        Catalog {
            ids,
            titles,
            track_artists,
            artists,
            track_album: (0..n as u32).collect(),
            albums,
            years: vec![0; n],
            popularity: rows.iter().map(|r| r.2).collect(),
            features: vec![0.0; n * Feature::COUNT],
            scaler: Scaler {
                offsets: [0.0; Feature::COUNT],
                scales: [1.0; Feature::COUNT],
            },
            scaled: vec![0.0; n * crate::catalog::SCALED_STRIDE],
            kmeans: KMeansModel {
                centroids: Vec::new(),
                inertia_curve: Vec::new(),
            },
            clusters: vec![0; n],
            projection: vec![[0.0, 0.0]; n],
            track_genres: Lists {
                offsets: vec![0; n + 1],
                values: Vec::new(),
            },
            genres: GenreVocab::default(),
        }
    }

    fn fixture() -> Catalog {
        text_catalog(&[
            ("Halo", &["Beyoncé"], Some(80)),
            ("Crazy in Love", &["Beyoncé", "JAY-Z"], Some(85)),
            ("Hallo Spaceboy", &["David Bowie"], Some(40)),
            ("Heroes", &["David Bowie"], Some(75)),
            ("Don't Stop Me Now", &["Queen"], Some(90)),
            ("Sigur Rós Song", &["Sigur Rós"], None),
            ("Halo", &["Depeche Mode"], Some(60)),
            ("Mr. Brightside", &["The Killers"], Some(88)),
        ])
    }

    /// Titles of the hits for `query`, best first.
    fn check(query: &str, expected: &[&str]) {
        let catalog = fixture();
        let index = SearchIndex::build(&catalog);
        let got: Vec<String> = index
            .search(&catalog, query, 10)
            .into_iter()
            .map(|t| {
                format!(
                    "{} / {}",
                    catalog.title(t),
                    catalog.artist_names(t).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        assert_eq!(got, expected, "query {query:?}");
    }

    #[test]
    fn fold_lowercases_strips_accents_and_punctuation() {
        let cases = [
            ("Beyoncé", "beyonce"),
            ("  Sigur   Rós ", "sigur ros"),
            ("Mötley Crüe", "motley crue"),
            ("Don't Stop", "dont stop"),
            ("Don’t Stop", "dont stop"),
            ("Simon & Garfunkel", "simon and garfunkel"),
            ("Straße", "strasse"),
            ("Łódź", "lodz"),
            ("Cafe\u{301}", "cafe"),
            ("AC/DC", "ac dc"),
            ("Mr. Brightside (Remix) - 2004", "mr brightside remix 2004"),
            ("Céline Dion – Œuvre", "celine dion oeuvre"),
            ("Пётр", "пётр"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "{input:?}");
        }
    }

    #[test]
    fn latin_tables_cover_their_ranges() {
        assert_eq!(LATIN1_LOWER.len(), 0x100 - 0xe0);
        assert_eq!(LATIN_EXT_A.len(), 0x180 - 0x100);
        assert_eq!(fold("ĀĆĎĒĜĤĨĴĶĹŃŌŔŚŢŨŴŶŹ"), "acdeghijklnorstuwyz");
    }

    #[test]
    fn typo_distance_counts_swaps_as_one_and_accepts_beginnings() {
        let mut rows = EditRows::default();
        let mut d = |a: &str, b: &str, max| {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            typo_distance(&a, &b, max, &mut rows)
        };
        assert_eq!(d("queen", "queen", 1), Some(0));
        assert_eq!(d("qeeun", "queen", 2), Some(2));
        assert_eq!(d("quene", "queen", 1), Some(1));
        assert_eq!(d("bowei", "bowie", 1), Some(1));
        assert_eq!(d("kitten", "sitting", 1), None);
        // Two to "sittin", a beginning of "sitting" (three to the whole word).
        assert_eq!(d("kitten", "sitting", 2), Some(2));
        // A beginning of the word counts: "kiler" is one edit from "killer", the start of "killers".
        assert_eq!(d("kiler", "killers", 1), Some(1));
        assert_eq!(d("abcdef", "abc", 2), None);
    }

    #[test]
    fn finds_by_title_or_artist_ignoring_case_and_accents() {
        check("heroes", &["Heroes / David Bowie"]);
        check(
            "BEYONCE",
            &["Crazy in Love / Beyoncé, JAY-Z", "Halo / Beyoncé"],
        );
        check("sigur ros", &["Sigur Rós Song / Sigur Rós"]);
        check("jay-z", &["Crazy in Love / Beyoncé, JAY-Z"]);
        check("dont stop", &["Don't Stop Me Now / Queen"]);
    }

    #[test]
    fn every_word_must_match_title_or_artist() {
        check("halo beyonce", &["Halo / Beyoncé"]);
        check("halo depeche", &["Halo / Depeche Mode"]);
        check("halo queen", &[]);
    }

    #[test]
    fn prefixes_match_while_typing() {
        check("brights", &["Mr. Brightside / The Killers"]);
        check(
            "david bo",
            &["Heroes / David Bowie", "Hallo Spaceboy / David Bowie"],
        );
    }

    #[test]
    fn small_typos_are_forgiven() {
        check(
            "bowei",
            &["Heroes / David Bowie", "Hallo Spaceboy / David Bowie"],
        );
        check("qeen", &["Don't Stop Me Now / Queen"]);
        check("brightsdie", &["Mr. Brightside / The Killers"]);
        // Typo in the part typed so far of a longer word.
        check("kiler", &["Mr. Brightside / The Killers"]);
        // Three-letter words are too short to guess at, and the first letter must be right.
        check("qen", &[]);
        check("ueen", &[]);
    }

    #[test]
    fn exact_words_beat_prefixes_and_typos_then_popularity_breaks_ties() {
        // "halo" is exact for both Halos (popularity 80 over 60) and a typo for "hallo".
        check(
            "halo",
            &[
                "Halo / Beyoncé",
                "Halo / Depeche Mode",
                "Hallo Spaceboy / David Bowie",
            ],
        );
        // Unknown popularity sorts after known.
        check("song", &["Sigur Rós Song / Sigur Rós"]);
    }

    #[test]
    fn empty_queries_and_limits() {
        let catalog = fixture();
        let index = SearchIndex::build(&catalog);
        assert!(index.search(&catalog, "", 10).is_empty());
        assert!(index.search(&catalog, " -- ", 10).is_empty());
        assert!(index.search(&catalog, "halo", 0).is_empty());
        assert_eq!(index.search(&catalog, "halo", 1), vec![TrackIdx(0)]);
    }

    #[test]
    fn building_in_slices_equals_building_at_once() {
        let catalog = fixture();
        let mut builder = SearchIndexBuilder::new();
        builder.add_tracks(&catalog, 0..3);
        builder.add_tracks(&catalog, 3..100);
        let sliced = builder.finish();
        let whole = SearchIndex::build(&catalog);
        assert_eq!(sliced.words, whole.words);
        assert_eq!(sliced.postings, whole.postings);
        assert_eq!(sliced.n_words(), whole.n_words());
    }
}
