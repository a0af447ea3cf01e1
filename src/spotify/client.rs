//! The one Spotify Web API client: every request goes through [`send`].
//!
//! `send` adds the bearer token and owns the retry policy, so importers only see a body or an
//! [`AppError`]:
//! - 401: refresh the token once (under the cross-tab lock) and retry;
//! - 429: wait `Retry-After` when the header is readable (it is often not CORS-exposed), else back
//!   off exponentially; a wait of more than a minute is given back to the listener instead, unless
//!   the caller's [`Patience`] waits it out (the liked-songs import, which is told of every wait
//!   and shows when it continues); `reason: "QUOTA_EXCEEDED"` has its own sentence;
//! - a network error on a read: most likely a 429 that arrived without CORS headers (`fetch` then
//!   fails opaquely), so back off and retry the same request, keeping the caller's progress;
//! - 5xx: retry a few times with backoff;
//! - anything else: [`AppError::from_status`] explains it.
//!
//! The token only ever travels in the `Authorization` header; it is never put in a URL or an error.

use encore_engine::spotify::ErrorBody;
use gloo_net::http::{Request, RequestBuilder};
use js_sys::Promise;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen_futures::JsFuture;

use crate::error::{AppError, Resource};
use crate::session;

/// Retries after network errors or 429s before giving up (with backoff capped at
/// [`MAX_BACKOFF_MS`], about two and a half minutes of trying in all).
const MAX_RATE_RETRIES: u32 = 8;
/// Retries after a 5xx.
const MAX_SERVER_RETRIES: u32 = 3;
const FIRST_BACKOFF_MS: u32 = 1_000;
const MAX_BACKOFF_MS: u32 = 30_000;
/// A `Retry-After` longer than this is not waited out silently: the listener is told instead.
const MAX_SILENT_WAIT_S: u32 = 60;

/// Resolves after `ms` milliseconds without blocking the page.
pub(crate) async fn sleep_ms(ms: u32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let delay = i32::try_from(ms).unwrap_or(i32::MAX);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Why a request waits before it is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitCause {
    /// A 429.
    RateLimited,
    /// A 429 with `reason: "QUOTA_EXCEEDED"`: the quota all apps of the developer share.
    QuotaExceeded,
    /// A read failed without a reply: most likely a 429 without CORS headers.
    NoReply,
}

/// A wait [`send`] is about to sit out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    pub ms: u32,
    pub cause: WaitCause,
}

/// How a caller wants rate limits handled: told of every wait, and whether a `Retry-After` over a
/// minute is waited out (a bulk import, which shows when it resumes) or given back as an error.
#[derive(Clone, Copy)]
pub(crate) struct Patience<'a> {
    pub on_wait: &'a dyn Fn(Wait),
    pub waits_out_long_limits: bool,
}

impl Patience<'_> {
    /// Long limits are the listener's to decide about; nobody is told of short waits.
    const DEFAULT: Patience<'static> = Patience {
        on_wait: &|_| {},
        waits_out_long_limits: false,
    };
}

/// `1 s, 2 s, 4 s, ...` capped at 30 s: Spotify's rate-limit window is a rolling 30 seconds.
fn backoff_ms(attempt: u32) -> u32 {
    FIRST_BACKOFF_MS
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_BACKOFF_MS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

fn build(
    method: Method,
    url: &str,
    body: Option<&str>,
    access_token: &str,
) -> Result<Request, AppError> {
    let builder: RequestBuilder = match method {
        Method::Get => Request::get(url),
        Method::Post => Request::post(url),
    };
    let builder = builder.header("Authorization", &format!("Bearer {access_token}"));
    match body {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json.to_owned()),
        None => builder.build(),
    }
    .map_err(|_| AppError::BadReply)
}

/// Sends one API request with the retry policy above and returns the successful body.
async fn send(
    method: Method,
    url: &str,
    body: Option<&str>,
    resource: Resource,
    patience: Patience<'_>,
) -> Result<String, AppError> {
    let mut tokens = session::current_tokens().await?;
    let mut refreshed = false;
    let mut rate_attempts = 0;
    let mut server_attempts = 0;
    loop {
        let response = match build(method, url, body, &tokens.access_token)?.send().await {
            Ok(response) => response,
            // A POST that failed in flight may have been applied; repeating it could duplicate a
            // playlist, so only reads are retried blindly.
            Err(_) if method == Method::Get && rate_attempts < MAX_RATE_RETRIES => {
                let ms = backoff_ms(rate_attempts);
                (patience.on_wait)(Wait {
                    ms,
                    cause: WaitCause::NoReply,
                });
                sleep_ms(ms).await;
                rate_attempts += 1;
                continue;
            }
            Err(_) => return Err(AppError::Network),
        };
        let status = response.status();
        if response.ok() {
            return response.text().await.map_err(|_| AppError::Network);
        }
        let retry_after_s: Option<u32> = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.trim().parse().ok());
        let text = response.text().await.unwrap_or_default();
        let error_body = ErrorBody::parse(&text);
        match status {
            401 if !refreshed => {
                tokens = session::refreshed_after(&tokens.access_token).await?;
                refreshed = true;
            }
            429 => {
                let quota = error_body.reason.as_deref() == Some("QUOTA_EXCEEDED");
                let limited = |minutes| match quota {
                    true => AppError::QuotaExceeded { minutes },
                    false => AppError::RateLimited { minutes },
                };
                if let Some(seconds) = retry_after_s.filter(|s| *s > MAX_SILENT_WAIT_S)
                    && !patience.waits_out_long_limits
                {
                    return Err(limited(seconds.div_ceil(60)));
                }
                if rate_attempts >= MAX_RATE_RETRIES {
                    return Err(limited(1));
                }
                let wait_ms =
                    retry_after_s.map_or(backoff_ms(rate_attempts), |s| s.saturating_mul(1000));
                let cause = match quota {
                    true => WaitCause::QuotaExceeded,
                    false => WaitCause::RateLimited,
                };
                (patience.on_wait)(Wait { ms: wait_ms, cause });
                sleep_ms(wait_ms).await;
                rate_attempts += 1;
            }
            500..=599 if server_attempts < MAX_SERVER_RETRIES => {
                sleep_ms(backoff_ms(server_attempts)).await;
                server_attempts += 1;
            }
            _ => {
                let error = AppError::from_status(status, &error_body, resource);
                if error == AppError::SessionExpired {
                    // Refused even after a refresh: the listener has to log in again.
                    session::end_session(Some(error.clone()));
                }
                return Err(error);
            }
        }
    }
}

/// `GET` a Web API URL and decode its JSON.
pub(crate) async fn get_json<T: DeserializeOwned>(
    url: &str,
    resource: Resource,
) -> Result<T, AppError> {
    get_json_patiently(url, resource, Patience::DEFAULT).await
}

/// [`get_json`] with its own way of handling rate limits (a bulk import's).
pub(crate) async fn get_json_patiently<T: DeserializeOwned>(
    url: &str,
    resource: Resource,
    patience: Patience<'_>,
) -> Result<T, AppError> {
    let text = send(Method::Get, url, None, resource, patience).await?;
    serde_json::from_str(&text).map_err(|_| AppError::BadReply)
}

/// `POST` a JSON body to a Web API URL and decode the JSON reply.
pub(crate) async fn post_json<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    resource: Resource,
) -> Result<T, AppError> {
    let body = serde_json::to_string(body).map_err(|_| AppError::BadReply)?;
    let text = send(Method::Post, url, Some(&body), resource, Patience::DEFAULT).await?;
    serde_json::from_str(&text).map_err(|_| AppError::BadReply)
}
