//! `encore train`: learns blend's weights from held-out cases and writes them as the engine's
//! `recommend/learned.rs`.
//!
//! Two heads: one for lists of any artists (scored on the held-out tracks) and one for new
//! artists only (scored on the held-out tracks by artists the seeds do not credit). Each head is
//! blend's two stages. The linear stage (one weight per signal) is fitted in rounds: blend with
//! the current weights proposes each case's best `--depth` candidates with their signals,
//! `recommend::fit` learns weights that rank the held-out ones first, and the next round's
//! candidates come from those weights. Then the learned weights propose each case's best
//! `ranker::RERANK_DEPTH` candidates with every feature the network reads, and
//! `fit::fit_ranker` trains the re-ranking network on them.
//!
//! The figures it reports are cross-validated: the cases are dealt into `--folds` folds, and each
//! fold is scored by the full recommender with weights and network trained, candidates included,
//! on the other folds only (next to the start weights and the linear stage alone). The model it
//! writes is then trained on every case. Only generic weights are written: nothing about any
//! track, artist, album or genre.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use encore_engine::TrackIdx;
use encore_engine::eval::{DEPTH, ndcg_at, new_artist_ndcg_at};
use encore_engine::recommend::fit::{FitConfig, RankerConfig, TrainingList, fit, fit_ranker};
use encore_engine::recommend::ranker::{N_FEATURES, RERANK_DEPTH};
use encore_engine::recommend::{
    Artists, BlendWeights, Method, Options, Ranker, Recommender, Signal, artist_keys,
};

use crate::catalog::read_catalog;
use crate::eval::{Prepared, credited, parse_weights, read_cases};

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// The catalog file (from `encore catalog build`).
    #[arg(long)]
    catalog: PathBuf,
    /// JSON lines of `{"case", "seeds", "holdout"}` to learn from.
    #[arg(long)]
    cases: PathBuf,
    /// Where to write the learned weights (a Rust source file).
    #[arg(long, default_value = "crates/engine/src/recommend/learned.rs")]
    out: PathBuf,
    /// Number of cross-validation folds (at least 2).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Candidates per case that the fit sees.
    #[arg(long, default_value_t = 300)]
    depth: usize,
    /// Rounds of proposing candidates and fitting the linear stage.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Use only the first N cases.
    #[arg(long)]
    limit: Option<usize>,
    /// The first round's weights, `key=value` pairs over today's defaults (as `encore eval
    /// --blend`); collaborators start at 1 so their tracks are among the first candidates.
    #[arg(long, default_value = "collaborator=1")]
    start: String,
}

/// What a head learns to rank first.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Head {
    /// Any artist; the held-out tracks.
    Mixed,
    /// New artists only; the held-out tracks whose primary artist the seeds do not credit.
    NewArtists,
}

impl Head {
    fn options(self) -> Options {
        Options {
            k: DEPTH,
            artists: match self {
                Head::Mixed => Artists::Mixed,
                Head::NewArtists => Artists::New,
            },
            ..Options::default()
        }
    }

    fn metric(self) -> &'static str {
        match self {
            Head::Mixed => "NDCG@50",
            Head::NewArtists => "NewArtistNDCG@50 (new artists)",
        }
    }
}

struct Trainer<'a> {
    recommender: Recommender,
    keys: Vec<u32>,
    cases: &'a [Prepared],
    depth: usize,
    rounds: usize,
    start: BlendWeights,
}

impl Trainer<'_> {
    /// The tracks a head counts as relevant for case `c`: `None` when there are none.
    fn relevant(&self, head: Head, c: &Prepared) -> Option<HashSet<TrackIdx>> {
        let relevant: HashSet<TrackIdx> = match head {
            Head::Mixed => c.truth.holdout.clone(),
            Head::NewArtists => c
                .truth
                .holdout
                .iter()
                .copied()
                .filter(|&t| {
                    credited(self.recommender.catalog(), &self.keys, t)
                        .first()
                        .is_none_or(|a| !c.truth.seed_artists.contains(a))
                })
                .collect(),
        };
        (!relevant.is_empty()).then_some(relevant)
    }

    /// Each case's candidates under `weights`, with their signals and relevance.
    fn lists(
        &mut self,
        head: Head,
        cases: &[usize],
        weights: &BlendWeights,
        depth: usize,
    ) -> anyhow::Result<Vec<TrainingList<N_FEATURES>>> {
        let mut lists = Vec::with_capacity(cases.len());
        for &i in cases {
            let case = &self.cases[i];
            let Some(relevant) = self.relevant(head, case) else {
                continue;
            };
            let candidates =
                self.recommender
                    .blend_candidates(&case.seeds, &head.options(), weights, depth)?;
            lists.push(TrainingList {
                relevant: candidates
                    .iter()
                    .map(|(t, _)| relevant.contains(t))
                    .collect(),
                signals: candidates.into_iter().map(|(_, s)| s).collect(),
                n_relevant: relevant.len(),
            });
        }
        Ok(lists)
    }

    /// The linear weights and the re-ranking network trained on `cases` only, candidates
    /// included.
    fn train(&mut self, head: Head, cases: &[usize]) -> anyhow::Result<(BlendWeights, Ranker)> {
        let mut weights = self.start;
        for _ in 0..self.rounds {
            let lists: Vec<TrainingList> = self
                .lists(head, cases, &weights, self.depth)?
                .iter()
                .map(TrainingList::truncated::<{ Signal::COUNT }>)
                .collect();
            weights =
                BlendWeights::from_array(fit(&lists, &FitConfig::default(), &weights.to_array()));
        }
        let lists = self.lists(head, cases, &weights, RERANK_DEPTH)?;
        let ranker = fit_ranker(&lists, &RankerConfig::default(), &weights.to_array());
        Ok((weights, ranker))
    }

    /// The head's metric on `cases`, by the full recommender with `weights`.
    fn score(
        &mut self,
        head: Head,
        cases: &[usize],
        weights: BlendWeights,
        ranker: Option<Ranker>,
    ) -> anyhow::Result<f64> {
        self.recommender.set_blend_model(weights, ranker);
        let (mut sum, mut n) = (0.0, 0usize);
        for &i in cases {
            let case = &self.cases[i];
            let ranked: Vec<TrackIdx> = self
                .recommender
                .recommend(Method::Blend, &case.seeds, &head.options())?
                .iter()
                .map(|r| r.track)
                .collect();
            let value = match head {
                Head::Mixed => Some(ndcg_at(&ranked, &case.truth.holdout, DEPTH)),
                Head::NewArtists => {
                    let catalog = self.recommender.catalog();
                    new_artist_ndcg_at(
                        &ranked,
                        &case.truth.holdout,
                        &case.truth.seed_artists,
                        DEPTH,
                        |&t| credited(catalog, &self.keys, t).first().copied(),
                    )
                }
            };
            if let Some(v) = value {
                sum += v;
                n += 1;
            }
        }
        Ok(if n == 0 { 0.0 } else { sum / n as f64 })
    }
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    if args.depth < DEPTH {
        bail!("--depth must be at least {DEPTH}");
    }
    let catalog = read_catalog(&args.catalog)?;
    let keys = artist_keys(&catalog);
    let cases = read_cases(&catalog, &keys, &args.cases, args.limit)?;
    let mut trainer = Trainer {
        recommender: Recommender::new(catalog),
        keys,
        cases: &cases,
        depth: args.depth,
        rounds: args.rounds,
        start: parse_weights(&args.start)?,
    };
    let all: Vec<usize> = (0..cases.len()).collect();
    let mut learned = Vec::new();
    let mut summary = String::new();
    for head in [Head::Mixed, Head::NewArtists] {
        println!("\n{:?} head, {} per fold:\n", head, head.metric());
        println!("| fold | train cases | test cases | start weights | linear | with ranker |");
        println!("|---|---:|---:|---:|---:|---:|");
        let mut fold_scores = Vec::new();
        for fold in 0..args.folds {
            let started = Instant::now();
            let (test, train): (Vec<usize>, Vec<usize>) =
                all.iter().partition(|&&i| i % args.folds == fold);
            let (weights, ranker) = trainer.train(head, &train)?;
            let scores = [
                trainer.score(head, &test, trainer.start, None)?,
                trainer.score(head, &test, weights, None)?,
                trainer.score(head, &test, weights, Some(ranker))?,
            ];
            println!(
                "| {fold} | {} | {} | {:.4} | {:.4} | {:.4} |",
                train.len(),
                test.len(),
                scores[0],
                scores[1],
                scores[2]
            );
            eprintln!("fold {fold}: {:.0} s", started.elapsed().as_secs_f64());
            fold_scores.push(scores);
        }
        let n = fold_scores.len() as f64;
        let means: [f64; 3] =
            std::array::from_fn(|i| fold_scores.iter().map(|s| s[i]).sum::<f64>() / n);
        println!(
            "| mean | | | {:.4} | {:.4} | {:.4} |",
            means[0], means[1], means[2]
        );
        let (weights, ranker) = trainer.train(head, &all)?;
        println!("\ntrained on all {} cases: {weights:?}", cases.len());
        let _ = writeln!(
            summary,
            "//! {:?} head: {}-fold cross-validated {} {:.4} (linear stage alone {:.4}).",
            head,
            args.folds,
            head.metric(),
            means[2],
            means[1]
        );
        learned.push((weights, ranker));
    }
    let [(mixed, mixed_ranker), (new_artists, new_ranker)] = &learned[..] else {
        bail!("expected two heads");
    };
    let source = render(
        &[(mixed, mixed_ranker), (new_artists, new_ranker)],
        cases.len(),
        &summary,
    );
    std::fs::write(&args.out, source)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The generated `learned.rs`: the mixed head, then the new-artists head.
fn render(heads: &[(&BlendWeights, &Ranker); 2], n_cases: usize, summary: &str) -> String {
    let fields = |w: &BlendWeights| {
        Signal::ALL
            .iter()
            .zip(w.to_array())
            .map(|(s, v)| format!("    {}: {v:?},\n", s.name()))
            .collect::<String>()
    };
    let list = |values: &[f32]| {
        let items: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    // One line per vector (rustfmt would give each number its own line).
    let network = |r: &Ranker| {
        let hidden: Vec<String> = r
            .hidden
            .iter()
            .map(|row| format!("        {},\n", list(row)))
            .collect();
        format!(
            "Ranker {{\n    mean: {},\n    scale: {},\n    hidden: [\n{}    ],\n    bias: {},\n    out: {},\n    skip: {},\n}}",
            list(&r.mean),
            list(&r.scale),
            hidden.concat(),
            list(&r.bias),
            list(&r.out),
            list(&r.skip)
        )
    };
    let [(mixed, mixed_ranker), (new, new_ranker)] = heads;
    format!(
        "//! Blend's weights and re-ranking networks, generated by `encore train` from {n_cases}\n\
         //! development playlists: do not edit, rerun it.\n\
         {summary}\
         //!\n\
         //! Generic weights only: nothing about any track, artist, album or genre.\n\
         \n\
         use super::{{BlendWeights, Ranker}};\n\
         \n\
         /// Weights for lists of any artists (and familiar artists only).\n\
         pub(crate) const MIXED: BlendWeights = BlendWeights {{\n{}}};\n\
         \n\
         /// Weights for lists of new artists only.\n\
         pub(crate) const NEW_ARTISTS: BlendWeights = BlendWeights {{\n{}}};\n\
         \n\
         /// The network re-ranking lists of any artists (and familiar artists only).\n\
         #[rustfmt::skip]\n\
         pub(crate) const MIXED_RANKER: Ranker = {};\n\
         \n\
         /// The network re-ranking lists of new artists only.\n\
         #[rustfmt::skip]\n\
         pub(crate) const NEW_ARTISTS_RANKER: Ranker = {};\n",
        fields(mixed),
        fields(new),
        network(mixed_ranker),
        network(new_ranker)
    )
}
