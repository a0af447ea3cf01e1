//! `feat`: the audio features as one plane of codes per feature, and the columns derived from
//! them on load (each track's code row, map positions, clusters).

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
#[cfg(feature = "write")]
use crate::space::feature_code;
use crate::space::{CODE_LANES, FEATURE_CODECS};

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
    // the code rows are laid out (`Decoded::derive`); neither raw nor scaled values are kept.
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

/// Rows per block of [`Decoded::derive`]: a block's codes (64 KiB) and scaled rows (256 KiB)
/// stay in cache while each feature plane is written into them.
const DERIVE_BLOCK: usize = 4096;

impl Decoded {
    /// Tracks `from..to` of the feature codes, map projection and clusters, computed from the
    /// feature planes with the stored scaler, PCA axes and centroids by the same code the builder
    /// ran: the map and the clusters read each track's scaled row, decoded from its codes
    /// ([`CodeSpace::decode`](crate::space::CodeSpace::decode)), a block at a time.
    pub(in crate::catalog::format) fn derive(&mut self, planes: &[u8], from: usize, to: usize) {
        let n = self.n;
        let c = &mut self.catalog;
        if from == 0 {
            c.codes.reserve_exact(n);
            c.projection.reserve_exact(n);
            c.clusters.reserve_exact(n);
        }
        // Zeroed a step at a time (the unused lanes stay zero), while the rows are in cache.
        c.codes.resize(to, [0; SCALED_STRIDE]);
        for start in (from..to).step_by(DERIVE_BLOCK) {
            let end = (start + DERIVE_BLOCK).min(to);
            let block = &mut c.codes[start..end];
            for (f, codec) in FEATURE_CODECS.iter().enumerate() {
                let plane = &planes[PLANE_STARTS[f] * n..];
                let codes = &plane[start..end];
                if codec.bits == 16 {
                    let low = &plane[n + start..n + end];
                    for ((row, &high), &low) in block.iter_mut().zip(codes).zip(low) {
                        row[12..14].copy_from_slice(&[low, high]);
                    }
                } else {
                    let lane = CODE_LANES[f];
                    for (row, &code) in block.iter_mut().zip(codes) {
                        row[lane] = code;
                    }
                }
            }
            let rows = &mut self.block_rows;
            rows.clear();
            rows.extend(block.iter().flat_map(|codes| c.space.decode(codes)));
            c.projection.extend(c.map.project_all(rows, SCALED_STRIDE));
            c.clusters
                .extend(kmeans::assign(rows, SCALED_STRIDE, &c.kmeans.centroids));
        }
        if to == n {
            self.block_rows = Vec::new();
        }
    }
}

#[cfg(feature = "write")]
pub(super) fn write_feat(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let mut w = Writer::default();
    for (f, codec) in FEATURE_CODECS.iter().enumerate() {
        let codes: Vec<u16> = c.codes.iter().map(|row| feature_code(row, f)).collect();
        w.plane(&codes, codec.bits == 16);
    }
    Ok(w.0)
}
