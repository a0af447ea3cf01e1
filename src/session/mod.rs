//! The Spotify session: sending the listener to Spotify's consent page, reading the reply, the
//! tokens, log out and forget me.
//!
//! [`provide_session`] is called once by the app; components read [`SessionContext`] through
//! `use_context`. This module knows nothing of the Web API: `crate::spotify` finishes a login
//! (it reads the profile) and resumes a save, calling down into this module, never the other way.
//!
//! - The verifier and `state` live in `sessionStorage` and are taken (read and removed) on
//!   return, so each is used at most once; the code and state leave the address bar before
//!   anything else happens ([`take_login_reply`]). Only a reply to a login this tab started is
//!   exchanged; any other (forged, replayed, Back onto Spotify's page) changes nothing but a
//!   sentence, and never ends a running session.
//! - The session ends in one place, [`end_session`], which tells every tab of the app (this one
//!   included) on a `BroadcastChannel`; each tab then shows itself logged out. Code that is not a
//!   component (the Spotify client, after an `await`) can therefore end it without holding any
//!   signal.
//! - Every key this module keeps in web storage starts with `encore.`.

mod tokens;

use encore_spotify::api::User;
use encore_spotify::login::{self, Callback, CallbackQuery};
use encore_spotify::pkce::{self, AuthorizeRequest, Verifier};
use encore_spotify::save::SavedPlaylist;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::config;
use crate::error::AppError;
use crate::storage;

pub(crate) use tokens::{
    current as current_tokens, exchange_code, load as stored_tokens, refreshed_after,
};

const VERIFIER_KEY: &str = "encore.pkce_verifier";
const STATE_KEY: &str = "encore.pkce_state";
const USER_KEY: &str = "encore.user";
/// The `BroadcastChannel` on which the end of the session reaches every tab.
const SESSION_CHANNEL: &str = "encore.session";

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

/// Why the session ended, as told to every tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEnd {
    /// The listener pressed Log out or Forget me (in any tab), or a login could not be finished.
    LoggedOut,
    /// The access token was refused even after a refresh.
    Expired,
    /// The refresh token was refused: six months old, or withdrawn.
    Revoked,
}

impl SessionEnd {
    const ALL: [SessionEnd; 3] = [
        SessionEnd::LoggedOut,
        SessionEnd::Expired,
        SessionEnd::Revoked,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SessionEnd::LoggedOut => "logged-out",
            SessionEnd::Expired => "expired",
            SessionEnd::Revoked => "revoked",
        }
    }

    /// The sentence every tab shows (none after a log out: the listener did it).
    fn error(self) -> Option<AppError> {
        match self {
            SessionEnd::LoggedOut => None,
            SessionEnd::Expired => Some(AppError::SessionExpired),
            SessionEnd::Revoked => Some(AppError::LoginExpired),
        }
    }
}

/// App-wide session state. Readers get signals; only this module and the login's completion in
/// `crate::spotify` (through the methods below) write them.
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

    /// Forgets the tokens in every tab (the cached library stays for the next login); a running
    /// import stops and writes nothing more.
    pub fn log_out(&self) {
        storage::revoke_write_permits();
        end_session(SessionEnd::LoggedOut);
        self.set_status.set(SessionStatus::LoggedOut);
    }

    /// Forgets everything: tokens, the listener's Client ID and settings, every cached library
    /// (a running import stops first and writes nothing more).
    pub async fn forget_me(self) -> Result<(), AppError> {
        self.log_out();
        storage::forget_everything().await
    }

    /// Shows `error` without changing the session.
    pub(crate) fn report(&self, error: AppError) {
        self.set_error.set(Some(error));
    }

    /// A login reply is being exchanged.
    pub(crate) fn logging_in(&self) {
        self.set_error.set(None);
        self.set_status.set(SessionStatus::LoggingIn);
    }

    /// Remembers who logged in and shows them logged in.
    pub(crate) fn logged_in(&self, user: &User) -> Result<(), AppError> {
        let json = serde_json::to_string(user).map_err(|_| AppError::Storage)?;
        storage::local_set(USER_KEY, &json)?;
        self.set_status.set(SessionStatus::LoggedIn {
            display_name: display_name(user),
        });
        Ok(())
    }

    /// A login could not be finished: shows `error`, and the session as storage now has it
    /// (still logged in when a session was running before and its tokens were kept).
    pub(crate) fn login_failed(&self, error: AppError) {
        self.set_status.set(stored_status());
        self.set_error.set(Some(error));
    }

    pub(crate) fn show_resumed_save(&self, result: Result<SavedPlaylist, AppError>) {
        self.set_resumed_save.set(Some(result));
    }
}

/// The session as storage has it: logged in when both the tokens and the profile are there.
fn stored_status() -> SessionStatus {
    match (tokens::load(), stored_user()) {
        (Some(_), Some(user)) => SessionStatus::LoggedIn {
            display_name: display_name(&user),
        },
        _ => SessionStatus::LoggedOut,
    }
}

/// Creates the session context (once, in `App`) from what storage remembers, and follows the
/// session's end in every tab.
pub fn provide_session() -> SessionContext {
    let (status, set_status) = signal(stored_status());
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
    follow_session_end(context);
    provide_context(context);
    context
}

/// Shows this tab logged out whenever any tab ends the session.
fn follow_session_end(context: SessionContext) {
    let Ok(channel) = BroadcastChannel::new(SESSION_CHANNEL) else {
        // Without the channel each tab still notices at its next request, which finds no token.
        return;
    };
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let message = event.data().as_string();
        let Some(why) = SessionEnd::ALL
            .into_iter()
            .find(|why| message.as_deref() == Some(why.as_str()))
        else {
            return;
        };
        // An import running in this tab stops and writes nothing after the session ended.
        storage::revoke_write_permits();
        context.set_status.set(SessionStatus::LoggedOut);
        if let Some(error) = why.error() {
            context.set_error.set(Some(error));
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The listener lives as long as the page; the channel stays open with it.
    on_message.forget();
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

/// Drops the tokens and the user, and tells every tab (this one included) that the session
/// ended and why.
pub(crate) fn end_session(why: SessionEnd) {
    // Failing to remove (storage disabled) leaves nothing readable behind anyway.
    let _ = tokens::forget();
    let _ = storage::local_remove(USER_KEY);
    if let Ok(channel) = BroadcastChannel::new(SESSION_CHANNEL) {
        // Delivered to every other channel object of the name, also this tab's own listener.
        // The sender is left open (and to the garbage collector) so that nothing can withdraw
        // the message before it is delivered.
        let _ = channel.post_message(&why.as_str().into());
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
    if crate::runtime::is_offline() {
        return Err(AppError::Offline);
    }
    let config = config::get().await?;
    let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
    let verifier = Verifier::from_random_bytes(random_bytes()?);
    let state = pkce::state_from_random_bytes(random_bytes()?);
    storage::session_set(VERIFIER_KEY, verifier.as_str())?;
    storage::session_set(STATE_KEY, &state)?;
    let scopes: Vec<&str> = login::READ_SCOPES
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

/// The login reply in the address bar, judged, or `None` when the page was opened some other
/// way. The reply leaves the address bar, and the stored `state` and verifier are used up, before
/// this returns.
pub(crate) fn take_login_reply() -> Option<Callback> {
    let query = web_sys::window()?.location().search().ok()?;
    let reply = CallbackQuery::parse(&query)?;
    // Taken, not read: a reload or a replayed URL finds nothing to match.
    let expected_state = storage::session_take(STATE_KEY);
    let verifier = storage::session_take(VERIFIER_KEY).map(Verifier::from_stored);
    clean_address_bar();
    Some(login::judge_callback(
        reply,
        expected_state.as_deref(),
        verifier,
    ))
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

/// "Logged in as ..." with the `logout` and `forget-me` buttons.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let forget = Action::new_local(move |_: &()| async move {
        if let Err(error) = session.forget_me().await {
            session.report(error);
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
