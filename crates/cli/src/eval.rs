//! `encore eval`: every method (or the ones named) on held-out cases, one table row per method.
//!
//! Cases are JSON lines `{"case": "...", "seeds": [...], "holdout": [...]}`, optionally with
//! `"parts": [[...], ...]` (a library joining several playlists: each one's held-out tracks), which
//! adds TastesServed@50. Seeds and held-out tracks missing from the catalog are dropped; a case
//! left without either is skipped and counted. Artists are compared as a listener counts them,
//! by name up to case (`recommend::artist_keys`).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use encore_engine::eval::{Accumulator, Scores, Truth};
use encore_engine::recommend::{
    Artists, BlendWeights, Method, Options, Recommender, Signal, artist_keys,
};
use encore_engine::{Catalog, TrackIdx};
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
    /// defaults). Keys: artist, album, genre, sound, era, popularity, hit, collaborator.
    #[arg(long)]
    blend: Option<String>,
    /// Which artists the lists may hold: familiar, mixed or new.
    #[arg(long, default_value = "mixed")]
    artists: Artists,
    /// Blend ranks a library as one taste, not each of its sides on its own (the default).
    #[arg(long)]
    one_list: bool,
    /// At most this many tracks per primary artist in each list.
    #[arg(long)]
    max_per_artist: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct Case {
    seeds: Vec<String>,
    holdout: Vec<String>,
    #[serde(default)]
    parts: Vec<Vec<String>>,
}

/// A case in catalog indices; artists as keys of `artist_keys`.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub seeds: Vec<TrackIdx>,
    pub truth: Truth<TrackIdx, u32>,
}

/// Reads the cases of `path` (at most `limit` lines of cases), dropping ids not in the catalog
/// and skipping, with a count on stderr, the cases left without a seed or a held-out track.
pub(crate) fn read_cases(
    catalog: &Catalog,
    keys: &[u32],
    path: &Path,
    limit: Option<usize>,
) -> anyhow::Result<Vec<Prepared>> {
    let lookup = IdLookup::new(catalog);
    let artists_of = |t: TrackIdx| credited(catalog, keys, t);
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut cases = Vec::new();
    let mut skipped = 0usize;
    for (i, line) in text.lines().enumerate() {
        let line =
            line.with_context(|| format!("{}: cannot read line {}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        if limit.is_some_and(|limit| cases.len() + skipped >= limit) {
            break;
        }
        let case: Case = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {} is not a case", path.display(), i + 1))?;
        let (seeds, _) = lookup.split(&case.seeds);
        let (holdout, _) = lookup.split(&case.holdout);
        if seeds.is_empty() || holdout.is_empty() {
            skipped += 1;
            continue;
        }
        let truth = Truth {
            holdout_artists: holdout.iter().flat_map(|&t| artists_of(t)).collect(),
            seed_artists: seeds.iter().flat_map(|&t| artists_of(t)).collect(),
            holdout: holdout.into_iter().collect(),
            parts: case
                .parts
                .iter()
                .map(|part| lookup.split(part).0.into_iter().collect())
                .collect(),
        };
        cases.push(Prepared { seeds, truth });
    }
    if cases.is_empty() {
        bail!("no usable case in {} ({skipped} skipped)", path.display());
    }
    eprintln!(
        "{} cases ({skipped} skipped: no seed or no held-out track in the catalog)",
        cases.len()
    );
    Ok(cases)
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let catalog = read_catalog(&args.catalog)?;
    let keys = artist_keys(&catalog);
    let cases = read_cases(&catalog, &keys, &args.cases, args.limit)?;
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
    let options = Options {
        artists: args.artists,
        split_sides: !args.one_list,
        max_per_artist: args.max_per_artist,
        ..Options::default()
    };
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
                &case.truth,
                |&t: &TrackIdx| credited(catalog, &keys, t),
                elapsed_ms,
            );
        }
        eprintln!("{method}: {:.1} s", started.elapsed().as_secs_f64());
        rows.push((method, acc.finish(n_tracks)));
    }
    print_table(&rows);
    Ok(())
}

/// The artist keys credited on `track`, the primary artist's first.
pub(crate) fn credited(catalog: &Catalog, keys: &[u32], track: TrackIdx) -> Vec<u32> {
    catalog
        .track_artists
        .row(track.get())
        .iter()
        .filter_map(|&a| keys.get(a as usize).copied())
        .collect()
}

fn print_table(rows: &[(Method, Scores)]) {
    let optional =
        |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| format!("{v:.digits$}"));
    println!(
        "| method | R-precision | NDCG@50 | Recall@50 | Hit@10 | ArtistHit@50 | NewArtistNDCG@50 | SeedArtistShare@50 | TastesServed@50 | coverage | ms/query |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (method, s) in rows {
        println!(
            "| {method} | {:.4} | {:.4} | {:.4} | {:.3} | {:.3} | {} | {:.2} | {} | {:.3} | {:.2} |",
            s.r_precision,
            s.ndcg,
            s.recall,
            s.hit,
            s.artist_hit,
            optional(s.new_artist_ndcg, 4),
            s.seed_artist_share,
            optional(s.tastes_served, 2),
            s.coverage,
            s.ms_per_query
        );
    }
}

pub(crate) fn parse_weights(spec: &str) -> anyhow::Result<BlendWeights> {
    let mut weights = BlendWeights::default();
    for pair in spec.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("{pair:?} is not key=value"))?;
        let value: f32 = value
            .trim()
            .parse()
            .with_context(|| format!("{pair:?}: not a number"))?;
        let signal = Signal::ALL
            .into_iter()
            .find(|s| s.name() == key.trim())
            .with_context(|| format!("unknown blend weight {:?}", key.trim()))?;
        *weights.get_mut(signal) = value;
    }
    Ok(weights)
}
