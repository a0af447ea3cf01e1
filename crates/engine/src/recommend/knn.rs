//! `knn` (design 4): each seed's nearest neighbours in the standardized audio features plus
//! artist identity, merged round-robin across the seeds.
//!
//! Round-robin hands out positions round by round, so the first `pool` positions only need each
//! seed's first `ceil(pool / seeds) + MARGIN` neighbours, and with hundreds of seeds only the
//! seeds reached before the pool is full: lists are ranked lazily, in batches of seeds. With at
//! least twice as many seeds as the pool, one round fills it, so each seed's nearest neighbour
//! is ranked first (a search of 1 reads a third of what a search of 3 does); only if seeds
//! shared too many of them are the lists ranked again with the margin. Distances
//! are those of the code domain ([`crate::space::CodeSpace`]), where the catalog's k-d tree
//! ([`crate::nearest::CodeIndex`]) finds a seed's few nearest tracks reading a few cells of it.
//! The positions are the same as ranking every seed's whole pool (a shorter list is a prefix of
//! the longer one, ties broken by track index).

use super::Query;
use crate::TrackIdx;
use crate::nearest::{Neighbour, TopK};
use crate::simd::code_dist2_scalar;
use crate::space::code_lanes;

/// Artist identity as one more dimension: a track by another artist than the seed's is this far
/// (squared, in standard deviations) further away. Two deviations keep a seed's own artist first
/// unless the sound differs a lot.
const OTHER_ARTIST_DIST2: f32 = 4.0;
/// Added to a search's bound so that float rounding of `dist2 + OTHER_ARTIST_DIST2` never
/// leaves out a track that would enter (a looser bound only reads a little more).
const ROUNDING_MARGIN: f32 = 1e-3;
/// Neighbours per seed beyond the even share of the pool, for the overlap between seeds.
const MARGIN: usize = 2;
/// Seeds ranked in one piece of work.
const BATCH: usize = 32;

/// How far one request has got: the seeds' neighbour lists ranked so far. A request ranks them a
/// batch at a time ([`step`]), so a caller on a UI thread can yield between batches.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Neighbours per seed wanted; 0 before the first step.
    per_seed: usize,
    /// Seeds whose list is ranked (a prefix of the seeds).
    ready: usize,
    /// Per seed, its neighbours (valid for the first `ready` seeds).
    lists: Vec<Vec<Neighbour>>,
    same: Vec<TrackIdx>,
}

/// What one round-robin over the ranked lists came to.
enum Placed {
    /// The pool is placed in the scores.
    Done,
    /// The round-robin reached a seed whose list is not ranked yet.
    NeedsSeed,
    /// Short of the pool although some lists stopped at `per_seed`: longer lists may add more.
    Short,
}

/// One bounded piece of work: ranks the next batch of seeds (`false`), or places the pool into
/// `scores` (`true`, the request is answered). `scores` must hold no placement on entry.
pub(crate) fn step(query: &Query, progress: &mut Progress, scores: &mut [f32]) -> bool {
    let n_seeds = query.seeds.len();
    let target = query.pool;
    if n_seeds == 0 || target == 0 {
        return true;
    }
    let with_margin = (target.div_ceil(n_seeds) + MARGIN).min(target);
    if progress.per_seed == 0 {
        progress.per_seed = if n_seeds >= 2 * target {
            1
        } else {
            with_margin
        };
        progress.lists.resize_with(n_seeds, Vec::new);
    }
    match round_robin(query, progress, scores) {
        Placed::Done => true,
        Placed::NeedsSeed => {
            let end = (progress.ready + BATCH).min(n_seeds);
            rank_batch(query, progress.ready..end, progress);
            progress.ready = end;
            false
        }
        Placed::Short => {
            // One round fell short: the margin next. After that, straight to whole pools:
            // another short round would cost a whole pass again.
            progress.per_seed = if progress.per_seed < with_margin {
                with_margin
            } else {
                target
            };
            progress.ready = 0;
            false
        }
    }
}

/// Hands out positions round by round over the ranked lists. Anything but [`Placed::Done`]
/// leaves `scores` as it found it.
fn round_robin(query: &Query, progress: &Progress, scores: &mut [f32]) -> Placed {
    let target = query.pool;
    let per_seed = progress.per_seed;
    let mut placed: Vec<TrackIdx> = Vec::with_capacity(target);
    let mut cut_short = false;
    let outcome = 'rounds: {
        for round in 0..per_seed {
            for (i, list) in progress.lists.iter().enumerate() {
                if i >= progress.ready {
                    break 'rounds Placed::NeedsSeed;
                }
                cut_short |= list.len() == per_seed;
                if let Some(n) = list.get(round)
                    && scores[n.track.get()] == f32::NEG_INFINITY
                {
                    scores[n.track.get()] = -(placed.len() as f32);
                    placed.push(n.track);
                    if placed.len() == target {
                        break 'rounds Placed::Done;
                    }
                }
            }
        }
        if cut_short && per_seed < target {
            Placed::Short
        } else {
            Placed::Done
        }
    };
    if !matches!(outcome, Placed::Done) {
        for t in placed {
            scores[t.get()] = f32::NEG_INFINITY;
        }
    }
    outcome
}

/// Fills `progress.lists[seeds]` with each seed's `per_seed` best tracks under the artist-aware
/// distance, nearest first.
fn rank_batch(query: &Query, seeds: std::ops::Range<usize>, progress: &mut Progress) {
    let per_seed = progress.per_seed;
    let catalog = query.catalog;
    let weights = &catalog.space.weights;
    let code_index = query.index.code_index(catalog);
    let mut best = TopK::new();
    for (&seed, list) in query.seeds[seeds.clone()]
        .iter()
        .zip(&mut progress.lists[seeds])
    {
        let at = code_lanes(&catalog.codes[seed.get()]);
        let artists = catalog.track_artists.row(seed.get());
        // The seed's own artists first: when `per_seed` of their tracks are nearer than any other
        // artist's track can be, the list is complete without a search.
        progress.same.clear();
        progress.same.extend(
            artists
                .iter()
                .flat_map(|&a| query.index.artist(a))
                .filter(|&t| query.allowed(t)),
        );
        progress.same.sort_unstable();
        progress.same.dedup();
        best.reset(per_seed);
        for &t in &progress.same {
            best.offer(Neighbour {
                track: t,
                dist2: code_dist2_scalar(&at, weights, &catalog.codes[t.get()]),
            });
        }
        list.clear();
        list.extend_from_slice(best.finish());
        let complete =
            list.len() == per_seed && list.last().is_some_and(|n| n.dist2 < OTHER_ARTIST_DIST2);
        if complete {
            continue;
        }
        // The best `per_seed` under the artist-aware distance are among every track of the
        // seed's artists plus the best `per_seed` of the other artists' by sound, and of those
        // only the ones nearer than the seed's artists' `per_seed`-th less the artist's distance
        // (and a little more, for rounding): the search is bounded by it from its first cell.
        let mut merged = TopK::new();
        merged.reset(per_seed);
        for &n in list.iter() {
            merged.offer(n);
        }
        let within = merged.threshold() - OTHER_ARTIST_DIST2 + ROUNDING_MARGIN;
        let shares_artist = |t: TrackIdx| {
            catalog
                .track_artists
                .row(t.get())
                .iter()
                .any(|a| artists.contains(a))
        };
        let skip = |t: TrackIdx| !query.allowed(t) || shares_artist(t);
        let other_artists = code_index.top_k_within(&at, per_seed, within, skip, &mut best);
        for n in other_artists {
            merged.offer(Neighbour {
                track: n.track,
                dist2: n.dist2 + OTHER_ARTIST_DIST2,
            });
        }
        list.clear();
        list.extend_from_slice(merged.finish());
    }
}
