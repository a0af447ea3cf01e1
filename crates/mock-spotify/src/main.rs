//! `mock-spotify`: the fake Spotify as a process (see the library's docs for the control API).
//! Prints `{"url": .., "app_url": ..}` as its first stdout line, then serves until interrupted.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use mock_spotify::{
    AppSite, FaultRule, Library, LibraryParams, MockConfig, Settings, catalog_tracks,
    generated_tracks,
};

/// A fake of Spotify's accounts service and Web API on 127.0.0.1, for tests.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port for the mock; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Encore catalog file whose tracks make up the library; invented tracks when absent.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Number of liked songs (0 to 50,000).
    #[arg(long, default_value_t = 1_000)]
    liked: usize,
    /// Seed for the library and the secrets handed out.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Lifetime of access tokens in seconds.
    #[arg(long, default_value_t = 3_600)]
    expires_in: u64,
    /// The only client id accepted (also written to the app's config.json); any when absent.
    #[arg(long)]
    client_id: Option<String>,
    /// A redirect uri to allow (repeatable); any https or loopback one when absent.
    #[arg(long)]
    redirect_uri: Vec<String>,
    /// Expose `Retry-After` to browsers (real Spotify does not).
    #[arg(long)]
    expose_retry_after: bool,
    /// Milliseconds added before every answer, like a real network's round trip.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A fault rule as JSON, e.g. '{"kind":"rate_limit","path":"/v1/me/tracks","after":3,"times":1}'.
    #[arg(long, value_parser = parse_fault)]
    fault: Vec<FaultRule>,
    /// Serve this static directory (the built app) on a second origin.
    #[arg(long)]
    app_dir: Option<PathBuf>,
    /// Port for the app's origin; 0 picks a free one.
    #[arg(long, default_value_t = 0, requires = "app_dir")]
    app_port: u16,
}

fn parse_fault(s: &str) -> Result<FaultRule, String> {
    serde_json::from_str(s).map_err(|e| format!("not a fault rule: {e}"))
}

fn library(args: &Args) -> Result<Library> {
    let params = LibraryParams {
        liked: args.liked,
        seed: args.seed,
    };
    let tracks = match &args.catalog {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading catalog {}", path.display()))?;
            let catalog = encore_engine::Catalog::from_bytes(&bytes)
                .with_context(|| format!("decoding catalog {}", path.display()))?;
            catalog_tracks(&catalog)
        }
        // Twice the liked songs, so playlists and top tracks are not all liked ones.
        None => generated_tracks((2 * args.liked).max(2_000), args.seed),
    };
    if tracks.is_empty() {
        bail!("the catalog has no tracks");
    }
    Library::from_tracks(tracks, params).context("building the mock library")
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let library = library(&args)?;
    let config = MockConfig {
        port: args.port,
        settings: Settings {
            expires_in_s: args.expires_in,
            expose_retry_after: args.expose_retry_after,
            client_id: args.client_id.clone(),
            redirect_uris: args.redirect_uri.clone(),
        },
        faults: args.fault.clone(),
        seed: args.seed,
        latency_ms: args.latency_ms,
        app: args.app_dir.clone().map(|dir| AppSite {
            dir,
            port: args.app_port,
        }),
    };
    let server = mock_spotify::start(config, library)
        .await
        .context("starting the mock")?;
    println!("{}", server.startup_line());
    tokio::select! {
        result = server.wait() => result.context("serving"),
        signal = tokio::signal::ctrl_c() => signal.context("waiting for Ctrl-C"),
    }
}
