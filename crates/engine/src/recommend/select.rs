//! The selection shared by every method: from per-track scores to the final list.
//!
//! A method's best `pool` candidates are re-ranked by the listener's popularity preference and
//! feature nudges (rank-based, so every method's score scale is treated alike), then taken in
//! order under the per-artist cap. When the cap leaves the list short, the pool doubles.

use std::collections::HashMap;

use super::{Options, Query};
use crate::TrackIdx;
use crate::ranked::{Scored, best_first};

/// How far a nudge moves a track, per standard deviation asked, relative to the whole pool's
/// rank range (1.0). Scaled values are clamped to +-3 deviations first.
const NUDGE_WEIGHT: f32 = 0.5;
/// How far the popularity preference moves a track at the slider's end, relative to the pool's
/// rank range: at +-1 popularity decides as much as the method does.
const POPULARITY_WEIGHT: f32 = 1.0;

/// Candidates a list-ranking method should produce for `options`.
pub(crate) fn pool_size(options: &Options, n_tracks: usize) -> usize {
    options
        .k
        .saturating_mul(4)
        .max(options.k.saturating_add(100))
        .min(n_tracks)
}

/// The final `k` tracks with their scores, best first (equal scores by ascending track index).
pub(crate) fn select(query: &Query, scores: &[f32]) -> Vec<(TrackIdx, f32)> {
    let mut candidates: Vec<Scored> = scores
        .iter()
        .enumerate()
        .filter(|&(t, s)| s.is_finite() && query.allowed(TrackIdx(t as u32)))
        .map(|(t, &s)| (s, t as u32))
        .collect();
    let k = query.options.k;
    let mut pool = query.pool.max(k);
    loop {
        let p = pool.min(candidates.len());
        if p == 0 {
            return Vec::new();
        }
        let ranked = rerank(query, best_first(&mut candidates, p));
        let picked = cap_per_artist(query, ranked, k);
        if picked.len() >= k || p == candidates.len() {
            return picked;
        }
        pool = pool.saturating_mul(2);
    }
}

/// Re-scores a sorted pool by rank plus the popularity and nudge terms. Without preferences the
/// method's own order and scores stand.
fn rerank(query: &Query, top: &[Scored]) -> Vec<Scored> {
    let options = query.options;
    if options.popularity == 0.0 && options.nudges.iter().all(|n| n.amount == 0.0) {
        return top.to_vec();
    }
    let p = top.len() as f32;
    let mut out: Vec<Scored> = top
        .iter()
        .enumerate()
        .map(|(rank, &(_, t))| {
            let track = TrackIdx(t);
            // Unknown popularity is treated as the middle: neither a gem nor a hit.
            let popularity = query
                .catalog
                .popularity
                .get(track.get())
                .copied()
                .flatten()
                .map_or(0.5, |p| f32::from(p) / 100.0);
            let row = query.catalog.scaled_row(track);
            let nudge: f32 = options
                .nudges
                .iter()
                .map(|n| {
                    n.amount
                        * row
                            .get(n.feature.column())
                            .copied()
                            .unwrap_or(0.0)
                            .clamp(-3.0, 3.0)
                        / 3.0
                })
                .sum();
            let score = 1.0 - rank as f32 / p
                + POPULARITY_WEIGHT * options.popularity * (2.0 * popularity - 1.0)
                + NUDGE_WEIGHT * nudge;
            (score, t)
        })
        .collect();
    best_first(&mut out, top.len());
    out
}

/// The first `k` of `ranked` with at most `max_per_artist` per primary artist.
fn cap_per_artist(query: &Query, ranked: Vec<Scored>, k: usize) -> Vec<(TrackIdx, f32)> {
    let mut per_artist: HashMap<u32, usize> = HashMap::new();
    let mut picked = Vec::with_capacity(k.min(ranked.len()));
    for (score, t) in ranked {
        if picked.len() == k {
            break;
        }
        let track = TrackIdx(t);
        if let (Some(cap), Some(artist)) = (
            query.options.max_per_artist,
            query.catalog.primary_artist(track),
        ) {
            let count = per_artist.entry(artist).or_insert(0);
            if *count >= cap {
                continue;
            }
            *count += 1;
        }
        picked.push((track, score));
    }
    picked
}
