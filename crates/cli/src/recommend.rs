//! `encore recommend`: batch recommendations, JSON lines in, JSON lines out.
//!
//! Each input line is `{"case": "...", "seeds": ["<Spotify id>", ...]}` (other fields ignored);
//! each output line, in input order, is `{"case": "...", "tracks": [...], "unmatched": [...]}`
//! where `unmatched` lists the seeds that are not catalog tracks (or not Spotify ids at all).
//! A case none of whose seeds is in the catalog gets empty `tracks` and an `"error"` field.
//! A line that is not such a JSON object is reported on stderr with its line number and answered
//! with `{"line": N, "error": "..."}`, so output line N still belongs to input line N. Blank
//! lines are skipped without output.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use encore_engine::recommend::{Artists, Method, Options, Recommender};
use encore_engine::{Catalog, TrackId, TrackIdx};
use serde::{Deserialize, Serialize};

use crate::catalog::read_catalog;

#[derive(Debug, clap::Args)]
pub struct RecommendArgs {
    /// The catalog file (from `encore catalog build`).
    #[arg(long)]
    catalog: PathBuf,
    /// Recommendation method: blend, classifier, centroid-genre, centroid, clusters, knn,
    /// adviser, adviser-genre or popular.
    #[arg(long, default_value = "blend")]
    method: Method,
    /// Number of tracks per case.
    #[arg(long, default_value_t = 50)]
    k: usize,
    /// Only tracks by artists the case's seeds do not credit: discovery.
    #[arg(long)]
    new_artists: bool,
}

#[derive(Debug, Deserialize)]
struct Input {
    case: String,
    seeds: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    case: &'a str,
    tracks: Vec<TrackId>,
    unmatched: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct LineError {
    line: usize,
    error: String,
}

/// Finds catalog tracks by Spotify id.
#[derive(Debug)]
pub(crate) struct IdLookup(HashMap<TrackId, TrackIdx>);

impl IdLookup {
    pub fn new(catalog: &Catalog) -> Self {
        Self(
            catalog
                .ids
                .iter()
                .enumerate()
                .map(|(i, &id)| (id, TrackIdx(i as u32)))
                .collect(),
        )
    }

    /// Splits ids into the catalog tracks found and the ids that are not catalog tracks.
    pub fn split<'a>(&self, ids: &'a [String]) -> (Vec<TrackIdx>, Vec<&'a str>) {
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match TrackId::parse(id).ok().and_then(|t| self.0.get(&t)) {
                Some(&idx) => found.push(idx),
                None => missing.push(id.as_str()),
            }
        }
        (found, missing)
    }
}

pub fn run(args: RecommendArgs) -> anyhow::Result<()> {
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    let catalog = read_catalog(&args.catalog)?;
    let lookup = IdLookup::new(&catalog);
    let mut recommender = Recommender::new(catalog);
    let options = Options {
        k: args.k,
        artists: if args.new_artists {
            Artists::New
        } else {
            Artists::Mixed
        },
        ..Options::default()
    };
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (i, line) in stdin.lines().enumerate() {
        let line_no = i + 1;
        let line = line.with_context(|| format!("cannot read line {line_no} of stdin"))?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input = match serde_json::from_str(&line) {
            Ok(input) => input,
            Err(err) => {
                eprintln!("line {line_no}: {err}");
                serde_json::to_writer(
                    &mut out,
                    &LineError {
                        line: line_no,
                        error: err.to_string(),
                    },
                )?;
                writeln!(out)?;
                continue;
            }
        };
        let (seeds, unmatched) = lookup.split(&input.seeds);
        let (tracks, error) = if seeds.is_empty() {
            (
                Vec::new(),
                Some("no seed track is in the catalog".to_owned()),
            )
        } else {
            let results = recommender
                .recommend(args.method, &seeds, &options)
                .with_context(|| format!("line {line_no}: cannot recommend"))?;
            (
                results
                    .iter()
                    .map(|r| recommender.catalog().ids[r.track.get()])
                    .collect(),
                None,
            )
        };
        serde_json::to_writer(
            &mut out,
            &Output {
                case: &input.case,
                tracks,
                unmatched,
                error,
            },
        )?;
        writeln!(out)?;
    }
    out.flush().context("cannot write to stdout")?;
    Ok(())
}
