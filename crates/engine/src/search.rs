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
//! then popularity, then catalog order, so equal queries always give equal lists. Exact
//! duplicates (the same title, artists, album and year) are listed once, the best-ranked.
//!
//! Building walks every track, which on ~180k tracks is too long for one browser task, so
//! [`SearchIndexBuilder::add_tracks`] takes a range and [`VocabularySorter::step`] sorts a part of
//! the vocabulary: the caller yields between slices.
//! This module does not rank by audio similarity and does not know about the listener's library.

use std::collections::HashMap;
use std::ops::Range;

use crate::ranked::{Scored, best_first};
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

    /// Sorts the vocabulary in one go; see [`SearchIndexBuilder::into_sorter`] to do it in steps.
    pub fn finish(self) -> SearchIndex {
        let mut sorter = self.into_sorter();
        while !sorter.step(usize::MAX) {}
        sorter.finish()
    }

    /// Starts sorting the vocabulary: word ids are grouped by first byte here (a counting sort,
    /// linear), and each group is then sorted by [`VocabularySorter::step`], a few groups at a time.
    pub fn into_sorter(self) -> VocabularySorter {
        let mut words: Vec<Box<str>> = vec![Box::from(""); self.postings.len()];
        for (word, id) in self.word_ids {
            words[id as usize] = word;
        }
        let first_byte = |w: &str| usize::from(w.as_bytes().first().copied().unwrap_or(0));
        let mut starts = vec![0usize; 257];
        for w in &words {
            starts[first_byte(w) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let mut next = starts.clone();
        let mut sorted = vec![0u32; words.len()];
        for (id, w) in words.iter().enumerate() {
            let slot = &mut next[first_byte(w)];
            sorted[*slot] = id as u32;
            *slot += 1;
        }
        VocabularySorter {
            words,
            sorted,
            groups: starts,
            next_group: 0,
            postings: self.postings,
            n_tracks: self.n_tracks,
        }
    }
}

/// A vocabulary being sorted group by group (words sharing a first byte), so that no single step
/// takes long; see [`SearchIndexBuilder::into_sorter`].
/// Word `a` against word `b`. Not inlined: the sort compares in dozens of places, and a call in
/// each instead of a copy of the string comparison makes the app's download 3 KB smaller (gzip)
/// for no measurable time (the comparison itself is a call to `memcmp`).
#[inline(never)]
fn compare_words(words: &[Box<str>], a: u32, b: u32) -> std::cmp::Ordering {
    words[a as usize].cmp(&words[b as usize])
}

#[derive(Debug)]
pub struct VocabularySorter {
    words: Vec<Box<str>>,
    sorted: Vec<u32>,
    /// `groups[b]..groups[b + 1]` are the positions of words starting with byte `b`.
    groups: Vec<usize>,
    next_group: usize,
    postings: Vec<Vec<u32>>,
    n_tracks: usize,
}

impl VocabularySorter {
    /// Sorts whole groups until about `max_words` words were sorted (at least one group);
    /// returns whether everything is sorted.
    pub fn step(&mut self, max_words: usize) -> bool {
        let mut done = 0usize;
        while self.next_group + 1 < self.groups.len() && done < max_words {
            let range = self.groups[self.next_group]..self.groups[self.next_group + 1];
            done += range.len();
            let words = &self.words;
            self.sorted[range].sort_unstable_by(|&a, &b| compare_words(words, a, b));
            self.next_group += 1;
        }
        self.next_group + 1 >= self.groups.len()
    }

    /// The index; call once [`VocabularySorter::step`] returned true.
    pub fn finish(self) -> SearchIndex {
        SearchIndex {
            words: self.words,
            sorted: self.sorted,
            postings: self.postings,
            n_tracks: self.n_tracks,
        }
    }
}

/// The inverted index of a catalog's titles and artists. Build it with [`SearchIndexBuilder`] or,
/// off the browser's main thread, [`SearchIndex::build`].
#[derive(Debug, Clone)]
pub struct SearchIndex {
    /// The vocabulary, by word id (first-seen order).
    words: Vec<Box<str>>,
    /// Word ids in the vocabulary's sorted order: exact and prefix matches of a query word are
    /// one contiguous run of it, and so are the words sharing a first letter.
    sorted: Vec<u32>,
    /// Per word id, the ascending indices of the tracks containing it.
    postings: Vec<Vec<u32>>,
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

    fn word(&self, sorted_pos: usize) -> &str {
        &self.words[self.sorted[sorted_pos] as usize]
    }

    /// The run of sorted positions whose words satisfy `before` up to where they stop.
    fn first_not(&self, before: impl Fn(&str) -> bool) -> usize {
        self.sorted
            .partition_point(|&id| before(&self.words[id as usize]))
    }

    /// Scores every vocabulary word against one query word; `(word id, score)`.
    fn matching_words(&self, query: &str) -> Vec<(u32, u8)> {
        let query_chars: Vec<char> = query.chars().collect();
        let budget = typo_budget(query_chars.len());
        let start = self.first_not(|w| w < query);
        let prefix_run = start
            ..start
                + (start..self.sorted.len())
                    .take_while(|&i| self.word(i).starts_with(query))
                    .count();
        let mut found: Vec<(u32, u8)> = prefix_run
            .clone()
            .map(|i| {
                let score = if self.word(i).len() == query.len() {
                    SCORE_EXACT
                } else {
                    SCORE_PREFIX
                };
                (self.sorted[i], score)
            })
            .collect();
        if budget == 0 {
            return found;
        }
        // Typos are looked for among the words with the same first letter only: that cuts the scan
        // to a few percent of the vocabulary, and first letters are the ones people rarely miss.
        let first = query_chars[0];
        let first_of = |w: &str| w.chars().next().unwrap_or('\0');
        let same_first =
            self.first_not(|w| first_of(w) < first)..self.first_not(|w| first_of(w) <= first);
        let mut rows = EditRows::default();
        let mut word_chars: Vec<char> = Vec::new();
        for i in same_first {
            if prefix_run.contains(&i) {
                continue;
            }
            word_chars.clear();
            word_chars.extend(self.word(i).chars());
            if typo_distance(&query_chars, &word_chars, budget, &mut rows).is_some() {
                found.push((self.sorted[i], SCORE_TYPO));
            }
        }
        found
    }

    /// The best `limit` tracks for `query`, best first (see the module docs for the order). An
    /// empty or all-punctuation query finds nothing.
    pub fn search(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<TrackIdx> {
        let folded = fold(query);
        let mut terms: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
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
                for &t in &self.postings[word as usize] {
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
        // Total first, then popularity (unknown last), then catalog order, as one exact score:
        // total * 256 + popularity + 1 (0 when unknown) is an integer below 2^24.
        let popularity = |t: u32| catalog.popularity.get(t as usize).copied().flatten();
        let mut ranked: Vec<Scored> = candidates
            .into_iter()
            .map(|t| {
                let known = popularity(t).map_or(0.0, |p| f32::from(p) + 1.0);
                (f32::from(total[t as usize]) * 256.0 + known, t)
            })
            .collect();
        fold_duplicates(catalog, &mut ranked, limit)
    }
}

/// The best `limit` of `ranked`, each version of a song once: a track with the title, artists,
/// album and year of a better-ranked one is left out (catalogs list the same release several
/// times, and the rows would be indistinguishable). Ranks twice as many each time until `limit`
/// distinct tracks are found or every track was looked at.
fn fold_duplicates(catalog: &Catalog, ranked: &mut [Scored], limit: usize) -> Vec<TrackIdx> {
    let version = |t: u32| {
        let i = t as usize;
        let album = catalog
            .track_album
            .get(i)
            .filter(|&&a| a != crate::catalog::NONE_U32)
            .map(|&a| catalog.albums.get(a as usize));
        (
            catalog.title(TrackIdx(t)),
            catalog.track_artists.row(i),
            album,
            catalog.years.get(i).copied(),
        )
    };
    let mut window = limit;
    loop {
        let mut seen = std::collections::HashSet::new();
        let kept: Vec<TrackIdx> = best_first(ranked, window)
            .iter()
            .filter(|&&(_, t)| seen.insert(version(t)))
            .take(limit)
            .map(|&(_, t)| TrackIdx(t))
            .collect();
        if kept.len() == limit || window >= ranked.len() {
            return kept;
        }
        window = window.saturating_mul(2).min(ranked.len());
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::TrackId;
    use crate::catalog::{
        ArtistTable, GenreVocab, KMeansModel, Lists, Scaler, StringTable, TrustColumn,
    };

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
            charted: vec![None; n],
            space: crate::space::CodeSpace::new(&Scaler::identity()),
            codes: vec![[0; crate::catalog::SCALED_STRIDE]; n],
            kmeans: KMeansModel {
                centroids: Vec::new(),
                inertia_curve: Vec::new(),
            },
            clusters: vec![0; n],
            map: Default::default(),
            projection: vec![[0.0, 0.0]; n],
            track_genres: Lists {
                offsets: vec![0; n + 1],
                values: Vec::new(),
            },
            genre_trust: TrustColumn::default(),
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
    fn exact_duplicates_are_folded_and_other_versions_kept() {
        let mut rows: Vec<(&str, &[&str], Option<u8>)> = Vec::new();
        // Thirty identical rows of one release, ranked above another album's version and another
        // artist's song of the same name.
        for _ in 0..30 {
            rows.push(("Blinding Lights", &["The Weeknd"], Some(90)));
        }
        rows.push(("Blinding Lights", &["The Weeknd"], Some(50)));
        rows.push(("Blinding Lights", &["All Time Low"], Some(40)));
        let mut catalog = text_catalog(&rows);
        // `text_catalog` names each album after its title: the same album for all but one.
        catalog.albums.push("After Hours (Live)");
        catalog.track_album[30] = (catalog.albums.len() - 1) as u32;
        let index = SearchIndex::build(&catalog);
        let found = index.search(&catalog, "blinding lights", 10);
        assert_eq!(found, vec![TrackIdx(0), TrackIdx(30), TrackIdx(31)]);
        assert_eq!(
            index.search(&catalog, "blinding lights", 2),
            vec![TrackIdx(0), TrackIdx(30)],
            "folding looks past the first `limit` candidates"
        );
        // A different year is a different version too.
        catalog.years[5] = 2020;
        assert_eq!(index.search(&catalog, "blinding lights", 10).len(), 4);
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
        let mut sorter = builder.into_sorter();
        let mut steps = 1;
        while !sorter.step(2) {
            steps += 1;
        }
        assert!(steps > 1, "sorted in several steps");
        let sliced = sorter.finish();
        let whole = SearchIndex::build(&catalog);
        assert_eq!(sliced.words, whole.words);
        assert_eq!(sliced.sorted, whole.sorted);
        assert_eq!(sliced.postings, whole.postings);
        assert_eq!(sliced.n_words(), whole.n_words());
    }
}
