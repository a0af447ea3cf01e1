//! Nearest neighbours in the scaled feature space.
//!
//! [`exact_top_k`] is the brute-force ranking: every row's squared euclidean distance to the query,
//! a bounded max-heap of the best `k`. It is the reference every faster path is tested against,
//! and the simplest correct thing to call.
//!
//! [`NearestIndex`] is the fast path over rows of [`SCALED_STRIDE`] values (the layout of
//! [`crate::Catalog::scaled_row`], such as a library's seeds): the [`crate::simd`] kernel computes four distances per step, a
//! vector compare against the current k-th distance rejects almost every block before any scalar
//! work, and the `skip` predicate runs only for rows that would enter the top `k`. A reusable
//! [`TopK`] scratch keeps queries allocation-free. It returns exactly what [`exact_top_k`] returns,
//! distances bit for bit, because both sum the squares in the order [`dist2`] documents.
//!
//! [`CodeIndex`] ranks the catalog itself: over its one-byte feature codes, in a k-d tree, against
//! its own oracle [`exact_code_top_k`] (see `codes`).
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use thiserror::Error;

use crate::TrackIdx;
use crate::simd::{BLOCK_ROWS, Query, dist2_scalar};
use crate::space::{Row, SCALED_STRIDE};

mod codes;

pub use codes::{CodeIndex, code_top_k, exact_code_top_k};

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
        self.dist2
            .total_cmp(&other.dist2)
            .then(self.track.cmp(&other.track))
    }
}

impl PartialOrd for Neighbour {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Squared euclidean distance (no `sqrt`: the argmin and the order do not need it).
///
/// The squares are summed in a fixed order, the one the SIMD kernel uses: lane `l` of four
/// accumulators collects values `l, l + 4, l + 8, ...` in turn, and the result is
/// `(acc[0] + acc[2]) + (acc[1] + acc[3])`. Every ranking path therefore produces identical bits.
/// Rows of [`SCALED_STRIDE`] values go through the SIMD kernel.
#[inline]
pub fn dist2(a: &[f32], b: &[f32]) -> f32 {
    match (<&Row>::try_from(a), <&Row>::try_from(b)) {
        (Ok(a), Ok(b)) => Query::new(b).dist2(a),
        _ => dist2_scalar(a, b),
    }
}

/// The `k` rows of `rows` (row-major, `stride` values each) nearest to `query`, nearest first,
/// skipping rows for which `skip` returns true (asked only about rows near enough to enter the
/// result). `query.len()` must equal `stride`.
pub fn exact_top_k(
    rows: &[f32],
    stride: usize,
    query: &[f32],
    k: usize,
    skip: impl Fn(TrackIdx) -> bool,
) -> Vec<Neighbour> {
    if stride == 0 {
        return Vec::new();
    }
    brute_force(
        rows.chunks_exact(stride).map(|row| dist2(row, query)),
        k,
        skip,
    )
}

/// The `k` nearest of the rows whose distances `dist2s` yields in track order, nearest first
/// (ties by track index), skipping rows for which `skip` returns true: a bounded max-heap. The
/// brute force both exact oracles share, over the scaled rows and over the codes.
fn brute_force(
    dist2s: impl Iterator<Item = f32>,
    k: usize,
    skip: impl Fn(TrackIdx) -> bool,
) -> Vec<Neighbour> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap = BinaryHeap::with_capacity(k + 1);
    for (i, dist2) in dist2s.enumerate() {
        let candidate = Neighbour {
            track: TrackIdx(i as u32),
            dist2,
        };
        let enters = heap.len() < k || heap.peek().is_some_and(|worst| candidate < *worst);
        // `skip` last: it may be a set lookup, and most rows are already too far.
        if !enters || skip(candidate.track) {
            continue;
        }
        if heap.len() == k {
            heap.pop();
        }
        heap.push(candidate);
    }
    heap.into_sorted_vec()
}

/// Why rows cannot be ranked by a [`NearestIndex`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NearestError {
    #[error("scaled rows hold {0} values, not a whole number of {SCALED_STRIDE}-value rows")]
    RaggedRows(usize),
    #[error("{0} rows do not fit the u32 track index")]
    TooManyRows(usize),
}

/// The best `k` candidates of one query: the scratch a caller keeps and reuses so that queries do
/// not allocate once it has grown to `k`.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    /// No candidate farther than this is wanted (infinite unless a caller says otherwise).
    within: f32,
    /// Max-heap: the worst of the best `k` on top, so a better candidate replaces it in place.
    heap: BinaryHeap<Neighbour>,
    sorted: Vec<Neighbour>,
    /// [`CodeIndex`]'s cells still to visit, with their distance bounds.
    stack: Vec<(u32, f32)>,
}

impl Default for TopK {
    fn default() -> Self {
        Self {
            k: 0,
            within: f32::INFINITY,
            heap: BinaryHeap::new(),
            sorted: Vec::new(),
            stack: Vec::new(),
        }
    }
}

impl TopK {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn reset(&mut self, k: usize) {
        self.reset_within(k, f32::INFINITY);
    }

    /// Ready for the best `k` of the candidates at most `within` away.
    pub(crate) fn reset_within(&mut self, k: usize, within: f32) {
        self.k = k;
        self.within = within;
        self.heap.clear();
    }

    /// The largest distance a row may have and still enter the top `k` (ties are settled by track
    /// index in [`TopK::offer`]).
    pub(crate) fn threshold(&self) -> f32 {
        match self.heap.peek() {
            Some(worst) if self.heap.len() >= self.k => worst.dist2.min(self.within),
            _ => self.within,
        }
    }

    pub(crate) fn offer(&mut self, candidate: Neighbour) {
        if self.heap.len() < self.k {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }

    /// The candidates, nearest first.
    pub(crate) fn finish(&mut self) -> &[Neighbour] {
        // The heap sorts itself, so no separate sort routine is shipped for these few items;
        // the two buffers swap roles, so later queries reuse both.
        let mut spare = std::mem::take(&mut self.sorted);
        spare.clear();
        let heap = std::mem::replace(&mut self.heap, BinaryHeap::from(spare));
        self.sorted = heap.into_sorted_vec();
        &self.sorted
    }
}

/// Fast exact ranking over rows of [`SCALED_STRIDE`] values, such as the seeds' scaled rows.
///
/// ```
/// use encore_engine::nearest::{NearestIndex, TopK};
///
/// // Three tracks on the first axis at 0, 1 and 2 (the other 15 lanes zero).
/// let rows: Vec<f32> = (0..3).flat_map(|i| {
///     let mut row = [0.0f32; 16];
///     row[0] = i as f32;
///     row
/// }).collect();
/// let index = NearestIndex::new(&rows)?;
/// let mut query = [0.0f32; 16];
/// query[0] = 1.8;
/// let mut scratch = TopK::new();
/// let best = index.top_k(&query, 2, |_| false, &mut scratch);
/// assert_eq!(best.iter().map(|n| n.track.0).collect::<Vec<_>>(), [2, 1]);
/// # Ok::<(), encore_engine::nearest::NearestError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NearestIndex<'a> {
    rows: &'a [f32],
}

impl<'a> NearestIndex<'a> {
    pub fn new(rows: &'a [f32]) -> Result<Self, NearestError> {
        if !rows.len().is_multiple_of(SCALED_STRIDE) {
            return Err(NearestError::RaggedRows(rows.len()));
        }
        let n_rows = rows.len() / SCALED_STRIDE;
        if u32::try_from(n_rows).is_err() {
            return Err(NearestError::TooManyRows(n_rows));
        }
        Ok(Self { rows })
    }

    pub fn n_rows(&self) -> usize {
        self.rows.len() / SCALED_STRIDE
    }

    /// The `k` rows nearest to `query`, nearest first, ties by track index, skipping rows for
    /// which `skip` returns true: the same answer as [`exact_top_k`]. `skip` is asked only about
    /// rows near enough to enter the result, so it may be a set lookup without slowing the scan.
    /// Rows and query must be finite (a validated catalog is).
    pub fn top_k<'s>(
        &self,
        query: &Row,
        k: usize,
        skip: impl Fn(TrackIdx) -> bool,
        scratch: &'s mut TopK,
    ) -> &'s [Neighbour] {
        scratch.reset(k);
        if k > 0 {
            self.scan(query, f32::INFINITY, |track, dist2| {
                if !skip(track) {
                    scratch.offer(Neighbour { track, dist2 });
                }
                scratch.threshold()
            });
        }
        scratch.finish()
    }

    /// The row nearest to `query` (lowest index among equals), e.g. the k-means centroid a track
    /// belongs to; `None` when there are no rows.
    pub fn nearest(&self, query: &Row) -> Option<Neighbour> {
        let mut best: Option<Neighbour> = None;
        self.scan(query, f32::INFINITY, |track, dist2| {
            let candidate = Neighbour { track, dist2 };
            if best.is_none_or(|b| candidate < b) {
                best = Some(candidate);
            }
            best.map_or(f32::INFINITY, |b| b.dist2)
        });
        best
    }

    /// Calls `visit` for every row whose distance is at most the current threshold, in row order;
    /// `visit` returns the new threshold. Four rows per step: one vector compare decides whether
    /// any of them needs scalar attention.
    fn scan(&self, query: &Row, mut threshold: f32, mut visit: impl FnMut(TrackIdx, f32) -> f32) {
        let query = Query::new(query);
        let (blocks, tail) = self.rows.as_chunks();
        for (b, block) in blocks.iter().enumerate() {
            let dists = query.dist2_x4(block);
            if !dists.any_le(threshold) {
                continue;
            }
            for (r, dist2) in dists.to_array().into_iter().enumerate() {
                if dist2 <= threshold {
                    // `new` checked that every row index fits in a u32.
                    threshold = visit(TrackIdx((b * BLOCK_ROWS + r) as u32), dist2);
                }
            }
        }
        let first_tail_row = blocks.len() * BLOCK_ROWS;
        for (r, row) in tail.as_chunks::<SCALED_STRIDE>().0.iter().enumerate() {
            let dist2 = query.dist2(row);
            if dist2 <= threshold {
                threshold = visit(TrackIdx((first_tail_row + r) as u32), dist2);
            }
        }
    }
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

    /// SplitMix64: a seeded generator small enough to keep the test self-contained.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [-2, 2).
        fn value(&mut self) -> f32 {
            (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Catalog-shaped rows: 13 features, 3 zero padding lanes.
    fn random_rows(rng: &mut SplitMix, n_rows: usize, coarse: bool) -> Vec<f32> {
        let mut rows = vec![0.0f32; n_rows * SCALED_STRIDE];
        for row in rows.chunks_exact_mut(SCALED_STRIDE) {
            for v in &mut row[..13] {
                // Coarse values (a few levels per feature) make many exact distance ties.
                *v = if coarse {
                    (rng.below(3) as f32) - 1.0
                } else {
                    rng.value()
                };
            }
        }
        rows
    }

    #[test]
    fn fast_path_matches_the_exact_oracle_on_random_queries_with_skips_and_ties() {
        let seed = 0x5EED_0005;
        println!("seed {seed:#x}");
        let mut rng = SplitMix(seed);
        let mut scratch = TopK::new();
        let mut queries = 0;
        // Row counts not divisible by four exercise the scalar tail.
        for (n_rows, coarse) in [(2_003, false), (1_001, true), (3, false), (0, false)] {
            let rows = random_rows(&mut rng, n_rows, coarse);
            let index = NearestIndex::new(&rows).unwrap();
            for q in 0..1_000 {
                let mut query: Row = [0.0; SCALED_STRIDE];
                if n_rows > 0 && q % 3 == 0 {
                    // A catalog track as the query: distance 0 to itself, and ties in coarse rows.
                    let r = rng.below(n_rows);
                    query.copy_from_slice(&rows[r * SCALED_STRIDE..(r + 1) * SCALED_STRIDE]);
                } else {
                    query[..13].iter_mut().for_each(|v| *v = rng.value());
                }
                let k = [1, 7, 50, n_rows + 5][rng.below(4)];
                let skip_mod = 2 + rng.below(9) as u32;
                let skip = |t: TrackIdx| q % 2 == 0 && t.0.is_multiple_of(skip_mod);
                let want = exact_top_k(&rows, SCALED_STRIDE, &query, k, skip);
                let got = index.top_k(&query, k, skip, &mut scratch);
                assert_eq!(
                    got,
                    want.as_slice(),
                    "seed {seed:#x}, rows {n_rows}, query {q}, k {k}"
                );
                let nearest = exact_top_k(&rows, SCALED_STRIDE, &query, 1, |_| false);
                assert_eq!(
                    index.nearest(&query),
                    nearest.first().copied(),
                    "seed {seed:#x}, query {q}"
                );
                queries += 1;
            }
        }
        assert_eq!(queries, 4_000);
    }

    #[test]
    fn the_oracle_equals_a_full_sort() {
        let mut rng = SplitMix(11);
        let rows = random_rows(&mut rng, 500, true);
        let query: Row = std::array::from_fn(|i| if i < 13 { rng.value() } else { 0.0 });
        let mut all: Vec<Neighbour> = rows
            .chunks_exact(SCALED_STRIDE)
            .enumerate()
            .map(|(i, row)| Neighbour {
                track: TrackIdx(i as u32),
                dist2: dist2(row, &query),
            })
            .collect();
        all.sort();
        let skip = |t: TrackIdx| t.0 % 3 == 1;
        let kept: Vec<Neighbour> = all
            .iter()
            .copied()
            .filter(|n| !skip(n.track))
            .take(40)
            .collect();
        all.truncate(40);
        assert_eq!(
            exact_top_k(&rows, SCALED_STRIDE, &query, 40, |_| false),
            all
        );
        assert_eq!(exact_top_k(&rows, SCALED_STRIDE, &query, 40, skip), kept);
    }

    #[test]
    fn rejects_ragged_rows() {
        assert_eq!(
            NearestIndex::new(&[0.0; 17]).unwrap_err(),
            NearestError::RaggedRows(17)
        );
        assert!(
            NearestIndex::new(&[])
                .unwrap()
                .nearest(&[0.0; SCALED_STRIDE])
                .is_none()
        );
    }

    #[test]
    fn k_zero_or_larger_than_the_rows() {
        let rows = [0.0f32, 1.0, 2.0];
        assert!(exact_top_k(&rows, 1, &[0.0], 0, |_| false).is_empty());
        assert_eq!(exact_top_k(&rows, 1, &[0.0], 10, |_| false).len(), 3);
    }
}
