//! Runtime configuration: `config.json`, fetched from the app's own origin at startup.
//!
//! The Spotify base URLs come from here rather than from the build, so tests point the same build
//! at a loopback mock. An empty `client_id` means "bring your own": the listener's Client ID is
//! then kept in `localStorage` (see [`client_id`]).

use std::cell::RefCell;

use serde::Deserialize;

use crate::error::AppError;
use crate::storage;

/// The `localStorage` key of the listener's own Client ID.
const CLIENT_ID_KEY: &str = "encore.client_id";

/// `config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Config {
    /// e.g. `https://accounts.spotify.com`.
    pub spotify_accounts_url: String,
    /// e.g. `https://api.spotify.com/v1`.
    pub spotify_api_url: String,
    /// The site's own Client ID, or empty when each listener brings theirs.
    #[serde(default)]
    pub client_id: String,
}

impl Config {
    /// `{api}/{path}` without doubled slashes.
    pub fn api(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.spotify_api_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// `{accounts}/api/token`.
    pub fn token_url(&self) -> String {
        format!(
            "{}/api/token",
            self.spotify_accounts_url.trim_end_matches('/')
        )
    }
}

thread_local! {
    // The browser main thread is the only thread; the config is read once per page load.
    static CONFIG: RefCell<Option<Config>> = const { RefCell::new(None) };
}

/// The configuration, fetched on first use.
pub async fn get() -> Result<Config, AppError> {
    if let Some(config) = CONFIG.with_borrow(Clone::clone) {
        return Ok(config);
    }
    let response = gloo_net::http::Request::get("config.json")
        .send()
        .await
        .map_err(|_| AppError::Config)?;
    if !response.ok() {
        return Err(AppError::Config);
    }
    let config: Config = response.json().await.map_err(|_| AppError::Config)?;
    CONFIG.set(Some(config.clone()));
    Ok(config)
}

/// The Client ID to log in with: the site's own if `config.json` has one, else the listener's.
pub fn client_id(config: &Config) -> Option<String> {
    let configured = config.client_id.trim();
    if !configured.is_empty() {
        return Some(configured.to_owned());
    }
    storage::local_get(CLIENT_ID_KEY).filter(|id| !id.trim().is_empty())
}

/// The listener's own Client ID as stored, for the Connect panel's input.
pub fn stored_client_id() -> Option<String> {
    storage::local_get(CLIENT_ID_KEY)
}

/// Remembers (or, when empty, forgets) the listener's own Client ID.
pub fn set_client_id(id: &str) -> Result<(), AppError> {
    let id = id.trim();
    if id.is_empty() {
        storage::local_remove(CLIENT_ID_KEY)
    } else {
        storage::local_set(CLIENT_ID_KEY, id)
    }
}

/// The redirect URI, exactly as sent to Spotify and as the listener must register it: the page's
/// origin and path without query or fragment (e.g. `http://127.0.0.1:8080/`).
pub fn redirect_uri() -> String {
    let location = web_sys::window().map(|w| w.location());
    let part = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
        location
            .as_ref()
            .and_then(|l| f(l).ok())
            .unwrap_or_default()
    };
    format!(
        "{}{}",
        part(web_sys::Location::origin),
        part(web_sys::Location::pathname)
    )
}
