//! `cargo xtask test`: every check the project has, as stages that each run (even after another
//! failed), each timed, ending with one summary line per stage and `N passed, N failed`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::repo::Repo;
use crate::step::format_duration;
use crate::{e2e, layering, process, tools};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with the source CSVs for the end-to-end stage [default: ../shared/data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Run only these stages (repeatable), e.g. `--only e2e`
    #[arg(long, value_name = "STAGE", value_parser = clap::builder::PossibleValuesParser::new(STAGES))]
    pub only: Vec<String>,
}

/// Stage names, in the order they run.
const STAGES: [&str; 9] = [
    "install",
    "fmt",
    "clippy",
    "clippy-wasm",
    "native",
    "engine-purity",
    "layering",
    "wasm",
    "e2e",
];

/// Crates that must never depend on the browser or on entropy: the engine, the track files it reads
/// and Spotify's rules.
const BROWSER_FREE: [&str; 3] = ["encore-tracks", "encore-engine", "encore-spotify"];

/// Crates those must never depend on: they know nothing of the browser or of entropy.
const FORBIDDEN_IN_ENGINE: [&str; 6] = [
    "wasm-bindgen",
    "web-sys",
    "js-sys",
    "gloo",
    "leptos",
    "getrandom",
];

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    let mut results: Vec<(&str, Duration, Result<()>)> = Vec::new();
    for name in STAGES {
        if !args.only.is_empty() && !args.only.iter().any(|only| only == name) {
            continue;
        }
        println!("\n==> stage {name}");
        let start = Instant::now();
        let result = run_stage(repo, args, name);
        let elapsed = start.elapsed();
        match &result {
            Ok(()) => println!("<== stage {name}: passed in {}", format_duration(elapsed)),
            Err(err) => println!(
                "<== stage {name}: FAILED in {}: {err:#}",
                format_duration(elapsed)
            ),
        }
        results.push((name, elapsed, result));
    }

    println!("\nsummary:");
    for (name, elapsed, result) in &results {
        let verdict = match result {
            Ok(()) => "passed".to_owned(),
            Err(err) => format!("FAILED  {err:#}"),
        };
        println!("  {name:<14} {:>7}  {verdict}", format_duration(*elapsed));
    }
    let failed = results
        .iter()
        .filter(|(_, _, result)| result.is_err())
        .count();
    println!("{} passed, {failed} failed", results.len() - failed);
    if failed > 0 {
        bail!("{failed} of {} stages failed", results.len());
    }
    Ok(())
}

fn run_stage(repo: &Repo, args: &Args, name: &str) -> Result<()> {
    let cargo = || tools::cargo(repo);
    match name {
        "install" => tools::install(repo, tools::Needs::BuildAndBrowser),
        "fmt" => process::run(cargo().args(["fmt", "--all", "--check"])),
        // The app is linted once, as what it is: wasm32 code (`clippy-wasm`, tests included).
        "clippy" => process::run(cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "encore-app",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
        "clippy-wasm" => process::run(cargo().args([
            "clippy",
            "--package",
            "encore-app",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
        // The app included: its plain `#[test]`s run natively, its browser tests in `wasm`.
        "native" => process::run(cargo().args(["test", "--workspace"])),
        "engine-purity" => BROWSER_FREE
            .iter()
            .try_for_each(|package| browser_free(repo, package)),
        "layering" => layering::run(repo),
        // The runner (`wasm-bindgen-test-runner`, set in .cargo/config.toml) drives Debian's
        // chromedriver and reads `webdriver.json` for Chromium's flags.
        "wasm" => process::run(
            cargo()
                .args([
                    "test",
                    "--package",
                    "encore-app",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env("CHROMEDRIVER", tools::CHROMEDRIVER),
        ),
        "e2e" => end_to_end(repo, args),
        other => bail!("unknown stage {other}"),
    }
}

fn browser_free(repo: &Repo, package: &str) -> Result<()> {
    let tree = process::capture(tools::cargo(repo).args([
        "tree",
        "--package",
        package,
        "--edges",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
    ]))?;
    let found = forbidden_dependencies(&tree);
    if !found.is_empty() {
        bail!(
            "{package} depends on {}: it must stay free of the browser",
            found.join(", ")
        );
    }
    println!(
        "    {package} depends on none of {}",
        FORBIDDEN_IN_ENGINE.join(", ")
    );
    Ok(())
}

/// The packages in `cargo tree --prefix none` output whose names start with a forbidden name
/// (`gloo` covers `gloo-net`, `wasm-bindgen` covers its macro crates), each named once.
fn forbidden_dependencies(tree: &str) -> Vec<&str> {
    let mut found: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|package| {
            FORBIDDEN_IN_ENGINE
                .iter()
                .any(|name| package.starts_with(name))
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The release build and the mock in headless Chromium, driven by `node --test` in `e2e/`.
fn end_to_end(repo: &Repo, args: &Args) -> Result<()> {
    let rig = e2e::build(repo, args.data.as_deref())?;
    process::run(&mut rig.node_test(repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_crates_in_the_engine_tree_are_found() {
        let clean = "encore-engine v0.1.0 (/w/crates/engine)\nserde v1.0.228\nthiserror v2.0.21\n";
        assert_eq!(forbidden_dependencies(clean), Vec::<&str>::new());

        let dirty = "encore-engine v0.1.0 (/w/crates/engine)\ngetrandom v0.4.3\n\
                     wasm-bindgen v0.2.130\nwasm-bindgen-macro v0.2.130\njs-sys v0.3.107\n\
                     gloo-net v0.7.0\ngetrandom v0.4.3\nleptos v0.8.23\nweb-sys v0.3.107\n";
        assert_eq!(
            forbidden_dependencies(dirty),
            [
                "getrandom",
                "gloo-net",
                "js-sys",
                "leptos",
                "wasm-bindgen",
                "wasm-bindgen-macro",
                "web-sys"
            ]
        );
    }
}
