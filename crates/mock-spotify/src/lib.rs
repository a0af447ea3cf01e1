//! A fake of Spotify's accounts service and Web API for tests, served on `127.0.0.1`.
//!
//! It behaves as `shared/docs/spotify-web-api-2026.md` describes the real services in late 2026:
//! Authorization Code with PKCE (S256, single-use codes, rotating refresh tokens), bearer-token and
//! scope checks, Spotify's error bodies, CORS like the real hosts (`Retry-After` not exposed unless
//! switched on), real paging with absolute `next` urls, and the removed endpoints answering as they
//! now do. The library is real when it comes from the Encore catalog (`--catalog`), invented
//! otherwise, and always deterministic for a seed. Scenarios (token expiry, 429 with and without
//! CORS, a storm of 429s, the plain-text 403 of a user missing from the allow-list, 5xx, slow
//! replies, a denied login) and a network latency are switched per run with flags or at runtime
//! through the control API.
//!
//! What it deliberately does not do: persist anything, model more than one user, enforce rate
//! limits on its own (a 429 only comes from a fault rule), honour `fields=` filters, or serve any
//! object beyond what the Encore app reads.
//!
//! # Running it
//!
//! ```text
//! mock-spotify --port 0 --liked 10000 --seed 7 [--catalog catalog.bin] [--client-id ID]
//!              [--expires-in 3600] [--expose-retry-after] [--latency-ms 150]
//!              [--fault '{"kind":"rate_limit"}']...
//!              [--app-dir dist --app-port 0]
//! ```
//!
//! The first line on stdout is JSON naming the bound origins, e.g.
//! `{"url":"http://127.0.0.1:40123","app_url":"http://127.0.0.1:40124"}` (`app_url` is `null`
//! without `--app-dir`). The accounts service is at `url` (`/authorize`, `/api/token`), the Web API
//! at `url + "/v1"`. With `--app-dir`, `app_url` serves that directory with fallback to
//! `index.html` and a `/config.json` pointing the app at the mock. In-process, call [`start`].
//!
//! # Library
//!
//! - Liked songs: `--liked N` distinct tracks (0..=50,000), newest first; more can be liked at
//!   runtime (`POST /__mock/like_more`) or un-liked (`POST /__mock/unlike`).
//! - Top tracks: 50 per time range (`short_term`, `medium_term`, `long_term`).
//! - Playlists, in this order in `GET /v1/me/playlists`: playlists the app created (newest first),
//!   then "Road Trip" (owned, private, 130 entries: entry 3 is `item: null`, 7 a local file, 11 an
//!   episode, 20 and 21 duplicate entry 5), "Shared With Friends" (someone else's, collaborative,
//!   40 entries, entry 9 duplicates entry 2), "Someone Else's Mix" (someone else's: items give 403),
//!   "Today's Top Hits" (Spotify-owned, id `37i9dQZF1DXcBWIGoYBM5M`: 404) and "Empty For Now".
//! - Recently played: the last 50 plays.
//!
//! The mock logs in everyone as user `mock-listener`. Without `--client-id` any non-empty client
//! id is accepted (bring-your-own-client-id); redirect uris must be `https://`,
//! `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...` (never `localhost`) unless
//! `--redirect-uri` lists the only ones allowed.
//!
//! # Control API (JSON, CORS-enabled, never logged nor faulted)
//!
//! | request | effect |
//! |---|---|
//! | `GET /__mock` | `{url, app_url, accounts_url, api_url}` |
//! | `GET /__mock/received` | what the mock received, see below |
//! | `GET /__mock/library` | `{user_id, n_tracks_in_pool, liked_total, top_tracks: {short_term: [ids]...}, playlists: [{id, name, owner_id, collaborative, public, items_readable, total}], recently_played_total}`; add `?ids=true` for `liked_ids` (newest first) |
//! | `POST /__mock/faults` | body: one rule or an array of rules; answers `201 {"ids": [..]}` |
//! | `GET /__mock/faults` | the rules with `id`, `seen` (matching requests) and `fired` counters |
//! | `DELETE /__mock/faults`, `DELETE /__mock/faults/{id}` | remove all rules, or one |
//! | `POST /__mock/expire_tokens` | every access token issued so far is expired from now on (refresh tokens stay valid) |
//! | `POST /__mock/like_more` | body `{"n": 120}`: the listener likes `n` more songs now, pool tracks not liked yet, chosen by the seed and the liked songs so far; they come first in `GET /v1/me/tracks`, saved a minute apart and after every earlier song (newest first); answers `201 {"ids": [the new ids, newest first], "liked_total": N}`, or 400 when the pool has too few unliked tracks or the total would pass 50,000 |
//! | `POST /__mock/unlike` | body `{"ids": [spotify ids]}`: the listener un-likes these songs; the others keep their order; answers `{"liked_total": N}`, or 400 (changing nothing) when one of them is not liked |
//! | `GET/POST /__mock/settings` | read, or change `{"expires_in_s": 5, "expose_retry_after": true, "latency_ms": 150}` (any of the fields); `latency_ms` delays every answer of the fake Spotify (not of the control API), like a real network's round trip |
//! | `POST /__mock/reset` | back to the start: no tokens, the library's playlists and liked songs, the start's rules and settings, empty records |
//!
//! A fault rule: `{"path": "/v1/me/tracks", "method": "GET", "kind": "rate_limit", "retry_after_s": 2,
//! "after": 3, "times": 1}`. It matches requests whose path starts with `path` (default `/`) and
//! whose method is `method` (any when absent; preflight `OPTIONS` never matches); it lets the
//! first `after` (default 0) matching requests through, then fires on the next `times` ones
//! (forever when absent). The first rule due to fire answers. Kinds:
//!
//! | `kind` | answer |
//! |---|---|
//! | `token_expired` | 401 `{"error":{"status":401,"message":"The access token expired"}}` |
//! | `rate_limit` | 429 with `Retry-After: retry_after_s` (default 1) and `{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}` |
//! | `rate_limit_no_cors` | the same 429 without any CORS header: `fetch` in a browser fails with a network error |
//! | `rate_limit_storm` | a burst of 429s (as many as the rule's `times`) with `Retry-After: retry_after_s` (default 1); every `no_cors_every`-th (default 3; 0 for none) has no CORS header |
//! | `not_registered` | 403, `text/plain` body "Check settings on developer.spotify.com/dashboard, the user may not be registered." |
//! | `server_error` | `status` (default 500) with a JSON error body |
//! | `delay` | the normal answer after `delay_ms` |
//! | `access_denied` | on `/authorize`: redirect back with `error=access_denied&state=..` |
//! | `reply_lost` | carries the request out, then answers 502 without any CORS header (`fetch` fails with a network error) |
//!
//! `GET /__mock/received` returns
//! `{authorize: [{client_id, response_type, redirect_uri, state, scope, code_challenge,
//! code_challenge_method, outcome}], token_requests: [{grant_type, client_id, status, error}],
//! playlists_created: [{id, name, description, public, collaborative, items: [uris in playlist
//! order], chunk_sizes: [uris per accepted request]}], items_added: [{playlist_id, uris, status}],
//! requests: [{method, path, query, origin, has_authorization, status}]}`. `outcome` is `code`,
//! `access_denied` or the error sent back; tokens themselves are never recorded.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use mock_spotify::{Library, LibraryParams, MockConfig, generated_tracks, start};
//!
//! let library = Library::from_tracks(generated_tracks(2_000, 1), LibraryParams { liked: 1_000, seed: 7 })?;
//! let server = start(MockConfig::default(), library).await?;
//! println!("{}", server.startup_line());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```

mod accounts;
mod app_site;
mod control;
mod faults;
mod http;
mod library;
mod render;
mod state;
mod web_api;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use app_site::config_json;
pub use faults::{FaultKind, FaultRule};
pub use library::{
    EDITORIAL_PLAYLIST_ID, Library, LibraryError, LibraryParams, MAX_LIKED, MockArtist, MockTrack,
    Saved, USER_ID, catalog_tracks, generated_tracks,
};
pub use state::Settings;

/// Where the control API lives; never faulted nor logged.
const CONTROL_PREFIX: &str = "/__mock";

/// Serve the built app on a second origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSite {
    /// The static directory (Trunk's `dist/`), with an `index.html`.
    pub dir: PathBuf,
    /// 0 for an ephemeral port.
    pub port: u16,
}

/// How to run the mock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// 0 for an ephemeral port.
    pub port: u16,
    pub settings: Settings,
    /// Rules active from the start (and again after a reset).
    pub faults: Vec<FaultRule>,
    /// Seeds the codes and tokens handed out.
    pub seed: u64,
    /// Added before every answer of the fake Spotify, like a real network's round trip.
    pub latency_ms: u64,
    pub app: Option<AppSite>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            port: 0,
            settings: Settings {
                expires_in_s: 3600,
                expose_retry_after: false,
                client_id: None,
                redirect_uris: Vec::new(),
            },
            faults: Vec::new(),
            seed: 0,
            latency_ms: 0,
            app: None,
        }
    }
}

/// Why the mock could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("app directory {0} has no index.html")]
    AppDir(PathBuf),
}

/// A running mock; it stops when [`MockServer::shutdown`] is called or the runtime ends.
#[derive(Debug)]
pub struct MockServer {
    url: String,
    app_url: Option<String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl MockServer {
    /// `http://127.0.0.1:PORT`: the accounts service; the Web API is under `/v1`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The app's origin, with `MockConfig::app`.
    pub fn app_url(&self) -> Option<&str> {
        self.app_url.as_deref()
    }

    /// The JSON line the binary prints first: `{"url": .., "app_url": ..}`.
    pub fn startup_line(&self) -> String {
        serde_json::json!({ "url": self.url, "app_url": self.app_url }).to_string()
    }

    /// Runs until a server fails (in practice: forever).
    pub async fn wait(self) -> std::io::Result<()> {
        for task in self.tasks {
            task.await.map_err(std::io::Error::other)??;
        }
        Ok(())
    }

    /// Stops accepting requests and waits for the open ones to finish.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.stop.send_replace(true);
        self.wait().await
    }
}

async fn bind(port: u16) -> Result<(TcpListener, String), StartError> {
    let bind_error = |source| StartError::Bind { port, source };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, format!("http://{addr}")))
}

/// Binds the mock (and the app site, when configured) on 127.0.0.1 and serves in the background.
pub async fn start(config: MockConfig, library: Library) -> Result<MockServer, StartError> {
    let (listener, url) = bind(config.port).await?;
    let app = match &config.app {
        Some(site) => {
            if !site.dir.join("index.html").is_file() {
                return Err(StartError::AppDir(site.dir.clone()));
            }
            let (listener, app_url) = bind(site.port).await?;
            let client_id = config.settings.client_id.clone().unwrap_or_default();
            Some((
                listener,
                app_url,
                app_site::router(&site.dir, config_json(&url, &client_id)),
            ))
        }
        None => None,
    };
    let app_url = app.as_ref().map(|(_, app_url, _)| app_url.clone());
    let shared = Arc::new(state::Shared::new(
        url.clone(),
        app_url.clone(),
        Arc::new(library),
        state::Initial {
            settings: config.settings,
            faults: config.faults,
            latency_ms: config.latency_ms,
            seed: config.seed,
        },
    ));
    let (stop, stopped) = watch::channel(false);
    let serve = |listener: TcpListener, router: Router| {
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    // An error means the sender is gone, which also means stop.
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
        })
    };
    let mut tasks = vec![serve(listener, spotify_router(shared))];
    if let Some((listener, _, router)) = app {
        tasks.push(serve(listener, router));
    }
    Ok(MockServer {
        url,
        app_url,
        stop,
        tasks,
    })
}

fn spotify_router(shared: state::SharedState) -> Router {
    Router::new()
        .route("/authorize", get(accounts::authorize))
        .route("/api/token", post(accounts::token))
        .route("/image/{key}", get(image))
        .nest("/v1", web_api::router())
        .nest(CONTROL_PREFIX, control::router())
        .fallback(|| async { http::ApiError::not_found("Service not found") })
        .method_not_allowed_fallback(|| async {
            http::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        })
        .layer(from_fn_with_state(shared.clone(), http::apply_faults))
        .layer(from_fn_with_state(shared.clone(), http::cors))
        .layer(from_fn_with_state(shared.clone(), http::log))
        .with_state(shared)
}

/// Album and playlist art: a small square whose colour comes from the key, so every `images` url
/// the mock hands out loads without leaving the mock's origin.
async fn image(axum::extract::Path(key): axum::extract::Path<String>) -> impl IntoResponse {
    let hue = library::derived_u128(&["image", &key]) % 360;
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="640"><rect width="640" height="640" fill="hsl({hue},55%,45%)"/></svg>"#
    );
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg)
}
