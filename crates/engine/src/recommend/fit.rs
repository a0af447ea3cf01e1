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
//! The re-ranking network (`ranker`) is fitted the same way, by the same per-candidate LambdaRank
//! gradients pushed back through its two layers, in seeded mini-batches.
//!
//! It learns only generic weights: nothing about any track, artist, album or genre, which is
//! what may ship.

use super::Signal;
use super::ranker::{HIDDEN, N_FEATURES, Ranker};
use crate::eval::ndcg_at;
use crate::seeded::SeededRng;

/// One playlist's candidates for training.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingList<const N: usize = { Signal::COUNT }> {
    /// Each candidate's features (blend's signals first, in [`Signal::ALL`] order).
    pub signals: Vec<[f32; N]>,
    /// Per candidate, whether it is held out (relevant).
    pub relevant: Vec<bool>,
    /// How many tracks are relevant in all, in the list or not (for NDCG's ideal).
    pub n_relevant: usize,
}

impl<const N: usize> TrainingList<N> {
    /// The list with only the first `M` features of each candidate.
    pub fn truncated<const M: usize>(&self) -> TrainingList<M> {
        TrainingList {
            signals: self
                .signals
                .iter()
                .map(|x| std::array::from_fn(|i| x[i]))
                .collect(),
            relevant: self.relevant.clone(),
            n_relevant: self.n_relevant,
        }
    }
}

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

/// A list standardized for the descent, with its ideal DCG.
struct Standardized<const N: usize> {
    z: Vec<[f64; N]>,
    relevant: Vec<bool>,
    ideal: f64,
}

/// The lists that teach something (a relevant candidate and another), standardized by
/// `(mean, scale)`.
fn standardize<const N: usize>(
    lists: &[TrainingList<N>],
    mean: &[f64; N],
    scale: &[f64; N],
    depth: usize,
) -> Vec<Standardized<N>> {
    lists
        .iter()
        .filter(|l| l.relevant.iter().any(|&r| r) && l.relevant.iter().any(|&r| !r))
        .map(|l| Standardized {
            z: l.signals
                .iter()
                .map(|x| std::array::from_fn(|i| (f64::from(x[i]) - mean[i]) / scale[i]))
                .collect(),
            relevant: l.relevant.clone(),
            ideal: (0..l.n_relevant.min(depth))
                .map(|i| 1.0 / ((i + 2) as f64).log2())
                .sum::<f64>()
                .max(1e-9),
        })
        .collect()
}

/// LambdaRank's gradient of the loss with respect to each candidate's score: every (relevant,
/// other) pair pulls with RankNet's logistic gradient on their score difference, scaled by how
/// much NDCG@`depth` would change if the two swapped places (`|ΔNDCG|`, over `ideal`).
fn lambdas(scores: &[f64], relevant: &[bool], ideal: f64, depth: usize) -> Vec<f64> {
    let gain = |rank: usize| {
        if rank < depth {
            1.0 / ((rank + 2) as f64).log2()
        } else {
            0.0
        }
    };
    // Each candidate's place in the current ranking: how many score higher.
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let gains: Vec<f64> = scores
        .iter()
        .map(|&s| gain(sorted.partition_point(|&x| x > s)))
        .collect();
    let mut out = vec![0.0; scores.len()];
    for p in (0..scores.len()).filter(|&i| relevant[i]) {
        for n in (0..scores.len()).filter(|&i| !relevant[i]) {
            let delta = (gains[p] - gains[n]).abs() / ideal;
            if delta == 0.0 {
                continue;
            }
            // d/ds_p ln(1 + exp(-(s_p - s_n))) = -sigmoid(s_n - s_p).
            let g = delta / (1.0 + (scores[p] - scores[n]).exp());
            out[p] -= g;
            out[n] += g;
        }
    }
    out
}

/// Adam (Kingma and Ba 2015) with its usual betas, over a flat parameter vector.
struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
    step: i32,
    rate: f64,
}

impl Adam {
    fn new(n: usize, rate: f64) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
            step: 0,
            rate,
        }
    }

    fn update(&mut self, params: &mut [f64], grad: &[f64]) {
        let (beta1, beta2, eps) = (0.9, 0.999, 1e-8);
        self.step += 1;
        for i in 0..params.len() {
            self.m[i] = beta1 * self.m[i] + (1.0 - beta1) * grad[i];
            self.v[i] = beta2 * self.v[i] + (1.0 - beta2) * grad[i] * grad[i];
            let m_hat = self.m[i] / (1.0 - beta1.powi(self.step));
            let v_hat = self.v[i] / (1.0 - beta2.powi(self.step));
            params[i] -= self.rate * m_hat / (v_hat.sqrt() + eps);
        }
    }
}

/// The weights (in [`Signal::ALL`] order, for raw signals) that rank each list's relevant
/// candidates above the others, starting from `start` (best: the weights that ranked the lists).
/// Lists without a relevant candidate, or with nothing else, teach nothing and are skipped; with
/// none left the weights are zero.
pub fn fit<const N: usize>(
    lists: &[TrainingList<N>],
    config: &FitConfig,
    start: &[f32; N],
) -> [f32; N] {
    let (mean, scale) = standardizer(lists);
    let standardized = standardize(lists, &mean, &scale, config.depth);
    if standardized.is_empty() {
        return [0.0; N];
    }
    // Start from the weights that ranked the lists (all zero would tie every pair, and no swap of
    // ties changes NDCG).
    let mut w: Vec<f64> = (0..N).map(|i| f64::from(start[i]) * scale[i]).collect();
    let mut adam = Adam::new(N, config.learning_rate);
    let n_lists = standardized.len() as f64;
    for _ in 0..config.iterations {
        let mut grad = vec![0.0f64; N];
        for list in &standardized {
            let scores: Vec<f64> = list.z.iter().map(|z| dot(&w, z)).collect();
            let lambda = lambdas(&scores, &list.relevant, list.ideal, config.depth);
            for (z, l) in list.z.iter().zip(&lambda).filter(|(_, l)| **l != 0.0) {
                for i in 0..N {
                    grad[i] += l * z[i];
                }
            }
        }
        for i in 0..N {
            grad[i] = grad[i] / n_lists + 2.0 * config.l2 * w[i];
        }
        adam.update(&mut w, &grad);
    }
    std::array::from_fn(|i| (w[i] / scale[i]) as f32)
}

/// How to fit the re-ranking network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankerConfig {
    /// Passes over the lists.
    pub epochs: usize,
    /// Lists per step.
    pub batch: usize,
    pub learning_rate: f64,
    /// L2 penalty on the hidden and output weights.
    pub l2: f64,
    pub depth: usize,
    /// Seed of the hidden layer's initial weights and of the batches' order.
    pub seed: u64,
}

impl Default for RankerConfig {
    fn default() -> Self {
        Self {
            epochs: 30,
            batch: 64,
            learning_rate: 0.01,
            l2: 1e-3,
            depth: crate::eval::DEPTH,
            seed: 13,
        }
    }
}

/// The network's parameters, flat: hidden rows, biases, output weights, skip weights.
const N_PARAMS: usize = HIDDEN * N_FEATURES + 2 * HIDDEN + N_FEATURES;
const BIAS: usize = HIDDEN * N_FEATURES;
const OUT: usize = BIAS + HIDDEN;
const SKIP: usize = OUT + HIDDEN;

/// A network that ranks each list's relevant candidates first, trained by LambdaRank with
/// mini-batches; its skip weights start at `start`, the linear weights of blend's signals (which
/// ranked the lists), so it starts where the linear stage stands.
pub fn fit_ranker(
    lists: &[TrainingList<N_FEATURES>],
    config: &RankerConfig,
    start: &[f32; Signal::COUNT],
) -> Ranker {
    let (mean, scale) = standardizer(lists);
    let standardized = standardize(lists, &mean, &scale, config.depth);
    let mut rng = SeededRng::new(config.seed);
    let mut params = vec![0.0f64; N_PARAMS];
    let init = (2.0 / N_FEATURES as f64).sqrt();
    for p in &mut params[..BIAS] {
        *p = init * rng.normal();
    }
    for p in &mut params[OUT..SKIP] {
        *p = 0.1 * rng.normal();
    }
    for i in 0..Signal::COUNT {
        params[SKIP + i] = f64::from(start[i]) * scale[i];
    }
    let mut adam = Adam::new(N_PARAMS, config.learning_rate);
    let mut order: Vec<usize> = (0..standardized.len()).collect();
    for _ in 0..config.epochs {
        // Fisher-Yates, seeded.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for batch in order.chunks(config.batch.max(1)) {
            let mut grad = vec![0.0f64; N_PARAMS];
            for &l in batch {
                let list = &standardized[l];
                let hidden: Vec<[f64; HIDDEN]> =
                    list.z.iter().map(|z| hidden_layer(&params, z)).collect();
                let scores: Vec<f64> = list
                    .z
                    .iter()
                    .zip(&hidden)
                    .map(|(z, h)| output(&params, z, h))
                    .collect();
                let lambda = lambdas(&scores, &list.relevant, list.ideal, config.depth);
                for ((z, h), &g) in list.z.iter().zip(&hidden).zip(&lambda) {
                    if g != 0.0 {
                        backward(&params, z, h, g, &mut grad);
                    }
                }
            }
            let n = batch.len() as f64;
            for (i, g) in grad.iter_mut().enumerate() {
                *g /= n;
                if i < SKIP {
                    *g += 2.0 * config.l2 * params[i];
                }
            }
            adam.update(&mut params, &grad);
        }
    }
    Ranker {
        mean: mean.map(|m| m as f32),
        scale: scale.map(|s| s as f32),
        hidden: std::array::from_fn(|h| std::array::from_fn(|i| params[h * N_FEATURES + i] as f32)),
        bias: std::array::from_fn(|h| params[BIAS + h] as f32),
        out: std::array::from_fn(|h| params[OUT + h] as f32),
        skip: std::array::from_fn(|i| params[SKIP + i] as f32),
    }
}

/// The hidden units' pre-activations for standardized features `z`.
fn hidden_layer(params: &[f64], z: &[f64; N_FEATURES]) -> [f64; HIDDEN] {
    std::array::from_fn(|h| {
        params[BIAS + h] + dot(&params[h * N_FEATURES..(h + 1) * N_FEATURES], z)
    })
}

fn output(params: &[f64], z: &[f64; N_FEATURES], hidden: &[f64; HIDDEN]) -> f64 {
    dot(&params[SKIP..], z)
        + hidden
            .iter()
            .zip(&params[OUT..SKIP])
            .map(|(a, o)| o * a.max(0.0))
            .sum::<f64>()
}

/// Adds `g` times the gradient of the score with respect to every parameter to `grad`.
fn backward(
    params: &[f64],
    z: &[f64; N_FEATURES],
    hidden: &[f64; HIDDEN],
    g: f64,
    grad: &mut [f64],
) {
    for i in 0..N_FEATURES {
        grad[SKIP + i] += g * z[i];
    }
    for (h, &a) in hidden.iter().enumerate().filter(|(_, a)| **a > 0.0) {
        grad[OUT + h] += g * a;
        let back = g * params[OUT + h];
        grad[BIAS + h] += back;
        for i in 0..N_FEATURES {
            grad[h * N_FEATURES + i] += back * z[i];
        }
    }
}

/// Mean NDCG@`depth` of the lists re-ranked by `score` (ties by list order).
pub fn mean_ndcg_by<const N: usize>(
    lists: &[TrainingList<N>],
    score: impl Fn(&[f32; N]) -> f32,
    depth: usize,
) -> f64 {
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
                .map(|(i, x)| (score(x), i))
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

/// Mean NDCG@`depth` of the lists re-ranked by linear `weights` (ties by list order).
pub fn mean_ndcg<const N: usize>(
    lists: &[TrainingList<N>],
    weights: &[f32; N],
    depth: usize,
) -> f64 {
    mean_ndcg_by(
        lists,
        |x| x.iter().zip(weights).map(|(a, b)| a * b).sum(),
        depth,
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Per feature, the mean and standard deviation over every candidate (1 for a constant one).
fn standardizer<const N: usize>(lists: &[TrainingList<N>]) -> ([f64; N], [f64; N]) {
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

    /// `n_lists` lists of `n_tracks` tracks with standard-normal features, relevant where
    /// `relevant` says.
    fn random_lists<const N: usize>(
        seed: u64,
        n_lists: usize,
        n_tracks: usize,
        relevant: impl Fn(&[f32; N]) -> bool,
    ) -> Vec<TrainingList<N>> {
        let mut rng = SeededRng::new(seed);
        (0..n_lists)
            .map(|_| {
                let signals: Vec<[f32; N]> = (0..n_tracks)
                    .map(|_| std::array::from_fn(|_| rng.normal() as f32))
                    .collect();
                let relevant: Vec<bool> = signals.iter().map(&relevant).collect();
                let n_relevant = relevant.iter().filter(|r| **r).count();
                TrainingList {
                    signals,
                    relevant,
                    n_relevant,
                }
            })
            .collect()
    }

    /// Lists where a track is relevant when `2 * signal 0 + signal 2` is high; the other
    /// signals are noise.
    fn lists(seed: u64) -> Vec<TrainingList> {
        random_lists(seed, 60, 80, |x| 2.0 * x[0] + x[2] > 2.5)
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

    /// Lists where a track is relevant when feature 0 is far from zero, either way: no linear
    /// weighting can rank that.
    fn far_lists(seed: u64) -> Vec<TrainingList<N_FEATURES>> {
        random_lists(seed, 80, 60, |x| x[0].abs() > 1.5)
    }

    #[test]
    fn the_network_learns_what_no_linear_weighting_can() {
        let train = far_lists(3);
        let test = far_lists(4);
        let linear = fit(&train, &FitConfig::default(), &[0.1; N_FEATURES]);
        let config = RankerConfig {
            epochs: 300,
            ..RankerConfig::default()
        };
        let ranker = fit_ranker(&train, &config, &[0.0; Signal::COUNT]);
        let by_linear = mean_ndcg(&test, &linear, 10);
        let by_network = mean_ndcg_by(&test, |x| ranker.score(x), 10);
        assert!(
            by_network > 0.9 && by_linear < 0.6,
            "{by_network} vs {by_linear}"
        );
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
