//! Standardization of the audio features: `scaled = (raw - offset) / scale`, fitted on the catalog.
//!
//! As in linfa's `StandardScaler`, a constant feature gets scale 1 so it scales to 0 instead of
//! NaN. The builder and the catalog decoder both fill [`Catalog::scaled`](crate::Catalog) through
//! [`Scaler::transform_into`], so a decoded catalog's rows are bit-identical to the builder's.

use crate::Feature;
use crate::catalog::{SCALED_STRIDE, Scaler};

impl Scaler {
    /// The identity scaler (offset 0, scale 1).
    pub fn identity() -> Self {
        Self {
            offsets: [0.0; Feature::COUNT],
            scales: [1.0; Feature::COUNT],
        }
    }

    /// Fits mean and (population) standard deviation per feature over `features`
    /// (row-major, [`Feature::COUNT`] per row). Sums run in `f64` so a million rows stay exact.
    pub fn fit(features: &[f32]) -> Self {
        let n_rows = features.len() / Feature::COUNT;
        if n_rows == 0 {
            return Self::identity();
        }
        let mut sum = [0.0f64; Feature::COUNT];
        for row in features.chunks_exact(Feature::COUNT) {
            for (s, &x) in sum.iter_mut().zip(row) {
                *s += f64::from(x);
            }
        }
        let mean = sum.map(|s| s / n_rows as f64);
        let mut sq = [0.0f64; Feature::COUNT];
        for row in features.chunks_exact(Feature::COUNT) {
            for ((s, &x), m) in sq.iter_mut().zip(row).zip(mean) {
                let d = f64::from(x) - m;
                *s += d * d;
            }
        }
        let scales = sq.map(|s| {
            let std = (s / n_rows as f64).sqrt() as f32;
            if std.is_finite() && std > f32::EPSILON {
                std
            } else {
                1.0
            }
        });
        Self {
            offsets: mean.map(|m| m as f32),
            scales,
        }
    }

    /// Scales one raw row into `out` ([`Feature::COUNT`] values; extra lanes untouched).
    pub fn transform_row(&self, raw: &[f32], out: &mut [f32]) {
        for (f, (o, &x)) in out.iter_mut().zip(raw).take(Feature::COUNT).enumerate() {
            *o = self.transform_one(f, x);
        }
    }

    /// Scales one raw value of feature column `f` (< [`Feature::COUNT`]), exactly as
    /// [`Scaler::transform_row`] does (the catalog decoder relies on the same bits).
    pub fn transform_one(&self, f: usize, raw: f32) -> f32 {
        (raw - self.offsets[f]) / self.scales[f]
    }

    /// Scales every raw row into a matrix of [`SCALED_STRIDE`]-wide rows, padding lanes zero.
    pub fn transform_into(&self, features: &[f32], scaled: &mut Vec<f32>) {
        let n_rows = features.len() / Feature::COUNT;
        scaled.clear();
        scaled.resize(n_rows * SCALED_STRIDE, 0.0);
        for (raw, out) in features
            .chunks_exact(Feature::COUNT)
            .zip(scaled.chunks_exact_mut(SCALED_STRIDE))
        {
            self.transform_row(raw, out);
        }
    }

    /// Back from the scaled space to raw units (for nudged targets and explanations).
    pub fn inverse_row(&self, scaled: &[f32], out: &mut [f32]) {
        for (((o, &z), off), scale) in out
            .iter_mut()
            .zip(scaled)
            .zip(self.offsets)
            .zip(self.scales)
        {
            *o = z * scale + off;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizes_and_keeps_constant_features_finite() {
        // Two rows: feature 0 is 1 and 3 (mean 2, std 1); every other feature is constant 5.
        let mut features = vec![5.0f32; 2 * Feature::COUNT];
        features[0] = 1.0;
        features[Feature::COUNT] = 3.0;
        let scaler = Scaler::fit(&features);
        assert_eq!(scaler.offsets[0], 2.0);
        assert_eq!(scaler.scales[0], 1.0);
        assert_eq!(scaler.scales[1], 1.0, "a constant feature scales by 1");
        let mut scaled = Vec::new();
        scaler.transform_into(&features, &mut scaled);
        assert_eq!(scaled.len(), 2 * SCALED_STRIDE);
        assert_eq!(&scaled[..2], &[-1.0, 0.0]);
        assert_eq!(scaled[SCALED_STRIDE], 1.0);
        assert!(
            scaled[Feature::COUNT..SCALED_STRIDE]
                .iter()
                .all(|&z| z == 0.0),
            "padding is zero"
        );
        let mut back = [0.0; Feature::COUNT];
        scaler.inverse_row(&scaled[SCALED_STRIDE..], &mut back);
        assert_eq!(back[0], 3.0);
        assert_eq!(back[1], 5.0);
    }

    #[test]
    fn std_of_spread_feature_matches_by_hand() {
        let values = [2.0f32, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut features = vec![0.0f32; values.len() * Feature::COUNT];
        for (i, v) in values.iter().enumerate() {
            features[i * Feature::COUNT + 3] = *v;
        }
        let scaler = Scaler::fit(&features);
        assert_eq!((scaler.offsets[3], scaler.scales[3]), (5.0, 2.0));
        assert_eq!(Scaler::fit(&[]), Scaler::identity());
    }
}
