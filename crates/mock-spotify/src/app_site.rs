//! The built app on a second origin: a static directory with single-page-app fallback to
//! `index.html`, and a generated `/config.json` that points the app at the mock.

use std::path::Path;

use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::services::{ServeDir, ServeFile};

/// The app's runtime configuration, pointing at the mock at `mock_url`.
pub fn config_json(mock_url: &str, client_id: &str) -> serde_json::Value {
    json!({
        "spotify_accounts_url": mock_url,
        "spotify_api_url": format!("{mock_url}/v1"),
        "client_id": client_id,
    })
}

/// Serves `dir`; unknown paths get `index.html` (status 200) so client-side routes load the app.
pub fn router(dir: &Path, config: serde_json::Value) -> Router {
    let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    // Never cached: each test run's mock listens on a new port.
    let config = get(move || async move { ([(header::CACHE_CONTROL, "no-store")], Json(config)) });
    Router::new()
        .route("/config.json", config)
        .fallback_service(files)
}
