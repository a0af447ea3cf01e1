//! k-means clustering on row-major `f32` data of any width.
//!
//! Lloyd's algorithm with k-means++ seeding (Arthur & Vassilvitskii, 2007), squared euclidean
//! distances in every argmin (no `sqrt`), sums in `f64`, a seeded generator, and a stop when no
//! assignment changes, the inertia improves by less than a relative tolerance, or `max_iter` is
//! reached. An empty cluster is re-seeded with the point farthest from its centroid, so every
//! returned centroid owns at least one point.
//!
//! [`assign`] and [`nearest_centroid`] are the reusable halves the browser calls on new tracks;
//! [`inertia_curve`] and [`elbow`] choose `k` offline.

use thiserror::Error;

use crate::nearest::dist2;
use crate::seeded::SeededRng;
use crate::simd::{BLOCK_ROWS, BLOCK_VALUES, Query};
use crate::space::{Row, SCALED_STRIDE};

/// Why a k-means fit cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KMeansError {
    #[error("k-means needs k >= 1, got 0")]
    ZeroK,
    #[error("k-means cannot make {k} clusters from {n_rows} rows")]
    TooFewRows { k: usize, n_rows: usize },
    #[error("k-means k = {0} does not fit a u16 cluster id")]
    TooManyClusters(usize),
    #[error("data of {len} values is not a whole number of rows of {dims}")]
    Shape { len: usize, dims: usize },
}

/// Parameters of one fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansParams {
    pub k: usize,
    pub max_iter: usize,
    /// Stop once an iteration improves the inertia by less than this fraction.
    pub tolerance: f64,
    pub seed: u64,
}

impl KMeansParams {
    pub fn new(k: usize, seed: u64) -> Self {
        Self {
            k,
            max_iter: 100,
            tolerance: 1e-5,
            seed,
        }
    }
}

/// A fitted clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// `k` rows of `dims` values.
    pub centroids: Vec<f32>,
    pub dims: usize,
    /// Per input row, its cluster.
    pub assignments: Vec<u16>,
    /// Sum of squared distances of the rows to their centroids.
    pub inertia: f64,
    pub iterations: usize,
}

impl KMeansFit {
    pub fn k(&self) -> usize {
        self.centroids.len().checked_div(self.dims).unwrap_or(0)
    }
}

/// The nearest centroid to `row` and its squared distance (`centroids` has `row.len()` per row;
/// ties go to the lower index). Returns `(0, inf)` when there are no centroids.
pub fn nearest_centroid(row: &[f32], centroids: &[f32]) -> (usize, f32) {
    let mut best = (0, f32::INFINITY);
    if row.is_empty() {
        return best;
    }
    if let [x, y] = *row {
        // The map's two dimensions (the adviser clusters them): the same sum as [`dist2`]
        // (`(dx² + 0) + (dy² + 0)`), without its per-call dispatch.
        for (c, centroid) in centroids.chunks_exact(2).enumerate() {
            let (dx, dy) = (x - centroid[0], y - centroid[1]);
            let d = dx * dx + dy * dy;
            if d < best.1 {
                best = (c, d);
            }
        }
        return best;
    }
    for (c, centroid) in centroids.chunks_exact(row.len()).enumerate() {
        let d = dist2(row, centroid);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Every row's nearest centroid, exactly as [`nearest_centroid`] chooses it.
pub fn assign(data: &[f32], dims: usize, centroids: &[f32]) -> Vec<u16> {
    if dims == 0 {
        return Vec::new();
    }
    if dims == SCALED_STRIDE {
        return assign_rows(data, centroids);
    }
    data.chunks_exact(dims)
        .map(|row| nearest_centroid(row, centroids).0 as u16)
        .collect()
}

/// [`assign`] for the catalog's rows, which it runs on every load: each centroid is loaded into
/// registers once, and four rows are measured per step with the ranking kernel. The kernel sums
/// in [`dist2`]'s order, so the distances, and with them the choices, are the same bits as
/// [`nearest_centroid`]'s.
fn assign_rows(data: &[f32], centroids: &[f32]) -> Vec<u16> {
    let queries: Vec<Query> = centroids
        .chunks_exact(SCALED_STRIDE)
        .filter_map(|c| <&Row>::try_from(c).ok().map(Query::new))
        .collect();
    let mut out = Vec::with_capacity(data.len() / SCALED_STRIDE);
    let (blocks, rest) = data.as_chunks::<BLOCK_VALUES>();
    for block in blocks {
        let mut best = [(0usize, f32::INFINITY); BLOCK_ROWS];
        for (c, query) in queries.iter().enumerate() {
            for (b, d) in best.iter_mut().zip(query.dist2_x4(block).to_array()) {
                if d < b.1 {
                    *b = (c, d);
                }
            }
        }
        out.extend(best.iter().map(|b| b.0 as u16));
    }
    for row in rest.chunks_exact(SCALED_STRIDE) {
        out.push(nearest_centroid(row, centroids).0 as u16);
    }
    out
}

/// Fits k-means on `data` (row-major, `dims` per row).
pub fn fit(data: &[f32], dims: usize, params: &KMeansParams) -> Result<KMeansFit, KMeansError> {
    let k = params.k;
    if dims == 0 || !data.len().is_multiple_of(dims) {
        return Err(KMeansError::Shape {
            len: data.len(),
            dims,
        });
    }
    let n_rows = data.len() / dims;
    if k == 0 {
        return Err(KMeansError::ZeroK);
    }
    if k > usize::from(u16::MAX) + 1 {
        return Err(KMeansError::TooManyClusters(k));
    }
    if k > n_rows {
        return Err(KMeansError::TooFewRows { k, n_rows });
    }
    let mut rng = SeededRng::new(params.seed);
    let mut centroids = plus_plus_init(data, dims, k, &mut rng);
    let mut assignments = vec![0u16; n_rows];
    let mut dists = vec![0.0f32; n_rows];
    let mut previous = f64::INFINITY;
    let mut iterations = 0;
    let mut inertia;
    loop {
        iterations += 1;
        let mut changed = false;
        inertia = 0.0;
        for ((row, a), d) in data
            .chunks_exact(dims)
            .zip(&mut assignments)
            .zip(&mut dists)
        {
            let (c, dist) = nearest_centroid(row, &centroids);
            changed |= *a != c as u16;
            *a = c as u16;
            *d = dist;
            inertia += f64::from(dist);
        }
        let converged =
            iterations > 1 && (!changed || previous - inertia <= params.tolerance * previous);
        if converged || iterations >= params.max_iter {
            break;
        }
        previous = inertia;
        update_centroids(data, dims, &assignments, &mut dists, &mut centroids);
    }
    Ok(KMeansFit {
        centroids,
        dims,
        assignments,
        inertia,
        iterations,
    })
}

/// k-means++: the first centre uniformly, each next one with probability proportional to its
/// squared distance to the nearest centre chosen so far.
fn plus_plus_init(data: &[f32], dims: usize, k: usize, rng: &mut SeededRng) -> Vec<f32> {
    let n_rows = data.len() / dims;
    let mut centroids = Vec::with_capacity(k * dims);
    let first = rng.below(n_rows);
    centroids.extend_from_slice(&data[first * dims..(first + 1) * dims]);
    let mut nearest: Vec<f64> = data
        .chunks_exact(dims)
        .map(|row| f64::from(dist2(row, &centroids[..dims])))
        .collect();
    for _ in 1..k {
        let total: f64 = nearest.iter().sum();
        let chosen = if total > 0.0 {
            let mut target = rng.unit() * total;
            nearest
                .iter()
                .position(|&d| {
                    target -= d;
                    target < 0.0
                })
                .unwrap_or(n_rows - 1)
        } else {
            // Every point coincides with a centre: any pick is as good as another.
            rng.below(n_rows)
        };
        let start = centroids.len();
        centroids.extend_from_slice(&data[chosen * dims..(chosen + 1) * dims]);
        for (d, row) in nearest.iter_mut().zip(data.chunks_exact(dims)) {
            *d = d.min(f64::from(dist2(row, &centroids[start..])));
        }
    }
    centroids
}

fn update_centroids(
    data: &[f32],
    dims: usize,
    assignments: &[u16],
    dists: &mut [f32],
    centroids: &mut [f32],
) {
    let k = centroids.len() / dims;
    let mut sums = vec![0.0f64; k * dims];
    let mut counts = vec![0usize; k];
    for (row, &a) in data.chunks_exact(dims).zip(assignments) {
        let a = usize::from(a);
        counts[a] += 1;
        for (s, &x) in sums[a * dims..(a + 1) * dims].iter_mut().zip(row) {
            *s += f64::from(x);
        }
    }
    for c in 0..k {
        let centroid = &mut centroids[c * dims..(c + 1) * dims];
        if counts[c] == 0 {
            // Re-seed an empty cluster with the worst-served point, and stop it being picked again.
            let far = dists
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            centroid.copy_from_slice(&data[far * dims..(far + 1) * dims]);
            dists[far] = 0.0;
        } else {
            for (x, s) in centroid.iter_mut().zip(&sums[c * dims..(c + 1) * dims]) {
                *x = (s / counts[c] as f64) as f32;
            }
        }
    }
}

/// The elbow curve: `(k, inertia)` for every `k` in `ks`, each fitted on the same rows with the
/// same seed. Callers pass a subsample when the data is large.
pub fn inertia_curve(
    data: &[f32],
    dims: usize,
    ks: std::ops::RangeInclusive<usize>,
    params: &KMeansParams,
) -> Result<Vec<(u16, f64)>, KMeansError> {
    ks.map(|k| {
        let fit = fit(data, dims, &KMeansParams { k, ..*params })?;
        Ok((k as u16, fit.inertia))
    })
    .collect()
}

/// The elbow of an inertia curve by the "kneedle" rule (Satopää et al., 2011): scale `k` and
/// inertia to `[0, 1]`, and take the point farthest below the chord from the first point to
/// the last. A curve of fewer than three points returns its first `k` (or 1 when empty).
pub fn elbow(curve: &[(u16, f64)]) -> u16 {
    let (Some(&(k0, i0)), Some(&(k1, i1))) = (curve.first(), curve.last()) else {
        return 1;
    };
    if curve.len() < 3 || k1 == k0 || i0 == i1 {
        return k0;
    }
    let mut best = (k0, f64::NEG_INFINITY);
    for &(k, inertia) in curve {
        let x = f64::from(k - k0) / f64::from(k1 - k0);
        let y = (inertia - i1) / (i0 - i1);
        // On the chord y = 1 - x; the elbow is where the curve dips farthest below it.
        let gap = (1.0 - x) - y;
        if gap > best.1 {
            best = (k, gap);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per_blob` points around each of `centres` (2-D), jittered by a seeded generator.
    fn blobs(centres: &[[f32; 2]], per_blob: usize, seed: u64) -> Vec<f32> {
        let mut rng = SeededRng::new(seed);
        let mut data = Vec::new();
        for c in centres {
            for _ in 0..per_blob {
                data.push(c[0] + (rng.unit() as f32 - 0.5) * 0.2);
                data.push(c[1] + (rng.unit() as f32 - 0.5) * 0.2);
            }
        }
        data
    }

    #[test]
    fn assign_on_catalog_rows_matches_nearest_centroid() {
        let mut rng = SeededRng::new(11);
        let mut values = |n: usize| -> Vec<f32> {
            // Coarse values make exact ties between centroids common.
            (0..n).map(|_| (rng.below(5) as f32 - 2.0) * 0.5).collect()
        };
        // 303 rows: whole blocks of four and a remainder.
        let data = values(303 * SCALED_STRIDE);
        let centroids = values(7 * SCALED_STRIDE);
        let expected: Vec<u16> = data
            .chunks_exact(SCALED_STRIDE)
            .map(|row| nearest_centroid(row, &centroids).0 as u16)
            .collect();
        assert_eq!(assign(&data, SCALED_STRIDE, &centroids), expected);
    }

    #[test]
    fn finds_well_separated_blobs_and_assign_agrees() {
        let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let data = blobs(&centres, 50, 3);
        let fit = fit(&data, 2, &KMeansParams::new(3, 42)).unwrap();
        for blob in fit.assignments.chunks(50) {
            assert!(blob.iter().all(|&a| a == blob[0]), "one cluster per blob");
        }
        let mut labels: Vec<u16> = fit.assignments.chunks(50).map(|b| b[0]).collect();
        labels.dedup();
        assert_eq!(labels.len(), 3);
        assert_eq!(assign(&data, 2, &fit.centroids), fit.assignments);
        // Oracle: the inertia is the brute-force sum of squared distances to the nearest centroid.
        let brute: f64 = data
            .chunks_exact(2)
            .map(|p| {
                fit.centroids
                    .chunks_exact(2)
                    .map(|c| f64::from(dist2(p, c)))
                    .fold(f64::INFINITY, f64::min)
            })
            .sum();
        assert!((brute - fit.inertia).abs() < 1e-6 * brute.max(1.0));
        assert!(fit.iterations < 100, "converged");
    }

    #[test]
    fn is_deterministic_per_seed() {
        let data = blobs(&[[0.0, 0.0], [3.0, 3.0], [6.0, 0.0]], 40, 9);
        let a = fit(&data, 2, &KMeansParams::new(4, 1)).unwrap();
        let b = fit(&data, 2, &KMeansParams::new(4, 1)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_bad_parameters() {
        let data = [0.0f32; 6];
        assert_eq!(
            fit(&data, 2, &KMeansParams::new(0, 1)),
            Err(KMeansError::ZeroK)
        );
        assert_eq!(
            fit(&data, 2, &KMeansParams::new(4, 1)),
            Err(KMeansError::TooFewRows { k: 4, n_rows: 3 })
        );
        assert_eq!(
            fit(&data, 4, &KMeansParams::new(1, 1)),
            Err(KMeansError::Shape { len: 6, dims: 4 })
        );
        // Identical points: k-means++ still picks k centres and the fit is finite.
        let fit = fit(&data, 2, &KMeansParams::new(3, 1)).unwrap();
        assert_eq!(fit.inertia, 0.0);
    }

    #[test]
    fn elbow_picks_the_knee_of_a_blob_curve() {
        let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]];
        let data = blobs(&centres, 40, 5);
        let curve = inertia_curve(&data, 2, 2..=10, &KMeansParams::new(2, 8)).unwrap();
        assert_eq!(curve.len(), 9);
        assert_eq!(elbow(&curve), 4);
        assert_eq!(elbow(&[]), 1);
        assert_eq!(elbow(&[(2, 5.0), (3, 4.0)]), 2);
    }
}
