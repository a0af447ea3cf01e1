//! Principal component analysis down to two dimensions, for the map the app draws.
//!
//! The covariance matrix is accumulated in `f64` in one pass over the rows, then decomposed with
//! nalgebra's symmetric eigensolver; the two eigenvectors with the largest eigenvalues are the
//! axes. Each axis's sign is fixed (its largest-magnitude component positive) so the map does not
//! flip between builds.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::space::SCALED_STRIDE;

/// A 2-D PCA map: a row's position is `((row - mean) . axes[0], (row - mean) . axes[1])`.
/// Rows up to [`SCALED_STRIDE`] wide (the catalog's scaled rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection2d {
    pub mean: [f32; SCALED_STRIDE],
    pub axes: [[f32; SCALED_STRIDE]; 2],
}

/// Fits the 2-D projection of `data` (row-major, `dims` per row, `dims <= axes width`).
/// Fewer than two rows give the zero projection.
pub fn fit_2d(data: &[f32], dims: usize) -> Projection2d {
    let mut model = Projection2d::default();
    let width = model.mean.len();
    if dims == 0 || dims > width || data.len() / dims < 2 {
        return model;
    }
    let n_rows = data.len() / dims;
    let mut mean = vec![0.0f64; dims];
    for row in data.chunks_exact(dims) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += f64::from(x);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n_rows as f64);
    let mut cov = DMatrix::<f64>::zeros(dims, dims);
    let mut centred = vec![0.0f64; dims];
    for row in data.chunks_exact(dims) {
        for ((c, &x), m) in centred.iter_mut().zip(row).zip(&mean) {
            *c = f64::from(x) - m;
        }
        for i in 0..dims {
            for j in i..dims {
                cov[(i, j)] += centred[i] * centred[j];
            }
        }
    }
    for i in 0..dims {
        for j in 0..i {
            cov[(i, j)] = cov[(j, i)];
        }
    }
    let eigen = SymmetricEigen::new(cov / (n_rows - 1) as f64);
    let mut order: Vec<usize> = (0..dims).collect();
    order.sort_by(|&a, &b| {
        eigen.eigenvalues[b]
            .total_cmp(&eigen.eigenvalues[a])
            .then(a.cmp(&b))
    });
    for (axis, &col) in model.axes.iter_mut().zip(&order) {
        let v = eigen.eigenvectors.column(col);
        let pivot = v.iter().copied().fold(
            0.0f64,
            |best, x| if x.abs() > best.abs() { x } else { best },
        );
        let sign = if pivot < 0.0 { -1.0 } else { 1.0 };
        for (a, x) in axis.iter_mut().zip(v.iter()) {
            *a = (sign * x) as f32;
        }
    }
    for (m, x) in model.mean.iter_mut().zip(&mean) {
        *m = *x as f32;
    }
    model
}

impl Projection2d {
    /// The map position of one row (`row.len()` up to the axes' width).
    pub fn project(&self, row: &[f32]) -> [f32; 2] {
        // Both sums at once, each in lane order from -0.0 as `Iterator::sum` would: the same
        // bits, in two independent chains of additions instead of one twice as long (the map
        // is recomputed for every track on each catalog load).
        let mut sums = [-0.0f32; 2];
        for (((x, m), a0), a1) in row
            .iter()
            .zip(&self.mean)
            .zip(&self.axes[0])
            .zip(&self.axes[1])
        {
            let centred = x - m;
            sums[0] += centred * a0;
            sums[1] += centred * a1;
        }
        sums
    }

    /// The map position of every row of `data` (`stride` values each).
    pub fn project_all(&self, data: &[f32], stride: usize) -> Vec<[f32; 2]> {
        if stride == 0 {
            return Vec::new();
        }
        data.chunks_exact(stride)
            .map(|row| self.project(row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

    #[test]
    fn recovers_the_dominant_directions() {
        // Points spread 10x along (1, 1, 0) and 1x along (0, 0, 1), tiny noise elsewhere.
        let mut rng = SeededRng::new(4);
        let mut data = Vec::new();
        for _ in 0..500 {
            let (a, b) = (rng.normal() as f32 * 10.0, rng.normal() as f32);
            data.extend([a + 3.0, a + 3.0, b, rng.normal() as f32 * 0.01]);
        }
        let model = fit_2d(&data, 4);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        for (got, want) in model.axes[0].iter().zip([s, s, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-2, "{:?}", model.axes[0]);
        }
        assert!(
            (model.axes[1][2].abs() - 1.0).abs() < 1e-2,
            "{:?}",
            model.axes[1]
        );
        assert!(model.axes[1][2] > 0.0, "sign convention");
        assert!((model.mean[0] - 3.0).abs() < 1.5);
        let p = model.project(&data[..4]);
        assert!((p[0] - (data[0] - model.mean[0] + data[1] - model.mean[1]) * s).abs() < 0.2);
        assert_eq!(model.project_all(&data, 4).len(), 500);
    }

    /// The plain formula, each axis summed in lane order by `Iterator::sum`: `project`'s oracle.
    fn plain_projection(model: &Projection2d, row: &[f32]) -> [f32; 2] {
        model.axes.map(|axis| {
            row.iter()
                .zip(&model.mean)
                .zip(&axis)
                .map(|((x, m), a)| (x - m) * a)
                .sum()
        })
    }

    #[test]
    fn project_gives_the_bits_of_the_plain_formula() {
        let mut rng = SeededRng::new(12);
        let mut draw = |v: &mut [f32; SCALED_STRIDE]| {
            v.iter_mut().for_each(|x| *x = rng.normal() as f32);
        };
        let mut model = Projection2d::default();
        draw(&mut model.mean);
        draw(&mut model.axes[0]);
        draw(&mut model.axes[1]);
        let mut row = [0.0; SCALED_STRIDE];
        for _ in 0..1000 {
            draw(&mut row);
            let want = plain_projection(&model, &row);
            assert_eq!(
                model.project(&row).map(f32::to_bits),
                want.map(f32::to_bits)
            );
        }
        // Zeros keep their sign as `sum` gives it.
        let zero = Projection2d::default();
        let want = plain_projection(&zero, &[-0.0; SCALED_STRIDE]);
        let got = zero.project(&[-0.0; SCALED_STRIDE]);
        assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits));
    }

    #[test]
    fn degenerate_input_gives_the_zero_projection() {
        assert_eq!(fit_2d(&[1.0, 2.0], 2), Projection2d::default());
        assert_eq!(fit_2d(&[], 3), Projection2d::default());
    }
}
