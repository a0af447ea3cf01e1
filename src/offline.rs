//! Offline use and updates: registers the service worker (`public/sw.js`, which caches the app
//! shell and serves the cached catalog with no network) and, when a new deployment's worker has
//! installed and is waiting, offers the listener a reload.
//!
//! The new worker never takes over by itself: the page keeps running the version it loaded, from
//! that version's cache, until the listener presses Reload. Then the waiting worker is told to
//! activate, and every tab the old one controlled reloads when the new one takes over, so no page
//! runs one version's code against another's files.
//!
//! Mounted as a root of its own beside the app (`main.rs`), so it needs nothing of the app's.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

/// Relative to the page's base URL, so the worker's scope is the site's path (`/REPO/`).
const WORKER_URL: &str = "sw.js";
/// The message that tells a waiting worker to activate (`ACTIVATE` in `public/sw.js`).
const ACTIVATE: &str = "encore:activate";

/// The bar that says a new version is ready, with its Reload button; nothing until then.
#[component]
pub fn UpdatePrompt() -> impl IntoView {
    let (waiting, set_waiting) = signal_local(None::<ServiceWorker>);
    leptos::task::spawn_local(async move {
        if let Err(err) = register(set_waiting).await {
            // The app works without its worker, only not offline: say so where a developer looks.
            leptos::logging::warn!("Encore works online only here: {err:?}");
        }
    });
    let reload = move |_| {
        if let Some(worker) = waiting.get_untracked() {
            // The page reloads on `controllerchange`, once the new worker has taken over.
            if worker.post_message(&ACTIVATE.into()).is_err() {
                reload_page();
            }
        }
    };
    view! {
        <Show when=move || waiting.with(Option::is_some)>
            <div class="update-prompt" role="status" data-testid="update-prompt">
                <span>"A new version of Encore is ready."</span>
                <button type="button" data-testid="update-reload" on:click=reload>
                    "Reload to update"
                </button>
            </div>
        </Show>
    }
}

/// The browser's service-worker container, where it has one (not in insecure contexts).
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let present = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    present.then(|| navigator.service_worker())
}

fn reload_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Registers the worker and reports, through `found`, a new version waiting to take over.
async fn register(found: WriteSignal<Option<ServiceWorker>, LocalStorage>) -> Result<(), String> {
    let Some(container) = container() else {
        return Ok(());
    };
    let registration: ServiceWorkerRegistration = JsFuture::from(container.register(WORKER_URL))
        .await
        .map_err(|err| format!("the service worker did not register ({err:?})"))?
        .unchecked_into();
    // A first install has no controller yet and offers nothing: that worker simply serves the
    // next visit. Only a worker replacing one that controls this page is an update.
    let is_update = {
        let container = container.clone();
        move || container.controller().is_some()
    };

    // The listeners live as long as the page, hence `forget`.
    let on_controller_change = Closure::<dyn FnMut()>::new(reload_page);
    if is_update() {
        container.set_oncontrollerchange(Some(on_controller_change.as_ref().unchecked_ref()));
    }
    on_controller_change.forget();

    let offer = {
        let is_update = is_update.clone();
        move |worker: ServiceWorker| {
            if is_update() {
                found.set(Some(worker));
            }
        }
    };
    let watch = {
        let offer = offer.clone();
        move |worker: ServiceWorker| {
            let watched = worker.clone();
            let offer = offer.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if watched.state() == ServiceWorkerState::Installed {
                    offer(watched.clone());
                }
            });
            worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        }
    };
    if let Some(worker) = registration.waiting() {
        offer(worker);
    } else if let Some(worker) = registration.installing() {
        watch(worker);
    }
    let on_update_found = {
        let registration = registration.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(worker) = registration.installing() {
                watch(worker);
            }
        })
    };
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget();

    // A tab left open for days still learns of a new deployment when the listener comes back.
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        let visible = document.clone();
        let on_visible = Closure::<dyn FnMut()>::new(move || {
            if !visible.hidden()
                && let Ok(checked) = registration.update()
            {
                // Offline the check fails; the next visibility change tries again.
                leptos::task::spawn_local(async move {
                    let _ = JsFuture::from(checked).await;
                });
            }
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_visible.as_ref().unchecked_ref(),
        );
        on_visible.forget();
    }
    Ok(())
}
