//! Building the browser app with Trunk (release, offline: every tool is installed beforehand).

use std::path::Path;

use anyhow::{Result, bail};

use crate::process;
use crate::repo::Repo;
use crate::step::step;
use crate::tools;

/// Builds the site into `dist` for serving under `public_url` (`/` locally, `/REPO/` on Pages).
pub fn build(repo: &Repo, dist: &Path, public_url: &str) -> Result<()> {
    if !repo.catalog().is_file() {
        // index.html copies the catalog into the site; Trunk's own error would not say why.
        bail!(
            "{} is missing: run `cargo xtask catalog` first",
            repo.catalog().display()
        );
    }
    step("build the app (trunk build --release --offline)", || {
        process::run(
            tools::command(repo, "trunk")
                .args([
                    "build",
                    "--release",
                    "--offline",
                    "--public-url",
                    public_url,
                    "--dist",
                ])
                .arg(dist),
        )
    })
}
