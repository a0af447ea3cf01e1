//! `encore train`: learns blend's weights from held-out cases and writes them as the engine's
//! `recommend/learned.rs`.
//!
//! Two heads, one weight per signal each: one for lists of any artists (scored on the held-out
//! tracks) and one for new artists only (scored on the held-out tracks by artists the seeds do
//! not credit). Each head is fitted in rounds: blend with the current weights proposes each
//! case's best `--depth` candidates with their signals, `recommend::fit` learns weights that rank
//! the held-out ones first, and the next round's candidates come from those weights.
//!
//! The figures it reports are cross-validated: the cases are dealt into `--folds` folds, and each
//! fold is scored by the full recommender with weights trained, candidates included, on the other
//! folds only. The weights it writes are then trained on every case. Only those generic weights
//! are written: nothing about any track, artist, album or genre.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use encore_engine::TrackIdx;
use encore_engine::eval::{DEPTH, ndcg_at, new_artist_ndcg_at};
use encore_engine::recommend::fit::{FitConfig, TrainingList, fit};
use encore_engine::recommend::{Artists, BlendWeights, Method, Options, Recommender, artist_keys};

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
    /// Rounds of proposing candidates and fitting.
    #[arg(long, default_value_t = 2)]
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
    ) -> anyhow::Result<Vec<TrainingList>> {
        let mut lists = Vec::with_capacity(cases.len());
        for &i in cases {
            let case = &self.cases[i];
            let Some(relevant) = self.relevant(head, case) else {
                continue;
            };
            let candidates = self.recommender.blend_candidates(
                &case.seeds,
                &head.options(),
                weights,
                self.depth,
            )?;
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

    /// Weights trained on `cases` only, candidates included.
    fn train(&mut self, head: Head, cases: &[usize]) -> anyhow::Result<BlendWeights> {
        let mut weights = self.start;
        for _ in 0..self.rounds {
            let lists = self.lists(head, cases, &weights)?;
            weights =
                BlendWeights::from_array(fit(&lists, &FitConfig::default(), &weights.to_array()));
        }
        Ok(weights)
    }

    /// The head's metric on `cases`, by the full recommender with `weights`.
    fn score(&mut self, head: Head, cases: &[usize], weights: BlendWeights) -> anyhow::Result<f64> {
        self.recommender.set_blend_weights(weights);
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
        println!("| fold | train cases | test cases | start weights | learned |");
        println!("|---|---:|---:|---:|---:|");
        let mut fold_scores = Vec::new();
        for fold in 0..args.folds {
            let started = Instant::now();
            let (test, train): (Vec<usize>, Vec<usize>) =
                all.iter().partition(|&&i| i % args.folds == fold);
            let weights = trainer.train(head, &train)?;
            let before = trainer.score(head, &test, trainer.start)?;
            let after = trainer.score(head, &test, weights)?;
            println!(
                "| {fold} | {} | {} | {before:.4} | {after:.4} |",
                train.len(),
                test.len()
            );
            eprintln!("fold {fold}: {:.0} s", started.elapsed().as_secs_f64());
            fold_scores.push((before, after));
        }
        let n = fold_scores.len() as f64;
        let mean_before = fold_scores.iter().map(|s| s.0).sum::<f64>() / n;
        let mean_after = fold_scores.iter().map(|s| s.1).sum::<f64>() / n;
        println!("| mean | | | {mean_before:.4} | {mean_after:.4} |");
        let weights = trainer.train(head, &all)?;
        println!("\ntrained on all {} cases: {weights:?}", cases.len());
        let _ = writeln!(
            summary,
            "//! {:?} head: {}-fold cross-validated {} {mean_after:.4}.",
            head,
            args.folds,
            head.metric()
        );
        learned.push(weights);
    }
    let [mixed, new_artists] = learned[..] else {
        bail!("expected two heads");
    };
    let source = render(&mixed, &new_artists, cases.len(), &summary);
    std::fs::write(&args.out, source)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The generated `learned.rs`, formatted as rustfmt would.
fn render(mixed: &BlendWeights, new: &BlendWeights, n_cases: usize, summary: &str) -> String {
    let fields = |w: &BlendWeights| {
        encore_engine::recommend::Signal::ALL
            .iter()
            .zip(w.to_array())
            .map(|(s, v)| format!("    {}: {v:?},\n", s.name()))
            .collect::<String>()
    };
    format!(
        "//! Blend's weights, generated by `encore train` from {n_cases} development playlists: do not\n\
         //! edit, rerun it.\n\
         {summary}\
         //!\n\
         //! Generic weights only, one per signal: nothing about any track, artist, album or genre.\n\
         \n\
         use super::BlendWeights;\n\
         \n\
         /// Weights for lists of any artists (and familiar artists only).\n\
         pub(crate) const MIXED: BlendWeights = BlendWeights {{\n{}}};\n\
         \n\
         /// Weights for lists of new artists only.\n\
         pub(crate) const NEW_ARTISTS: BlendWeights = BlendWeights {{\n{}}};\n",
        fields(mixed),
        fields(new)
    )
}
