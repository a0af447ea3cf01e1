//! What every endpoint shares: Spotify's error bodies, query parsing with Spotify's 400s, paging,
//! and the middleware: latency and faults, CORS like the real services, the request log.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{DenyAuthorization, FaultKind, fire};
use crate::state::{RequestRecord, SharedState};

/// A Web API error: `{"error":{"status":N,"message":"..."}}` (the message left out when `None`,
/// as Spotify does for removed endpoints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: Some(message.into()),
        }
    }

    pub fn bare(status: StatusCode) -> Self {
        Self {
            status,
            message: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn token_expired() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "The access token expired")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "status": self.status.as_u16() });
        if let Some(message) = self.message {
            error["message"] = json!(message);
        }
        (self.status, axum::Json(json!({ "error": error }))).into_response()
    }
}

/// An accounts-service error: `{"error":"invalid_grant","error_description":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// The query string as a map; a malformed one is Spotify's 400, not axum's plain-text rejection.
#[derive(Debug, Clone, Default)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(map)| Self(map))
            .map_err(|_| ApiError::bad_request("Malformed query string"))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// A validated `limit`/`offset` pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

/// Limits of one paged endpoint.
#[derive(Debug, Clone, Copy)]
pub struct PageRules {
    pub default_limit: usize,
    pub max_limit: usize,
    pub max_offset: usize,
}

/// Most endpoints: `limit` 1..=50 (default 20), any offset, as Spotify documents them.
pub const STANDARD_PAGING: PageRules = PageRules {
    default_limit: 20,
    max_limit: 50,
    max_offset: usize::MAX,
};

impl Page {
    pub fn parse(params: &Params, rules: PageRules) -> Result<Self, ApiError> {
        let limit = match params.get("limit") {
            None => rules.default_limit,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=rules.max_limit).contains(l))
                .ok_or_else(|| ApiError::bad_request("Invalid limit"))?,
        };
        let offset = match params.get("offset") {
            None => 0,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|&o| o <= rules.max_offset)
                .ok_or_else(|| ApiError::bad_request("Invalid offset"))?,
        };
        Ok(Self { limit, offset })
    }

    /// The index range of this page in a list of `total` items.
    pub fn range(self, total: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(total);
        start..self.offset.saturating_add(self.limit).min(total)
    }

    /// Spotify's paging object. `endpoint` is the absolute url without query; `extra` is the
    /// query that must survive paging (e.g. `time_range=short_term&`), empty or ending in `&`.
    pub fn object(self, endpoint: &str, extra: &str, total: usize, items: Vec<Value>) -> Value {
        let url = |offset: usize| format!("{endpoint}?{extra}offset={offset}&limit={}", self.limit);
        let next =
            (self.offset.saturating_add(self.limit) < total).then(|| url(self.offset + self.limit));
        let previous = (self.offset > 0).then(|| url(self.offset.saturating_sub(self.limit)));
        json!({
            "href": url(self.offset),
            "items": items,
            "limit": self.limit,
            "next": next,
            "offset": self.offset,
            "previous": previous,
            "total": total,
        })
    }
}

/// Middleware: waits the configured latency, then answers with the fault of the first rule due to
/// fire, or passes the request on. The control API is never delayed nor faulted.
pub async fn apply_faults(
    State(shared): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with(crate::CONTROL_PREFIX) {
        return next.run(request).await;
    }
    let latency_ms = shared.lock().latency_ms;
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let kind = fire(&mut shared.lock().faults, request.method().as_str(), path);
    match kind {
        None => next.run(request).await,
        Some(FaultKind::Delay { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        Some(FaultKind::AccessDenied) => {
            request.extensions_mut().insert(DenyAuthorization);
            next.run(request).await
        }
        Some(FaultKind::ReplyLost) => {
            let _carried_out = next.run(request).await;
            let mut response = StatusCode::BAD_GATEWAY.into_response();
            response.extensions_mut().insert(NoCors);
            response
        }
        Some(FaultKind::TokenExpired) => ApiError::token_expired().into_response(),
        // `fire` answers a storm as one of the two kinds below.
        Some(
            FaultKind::RateLimit { retry_after_s }
            | FaultKind::RateLimitStorm { retry_after_s, .. },
        ) => rate_limited(retry_after_s),
        Some(FaultKind::RateLimitNoCors { retry_after_s }) => {
            let mut response = rate_limited(retry_after_s);
            response.extensions_mut().insert(NoCors);
            response
        }
        Some(FaultKind::NotRegistered) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
        )
            .into_response(),
        Some(FaultKind::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(status, status.canonical_reason().unwrap_or("Server error"))
                .into_response()
        }
    }
}

fn rate_limited(retry_after_s: u64) -> Response {
    let body = serde_json::json!({
        "error": { "status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED" }
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    response
}

/// Marks a response that must go out without CORS headers (a browser then sees a network error).
#[derive(Debug, Clone, Copy)]
pub struct NoCors;

/// Middleware: CORS as Spotify's services send it. Every response allows any origin; preflights
/// allow `authorization` and `content-type`; `Retry-After` is exposed only when switched on,
/// because real browsers cannot read it.
pub async fn cors(State(shared): State<SharedState>, request: Request, next: Next) -> Response {
    let expose_retry_after = shared.lock().settings.expose_retry_after;
    let is_preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if is_preflight {
        let mut response = StatusCode::OK.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("604800"),
        );
        response
    } else {
        next.run(request).await
    };
    if response.extensions().get::<NoCors>().is_none() {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        if expose_retry_after {
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("Retry-After"),
            );
        }
    }
    response
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Middleware: records every request to the fake Spotify (not to the control API) with its status.
pub async fn log(State(shared): State<SharedState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(crate::CONTROL_PREFIX) {
        return next.run(request).await;
    }
    let mut record = RequestRecord {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        origin: header_text(request.headers(), header::ORIGIN),
        has_authorization: request.headers().contains_key(header::AUTHORIZATION),
        status: 0,
    };
    let response = next.run(request).await;
    record.status = response.status().as_u16();
    shared.lock().received.requests.push(record);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn limit_and_offset_are_validated_like_spotify() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<Page, &'a str>);
        let cases: &[Case] = &[
            (
                &[],
                Ok(Page {
                    limit: 20,
                    offset: 0,
                }),
            ),
            (
                &[("limit", "50"), ("offset", "100")],
                Ok(Page {
                    limit: 50,
                    offset: 100,
                }),
            ),
            (&[("limit", "51")], Err("Invalid limit")),
            (&[("limit", "0")], Err("Invalid limit")),
            (&[("limit", "ten")], Err("Invalid limit")),
            (&[("offset", "-1")], Err("Invalid offset")),
        ];
        for (query, expected) in cases {
            let got = Page::parse(&params(query), STANDARD_PAGING)
                .map_err(|e| e.message.unwrap_or_default());
            assert_eq!(got, expected.map_err(str::to_owned), "{query:?}");
        }
    }

    #[test]
    fn paging_object_links_pages() {
        let page = Page {
            limit: 50,
            offset: 50,
        };
        let object = page.object("http://m/v1/me/tracks", "", 120, Vec::new());
        assert_eq!(object["next"], "http://m/v1/me/tracks?offset=100&limit=50");
        assert_eq!(
            object["previous"],
            "http://m/v1/me/tracks?offset=0&limit=50"
        );
        assert_eq!(page.range(120), 50..100);
        let last = Page {
            limit: 50,
            offset: 100,
        };
        assert_eq!(last.object("u", "", 120, Vec::new())["next"], Value::Null);
        assert_eq!(last.range(120), 100..120);
        assert_eq!(
            Page {
                limit: 50,
                offset: 500
            }
            .range(120),
            120..120
        );
    }
}
