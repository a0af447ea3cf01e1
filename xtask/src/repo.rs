//! Where things are: the repository root, the cargo target directory and the paths every
//! subcommand shares.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Paths of this checkout. Built once in `main` and passed down.
#[derive(Debug)]
pub struct Repo {
    /// The workspace root (the app crate's folder, parent of `xtask/`).
    pub root: PathBuf,
    /// Cargo's target directory (`CARGO_TARGET_DIR` or `target/`).
    pub target: PathBuf,
}

impl Repo {
    pub fn locate() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("xtask is not inside the Encore workspace")?
            .to_path_buf();
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        Ok(Self { root, target })
    }

    /// The built catalog, copied into the site by `index.html`.
    pub fn catalog(&self) -> PathBuf {
        self.root.join("public").join("catalog.bin")
    }

    /// A native release binary of this workspace.
    pub fn release_bin(&self, name: &str) -> PathBuf {
        self.target.join("release").join(name)
    }

    /// xtask's own scratch space: stamps and the end-to-end build.
    pub fn scratch(&self) -> PathBuf {
        self.target.join("xtask")
    }

    /// Project-local tools (wasm-opt from npm), kept out of the system and of git.
    pub fn tools_dir(&self) -> PathBuf {
        self.root.join(".tools")
    }
}
