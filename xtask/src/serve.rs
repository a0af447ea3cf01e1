//! `cargo xtask serve`: everything a newcomer needs to see the app running on
//! http://127.0.0.1:8080/ (never `localhost`: Spotify refuses it as a redirect URI).

use std::path::PathBuf;

use anyhow::Result;

use crate::repo::Repo;
use crate::{catalog, process, tools};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with the source CSVs (see SOURCES.md) [default: ../shared/data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Port on 127.0.0.1
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

pub fn run(repo: &Repo, args: &Args) -> Result<()> {
    let data = catalog::data_dir(repo, args.data.as_deref())?;
    tools::install(repo, tools::Needs::Build)?;
    catalog::build(repo, &data)?;
    let url = format!("http://127.0.0.1:{}/", args.port);
    // One Trunk process builds (its log is timestamped: that is the build's duration) and then
    // serves, watching the sources; a separate `trunk build` first would run wasm-opt twice.
    println!("==> build the app (Trunk, release, offline), then serve it on {url}");
    println!(
        "    Trunk rebuilds when the app's sources change (the page then offers to reload); Ctrl-C stops."
    );
    process::run(
        tools::command(repo, "trunk")
            .args(["serve", "--release", "--offline"])
            .args(["--address", "127.0.0.1", "--port", &args.port.to_string()])
            // Otherwise Trunk also lists reverse-DNS names like `localhost.`, which Spotify refuses.
            .arg("--disable-address-lookup")
            // Trunk's reload script is rewritten on every request, so the page's CSP (written at
            // build time, see `site`) cannot hash it: reload by hand after a rebuild.
            .arg("--no-autoreload"),
    )
}
