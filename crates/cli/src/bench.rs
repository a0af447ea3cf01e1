//! `encore bench`: times the engine's operations natively, on the real catalog and optionally on
//! a synthetic million-track one, and prints a table (and JSON with `--json`).
//!
//! The operations and their inputs are `encore-bench`'s, the very ones the browser benchmark page
//! runs, so `cargo xtask bench` can set the two side by side. Each operation runs `--warmup`
//! times untimed, then `--runs` times; the table shows the median, min and max in milliseconds.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use encore_bench::{CatalogReport, Measurement, Op, Report, Timing, Workload, gzip_len, time_runs};
use encore_engine::Catalog;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The catalog file (from `encore catalog build`).
    #[arg(long)]
    catalog: PathBuf,
    /// A synthetic catalog of a million tracks (from `encore catalog synth --tracks 1000000`).
    #[arg(long = "synth-1m")]
    synth_1m: Option<PathBuf>,
    /// Timed runs per operation (the median needs at least 20 to mean much).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Untimed runs before the timed ones.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Only these operations, by the names the table prints (repeatable); all by default.
    #[arg(long = "op")]
    ops: Vec<String>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let ops = selected_ops(&args.ops)?;
    let mut catalogs = vec![bench_catalog("180k", &args.catalog, &ops, &args)?];
    if let Some(path) = &args.synth_1m {
        catalogs.push(bench_catalog("1m", path, &ops, &args)?);
    }
    let report = Report {
        runner: "native".to_owned(),
        platform: format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
        catalogs,
    };
    print_table(&report);
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).context("cannot encode the report")?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn selected_ops(names: &[String]) -> anyhow::Result<Vec<Op>> {
    if names.is_empty() {
        return Ok(Op::all());
    }
    names
        .iter()
        .map(|name| match Op::from_name(name) {
            Some(op) => Ok(op),
            None => {
                let known: Vec<String> = Op::all().into_iter().map(Op::name).collect();
                bail!("unknown operation {name:?}; known: {}", known.join(", "))
            }
        })
        .collect()
}

fn bench_catalog(
    label: &str,
    path: &Path,
    ops: &[Op],
    args: &BenchArgs,
) -> anyhow::Result<CatalogReport> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let catalog = Catalog::from_bytes(&bytes)
        .with_context(|| format!("{} is not a valid catalog", path.display()))?;
    let n_tracks = catalog.n_tracks();
    eprintln!("{label}: {n_tracks} tracks from {}", path.display());
    let clock = Instant::now();
    let now_ms = || clock.elapsed().as_secs_f64() * 1e3;
    let mut measured = Vec::new();
    let mut record = |op: String, timing: Option<Timing>| {
        if let Some(timing) = timing {
            eprintln!("  {op:<28} {:>10.3} ms median", timing.median_ms);
            measured.push(Measurement { op, timing });
        }
    };

    let decode = time_runs(now_ms, args.warmup, args.runs, || {
        black_box(Catalog::from_bytes(black_box(&bytes)).is_ok());
    });
    record("decode".to_owned(), decode);

    let start = now_ms();
    let mut workload = Workload::new(catalog);
    let prepare = now_ms() - start;
    record("prepare".to_owned(), Timing::from_samples(&mut [prepare]));

    for &op in ops {
        // One checked run first, so a failing operation is reported rather than timed.
        workload
            .run(op)
            .with_context(|| format!("{} on the {label} catalog", op.name()))?;
        let timing = time_runs(now_ms, args.warmup, args.runs, || {
            black_box(workload.run(op).ok());
        });
        record(op.name(), timing);
    }
    Ok(CatalogReport {
        label: label.to_owned(),
        n_tracks,
        file_bytes: bytes.len() as u64,
        gzip_bytes: Some(gzip_len(&bytes)),
        memory_after_decode_bytes: None,
        memory_after_all_bytes: None,
        ops: measured,
    })
}

fn print_table(report: &Report) {
    println!("native benchmark ({}), milliseconds", report.platform);
    for catalog in &report.catalogs {
        println!(
            "\n{} catalog: {} tracks, {} bytes ({:.1} per track), gzip {}",
            catalog.label,
            catalog.n_tracks,
            catalog.file_bytes,
            catalog.file_bytes as f64 / catalog.n_tracks.max(1) as f64,
            catalog.gzip_bytes.map_or("-".to_owned(), |g| g.to_string()),
        );
        println!(
            "{:<28} {:>10} {:>10} {:>10} {:>5}",
            "operation", "median", "min", "max", "runs"
        );
        for m in &catalog.ops {
            let t = &m.timing;
            println!(
                "{:<28} {:>10.3} {:>10.3} {:>10.3} {:>5}",
                m.op, t.median_ms, t.min_ms, t.max_ms, t.runs
            );
        }
    }
}
