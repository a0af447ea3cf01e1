//! The maths of OAuth 2.0 Authorization Code with PKCE (RFC 7636) as Spotify uses it.
//!
//! This crate has no entropy source, so the random bytes are parameters: the app draws them from
//! `getrandom` and hands them in. Everything here is deterministic and tested against the RFC's
//! appendix B vector. Building URLs and form bodies lives here too, because percent-encoding is
//! the kind of detail that is easy to get subtly wrong and cheap to test natively (the escaping
//! itself is the `percent-encoding` and `form_urlencoded` crates').

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// A PKCE `code_verifier`: 43 characters of base64url drawn from 32 random bytes.
///
/// `Debug` does not print it: the verifier is a secret until the code is exchanged.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier(String);

impl Verifier {
    /// The verifier for 32 random bytes (256 bits, the amount RFC 7636 section 7.1 recommends).
    pub fn from_random_bytes(bytes: [u8; 32]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Restores a verifier kept in `sessionStorage` between the redirect and the return.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 `code_challenge`: base64url(SHA-256(verifier)) without padding.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(..)")
    }
}

/// The `state` value for 16 random bytes: unguessable, checked when Spotify redirects back.
pub fn state_from_random_bytes(bytes: [u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What passes through unescaped: RFC 3986's unreserved characters. A space becomes `%20`, which
/// both query strings and form bodies accept (unlike `+`, which is only a space in form bodies).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `s` for a query string, a form body or a path segment.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// `key=value&...` with every key and value percent-encoded.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The decoded value of `name` in a query string (with or without the leading `?`), read as
/// `application/x-www-form-urlencoded`: `+` is a space, `%XX` escapes are UTF-8 bytes, and
/// malformed escapes are kept literally.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Everything the authorize redirect carries.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizeRequest<'a> {
    /// Base of the accounts service, e.g. `https://accounts.spotify.com` (no trailing slash).
    pub accounts_url: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub verifier: &'a Verifier,
    pub scopes: &'a [&'a str],
}

impl AuthorizeRequest<'_> {
    /// The `/authorize` URL to navigate to.
    pub fn url(&self) -> String {
        let challenge = self.verifier.challenge();
        let scope = self.scopes.join(" ");
        let query = form_encode(&[
            ("client_id", self.client_id),
            ("response_type", "code"),
            ("redirect_uri", self.redirect_uri),
            ("state", self.state),
            ("scope", &scope),
            ("code_challenge_method", "S256"),
            ("code_challenge", &challenge),
        ]);
        format!(
            "{}/authorize?{query}",
            self.accounts_url.trim_end_matches('/')
        )
    }
}

/// The form body exchanging an authorization code for tokens.
pub fn code_exchange_body(
    code: &str,
    redirect_uri: &str,
    client_id: &str,
    verifier: &Verifier,
) -> String {
    form_encode(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier.as_str()),
    ])
}

/// The form body trading a refresh token for a new access token (and a rotated refresh token).
pub fn refresh_body(refresh_token: &str, client_id: &str) -> String {
    form_encode(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 appendix B: the octets, the verifier they encode to, and its S256 challenge.
    const RFC_BYTES: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = Verifier::from_random_bytes(RFC_BYTES);
        assert_eq!(v.as_str(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifier_is_43_unreserved_chars_and_hidden_from_debug() {
        let v = Verifier::from_random_bytes([0xff; 32]);
        assert_eq!(v.as_str().len(), 43);
        assert!(
            v.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert!(!format!("{v:?}").contains(v.as_str()));
        assert_eq!(state_from_random_bytes([0xfb; 16]).len(), 22);
        assert!(!state_from_random_bytes([0xfb; 16]).contains(['+', '/', '=']));
    }

    #[test]
    fn percent_encoding_cases() {
        for (input, want) in [
            ("abc-._~XYZ09", "abc-._~XYZ09"),
            ("a b", "a%20b"),
            ("http://127.0.0.1:8080/", "http%3A%2F%2F127.0.0.1%3A8080%2F"),
            ("é", "%C3%A9"),
            ("a+b&c=d", "a%2Bb%26c%3Dd"),
        ] {
            assert_eq!(percent_encode(input), want, "{input}");
        }
    }

    #[test]
    fn query_params_are_found_and_decoded() {
        let q = "?code=AQ%2Fx-y_z&state=abc&error=access_denied&msg=a+b%C3%A9&bad=%zz&flag";
        for (name, want) in [
            ("code", Some("AQ/x-y_z")),
            ("state", Some("abc")),
            ("error", Some("access_denied")),
            ("msg", Some("a b\u{e9}")),
            ("bad", Some("%zz")),
            ("flag", Some("")),
            ("missing", None),
        ] {
            assert_eq!(query_param(q, name).as_deref(), want, "{name}");
        }
        assert_eq!(query_param("", "code"), None);
        let uri = "http://127.0.0.1:8080/ \u{e9}";
        assert_eq!(
            query_param(&format!("uri={}", percent_encode(uri)), "uri").as_deref(),
            Some(uri)
        );
    }

    #[test]
    fn authorize_url_carries_every_pkce_parameter() {
        let v = Verifier::from_random_bytes(RFC_BYTES);
        let url = AuthorizeRequest {
            accounts_url: "http://127.0.0.1:9000/",
            client_id: "cid",
            redirect_uri: "http://127.0.0.1:8080/",
            state: "st",
            verifier: &v,
            scopes: &["user-library-read", "user-top-read"],
        }
        .url();
        assert_eq!(
            url,
            "http://127.0.0.1:9000/authorize?client_id=cid&response_type=code\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&state=st\
             &scope=user-library-read%20user-top-read&code_challenge_method=S256\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(
            !url.contains(v.as_str()),
            "the verifier itself never leaves the browser"
        );
    }

    #[test]
    fn token_bodies() {
        let v = Verifier::from_stored("ver".into());
        assert_eq!(
            code_exchange_body("c/1", "http://127.0.0.1:8080/", "cid", &v),
            "grant_type=authorization_code&code=c%2F1\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&client_id=cid&code_verifier=ver"
        );
        assert_eq!(
            refresh_body("r t", "cid"),
            "grant_type=refresh_token&refresh_token=r%20t&client_id=cid"
        );
    }
}
