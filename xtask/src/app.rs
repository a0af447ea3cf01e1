//! Building the browser app with Trunk (release, offline: every tool is installed beforehand).
//! Trunk's post-build hook (`Trunk.toml`) runs `cargo xtask site`, which writes the page's
//! Content-Security-Policy and the service worker's build (see [`crate::site`]).

use std::path::Path;

use anyhow::{Result, bail};

use crate::process;
use crate::repo::Repo;
use crate::step::step;
use crate::tools;

/// Whom the built app talks to besides its own origin: this sets the CSP's `connect-src`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spotify {
    /// The Spotify URLs of the `config.json` being deployed (`public/config.json`).
    FromConfig,
    /// The mock Spotify of the tests, on 127.0.0.1 at whatever port it was given.
    Mock,
}

/// CSP source expression of the mock: it listens on 127.0.0.1 at an ephemeral port per test,
/// while the build happens once before all tests.
const MOCK_ORIGINS: &str = "http://127.0.0.1:*";

/// Builds the site into `dist` for serving under `public_url` (`/` locally, `/REPO/` on Pages).
pub fn build(repo: &Repo, dist: &Path, public_url: &str) -> Result<()> {
    build_for(repo, dist, public_url, Spotify::FromConfig)
}

/// Builds the site as [`build`] does, talking to `spotify`.
pub fn build_for(repo: &Repo, dist: &Path, public_url: &str, spotify: Spotify) -> Result<()> {
    if !repo.catalog().is_file() {
        // index.html copies the catalog into the site; Trunk's own error would not say why.
        bail!(
            "{} is missing: run `cargo xtask catalog` first",
            repo.catalog().display()
        );
    }
    step("build the app (trunk build --release --offline)", || {
        let mut trunk = tools::command(repo, "trunk");
        trunk
            .args([
                "build",
                "--release",
                "--offline",
                "--public-url",
                public_url,
                "--dist",
            ])
            .arg(dist);
        match spotify {
            Spotify::FromConfig => trunk.env_remove("ENCORE_CONNECT_ORIGINS"),
            Spotify::Mock => trunk.env("ENCORE_CONNECT_ORIGINS", MOCK_ORIGINS),
        };
        process::run(&mut trunk)
    })
}
