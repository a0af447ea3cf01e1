//! The end-to-end rig: the catalog, the release app built to talk to the mock, the mock itself,
//! and `node` in `e2e/` told where to find them. `test` runs every journey in its short form;
//! `bench` runs the measured journeys in their long form and reads back their figures.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::repo::Repo;
use crate::{app, catalog, process, tools};

/// What the end-to-end tests run against (`e2e/lib/paths.mjs` reads these).
#[derive(Debug)]
pub struct Rig {
    app_dir: PathBuf,
    catalog: PathBuf,
    mock_bin: PathBuf,
}

/// Builds the catalog from `data` (default `../shared/data`), the app for the mock and the mock.
pub fn build(repo: &Repo, data: Option<&Path>) -> Result<Rig> {
    let data = catalog::data_dir(repo, data)?;
    let catalog = catalog::build(repo, &data)?;
    let app_dir = repo.scratch().join("e2e-dist");
    app::build_for(repo, &app_dir, "/", app::Spotify::Mock)?;
    process::run(tools::cargo(repo).args(["build", "--release", "--package", "mock-spotify"]))?;
    Ok(Rig {
        app_dir,
        catalog,
        mock_bin: repo.release_bin("mock-spotify"),
    })
}

impl Rig {
    /// `node --test` in `e2e/` against this rig; add test files to run only those. The defaults
    /// in `e2e/lib/paths.mjs` are the same places, so `node --test` in e2e/ also works by hand
    /// after one `cargo xtask test`.
    pub fn node_test(&self, repo: &Repo) -> Command {
        let mut node = tools::command(repo, "node");
        node.arg("--test")
            .current_dir(repo.root.join("e2e"))
            .env("ENCORE_APP_DIR", &self.app_dir)
            .env("ENCORE_CATALOG", &self.catalog)
            .env("ENCORE_MOCK_BIN", &self.mock_bin);
        node
    }
}
