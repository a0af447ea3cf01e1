//! `encore`: the native command line over the engine. It does the IO (files, gzip, stdin and
//! stdout) and leaves every decision to `encore-engine`.

mod bench;
mod catalog;
mod eval;
mod recommend;
mod train;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "encore",
    version,
    about = "Encore's catalog builder, batch recommender and evaluator"
)]
enum Command {
    /// Build, inspect or synthesize the track catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Recommend for JSON-lines cases on stdin, one JSON line out per line in.
    Recommend(recommend::RecommendArgs),
    /// Score every method (or those named) on held-out cases and print a table.
    Eval(eval::EvalArgs),
    /// Learn blend's weights from held-out cases (cross-validated) and write them into the engine.
    Train(train::TrainArgs),
    /// Time the engine's operations natively (the browser's are timed by `cargo xtask bench`).
    Bench(bench::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    match Command::parse() {
        Command::Catalog(command) => catalog::run(command),
        Command::Recommend(args) => recommend::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Train(args) => train::run(args),
        Command::Bench(args) => bench::run(args),
    }
}
