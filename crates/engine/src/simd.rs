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
use crate::space::{CodeRow, SCALED_STRIDE, code_lanes};

/// Rows per kernel step.
pub(crate) const BLOCK_ROWS: usize = 4;
/// Values per kernel step: four rows of [`SCALED_STRIDE`].
pub(crate) const BLOCK_VALUES: usize = BLOCK_ROWS * SCALED_STRIDE;

/// Four `f32` lanes: a `v128` under wasm `simd128`, an SSE register on x86-64, a plain array
/// elsewhere. The kernel below is written once against these few operations.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::{
        f32x4, f32x4_add, f32x4_convert_i32x4, f32x4_extract_lane, f32x4_le, f32x4_mul, f32x4_pmax,
        f32x4_splat, f32x4_sub, i32x4_shuffle, u16x8_extend_high_u8x16, u16x8_extend_low_u8x16,
        u32x4, u32x4_extend_high_u16x8, u32x4_extend_low_u16x8, v128, v128_and, v128_any_true,
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
        /// The lanes of a code row (see [`crate::space::code_lanes`]), widened from one load.
        #[inline(always)]
        pub fn from_codes(c: &[u8; 16]) -> [Self; 4] {
            // Four consecutive 32-bit loads, which LLVM folds into one `v128.load` (sixteen byte
            // lanes it would load one at a time).
            let word = |at: usize| u32::from_le_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]]);
            let v = u32x4(word(0), word(4), word(8), word(12));
            let (low, high) = (u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v));
            // The 16-bit code is the last 32-bit lane of the row's bytes, the lanes before it zero.
            let wide = v128_and(v, u32x4(0, 0, 0, 0xFFFF));
            [
                Self(f32x4_convert_i32x4(u32x4_extend_low_u16x8(low))),
                Self(f32x4_convert_i32x4(u32x4_extend_high_u16x8(low))),
                Self(f32x4_convert_i32x4(u32x4_extend_low_u16x8(high))),
                Self(f32x4_convert_i32x4(wide)),
            ]
        }
        /// Lane-wise maximum (the operands are never NaN).
        #[inline(always)]
        pub fn max(self, other: Self) -> Self {
            Self(f32x4_pmax(self.0, other.0))
        }
        #[inline(always)]
        pub fn zero() -> Self {
            Self(f32x4_splat(0.0))
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
        /// The lanes of a code row (see [`crate::space::code_lanes`]), converted in place so
        /// that LLVM widens them with a few vector instructions.
        #[inline(always)]
        pub fn from_codes(c: &[u8; 16]) -> [Self; 4] {
            // Written out: `array::from_fn` and `array::map` are not always inlined.
            let f = |i: usize| f32::from(c[i]);
            let wide = f32::from(u16::from_le_bytes([c[12], c[13]]));
            [
                Self([f(0), f(1), f(2), f(3)]),
                Self([f(4), f(5), f(6), f(7)]),
                Self([f(8), f(9), f(10), f(11)]),
                Self([0.0, 0.0, 0.0, wide]),
            ]
        }
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            let max = |x: f32, y: f32| if x < y { y } else { x };
            Self([
                max(a[0], b[0]),
                max(a[1], b[1]),
                max(a[2], b[2]),
                max(a[3], b[3]),
            ])
        }
        #[inline(always)]
        pub fn zero() -> Self {
            Self([0.0; 4])
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
        Dist4::sum_partials(a, b, c, d)
    }

    /// Distance to one row (the tail of a matrix whose rows do not fill a last block).
    #[inline]
    pub fn dist2(&self, row: &Row) -> f32 {
        sum_partial(self.partial(row, 0))
    }
}

/// Row `r`'s distance from its per-lane partial sums: `(p0 + p2) + (p1 + p3)`.
#[inline(always)]
fn sum_partial(partial: F4) -> f32 {
    let [p0, p1, p2, p3] = partial.to_array();
    (p0 + p2) + (p1 + p3)
}

/// A query in the code domain ([`crate::space::CodeSpace`]): its lanes in code units and the
/// per-lane weights, in eight vector registers for the whole scan. Its distance to a code row is
/// `sum w (c - q)^2`, each term `((c - q) * (c - q)) * w`, summed in the order of
/// [`crate::nearest::dist2`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeQuery {
    at: [F4; 4],
    weights: [F4; 4],
}

impl CodeQuery {
    pub fn new(query: &Row, weights: &Row) -> Self {
        let four = |row: &Row| [0, 4, 8, 12].map(|at| F4::load(row, at));
        Self {
            at: four(query),
            weights: four(weights),
        }
    }

    /// Per-lane partial sums of the weighted squares of `gaps` (code lanes minus the query).
    #[inline(always)]
    fn weighted(&self, gaps: [F4; 4]) -> F4 {
        let [d0, d1, d2, d3] = gaps;
        let [w0, w1, w2, w3] = self.weights;
        d0.mul(d0)
            .mul(w0)
            .add(d1.mul(d1).mul(w1))
            .add(d2.mul(d2).mul(w2))
            .add(d3.mul(d3).mul(w3))
    }

    #[inline(always)]
    fn partial(&self, codes: &CodeRow) -> F4 {
        let [c0, c1, c2, c3] = F4::from_codes(codes);
        let [q0, q1, q2, q3] = self.at;
        self.weighted([c0.sub(q0), c1.sub(q1), c2.sub(q2), c3.sub(q3)])
    }

    /// Distances to four code rows.
    #[inline(always)]
    pub fn dist2_x4(&self, block: &[CodeRow; BLOCK_ROWS]) -> Dist4 {
        let (a, b) = (self.partial(&block[0]), self.partial(&block[1]));
        let (c, d) = (self.partial(&block[2]), self.partial(&block[3]));
        Dist4::sum_partials(a, b, c, d)
    }

    /// Distance to one code row.
    #[inline]
    pub fn dist2(&self, codes: &CodeRow) -> f32 {
        sum_partial(self.partial(codes))
    }

    /// A lower bound of [`CodeQuery::dist2`] over every code row whose lanes lie within
    /// `low..=high` lane by lane (a box given as two code rows), bit for bit: per lane the gap
    /// to the box is at most `|c - q|` in floating point too (subtraction rounds
    /// monotonically), and every later operation is monotonic in it, in the same order.
    #[inline(always)]
    pub fn box_dist2(&self, low: &CodeRow, high: &CodeRow) -> f32 {
        let (low, high) = (F4::from_codes(low), F4::from_codes(high));
        let gap = |k: usize| {
            let below = low[k].sub(self.at[k]);
            let above = self.at[k].sub(high[k]);
            below.max(above).max(F4::zero())
        };
        sum_partial(self.weighted([gap(0), gap(1), gap(2), gap(3)]))
    }
}

impl Dist4 {
    /// Transpose-and-add of four rows' partial sums: lane `r` of the result is row `r`'s
    /// `(p0 + p2) + (p1 + p3)`.
    #[inline(always)]
    fn sum_partials(a: F4, b: F4, c: F4, d: F4) -> Self {
        let ab = F4::interleave_low(a, b).add(F4::interleave_high(a, b));
        let cd = F4::interleave_low(c, d).add(F4::interleave_high(c, d));
        Dist4(F4::concat_low(ab, cd).add(F4::concat_high(ab, cd)))
    }

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

/// [`CodeQuery::dist2`] one lane at a time: the reference the kernel is tested against.
pub(crate) fn code_dist2_scalar(query: &Row, weights: &Row, codes: &CodeRow) -> f32 {
    let mut acc = [0.0f32; 4];
    for (i, ((c, q), w)) in code_lanes(codes).iter().zip(query).zip(weights).enumerate() {
        let d = c - q;
        acc[i % 4] += (d * d) * w;
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

    #[test]
    fn code_kernel_and_box_bound_match_the_scalar_order_bit_for_bit() {
        let codes = |seed: u32| -> CodeRow {
            let mut c: CodeRow =
                std::array::from_fn(|i| (seed.wrapping_mul(2_654_435_761) >> (i % 24)) as u8);
            c[14] = 0;
            c[15] = 0;
            c
        };
        for s in 0..2_000u32 {
            let query = row(s.wrapping_mul(3) + 1).map(|x| x * 40.0 + 100.0);
            let weights = row(s + 99).map(|x| (x + 5.0) * 1e-3);
            let q = CodeQuery::new(&query, &weights);
            let block: [CodeRow; BLOCK_ROWS] = std::array::from_fn(|r| codes(s * 4 + r as u32));
            let got = q.dist2_x4(&block).to_array();
            let (mut low, mut high) = ([u8::MAX; SCALED_STRIDE], [0; SCALED_STRIDE]);
            let (mut wide_low, mut wide_high) = (u16::MAX, 0);
            for (r, c) in block.iter().enumerate() {
                let want = code_dist2_scalar(&query, &weights, c);
                assert_eq!(got[r].to_bits(), want.to_bits(), "block {s}, row {r}");
                assert_eq!(q.dist2(c).to_bits(), want.to_bits(), "block {s}, row {r}");
                for ((l, h), &x) in low.iter_mut().zip(&mut high).zip(c) {
                    *l = (*l).min(x);
                    *h = (*h).max(x);
                }
                let wide = u16::from_le_bytes([c[12], c[13]]);
                (wide_low, wide_high) = (wide_low.min(wide), wide_high.max(wide));
            }
            low[12..14].copy_from_slice(&wide_low.to_le_bytes());
            high[12..14].copy_from_slice(&wide_high.to_le_bytes());
            let bound = q.box_dist2(&low, &high);
            assert!(got.iter().all(|&d| bound <= d), "block {s}");
            // A box around a single row bounds it exactly.
            let one = block[0];
            assert_eq!(
                q.box_dist2(&one, &one).to_bits(),
                got[0].to_bits(),
                "block {s}"
            );
        }
    }
}
