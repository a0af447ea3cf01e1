//! The Spotify session: login with Authorization Code + PKCE, the tokens, log out and forget me.
//!
//! [`provide_session`] is called once by the app; components read [`SessionContext`] through
//! `use_context`. [`handle_auth_callback`] runs at startup and finishes a login when Spotify
//! redirects back with `?code=` or `?error=`. The verifier and `state` live in `sessionStorage`
//! and are taken (read and removed) on return, so each is used at most once; the code and state
//! are removed from the address bar before anything else happens.

mod tokens;

use std::cell::Cell;

use encore_engine::pkce::{self, AuthorizeRequest, Verifier};
use encore_engine::spotify::User;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::config;
use crate::error::AppError;
use crate::spotify::{self, SavedPlaylist};
use crate::storage;

pub(crate) use tokens::{current as current_tokens, refreshed_after};

const VERIFIER_KEY: &str = "encore.pkce_verifier";
const STATE_KEY: &str = "encore.pkce_state";
const USER_KEY: &str = "encore.user";
/// A playlist save waiting for the listener to grant `playlist-modify-private`.
const PENDING_SAVE_KEY: &str = "encore.pending_save";

/// Where the listener stands with Spotify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStatus {
    LoggedOut,
    /// Between the return from Spotify and the profile being read.
    LoggingIn,
    LoggedIn {
        display_name: String,
    },
}

/// App-wide session state. Readers get signals; only this module writes them.
#[derive(Debug, Clone, Copy)]
pub struct SessionContext {
    pub status: ReadSignal<SessionStatus>,
    /// The last session-level error (login refused, session expired...), for the Connect panel.
    pub error: ReadSignal<Option<AppError>>,
    /// A playlist saved right after the listener came back from granting the save permission.
    pub resumed_save: ReadSignal<Option<Result<SavedPlaylist, AppError>>>,
    set_status: WriteSignal<SessionStatus>,
    set_error: WriteSignal<Option<AppError>>,
    set_resumed_save: WriteSignal<Option<Result<SavedPlaylist, AppError>>>,
}

impl SessionContext {
    pub fn is_logged_in(&self) -> bool {
        matches!(self.status.get(), SessionStatus::LoggedIn { .. })
    }

    pub fn clear_error(&self) {
        self.set_error.set(None);
    }

    /// Forgets the tokens (the cached library stays for the next login); a running import stops
    /// and writes nothing more.
    pub fn log_out(&self) {
        storage::revoke_write_permits();
        end_session(None);
    }

    /// Forgets everything: tokens, the listener's Client ID and settings, every cached library
    /// (a running import stops first and writes nothing more).
    pub async fn forget_me(self) -> Result<(), AppError> {
        end_session(None);
        storage::forget_everything().await
    }
}

thread_local! {
    // Non-component code (the Spotify client, after an `await`) must be able to end the session
    // when a refresh is refused; signals are plain `Copy` handles, so a copy is kept here.
    static CONTEXT: Cell<Option<SessionContext>> = const { Cell::new(None) };
}

/// Creates the session context (once, in `App`) from what storage remembers.
pub fn provide_session() -> SessionContext {
    let initial = match (tokens::load(), stored_user()) {
        (Some(_), Some(user)) => SessionStatus::LoggedIn {
            display_name: display_name(&user),
        },
        _ => SessionStatus::LoggedOut,
    };
    let (status, set_status) = signal(initial);
    let (error, set_error) = signal(None);
    let (resumed_save, set_resumed_save) = signal(None);
    let context = SessionContext {
        status,
        error,
        resumed_save,
        set_status,
        set_error,
        set_resumed_save,
    };
    CONTEXT.set(Some(context));
    provide_context(context);
    context
}

fn display_name(user: &User) -> String {
    user.display_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| user.id.clone())
}

/// The logged-in Spotify user, as read from `/me` at login.
pub(crate) fn stored_user() -> Option<User> {
    serde_json::from_str(&storage::local_get(USER_KEY)?).ok()
}

/// Drops the tokens and the user and shows the listener as logged out, with `error` if given.
pub(crate) fn end_session(error: Option<AppError>) {
    // Failing to remove (storage disabled) leaves nothing readable behind anyway.
    let _ = tokens::forget();
    let _ = storage::local_remove(USER_KEY);
    if let Some(context) = CONTEXT.get() {
        context.set_status.set(SessionStatus::LoggedOut);
        context.set_error.set(error);
    }
}

fn report(error: AppError) {
    if let Some(context) = CONTEXT.get() {
        context.set_error.set(Some(error));
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    // Without entropy there is no safe login; the browser's crypto is always present in practice.
    getrandom::fill(&mut bytes)
        .map_err(|_| AppError::LoginFailed("no secure randomness".into()))?;
    Ok(bytes)
}

/// Sends the listener to Spotify's consent page with the read-only scopes and `extra_scopes`.
pub async fn start_login(extra_scopes: &[&str]) -> Result<(), AppError> {
    let config = config::get().await?;
    let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
    let verifier = Verifier::from_random_bytes(random_bytes()?);
    let state = pkce::state_from_random_bytes(random_bytes()?);
    storage::session_set(VERIFIER_KEY, verifier.as_str())?;
    storage::session_set(STATE_KEY, &state)?;
    let scopes: Vec<&str> = pkce::READ_SCOPES
        .iter()
        .chain(extra_scopes)
        .copied()
        .collect();
    let url = AuthorizeRequest {
        accounts_url: &config.spotify_accounts_url,
        client_id: &client_id,
        redirect_uri: &config::redirect_uri(),
        state: &state,
        verifier: &verifier,
        scopes: &scopes,
    }
    .url();
    web_sys::window()
        .ok_or(AppError::Config)?
        .location()
        .set_href(&url)
        .map_err(|_| AppError::Config)
}

/// Finishes a login if the page was opened by Spotify's redirect. Call once at startup, after
/// [`provide_session`]. Returns whether the URL was a login reply.
pub fn handle_auth_callback() -> bool {
    let Some(query) = web_sys::window().and_then(|w| w.location().search().ok()) else {
        return false;
    };
    let code = pkce::query_param(&query, "code");
    let error = pkce::query_param(&query, "error");
    if code.is_none() && error.is_none() {
        return false;
    }
    let returned_state = pkce::query_param(&query, "state");
    // Taken, not read: a reload or a replayed URL finds nothing to match.
    let expected_state = storage::session_take(STATE_KEY);
    let verifier = storage::session_take(VERIFIER_KEY);
    clean_address_bar();
    if let Some(context) = CONTEXT.get() {
        context.set_status.set(SessionStatus::LoggingIn);
        context.set_error.set(None);
    }
    spawn_local(async move {
        let outcome = finish_login(code, error, returned_state, expected_state, verifier).await;
        match outcome {
            Ok(user) => {
                if let Some(context) = CONTEXT.get() {
                    context.set_status.set(SessionStatus::LoggedIn {
                        display_name: display_name(&user),
                    });
                }
                resume_pending_save().await;
            }
            Err(error) => {
                let _ = storage::session_remove(PENDING_SAVE_KEY);
                end_session(Some(error));
            }
        }
    });
    true
}

/// `history.replaceState` to the bare page URL, keeping any fragment.
fn clean_address_bar() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = window.location().hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{}{hash}", config::redirect_uri())),
        );
    }
}

async fn finish_login(
    code: Option<String>,
    error: Option<String>,
    returned_state: Option<String>,
    expected_state: Option<String>,
    verifier: Option<String>,
) -> Result<User, AppError> {
    // The state is checked first, also for error replies: an unsolicited reply is ignored whole.
    match (&returned_state, &expected_state) {
        (Some(got), Some(want)) if got == want => {}
        _ => return Err(AppError::StateMismatch),
    }
    match error.as_deref() {
        Some("access_denied") => return Err(AppError::LoginDenied),
        Some(other) => return Err(AppError::LoginFailed(other.to_owned())),
        None => {}
    }
    let (Some(code), Some(verifier)) = (code, verifier) else {
        return Err(AppError::StateMismatch);
    };
    let config = config::get().await?;
    let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
    tokens::exchange_code(&config, &client_id, &code, &Verifier::from_stored(verifier)).await?;
    let user = spotify::me().await?;
    let json = serde_json::to_string(&user).map_err(|_| AppError::Storage)?;
    storage::local_set(USER_KEY, &json)?;
    Ok(user)
}

/// What a save needs to be replayed after the permission round-trip.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PendingSave {
    pub name: String,
    pub description: String,
    pub uris: Vec<String>,
}

/// Remembers `save` and sends the listener to Spotify to grant `playlist-modify-private`; the save
/// resumes when they return ([`SessionContext::resumed_save`]).
pub(crate) async fn reauthorize_for_save(save: &PendingSave) -> Result<(), AppError> {
    let json = serde_json::to_string(save).map_err(|_| AppError::Storage)?;
    storage::session_set(PENDING_SAVE_KEY, &json)?;
    start_login(&[pkce::SAVE_SCOPE]).await
}

async fn resume_pending_save() {
    let Some(pending) = storage::session_take(PENDING_SAVE_KEY)
        .and_then(|json| serde_json::from_str::<PendingSave>(&json).ok())
    else {
        return;
    };
    let result = spotify::save(&pending.name, &pending.description, &pending.uris, false).await;
    if let Some(context) = CONTEXT.get() {
        context.set_resumed_save.set(Some(result));
    }
}

/// "Logged in as ..." with the `logout` and `forget-me` buttons.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let forget = Action::new_local(move |_: &()| async move {
        if let Err(error) = session.forget_me().await {
            report(error);
        }
    });
    let name = move || match session.status.get() {
        SessionStatus::LoggedIn { display_name } => display_name,
        _ => String::new(),
    };
    view! {
        <div class="account-menu">
            <span class="account-name">"Logged in to Spotify as " <strong>{name}</strong></span>
            <button type="button" data-testid="logout" on:click=move |_| session.log_out()>
                "Log out"
            </button>
            <button
                type="button"
                data-testid="forget-me"
                title="Log out and erase everything Encore keeps in this browser"
                disabled=move || forget.pending().get()
                on:click=move |_| {
                    forget.dispatch(());
                }
            >
                "Forget me"
            </button>
        </div>
    }
}
