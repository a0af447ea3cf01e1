//! `feat`: the audio features as one plane of codes per feature, and the columns derived from
//! them on load (scaled rows, map positions, clusters).

use super::super::CatalogError;
use super::super::cursor::Contents;
#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::decoder::Decoded;
#[cfg(feature = "write")]
use super::Plan;
use crate::Feature;
use crate::catalog::SCALED_STRIDE;
use crate::kmeans;
use crate::space::FEATURE_CODECS;

/// Bytes per track in `feat`: one per 8-bit feature, two per 16-bit one.
const FEATURE_BYTES: usize = {
    let mut total = 0;
    let mut f = 0;
    while f < Feature::COUNT {
        total += FEATURE_CODECS[f].bits as usize / 8;
        f += 1;
    }
    total
};

pub(super) fn read_feat(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    // Every code is a valid value: only the length is checked here. The planes are read where
    // the scaled rows are computed (`Decoded::derive`); raw values are not kept.
    let mut r = contents.reader();
    r.take(d.n.saturating_mul(FEATURE_BYTES), "feature planes")?;
    r.finish()
}

/// Where each feature's plane starts in `feat`, in planes of `n` bytes (a 16-bit feature has two,
/// high bytes first).
const PLANE_STARTS: [usize; Feature::COUNT] = {
    let mut starts = [0; Feature::COUNT];
    let mut f = 1;
    while f < Feature::COUNT {
        starts[f] = starts[f - 1] + FEATURE_CODECS[f - 1].bits as usize / 8;
        f += 1;
    }
    starts
};

/// Rows per block of [`Decoded::derive`]: a block's scaled rows (256 KiB) stay in cache while
/// each feature plane is written into them.
const DERIVE_BLOCK: usize = 4096;

impl Decoded {
    /// Tracks `from..to` of the scaled matrix, map projection and clusters, computed from the
    /// feature planes with the stored scaler, PCA axes and centroids by the same code the builder
    /// ran: a code's scaled value is [`Scaler::transform_one`] of its raw value (looked up in a
    /// table for 8-bit features).
    pub(in crate::catalog::format) fn derive(&mut self, planes: &[u8], from: usize, to: usize) {
        let n = self.n;
        let c = &mut self.catalog;
        if from == 0 {
            c.scaled.reserve_exact(n * SCALED_STRIDE);
            c.projection.reserve_exact(n);
            c.clusters.reserve_exact(n);
            for (f, (table, codec)) in self.scaled_codes.iter_mut().zip(FEATURE_CODECS).enumerate()
            {
                for (code, z) in (0..).zip(table.iter_mut()) {
                    *z = c.scaler.transform_one(f, codec.dequantize(code));
                }
            }
        }
        // Zeroed a step at a time (the padding lanes stay zero), while the rows are in cache.
        c.scaled.resize(to * SCALED_STRIDE, 0.0);
        for start in (from..to).step_by(DERIVE_BLOCK) {
            let end = (start + DERIVE_BLOCK).min(to);
            let block = &mut c.scaled[start * SCALED_STRIDE..end * SCALED_STRIDE];
            for (f, codec) in FEATURE_CODECS.iter().enumerate() {
                let plane = &planes[PLANE_STARTS[f] * n..];
                let (codes, rows) = (&plane[start..end], block.chunks_exact_mut(SCALED_STRIDE));
                if codec.bits == 16 {
                    let low = &plane[n + start..n + end];
                    for ((row, &high), &low) in rows.zip(codes).zip(low) {
                        let raw = codec.dequantize(u16::from_le_bytes([low, high]));
                        row[f] = c.scaler.transform_one(f, raw);
                    }
                } else {
                    let table = &self.scaled_codes[f];
                    for (row, &code) in rows.zip(codes) {
                        row[f] = table[usize::from(code)];
                    }
                }
            }
        }
        let rows = &c.scaled[from * SCALED_STRIDE..];
        c.projection.extend(c.map.project_all(rows, SCALED_STRIDE));
        c.clusters
            .extend(kmeans::assign(rows, SCALED_STRIDE, &c.kmeans.centroids));
    }
}

#[cfg(feature = "write")]
pub(super) fn write_feat(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let raw: Vec<[f32; Feature::COUNT]> = (0..c.n_tracks())
        .map(|t| c.raw_features(crate::TrackIdx(t as u32)))
        .collect();
    let mut w = Writer::default();
    for (f, codec) in FEATURE_CODECS.iter().enumerate() {
        let codes: Vec<u16> = raw.iter().map(|row| codec.quantize(row[f])).collect();
        w.plane(&codes, codec.bits == 16);
    }
    Ok(w.0)
}
