//! `classifier` (design 1): logistic regression trained at request time on the seeds (positives)
//! against a random sample of the catalog (negatives), over the standardized audio features and
//! popularity; the catalog ranked by the learned log-odds.
//!
//! The original design used a grid-searched random forest; a regularized linear model is the
//! honest small version that trains in milliseconds in the browser.

use super::Query;
use crate::seeded::SeededRng;
use crate::{Feature, TrackIdx};

/// Inputs per track: the audio features, popularity, and whether popularity is unknown.
const N_INPUTS: usize = Feature::COUNT + 2;
/// Negatives per positive, within the bounds below.
const NEGATIVES_PER_SEED: usize = 10;
const MIN_NEGATIVES: usize = 200;
const MAX_NEGATIVES: usize = 2_000;
/// Seeds trained on, at most (a seeded sample of a larger library).
const MAX_POSITIVES: usize = 2_000;
const EPOCHS: usize = 300;
const LEARNING_RATE: f32 = 0.5;
const L2: f32 = 1e-3;

fn inputs(query: &Query, track: TrackIdx) -> [f32; N_INPUTS] {
    let mut x = [0.0; N_INPUTS];
    for (xi, z) in x.iter_mut().zip(query.catalog.scaled_row(track)) {
        // Clamped so a few extreme rows cannot dominate the gradient.
        *xi = z.clamp(-5.0, 5.0);
    }
    match query.catalog.popularity.get(track.get()).copied().flatten() {
        Some(p) => x[Feature::COUNT] = f32::from(p) / 50.0 - 1.0,
        None => x[Feature::COUNT + 1] = 1.0,
    }
    x
}

/// A seed for the samples that depends only on the set of seeds (FNV-1a over the sorted
/// indices), so the same request always trains the same model.
fn sample_seed(sorted_seeds: &[TrackIdx]) -> u64 {
    sorted_seeds
        .iter()
        .flat_map(|t| t.0.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

pub(crate) fn score(query: &Query, scores: &mut [f32]) {
    let n_tracks = query.catalog.n_tracks();
    let mut sorted_seeds = query.seeds.to_vec();
    sorted_seeds.sort_unstable();
    let mut rng = SeededRng::new(sample_seed(&sorted_seeds));
    // A large library trains on a seeded sample of its tracks: the loss is class-balanced, so
    // the sample estimates the same gradient, and training stays a few milliseconds.
    let positives: Vec<[f32; N_INPUTS]> = if query.seeds.len() > MAX_POSITIVES {
        rng.sample_indices(query.seeds.len(), MAX_POSITIVES)
            .into_iter()
            .map(|i| inputs(query, query.seeds[i]))
            .collect()
    } else {
        query.seeds.iter().map(|&s| inputs(query, s)).collect()
    };
    let n_negatives = (positives.len() * NEGATIVES_PER_SEED).clamp(MIN_NEGATIVES, MAX_NEGATIVES);
    let negatives: Vec<[f32; N_INPUTS]> = rng
        .sample_indices(n_tracks, n_negatives)
        .into_iter()
        .map(|t| TrackIdx(t as u32))
        .filter(|t| sorted_seeds.binary_search(t).is_err())
        .map(|t| inputs(query, t))
        .collect();
    let (weights, bias) = train(&positives, &negatives);
    for (t, score) in scores.iter_mut().enumerate() {
        let track = TrackIdx(t as u32);
        if query.allowed(track) {
            let x = inputs(query, track);
            *score = bias + weights.iter().zip(&x).map(|(w, x)| w * x).sum::<f32>();
        }
    }
}

/// Full-batch gradient descent on the class-balanced, L2-regularized logistic loss.
fn train(positives: &[[f32; N_INPUTS]], negatives: &[[f32; N_INPUTS]]) -> ([f32; N_INPUTS], f32) {
    let mut w = [0.0f32; N_INPUTS];
    let mut b = 0.0f32;
    // Each class carries half the loss, however many examples it has.
    let classes = [(positives, 1.0f32), (negatives, 0.0f32)];
    for _ in 0..EPOCHS {
        let mut grad_w = [0.0f32; N_INPUTS];
        let mut grad_b = 0.0f32;
        for (examples, label) in classes {
            if examples.is_empty() {
                continue;
            }
            let weight = 0.5 / examples.len() as f32;
            for x in examples {
                let logit = b + w.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
                let error = (1.0 / (1.0 + (-logit).exp()) - label) * weight;
                for (g, xi) in grad_w.iter_mut().zip(x) {
                    *g += error * xi;
                }
                grad_b += error;
            }
        }
        for (wi, g) in w.iter_mut().zip(grad_w) {
            *wi -= LEARNING_RATE * (g + L2 * *wi);
        }
        b -= LEARNING_RATE * grad_b;
    }
    (w, b)
}
