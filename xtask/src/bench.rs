//! `cargo xtask bench`: Encore's performance, measured end to end and printed as one table.
//!
//! It builds the catalog (as `cargo xtask catalog` does) and a synthetic million-track one, times
//! the engine natively (`encore bench`), builds the benchmark page (`crates/bench` for wasm32,
//! wasm-bindgen) and times the same operations in headless Chromium next to a plain-JavaScript
//! baseline (`e2e/bench/run.mjs`), measures the app's shipped `.wasm` and `.js`, runs the
//! measured end-to-end journeys in their long form (interactions on a 10,000-song library, also
//! under a 4x CPU throttle, a warm revisit, a cold first visit at 20 Mbit/s), and merges it all
//! into `target/bench/bench.json` and a Markdown table (`target/bench/table.md`) for the README.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use encore_bench::{Report, Timing, gzip_len};
use serde::{Deserialize, Serialize};

use crate::app;
use crate::catalog;
use crate::e2e;
use crate::process;
use crate::repo::Repo;
use crate::stamp::{Fingerprint, Stamp};
use crate::step::step;
use crate::tools::{self, Needs};

/// Tracks in the synthetic catalog.
const SYNTH_TRACKS: &str = "1000000";

/// The end-to-end journeys that report figures (`e2e/lib/timing.mjs`), and how many moves per
/// control they make here (3 in `cargo xtask test`).
const JOURNEYS: [&str; 2] = ["responsiveness.test.mjs", "cold-start.test.mjs"];
const JOURNEY_REPEATS: &str = "12";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with the source CSVs (see SOURCES.md) [default: ../shared/data]
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Timed runs per operation.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Untimed runs before the timed ones.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Only these operations (repeatable; names as in the table, e.g. `nearest-50`).
    #[arg(long = "op")]
    ops: Vec<String>,
    /// Leave out the million-track catalog (its recommenders take minutes).
    #[arg(long)]
    skip_1m: bool,
    /// Do not build the app: its sizes then come from `dist/` when present, else are left out.
    #[arg(long)]
    skip_app: bool,
    /// Leave out the measured end-to-end journeys (also left out when `--op` picks operations).
    #[arg(long)]
    skip_journeys: bool,
}

/// Figures of the measured journeys: per journey, each measure in milliseconds.
type Journeys = BTreeMap<String, BTreeMap<String, f64>>;

/// A shipped file of the app and its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShippedFile {
    name: String,
    bytes: u64,
    gzip_bytes: u64,
}

/// Everything `cargo xtask bench` measured.
#[derive(Debug, Serialize, Deserialize)]
struct Combined {
    date: String,
    machine: String,
    native: Report,
    chromium: Report,
    app_files: Vec<ShippedFile>,
    #[serde(default)]
    journeys: Journeys,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    tools::install(repo, Needs::BuildAndBrowser)?;
    let data = catalog::data_dir(repo, args.data.as_deref())?;
    let real = catalog::build(repo, &data)?;
    let out = repo.target.join("bench");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut catalogs = vec![("180k", real.clone())];
    if !args.skip_1m {
        catalogs.push(("1m", synthesize(repo, &real, &out.join("synth-1m.bin"))?));
    }

    let native_json = out.join("native.json");
    step("time the engine natively (encore bench)", || {
        let mut cmd = Command::new(repo.release_bin("encore"));
        cmd.arg("bench")
            .arg("--catalog")
            .arg(&real)
            .arg("--json")
            .arg(&native_json);
        if let Some((_, synth)) = catalogs.get(1) {
            cmd.arg("--synth-1m").arg(synth);
        }
        common_args(&mut cmd, args);
        process::run(&mut cmd)
    })?;

    let site = out.join("web");
    build_page(repo, &site)?;
    let chromium_json = out.join("chromium.json");
    step(
        "time the engine and the JavaScript baseline in headless Chromium",
        || {
            let mut cmd = tools::command(repo, "node");
            cmd.arg("e2e/bench/run.mjs")
                .arg("--site")
                .arg(&site)
                .arg("--out")
                .arg(&chromium_json);
            for (label, path) in &catalogs {
                cmd.arg("--catalog")
                    .arg(format!("{label}={}", path.display()));
            }
            common_args(&mut cmd, args);
            process::run(&mut cmd)
        },
    )?;

    let app_files = if args.skip_app {
        let dist = repo.root.join("dist");
        if dist.is_dir() {
            shipped_files(&dist)?
        } else {
            Vec::new()
        }
    } else {
        let dist = out.join("app");
        app::build(repo, &dist, "/")?;
        shipped_files(&dist)?
    };

    let journeys = if args.skip_journeys || !args.ops.is_empty() {
        Journeys::new()
    } else {
        run_journeys(repo, args, &out)?
    };

    let combined = Combined {
        date: process::capture(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))?
            .trim()
            .to_owned(),
        machine: machine(),
        native: read_report(&native_json)?,
        chromium: read_report(&chromium_json)?,
        app_files,
        journeys,
    };
    let table = table(&combined);
    println!("\n{table}");
    let json = serde_json::to_string_pretty(&combined).context("cannot encode the results")?;
    write(&out.join("bench.json"), &json)?;
    write(&out.join("table.md"), &table)?;
    println!("wrote {} and table.md", out.join("bench.json").display());
    Ok(())
}

/// Runs the measured journeys against the release build and the mock, and reads their figures.
fn run_journeys(repo: &Repo, args: &Args, out: &Path) -> Result<Journeys> {
    let rig = e2e::build(repo, args.data.as_deref())?;
    let figures = out.join("journeys.json");
    // Each run writes the figures afresh; a failed journey must not leave the last run's.
    let _ = std::fs::remove_file(&figures);
    step("measure the end-to-end journeys (long form)", || {
        process::run(
            rig.node_test(repo)
                .args(JOURNEYS)
                .env("ENCORE_E2E_REPEATS", JOURNEY_REPEATS)
                .env("ENCORE_E2E_FIGURES", &figures),
        )
    })?;
    let text = std::fs::read_to_string(&figures)
        .with_context(|| format!("the journeys wrote no figures to {}", figures.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not journey figures", figures.display()))
}

fn common_args(cmd: &mut Command, args: &Args) {
    cmd.arg("--runs")
        .arg(args.runs.to_string())
        .arg("--warmup")
        .arg(args.warmup.to_string());
    for op in &args.ops {
        cmd.arg("--op").arg(op);
    }
}

/// The million-track catalog, regenerated only when the real catalog or the CLI changed.
fn synthesize(repo: &Repo, real: &Path, out: &Path) -> Result<PathBuf> {
    let cli = repo.release_bin("encore");
    let fingerprint = || -> Result<Fingerprint> {
        let mut print = Fingerprint::default();
        print.file_metadata(real)?;
        print.file_contents(&cli)?;
        print.file_metadata(out)?;
        Ok(print)
    };
    let stamp = Stamp::new(repo.scratch().join("synth-1m.stamp"));
    step("synthesize a catalog of a million tracks", || {
        if out.is_file() && stamp.matches(&fingerprint()?) {
            println!("    up to date: {}", out.display());
            return Ok(());
        }
        process::run(
            Command::new(&cli)
                .args(["catalog", "synth", "--tracks", SYNTH_TRACKS, "--from"])
                .arg(real)
                .arg("--out")
                .arg(out),
        )?;
        stamp.record(&fingerprint()?)
    })?;
    Ok(out.to_path_buf())
}

/// The benchmark page: `crates/bench` for wasm32 with the app's `wasm-release` profile (so the
/// engine runs as the app ships it), wasm-bindgen's glue, the page files.
fn build_page(repo: &Repo, site: &Path) -> Result<()> {
    step("build the benchmark page (crates/bench for wasm32)", || {
        process::run(tools::cargo(repo).args([
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "--package",
            "encore-bench",
        ]))?;
        let wasm = repo
            .target
            .join("wasm32-unknown-unknown/wasm-release/encore_bench.wasm");
        process::run(
            tools::command(repo, "wasm-bindgen")
                .args(["--target", "web", "--out-dir"])
                .arg(site.join("pkg"))
                .arg(wasm),
        )?;
        for file in ["index.html", "bench.js"] {
            let from = repo.root.join("crates/bench/web").join(file);
            std::fs::copy(&from, site.join(file))
                .with_context(|| format!("cannot copy {}", from.display()))?;
        }
        Ok(())
    })
}

/// The `.wasm` and `.js` files of the built app, raw and gzip-compressed.
fn shipped_files(dist: &Path) -> Result<Vec<ShippedFile>> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dist).with_context(|| format!("cannot list {}", dist.display()))?
    {
        let path = entry
            .with_context(|| format!("cannot list {}", dist.display()))?
            .path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if matches!(ext, "wasm" | "js") {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            files.push(ShippedFile {
                name: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                bytes: bytes.len() as u64,
                gzip_bytes: gzip_len(&bytes),
            });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn read_report(path: &Path) -> Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a benchmark report", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// CPU model and count, and memory, from `/proc` (Linux); `unknown machine` elsewhere.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .and_then(|rest| rest.split(':').nth(1))
        })
        .map(str::trim);
    let cores = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gb = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map(|kb| kb / 1024.0 / 1024.0);
    match (model, mem_gb) {
        (Some(model), Some(gb)) => format!("{model}, {cores} cores, {gb:.0} GB"),
        (Some(model), None) => format!("{model}, {cores} cores"),
        _ => "unknown machine".to_owned(),
    }
}

fn ms(t: &Timing) -> String {
    format!("{:.2} [{:.2}, {:.2}]", t.median_ms, t.min_ms, t.max_ms)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The README table: per catalog and operation, Chromium (wasm) and native timings side by side,
/// the JavaScript baseline beside nearest-50, then sizes and memory.
fn table(c: &Combined) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "Measured {} on {}.", c.date, c.machine);
    let _ = writeln!(
        t,
        "Browser: {}. Native: {}.",
        c.chromium.platform, c.native.platform
    );
    let _ = writeln!(
        t,
        "Milliseconds: median [min, max] of {} runs after warm-up.\n",
        runs(c)
    );
    let _ = writeln!(
        t,
        "| operation | catalog | Chromium (wasm) | native | wasm / native | note |\n|---|---|---|---|---|---|"
    );
    for web in &c.chromium.catalogs {
        let native = c.native.catalogs.iter().find(|n| n.label == web.label);
        for m in web.ops.iter().filter(|m| !m.op.ends_with("-js")) {
            let here = native.and_then(|n| n.op(&m.op));
            let ratio = here.map_or("".to_owned(), |n| {
                format!("{:.1}x", m.timing.median_ms / n.median_ms.max(1e-9))
            });
            let note = match web.op(&format!("{}-js", m.op)) {
                Some(js) => format!(
                    "plain JS {}: wasm is {:.1}x faster",
                    ms(js),
                    js.median_ms / m.timing.median_ms.max(1e-9)
                ),
                None => String::new(),
            };
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} | {} |",
                m.op,
                web.label,
                ms(&m.timing),
                here.map_or("-".to_owned(), ms),
                ratio,
                note
            );
        }
    }
    let _ = writeln!(
        t,
        "\n| catalog | tracks | file | gzip | bytes per track (raw / gzip) | wasm memory after decode | after every operation |\n|---|---|---|---|---|---|---|"
    );
    for web in &c.chromium.catalogs {
        let gzip = c
            .native
            .catalogs
            .iter()
            .find(|n| n.label == web.label)
            .and_then(|n| n.gzip_bytes);
        let per_track = |bytes: u64| bytes as f64 / web.n_tracks.max(1) as f64;
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {:.1} / {} | {} | {} |",
            web.label,
            web.n_tracks,
            mb(web.file_bytes),
            gzip.map_or("-".to_owned(), mb),
            per_track(web.file_bytes),
            gzip.map_or("-".to_owned(), |g| format!("{:.1}", per_track(g))),
            web.memory_after_decode_bytes.map_or("-".to_owned(), mb),
            web.memory_after_all_bytes.map_or("-".to_owned(), mb),
        );
    }
    if !c.app_files.is_empty() {
        let _ = writeln!(t, "\n| shipped file | raw | gzip |\n|---|---|---|");
        for f in &c.app_files {
            let _ = writeln!(
                t,
                "| {} | {} bytes | {} bytes |",
                f.name, f.bytes, f.gzip_bytes
            );
        }
        let (raw, gz) = c
            .app_files
            .iter()
            .fold((0, 0), |(r, g), f| (r + f.bytes, g + f.gzip_bytes));
        let _ = writeln!(t, "| total | {raw} bytes | {gz} bytes |");
    }
    for (journey, figures) in &c.journeys {
        let _ = writeln!(t, "\n| {journey} | ms |\n|---|---|");
        for (measure, value) in figures {
            let _ = writeln!(t, "| {measure} | {value:.0} |");
        }
    }
    t
}

fn runs(c: &Combined) -> usize {
    c.chromium
        .catalogs
        .iter()
        .flat_map(|cat| cat.ops.iter())
        .map(|m| m.timing.runs)
        .max()
        .unwrap_or(0)
}
