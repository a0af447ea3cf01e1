//! The site's Content-Security-Policy: what the browser may load, run and contact, written into
//! `index.html` as a `<meta>` by [`crate::site`] after every Trunk build.
//!
//! The policy is the privacy promise in a form the browser enforces: scripts only from the site
//! itself (plus Trunk's one inline loader, by hash, and WebAssembly compilation), connections
//! only to the site and the two Spotify origins of the `config.json` being deployed, frames only
//! Spotify's embed, images and styles only from the site (no `'unsafe-inline'`: the app sets no
//! `style` attribute, only classes and CSSOM properties). `<meta>` cannot carry
//! `frame-ancestors`, `report-uri` or `sandbox`; a static host gives no way to send headers.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The only origin the app frames: Spotify's embedded player (`components/result_card.rs`).
pub const EMBED_ORIGIN: &str = "https://open.spotify.com";

/// What varies between builds: the inline scripts to allow and the Spotify origins to contact.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// The exact text of every inline `<script>` in the built page (Trunk's loader).
    pub inline_scripts: &'a [String],
    /// Origins (or CSP source expressions, e.g. `http://127.0.0.1:*` for the mock) besides the
    /// site's own that the app may `fetch`.
    pub connect: &'a [String],
}

/// The policy as one `<meta content>` value, directives in a fixed order.
pub fn policy(inputs: &Inputs) -> String {
    let mut script_src = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
    script_src.extend(inputs.inline_scripts.iter().map(|s| sha256_source(s)));
    let mut connect_src = vec!["'self'".to_owned()];
    for origin in inputs.connect {
        if !connect_src.contains(origin) {
            connect_src.push(origin.clone());
        }
    }
    [
        ("default-src", vec!["'self'".to_owned()]),
        ("script-src", script_src),
        ("style-src", vec!["'self'".to_owned()]),
        // The icon and nothing else: the map is a canvas, the charts are inline SVG.
        ("img-src", vec!["'self'".to_owned()]),
        ("connect-src", connect_src),
        ("frame-src", vec![EMBED_ORIGIN.to_owned()]),
        ("object-src", vec!["'none'".to_owned()]),
        // The page's `<base>` is Trunk's public URL on this site; nothing may point it elsewhere.
        ("base-uri", vec!["'self'".to_owned()]),
        ("form-action", vec!["'none'".to_owned()]),
    ]
    .iter()
    .map(|(name, sources)| format!("{name} {}", sources.join(" ")))
    .collect::<Vec<_>>()
    .join("; ")
}

/// The CSP hash source of an inline script: `'sha256-BASE64'` of its exact text.
pub fn sha256_source(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The origin (`scheme://host[:port]`) of an absolute http(s) URL from `config.json`.
pub fn origin_of(url: &str) -> Result<String> {
    let parsed = url::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        bail!("{url:?} is not an http(s) URL with a host");
    }
    Ok(parsed.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_the_hash_of_their_exact_text() {
        // The example of the CSP specification and MDN.
        assert_eq!(
            sha256_source("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
        assert_ne!(
            sha256_source("alert('Hello, world.'); "),
            sha256_source("alert('Hello, world.');"),
            "one more space is another script"
        );
    }

    #[test]
    fn the_policy_allows_the_site_the_spotify_origins_and_the_embed_only() {
        let scripts = ["import init from './app.js';".to_owned()];
        let connect = [
            "https://accounts.spotify.com".to_owned(),
            "https://api.spotify.com".to_owned(),
            "https://api.spotify.com".to_owned(),
        ];
        let policy = policy(&Inputs {
            inline_scripts: &scripts,
            connect: &connect,
        });
        assert_eq!(
            policy,
            format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
                 img-src 'self'; connect-src 'self' https://accounts.spotify.com \
                 https://api.spotify.com; frame-src https://open.spotify.com; object-src 'none'; \
                 base-uri 'self'; form-action 'none'",
                sha256_source(&scripts[0])
            )
        );
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn origins_are_taken_from_config_urls() {
        let check = |url: &str, expected: &str| assert_eq!(origin_of(url).unwrap(), expected);
        check(
            "https://accounts.spotify.com",
            "https://accounts.spotify.com",
        );
        check("https://api.spotify.com/v1", "https://api.spotify.com");
        check("http://127.0.0.1:41234/v1/", "http://127.0.0.1:41234");
        check("HTTPS://API.Spotify.com:443/v1", "https://api.spotify.com");
        for bad in [
            "",
            "api.spotify.com/v1",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert!(origin_of(bad).is_err(), "{bad:?} is refused");
        }
    }
}
