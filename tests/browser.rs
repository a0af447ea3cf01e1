//! Browser tests of the app: compiled to wasm32 and run in headless Chromium by
//! `wasm-bindgen-test-runner` (`cargo xtask test`, stage `wasm`; see .cargo/config.toml and
//! webdriver.json). Natively this file is never built: the app is not a default member.
//!
//! Each test mounts what it needs into its own element, so tests do not see each other's DOM.

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element appended to the page's body.
fn host() -> HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document");
    let host: HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    document
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("appended to the body");
    host
}

#[wasm_bindgen_test]
fn the_first_screen_offers_both_ways_in() {
    let host = host();
    // The handle unmounts on drop; keep the app mounted while we look at it.
    let _app = leptos::mount::mount_to(host.clone(), encore_app::App);

    let heading = host
        .query_selector("h1")
        .ok()
        .flatten()
        .expect("the app renders a heading");
    assert_eq!(heading.text_content().as_deref(), Some("Encore"));
    for testid in ["connect-spotify", "try-without-account"] {
        let selector = format!("[data-testid=\"{testid}\"]");
        assert!(
            host.query_selector(&selector).ok().flatten().is_some(),
            "the first screen has {selector}: {}",
            host.inner_html()
        );
    }
}
