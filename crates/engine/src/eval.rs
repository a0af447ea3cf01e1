//! Offline evaluation of recommendations against held-out tracks, as in the RecSys Challenge 2018
//! (Spotify Million Playlist Dataset): R-precision, NDCG, recall, hit rate and artist hit rate per
//! case, averaged over cases, plus catalog coverage and time per query.
//!
//! Functions take the ranked recommendations and the held-out set as plain slices of any id type;
//! timing comes from the caller (the engine has no clock).

use std::collections::HashSet;
use std::hash::Hash;

/// Depth of NDCG, recall and artist hit.
pub const DEPTH: usize = 50;
/// Depth of the hit rate.
pub const HIT_DEPTH: usize = 10;

/// Share of the first `|relevant|` recommendations that are relevant (0 without relevant items).
pub fn r_precision<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let hits = ranked
        .iter()
        .take(relevant.len())
        .filter(|t| relevant.contains(t))
        .count();
    hits as f64 / relevant.len() as f64
}

/// Normalized discounted cumulative gain over the first `depth` recommendations, binary gains:
/// `sum(rel_i / log2(i + 2)) / sum over the ideal ranking`.
pub fn ndcg_at<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, depth: usize) -> f64 {
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(depth)
        .enumerate()
        .filter(|(_, t)| relevant.contains(t))
        .map(|(i, _)| discount(i))
        .sum();
    let ideal: f64 = (0..relevant.len().min(depth)).map(discount).sum();
    if ideal > 0.0 { dcg / ideal } else { 0.0 }
}

/// Share of the relevant items among the first `depth` recommendations.
pub fn recall_at<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, depth: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let hits = ranked
        .iter()
        .take(depth)
        .filter(|t| relevant.contains(t))
        .count();
    hits as f64 / relevant.len() as f64
}

/// 1 when any of the first `depth` recommendations is relevant, else 0.
pub fn hit_at<T: Eq + Hash>(ranked: &[T], relevant: &HashSet<T>, depth: usize) -> f64 {
    f64::from(u8::from(
        ranked.iter().take(depth).any(|t| relevant.contains(t)),
    ))
}

/// Share of the first `depth` recommendations with an artist among `relevant_artists` (0 for
/// an empty list). `artists` gives each recommendation's artists.
pub fn artist_hit_at<T, A: Eq + Hash, I: IntoIterator<Item = A>>(
    ranked: &[T],
    relevant_artists: &HashSet<A>,
    depth: usize,
    artists: impl Fn(&T) -> I,
) -> f64 {
    let top = &ranked[..ranked.len().min(depth)];
    if top.is_empty() {
        return 0.0;
    }
    let hits = top
        .iter()
        .filter(|t| {
            artists(t)
                .into_iter()
                .any(|a| relevant_artists.contains(&a))
        })
        .count();
    hits as f64 / top.len() as f64
}

/// The averaged scores of one method over many cases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub n_cases: usize,
    pub r_precision: f64,
    pub ndcg: f64,
    pub recall: f64,
    pub hit: f64,
    pub artist_hit: f64,
    /// Distinct recommended tracks over all cases, as a share of the catalog.
    pub coverage: f64,
    pub ms_per_query: f64,
}

/// Sums per-case metrics; [`Accumulator::finish`] averages them.
#[derive(Debug, Default)]
pub struct Accumulator<T> {
    sums: Scores,
    recommended: HashSet<T>,
    total_ms: f64,
}

impl<T: Eq + Hash + Clone> Accumulator<T> {
    pub fn new() -> Self {
        Self {
            sums: Scores::default(),
            recommended: HashSet::new(),
            total_ms: 0.0,
        }
    }

    /// Adds one case: the ranked recommendations, the held-out tracks, the held-out tracks'
    /// artists, each recommendation's artists, and how long the query took.
    pub fn add<A: Eq + Hash, I: IntoIterator<Item = A>>(
        &mut self,
        ranked: &[T],
        relevant: &HashSet<T>,
        relevant_artists: &HashSet<A>,
        artists: impl Fn(&T) -> I,
        elapsed_ms: f64,
    ) {
        let s = &mut self.sums;
        s.n_cases += 1;
        s.r_precision += r_precision(ranked, relevant);
        s.ndcg += ndcg_at(ranked, relevant, DEPTH);
        s.recall += recall_at(ranked, relevant, DEPTH);
        s.hit += hit_at(ranked, relevant, HIT_DEPTH);
        s.artist_hit += artist_hit_at(ranked, relevant_artists, DEPTH, artists);
        self.recommended.extend(ranked.iter().cloned());
        self.total_ms += elapsed_ms;
    }

    /// The means over the cases added, and coverage of a catalog of `n_tracks`.
    pub fn finish(&self, n_tracks: usize) -> Scores {
        let s = &self.sums;
        let n = s.n_cases.max(1) as f64;
        Scores {
            n_cases: s.n_cases,
            r_precision: s.r_precision / n,
            ndcg: s.ndcg / n,
            recall: s.recall / n,
            hit: s.hit / n,
            artist_hit: s.artist_hit / n,
            coverage: if n_tracks == 0 {
                0.0
            } else {
                self.recommended.len() as f64 / n_tracks as f64
            },
            ms_per_query: self.total_ms / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[u32]) -> HashSet<u32> {
        items.iter().copied().collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn r_precision_counts_hits_in_the_first_r() {
        // R = 3: of [1, 9, 2] two are relevant; 3 at position 4 is past R.
        assert!(close(
            r_precision(&[1, 9, 2, 3], &set(&[1, 2, 3])),
            2.0 / 3.0
        ));
        assert!(close(r_precision(&[9, 8], &set(&[1, 2, 3])), 0.0));
        assert!(close(r_precision(&[1], &set(&[])), 0.0));
    }

    #[test]
    fn ndcg_by_hand() {
        // Hits at ranks 1 and 3 of two relevant: (1 + 1/log2 4) / (1 + 1/log2 3).
        let expected = (1.0 + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!(close(ndcg_at(&[1, 9, 2], &set(&[1, 2]), 50), expected));
        assert!(close(ndcg_at(&[1, 2], &set(&[1, 2]), 50), 1.0));
        // A hit past the depth does not count.
        assert!(close(ndcg_at(&[9, 2], &set(&[2]), 1), 0.0));
        assert!(close(ndcg_at(&[1], &set(&[]), 50), 0.0));
    }

    #[test]
    fn recall_and_hit_by_hand() {
        assert!(close(recall_at(&[1, 9, 2], &set(&[1, 2, 3, 4]), 50), 0.5));
        assert!(close(recall_at(&[1, 9, 2], &set(&[1, 2, 3, 4]), 2), 0.25));
        assert!(close(hit_at(&[9, 8, 1], &set(&[1]), 3), 1.0));
        assert!(close(hit_at(&[9, 8, 1], &set(&[1]), 2), 0.0));
    }

    #[test]
    fn artist_hit_is_the_share_of_recommendations_by_held_out_artists() {
        // Track t is by artist t / 10; held-out artists 0 and 2.
        let by = |t: &u32| [t / 10];
        assert!(close(
            artist_hit_at(&[1, 15, 21, 30], &set(&[0, 2]), 50, by),
            0.5
        ));
        assert!(close(
            artist_hit_at(&[1, 15, 21, 30], &set(&[0, 2]), 1, by),
            1.0
        ));
        assert!(close(artist_hit_at(&[], &set(&[0]), 50, by), 0.0));
    }

    #[test]
    fn accumulator_averages_cases_and_measures_coverage() {
        let mut acc = Accumulator::new();
        let by = |t: &u32| [t / 10];
        acc.add(&[1, 2], &set(&[1, 2]), &set(&[0]), by, 2.0);
        acc.add(&[2, 3], &set(&[9]), &set(&[0]), by, 4.0);
        let scores = acc.finish(10);
        assert_eq!(scores.n_cases, 2);
        assert!(close(scores.r_precision, 0.5));
        assert!(close(scores.ndcg, 0.5));
        assert!(close(scores.recall, 0.5));
        assert!(close(scores.hit, 0.5));
        assert!(close(scores.artist_hit, 1.0));
        assert!(close(scores.coverage, 0.3));
        assert!(close(scores.ms_per_query, 3.0));
    }
}
