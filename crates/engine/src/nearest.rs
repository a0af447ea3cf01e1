//! Nearest neighbours in the scaled feature space.
//!
//! [`exact_top_k`] is the brute-force ranking: every row's squared euclidean distance to the query,
//! a bounded max-heap of the best `k`. It is the reference every faster path (SIMD, cluster-bound
//! pruning, quantized rows) is tested against, and the simplest correct thing to call.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::TrackIdx;

/// A track and its squared distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub track: TrackIdx,
    pub dist2: f32,
}

impl Eq for Neighbour {}

impl Ord for Neighbour {
    /// Nearer first; ties broken by track index so results are deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist2.total_cmp(&other.dist2).then(self.track.cmp(&other.track))
    }
}

impl PartialOrd for Neighbour {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Squared euclidean distance (no `sqrt`: the argmin and the order do not need it).
pub fn dist2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The `k` rows of `rows` (row-major, `stride` values each) nearest to `query`, nearest first,
/// skipping rows for which `skip` returns true. `query.len()` must equal `stride`.
pub fn exact_top_k(
    rows: &[f32],
    stride: usize,
    query: &[f32],
    k: usize,
    skip: impl Fn(TrackIdx) -> bool,
) -> Vec<Neighbour> {
    if k == 0 || stride == 0 {
        return Vec::new();
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    for (i, row) in rows.chunks_exact(stride).enumerate() {
        let track = TrackIdx(i as u32);
        if skip(track) {
            continue;
        }
        let candidate = Neighbour { track, dist2: dist2(row, query) };
        if heap.len() < k {
            heap.push(candidate);
        } else if heap.peek().is_some_and(|worst| candidate < *worst) {
            heap.pop();
            heap.push(candidate);
        }
    }
    heap.into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_rows_in_order_and_honours_skip() {
        // Rows on a line at 0, 1, 2, ..., 9; query at 3.2.
        let rows: Vec<f32> = (0..10).flat_map(|i| [i as f32, 0.0]).collect();
        let got = exact_top_k(&rows, 2, &[3.2, 0.0], 3, |t| t == TrackIdx(4));
        let tracks: Vec<u32> = got.iter().map(|n| n.track.0).collect();
        assert_eq!(tracks, vec![3, 2, 5]);
        assert!((got[0].dist2 - 0.04).abs() < 1e-5);
    }

    #[test]
    fn k_zero_or_larger_than_the_rows() {
        let rows = [0.0f32, 1.0, 2.0];
        assert!(exact_top_k(&rows, 1, &[0.0], 0, |_| false).is_empty());
        assert_eq!(exact_top_k(&rows, 1, &[0.0], 10, |_| false).len(), 3);
    }
}
