//! `cargo xtask`: Encore's task runner, the one entry point for people and CI.
//!
//! - `serve`: install missing tools, build the catalog and the app, serve it on 127.0.0.1.
//! - `catalog`: build `public/catalog.bin` from the source CSVs (skipped when unchanged).
//! - `dist`: a static site for GitHub Pages in `dist/`.
//! - `site`: Trunk's post-build hook: the Content-Security-Policy and the service worker's build.
//! - `test`: every check, stage by stage, with a summary (what `.ci/run` calls).
//! - `bench`: the performance table (native, WebAssembly in Chromium, plain JavaScript).
//! - `fuzz`: the engine's fuzz targets for longer than `test` runs them.
//!
//! Each subcommand lives in its own module; `step` prints and times what they do, `process` runs
//! external programs, `tools` installs them. Errors end the run with one line, never a backtrace.

mod app;
mod bench;
mod catalog;
mod csp;
mod dist;
mod e2e;
mod fuzz;
mod icon;
mod layering;
mod process;
mod repo;
mod serve;
mod site;
mod stamp;
mod step;
mod test;
mod tools;

use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Encore's tasks: serve, catalog, dist, test, bench, fuzz"
)]
enum Command {
    /// Install missing tools, build the catalog and the app, and serve it on http://127.0.0.1:8080/.
    Serve(serve::Args),
    /// Build `public/catalog.bin` from the source CSVs (skipped when inputs are unchanged).
    Catalog(catalog::Args),
    /// Build the static site for GitHub Pages into `dist/` (catalog included, 404.html = index.html).
    Dist(dist::Args),
    /// Run every check (fmt, clippy, native, engine purity, browser, end-to-end) and summarize.
    Test(test::Args),
    /// Time the engine natively and in headless Chromium (with a JavaScript baseline) and print
    /// one table; results in target/bench/.
    Bench(bench::Args),
    /// Fuzz the catalog decoder, the CSV importer and Spotify's JSON parsers (each target
    /// `--seconds N`, default 60).
    Fuzz(fuzz::Args),
    /// Trunk's post-build hook (Trunk.toml): write the CSP into index.html and the build into sw.js.
    #[command(hide = true)]
    Site(site::Args),
}

fn main() -> ExitCode {
    let result = repo::Repo::locate().and_then(|repo| match Command::parse() {
        Command::Serve(args) => serve::run(&repo, &args),
        Command::Catalog(args) => catalog::run(&repo, &args),
        Command::Dist(args) => dist::run(&repo, &args),
        Command::Test(args) => test::run(&repo, &args),
        Command::Bench(args) => bench::run(&repo, &args),
        Command::Fuzz(args) => fuzz::run(&repo, &args),
        Command::Site(args) => site::run(&args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line with the whole context chain; `{:?}` would print a backtrace when
            // RUST_BACKTRACE is set, which says nothing to someone fixing their setup.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
