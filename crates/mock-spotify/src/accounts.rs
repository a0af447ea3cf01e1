//! The accounts service: `GET /authorize` and `POST /api/token`, Authorization Code with PKCE as
//! Spotify runs it (no client secret, S256 only, single-use codes, rotating refresh tokens).

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::faults::DenyAuthorization;
use crate::http::{OAuthError, Params};
use crate::state::{
    AuthCode, AuthorizeRecord, Settings, SharedState, State as MockState, TokenRecord,
};

/// Every scope Spotify knows; anything else is `invalid_scope`.
const KNOWN_SCOPES: &[&str] = &[
    "ugc-image-upload",
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "app-remote-control",
    "streaming",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-follow-modify",
    "user-follow-read",
    "user-read-playback-position",
    "user-top-read",
    "user-read-recently-played",
    "user-library-modify",
    "user-library-read",
    "user-read-email",
    "user-read-private",
    "user-personalized",
];

/// RFC 7636: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A S256 challenge is base64url (no padding) of a SHA-256: exactly 43 such characters.
fn is_valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// RFC 7636 section 4.2, S256: base64url without padding of the verifier's SHA-256. Written here
/// rather than taken from the app, so a mistake in the app's PKCE fails the exchange.
fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn client_is_known(settings: &Settings, client_id: &str) -> bool {
    match &settings.client_id {
        Some(expected) => expected == client_id,
        None => !client_id.is_empty(),
    }
}

/// Spotify accepts https redirect uris and http only on the loopback literals; never `localhost`.
fn redirect_is_allowed(settings: &Settings, uri: &str) -> bool {
    if !settings.redirect_uris.is_empty() {
        return settings.redirect_uris.iter().any(|allowed| allowed == uri);
    }
    uri.starts_with("https://")
        || uri.starts_with("http://127.0.0.1:")
        || uri.starts_with("http://[::1]:")
}

/// `redirect_uri` with `pairs` appended to its query.
fn redirect_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    // 302, as Spotify answers; `Redirect::to` would be 303.
    (
        StatusCode::FOUND,
        [(
            axum::http::header::LOCATION,
            format!("{redirect_uri}{separator}{query}"),
        )],
    )
        .into_response()
}

/// `GET /authorize`: validates the request, records it, and sends the browser back with a code
/// (the mock's user always consents, unless an `access_denied` fault fires).
pub async fn authorize(
    State(shared): State<SharedState>,
    deny: Option<Extension<DenyAuthorization>>,
    Params(params): Params,
) -> Response {
    let param = |k: &str| params.get(k).cloned();
    let mut record = AuthorizeRecord {
        client_id: param("client_id"),
        response_type: param("response_type"),
        redirect_uri: param("redirect_uri"),
        state: param("state"),
        scope: param("scope"),
        code_challenge: param("code_challenge"),
        code_challenge_method: param("code_challenge_method"),
        outcome: String::new(),
    };
    let mut state = shared.lock();
    let response = decide(&mut state, &record, deny.is_some());
    record.outcome = response.1;
    state.received.authorize.push(record);
    response.0
}

/// The answer to an authorize request and a word for the record.
fn decide(state: &mut MockState, request: &AuthorizeRecord, deny: bool) -> (Response, String) {
    let client_id = request.client_id.as_deref().unwrap_or("");
    if !client_is_known(&state.settings, client_id) {
        // Spotify shows an error page rather than redirecting to an unverified client.
        return (
            (StatusCode::BAD_REQUEST, "INVALID_CLIENT: Invalid client").into_response(),
            "invalid_client".into(),
        );
    }
    let redirect_uri = request.redirect_uri.as_deref().unwrap_or("");
    if !redirect_is_allowed(&state.settings, redirect_uri) {
        let page = (
            StatusCode::BAD_REQUEST,
            "INVALID_CLIENT: Invalid redirect URI",
        )
            .into_response();
        return (page, "invalid_redirect_uri".into());
    }
    let app_state = request.state.as_deref();
    let back = |error: &str, description: Option<&str>| {
        let mut pairs = vec![("error", error)];
        pairs.extend(description.map(|d| ("error_description", d)));
        pairs.extend(app_state.map(|s| ("state", s)));
        (redirect_to(redirect_uri, &pairs), error.to_owned())
    };
    if request.response_type.as_deref() != Some("code") {
        return back(
            "unsupported_response_type",
            Some("response_type must be code"),
        );
    }
    if request.code_challenge_method.as_deref() != Some("S256") {
        return back(
            "invalid_request",
            Some("code_challenge_method must be S256"),
        );
    }
    let Some(code_challenge) = request.code_challenge.clone() else {
        return back("invalid_request", Some("code_challenge required"));
    };
    if !is_valid_challenge(&code_challenge) {
        return back(
            "invalid_request",
            Some("code_challenge must be base64url of a SHA-256"),
        );
    }
    let scope = request.scope.clone().unwrap_or_default();
    if scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .any(|s| !KNOWN_SCOPES.contains(&s))
    {
        return back("invalid_scope", None);
    }
    if deny {
        return back("access_denied", None);
    }
    let code = state.secret("AQ");
    state.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            code_challenge,
            scope,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    pairs.extend(app_state.map(|s| ("state", s)));
    (redirect_to(redirect_uri, &pairs), "code".into())
}

/// `POST /api/token`: the code exchange and the refresh, with Spotify's OAuth errors.
pub async fn token(
    State(shared): State<SharedState>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(_) => {
            shared.lock().received.token_requests.push(TokenRecord {
                grant_type: None,
                client_id: None,
                status: 400,
                error: Some("invalid_request".into()),
            });
            return OAuthError::new(
                "invalid_request",
                "body must be application/x-www-form-urlencoded",
            )
            .into_response();
        }
    };
    let field = |k: &str| form.get(k).map(String::as_str);
    let mut state = shared.lock();
    let result = match field("grant_type") {
        None => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant_type parameter is missing",
        )),
        Some("authorization_code") => exchange_code(&mut state, &field),
        Some("refresh_token") => refresh(&mut state, &field),
        Some(_) => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        )),
    };
    state.received.token_requests.push(TokenRecord {
        grant_type: field("grant_type").map(str::to_owned),
        client_id: field("client_id").map(str::to_owned),
        status: if result.is_ok() { 200 } else { 400 },
        error: result.as_ref().err().map(|e| e.error.to_owned()),
    });
    match result {
        Ok(body) => axum::Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

fn token_reply(state: &mut MockState, client_id: &str, scope: &str) -> serde_json::Value {
    let (access_token, refresh_token) = state.issue_tokens(client_id, scope);
    json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": state.settings.expires_in_s,
        "refresh_token": refresh_token,
    })
}

fn checked_client<'a>(
    state: &MockState,
    field: &impl Fn(&str) -> Option<&'a str>,
) -> Result<&'a str, OAuthError> {
    let client_id = field("client_id").unwrap_or("");
    if client_is_known(&state.settings, client_id) {
        Ok(client_id)
    } else {
        Err(OAuthError::new("invalid_client", "Invalid client"))
    }
}

fn exchange_code<'a>(
    state: &mut MockState,
    field: &impl Fn(&str) -> Option<&'a str>,
) -> Result<serde_json::Value, OAuthError> {
    let client_id = checked_client(state, field)?;
    let invalid_code = || OAuthError::new("invalid_grant", "Invalid authorization code");
    // Codes are single-use: any attempt consumes it, as the OAuth spec asks.
    let code = state
        .codes
        .remove(field("code").ok_or_else(invalid_code)?)
        .ok_or_else(invalid_code)?;
    if code.client_id != client_id {
        return Err(invalid_code());
    }
    if field("redirect_uri") != Some(code.redirect_uri.as_str()) {
        return Err(OAuthError::new("invalid_grant", "Invalid redirect URI"));
    }
    let verifier = field("code_verifier")
        .ok_or_else(|| OAuthError::new("invalid_request", "code_verifier required"))?;
    if !is_valid_verifier(verifier) || s256_challenge(verifier) != code.code_challenge {
        return Err(OAuthError::new(
            "invalid_grant",
            "code_verifier was incorrect",
        ));
    }
    Ok(token_reply(state, client_id, &code.scope))
}

fn refresh<'a>(
    state: &mut MockState,
    field: &impl Fn(&str) -> Option<&'a str>,
) -> Result<serde_json::Value, OAuthError> {
    let client_id = checked_client(state, field)?;
    let token = field("refresh_token")
        .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token must be supplied"))?;
    let grant = state
        .refresh
        .get_mut(token)
        .filter(|g| g.client_id == client_id)
        .ok_or_else(|| OAuthError::new("invalid_grant", "Invalid refresh token"))?;
    if grant.revoked {
        return Err(OAuthError::new("invalid_grant", "Refresh token revoked"));
    }
    // PKCE refresh tokens rotate: the old one is revoked as the new one is issued.
    grant.revoked = true;
    let scope = grant.scope.clone();
    Ok(token_reply(state, client_id, &scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_and_challenge_shape() {
        assert!(is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="
        ));
        assert!(!is_valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn redirect_rules() {
        let settings = Settings {
            expires_in_s: 3600,
            expose_retry_after: false,
            client_id: None,
            redirect_uris: Vec::new(),
        };
        for (uri, ok) in [
            ("http://127.0.0.1:8080/", true),
            ("http://[::1]:8080/", true),
            ("https://user.github.io/encore/", true),
            ("http://localhost:8080/", false),
            ("http://example.com/", false),
        ] {
            assert_eq!(redirect_is_allowed(&settings, uri), ok, "{uri}");
        }
    }
}
