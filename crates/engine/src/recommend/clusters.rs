//! `clusters` (design 3): the catalog's k-means clusters over standardized features. Each cluster
//! gets a share of the list equal to the seeds' share in it; within a cluster, the tracks closest
//! to the mean of that cluster's seeds come first.
//!
//! Every track belongs to one cluster, so one pass over the catalog ranks all the seeds'
//! clusters at once: each track is measured against its own cluster's centre only, in the code
//! domain ([`crate::space::CodeSpace`]), reading each track's 16 bytes of codes.

use super::Query;
use crate::TrackIdx;
use crate::catalog::SCALED_STRIDE;
use crate::nearest::{Neighbour, TopK};
use crate::simd::CodeQuery;

/// One cluster the seeds fall in.
struct Group {
    seeds: Vec<TrackIdx>,
    /// The mean of its seeds.
    centre: [f32; SCALED_STRIDE],
    best: TopK,
}

pub(crate) fn score(query: &Query, scores: &mut [f32]) {
    let catalog = query.catalog;
    let cluster_of = |t: TrackIdx| catalog.clusters.get(t.get()).map(|&c| usize::from(c));
    // Indexed by cluster, so the result does not depend on seed order.
    let mut groups: Vec<Option<Group>> = Vec::new();
    for &s in query.seeds {
        let Some(c) = cluster_of(s) else { continue };
        if groups.len() <= c {
            groups.resize_with(c + 1, || None);
        }
        groups[c]
            .get_or_insert_with(|| Group {
                seeds: Vec::new(),
                centre: [0.0; SCALED_STRIDE],
                best: TopK::new(),
            })
            .seeds
            .push(s);
    }
    let n_seeds = query.seeds.len() as f32;
    for group in groups.iter_mut().flatten() {
        let n = group.seeds.len() as f32;
        for &s in &group.seeds {
            for (c, x) in group.centre.iter_mut().zip(catalog.scaled_row(s)) {
                *c += x / n;
            }
        }
        let share = n / n_seeds;
        group
            .best
            .reset(((query.pool as f32 * share).ceil() as usize).max(1));
    }
    let weights = &catalog.space.weights;
    let centres: Vec<Option<CodeQuery>> = groups
        .iter()
        .map(|g| {
            g.as_ref()
                .map(|g| CodeQuery::new(&catalog.space.lanes(&g.centre), weights))
        })
        .collect();
    for (t, codes) in catalog.codes.iter().enumerate() {
        let track = TrackIdx(t as u32);
        let Some(c) = cluster_of(track) else { continue };
        let (Some(Some(group)), Some(Some(centre))) = (groups.get_mut(c), centres.get(c)) else {
            continue;
        };
        let d = centre.dist2(codes);
        // The filter last: most tracks are already too far.
        if d <= group.best.threshold() && query.allowed(track) {
            group.best.offer(Neighbour { track, dist2: d });
        }
    }
    for group in groups.iter_mut().flatten() {
        let share = group.seeds.len() as f32 / n_seeds;
        // Interleave the clusters in proportion to their shares: the r-th track of a cluster with
        // share s sits at list position about r / s.
        for (rank, n) in group.best.finish().iter().enumerate() {
            scores[n.track.get()] = -((rank as f32 + 0.5) / share);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nearest::exact_code_top_k;
    use crate::recommend::testing::synthetic;
    use crate::recommend::{Options, index::Index};
    use crate::seeded::SeededRng;

    /// The design as first written: one whole-catalog ranking per cluster the seeds fall in.
    fn per_cluster_reference(query: &Query) -> Vec<(TrackIdx, f32)> {
        let catalog = query.catalog;
        let mut clusters: Vec<u16> = query
            .seeds
            .iter()
            .map(|s| catalog.clusters[s.get()])
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        let mut out = Vec::new();
        for cluster in clusters {
            let members: Vec<TrackIdx> = query
                .seeds
                .iter()
                .copied()
                .filter(|s| catalog.clusters[s.get()] == cluster)
                .collect();
            let mut centre = [0.0f32; SCALED_STRIDE];
            for &s in &members {
                for (c, x) in centre.iter_mut().zip(catalog.scaled_row(s)) {
                    *c += x / members.len() as f32;
                }
            }
            let share = members.len() as f32 / query.seeds.len() as f32;
            let quota = ((query.pool as f32 * share).ceil() as usize).max(1);
            let (lanes, weights) = (catalog.space.lanes(&centre), &catalog.space.weights);
            let ranked = exact_code_top_k(&catalog.codes, weights, &lanes, quota, |t| {
                catalog.clusters[t.get()] != cluster || !query.allowed(t)
            });
            out.extend(
                ranked
                    .iter()
                    .enumerate()
                    .map(|(rank, n)| (n.track, -((rank as f32 + 0.5) / share))),
            );
        }
        out.sort_by_key(|&(t, _)| t);
        out
    }

    #[test]
    fn one_pass_ranks_like_one_search_per_cluster() {
        let catalog = synthetic(5_000, 3);
        let index = Index::new(&catalog);
        let mut rng = SeededRng::new(11);
        for n_seeds in [1, 7, 60, 900] {
            let seeds: Vec<TrackIdx> = rng
                .sample_indices(catalog.n_tracks(), n_seeds)
                .into_iter()
                .map(|t| TrackIdx(t as u32))
                .collect();
            let options = Options {
                years: Some((0, 2015)),
                ..Options::default()
            };
            let mut blocked = vec![false; catalog.n_tracks()];
            for s in &seeds {
                blocked[s.get()] = true;
            }
            let query = Query {
                catalog: &catalog,
                index: &index,
                seeds: &seeds,
                options: &options,
                blocked: &blocked,
                pool: 200,
            };
            let mut scores = vec![f32::NEG_INFINITY; catalog.n_tracks()];
            score(&query, &mut scores);
            let got: Vec<(TrackIdx, f32)> = scores
                .iter()
                .enumerate()
                .filter(|(_, s)| s.is_finite())
                .map(|(t, &s)| (TrackIdx(t as u32), s))
                .collect();
            assert_eq!(got, per_cluster_reference(&query), "{n_seeds} seeds");
        }
    }
}
