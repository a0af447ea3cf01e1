//! The Spotify step: bring your own Client ID, log in, and the account menu after.
//!
//! Spotify serves a new (development-mode) app to at most five allow-listed users, so the
//! realistic setup is that each listener registers their own app. When `config.json` carries no
//! `client_id`, this step walks them through it, shows the redirect URI exactly as it will be sent
//! (with a copy button), and keeps their Client ID in `localStorage` where they can change it. It
//! is shown only once the listener chooses Spotify on the welcome.

use encore_spotify::login::READ_SCOPES_WHY;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::origin_notice::OriginNotice;
use crate::components::status::ErrorMessage;
use crate::config;
use crate::model::{Entry, Workbench};
use crate::session::{self, AccountMenu, SessionContext, SessionStatus};

const DASHBOARD_URL: &str = "https://developer.spotify.com/dashboard";

/// The listener chose Spotify: its step opens, and with a Client ID already known the login
/// starts at once. A login that cannot start leaves the listener on that step, where pressing
/// Connect again shows why.
pub fn choose_spotify(bench: Workbench) {
    bench.entry.set(Entry::Spotify);
    spawn_local(async move {
        if let Ok(site) = config::get().await
            && config::client_id(&site).is_some()
        {
            let _ = session::start_login(&[]).await;
        }
    });
}

/// Login, or the account menu once logged in; also shows session errors and a playlist saved
/// right after the listener granted the save permission.
#[component]
pub fn ConnectPanel() -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let bench = expect_context::<Workbench>();
    let status = session.status;
    let login = Action::new_local(|_: &()| session::start_login(&[]));
    let error = move || {
        let login_error = login.value().get().and_then(Result::err);
        login_error.or_else(|| session.error.get())
    };
    let resumed = move || {
        match session.resumed_save.get() {
        Some(Ok(saved)) => Some(
            view! {
                <p class="saved-playlist">
                    "Saved your playlist with " {saved.n_tracks} " tracks: "
                    <a href=saved.url.clone() target="_blank" rel="noopener noreferrer" data-testid="saved-playlist-link">
                        "open it on Spotify"
                    </a>
                </p>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(view! { <ErrorMessage message=Signal::stored(e.to_string()) /> }.into_any()),
        None => None,
    }
    };

    view! {
        <section class="connect-panel" aria-labelledby="connect-heading">
            <h2 id="connect-heading">"Spotify"</h2>
            <OriginNotice />
            {move || match status.get() {
                SessionStatus::LoggedIn { .. } => view! { <AccountMenu /> }.into_any(),
                SessionStatus::LoggingIn => {
                    view! { <p role="status">"Finishing the login with Spotify..."</p> }.into_any()
                }
                SessionStatus::LoggedOut => {
                    view! {
                        <p>
                            "Encore reads your liked songs, top tracks and playlists straight from Spotify into this browser."
                        </p>
                        <p class="hint" data-testid="read-scopes-why">{READ_SCOPES_WHY}</p>
                        <ClientIdSetup />
                        <button
                            type="button"
                            class="primary"
                            data-testid="connect-spotify"
                            disabled=move || login.pending().get()
                            on:click=move |_| {
                                session.clear_error();
                                login.dispatch(());
                            }
                        >
                            "Connect Spotify"
                        </button>
                        <button
                            type="button"
                            class="link-button"
                            data-testid="guest-instead"
                            on:click=move |_| bench.entry.set(Entry::Guest)
                        >
                            "Try without an account instead"
                        </button>
                    }
                        .into_any()
                }
            }}
            {move || error().map(|e| view! { <ErrorMessage message=Signal::stored(e.to_string()) /> })}
            {resumed}
        </section>
    }
}

/// The bring-your-own-Client-ID steps, shown when `config.json` has no `client_id`.
#[component]
fn ClientIdSetup() -> impl IntoView {
    let site_config = LocalResource::new(config::get);
    let needs_own_id = move || {
        site_config
            .get()
            .is_some_and(|loaded| loaded.is_ok_and(|c| c.client_id.trim().is_empty()))
    };
    let (client_id, set_client_id) = signal(config::stored_client_id().unwrap_or_default());
    let (storage_refused, set_storage_refused) = signal(false);
    let redirect_uri = config::redirect_uri();
    let (copied, set_copied) = signal(false);
    let copy = {
        let redirect_uri = redirect_uri.clone();
        move |_| {
            if let Some(window) = web_sys::window() {
                // The promise is not awaited: the label changes either way, and if the clipboard
                // is refused the URI is still selectable on screen.
                let _ = window.navigator().clipboard().write_text(&redirect_uri);
                set_copied.set(true);
            }
        }
    };

    view! {
        <Show when=needs_own_id>
            <div class="client-id-setup">
                <p>"Encore uses your own Spotify app, so only you (and up to four people you add) can log in with it. Once:"</p>
                <ol>
                    <li>
                        "Open the "
                        <a href=DASHBOARD_URL target="_blank" rel="noopener noreferrer">"Spotify developer dashboard"</a>
                        " and create an app (any name and description; tick \"Web API\")."
                    </li>
                    <li>
                        "Add this Redirect URI, exactly as shown (including the final slash): "
                        <code class="redirect-uri" data-testid="redirect-uri">{redirect_uri.clone()}</code>
                        " "
                        <button type="button" class="copy" on:click=copy.clone()>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                    </li>
                    <li>
                        "Under \"User Management\", add the name and Spotify email of everyone who will use it (up to five people)."
                    </li>
                    <li>"Copy the app's Client ID and paste it here:"</li>
                </ol>
                <label for="client-id">"Client ID"</label>
                <input
                    id="client-id"
                    type="text"
                    data-testid="client-id-input"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="32 letters and digits from your app's settings"
                    prop:value=client_id
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        set_storage_refused.set(config::set_client_id(&value).is_err());
                        set_client_id.set(value);
                    }
                />
                <Show when=move || storage_refused.get()>
                    <p class="hint">"This browser will not remember the Client ID, so you may need to enter it again next time."</p>
                </Show>
            </div>
        </Show>
    }
}
