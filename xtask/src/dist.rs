//! `cargo xtask dist [--cname HOST | --public-url /REPO/]`: the static site for GitHub Pages in
//! `dist/`. The documented default is a dedicated origin (a custom domain, whose name `--cname`
//! writes to `CNAME`, or a `USER.github.io` site): a `/REPO/` project site shares its origin, and
//! so its storage, with every other Pages site of its owner.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

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
    /// Custom domain the site is served from (e.g. encore.example.org): written to dist/CNAME
    #[arg(long, value_name = "HOST")]
    pub cname: Option<String>,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    let data = catalog::data_dir(repo, args.data.as_deref())?;
    let public_url = with_slashes(&args.public_url);
    let cname = args.cname.as_deref().map(custom_domain).transpose()?;
    if cname.is_some() && public_url != "/" {
        bail!("a custom domain serves the site at its root: drop --public-url {public_url}");
    }
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
    if let Some(host) = &cname {
        step("CNAME (the custom domain GitHub Pages serves)", || {
            std::fs::write(dist.join("CNAME"), format!("{host}\n"))
                .context("cannot write dist/CNAME")
        })?;
        println!("dist/ is ready to publish at https://{host}/");
    } else {
        println!("dist/ is ready to publish under {public_url}");
    }
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

/// A host name as GitHub Pages wants it in `CNAME`: lower case, no scheme, path or port.
fn custom_domain(given: &str) -> Result<String> {
    let host = given.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.len() > 253 || !host.contains('.') || !host.split('.').all(label_ok) {
        bail!(
            "--cname {given:?} is not a host name like encore.example.org (no scheme, path or port)"
        );
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_domains_are_plain_host_names() {
        assert_eq!(
            custom_domain("Encore.Example.org").unwrap(),
            "encore.example.org"
        );
        assert_eq!(
            custom_domain(" music.example.net. ").unwrap(),
            "music.example.net"
        );
        for bad in [
            "",
            "localhost",
            "https://encore.example.org",
            "encore.example.org/app",
            "encore.example.org:443",
            "-bad.example.org",
            "a..b",
        ] {
            assert!(custom_domain(bad).is_err(), "{bad:?} is refused");
        }
    }

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
