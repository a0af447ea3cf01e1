//! The genre vocabulary: which genres the catalog keeps, their IDF weights, each track's genre ids.
//!
//! A genre is kept when at least `min_tracks` tracks carry it (a genre on one track cannot relate
//! two tracks). Ids are given by descending track count (ties by name), so the common genres get
//! the small ids that encode shortest. The weight is the smoothed inverse document frequency that
//! scikit-learn's `TfidfVectorizer` uses: `idf = ln((1 + n_tracks) / (1 + tracks_with_genre)) + 1`,
//! so a genre on every track still weighs 1 and rare genres weigh more.
//!
//! **Trust.** Each of a track's genres is marked trusted when any source gives it as one of
//! Spotify's genres for the track's artists, and untrusted when only a genre search found the
//! track under it (the 114k set's `track_genre`, the 2024 crawl's `search_genre`: SOURCES.md).
//! Spotify assigns artist genres itself, from listening and editorial data, while a search for
//! "rock" returns whatever matches the word anywhere, so Daft Punk and Radiohead come back under
//! labels they never had. The trust mark orders what is shown, never what is ranked: both kinds
//! count alike for the IDF and in every recommender.

use std::collections::HashMap;

use super::{Flags, GenreVocab, Lists, StringTable};

/// The smoothed IDF of a genre carried by `df` of `n_tracks` tracks.
pub fn idf(n_tracks: usize, df: usize) -> f32 {
    (((1 + n_tracks) as f64 / (1 + df) as f64).ln() + 1.0) as f32
}

/// Builds the vocabulary from each track's genre names, each with whether a source trusts it for
/// the track, and returns it with each track's sorted genre ids and their trust flags (a genre
/// trusted by one source and not by another is trusted). Genre names are expected normalized
/// (lowercase, trimmed) already.
pub fn build_vocab<S: AsRef<str>>(
    track_genres: &[Vec<(S, bool)>],
    min_tracks: usize,
) -> (GenreVocab, Lists<u16>, Flags) {
    let mut df: HashMap<&str, usize> = HashMap::new();
    for genres in track_genres {
        let mut seen: Vec<&str> = genres.iter().map(|(g, _)| g.as_ref()).collect();
        seen.sort_unstable();
        seen.dedup();
        for g in seen {
            *df.entry(g).or_default() += 1;
        }
    }
    let mut kept: Vec<(&str, usize)> = df
        .into_iter()
        .filter(|&(_, n)| n >= min_tracks.max(1))
        .collect();
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    kept.truncate(usize::from(u16::MAX) + 1);
    let ids: HashMap<&str, u16> = kept
        .iter()
        .enumerate()
        .map(|(i, (g, _))| (*g, i as u16))
        .collect();
    let mut names = StringTable::default();
    names.offsets.push(0);
    for (g, _) in &kept {
        names.push(g);
    }
    let vocab = GenreVocab {
        names,
        idf: kept
            .iter()
            .map(|&(_, n)| idf(track_genres.len(), n))
            .collect(),
    };
    let mut lists = Lists::default();
    let mut trusted = Flags::default();
    for genres in track_genres {
        // Trusted before untrusted among equal ids, so the one kept is trusted if any is.
        let mut row: Vec<(u16, bool)> = genres
            .iter()
            .filter_map(|(g, t)| ids.get(g.as_ref()).map(|&id| (id, *t)))
            .collect();
        row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        row.dedup_by_key(|&mut (id, _)| id);
        row.iter().for_each(|&(_, t)| trusted.push(t));
        lists.push_row(row.into_iter().map(|(id, _)| id));
    }
    (vocab, lists, trusted)
}

impl GenreVocab {
    /// The id of a genre name, if the catalog keeps it (a linear scan: call it per query, not per
    /// track).
    pub fn find(&self, name: &str) -> Option<u16> {
        self.names
            .iter()
            .position(|g| g == name)
            .and_then(|i| u16::try_from(i).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_shared_genres_orders_by_count_and_weighs_rare_ones_more() {
        let tracks = vec![
            vec![("rock", false), ("indie", true)],
            vec![("rock", false), ("rock", true)],
            vec![("rock", false), ("jazz", true), ("indie", true)],
            vec![("solo", true)],
            vec![],
        ];
        let (vocab, lists, trusted) = build_vocab(&tracks, 2);
        assert_eq!(vocab.names.iter().collect::<Vec<_>>(), ["rock", "indie"]);
        assert_eq!(lists.row(0), &[0, 1]);
        assert_eq!(lists.row(1), &[0], "duplicates collapse");
        let flags: Vec<bool> = (0..trusted.len()).map(|i| trusted.get(i)).collect();
        assert_eq!(
            flags,
            [false, true, true, false, true],
            "per value, in row order; a genre both kinds of source give is trusted"
        );
        assert_eq!(trusted.len(), lists.values.len());
        assert_eq!(lists.row(3), &[] as &[u16], "a one-track genre is dropped");
        assert_eq!(lists.n_rows(), 5);
        assert_eq!(vocab.idf[0], ((6.0f64 / 4.0).ln() + 1.0) as f32);
        assert!(vocab.idf[1] > vocab.idf[0]);
        assert_eq!(vocab.find("indie"), Some(1));
        assert_eq!(vocab.find("solo"), None);
        assert_eq!(idf(10, 10), ((11.0f64 / 11.0).ln() + 1.0) as f32);
    }
}
