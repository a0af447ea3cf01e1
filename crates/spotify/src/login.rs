//! The login's rules: which permissions are asked for and why, whether a reply to the authorize
//! redirect is one to act on, and what the tokens become after an exchange or a refresh.
//!
//! Time is a parameter (`now_ms`, milliseconds on the `Date.now()` clock), so every rule here is
//! tested natively.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::TokenResponse;
use crate::pkce::{self, Verifier};

/// Scopes asked for at login: read-only, nothing the listener would distrust.
pub const READ_SCOPES: [&str; 5] = [
    "user-library-read",
    "user-top-read",
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-read-recently-played",
];

/// Why the read scopes are asked for, shown beside the login button.
pub const READ_SCOPES_WHY: &str = "Spotify will ask you to let Encore read your liked songs, top tracks, playlists and recent plays: that is what your recommendations are computed from, here in your browser. Encore cannot change anything in your account with it.";

/// The one write scope, asked for only when the listener saves a playlist.
pub const SAVE_SCOPE: &str = "playlist-modify-private";

/// Why the write scope is asked for, shown beside the save button until it is granted.
pub const SAVE_SCOPE_WHY: &str = "The first time you save, Spotify asks you to let Encore create private playlists: that is needed to create this one, and it cannot read or change your other playlists' privacy.";

/// How long before the access token's expiry it is refreshed, so a request never carries a dying
/// token.
pub const EXPIRY_MARGIN_MS: f64 = 60_000.0;

/// The listener's tokens as stored (one JSON object in `localStorage`). `Debug` shows neither
/// token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Milliseconds since the epoch (`Date.now()` clock).
    pub expires_at_ms: f64,
    /// Space-separated scopes granted, as the token reply listed them.
    pub scope: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// The tokens of a code exchange's reply, received at `now_ms`.
    pub fn from_exchange(reply: TokenResponse, now_ms: f64) -> Self {
        Self::from_reply(reply, None, now_ms)
    }

    /// The tokens after a refresh of `self`. Spotify rotates the refresh token on every PKCE
    /// refresh, but a reply sometimes omits it, and then the old one stays valid and is kept.
    pub fn refreshed(&self, reply: TokenResponse, now_ms: f64) -> Self {
        Self::from_reply(reply, self.refresh_token.clone(), now_ms)
    }

    fn from_reply(reply: TokenResponse, previous_refresh: Option<String>, now_ms: f64) -> Self {
        Self {
            access_token: reply.access_token,
            refresh_token: reply.refresh_token.or(previous_refresh),
            expires_at_ms: now_ms + f64::from(reply.expires_in) * 1000.0,
            scope: reply.scope,
        }
    }

    /// Whether the access token should be refreshed before it is used at `now_ms`.
    pub fn expires_soon(&self, now_ms: f64) -> bool {
        now_ms + EXPIRY_MARGIN_MS >= self.expires_at_ms
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }
}

/// What the address bar carried back from Spotify's authorize page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub error: Option<String>,
    pub state: Option<String>,
}

impl CallbackQuery {
    /// The login reply in `query` (`?code=..&state=..` or `?error=..&state=..`), or `None` when
    /// the page was opened some other way.
    pub fn parse(query: &str) -> Option<Self> {
        let code = pkce::query_param(query, "code");
        let error = pkce::query_param(query, "error");
        if code.is_none() && error.is_none() {
            return None;
        }
        Some(Self {
            code,
            error,
            state: pkce::query_param(query, "state"),
        })
    }
}

/// What to do with a login reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// Exchange this code, with the verifier of the login that asked for it.
    Exchange { code: String, verifier: Verifier },
    /// Act on nothing: the reply was refused for this reason. A session already running is kept.
    Refused(LoginRefusal),
}

/// Why a login reply is not exchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Not the reply to a login this tab started: a forged link, a replay, or Back onto Spotify's
    /// authorize page (which answers again with the old `state`, already used).
    NotOurs,
    /// The listener pressed Cancel on Spotify's consent page.
    Denied,
    /// Spotify refused the request itself (an OAuth error code such as `invalid_scope`).
    Failed(String),
}

/// Judges a login reply against the `state` and verifier this tab stored when it left for
/// Spotify (taken from storage, so each is used at most once). The state is checked first, also
/// for error replies: an unsolicited reply is ignored whole.
pub fn judge_callback(
    reply: CallbackQuery,
    expected_state: Option<&str>,
    verifier: Option<Verifier>,
) -> Callback {
    let ours = matches!((&reply.state, expected_state), (Some(got), Some(want)) if got == want);
    if !ours {
        return Callback::Refused(LoginRefusal::NotOurs);
    }
    match (reply.error, reply.code, verifier) {
        (Some(error), ..) if error == "access_denied" => Callback::Refused(LoginRefusal::Denied),
        (Some(error), ..) => Callback::Refused(LoginRefusal::Failed(error)),
        (None, Some(code), Some(verifier)) => Callback::Exchange { code, verifier },
        (None, ..) => Callback::Refused(LoginRefusal::NotOurs),
    }
}

/// What a refused login reply means for the listener. Nothing ends a running session: only a
/// code this tab asked for is ever exchanged, so a stray reply changes nothing but a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalMeaning {
    /// Logged out, and the reply was not ours: say so, nothing else happens.
    NotOurs,
    /// Logged in, and a reply that was not ours (or a second thought on Spotify's page) was
    /// ignored: the session goes on.
    IgnoredWhileLoggedIn,
    /// The listener declined the login: they stay logged out.
    LoginDeclined,
    /// The listener declined the write permission asked for a save: the read session goes on,
    /// and the save that waited for it is dropped and explained.
    SaveDeclined,
    /// Spotify refused the login request (an OAuth error code).
    Failed(String),
}

/// Judges what a refusal means from whether a session is running and a save awaits permission.
pub fn refusal_meaning(
    refusal: LoginRefusal,
    logged_in: bool,
    save_pending: bool,
) -> RefusalMeaning {
    match (refusal, logged_in) {
        (LoginRefusal::Denied, true) if save_pending => RefusalMeaning::SaveDeclined,
        (LoginRefusal::Denied | LoginRefusal::NotOurs, true) => {
            RefusalMeaning::IgnoredWhileLoggedIn
        }
        (LoginRefusal::NotOurs, false) => RefusalMeaning::NotOurs,
        (LoginRefusal::Denied, false) => RefusalMeaning::LoginDeclined,
        (LoginRefusal::Failed(code), _) => RefusalMeaning::Failed(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(access: &str, refresh: Option<&str>, scope: &str) -> TokenResponse {
        let refresh = refresh.map_or(String::new(), |r| format!(r#","refresh_token":"{r}""#));
        serde_json::from_str(&format!(
            r#"{{"access_token":"{access}","token_type":"Bearer","scope":"{scope}","expires_in":3600{refresh}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_refresh_reply_without_a_refresh_token_keeps_the_old_one() {
        let login = Tokens::from_exchange(reply("a1", Some("r1"), "user-top-read"), 1_000.0);
        assert_eq!(login.expires_at_ms, 3_601_000.0);
        let rotated = login.refreshed(reply("a2", Some("r2"), "user-top-read"), 2_000.0);
        assert_eq!(
            (
                rotated.access_token.as_str(),
                rotated.refresh_token.as_deref()
            ),
            ("a2", Some("r2")),
            "a rotated token replaces the old one"
        );
        let omitted = rotated.refreshed(reply("a3", None, "user-top-read"), 3_000.0);
        assert_eq!(
            (
                omitted.access_token.as_str(),
                omitted.refresh_token.as_deref()
            ),
            ("a3", Some("r2")),
            "an omitted one keeps the old one"
        );
        assert_eq!(omitted.expires_at_ms, 3_603_000.0);
    }

    #[test]
    fn expiry_margin_and_scopes() {
        let tokens = Tokens::from_exchange(
            reply("a", Some("r"), "user-top-read playlist-modify-private"),
            0.0,
        );
        for (now_ms, soon) in [
            (0.0, false),
            (3_539_999.0, false),
            (3_540_000.0, true),
            (4_000_000.0, true),
        ] {
            assert_eq!(tokens.expires_soon(now_ms), soon, "{now_ms}");
        }
        assert!(tokens.has_scope(SAVE_SCOPE));
        assert!(tokens.has_scope("user-top-read"));
        assert!(!tokens.has_scope("playlist-modify"));
        let debug = format!("{tokens:?}");
        assert!(
            !debug.contains("\"a\"") && !debug.contains("\"r\""),
            "{debug}"
        );
    }

    #[test]
    fn login_replies_are_judged_by_their_state_first() {
        let verifier = || Some(Verifier::from_stored("v".repeat(43)));
        let exchange = Callback::Exchange {
            code: "AQ1".into(),
            verifier: Verifier::from_stored("v".repeat(43)),
        };
        let refused = |why| Callback::Refused(why);
        let cases: [(&str, Option<&str>, Option<Verifier>, Callback); 9] = [
            ("?code=AQ1&state=s1", Some("s1"), verifier(), exchange),
            (
                "?code=AQ1&state=forged",
                Some("s1"),
                verifier(),
                refused(LoginRefusal::NotOurs),
            ),
            // Back onto the authorize page, or a reload: the state was already taken.
            (
                "?code=AQ2&state=s1",
                None,
                None,
                refused(LoginRefusal::NotOurs),
            ),
            (
                "?code=AQ1",
                Some("s1"),
                verifier(),
                refused(LoginRefusal::NotOurs),
            ),
            (
                "?error=access_denied&state=s1",
                Some("s1"),
                verifier(),
                refused(LoginRefusal::Denied),
            ),
            // A forged error is no more believed than a forged code.
            (
                "?error=access_denied&state=forged",
                Some("s1"),
                verifier(),
                refused(LoginRefusal::NotOurs),
            ),
            (
                "?error=access_denied",
                None,
                None,
                refused(LoginRefusal::NotOurs),
            ),
            (
                "?error=invalid_scope&state=s1",
                Some("s1"),
                verifier(),
                refused(LoginRefusal::Failed("invalid_scope".into())),
            ),
            (
                "?code=AQ1&state=s1",
                Some("s1"),
                None,
                refused(LoginRefusal::NotOurs),
            ),
        ];
        for (query, expected_state, verifier, want) in cases {
            let reply = CallbackQuery::parse(query).unwrap();
            assert_eq!(
                judge_callback(reply, expected_state, verifier),
                want,
                "{query}"
            );
        }
        assert_eq!(CallbackQuery::parse("?tab=map&state=s1"), None);
        assert_eq!(CallbackQuery::parse(""), None);
    }

    #[test]
    fn a_refused_reply_never_ends_a_session() {
        use LoginRefusal::{Denied, Failed, NotOurs};
        let failed = || Failed("invalid_scope".into());
        for (refusal, logged_in, save_pending, want) in [
            (NotOurs, false, false, RefusalMeaning::NotOurs),
            (NotOurs, true, false, RefusalMeaning::IgnoredWhileLoggedIn),
            // A forged reply does not cancel a save waiting for the permission either.
            (NotOurs, true, true, RefusalMeaning::IgnoredWhileLoggedIn),
            (Denied, false, false, RefusalMeaning::LoginDeclined),
            (Denied, true, true, RefusalMeaning::SaveDeclined),
            (Denied, true, false, RefusalMeaning::IgnoredWhileLoggedIn),
            (
                failed(),
                true,
                false,
                RefusalMeaning::Failed("invalid_scope".into()),
            ),
            (
                failed(),
                false,
                false,
                RefusalMeaning::Failed("invalid_scope".into()),
            ),
        ] {
            let what = format!("{refusal:?} logged_in={logged_in} save_pending={save_pending}");
            assert_eq!(
                refusal_meaning(refusal, logged_in, save_pending),
                want,
                "{what}"
            );
        }
    }
}
