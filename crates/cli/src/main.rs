//! `encore`: the native command line over the engine. It does the IO (files, gzip, stdin and
//! stdout) and leaves every decision to `encore-engine`.

mod catalog;

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
}

fn main() -> anyhow::Result<()> {
    match Command::parse() {
        Command::Catalog(command) => catalog::run(command),
    }
}
