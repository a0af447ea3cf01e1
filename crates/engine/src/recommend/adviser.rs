//! `adviser` and `adviser-genre` (design 5): k-means on the catalog's 2-D PCA map, with k chosen
//! by the elbow of the inertia curve; the seeds' cluster (the one most seeds fall in) is ranked
//! by euclidean distance to the seeds' mean in the standardized space (measured in the code
//! domain, [`crate::space::CodeSpace`]), then the rest of the catalog the same way so a small
//! cluster still yields a full list. `adviser-genre` keeps only
//! tracks that share at least one genre with the seeds.

use super::{Query, Stepwise};
use crate::catalog::SCALED_STRIDE;
use crate::kmeans::{self, KMeansError, KMeansParams};
use crate::nearest::{TopK, code_top_k};
use crate::seeded::SeededRng;
use crate::{Catalog, TrackIdx};

/// The elbow is looked for among k = 2..=MAX_K.
const MAX_K: usize = 16;
/// The elbow curve is fitted on a seeded sample this large, each `k` for at most
/// CURVE_MAX_ITER iterations, as the catalog builder does for its own k-means: the curve's shape,
/// not each fit's last decimal, decides `k`.
const CURVE_SAMPLE: usize = 2_000;
const CURVE_MAX_ITER: usize = 25;
/// The chosen `k` is fitted to convergence on a larger sample, then every track is assigned: the
/// map has two dimensions, so a sample pins the clusters down well.
const SAMPLE: usize = 10_000;
const SEED: u64 = 5;

/// The map clusters, fitted on first use of either adviser method (or ahead of it, a step at a
/// time, by [`Fitter`]).
#[derive(Debug)]
pub(crate) struct Model {
    /// Per track, its cluster on the map.
    clusters: Vec<u16>,
}

/// Fits the [`Model`] in steps of bounded work: one `k` of the elbow curve per step, then the
/// chosen `k`, then every track's assignment. A caller on a UI thread yields between steps.
#[derive(Debug)]
pub(crate) struct Fitter {
    small: Vec<f32>,
    sample: Vec<f32>,
    curve: Vec<(u16, f64)>,
    ks: std::ops::RangeInclusive<usize>,
    centroids: Option<Result<Vec<f32>, KMeansError>>,
}

impl Fitter {
    pub fn new(catalog: &Catalog) -> Self {
        let n = catalog.n_tracks();
        let sample = |size: usize| -> Vec<f32> {
            SeededRng::new(SEED)
                .sample_indices(n, size)
                .into_iter()
                .flat_map(|t| catalog.projection.get(t).copied().unwrap_or_default())
                .collect()
        };
        let (small, sample) = (sample(CURVE_SAMPLE), sample(SAMPLE));
        let max_k = MAX_K.min(small.len() / 2);
        Self {
            small,
            sample,
            curve: Vec::new(),
            ks: 2..=max_k,
            centroids: None,
        }
    }
}

impl Stepwise for Fitter {
    type Output = Model;

    fn step(&mut self, catalog: &Catalog) -> Option<Model> {
        let params = KMeansParams::new(2, SEED);
        match &self.centroids {
            None => {
                if let Some(k) = self.ks.next() {
                    let curve_params = KMeansParams {
                        k,
                        max_iter: CURVE_MAX_ITER,
                        ..params
                    };
                    match kmeans::fit(&self.small, 2, &curve_params) {
                        Ok(fit) => self.curve.push((k as u16, fit.inertia)),
                        Err(e) => self.centroids = Some(Err(e)),
                    }
                } else {
                    let k = usize::from(kmeans::elbow(&self.curve));
                    let fit = kmeans::fit(&self.sample, 2, &KMeansParams { k, ..params });
                    self.centroids = Some(fit.map(|fit| fit.centroids));
                }
                None
            }
            Some(Ok(centroids)) => {
                let points: Vec<f32> = catalog.projection.iter().flatten().copied().collect();
                Some(Model {
                    clusters: kmeans::assign(&points, 2, centroids),
                })
            }
            // Too few tracks to cluster: the whole map is one cluster.
            Some(Err(_)) => Some(Model {
                clusters: vec![0; catalog.n_tracks()],
            }),
        }
    }
}

impl Model {
    pub fn fit(catalog: &Catalog) -> Self {
        Fitter::new(catalog).run(catalog)
    }

    fn cluster(&self, track: TrackIdx) -> u16 {
        self.clusters.get(track.get()).copied().unwrap_or(0)
    }

    pub fn score(&self, query: &Query, genre_only: bool, scores: &mut [f32]) {
        let catalog = query.catalog;
        let mut votes = std::collections::BTreeMap::<u16, usize>::new();
        let mut centre = [0.0f32; SCALED_STRIDE];
        let n_seeds = query.seeds.len() as f32;
        for &s in query.seeds {
            *votes.entry(self.cluster(s)).or_default() += 1;
            centre
                .iter_mut()
                .zip(catalog.scaled_row(s))
                .for_each(|(c, x)| *c += x / n_seeds);
        }
        // Most seeds; among equals the lowest cluster id (the map iterates in order).
        let home = votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or(0, |(&c, _)| c);
        let mut seed_genres = vec![false; catalog.genres.names.len()];
        for &s in query.seeds {
            for &g in catalog.track_genres.row(s.get()) {
                if let Some(flag) = seed_genres.get_mut(g as usize) {
                    *flag = true;
                }
            }
        }
        let eligible = |t: TrackIdx| {
            query.allowed(t)
                && (!genre_only
                    || catalog
                        .track_genres
                        .row(t.get())
                        .iter()
                        .any(|&g| seed_genres.get(g as usize) == Some(&true)))
        };
        // In the code domain: every track's 16 bytes of codes against the centre's lanes.
        let (codes, weights) = (&catalog.codes, &catalog.space.weights);
        let centre = catalog.space.lanes(&centre);
        let mut scratch = TopK::new();
        let in_home = |t: TrackIdx| self.cluster(t) == home;
        let inside = code_top_k(
            codes,
            weights,
            &centre,
            query.pool,
            |t| !in_home(t) || !eligible(t),
            &mut scratch,
        )
        .to_vec();
        let fill = query.pool.saturating_sub(inside.len());
        let outside = code_top_k(
            codes,
            weights,
            &centre,
            fill,
            |t| in_home(t) || !eligible(t),
            &mut scratch,
        );
        for (rank, n) in inside.iter().chain(outside).enumerate() {
            scores[n.track.get()] = -(rank as f32);
        }
    }
}
