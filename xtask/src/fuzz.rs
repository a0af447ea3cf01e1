//! `cargo xtask fuzz [--seconds N]`: the engine's fuzz targets (`crates/engine/tests/fuzz.rs`:
//! the catalog decoder, the CSV importer, Spotify's JSON replies) for longer than the bounded
//! round `cargo xtask test` runs, optimized, on the stable toolchain.

use anyhow::Result;

use crate::process;
use crate::repo::Repo;
use crate::step::step;
use crate::tools;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each fuzz target runs, in seconds (they run two at a time)
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    step("fuzz the engine's untrusted inputs", || {
        process::run(
            tools::cargo(repo)
                .args([
                    "test",
                    "--release",
                    "--package",
                    "encore-engine",
                    "--test",
                    "fuzz",
                ])
                .env("ENCORE_FUZZ_SECONDS", args.seconds.to_string()),
        )
    })
}
