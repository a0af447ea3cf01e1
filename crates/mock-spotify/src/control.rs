//! The control API under `/__mock/` (documented in the crate's `//!` doc): scenarios, settings,
//! token expiry, the listener liking more songs or un-liking some, reset, and the record of what
//! the mock received.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use encore_engine::TrackId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::FaultRule;
use crate::http::{ApiError, Params};
use crate::library::{Owner, TimeRange};
use crate::state::SharedState;

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/", get(summary))
        .route("/received", get(received))
        .route("/faults", get(faults).post(add_faults).delete(clear_faults))
        .route("/faults/{id}", axum::routing::delete(remove_fault))
        .route("/expire_tokens", post(expire_tokens))
        .route("/like_more", post(like_more))
        .route("/unlike", post(unlike))
        .route("/settings", get(settings).post(change_settings))
        .route("/reset", post(reset))
        .route("/library", get(library))
}

async fn summary(State(shared): State<SharedState>) -> Json<Value> {
    Json(json!({
        "url": shared.base_url,
        "app_url": shared.app_url,
        "accounts_url": shared.base_url,
        "api_url": format!("{}/v1", shared.base_url),
    }))
}

async fn received(State(shared): State<SharedState>) -> Response {
    Json(&shared.lock().received).into_response()
}

async fn faults(State(shared): State<SharedState>) -> Response {
    Json(&shared.lock().faults).into_response()
}

/// Accepts one rule or an array of rules; answers with their ids.
async fn add_faults(State(shared): State<SharedState>, body: Bytes) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<FaultRule>),
        One(FaultRule),
    }
    let rules = match serde_json::from_slice(&body) {
        Ok(OneOrMany::Many(rules)) => rules,
        Ok(OneOrMany::One(rule)) => vec![rule],
        // Parse again as a single rule for a message that names the problem.
        Err(_) => {
            let error = serde_json::from_slice::<FaultRule>(&body)
                .err()
                .map_or_else(String::new, |e| e.to_string());
            return Err(ApiError::bad_request(format!(
                "invalid fault rule: {error}"
            )));
        }
    };
    let mut state = shared.lock();
    let ids: Vec<u64> = rules
        .into_iter()
        .map(|rule| state.add_fault(rule))
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "ids": ids }))).into_response())
}

async fn clear_faults(State(shared): State<SharedState>) -> StatusCode {
    shared.lock().faults.clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(State(shared): State<SharedState>, Path(id): Path<u64>) -> StatusCode {
    let mut state = shared.lock();
    let before = state.faults.len();
    state.faults.retain(|f| f.id != id);
    if state.faults.len() < before {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn expire_tokens(State(shared): State<SharedState>) -> StatusCode {
    shared.lock().expire_tokens_now();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LikeMore {
    n: usize,
}

/// The listener likes `n` more songs now: they come first in `GET /v1/me/tracks` from now on.
async fn like_more(State(shared): State<SharedState>, body: Bytes) -> Result<Response, ApiError> {
    let LikeMore { n } = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid like_more: {e}")))?;
    let library = &shared.library;
    let mut state = shared.lock();
    let added = state
        .like_more(library, n)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let ids: Vec<String> = added
        .iter()
        .filter_map(|s| library.tracks.get(s.track))
        .map(|t| t.id.to_string())
        .collect();
    let body = json!({ "ids": ids, "liked_total": state.liked.len() });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unlike {
    ids: Vec<String>,
}

/// The listener un-likes these songs (Spotify ids): they leave `GET /v1/me/tracks`.
async fn unlike(State(shared): State<SharedState>, body: Bytes) -> Result<Response, ApiError> {
    let Unlike { ids } = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid unlike: {e}")))?;
    let library = &shared.library;
    let not_liked = |id: &str| ApiError::bad_request(format!("{id} is not a liked song"));
    let tracks = ids
        .iter()
        .map(|id| {
            TrackId::parse(id)
                .ok()
                .and_then(|t| library.track_index(t))
                .ok_or_else(|| not_liked(id))
        })
        .collect::<Result<Vec<usize>, ApiError>>()?;
    let mut state = shared.lock();
    state
        .unlike(&tracks)
        .map_err(|position| not_liked(&ids[position]))?;
    Ok(Json(json!({ "liked_total": state.liked.len() })).into_response())
}

/// The settings and the latency, as one object.
fn settings_json(state: &crate::state::State) -> Json<Value> {
    let mut body = json!(state.settings);
    body["latency_ms"] = json!(state.latency_ms);
    Json(body)
}

async fn settings(State(shared): State<SharedState>) -> Json<Value> {
    settings_json(&shared.lock())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    expires_in_s: Option<u64>,
    expose_retry_after: Option<bool>,
    latency_ms: Option<u64>,
}

async fn change_settings(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let change: SettingsChange = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid settings: {e}")))?;
    let mut state = shared.lock();
    if let Some(expires_in_s) = change.expires_in_s {
        state.settings.expires_in_s = expires_in_s;
    }
    if let Some(expose) = change.expose_retry_after {
        state.settings.expose_retry_after = expose;
    }
    if let Some(latency_ms) = change.latency_ms {
        state.latency_ms = latency_ms;
    }
    Ok(settings_json(&state).into_response())
}

async fn reset(State(shared): State<SharedState>) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}

/// What the library holds (liked songs as they stand now), so a test knows what a complete import
/// looks like. The liked songs' ids (newest first) come only with `?ids=true`: 50,000 of them
/// make a megabyte.
async fn library(State(shared): State<SharedState>, params: Params) -> Json<Value> {
    let library = &shared.library;
    let ids = |tracks: &mut dyn Iterator<Item = usize>| -> Vec<String> {
        tracks
            .filter_map(|t| library.tracks.get(t))
            .map(|t| t.id.to_string())
            .collect()
    };
    let state = shared.lock();
    let playlists: Vec<Value> = state
        .playlists
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "owner_id": p.owner.id(),
                "collaborative": p.collaborative,
                "public": p.public,
                "items_readable": p.items_readable() && p.owner != Owner::Spotify,
                "total": p.entries.len(),
            })
        })
        .collect();
    let top: serde_json::Map<String, Value> = TimeRange::ALL
        .iter()
        .map(|&r| {
            (
                r.as_str().to_owned(),
                json!(ids(&mut library.top(r).iter().copied())),
            )
        })
        .collect();
    let mut body = json!({
        "user_id": crate::library::USER_ID,
        "n_tracks_in_pool": library.tracks.len(),
        "liked_total": state.liked.len(),
        "top_tracks": top,
        "playlists": playlists,
        "recently_played_total": library.recent.len(),
    });
    if params.get("ids") == Some("true") {
        body["liked_ids"] = json!(ids(&mut state.liked.iter().map(|s| s.track)));
    }
    Json(body)
}
