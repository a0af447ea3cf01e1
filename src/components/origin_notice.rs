//! A short, non-blocking notice for a copy of Encore served from a GitHub Pages project site
//! (`https://USER.github.io/REPO/`). Such a site shares its origin with every other Pages site of
//! that owner: any of them can read Encore's `localStorage` (the Spotify refresh token) and
//! IndexedDB (the library), and register a service worker over Encore's path. The README's
//! Deployment section tells the site's owner how to give Encore an origin of its own.

use leptos::prelude::*;

/// Whether a site at `host` whose pages live under `site_path` (the document's base path, i.e.
/// Trunk's public URL) shares its origin with other sites: a path below a `*.github.io` host.
/// A `USER.github.io` user site at `/` and a custom domain have their origin to themselves.
pub fn shares_its_origin(host: &str, site_path: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let project_site = site_path
        .split('/')
        .any(|segment| !segment.is_empty() && segment != ".");
    host.ends_with(".github.io") && project_site
}

/// The page's host and the path of its base URL, when there is a page.
fn site_location() -> Option<(String, String)> {
    let document = web_sys::window()?.document()?;
    let base = document.base_uri().ok().flatten()?;
    let url = web_sys::Url::new(&base).ok()?;
    Some((url.hostname(), url.pathname()))
}

/// The notice, shown only when [`shares_its_origin`] holds for this page; nothing otherwise.
#[component]
pub fn OriginNotice() -> impl IntoView {
    let shared = site_location().filter(|(host, path)| shares_its_origin(host, path));
    shared.map(|(host, _)| {
        view! {
            <p class="origin-notice" role="note" data-testid="origin-notice">
                "This copy of Encore shares its web address with every other site at "
                <strong>{host.clone()}</strong>
                ": any of them could read what Encore keeps in this browser, your Spotify login included. "
                "You can still use it. Its owner can give Encore an address of its own (a custom domain, or "
                {host} " itself): see Deployment in Encore's README."
            </p>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_below_a_github_io_host_shares_its_origin() {
        let check = |host: &str, path: &str, expected: bool| {
            assert_eq!(shares_its_origin(host, path), expected, "{host} {path}");
        };
        check("user.github.io", "/encore/", true);
        check("user.github.io", "/encore", true);
        check("User.GitHub.io.", "/org/encore/", true);
        check("user.github.io", "/", false);
        check("user.github.io", "", false);
        check("encore.example.org", "/", false);
        check("encore.example.org", "/encore/", false);
        check("127.0.0.1", "/", false);
        check("github.io.example.org", "/encore/", false);
        check("notgithub.io", "/encore/", false);
    }
}
