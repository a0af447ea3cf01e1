//! Installing the tools the build and the tests need, each only when missing or at the wrong
//! version, so a second run on the same machine costs a few `--version` calls.
//!
//! Versions are pinned here (Trunk, binaryen) or read from `Cargo.lock` (wasm-bindgen, whose CLI
//! must be the very version the app links). Cargo-installed tools go to `$CARGO_HOME/bin`,
//! wasm-opt to the project's `.tools/`, Chromium to the system through apt.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{self, version_of, which};
use crate::repo::Repo;
use crate::stamp::{Fingerprint, Stamp};
use crate::step::step;

/// Newer Trunk releases need a newer rustc than the project's toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// wasm-opt from npm `binaryen`; Debian's binaryen 108 produces a wasm that renders nothing.
const BINARYEN_VERSION: &str = "132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Which tools a subcommand needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// What building the site takes: the wasm target, Trunk, wasm-bindgen, wasm-opt.
    Build,
    /// Also what testing in a browser takes: Chromium, chromedriver and playwright-core.
    BuildAndBrowser,
}

pub fn install(repo: &Repo, needs: Needs) -> Result<()> {
    let search_path = search_path(repo);
    step("wasm32 target", wasm_target)?;
    step(&format!("trunk {TRUNK_VERSION}"), || trunk(&search_path))?;
    let bindgen = locked_version(repo, "wasm-bindgen")?;
    step(&format!("wasm-bindgen-cli {bindgen}"), || {
        wasm_bindgen(&search_path, &bindgen)
    })?;
    step(
        &format!("wasm-opt (npm binaryen@{BINARYEN_VERSION})"),
        || wasm_opt(repo),
    )?;
    if needs == Needs::BuildAndBrowser {
        step("chromium and chromedriver", chromium)?;
        step("playwright-core (npm ci in e2e/)", || playwright(repo))?;
    }
    Ok(())
}

/// `PATH` for the tools: project-local ones first, then cargo's bin folder (a fresh rustup
/// install may not have put it on `PATH` yet), then the caller's `PATH`.
pub fn search_path(repo: &Repo) -> OsString {
    let local = repo.tools_dir().join("node_modules").join(".bin");
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = [local, cargo_home().join("bin")]
        .into_iter()
        .chain(std::env::split_paths(&inherited));
    // Joining only fails on a folder containing ':'; then the inherited PATH is the best guess.
    std::env::join_paths(dirs).unwrap_or(inherited)
}

/// A command for one of the tools, run from the repository root with [`search_path`].
pub fn command(repo: &Repo, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("PATH", search_path(repo)).current_dir(&repo.root);
    cmd
}

/// Cargo in the workspace, the one that started xtask (so one toolchain builds everything).
pub fn cargo(repo: &Repo) -> Command {
    let mut cmd = Command::new(cargo_program());
    cmd.env("PATH", search_path(repo)).current_dir(&repo.root);
    cmd
}

fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cargo")
        })
}

fn wasm_target() -> Result<()> {
    let installed =
        process::capture(Command::new("rustup").args(["target", "list", "--installed"])).context(
            "the wasm32 target is installed with rustup; install Rust from https://rustup.rs",
        )?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("    already installed");
        return Ok(());
    }
    process::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn trunk(search_path: &OsString) -> Result<()> {
    if is_installed("trunk", search_path, TRUNK_VERSION) {
        return Ok(());
    }
    // `--locked`: Trunk's own lock file is what its release was tested with.
    process::run(
        Command::new(cargo_program())
            .args(["install", "--locked", "trunk", "--version"])
            .arg(TRUNK_VERSION),
    )
}

fn wasm_bindgen(search_path: &OsString, version: &str) -> Result<()> {
    // The CLI also provides `wasm-bindgen-test-runner`, the runner of the browser tests.
    if is_installed("wasm-bindgen", search_path, version)
        && which("wasm-bindgen-test-runner", search_path).is_some()
    {
        return Ok(());
    }
    // No `--locked`: the registry mirror lacks one dependency version pinned in its lock file.
    process::run(Command::new(cargo_program()).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        version,
    ]))
}

fn wasm_opt(repo: &Repo) -> Result<()> {
    let dir = repo.tools_dir();
    let wasm_opt = dir.join("node_modules").join(".bin").join("wasm-opt");
    // Prints `wasm-opt version 132 (version_132)`.
    if version_of(&wasm_opt).is_some_and(|line| has_word(&line, BINARYEN_VERSION)) {
        println!("    already installed: {}", wasm_opt.display());
        return Ok(());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    process::run(
        npm()?
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )
}

fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("    already installed: {CHROMIUM}, {CHROMEDRIVER}");
        return Ok(());
    }
    let as_root = |args: &[&str]| -> Result<()> {
        let mut cmd = if is_root()? {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        process::run(cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive"))
            .context("Chromium is installed with apt-get (as root or with sudo)")
    };
    as_root(&["update"])?;
    as_root(&["install", "-y", "chromium", "chromium-driver"])
}

fn playwright(repo: &Repo) -> Result<()> {
    let e2e = repo.root.join("e2e");
    let lock = e2e.join("package-lock.json");
    let mut fingerprint = Fingerprint::default();
    fingerprint.file_contents(&lock)?;
    // The stamp lives in node_modules so it goes when they go.
    let stamp = Stamp::new(e2e.join("node_modules").join(".encore-installed"));
    if stamp.matches(&fingerprint) {
        println!("    already installed from {}", lock.display());
        return Ok(());
    }
    process::run(
        npm()?
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e),
    )?;
    stamp.record(&fingerprint)
}

fn npm() -> Result<Command> {
    let search_path = std::env::var_os("PATH").unwrap_or_default();
    match which("npm", &search_path) {
        Some(npm) => Ok(Command::new(npm)),
        None => {
            bail!("npm not found: install Node.js 20 or newer (e.g. apt-get install nodejs npm)")
        }
    }
}

fn is_root() -> Result<bool> {
    Ok(process::capture(Command::new("id").arg("-u"))?.trim() == "0")
}

/// True, after saying so, when `program --version` names exactly `version`.
fn is_installed(program: &str, search_path: &OsString, version: &str) -> bool {
    let Some(path) = which(program, search_path) else {
        println!("    {program} not found");
        return false;
    };
    match version_of(&path) {
        Some(line) if has_word(&line, version) => {
            println!("    already installed: {line}");
            true
        }
        found => {
            println!(
                "    {} is `{}`, need {version}",
                path.display(),
                found.unwrap_or_default()
            );
            false
        }
    }
}

fn has_word(line: &str, word: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .any(|part| part == word)
}

/// The version of `package` that `Cargo.lock` resolved.
fn locked_version(repo: &Repo, package: &str) -> Result<String> {
    let path = repo.root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    version_in_lock(&lock, package)
        .map(str::to_owned)
        .with_context(|| format!("{package} is not in {}", path.display()))
}

fn version_in_lock<'a>(lock: &'a str, package: &str) -> Option<&'a str> {
    let name = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    lines.find(|line| *line == name)?;
    lines
        .next()?
        .strip_prefix("version = \"")?
        .strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_version_is_read_for_the_exact_package() {
        let lock = "[[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.80\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(version_in_lock(lock, "wasm-bindgen"), Some("0.2.130"));
        assert_eq!(
            version_in_lock(lock, "wasm-bindgen-futures"),
            Some("0.4.80")
        );
        assert_eq!(version_in_lock(lock, "wasm-bindgen-macro"), None);
    }

    #[test]
    fn versions_match_whole_words_only() {
        assert!(has_word("trunk 0.21.14", "0.21.14"));
        assert!(!has_word("trunk 0.21.140", "0.21.14"));
        assert!(has_word("wasm-opt version 132 (version_132)", "132"));
        assert!(!has_word("wasm-opt version 108", "132"));
    }
}
