//! `knn` (design 4): each seed's nearest neighbours in the standardized audio features plus
//! artist identity, merged round-robin across the seeds.

use super::Query;
use crate::TrackIdx;
use crate::catalog::SCALED_STRIDE;
use crate::nearest::{Neighbour, dist2, exact_top_k};

/// Artist identity as one more dimension: a track by another artist than the seed's is this far
/// (squared, in standard deviations) further away. Two deviations keep a seed's own artist first
/// unless the sound differs a lot.
const OTHER_ARTIST_DIST2: f32 = 4.0;

pub(crate) fn score(query: &Query, scores: &mut [f32]) {
    let catalog = query.catalog;
    // Each seed lists a whole pool: seeds' neighbourhoods overlap, and the scan costs the same.
    let per_seed = query.pool;
    let lists: Vec<Vec<Neighbour>> = query
        .seeds
        .iter()
        .map(|&seed| {
            let row = catalog.scaled_row(seed);
            let artists = catalog.track_artists.row(seed.get());
            let shares_artist = |t: TrackIdx| {
                catalog
                    .track_artists
                    .row(t.get())
                    .iter()
                    .any(|a| artists.contains(a))
            };
            // The best `per_seed` under the artist-aware distance are among the best `per_seed`
            // by sound alone plus every track of the seed's artists.
            let mut list: Vec<Neighbour> =
                exact_top_k(&catalog.scaled, SCALED_STRIDE, row, per_seed, |t| {
                    !query.allowed(t)
                })
                .into_iter()
                .filter(|n| !shares_artist(n.track))
                .map(|n| Neighbour {
                    track: n.track,
                    dist2: n.dist2 + OTHER_ARTIST_DIST2,
                })
                .collect();
            let mut same: Vec<TrackIdx> = artists
                .iter()
                .flat_map(|&a| query.index.artist(a))
                .filter(|&t| query.allowed(t))
                .collect();
            same.sort_unstable();
            same.dedup();
            list.extend(same.into_iter().map(|t| Neighbour {
                track: t,
                dist2: dist2(row, catalog.scaled_row(t)),
            }));
            list.sort_unstable();
            list.truncate(per_seed);
            list
        })
        .collect();
    let mut position = 0usize;
    for round in 0..per_seed {
        for list in &lists {
            if let Some(n) = list.get(round)
                && scores[n.track.get()] == f32::NEG_INFINITY
            {
                scores[n.track.get()] = -(position as f32);
                position += 1;
            }
        }
    }
}
