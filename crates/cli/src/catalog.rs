//! `encore catalog build | synth | info`: CSV files in, a validated catalog file out.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use encore_engine::Catalog;
use encore_engine::catalog::build::{self, BuildConfig};
use encore_engine::catalog::{CatalogDecoder, format};
use encore_engine::csv_import::{self, ImportReport};
use encore_engine::synth::{self, SynthConfig};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Read every CSV (plain or .gz) in a folder and write the catalog.
    Build(BuildArgs),
    /// Write a synthetic catalog of any size drawn from a real one (for benchmarks).
    Synth(SynthArgs),
    /// Validate a catalog file and print what it holds.
    Info(InfoArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Folder of track CSVs (see data/SOURCES.md for the shapes understood).
    #[arg(long)]
    data: PathBuf,
    /// Where to write the catalog.
    #[arg(long, default_value = "public/catalog.bin")]
    out: PathBuf,
    /// Seed of the k-means fits.
    #[arg(long, default_value_t = BuildConfig::default().seed)]
    seed: u64,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of tracks to generate.
    #[arg(long, default_value_t = 1_000_000)]
    tracks: usize,
    #[arg(long)]
    out: PathBuf,
    /// The real catalog whose tracks are drawn from.
    #[arg(long, default_value = "public/catalog.bin")]
    from: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The catalog file.
    path: PathBuf,
}

pub fn run(command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Build(args) => build_catalog(&args),
        CatalogCommand::Synth(args) => synth_catalog(&args),
        CatalogCommand::Info(args) => info(&args.path),
    }
}

/// The CSV files of `dir`, sorted by name (the merge precedence within one kind of file).
fn csv_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the data folder {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_lowercase();
        if path.is_file() && (name.ends_with(".csv") || name.ends_with(".csv.gz")) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no .csv or .csv.gz files in {}", dir.display());
    }
    Ok(files)
}

fn import(path: &Path) -> anyhow::Result<ImportReport> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("input.csv");
    let reader: Box<dyn Read> = if name.to_lowercase().ends_with(".gz") {
        Box::new(GzDecoder::new(BufReader::with_capacity(1 << 16, file)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    csv_import::read_tracks(reader, name)
        .with_context(|| format!("cannot import {}", path.display()))
}

fn gzip_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).context("gzip failed")?;
    Ok(encoder.finish().context("gzip failed")?.len())
}

fn write_catalog(catalog: &Catalog, out: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = catalog.to_bytes().context("cannot encode the catalog")?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(bytes)
}

fn print_sizes(bytes: &[u8], n_tracks: usize) -> anyhow::Result<()> {
    let gz = gzip_len(bytes)?;
    let per = |b: usize| b as f64 / n_tracks.max(1) as f64;
    println!(
        "size: {} bytes raw ({:.1} B/track), {} bytes gzip -9 ({:.1} B/track)",
        bytes.len(),
        per(bytes.len()),
        gz,
        per(gz)
    );
    let mut sections = Vec::new();
    for section in format::section_sizes(bytes) {
        let mut line = format!("{} {:.1}", section.tag, per(section.stored));
        if section.decoded != section.stored {
            line.push_str(&format!(" (zstd of {:.1})", per(section.decoded)));
        }
        sections.push(line);
    }
    println!("  B/track by section in the file: {}", sections.join(", "));
    Ok(())
}

fn build_catalog(args: &BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let files = csv_files(&args.data)?;
    let mut imports = Vec::with_capacity(files.len());
    for path in &files {
        let report = import(path)?;
        let skipped: Vec<String> = report
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        println!(
            "{:<44} {:<18} {:>7} rows read, {:>7} tracks, {:>6} artists with genres, skipped: {}",
            report.source_name,
            report.schema.to_string(),
            report.rows_read,
            report.tracks.len(),
            report.artist_genres.len(),
            if skipped.is_empty() {
                "none".to_owned()
            } else {
                skipped.join(", ")
            }
        );
        imports.push(report);
    }
    let read_time = started.elapsed();
    let config = BuildConfig {
        seed: args.seed,
        ..BuildConfig::default()
    };
    let (catalog, report) = build::build(&imports, &config).context("cannot build the catalog")?;
    let fit_time = started.elapsed() - read_time;
    let bytes = write_catalog(&catalog, &args.out)?;
    let total_skipped: Vec<String> = build::total_skipped(&imports)
        .into_iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect();
    println!(
        "rows skipped: {}",
        if total_skipped.is_empty() {
            "none".to_owned()
        } else {
            total_skipped.join(", ")
        }
    );
    println!(
        "track ids: {} distinct, {} duplicate rows merged, {} dropped without audio features",
        report.distinct_ids, report.duplicate_rows, report.dropped_without_features
    );
    println!(
        "tracks kept: {}; artists {}, albums {}; genres kept {} of {} seen; artist-genre rows {} ({} artists matched)",
        report.tracks_kept,
        report.artists,
        report.albums,
        report.genres_kept,
        report.genres_seen,
        report.artist_genre_rows,
        report.artist_genre_matches
    );
    let curve: Vec<String> = catalog
        .kmeans
        .inertia_curve
        .iter()
        .map(|(k, i)| format!("{k}:{i:.0}"))
        .collect();
    println!(
        "k-means: k = {} by the elbow of the inertia curve [{}]",
        report.k,
        curve.join(" ")
    );
    print_sizes(&bytes, catalog.n_tracks())?;
    println!(
        "wrote {} in {:.1} s (read {:.1} s, merge and fit {:.1} s)",
        args.out.display(),
        started.elapsed().as_secs_f64(),
        read_time.as_secs_f64(),
        fit_time.as_secs_f64()
    );
    Ok(())
}

/// Reads and validates a catalog file, naming the file in any error.
pub(crate) fn read_catalog(path: &Path) -> anyhow::Result<Catalog> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Catalog::from_bytes(&bytes)
        .with_context(|| format!("{} is not a valid catalog", path.display()))
}

fn synth_catalog(args: &SynthArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let source = read_catalog(&args.from)?;
    let config = SynthConfig {
        n_tracks: args.tracks,
        seed: args.seed,
        jitter: 0.05,
    };
    let catalog = synth::synthesize(&source, &config).context("cannot synthesize a catalog")?;
    let bytes = write_catalog(&catalog, &args.out)?;
    println!(
        "synthetic catalog: {} tracks drawn from {} ({} tracks), seed {}",
        catalog.n_tracks(),
        args.from.display(),
        source.n_tracks(),
        args.seed
    );
    print_sizes(&bytes, catalog.n_tracks())?;
    println!(
        "wrote {} in {:.1} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn info(path: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let invalid = || format!("{} is not a valid catalog", path.display());
    // Step by step, as the browser decodes it, timing each step: the slowest one is how long the
    // page's main thread can be blocked at once.
    let started = Instant::now();
    let mut decoder = CatalogDecoder::new(&bytes).with_context(invalid)?;
    let (mut steps, mut slowest) = (0usize, (Duration::ZERO, String::new()));
    loop {
        let step = decoder.next_step();
        let step_started = Instant::now();
        let done = decoder.step().with_context(invalid)?;
        let took = step_started.elapsed();
        steps += 1;
        if took > slowest.0 {
            slowest = (took, step);
        }
        if done {
            break;
        }
    }
    let catalog = decoder.finish().with_context(invalid)?;
    let decode = started.elapsed();
    println!(
        "{}: {} tracks, {} artists, {} albums, {} genres, k = {}; decoded and validated in {:.1} ms ({steps} steps, slowest {:.1} ms: {})",
        path.display(),
        catalog.n_tracks(),
        catalog.artists.names.len(),
        catalog.albums.len(),
        catalog.genres.names.len(),
        catalog.kmeans.k(),
        decode.as_secs_f64() * 1000.0,
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1
    );
    let hits = catalog.charted.iter().filter(|&&c| c == Some(true)).count();
    let known = catalog.charted.iter().filter(|c| c.is_some()).count();
    println!(
        "Billboard Hot 100 flag: {hits} hits, {} not, {} unknown",
        known - hits,
        catalog.n_tracks() - known
    );
    let names = encore_engine::families::family_names(&catalog);
    println!("Sound families: {}", names.join("; "));
    print_sizes(&bytes, catalog.n_tracks())
}
