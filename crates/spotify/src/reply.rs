//! What an unsuccessful reply means, and what to do after it.
//!
//! [`next_step`] is the client's whole retry policy as one pure function of the request, the reply
//! (or the network error) and the attempts made so far:
//! - 401: refresh the token once, then retry; a second 401 ends the session;
//! - 429: wait `Retry-After` when it is readable (it is often not CORS-exposed), else back off
//!   exponentially; a wait of more than a minute is given back to the listener instead, unless
//!   the caller waits out long limits ([`LongLimits::WaitOut`]: the liked-songs import, which
//!   shows when it continues); `reason: "QUOTA_EXCEEDED"` is told apart;
//! - a network error on a read: most likely a 429 that arrived without CORS headers (`fetch` then
//!   fails opaquely), so back off and retry the same request;
//! - 5xx on a read: retry a few times with backoff;
//! - a network error or a 5xx on a write is never repeated: Spotify may have applied it, and a
//!   repeat could add a playlist or its tracks twice. The caller keeps its progress instead;
//! - anything else: [`failure`] says what it means, which the app words for the listener.

use crate::api::ErrorBody;

/// Retries after network errors or 429s before giving up (with backoff capped at
/// [`MAX_BACKOFF_MS`], about two and a half minutes of trying in all).
pub const MAX_RATE_RETRIES: u32 = 8;
/// Retries of a read after a 5xx.
pub const MAX_SERVER_RETRIES: u32 = 3;
const FIRST_BACKOFF_MS: u32 = 1_000;
/// Spotify's rate-limit window is a rolling 30 seconds.
pub const MAX_BACKOFF_MS: u32 = 30_000;
/// A `Retry-After` longer than this is not waited out silently: the listener is told instead.
pub const MAX_SILENT_WAIT_S: u32 = 60;

/// What a request was about, so the same status can be explained in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `GET /me` right after login: a 403 here means the account is not on the allow-list.
    Profile,
    /// A playlist's items: a 403 here means it belongs to someone else.
    Playlist,
    /// Creating a playlist or adding to it. Whether the token carries the write scope tells the
    /// two causes of a 403 apart: without it the permission is missing; with it, Spotify refuses
    /// the account itself (the allow-list).
    PlaylistWrite { save_scope_granted: bool },
    /// Any other library read.
    Library,
    /// The accounts service's token endpoint.
    Token(Grant),
}

/// Which token request was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Exchanging the code from the login redirect.
    Code,
    /// Trading the refresh token for new tokens.
    Refresh,
}

/// What went wrong with a Spotify request, before it is worded for the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The access token was refused even after a refresh.
    SessionExpired,
    /// The refresh token was refused (`invalid_grant`): it is six months old or was revoked.
    RefreshRevoked,
    InvalidClient,
    /// The accounts service refused the login with this OAuth error code.
    LoginFailed(String),
    /// Logged in, but this Spotify app's allow-list does not hold the account.
    NotRegistered,
    PlaylistNotYours,
    PlaylistUnavailable,
    /// A save was refused because the token lacks the write scope.
    SaveScopeMissing,
    /// A save was refused although the write scope was granted: the account is not allowed.
    SaveNotAllowListed,
    Forbidden,
    RateLimited {
        minutes: u32,
    },
    /// A 429 with `reason: "QUOTA_EXCEEDED"`: the quota all apps of one developer share.
    QuotaExceeded {
        minutes: u32,
    },
    Network,
    SpotifyDown(u16),
    Unexpected(u16),
}

impl Failure {
    /// Whether the listener has to log in again: the app then forgets the tokens.
    pub fn ends_session(&self) -> bool {
        matches!(self, Failure::SessionExpired | Failure::RefreshRevoked)
    }
}

/// The one mapping from an unsuccessful status (and its parsed body) to what it means. `401` and
/// retryable statuses are handled by [`next_step`] first; when they do arrive here (retries used
/// up), they become the final word.
pub fn failure(status: u16, body: &ErrorBody, resource: Resource) -> Failure {
    match (status, body.oauth_error.as_deref(), resource) {
        (_, Some("invalid_grant"), Resource::Token(Grant::Refresh)) => Failure::RefreshRevoked,
        (_, Some("invalid_client"), _) => Failure::InvalidClient,
        (_, Some(code), Resource::Token(_)) => Failure::LoginFailed(code.to_owned()),
        (401, ..) => Failure::SessionExpired,
        (403, _, Resource::PlaylistWrite { save_scope_granted }) => {
            if save_scope_granted {
                Failure::SaveNotAllowListed
            } else {
                Failure::SaveScopeMissing
            }
        }
        (403, _, _) if body.is_user_not_registered() => Failure::NotRegistered,
        (403, _, Resource::Profile) => Failure::NotRegistered,
        (403, _, Resource::Playlist) => Failure::PlaylistNotYours,
        (403, ..) => Failure::Forbidden,
        (404, _, Resource::Playlist) => Failure::PlaylistUnavailable,
        (429, ..) => Failure::RateLimited { minutes: 1 },
        (500..=599, ..) => Failure::SpotifyDown(status),
        (_, Some(code), _) => Failure::LoginFailed(code.to_owned()),
        _ => Failure::Unexpected(status),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// How a request ended, when it did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// `fetch` itself failed: offline, refused, or a reply without CORS headers.
    NetworkError,
    /// An unsuccessful status, with its `Retry-After` in seconds when readable.
    Reply {
        status: u16,
        retry_after_s: Option<u32>,
        body: &'a ErrorBody,
    },
}

/// Why a request waits before it is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCause {
    /// A 429.
    RateLimited,
    /// A 429 with `reason: "QUOTA_EXCEEDED"`.
    QuotaExceeded,
    /// A read failed without a reply: most likely a 429 without CORS headers.
    NoReply,
    /// A read got a 5xx.
    ServerError,
}

/// What a caller wants done with a `Retry-After` over [`MAX_SILENT_WAIT_S`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongLimits {
    /// Give it back as a failure: the listener decides whether to wait.
    GiveBack,
    /// Wait it out: a bulk import that tells the listener when it continues.
    WaitOut,
}

/// The attempts made for one request so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    pub refreshed: bool,
    pub rate_limited: u32,
    pub server_errors: u32,
}

/// What to do after an unsuccessful outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Refresh the access token, then send the request again.
    Refresh,
    /// Wait this long, then send the same request again.
    Retry { after_ms: u32, cause: WaitCause },
    /// Stop: this is the answer.
    Fail(Failure),
}

/// `1 s, 2 s, 4 s, ...` capped at [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempt: u32) -> u32 {
    FIRST_BACKOFF_MS
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_BACKOFF_MS)
}

/// The retry policy (see the module doc); `attempts` is updated for the step taken.
pub fn next_step(
    method: Method,
    resource: Resource,
    long_limits: LongLimits,
    outcome: Outcome<'_>,
    attempts: &mut Attempts,
) -> Step {
    let (status, retry_after_s, body) = match outcome {
        Outcome::NetworkError
            if method == Method::Get && attempts.rate_limited < MAX_RATE_RETRIES =>
        {
            let after_ms = backoff_ms(attempts.rate_limited);
            attempts.rate_limited += 1;
            return Step::Retry {
                after_ms,
                cause: WaitCause::NoReply,
            };
        }
        Outcome::NetworkError => return Step::Fail(Failure::Network),
        Outcome::Reply {
            status,
            retry_after_s,
            body,
        } => (status, retry_after_s, body),
    };
    match status {
        401 if !attempts.refreshed => {
            attempts.refreshed = true;
            Step::Refresh
        }
        // A 429 was not processed, so even a write may be sent again.
        429 => {
            let quota = body.reason.as_deref() == Some("QUOTA_EXCEEDED");
            let limited = |minutes| match quota {
                true => Failure::QuotaExceeded { minutes },
                false => Failure::RateLimited { minutes },
            };
            if let Some(seconds) = retry_after_s.filter(|s| *s > MAX_SILENT_WAIT_S)
                && long_limits == LongLimits::GiveBack
            {
                return Step::Fail(limited(seconds.div_ceil(60)));
            }
            if attempts.rate_limited >= MAX_RATE_RETRIES {
                return Step::Fail(limited(1));
            }
            let after_ms = retry_after_s.map_or(backoff_ms(attempts.rate_limited), |s| {
                s.saturating_mul(1000)
            });
            attempts.rate_limited += 1;
            let cause = match quota {
                true => WaitCause::QuotaExceeded,
                false => WaitCause::RateLimited,
            };
            Step::Retry { after_ms, cause }
        }
        500..=599 if method == Method::Get && attempts.server_errors < MAX_SERVER_RETRIES => {
            let after_ms = backoff_ms(attempts.server_errors);
            attempts.server_errors += 1;
            Step::Retry {
                after_ms,
                cause: WaitCause::ServerError,
            }
        }
        _ => Step::Fail(failure(status, body, resource)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_mean_one_thing_each() {
        let not_registered = ErrorBody::parse(
            "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
        );
        let plain = ErrorBody::parse(r#"{"error":{"status":403,"message":"Forbidden"}}"#);
        let revoked = ErrorBody::parse(
            r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
        );
        let bad_code = ErrorBody::parse(
            r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#,
        );
        let unknown_client = ErrorBody::parse(r#"{"error":"invalid_client"}"#);
        let write = |save_scope_granted| Resource::PlaylistWrite { save_scope_granted };
        let cases = [
            (401, &plain, Resource::Library, Failure::SessionExpired),
            (
                403,
                &not_registered,
                Resource::Library,
                Failure::NotRegistered,
            ),
            (403, &plain, Resource::Profile, Failure::NotRegistered),
            (403, &plain, Resource::Playlist, Failure::PlaylistNotYours),
            (403, &plain, write(false), Failure::SaveScopeMissing),
            (403, &plain, write(true), Failure::SaveNotAllowListed),
            (
                403,
                &not_registered,
                write(true),
                Failure::SaveNotAllowListed,
            ),
            (403, &plain, Resource::Library, Failure::Forbidden),
            (
                404,
                &plain,
                Resource::Playlist,
                Failure::PlaylistUnavailable,
            ),
            (404, &plain, Resource::Library, Failure::Unexpected(404)),
            (
                429,
                &plain,
                Resource::Library,
                Failure::RateLimited { minutes: 1 },
            ),
            (503, &plain, Resource::Library, Failure::SpotifyDown(503)),
            (
                400,
                &revoked,
                Resource::Token(Grant::Refresh),
                Failure::RefreshRevoked,
            ),
            (
                400,
                &bad_code,
                Resource::Token(Grant::Code),
                Failure::LoginFailed("invalid_grant".into()),
            ),
            (
                400,
                &unknown_client,
                Resource::Token(Grant::Refresh),
                Failure::InvalidClient,
            ),
            (418, &plain, Resource::Library, Failure::Unexpected(418)),
        ];
        for (status, body, resource, want) in cases {
            assert_eq!(
                failure(status, body, resource),
                want,
                "{status} {resource:?}"
            );
        }
        assert!(Failure::RefreshRevoked.ends_session());
        assert!(Failure::SessionExpired.ends_session());
        assert!(!Failure::SaveNotAllowListed.ends_session());
    }

    /// Runs `outcomes` through `next_step` for one request and returns the steps taken.
    fn steps(method: Method, long_limits: LongLimits, outcomes: &[Outcome<'_>]) -> Vec<Step> {
        let mut attempts = Attempts::default();
        outcomes
            .iter()
            .map(|o| next_step(method, Resource::Library, long_limits, *o, &mut attempts))
            .collect()
    }

    #[test]
    fn the_retry_policy() {
        let body = ErrorBody::default();
        let status = |status| Outcome::Reply {
            status,
            retry_after_s: None,
            body: &body,
        };
        let retry_after = |seconds| Outcome::Reply {
            status: 429,
            retry_after_s: Some(seconds),
            body: &body,
        };
        let quota_body = ErrorBody::parse(
            r#"{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}"#,
        );
        let quota_after = |seconds| Outcome::Reply {
            status: 429,
            retry_after_s: Some(seconds),
            body: &quota_body,
        };
        let retry = |after_ms| Step::Retry {
            after_ms,
            cause: WaitCause::RateLimited,
        };
        let no_reply = |after_ms| Step::Retry {
            after_ms,
            cause: WaitCause::NoReply,
        };
        let server = |after_ms| Step::Retry {
            after_ms,
            cause: WaitCause::ServerError,
        };
        use LongLimits::{GiveBack, WaitOut};
        use Method::{Get, Post};
        type Case<'a> = (&'a str, Method, LongLimits, Vec<Outcome<'a>>, Vec<Step>);
        let cases: Vec<Case<'_>> = vec![
            (
                "401 refreshes once, then ends",
                Get,
                GiveBack,
                vec![status(401), status(401)],
                vec![Step::Refresh, Step::Fail(Failure::SessionExpired)],
            ),
            (
                "401 on a write refreshes too",
                Post,
                GiveBack,
                vec![status(401)],
                vec![Step::Refresh],
            ),
            (
                "429 waits a readable Retry-After",
                Get,
                GiveBack,
                vec![retry_after(3), retry_after(60)],
                vec![retry(3_000), retry(60_000)],
            ),
            (
                "429 beyond a minute is handed to the listener",
                Get,
                GiveBack,
                vec![retry_after(61), retry_after(3_600)],
                vec![
                    Step::Fail(Failure::RateLimited { minutes: 2 }),
                    Step::Fail(Failure::RateLimited { minutes: 60 }),
                ],
            ),
            (
                "429 without Retry-After backs off exponentially, capped at 30 s",
                Get,
                GiveBack,
                vec![status(429); 9],
                vec![
                    retry(1_000),
                    retry(2_000),
                    retry(4_000),
                    retry(8_000),
                    retry(16_000),
                    retry(30_000),
                    retry(30_000),
                    retry(30_000),
                    Step::Fail(Failure::RateLimited { minutes: 1 }),
                ],
            ),
            (
                "429 on a write was not applied, so it is retried",
                Post,
                GiveBack,
                vec![status(429)],
                vec![retry(1_000)],
            ),
            (
                "a network error on a read is a probable 429",
                Get,
                GiveBack,
                vec![Outcome::NetworkError, Outcome::NetworkError],
                vec![no_reply(1_000), no_reply(2_000)],
            ),
            (
                "a network error on a write is never repeated",
                Post,
                GiveBack,
                vec![Outcome::NetworkError],
                vec![Step::Fail(Failure::Network)],
            ),
            (
                "5xx on a read is retried three times",
                Get,
                GiveBack,
                vec![status(502), status(503), status(500), status(500)],
                vec![
                    server(1_000),
                    server(2_000),
                    server(4_000),
                    Step::Fail(Failure::SpotifyDown(500)),
                ],
            ),
            (
                "5xx on a write is never repeated",
                Post,
                GiveBack,
                vec![status(503)],
                vec![Step::Fail(Failure::SpotifyDown(503))],
            ),
            (
                "other statuses end at once",
                Get,
                GiveBack,
                vec![status(403)],
                vec![Step::Fail(Failure::Forbidden)],
            ),
            (
                "a bulk import waits out a long Retry-After",
                Get,
                WaitOut,
                vec![retry_after(3_600)],
                vec![retry(3_600_000)],
            ),
            (
                "QUOTA_EXCEEDED is told apart, in waits and in failures",
                Get,
                GiveBack,
                vec![quota_after(5), quota_after(120)],
                vec![
                    Step::Retry {
                        after_ms: 5_000,
                        cause: WaitCause::QuotaExceeded,
                    },
                    Step::Fail(Failure::QuotaExceeded { minutes: 2 }),
                ],
            ),
        ];
        for (what, method, long_limits, outcomes, want) in cases {
            assert_eq!(steps(method, long_limits, &outcomes), want, "{what}");
        }
    }
}
