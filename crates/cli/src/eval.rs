//! `encore eval`: every method (or the ones named) on held-out cases, one table row per method.
//!
//! Cases are JSON lines `{"case": "...", "seeds": [...], "holdout": [...]}`. Seeds and held-out
//! tracks missing from the catalog are dropped; a case left without either is skipped and counted.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use encore_engine::TrackIdx;
use encore_engine::eval::{Accumulator, Scores};
use encore_engine::recommend::{BlendWeights, Method, Options, Recommender};
use serde::Deserialize;

use crate::catalog::read_catalog;
use crate::recommend::IdLookup;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The catalog file (from `encore catalog build`).
    #[arg(long)]
    catalog: PathBuf,
    /// JSON lines of `{"case", "seeds", "holdout"}`.
    #[arg(long)]
    cases: PathBuf,
    /// Comma-separated methods to evaluate; all by default.
    #[arg(long, value_delimiter = ',')]
    methods: Vec<Method>,
    /// Evaluate only the first N cases.
    #[arg(long)]
    limit: Option<usize>,
    /// Override blend's signal weights for tuning, e.g. `artist=1,genre=0.8` (others keep their
    /// defaults). Keys: artist, album, genre, sound, era, popularity, hit.
    #[arg(long)]
    blend: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Case {
    seeds: Vec<String>,
    holdout: Vec<String>,
}

/// A case in catalog indices.
#[derive(Debug)]
struct Prepared {
    seeds: Vec<TrackIdx>,
    holdout: HashSet<TrackIdx>,
    holdout_artists: HashSet<u32>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let catalog = read_catalog(&args.catalog)?;
    let lookup = IdLookup::new(&catalog);
    let text = std::fs::read(&args.cases)
        .with_context(|| format!("cannot read {}", args.cases.display()))?;
    let mut cases = Vec::new();
    let mut skipped = 0usize;
    for (i, line) in text.lines().enumerate() {
        let line =
            line.with_context(|| format!("{}: cannot read line {}", args.cases.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        if args
            .limit
            .is_some_and(|limit| cases.len() + skipped >= limit)
        {
            break;
        }
        let case: Case = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {} is not a case", args.cases.display(), i + 1))?;
        let (seeds, _) = lookup.split(&case.seeds);
        let (holdout, _) = lookup.split(&case.holdout);
        if seeds.is_empty() || holdout.is_empty() {
            skipped += 1;
            continue;
        }
        let holdout_artists = holdout
            .iter()
            .flat_map(|t| catalog.track_artists.row(t.get()).iter().copied())
            .collect();
        cases.push(Prepared {
            seeds,
            holdout: holdout.into_iter().collect(),
            holdout_artists,
        });
    }
    if cases.is_empty() {
        bail!(
            "no usable case in {} ({skipped} skipped)",
            args.cases.display()
        );
    }
    eprintln!(
        "{} cases ({skipped} skipped: no seed or no held-out track in the catalog)",
        cases.len()
    );
    let n_tracks = catalog.n_tracks();
    let mut recommender = Recommender::new(catalog);
    if let Some(spec) = &args.blend {
        recommender.set_blend_weights(parse_weights(spec)?);
    }
    let methods = if args.methods.is_empty() {
        Method::ALL.to_vec()
    } else {
        args.methods
    };
    let options = Options::default();
    let mut rows = Vec::new();
    for method in methods {
        let started = Instant::now();
        let mut acc = Accumulator::new();
        for case in &cases {
            let query_started = Instant::now();
            let results = recommender.recommend(method, &case.seeds, &options)?;
            let elapsed_ms = query_started.elapsed().as_secs_f64() * 1e3;
            let ranked: Vec<TrackIdx> = results.iter().map(|r| r.track).collect();
            let catalog = recommender.catalog();
            acc.add(
                &ranked,
                &case.holdout,
                &case.holdout_artists,
                |t: &TrackIdx| catalog.track_artists.row(t.get()).to_vec(),
                elapsed_ms,
            );
        }
        eprintln!("{method}: {:.1} s", started.elapsed().as_secs_f64());
        rows.push((method, acc.finish(n_tracks)));
    }
    print_table(&rows);
    Ok(())
}

fn print_table(rows: &[(Method, Scores)]) {
    println!(
        "| method | R-precision | NDCG@50 | Recall@50 | Hit@10 | ArtistHit@50 | coverage | ms/query |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (method, s) in rows {
        println!(
            "| {method} | {:.4} | {:.4} | {:.4} | {:.3} | {:.3} | {:.3} | {:.2} |",
            s.r_precision, s.ndcg, s.recall, s.hit, s.artist_hit, s.coverage, s.ms_per_query
        );
    }
}

fn parse_weights(spec: &str) -> anyhow::Result<BlendWeights> {
    let mut weights = BlendWeights::default();
    for pair in spec.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("{pair:?} is not key=value"))?;
        let value: f32 = value
            .trim()
            .parse()
            .with_context(|| format!("{pair:?}: not a number"))?;
        let slot = match key.trim() {
            "artist" => &mut weights.artist,
            "album" => &mut weights.album,
            "genre" => &mut weights.genre,
            "sound" => &mut weights.sound,
            "era" => &mut weights.era,
            "hit" => &mut weights.hit,
            "popularity" => &mut weights.popularity,
            other => bail!("unknown blend weight {other:?}"),
        };
        *slot = value;
    }
    Ok(weights)
}
