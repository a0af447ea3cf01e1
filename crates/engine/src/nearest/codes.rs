//! Exact nearest neighbours over the catalog's one-byte feature codes (see
//! [`crate::space::CodeSpace`]): 16 bytes a track instead of a 64-byte scaled row, and a k-d tree
//! over them so that a query reads only the cells that can still hold one of its `k` nearest.
//!
//! [`CodeIndex::new`] sorts the rows into a balanced k-d tree (each cell split at the median of
//! the lane whose weighted variance is largest: the split_lane lane would be chosen by a few
//! outliers, such as a -50 dB track) and keeps, per cell, the box its codes span. A query walks the tree
//! depth first, nearer cell first, and skips every cell whose box is farther than the current
//! `k`-th distance: [`CodeQuery::box_dist2`] is a lower bound of every row's distance in the box,
//! bit for bit, so pruning changes nothing. Leaves are scanned four rows a step by the
//! [`crate::simd`] kernel. [`exact_code_top_k`] is the brute-force oracle in the same domain,
//! summing in the same order, so the two return identical lists, distances and ties included.

use super::{NearestError, Neighbour, TopK, brute_force};
use crate::TrackIdx;
use crate::simd::{BLOCK_ROWS, CodeQuery, code_dist2_scalar};
use crate::space::{CodeRow, Row, SCALED_STRIDE, code_lanes};

/// Rows per leaf at most: a leaf's codes are a quarter of a KiB, and its box costs about one row.
/// Measured on the 182k catalog (knn for a 500-track library; nearest-50): leaves of 32 read
/// 1.15M rows and 184k cells a knn request, of 16 0.62M rows and 238k cells, of 8 0.34M rows and
/// 276k cells; 16 reads least, counting a cell as two rows (its children's two boxes).
const LEAF_ROWS: usize = 16;

/// One cell of the tree: the rows `start..end` (in tree order) and the box their codes span,
/// as two code rows (44 bytes a cell: one cache line).
#[derive(Debug, Clone)]
struct Cell {
    low: CodeRow,
    high: CodeRow,
    start: u32,
    end: u32,
    /// The second child (the first is the next cell); 0 for a leaf.
    right: u32,
}

/// A k-d tree over code rows, for exact nearest-neighbour queries in the code domain.
#[derive(Debug, Clone, Default)]
pub struct CodeIndex {
    weights: Row,
    /// The code rows in tree order.
    codes: Vec<CodeRow>,
    /// Per row in tree order, its track.
    tracks: Vec<u32>,
    /// Depth first, the root at 0.
    cells: Vec<Cell>,
}

impl CodeIndex {
    /// Builds the tree over `codes` (in track order) under the per-lane `weights`.
    pub fn new(codes: &[CodeRow], weights: &Row) -> Result<Self, NearestError> {
        let n_rows = codes.len();
        let Ok(n) = u32::try_from(n_rows) else {
            return Err(NearestError::TooManyRows(n_rows));
        };
        let mut order: Vec<u32> = (0..n).collect();
        let mut cells = Vec::new();
        if n_rows > 0 {
            split(codes, weights, &mut order, 0, &mut cells);
        }
        Ok(Self {
            weights: *weights,
            codes: order.iter().map(|&t| codes[t as usize]).collect(),
            tracks: order,
            cells,
        })
    }

    pub fn n_rows(&self) -> usize {
        self.codes.len()
    }

    /// The per-lane weights of the distance.
    pub fn weights(&self) -> &Row {
        &self.weights
    }

    /// The `k` rows nearest to `query` (code lanes, see [`code_lanes`]), nearest first, ties by
    /// track index, skipping rows for which `skip` returns true: the same answer as
    /// [`exact_code_top_k`]. `skip` is asked only about rows near enough to enter the result.
    pub fn top_k<'s>(
        &self,
        query: &Row,
        k: usize,
        skip: impl Fn(TrackIdx) -> bool,
        scratch: &'s mut TopK,
    ) -> &'s [Neighbour] {
        self.top_k_within(query, k, f32::INFINITY, skip, scratch)
    }

    /// [`CodeIndex::top_k`] of the rows at most `within` away: the tree prunes by `within`
    /// from the first cell on, before `k` rows are found.
    pub fn top_k_within<'s>(
        &self,
        query: &Row,
        k: usize,
        within: f32,
        skip: impl Fn(TrackIdx) -> bool,
        scratch: &'s mut TopK,
    ) -> &'s [Neighbour] {
        scratch.reset_within(k, within);
        if k > 0 && !self.cells.is_empty() {
            self.search(&CodeQuery::new(query, &self.weights), &skip, scratch);
        }
        scratch.finish()
    }

    /// Depth first, nearer child first, skipping cells whose box is beyond the `k`-th distance.
    fn search(&self, query: &CodeQuery, skip: &impl Fn(TrackIdx) -> bool, best: &mut TopK) {
        let mut stack = std::mem::take(&mut best.stack);
        stack.clear();
        stack.push((0, 0.0));
        while let Some((id, bound)) = stack.pop() {
            if bound > best.threshold() {
                continue;
            }
            let cell = &self.cells[id as usize];
            if cell.right == 0 {
                let (start, end) = (cell.start as usize, cell.end as usize);
                let tracks = &self.tracks[start..end];
                scan(query, &self.codes[start..end], |r| tracks[r], skip, best);
                continue;
            }
            let (left, right) = (
                &self.cells[id as usize + 1],
                &self.cells[cell.right as usize],
            );
            let left = (id + 1, query.box_dist2(&left.low, &left.high));
            let right = (cell.right, query.box_dist2(&right.low, &right.high));
            let (near, far) = if left.1 <= right.1 {
                (left, right)
            } else {
                (right, left)
            };
            stack.push(far);
            stack.push(near);
        }
        best.stack = stack;
    }
}

/// Offers `best` every row of `codes` near enough to enter it, four per kernel step; row `r` is
/// track `track_of(r)`.
fn scan(
    query: &CodeQuery,
    codes: &[CodeRow],
    track_of: impl Fn(usize) -> u32,
    skip: &impl Fn(TrackIdx) -> bool,
    best: &mut TopK,
) {
    let (blocks, tail) = codes.as_chunks::<BLOCK_ROWS>();
    let mut threshold = best.threshold();
    let mut offer = |row: usize, dist2: f32, threshold: &mut f32| {
        let track = TrackIdx(track_of(row));
        if dist2 <= *threshold && !skip(track) {
            best.offer(Neighbour { track, dist2 });
            *threshold = best.threshold();
        }
    };
    for (b, block) in blocks.iter().enumerate() {
        let dists = query.dist2_x4(block);
        if dists.any_le(threshold) {
            for (r, dist2) in dists.to_array().into_iter().enumerate() {
                offer(b * BLOCK_ROWS + r, dist2, &mut threshold);
            }
        }
    }
    let tail_start = blocks.len() * BLOCK_ROWS;
    for (r, codes) in tail.iter().enumerate() {
        offer(tail_start + r, query.dist2(codes), &mut threshold);
    }
}

/// The `k` rows of `codes` (in track order) nearest to `query` (code lanes) under `weights`,
/// nearest first, ties by track index, skipping rows for which `skip` returns true: the answer
/// of [`exact_code_top_k`], reading every row with the SIMD kernel. For a query whose `skip`
/// rules out most of the catalog, where the tree would search on and on, or a catalog ranked
/// once with no tree built.
pub fn code_top_k<'s>(
    codes: &[CodeRow],
    weights: &Row,
    query: &Row,
    k: usize,
    skip: impl Fn(TrackIdx) -> bool,
    scratch: &'s mut TopK,
) -> &'s [Neighbour] {
    scratch.reset(k);
    if k > 0 {
        // Track indices fit a u32 (the catalog's invariant).
        let track_of = |r: usize| r as u32;
        scan(
            &CodeQuery::new(query, weights),
            codes,
            track_of,
            &skip,
            scratch,
        );
    }
    scratch.finish()
}

/// Lane `lane` of a code row as an integer, for splitting (the order of [`code_lanes`]).
fn lane_code(codes: &CodeRow, lane: usize) -> u16 {
    if lane == SCALED_STRIDE - 1 {
        u16::from_le_bytes([codes[12], codes[13]])
    } else {
        u16::from(codes[lane])
    }
}

/// The box the code rows `order` span, as two code rows: byte-wise minima and maxima (which LLVM
/// computes 16 lanes at a time), the 16-bit code apart.
fn bounds(codes: &[CodeRow], order: &[u32]) -> (CodeRow, CodeRow) {
    let mut low = [u8::MAX; SCALED_STRIDE];
    let mut high = [0u8; SCALED_STRIDE];
    let (mut wide_low, mut wide_high) = (u16::MAX, 0);
    for &t in order {
        let row = &codes[t as usize];
        for ((l, h), &x) in low.iter_mut().zip(&mut high).zip(row) {
            *l = (*l).min(x);
            *h = (*h).max(x);
        }
        let wide = lane_code(row, SCALED_STRIDE - 1);
        wide_low = wide_low.min(wide);
        wide_high = wide_high.max(wide);
    }
    low[12..14].copy_from_slice(&wide_low.to_le_bytes());
    high[12..14].copy_from_slice(&wide_high.to_le_bytes());
    (low, high)
}

/// Adds the cell of rows `order` (tree positions from `start`) and, below it, its children;
/// returns the cell's id.
fn split(
    codes: &[CodeRow],
    weights: &Row,
    order: &mut [u32],
    start: usize,
    cells: &mut Vec<Cell>,
) -> u32 {
    let (low, high) = bounds(codes, order);
    // Cells are fewer than rows, which fit a u32.
    let id = cells.len() as u32;
    cells.push(Cell {
        low,
        high,
        start: start as u32,
        end: (start + order.len()) as u32,
        right: 0,
    });
    if order.len() <= LEAF_ROWS {
        return id;
    }
    let variances = weighted_variances(codes, weights, order);
    let split_lane = (0..SCALED_STRIDE)
        .max_by(|&a, &b| variances[a].total_cmp(&variances[b]))
        .unwrap_or(0);
    if variances[split_lane] <= 0.0 {
        return id;
    }
    // Whole kernel blocks on the left, so only the last leaf of all may have a scalar tail.
    let mid = (order.len() / 2).next_multiple_of(BLOCK_ROWS);
    order.select_nth_unstable_by_key(mid, |&t| lane_code(&codes[t as usize], split_lane));
    let (left, right) = order.split_at_mut(mid);
    split(codes, weights, left, start, cells);
    let right = split(codes, weights, right, start + mid, cells);
    cells[id as usize].right = right;
    id
}

/// Per lane, the weighted variance of the rows `order` (`f64` sums), for choosing the lane a cell
/// splits on.
fn weighted_variances(codes: &[CodeRow], weights: &Row, order: &[u32]) -> [f64; SCALED_STRIDE] {
    let (mut sum, mut sq) = ([0.0f64; SCALED_STRIDE], [0.0f64; SCALED_STRIDE]);
    for &t in order {
        for (lane, (s, q)) in code_lanes(&codes[t as usize])
            .iter()
            .zip(sum.iter_mut().zip(&mut sq))
        {
            let x = f64::from(*lane);
            *s += x;
            *q += x * x;
        }
    }
    let n = order.len().max(1) as f64;
    std::array::from_fn(|l| f64::from(weights[l]) * (sq[l] / n - (sum[l] / n).powi(2)))
}

/// The brute-force ranking in the code domain: every row's distance to `query` (code lanes)
/// under `weights`, a bounded max-heap of the best `k`, nearest first, ties by track index. The
/// reference [`CodeIndex::top_k`] is tested against.
pub fn exact_code_top_k(
    codes: &[CodeRow],
    weights: &Row,
    query: &Row,
    k: usize,
    skip: impl Fn(TrackIdx) -> bool,
) -> Vec<Neighbour> {
    brute_force(
        codes
            .iter()
            .map(|row| code_dist2_scalar(query, weights, row)),
        k,
        skip,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

    /// Catalog-shaped code rows: twelve 8-bit codes and a 16-bit one. `levels` codes per lane
    /// make many exact distance ties when small.
    fn random_codes(rng: &mut SeededRng, n_rows: usize, levels: usize) -> Vec<CodeRow> {
        (0..n_rows)
            .map(|_| {
                let mut row = [0u8; SCALED_STRIDE];
                for code in &mut row[..12] {
                    *code = (rng.below(levels) * 255 / levels.max(2)) as u8;
                }
                let duration = (rng.below(levels) * 65_535 / levels.max(2)) as u16;
                row[12..14].copy_from_slice(&duration.to_le_bytes());
                row
            })
            .collect()
    }

    /// Per-lane weights of catalog magnitudes (the duration's far smaller), zero where unused.
    fn random_weights(rng: &mut SeededRng) -> Row {
        let mut weights = [0.0; SCALED_STRIDE];
        for w in &mut weights[..12] {
            *w = (0.001 + rng.unit() * 0.05) as f32;
        }
        weights[SCALED_STRIDE - 1] = (1e-6 + rng.unit() * 1e-4) as f32;
        weights
    }

    #[test]
    fn tree_and_flat_scan_match_the_code_oracle_on_random_queries_with_skips_and_ties() {
        let seed = 0x5EED_0C0D;
        println!("seed {seed:#x}");
        let mut rng = SeededRng::new(seed);
        let mut scratch = TopK::new();
        let mut queries = 0;
        // Row counts not divisible by four exercise the scalar tail; three levels make ties.
        for (n_rows, levels) in [(3_001, 256), (2_002, 3), (37, 256), (3, 256), (0, 256)] {
            let codes = random_codes(&mut rng, n_rows, levels);
            let weights = random_weights(&mut rng);
            let index = CodeIndex::new(&codes, &weights).unwrap();
            assert_eq!(index.n_rows(), n_rows);
            for q in 0..1_000 {
                let query = if n_rows > 0 && q % 3 == 0 {
                    // A catalog track as the query: distance 0 to itself and to its duplicates.
                    code_lanes(&codes[rng.below(n_rows)])
                } else {
                    let mut query = [0.0; SCALED_STRIDE];
                    query[..12]
                        .iter_mut()
                        .for_each(|v| *v = rng.unit() as f32 * 300.0 - 20.0);
                    query[SCALED_STRIDE - 1] = rng.unit() as f32 * 70_000.0;
                    query
                };
                let k = [1, 3, 50, n_rows + 5][rng.below(4)];
                let skip_mod = 2 + rng.below(9) as u32;
                let skip = |t: TrackIdx| q % 2 == 0 && t.0.is_multiple_of(skip_mod);
                let want = exact_code_top_k(&codes, &weights, &query, k, skip);
                let got = index.top_k(&query, k, skip, &mut scratch);
                assert_eq!(
                    got,
                    want.as_slice(),
                    "seed {seed:#x}, rows {n_rows}, query {q}, k {k}"
                );
                let flat = code_top_k(&codes, &weights, &query, k, skip, &mut scratch);
                assert_eq!(flat, want.as_slice(), "flat, query {q}, k {k}");
                // Within the middle distance found: the nearer half, ties at it included.
                if let Some(middle) = want.get(want.len() / 2) {
                    let near: Vec<Neighbour> = want
                        .iter()
                        .copied()
                        .filter(|n| n.dist2 <= middle.dist2)
                        .collect();
                    let got = index.top_k_within(&query, k, middle.dist2, skip, &mut scratch);
                    assert_eq!(got, near.as_slice(), "within, query {q}, k {k}");
                }
                queries += 1;
            }
        }
        assert_eq!(queries, 5_000);
    }

    #[test]
    fn code_distances_are_scaled_distances_and_decoding_gives_back_the_scaled_rows() {
        use crate::Feature;
        use crate::nearest::dist2;
        use crate::space::{CodeSpace, FEATURE_CODECS, Scaler, encode_raw, round_features};
        let mut rng = SeededRng::new(3);
        let mut raw: Vec<f32> = (0..200 * Feature::COUNT)
            .map(|i| match i % Feature::COUNT {
                2 => rng.below(12) as f32 - 1.0,
                3 => -30.0 + rng.unit() as f32 * 30.0,
                10 => 60.0 + rng.unit() as f32 * 140.0,
                11 => 90_000.0 + rng.unit() as f32 * 300_000.0,
                12 => 3.0 + rng.below(3) as f32,
                _ => rng.unit() as f32,
            })
            .collect();
        round_features(&mut raw);
        let scaler = Scaler::fit(&raw);
        let mut scaled = Vec::new();
        scaler.transform_into(&raw, &mut scaled);
        let space = CodeSpace::new(&scaler);
        let rows: Vec<&[f32]> = scaled.chunks_exact(SCALED_STRIDE).collect();
        let codes: Vec<CodeRow> = raw.chunks_exact(Feature::COUNT).map(encode_raw).collect();
        for ((features, row_codes), row) in raw.chunks_exact(Feature::COUNT).zip(&codes).zip(&rows)
        {
            assert_eq!(space.decode(row_codes).as_slice(), *row, "bit for bit");
            let lanes = code_lanes(row_codes);
            for (f, codec) in FEATURE_CODECS.iter().enumerate() {
                let lane = crate::space::CODE_LANES[f];
                assert_eq!(
                    lanes[lane],
                    f32::from(codec.quantize(features[f])),
                    "feature {f}"
                );
            }
        }
        for (a, b) in (0..100).map(|i| (i, 199 - i)) {
            let scaled_dist = dist2(rows[a], rows[b]);
            let code_dist = code_dist2_scalar(&code_lanes(&codes[a]), &space.weights, &codes[b]);
            // A point between two tracks, as the recommenders' means are.
            let mid: Row = std::array::from_fn(|l| (rows[a][l] + rows[b][l]) / 2.0);
            let mid_dist = code_dist2_scalar(&space.lanes(&mid), &space.weights, &codes[b]);
            for (scaled, code) in [(scaled_dist, code_dist), (scaled_dist / 4.0, mid_dist)] {
                assert!(
                    (scaled - code).abs() <= 1e-4 * scaled.max(1.0),
                    "rows {a}, {b}: {scaled} against {code}"
                );
            }
        }
    }

    #[test]
    fn the_code_oracle_equals_a_full_sort() {
        let mut rng = SeededRng::new(12);
        let codes = random_codes(&mut rng, 500, 4);
        let weights = random_weights(&mut rng);
        let query = code_lanes(&codes[7]);
        let mut all: Vec<Neighbour> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| Neighbour {
                track: TrackIdx(i as u32),
                dist2: code_dist2_scalar(&query, &weights, c),
            })
            .collect();
        all.sort();
        assert_eq!(all[0].dist2, 0.0);
        let skip = |t: TrackIdx| t.0 % 3 == 1;
        let kept: Vec<Neighbour> = all
            .iter()
            .copied()
            .filter(|n| !skip(n.track))
            .take(40)
            .collect();
        all.truncate(40);
        assert_eq!(
            exact_code_top_k(&codes, &weights, &query, 40, |_| false),
            all
        );
        assert_eq!(exact_code_top_k(&codes, &weights, &query, 40, skip), kept);
        assert!(exact_code_top_k(&codes, &weights, &query, 0, |_| false).is_empty());
    }
}
