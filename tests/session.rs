//! Browser tests of the app's Spotify side that need a real browser but no network: web storage
//! used once, the IndexedDB library cache, "forget me" and the redirect URI. What a status means
//! and the sentence it becomes are pure, so they are native tests (`encore_spotify::reply` and
//! `src/error.rs`).

// This whole crate is tests; clippy's `allow-unwrap-in-tests` does not recognise
// `#[wasm_bindgen_test]` functions as tests.
#![allow(clippy::unwrap_used)]

use encore_app::error::AppError;
use encore_app::{config, storage};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn session_values_are_taken_once() {
    storage::session_set("encore.test_once", "v").unwrap();
    assert_eq!(
        storage::session_take("encore.test_once").as_deref(),
        Some("v")
    );
    assert_eq!(storage::session_take("encore.test_once"), None);
}

#[wasm_bindgen_test]
fn the_listeners_client_id_is_remembered_and_changeable() {
    let site = config::Config {
        spotify_accounts_url: "http://127.0.0.1:1".into(),
        spotify_api_url: "http://127.0.0.1:1/v1".into(),
        client_id: String::new(),
    };
    config::set_client_id("  first  ").unwrap();
    assert_eq!(config::client_id(&site).as_deref(), Some("first"));
    config::set_client_id("second").unwrap();
    assert_eq!(config::client_id(&site).as_deref(), Some("second"));
    let with_own = config::Config {
        client_id: "site".into(),
        ..site.clone()
    };
    assert_eq!(
        config::client_id(&with_own).as_deref(),
        Some("site"),
        "config.json wins"
    );
    config::set_client_id("").unwrap();
    assert_eq!(config::client_id(&site), None);
    assert_eq!(site.api("/me/tracks"), "http://127.0.0.1:1/v1/me/tracks");
    assert_eq!(site.token_url(), "http://127.0.0.1:1/api/token");
}

#[wasm_bindgen_test]
fn the_redirect_uri_is_the_page_without_query() {
    let location = web_sys::window().unwrap().location();
    let uri = config::redirect_uri();
    assert_eq!(
        uri,
        format!(
            "{}{}",
            location.origin().unwrap(),
            location.pathname().unwrap()
        )
    );
    assert!(!uri.contains('?'));
}

#[wasm_bindgen_test]
async fn the_library_cache_round_trips_and_forget_me_clears_only_encores_data() {
    let put = |key: &str, value: &str| storage::CacheWrite::Put(key.into(), value.into());
    let permit = storage::WritePermit::take();
    storage::cache_write_all(&permit, &[put("test:a", "[1]"), put("test:b", "[2]")])
        .await
        .unwrap();
    let keys = ["test:a", "test:b", "test:nobody"].map(String::from);
    let back = storage::cache_get_all(&keys).await.unwrap();
    assert_eq!(back, [Some("[1]".into()), Some("[2]".into()), None]);

    storage::local_set("encore.tokens", "{}").unwrap();
    storage::session_set("encore.pkce_state", "s").unwrap();
    // Another site on the same origin (a GitHub Pages neighbour) keeps its own things.
    storage::local_set("neighbour.tokens", "theirs").unwrap();
    storage::session_set("encore-fan-site", "theirs too").unwrap();
    storage::forget_everything().await.unwrap();
    assert_eq!(storage::local_get("encore.tokens"), None);
    assert_eq!(storage::session_get("encore.pkce_state"), None);
    assert_eq!(
        storage::local_get("neighbour.tokens").as_deref(),
        Some("theirs")
    );
    assert_eq!(
        storage::session_get("encore-fan-site").as_deref(),
        Some("theirs too")
    );
    let gone = storage::cache_get_all(&keys[..1]).await.unwrap();
    assert_eq!(gone, [None]);

    // A permit taken before Forget me writes nothing after it; a fresh one does.
    let refused = storage::cache_write_all(&permit, &[put("test:a", "[3]")]).await;
    assert_eq!(refused, Err(AppError::Cancelled));
    assert_eq!(storage::cache_get_all(&keys[..1]).await.unwrap(), [None]);
    let fresh = storage::WritePermit::take();
    storage::cache_write_all(&fresh, &[put("test:a", "[4]")])
        .await
        .unwrap();
    assert_eq!(
        storage::cache_get_all(&keys[..1]).await.unwrap(),
        [Some("[4]".into())]
    );
    storage::local_remove("neighbour.tokens").unwrap();
    storage::session_remove("encore-fan-site").unwrap();
}
