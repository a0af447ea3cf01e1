//! `popular`: the most popular tracks, whatever the seeds. The baseline every method must beat.

use super::Query;
use crate::TrackIdx;

/// Popularity as the score; tracks of unknown popularity rank after every known one.
pub(crate) fn score(query: &Query, scores: &mut [f32]) {
    for (t, (score, popularity)) in scores.iter_mut().zip(&query.catalog.popularity).enumerate() {
        if query.allowed(TrackIdx(t as u32)) {
            *score = popularity.map_or(-1.0, f32::from);
        }
    }
}
