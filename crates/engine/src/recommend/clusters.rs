//! `clusters` (design 3): the catalog's k-means clusters over standardized features. Each cluster
//! gets a share of the list equal to the seeds' share in it; within a cluster, the tracks closest
//! to the mean of that cluster's seeds come first.

use std::collections::BTreeMap;

use super::Query;
use crate::catalog::SCALED_STRIDE;
use crate::nearest::exact_top_k;

pub(crate) fn score(query: &Query, scores: &mut [f32]) {
    let catalog = query.catalog;
    // Seeds per cluster, in cluster order so the result does not depend on seed order.
    let mut groups: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for &s in query.seeds {
        if let Some(&c) = catalog.clusters.get(s.get()) {
            groups.entry(c).or_default().push(s.get());
        }
    }
    let n_seeds = query.seeds.len() as f32;
    for (&cluster, members) in &groups {
        let mut centre = [0.0f32; SCALED_STRIDE];
        for &s in members {
            for (c, x) in centre
                .iter_mut()
                .zip(catalog.scaled_row(crate::TrackIdx(s as u32)))
            {
                *c += x / members.len() as f32;
            }
        }
        let share = members.len() as f32 / n_seeds;
        let quota = ((query.pool as f32 * share).ceil() as usize).max(1);
        let ranked = exact_top_k(&catalog.scaled, SCALED_STRIDE, &centre, quota, |t| {
            catalog.clusters.get(t.get()) != Some(&cluster) || !query.allowed(t)
        });
        // Interleave the clusters in proportion to their shares: the r-th track of a cluster with
        // share s sits at list position about r / s.
        for (rank, n) in ranked.iter().enumerate() {
            scores[n.track.get()] = -((rank as f32 + 0.5) / share);
        }
    }
}
