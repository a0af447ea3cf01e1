//! The squared-distance kernel behind every ranking: one query against rows of
//! [`SCALED_STRIDE`] (16) `f32`, four rows at a time.
//!
//! On `wasm32` with `simd128` (the project's `.cargo/config.toml` turns it on) it is written with
//! `core::arch::wasm32` `f32x4` intrinsics; elsewhere it is plain array code that LLVM vectorizes
//! (SSE on x86-64). Both sum in the same fixed order, the one [`crate::nearest::dist2`] documents,
//! so the fast paths return bit-identical distances to the brute-force oracle and the tests can
//! compare rankings exactly, ties included.
//!
//! What it deliberately does not do: no `unsafe` (rows reach the vector registers through
//! `f32x4(..)` built from consecutive loads, which LLVM folds into one `v128.load`), no FMA (it
//! would change the rounding and break bit-identity with the oracle), no allocation.

pub use crate::space::Row;
use crate::space::SCALED_STRIDE;

/// Rows per kernel step.
pub(crate) const BLOCK_ROWS: usize = 4;
/// Values per kernel step: four rows of [`SCALED_STRIDE`].
pub(crate) const BLOCK_VALUES: usize = BLOCK_ROWS * SCALED_STRIDE;

/// Four `f32` lanes: a `v128` under wasm `simd128`, an SSE register on x86-64, a plain array
/// elsewhere. The kernel below is written once against these few operations.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::{
        f32x4, f32x4_add, f32x4_extract_lane, f32x4_le, f32x4_mul, f32x4_splat, f32x4_sub,
        i32x4_shuffle, v128, v128_any_true,
    };

    #[derive(Debug, Clone, Copy)]
    pub struct F4(v128);

    impl F4 {
        /// Four consecutive values from `at`; LLVM folds this into one `v128.load`.
        #[inline(always)]
        pub fn load(values: &[f32], at: usize) -> Self {
            Self(f32x4(
                values[at],
                values[at + 1],
                values[at + 2],
                values[at + 3],
            ))
        }
        #[inline(always)]
        pub fn sub(self, other: Self) -> Self {
            Self(f32x4_sub(self.0, other.0))
        }
        #[inline(always)]
        pub fn mul(self, other: Self) -> Self {
            Self(f32x4_mul(self.0, other.0))
        }
        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(f32x4_add(self.0, other.0))
        }
        /// `[a0, b0, a1, b1]`
        #[inline(always)]
        pub fn interleave_low(a: Self, b: Self) -> Self {
            Self(i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0))
        }
        /// `[a2, b2, a3, b3]`
        #[inline(always)]
        pub fn interleave_high(a: Self, b: Self) -> Self {
            Self(i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0))
        }
        /// `[a0, a1, b0, b1]`
        #[inline(always)]
        pub fn concat_low(a: Self, b: Self) -> Self {
            Self(i32x4_shuffle::<0, 1, 4, 5>(a.0, b.0))
        }
        /// `[a2, a3, b2, b3]`
        #[inline(always)]
        pub fn concat_high(a: Self, b: Self) -> Self {
            Self(i32x4_shuffle::<2, 3, 6, 7>(a.0, b.0))
        }
        #[inline(always)]
        pub fn any_le(self, threshold: f32) -> bool {
            v128_any_true(f32x4_le(self.0, f32x4_splat(threshold)))
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    // Element-wise expressions over `[f32; 4]`: LLVM's SLP vectorizer turns each into one SSE
    // (or NEON) instruction.
    #[derive(Debug, Clone, Copy)]
    pub struct F4([f32; 4]);

    impl F4 {
        #[inline(always)]
        pub fn load(values: &[f32], at: usize) -> Self {
            let mut lanes = [0.0f32; 4];
            lanes.copy_from_slice(&values[at..at + 4]);
            Self(lanes)
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            Self([a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]])
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            Self([a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]])
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            Self([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
        }
        /// `[a0, b0, a1, b1]`
        #[inline(always)]
        pub fn interleave_low(a: Self, b: Self) -> Self {
            Self([a.0[0], b.0[0], a.0[1], b.0[1]])
        }
        /// `[a2, b2, a3, b3]`
        #[inline(always)]
        pub fn interleave_high(a: Self, b: Self) -> Self {
            Self([a.0[2], b.0[2], a.0[3], b.0[3]])
        }
        /// `[a0, a1, b0, b1]`
        #[inline(always)]
        pub fn concat_low(a: Self, b: Self) -> Self {
            Self([a.0[0], a.0[1], b.0[0], b.0[1]])
        }
        /// `[a2, a3, b2, b3]`
        #[inline(always)]
        pub fn concat_high(a: Self, b: Self) -> Self {
            Self([a.0[2], a.0[3], b.0[2], b.0[3]])
        }
        #[inline(always)]
        pub fn any_le(self, threshold: f32) -> bool {
            let a = self.0;
            (a[0] <= threshold) | (a[1] <= threshold) | (a[2] <= threshold) | (a[3] <= threshold)
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }
}

use lanes::F4;

/// A query held in four vector registers for the whole scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Query([F4; 4]);

/// Four squared distances, one per row of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dist4(F4);

impl Query {
    pub fn new(query: &Row) -> Self {
        Self([
            F4::load(query, 0),
            F4::load(query, 4),
            F4::load(query, 8),
            F4::load(query, 12),
        ])
    }

    /// Per-lane partial sums of the row at `values[at..at + 16]`: lane `l` holds the squares of
    /// lanes `l`, `l + 4`, `l + 8`, `l + 12`, added in that order.
    #[inline(always)]
    fn partial(&self, values: &[f32], at: usize) -> F4 {
        let d0 = F4::load(values, at).sub(self.0[0]);
        let d1 = F4::load(values, at + 4).sub(self.0[1]);
        let d2 = F4::load(values, at + 8).sub(self.0[2]);
        let d3 = F4::load(values, at + 12).sub(self.0[3]);
        d0.mul(d0).add(d1.mul(d1)).add(d2.mul(d2)).add(d3.mul(d3))
    }

    /// Distances to the four rows of `block`.
    #[inline(always)]
    pub fn dist2_x4(&self, block: &[f32; BLOCK_VALUES]) -> Dist4 {
        // Explicit calls rather than `array::map`, which LLVM does not always inline.
        let (a, b) = (self.partial(block, 0), self.partial(block, 16));
        let (c, d) = (self.partial(block, 32), self.partial(block, 48));
        // Transpose-and-add: lane r of the result is row r's (p0 + p2) + (p1 + p3).
        let ab = F4::interleave_low(a, b).add(F4::interleave_high(a, b));
        let cd = F4::interleave_low(c, d).add(F4::interleave_high(c, d));
        Dist4(F4::concat_low(ab, cd).add(F4::concat_high(ab, cd)))
    }

    /// Distance to one row (the tail of a matrix whose rows do not fill a last block).
    #[inline]
    pub fn dist2(&self, row: &Row) -> f32 {
        let [p0, p1, p2, p3] = self.partial(row, 0).to_array();
        (p0 + p2) + (p1 + p3)
    }
}

impl Dist4 {
    /// Whether any of the four distances is at most `threshold`: one compare for four rows.
    #[inline(always)]
    pub fn any_le(self, threshold: f32) -> bool {
        self.0.any_le(threshold)
    }

    #[inline(always)]
    pub fn to_array(self) -> [f32; 4] {
        self.0.to_array()
    }
}

/// The kernel's sum one value at a time: any length, and the reference the kernel is tested
/// against (the order is the one [`crate::nearest::dist2`] documents).
pub(crate) fn dist2_scalar(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let d = x - y;
        acc[i % 4] += d * d;
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist2(a: &[f32], b: &[f32]) -> f32 {
        dist2_scalar(a, b)
    }

    fn row(seed: u32) -> Row {
        // A cheap deterministic spread of values with mixed signs and magnitudes.
        std::array::from_fn(|i| {
            ((seed.wrapping_mul(2_654_435_761) >> (i % 16)) % 1000) as f32 / 97.0 - 5.0
        })
    }

    #[test]
    fn block_and_single_row_match_the_scalar_order_bit_for_bit() {
        for s in 0..2_000u32 {
            let query = row(s.wrapping_mul(5) + 7);
            let q = Query::new(&query);
            let rows: Vec<f32> = (0..4).flat_map(|r| row(s * 4 + r + 10_000)).collect();
            let block: &[f32; BLOCK_VALUES] = rows.as_slice().try_into().unwrap();
            let got = q.dist2_x4(block).to_array();
            for (r, chunk) in rows.chunks_exact(SCALED_STRIDE).enumerate() {
                let want = dist2(chunk, &query);
                assert_eq!(got[r].to_bits(), want.to_bits(), "block {s}, row {r}");
                let single = q.dist2(chunk.try_into().unwrap());
                assert_eq!(single.to_bits(), want.to_bits(), "block {s}, row {r}");
            }
            let min = got.iter().copied().fold(f32::INFINITY, f32::min);
            assert!(q.dist2_x4(block).any_le(min));
            assert!(!q.dist2_x4(block).any_le(min * 0.5) || min == 0.0);
        }
    }
}
