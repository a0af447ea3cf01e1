//! Fitting blend's weights to real playlist continuations: a linear LambdaRank (Burges, "From
//! RankNet to LambdaRank to LambdaMART", 2010) over each candidate's signals.
//!
//! Each training list is one playlist's candidates (blend's best few hundred for its seeds) with
//! their signals and whether each is held out. Every (held out, not held out) pair pulls on the
//! weights with RankNet's logistic gradient on their score difference, scaled by how much NDCG
//! would change if the two swapped places in the current ranking (`|ΔNDCG|`): a pair deep in the
//! list, which NDCG@50 never sees, hardly counts. Each list is normalized by its ideal DCG, plus
//! an L2 penalty. Signals are standardized for the descent and the weights mapped back, so the
//! result applies to raw signals (a constant shift changes no ranking). Full-batch Adam,
//! deterministic.
//!
//! It learns only generic weights, one per signal: nothing about any track, artist, album or
//! genre, which is what may ship.

use super::Signal;
use crate::eval::ndcg_at;

/// One playlist's candidates for training.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingList {
    /// Each candidate's signals, in [`Signal::ALL`] order.
    pub signals: Vec<[f32; Signal::COUNT]>,
    /// Per candidate, whether it is held out (relevant).
    pub relevant: Vec<bool>,
    /// How many tracks are relevant in all, in the list or not (for NDCG's ideal).
    pub n_relevant: usize,
}

/// A list's standardized candidates: the relevant ones, then the others.
type Split = (Vec<[f64; Signal::COUNT]>, Vec<[f64; Signal::COUNT]>);

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    pub iterations: usize,
    pub learning_rate: f64,
    /// L2 penalty on the standardized weights.
    pub l2: f64,
    /// The depth of the NDCG the fit aims at.
    pub depth: usize,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            iterations: 300,
            learning_rate: 0.05,
            l2: 1e-3,
            depth: crate::eval::DEPTH,
        }
    }
}

/// The weights (in [`Signal::ALL`] order, for raw signals) that rank each list's relevant
/// candidates above the others, starting from `start` (best: the weights that ranked the lists).
/// Lists without a relevant candidate, or with nothing else, teach nothing and are skipped; with
/// none left the weights are zero.
pub fn fit(
    lists: &[TrainingList],
    config: &FitConfig,
    start: &[f32; Signal::COUNT],
) -> [f32; Signal::COUNT] {
    const N: usize = Signal::COUNT;
    let (mean, scale) = standardizer(lists);
    let standardized: Vec<Split> = lists
        .iter()
        .map(|list| {
            let mut pos = Vec::new();
            let mut neg = Vec::new();
            for (x, &r) in list.signals.iter().zip(&list.relevant) {
                let z: [f64; N] = std::array::from_fn(|i| (f64::from(x[i]) - mean[i]) / scale[i]);
                if r { pos.push(z) } else { neg.push(z) }
            }
            (pos, neg)
        })
        .filter(|(pos, neg)| !pos.is_empty() && !neg.is_empty())
        .collect();
    let depth = config.depth;
    let ideals: Vec<f64> = lists
        .iter()
        .filter(|l| l.relevant.iter().any(|&r| r) && l.relevant.iter().any(|&r| !r))
        .map(|l| {
            (0..l.n_relevant.min(depth))
                .map(|i| 1.0 / ((i + 2) as f64).log2())
                .sum::<f64>()
                .max(1e-9)
        })
        .collect();
    // Start from the weights that ranked the lists (all zero would tie every pair, and no swap of
    // ties changes NDCG).
    let mut w: [f64; N] = std::array::from_fn(|i| f64::from(start[i]) * scale[i]);
    if standardized.is_empty() {
        return [0.0; N];
    }
    // Adam (Kingma and Ba 2015) with its usual betas.
    let (beta1, beta2, eps) = (0.9, 0.999, 1e-8);
    let mut m = [0.0f64; N];
    let mut v = [0.0f64; N];
    let n_lists = standardized.len() as f64;
    let gain = |rank: usize| {
        if rank < depth {
            1.0 / ((rank + 2) as f64).log2()
        } else {
            0.0
        }
    };
    for step in 1..=config.iterations {
        let mut grad = [0.0f64; N];
        for (list, (pos, neg)) in standardized.iter().enumerate() {
            let pos_scores: Vec<f64> = pos.iter().map(|z| dot(&w, z)).collect();
            let neg_scores: Vec<f64> = neg.iter().map(|z| dot(&w, z)).collect();
            // Each candidate's place in the current ranking: how many score higher.
            let mut all: Vec<f64> = pos_scores.iter().chain(&neg_scores).copied().collect();
            all.sort_by(|a, b| b.total_cmp(a));
            let rank = |s: f64| all.partition_point(|&x| x > s);
            let neg_gains: Vec<f64> = neg_scores.iter().map(|&s| gain(rank(s))).collect();
            let ideal = ideals[list];
            for (p, &sp) in pos.iter().zip(&pos_scores) {
                let gp = gain(rank(sp));
                for ((n, &sn), &gn) in neg.iter().zip(&neg_scores).zip(&neg_gains) {
                    let delta = (gp - gn).abs() / ideal;
                    if delta == 0.0 {
                        continue;
                    }
                    // d/dw ln(1 + exp(-(sp - sn))) = -sigmoid(sn - sp) * (p - n).
                    let g = delta / (1.0 + (sp - sn).exp());
                    for i in 0..N {
                        grad[i] -= g * (p[i] - n[i]);
                    }
                }
            }
        }
        for i in 0..N {
            let g = grad[i] / n_lists + 2.0 * config.l2 * w[i];
            m[i] = beta1 * m[i] + (1.0 - beta1) * g;
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
            let m_hat = m[i] / (1.0 - beta1.powi(step as i32));
            let v_hat = v[i] / (1.0 - beta2.powi(step as i32));
            w[i] -= config.learning_rate * m_hat / (v_hat.sqrt() + eps);
        }
    }
    std::array::from_fn(|i| (w[i] / scale[i]) as f32)
}

/// Mean NDCG@`depth` of the lists re-ranked by `weights` (ties by list order).
pub fn mean_ndcg(lists: &[TrainingList], weights: &[f32; Signal::COUNT], depth: usize) -> f64 {
    if lists.is_empty() {
        return 0.0;
    }
    let total: f64 = lists
        .iter()
        .map(|list| {
            let mut order: Vec<(f32, usize)> = list
                .signals
                .iter()
                .enumerate()
                .map(|(i, x)| (x.iter().zip(weights).map(|(a, b)| a * b).sum(), i))
                .collect();
            order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let ranked: Vec<usize> = order.iter().map(|&(_, i)| i).collect();
            // Relevant candidates are ids 0..; the ones outside the list are ids past it.
            let relevant: std::collections::HashSet<usize> = list
                .relevant
                .iter()
                .enumerate()
                .filter(|(_, r)| **r)
                .map(|(i, _)| i)
                .chain(list.signals.len()..)
                .take(list.n_relevant)
                .collect();
            ndcg_at(&ranked, &relevant, depth)
        })
        .sum();
    total / lists.len() as f64
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Per signal, the mean and standard deviation over every candidate (1 for a constant signal).
fn standardizer(lists: &[TrainingList]) -> ([f64; Signal::COUNT], [f64; Signal::COUNT]) {
    const N: usize = Signal::COUNT;
    let mut sum = [0.0f64; N];
    let mut sum2 = [0.0f64; N];
    let mut n = 0.0f64;
    for x in lists.iter().flat_map(|l| &l.signals) {
        for i in 0..N {
            sum[i] += f64::from(x[i]);
            sum2[i] += f64::from(x[i]).powi(2);
        }
        n += 1.0;
    }
    let n = n.max(1.0);
    let mean: [f64; N] = std::array::from_fn(|i| sum[i] / n);
    let scale = std::array::from_fn(|i| {
        let var = sum2[i] / n - mean[i] * mean[i];
        if var > 1e-12 { var.sqrt() } else { 1.0 }
    });
    (mean, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

    /// Lists where a track is relevant when `2 * signal 0 + signal 2` is high; the other
    /// signals are noise.
    fn lists(seed: u64) -> Vec<TrainingList> {
        let mut rng = SeededRng::new(seed);
        (0..60)
            .map(|_| {
                let signals: Vec<[f32; Signal::COUNT]> = (0..80)
                    .map(|_| std::array::from_fn(|_| rng.normal() as f32))
                    .collect();
                let relevant: Vec<bool> = signals.iter().map(|x| 2.0 * x[0] + x[2] > 2.5).collect();
                let n_relevant = relevant.iter().filter(|r| **r).count();
                TrainingList {
                    signals,
                    relevant,
                    n_relevant,
                }
            })
            .collect()
    }

    #[test]
    fn it_learns_which_signals_make_a_track_relevant() {
        let train = lists(1);
        let w = fit(&train, &FitConfig::default(), &[0.1; Signal::COUNT]);
        // The direction of (2, 0, 1, 0, ...): the signals that matter, in their ratio.
        assert!(w[0] > 0.0 && w[2] > 0.0, "{w:?}");
        let ratio = w[0] / w[2];
        assert!((1.5..2.7).contains(&ratio), "{w:?}");
        for (i, &x) in w.iter().enumerate().filter(|(i, _)| ![0, 2].contains(i)) {
            assert!(x.abs() < 0.25 * w[0], "signal {i} is noise: {w:?}");
        }
        // On lists it never saw, it ranks far better than zero weights (list order).
        let test = lists(2);
        let learned = mean_ndcg(&test, &w, 10);
        let none = mean_ndcg(&test, &[0.0; Signal::COUNT], 10);
        assert!(learned > 0.9 && none < 0.5, "{learned} vs {none}");
    }

    #[test]
    fn ndcg_counts_the_relevant_tracks_outside_the_list_as_missed() {
        let list = TrainingList {
            signals: vec![[1.0; Signal::COUNT], [0.0; Signal::COUNT]],
            relevant: vec![true, false],
            n_relevant: 2,
        };
        let ones = [1.0; Signal::COUNT];
        let expected = 1.0 / (1.0 + 1.0 / 3f64.log2());
        assert!((mean_ndcg(&[list], &ones, 50) - expected).abs() < 1e-9);
    }

    #[test]
    fn lists_that_teach_nothing_give_zero_weights() {
        let list = TrainingList {
            signals: vec![[1.0; Signal::COUNT]],
            relevant: vec![false],
            n_relevant: 3,
        };
        assert_eq!(
            fit(&[list], &FitConfig::default(), &[1.0; Signal::COUNT]),
            [0.0; Signal::COUNT]
        );
    }
}
