//! `cargo xtask dist --public-url /REPO/`: the static site for GitHub Pages in `dist/`.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::repo::Repo;
use crate::step::step;
use crate::{app, catalog, tools};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Path the site is served under: `/REPO/` for https://USER.github.io/REPO/
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub public_url: String,
    /// Folder with the source CSVs (see SOURCES.md) [default: ../shared/data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    let data = catalog::data_dir(repo, args.data.as_deref())?;
    let public_url = with_slashes(&args.public_url);
    tools::install(repo, tools::Needs::Build)?;
    catalog::build(repo, &data)?;
    let dist = repo.root.join("dist");
    app::build(repo, &dist, &public_url)?;
    step(
        "404.html (GitHub Pages serves it for client-side routes)",
        || {
            std::fs::copy(dist.join("index.html"), dist.join("404.html"))
                .context("cannot copy dist/index.html to dist/404.html")
                .map(drop)
        },
    )?;
    println!("dist/ is ready to publish under {public_url}");
    Ok(())
}

/// Trunk prefixes every asset URL with the public URL, so it must start and end with `/`.
fn with_slashes(url: &str) -> String {
    let trimmed = url.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_get_leading_and_trailing_slashes() {
        let check = |given: &str, expected: &str| assert_eq!(with_slashes(given), expected);
        check("/", "/");
        check("", "/");
        check("encore", "/encore/");
        check("/encore", "/encore/");
        check("/encore/", "/encore/");
        check("/org/encore/", "/org/encore/");
    }
}
