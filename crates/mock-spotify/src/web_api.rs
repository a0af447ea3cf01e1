//! The Web API under `/v1`: bearer-token and scope checks, the listener's library with real
//! paging, search, playlist creation, and the endpoints Spotify removed answering as they now do.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use encore_engine::TrackId;
use serde_json::{Value, json};
use std::time::Instant;

use crate::http::{ApiError, Page, PageRules, Params, STANDARD_PAGING};
use crate::library::{
    Item, MockTrack, Owner, Playlist, PlaylistEntry, TimeRange, USER_ID, USER_NAME,
};
use crate::render::{Renderer, snapshot_id, timestamp};
use crate::state::{AccessGrant, CreatedPlaylist, ItemsAddition, SharedState};

/// Spotify's documented limit on uris per add-items request.
const MAX_URIS_PER_ADD: usize = 100;

/// Search paging since 2026: `limit` 1..=10 (default 5), `offset` <= 1000.
const SEARCH_PAGING: PageRules = PageRules {
    default_limit: 5,
    max_limit: 10,
    max_offset: 1000,
};

/// Scope names the endpoints check.
const LIBRARY_READ: &str = "user-library-read";
const TOP_READ: &str = "user-top-read";
const RECENTLY_PLAYED: &str = "user-read-recently-played";
const PLAYLIST_READ_PRIVATE: &str = "playlist-read-private";
const PLAYLIST_READ_COLLABORATIVE: &str = "playlist-read-collaborative";
const PLAYLIST_MODIFY_PRIVATE: &str = "playlist-modify-private";
const PLAYLIST_MODIFY_PUBLIC: &str = "playlist-modify-public";

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/me", get(me))
        .route("/me/tracks", get(saved_tracks))
        .route("/me/top/tracks", get(top_tracks))
        .route("/me/playlists", get(my_playlists).post(create_playlist))
        .route("/me/player/recently-played", get(recently_played))
        .route("/playlists/{id}", get(playlist))
        .route("/playlists/{id}/items", get(playlist_items).post(add_items))
        .route("/search", get(search))
        // Removed for new apps (see the Spotify document, section 1).
        .route("/playlists/{id}/tracks", any(forbidden))
        .route("/audio-features", get(forbidden_bare))
        .route("/audio-features/{id}", get(forbidden_bare))
        .route("/audio-analysis/{id}", get(forbidden_bare))
        .route("/recommendations", get(not_found))
        .route("/recommendations/available-genre-seeds", get(not_found))
        .route("/artists/{id}/related-artists", get(not_found))
        .route("/browse/{*rest}", get(not_found))
        .route("/artists/{id}/top-tracks", get(forbidden))
        .route("/tracks", get(forbidden))
        .route("/artists", get(forbidden))
        .route("/albums", get(forbidden))
        .route("/users/{id}", get(forbidden))
        .route("/users/{id}/playlists", get(forbidden).post(forbidden))
}

/// A request's valid access token grant (401 otherwise).
#[derive(Debug)]
pub struct Bearer(pub AccessGrant);

impl Bearer {
    fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.0.has_scope(scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Insufficient client scope"))
        }
    }
}

impl FromRequestParts<SharedState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &SharedState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "No token provided"))?;
        let state = shared.lock();
        let grant = state
            .access
            .get(token.trim())
            .filter(|g| g.expires_at > Instant::now());
        grant.cloned().map(Self).ok_or_else(ApiError::token_expired)
    }
}

type ApiResult = Result<Response, ApiError>;

fn renderer(shared: &SharedState) -> Renderer<'_> {
    Renderer {
        base_url: &shared.base_url,
        library: &shared.library,
    }
}

fn endpoint(shared: &SharedState, path: &str) -> String {
    format!("{}/v1/{path}", shared.base_url)
}

async fn me(State(shared): State<SharedState>, _: Bearer) -> Json<Value> {
    Json(json!({
        "display_name": USER_NAME,
        "external_urls": { "spotify": format!("https://open.spotify.com/user/{USER_ID}") },
        "href": endpoint(&shared, &format!("users/{USER_ID}")),
        "id": USER_ID,
        "images": [],
        "type": "user",
        "uri": format!("spotify:user:{USER_ID}"),
    }))
}

async fn saved_tracks(
    State(shared): State<SharedState>,
    bearer: Bearer,
    params: Params,
) -> ApiResult {
    bearer.require(LIBRARY_READ)?;
    let page = Page::parse(&params, STANDARD_PAGING)?;
    let (saved, total) = {
        let state = shared.lock();
        (
            state.liked[page.range(state.liked.len())].to_vec(),
            state.liked.len(),
        )
    };
    let render = renderer(&shared);
    let items = saved
        .iter()
        .map(|s| json!({ "added_at": timestamp(s.added_at_s), "track": render.track_at(s.track) }))
        .collect();
    Ok(Json(page.object(&endpoint(&shared, "me/tracks"), "", total, items)).into_response())
}

async fn top_tracks(
    State(shared): State<SharedState>,
    bearer: Bearer,
    params: Params,
) -> ApiResult {
    bearer.require(TOP_READ)?;
    let range = match params.get("time_range") {
        None => TimeRange::MediumTerm,
        Some(s) => {
            TimeRange::parse(s).ok_or_else(|| ApiError::bad_request("Invalid time range"))?
        }
    };
    let page = Page::parse(&params, STANDARD_PAGING)?;
    let top = shared.library.top(range);
    let render = renderer(&shared);
    let items = top[page.range(top.len())]
        .iter()
        .map(|&t| render.track_at(t))
        .collect();
    let extra = format!("time_range={}&", range.as_str());
    Ok(Json(page.object(
        &endpoint(&shared, "me/top/tracks"),
        &extra,
        top.len(),
        items,
    ))
    .into_response())
}

/// Which playlists the token may see in `/me/playlists`: Spotify silently leaves out private
/// and collaborative ones when their read scope is missing.
fn listed(playlist: &Playlist, grant: &AccessGrant) -> bool {
    if playlist.collaborative {
        grant.has_scope(PLAYLIST_READ_COLLABORATIVE)
    } else if !playlist.public {
        grant.has_scope(PLAYLIST_READ_PRIVATE)
    } else {
        true
    }
}

async fn my_playlists(
    State(shared): State<SharedState>,
    Bearer(grant): Bearer,
    params: Params,
) -> ApiResult {
    let page = Page::parse(&params, STANDARD_PAGING)?;
    let render = renderer(&shared);
    let state = shared.lock();
    let visible: Vec<&Playlist> = state
        .playlists
        .iter()
        .filter(|p| listed(p, &grant))
        .collect();
    let items = visible[page.range(visible.len())]
        .iter()
        .map(|p| render.playlist(p))
        .collect();
    Ok(
        Json(page.object(&endpoint(&shared, "me/playlists"), "", visible.len(), items))
            .into_response(),
    )
}

/// The playlist with `id`, or 404 (also for Spotify-owned ones, which new apps cannot read).
fn find_playlist<'a>(
    playlists: &'a mut [Playlist],
    id: &str,
) -> Result<&'a mut Playlist, ApiError> {
    playlists
        .iter_mut()
        .find(|p| p.id == id && p.owner != Owner::Spotify)
        .ok_or_else(|| ApiError::not_found("Resource not found"))
}

async fn playlist(
    State(shared): State<SharedState>,
    _: Bearer,
    Path(id): Path<String>,
) -> ApiResult {
    let mut state = shared.lock();
    let playlist = find_playlist(&mut state.playlists, &id)?;
    Ok(Json(renderer(&shared).playlist(playlist)).into_response())
}

async fn playlist_items(
    State(shared): State<SharedState>,
    bearer: Bearer,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult {
    let page = Page::parse(&params, STANDARD_PAGING)?;
    let mut state = shared.lock();
    let playlist = find_playlist(&mut state.playlists, &id)?;
    if !playlist.items_readable() {
        return Err(ApiError::forbidden("Forbidden"));
    }
    if playlist.collaborative {
        bearer.require(PLAYLIST_READ_COLLABORATIVE)?;
    } else if !playlist.public {
        bearer.require(PLAYLIST_READ_PRIVATE)?;
    }
    let render = renderer(&shared);
    let entries = &playlist.entries;
    let items = entries[page.range(entries.len())]
        .iter()
        .map(|e| render.playlist_entry(e))
        .collect();
    let url = endpoint(&shared, &format!("playlists/{id}/items"));
    Ok(Json(page.object(&url, "", entries.len(), items)).into_response())
}

async fn recently_played(
    State(shared): State<SharedState>,
    bearer: Bearer,
    params: Params,
) -> ApiResult {
    bearer.require(RECENTLY_PLAYED)?;
    let limit = Page::parse(&params, STANDARD_PAGING)?.limit;
    let cursor = |key: &str| {
        params.get(key).map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("Invalid {key} cursor")))
        })
    };
    let (before_ms, after_ms) = (cursor("before").transpose()?, cursor("after").transpose()?);
    if before_ms.is_some() && after_ms.is_some() {
        return Err(ApiError::bad_request(
            "Only one of before or after may be given",
        ));
    }
    let plays: Vec<_> = shared
        .library
        .recent
        .iter()
        .filter(|p| {
            before_ms.is_none_or(|b| p.played_at_s * 1000 < b)
                && after_ms.is_none_or(|a| p.played_at_s * 1000 > a)
        })
        .collect();
    let shown = &plays[..limit.min(plays.len())];
    let render = renderer(&shared);
    let items: Vec<Value> = shown
        .iter()
        .map(|p| json!({ "context": null, "played_at": timestamp(p.played_at_s), "track": render.track_at(p.track) }))
        .collect();
    let base = endpoint(&shared, "me/player/recently-played");
    let oldest_ms = shown.last().map(|p| p.played_at_s * 1000);
    let newest_ms = shown.first().map(|p| p.played_at_s * 1000);
    let next = oldest_ms
        .filter(|_| plays.len() > shown.len())
        .map(|b| format!("{base}?before={b}&limit={limit}"));
    let cursors = match (newest_ms, oldest_ms) {
        (Some(after), Some(before)) => {
            json!({ "after": after.to_string(), "before": before.to_string() })
        }
        _ => Value::Null,
    };
    Ok(Json(json!({ "cursors": cursors, "href": format!("{base}?limit={limit}"), "items": items, "limit": limit, "next": next }))
        .into_response())
}

/// One parsed search query: `field:value` filters (values may be quoted) and free words.
#[derive(Debug, Default, PartialEq, Eq)]
struct SearchQuery {
    track: Vec<String>,
    artist: Vec<String>,
    album: Vec<String>,
    isrc: Option<String>,
    words: Vec<String>,
}

impl SearchQuery {
    fn parse(q: &str) -> Self {
        let mut query = Self::default();
        let mut rest = q.trim();
        while !rest.is_empty() {
            let (token, tail) = next_token(rest);
            rest = tail.trim_start();
            let (field, value) = match token.split_once(':') {
                Some((field, value)) if !value.is_empty() => {
                    (Some(field.to_ascii_lowercase()), value)
                }
                _ => (None, token),
            };
            let value = value.trim_matches('"').to_lowercase();
            match field.as_deref() {
                Some("track") => query.track.push(value),
                Some("artist") => query.artist.push(value),
                Some("album") => query.album.push(value),
                Some("isrc") => query.isrc = Some(value),
                // Filters the mock does not model (year:, genre:, tag:) narrow nothing.
                Some(_) => {}
                None => query.words.push(value),
            }
        }
        query
    }

    fn matches(&self, track: &MockTrack) -> bool {
        let name = track.name.to_lowercase();
        let album = track.album.to_lowercase();
        let artists: Vec<String> = track
            .artists
            .iter()
            .map(|a| a.name.to_lowercase())
            .collect();
        let in_artists = |v: &String| artists.iter().any(|a| a.contains(v.as_str()));
        self.track.iter().all(|v| name.contains(v.as_str()))
            && self.artist.iter().all(in_artists)
            && self.album.iter().all(|v| album.contains(v.as_str()))
            && self
                .isrc
                .as_ref()
                .is_none_or(|i| track.isrc().eq_ignore_ascii_case(i))
            && self
                .words
                .iter()
                .all(|w| name.contains(w.as_str()) || album.contains(w.as_str()) || in_artists(w))
    }
}

/// The next whitespace-separated token, keeping a quoted value (`artist:"Daft Punk"`) whole.
fn next_token(s: &str) -> (&str, &str) {
    let mut in_quotes = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

const SEARCH_TYPES: &[&str] = &[
    "album",
    "artist",
    "playlist",
    "track",
    "show",
    "episode",
    "audiobook",
];

async fn search(State(shared): State<SharedState>, _: Bearer, params: Params) -> ApiResult {
    let q = params
        .get("q")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("No search query"))?;
    let types_param = params
        .get("type")
        .ok_or_else(|| ApiError::bad_request("Missing parameter type"))?;
    let types: Vec<&str> = types_param.split(',').map(str::trim).collect();
    if types.iter().any(|t| !SEARCH_TYPES.contains(t)) {
        return Err(ApiError::bad_request("Bad search type field"));
    }
    let page = Page::parse(&params, SEARCH_PAGING)?;
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("q", q), ("type", types_param)])
        .finish();
    let extra = format!("{query}&");
    let url = endpoint(&shared, "search");
    let mut body = serde_json::Map::new();
    for kind in types {
        let object = if kind == "track" {
            let query = SearchQuery::parse(q);
            let hits: Vec<&MockTrack> = shared
                .library
                .tracks
                .iter()
                .filter(|t| query.matches(t))
                .collect();
            let render = renderer(&shared);
            let items = hits[page.range(hits.len())]
                .iter()
                .map(|t| render.track(t))
                .collect();
            page.object(&url, &extra, hits.len(), items)
        } else {
            // The mock's library has only tracks to find.
            page.object(&url, &extra, 0, Vec::new())
        };
        body.insert(format!("{kind}s"), object);
    }
    Ok(Json(Value::Object(body)).into_response())
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request("Error parsing json"))
}

async fn create_playlist(
    State(shared): State<SharedState>,
    bearer: Bearer,
    body: Bytes,
) -> ApiResult {
    let body = parse_json(&body)?;
    let name = body["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("Missing required field: name"))?;
    let flag = |key: &str, default: bool| match &body[key] {
        Value::Null => Ok(default),
        Value::Bool(b) => Ok(*b),
        _ => Err(ApiError::bad_request(format!("Invalid value for {key}"))),
    };
    // Spotify's default is a public playlist, which needs the public scope.
    let public = flag("public", true)?;
    let collaborative = flag("collaborative", false)?;
    if public && collaborative {
        return Err(ApiError::bad_request(
            "Collaborative playlists can only be private.",
        ));
    }
    bearer.require(if public {
        PLAYLIST_MODIFY_PUBLIC
    } else {
        PLAYLIST_MODIFY_PRIVATE
    })?;
    let description = body["description"].as_str().unwrap_or("").to_owned();
    let mut state = shared.lock();
    let id = state.secret("");
    let playlist = Playlist {
        id: id.clone(),
        name: name.to_owned(),
        description: description.clone(),
        owner: Owner::Me,
        collaborative,
        public,
        entries: Vec::new(),
        version: 1,
    };
    let rendered = renderer(&shared).playlist(&playlist);
    // Spotify lists the newest playlist first.
    state.playlists.insert(0, playlist);
    state.received.playlists_created.push(CreatedPlaylist {
        id,
        name: name.to_owned(),
        description,
        public,
        collaborative,
        items: Vec::new(),
        chunk_sizes: Vec::new(),
    });
    Ok((StatusCode::CREATED, Json(rendered)).into_response())
}

/// The uris of an add-items request: the JSON body's `uris`, or the comma-separated `uris` query.
fn requested_uris(body: &Value, params: &Params) -> Result<Vec<String>, ApiError> {
    match &body["uris"] {
        Value::Array(values) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::bad_request("Invalid uris"))
            })
            .collect(),
        Value::Null => Ok(params
            .get("uris")
            .map(|u| u.split(',').map(str::to_owned).collect())
            .unwrap_or_default()),
        _ => Err(ApiError::bad_request("Invalid uris")),
    }
}

fn item_for_uri(shared: &SharedState, uri: &str) -> Result<Item, ApiError> {
    if uri.starts_with("spotify:local:") {
        return Err(ApiError::bad_request(
            "Local tracks cannot be added to playlists",
        ));
    }
    if let Some(id) = uri.strip_prefix("spotify:episode:") {
        TrackId::parse(id).map_err(|_| ApiError::bad_request("Invalid base62 id"))?;
        let item = Item::Episode {
            id: id.to_owned(),
            name: "Episode".into(),
            show: "Unknown Show".into(),
            duration_ms: 1_800_000,
        };
        return Ok(item);
    }
    let bare = uri
        .strip_prefix("spotify:track:")
        .ok_or_else(|| ApiError::bad_request("Unsupported URL / URI."))?;
    let id = TrackId::parse(bare).map_err(|_| ApiError::bad_request("Invalid base62 id"))?;
    Ok(shared
        .library
        .track_index(id)
        .map_or(Item::OtherTrack(id), Item::Track))
}

async fn add_items(
    State(shared): State<SharedState>,
    bearer: Bearer,
    Path(id): Path<String>,
    params: Params,
    body: Bytes,
) -> ApiResult {
    let body = parse_json(&body)?;
    let uris = requested_uris(&body, &params)?;
    let result = add_uris(&shared, &bearer, &id, &uris, &body["position"]);
    let status = result
        .as_ref()
        .map_or_else(|e| e.status, |_| StatusCode::CREATED);
    shared.lock().received.items_added.push(ItemsAddition {
        playlist_id: id,
        uris,
        status: status.as_u16(),
    });
    let snapshot_id = result?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "snapshot_id": snapshot_id })),
    )
        .into_response())
}

fn add_uris(
    shared: &SharedState,
    bearer: &Bearer,
    id: &str,
    uris: &[String],
    position: &Value,
) -> Result<String, ApiError> {
    if uris.is_empty() {
        return Err(ApiError::bad_request("No uris provided"));
    }
    if uris.len() > MAX_URIS_PER_ADD {
        return Err(ApiError::bad_request(
            "You can add a maximum of 100 tracks per request.",
        ));
    }
    let items = uris
        .iter()
        .map(|u| item_for_uri(shared, u))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = shared.lock();
    let playlist = find_playlist(&mut state.playlists, id)?;
    if !playlist.items_readable() {
        return Err(ApiError::forbidden(
            "You cannot add tracks to a playlist you don't own.",
        ));
    }
    bearer.require(if playlist.public {
        PLAYLIST_MODIFY_PUBLIC
    } else {
        PLAYLIST_MODIFY_PRIVATE
    })?;
    let at = match position {
        Value::Null => playlist.entries.len(),
        value => value
            .as_u64()
            .and_then(|p| usize::try_from(p).ok())
            .filter(|&p| p <= playlist.entries.len())
            .ok_or_else(|| ApiError::bad_request("Index out of bounds"))?,
    };
    let entries = items.into_iter().map(|item| PlaylistEntry {
        item,
        added_at_s: crate::library::LIBRARY_EPOCH_S,
        added_by: USER_ID.into(),
    });
    playlist.entries.splice(at..at, entries);
    playlist.version += 1;
    let snapshot = snapshot_id(playlist);
    if let Some(created) = state
        .received
        .playlists_created
        .iter_mut()
        .find(|c| c.id == id)
    {
        created.items.splice(at..at, uris.iter().cloned());
        created.chunk_sizes.push(uris.len());
    }
    Ok(snapshot)
}

async fn forbidden(_: Bearer) -> ApiError {
    ApiError::forbidden("Forbidden")
}

/// The audio-features endpoints answer 403 with no message at all.
async fn forbidden_bare(_: Bearer) -> ApiError {
    ApiError::bare(StatusCode::FORBIDDEN)
}

async fn not_found(_: Bearer) -> ApiError {
    ApiError::not_found("Not found.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_query_filters() {
        let q = SearchQuery::parse(r#"artist:"Daft Punk" track:one  isrc:QZENC1900001 More"#);
        assert_eq!(q.artist, ["daft punk"]);
        assert_eq!(q.track, ["one"]);
        assert_eq!(q.isrc.as_deref(), Some("qzenc1900001"));
        assert_eq!(q.words, ["more"]);
    }

    #[test]
    fn search_matches_case_insensitively() {
        let track = &crate::library::generated_tracks(1, 5)[0];
        let artist = track.artists[0].name.to_uppercase();
        for (q, hit) in [
            (format!("artist:\"{artist}\""), true),
            ("track:\"generated SONG 0\"".to_owned(), true),
            (format!("isrc:{}", track.isrc().to_lowercase()), true),
            ("track:nothing".to_owned(), false),
            ("generated song".to_owned(), true),
        ] {
            assert_eq!(SearchQuery::parse(&q).matches(track), hit, "{q}");
        }
    }
}
