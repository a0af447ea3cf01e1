//! The browser's clock for the Spotify side: the time, and waiting without blocking the page.

use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch (`Date.now()`).
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `ms` milliseconds without blocking the page.
pub(crate) async fn sleep_ms(ms: u32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let delay = i32::try_from(ms).unwrap_or(i32::MAX);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay);
        }
    });
    let _ = JsFuture::from(promise).await;
}
