//! Browser entry point: install the panic hook, mount the app and the update prompt.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(encore_app::App);
    // A root of its own after the app's, so the update prompt needs nothing from the app.
    leptos::mount::mount_to_body(encore_app::offline::UpdatePrompt);
}
