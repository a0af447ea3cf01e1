//! The one Spotify Web API client: every request goes through [`send`].
//!
//! `send` adds the bearer token and follows `encore_spotify::reply::next_step`, the retry policy
//! as a pure function (refresh once on 401, wait out 429s, retry reads after network errors and
//! 5xx, never repeat a write that may have been applied), so importers only see a body or an
//! [`AppError`]. A caller's [`Patience`] is told of every wait and says whether a `Retry-After`
//! over a minute is waited out (the liked-songs import, which shows when it continues) or given
//! back to the listener. A failure that ends the session ends it here, in every tab.
//!
//! The token only ever travels in the `Authorization` header; it is never put in a URL or an error.

use encore_spotify::api::ErrorBody;
use encore_spotify::reply::{
    Attempts, Failure, LongLimits, Method, Outcome, Step, WaitCause, next_step,
};
use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, Resource};
use crate::runtime::{is_offline, sleep_ms};
use crate::session::{self, SessionEnd};

/// A wait [`send`] is about to sit out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    pub ms: u32,
    pub cause: WaitCause,
}

/// How a caller wants rate limits handled: told of every wait, and what to do with long ones.
#[derive(Clone, Copy)]
pub(crate) struct Patience<'a> {
    pub on_wait: &'a dyn Fn(Wait),
    pub long_limits: LongLimits,
}

impl Patience<'_> {
    /// Long limits are the listener's to decide about; nobody is told of short waits.
    const DEFAULT: Patience<'static> = Patience {
        on_wait: &|_| {},
        long_limits: LongLimits::GiveBack,
    };
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

/// Sends one API request under the retry policy and returns the successful body.
async fn send(
    method: Method,
    url: &str,
    body: Option<&str>,
    resource: Resource,
    patience: Patience<'_>,
) -> Result<String, AppError> {
    if is_offline() {
        return Err(AppError::Offline);
    }
    let mut tokens = session::current_tokens().await?;
    let mut attempts = Attempts::default();
    let long_limits = patience.long_limits;
    loop {
        let sent = build(method, url, body, &tokens.access_token)?.send().await;
        let step = match sent {
            Ok(response) if response.ok() => {
                return response.text().await.map_err(|_| AppError::Network);
            }
            Ok(response) => {
                let retry_after_s = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.trim().parse().ok());
                let text = response.text().await.unwrap_or_default();
                let body = ErrorBody::parse(&text);
                let outcome = Outcome::Reply {
                    status: response.status(),
                    retry_after_s,
                    body: &body,
                };
                next_step(method, resource, long_limits, outcome, &mut attempts)
            }
            Err(_) => next_step(
                method,
                resource,
                long_limits,
                Outcome::NetworkError,
                &mut attempts,
            ),
        };
        match step {
            Step::Refresh => tokens = session::refreshed_after(&tokens.access_token).await?,
            Step::Retry { after_ms, cause } => {
                (patience.on_wait)(Wait {
                    ms: after_ms,
                    cause,
                });
                sleep_ms(after_ms).await;
            }
            Step::Fail(failure) => {
                if failure == Failure::SessionExpired {
                    // Refused even after a refresh: the listener has to log in again.
                    session::end_session(SessionEnd::Expired);
                }
                return Err(failure.into());
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

/// `POST` a JSON body to a Web API URL and decode the JSON reply. A POST is never repeated after
/// a network error or a 5xx: the caller decides what to do, knowing it may have been applied.
pub(crate) async fn post_json<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    resource: Resource,
) -> Result<T, AppError> {
    let body = serde_json::to_string(body).map_err(|_| AppError::BadReply)?;
    let text = send(Method::Post, url, Some(&body), resource, Patience::DEFAULT).await?;
    serde_json::from_str(&text).map_err(|_| AppError::BadReply)
}
