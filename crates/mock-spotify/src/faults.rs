//! Scenario rules: make matching requests fail the ways Spotify's do.
//!
//! A rule matches requests whose path starts with `path` (and, when given, whose method is
//! `method`); it lets the first `after` matching requests through, then fires on the next `times`
//! ones (forever when `times` is absent). Preflight (`OPTIONS`) requests never match, so a fault
//! hits the request the app actually made.
//!
//! This module only decides which rule fires; `http::apply_faults` answers with it. So the rules
//! depend on nothing else in the mock, and the server state can hold them without a cycle.

use serde::{Deserialize, Serialize};

/// How a fired rule answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// 401 `{"error":{"status":401,"message":"The access token expired"}}`.
    TokenExpired,
    /// 429 with `Retry-After` (readable by a browser only with `expose_retry_after`).
    RateLimit {
        #[serde(default = "one_second")]
        retry_after_s: u64,
    },
    /// 429 without any CORS header: a browser's `fetch` fails with a network error.
    RateLimitNoCors {
        #[serde(default = "one_second")]
        retry_after_s: u64,
    },
    /// 403 with a plain-text body, as for a user missing from the app's allow-list.
    NotRegistered,
    /// A 5xx with Spotify's JSON error body.
    ServerError {
        #[serde(default = "internal_server_error")]
        status: u16,
    },
    /// A burst of 429s, as Spotify sends when an app pages too fast: each firing is a
    /// `rate_limit`, except every `no_cors_every`-th, which is a `rate_limit_no_cors`. Its length
    /// is the rule's `times`.
    RateLimitStorm {
        #[serde(default = "one_second")]
        retry_after_s: u64,
        #[serde(default = "every_third")]
        no_cors_every: u32,
    },
    /// Answers normally, after a pause.
    Delay { delay_ms: u64 },
    /// `/authorize` redirects back with `error=access_denied`, as when the user clicks "Cancel".
    AccessDenied,
    /// Carries the request out, then loses the reply: a 502 without any CORS header, which a
    /// browser's `fetch` reports as a network error, as when a connection drops after Spotify
    /// acted.
    ReplyLost,
}

fn one_second() -> u64 {
    1
}

fn every_third() -> u32 {
    3
}

fn internal_server_error() -> u16 {
    500
}

fn root() -> String {
    "/".to_owned()
}

/// One scenario rule, as posted to `/__mock/faults` or given with `--fault`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Path prefix, e.g. `/v1/me/tracks`; `/` matches everything.
    #[serde(default = "root")]
    pub path: String,
    /// Only this method (case-insensitive), e.g. `GET`; any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Matching requests to let through before the first firing.
    #[serde(default)]
    pub after: u32,
    /// How many times to fire; forever when absent.
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.path)
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// A rule with its counters, as `GET /__mock/faults` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    pub id: u64,
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Matching requests seen so far.
    pub seen: u32,
    /// Times it fired so far.
    pub fired: u32,
}

impl ActiveFault {
    pub fn new(id: u64, rule: FaultRule) -> Self {
        Self {
            id,
            rule,
            seen: 0,
            fired: 0,
        }
    }
}

/// Counts the request against every matching rule; the first rule due to fire fires, and this is
/// how it answers (a storm answers as one of its two kinds of 429).
pub fn fire(faults: &mut [ActiveFault], method: &str, path: &str) -> Option<FaultKind> {
    let mut fired = None;
    for fault in faults.iter_mut().filter(|f| f.rule.matches(method, path)) {
        fault.seen += 1;
        let due = fault.seen > fault.rule.after && fault.rule.times.is_none_or(|t| fault.fired < t);
        if due && fired.is_none() {
            fault.fired += 1;
            fired = Some(match fault.rule.kind {
                FaultKind::RateLimitStorm {
                    retry_after_s,
                    no_cors_every,
                } if no_cors_every > 0 && fault.fired.is_multiple_of(no_cors_every) => {
                    FaultKind::RateLimitNoCors { retry_after_s }
                }
                FaultKind::RateLimitStorm { retry_after_s, .. } => {
                    FaultKind::RateLimit { retry_after_s }
                }
                ref kind => kind.clone(),
            });
        }
    }
    fired
}

/// Marks an `/authorize` request the user "denied".
#[derive(Debug, Clone, Copy)]
pub struct DenyAuthorization;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn parses_every_kind_with_defaults() {
        let r = rule(r#"{"kind":"rate_limit"}"#);
        assert_eq!(r.path, "/");
        assert_eq!(r.kind, FaultKind::RateLimit { retry_after_s: 1 });
        let r = rule(r#"{"kind":"server_error","status":503,"path":"/v1","after":2,"times":1}"#);
        assert_eq!(r.kind, FaultKind::ServerError { status: 503 });
        assert_eq!((r.after, r.times), (2, Some(1)));
        assert!(serde_json::from_str::<FaultRule>(r#"{"kind":"teapot"}"#).is_err());
    }

    #[test]
    fn fires_after_n_matching_requests_for_t_times() {
        let mut faults = vec![ActiveFault::new(
            1,
            rule(r#"{"kind":"token_expired","path":"/v1/me/tracks","after":2,"times":2}"#),
        )];
        let fired: Vec<bool> = [
            "/v1/me/tracks",
            "/v1/me",
            "/v1/me/tracks",
            "/v1/me/tracks",
            "/v1/me/tracks",
            "/v1/me/tracks",
        ]
        .iter()
        .map(|p| fire(&mut faults, "GET", p).is_some())
        .collect();
        assert_eq!(fired, [false, false, false, true, true, false]);
        assert_eq!((faults[0].seen, faults[0].fired), (5, 2));
    }

    #[test]
    fn a_storm_is_a_burst_of_429s_every_third_without_cors() {
        let mut faults = vec![ActiveFault::new(
            1,
            rule(r#"{"kind":"rate_limit_storm","retry_after_s":2,"after":1,"times":6}"#),
        )];
        let answers: Vec<Option<FaultKind>> = (0..9)
            .map(|_| fire(&mut faults, "GET", "/v1/me/tracks"))
            .collect();
        let with_cors = Some(FaultKind::RateLimit { retry_after_s: 2 });
        let without = Some(FaultKind::RateLimitNoCors { retry_after_s: 2 });
        assert_eq!(
            answers,
            [
                None,
                with_cors.clone(),
                with_cors.clone(),
                without.clone(),
                with_cors.clone(),
                with_cors,
                without,
                None,
                None
            ]
        );
        let all_cors = rule(r#"{"kind":"rate_limit_storm","no_cors_every":0}"#);
        let mut faults = vec![ActiveFault::new(1, all_cors)];
        assert!((0..5).all(|_| matches!(
            fire(&mut faults, "GET", "/"),
            Some(FaultKind::RateLimit { .. })
        )));
    }

    #[test]
    fn method_filter_and_first_due_rule_wins() {
        let mut faults = vec![
            ActiveFault::new(1, rule(r#"{"kind":"not_registered","method":"post"}"#)),
            ActiveFault::new(2, rule(r#"{"kind":"token_expired","times":1}"#)),
        ];
        assert_eq!(
            fire(&mut faults, "GET", "/v1/me"),
            Some(FaultKind::TokenExpired)
        );
        assert_eq!(
            fire(&mut faults, "POST", "/v1/me/playlists"),
            Some(FaultKind::NotRegistered)
        );
        assert_eq!(fire(&mut faults, "GET", "/v1/me"), None);
    }
}
