//! Browser entry points of the one `.wasm`: on the page, install the panic hook and mount the app
//! and the update prompt; in the engine worker, [`engine_worker`].

use wasm_bindgen::prelude::wasm_bindgen;

fn main() {
    console_error_panic_hook::set_once();
    // The engine worker runs this same module, with no page to mount on: `engine-worker.js`
    // calls `engine_worker` instead.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(encore_app::App);
    // A root of its own after the app's, so the update prompt needs nothing from the app.
    leptos::mount::mount_to_body(encore_app::offline::UpdatePrompt);
}

/// The engine worker's entry, called by `public/engine-worker.js` once the module is loaded.
#[wasm_bindgen]
pub fn engine_worker() {
    encore_app::worker::run();
}
