//! The genre vocabulary: which genres the catalog keeps, their IDF weights, each track's genre ids.
//!
//! A genre is kept when at least `min_tracks` tracks carry it (a genre on one track cannot relate
//! two tracks). Ids are given by descending track count (ties by name), so the common genres get
//! the small ids that encode shortest. The weight is the smoothed inverse document frequency that
//! scikit-learn's `TfidfVectorizer` uses: `idf = ln((1 + n_tracks) / (1 + tracks_with_genre)) + 1`,
//! so a genre on every track still weighs 1 and rare genres weigh more.
//!
//! **Trust.** Each of a track's genres carries a [`Trust`]: one of Spotify's genres for the
//! track's artists that both Spotify snapshots give, one that only one of them gives, or only the
//! label of a genre search that found the track (the 114k set's `track_genre`, the 2024 crawl's
//! `search_genre`: SOURCES.md). The trust orders what is shown, never what is ranked: every kind
//! counts alike for the IDF and in every recommender.

use std::collections::HashMap;

use super::{GenreVocab, Lists, StringTable, Trust, TrustColumn};

/// The smoothed IDF of a genre carried by `df` of `n_tracks` tracks.
pub fn idf(n_tracks: usize, df: usize) -> f32 {
    (((1 + n_tracks) as f64 / (1 + df) as f64).ln() + 1.0) as f32
}

/// Builds the vocabulary from each track's genre names, each with its trust for the track, and
/// returns it with each track's sorted genre ids and their trust (a genre given twice keeps the
/// higher trust). Genre names are expected normalized (lowercase, trimmed) already.
pub fn build_vocab<S: AsRef<str>>(
    track_genres: &[Vec<(S, Trust)>],
    min_tracks: usize,
) -> (GenreVocab, Lists<u16>, TrustColumn) {
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
    let mut trusted = TrustColumn::default();
    for genres in track_genres {
        // The most trusted first among equal ids, so that is the one kept.
        let mut row: Vec<(u16, Trust)> = genres
            .iter()
            .filter_map(|(g, t)| ids.get(g.as_ref()).map(|&id| (id, *t)))
            .collect();
        row.sort_unstable();
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
        use Trust::*;
        let tracks = vec![
            vec![("rock", SearchLabel), ("indie", Agreed)],
            vec![("rock", SearchLabel), ("rock", OneSnapshot)],
            vec![("rock", OneSnapshot), ("jazz", Agreed), ("indie", Agreed)],
            vec![("solo", Agreed)],
            vec![],
        ];
        let (vocab, lists, trusted) = build_vocab(&tracks, 2);
        assert_eq!(vocab.names.iter().collect::<Vec<_>>(), ["rock", "indie"]);
        assert_eq!(lists.row(0), &[0, 1]);
        assert_eq!(lists.row(1), &[0], "duplicates collapse");
        let levels: Vec<Trust> = (0..trusted.len()).map(|i| trusted.get(i)).collect();
        assert_eq!(
            levels,
            [SearchLabel, Agreed, OneSnapshot, OneSnapshot, Agreed],
            "per value, in row order; a genre given twice keeps the higher trust"
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
