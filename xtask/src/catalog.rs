//! `cargo xtask catalog`: build `public/catalog.bin` with the `encore` CLI, skipped when neither
//! the source CSVs nor the CLI changed since the last build.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::process;
use crate::repo::Repo;
use crate::stamp::{Fingerprint, Stamp};
use crate::step::step;
use crate::tools;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with the source CSVs (see SOURCES.md) [default: ../shared/data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    let data = data_dir(repo, args.data.as_deref())?;
    build(repo, &data).map(drop)
}

/// The folder with the source CSVs: the one given, else `../shared/data` beside the checkout.
pub fn data_dir(repo: &Repo, given: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = given {
        if !dir.is_dir() {
            bail!("--data {}: no such folder", dir.display());
        }
        return Ok(dir.to_path_buf());
    }
    let default = repo.root.join("..").join("shared").join("data");
    if !default.is_dir() {
        bail!(
            "no catalog sources: pass --data DIR (a folder with the track CSVs) or put them in \
             ../shared/data next to the checkout"
        );
    }
    // Canonical, so logs and errors show `/work/shared/data` rather than `main/../shared/data`.
    default
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", default.display()))
}

/// Builds the catalog unless it is up to date; returns its path.
pub fn build(repo: &Repo, data: &Path) -> Result<PathBuf> {
    step("build the encore CLI (release)", || {
        process::run(tools::cargo(repo).args(["build", "--release", "--package", "encore-cli"]))
    })?;
    let cli = repo.release_bin("encore");
    let out = repo.catalog();
    let stamp = Stamp::new(repo.scratch().join("catalog.stamp"));
    step("build the catalog", || {
        if out.is_file() && stamp.matches(&fingerprint(data, &cli, &out)?) {
            println!(
                "    up to date: {} (sources and CLI unchanged)",
                out.display()
            );
            return Ok(());
        }
        process::run(
            std::process::Command::new(&cli)
                .args(["catalog", "build", "--data"])
                .arg(data)
                .arg("--out")
                .arg(&out),
        )?;
        stamp.record(&fingerprint(data, &cli, &out)?)
    })?;
    Ok(out)
}

/// Every source file by size and time, the CLI by contents, and the output as it was written
/// (so a catalog replaced by hand is rebuilt).
fn fingerprint(data: &Path, cli: &Path, out: &Path) -> Result<Fingerprint> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(data)
        .with_context(|| format!("cannot list {}", data.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .collect();
    sources.sort();
    let mut print = Fingerprint::default();
    for source in &sources {
        print.file_metadata(source)?;
    }
    print.file_contents(cli)?;
    print.file_metadata(out)?;
    Ok(print)
}
