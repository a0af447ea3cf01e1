//! Offline evaluation of recommendations against held-out tracks, as in the RecSys Challenge 2018
//! (Spotify Million Playlist Dataset): R-precision, NDCG, recall, hit rate and artist hit rate per
//! case, averaged over cases, plus catalog coverage and time per query; and the discovery metrics
//! of `../shared/eval-dev/README.md`: NDCG of the list cut to new artists (NewArtistNDCG@50), the
//! share of the list by the seeds' artists (SeedArtistShare@50) and, for libraries that join
//! several playlists, the share of them served in the list (TastesServed@50).
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

/// NDCG@`depth` of discovery: the list cut to tracks whose primary artist is not in
/// `seed_artists` (order kept), against the held-out tracks whose primary artist is not in it.
/// `None` when no held-out track is by a new artist (such a case is skipped, not scored 0).
pub fn new_artist_ndcg_at<T: Eq + Hash + Clone, A: Eq + Hash>(
    ranked: &[T],
    relevant: &HashSet<T>,
    seed_artists: &HashSet<A>,
    depth: usize,
    primary_artist: impl Fn(&T) -> Option<A>,
) -> Option<f64> {
    let is_new = |t: &T| primary_artist(t).is_none_or(|a| !seed_artists.contains(&a));
    let new_relevant: HashSet<T> = relevant.iter().filter(|t| is_new(t)).cloned().collect();
    if new_relevant.is_empty() {
        return None;
    }
    let cut: Vec<T> = ranked.iter().filter(|t| is_new(t)).cloned().collect();
    Some(ndcg_at(&cut, &new_relevant, depth))
}

/// Share of the first `depth` recommendations whose primary artist is in `seed_artists` (0 for
/// an empty list).
pub fn seed_artist_share_at<T, A: Eq + Hash>(
    ranked: &[T],
    seed_artists: &HashSet<A>,
    depth: usize,
    primary_artist: impl Fn(&T) -> Option<A>,
) -> f64 {
    let top = &ranked[..ranked.len().min(depth)];
    if top.is_empty() {
        return 0.0;
    }
    let familiar = top
        .iter()
        .filter(|t| primary_artist(t).is_some_and(|a| seed_artists.contains(&a)))
        .count();
    familiar as f64 / top.len() as f64
}

/// Share of the non-empty `parts` (the held-out tracks of each playlist joined into a library)
/// with at least one track in the first `depth` recommendations. `None` without a non-empty part.
pub fn tastes_served_at<T: Eq + Hash>(
    ranked: &[T],
    parts: &[HashSet<T>],
    depth: usize,
) -> Option<f64> {
    let top: HashSet<&T> = ranked.iter().take(depth).collect();
    let parts: Vec<&HashSet<T>> = parts.iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return None;
    }
    let served = parts
        .iter()
        .filter(|p| p.iter().any(|t| top.contains(t)))
        .count();
    Some(served as f64 / parts.len() as f64)
}

/// What one case is scored against.
#[derive(Debug, Clone)]
pub struct Truth<T, A> {
    /// The held-out tracks.
    pub holdout: HashSet<T>,
    /// Every artist credited on a held-out track.
    pub holdout_artists: HashSet<A>,
    /// Every artist credited on a seed (the "S" of the discovery metrics).
    pub seed_artists: HashSet<A>,
    /// For a library of several playlists, each playlist's held-out tracks; empty otherwise.
    pub parts: Vec<HashSet<T>>,
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
    /// Mean over the cases with a held-out track by a new artist; `None` without such a case.
    pub new_artist_ndcg: Option<f64>,
    pub seed_artist_share: f64,
    /// Mean over the cases with `parts`; `None` without such a case.
    pub tastes_served: Option<f64>,
    /// Distinct recommended tracks over all cases, as a share of the catalog.
    pub coverage: f64,
    pub ms_per_query: f64,
}

/// A mean that skips the cases where it is not defined.
#[derive(Debug, Default, Clone, Copy)]
struct PartialMean {
    sum: f64,
    n: usize,
}

impl PartialMean {
    fn add(&mut self, value: Option<f64>) {
        if let Some(v) = value {
            self.sum += v;
            self.n += 1;
        }
    }

    fn mean(self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

/// Sums per-case metrics; [`Accumulator::finish`] averages them.
#[derive(Debug, Default)]
pub struct Accumulator<T> {
    sums: Scores,
    new_artist_ndcg: PartialMean,
    tastes_served: PartialMean,
    recommended: HashSet<T>,
    total_ms: f64,
}

impl<T: Eq + Hash + Clone> Accumulator<T> {
    pub fn new() -> Self {
        Self {
            sums: Scores::default(),
            new_artist_ndcg: PartialMean::default(),
            tastes_served: PartialMean::default(),
            recommended: HashSet::new(),
            total_ms: 0.0,
        }
    }

    /// Adds one case: the ranked recommendations, what they are scored against, each track's
    /// credited artists (the first is the primary one), and how long the query took.
    pub fn add<A: Eq + Hash, I: IntoIterator<Item = A>>(
        &mut self,
        ranked: &[T],
        truth: &Truth<T, A>,
        artists: impl Fn(&T) -> I,
        elapsed_ms: f64,
    ) {
        let primary = |t: &T| artists(t).into_iter().next();
        let s = &mut self.sums;
        s.n_cases += 1;
        s.r_precision += r_precision(ranked, &truth.holdout);
        s.ndcg += ndcg_at(ranked, &truth.holdout, DEPTH);
        s.recall += recall_at(ranked, &truth.holdout, DEPTH);
        s.hit += hit_at(ranked, &truth.holdout, HIT_DEPTH);
        s.artist_hit += artist_hit_at(ranked, &truth.holdout_artists, DEPTH, &artists);
        s.seed_artist_share += seed_artist_share_at(ranked, &truth.seed_artists, DEPTH, primary);
        self.new_artist_ndcg.add(new_artist_ndcg_at(
            ranked,
            &truth.holdout,
            &truth.seed_artists,
            DEPTH,
            primary,
        ));
        self.tastes_served
            .add(tastes_served_at(ranked, &truth.parts, DEPTH));
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
            new_artist_ndcg: self.new_artist_ndcg.mean(),
            seed_artist_share: s.seed_artist_share / n,
            tastes_served: self.tastes_served.mean(),
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
    fn new_artist_ndcg_cuts_the_list_and_the_holdout_to_new_artists() {
        // Track t is by artist t / 10; the seeds credit artist 1 (tracks 10..=19).
        let by = |t: &u32| Some(t / 10);
        let seed_artists = set(&[1]);
        // Held out: 11 (a seed artist's, left out of H_new) and 21, 35 (new artists).
        let holdout = set(&[11, 21, 35]);
        // Cut list: [21, 30, 35] (12 and 11 dropped): hits at ranks 1 and 3 of two.
        let expected = (1.0 + 0.5) / (1.0 + 1.0 / 3f64.log2());
        let got = new_artist_ndcg_at(&[12, 21, 11, 30, 35], &holdout, &seed_artists, 50, by);
        assert!(close(got.unwrap_or(-1.0), expected));
        // Only seed artists held out: the case is skipped.
        assert_eq!(
            new_artist_ndcg_at(&[21], &set(&[11, 12]), &seed_artists, 50, by),
            None
        );
    }

    #[test]
    fn seed_artist_share_counts_primary_artists_in_the_top() {
        let by = |t: &u32| Some(t / 10);
        let seed_artists = set(&[1, 2]);
        assert!(close(
            seed_artist_share_at(&[11, 21, 35, 40], &seed_artists, 50, by),
            0.5
        ));
        assert!(close(
            seed_artist_share_at(&[35, 11, 21], &seed_artists, 1, by),
            0.0
        ));
        assert!(close(seed_artist_share_at(&[], &seed_artists, 50, by), 0.0));
    }

    #[test]
    fn tastes_served_is_the_share_of_non_empty_parts_in_the_top() {
        let parts = [set(&[1, 2]), set(&[3]), set(&[]), set(&[4, 5])];
        // Parts 1 and 3 are served in the top 50; the empty part does not count.
        assert!(close(
            tastes_served_at(&[9, 2, 5], &parts, 50).unwrap_or(-1.0),
            2.0 / 3.0
        ));
        // Depth 2 sees only [9, 2].
        assert!(close(
            tastes_served_at(&[9, 2, 5], &parts, 2).unwrap_or(-1.0),
            1.0 / 3.0
        ));
        assert_eq!(tastes_served_at(&[1], &[], 50), None);
    }

    fn truth(holdout: &[u32], seed_artists: &[u32], parts: Vec<HashSet<u32>>) -> Truth<u32, u32> {
        Truth {
            holdout: set(holdout),
            holdout_artists: holdout.iter().map(|t| t / 10).collect(),
            seed_artists: set(seed_artists),
            parts,
        }
    }

    #[test]
    fn accumulator_averages_cases_and_measures_coverage() {
        let mut acc = Accumulator::new();
        let by = |t: &u32| [t / 10];
        acc.add(&[1, 2], &truth(&[1, 2], &[5], Vec::new()), by, 2.0);
        acc.add(&[2, 3], &truth(&[9], &[0], Vec::new()), by, 4.0);
        let scores = acc.finish(10);
        assert_eq!(scores.n_cases, 2);
        assert!(close(scores.r_precision, 0.5));
        assert!(close(scores.ndcg, 0.5));
        assert!(close(scores.recall, 0.5));
        assert!(close(scores.hit, 0.5));
        assert!(close(scores.artist_hit, 1.0));
        assert!(close(scores.coverage, 0.3));
        assert!(close(scores.ms_per_query, 3.0));
        // Case 1: both tracks by artist 0, a new artist, both found; case 2 holds out only a
        // seed artist's track, so it is skipped.
        assert!(close(scores.new_artist_ndcg.unwrap_or(-1.0), 1.0));
        assert!(close(scores.seed_artist_share, 0.5));
        assert_eq!(scores.tastes_served, None);
    }

    #[test]
    fn accumulator_averages_tastes_served_over_cases_with_parts() {
        let mut acc = Accumulator::new();
        let by = |t: &u32| [t / 10];
        acc.add(
            &[1],
            &truth(&[1, 2], &[], vec![set(&[1]), set(&[2])]),
            by,
            1.0,
        );
        acc.add(&[1], &truth(&[1], &[], Vec::new()), by, 1.0);
        assert!(close(acc.finish(10).tastes_served.unwrap_or(-1.0), 0.5));
    }
}
