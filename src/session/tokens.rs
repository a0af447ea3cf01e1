//! The tokens: where they live, refreshing them before they expire, and never twice at once.
//!
//! Tokens are kept in `localStorage` so every tab of the app shares one session. Spotify rotates
//! the refresh token on every PKCE refresh and revokes the old one, so two refreshes racing (two
//! tabs, or two requests in one tab) would log the listener out. Refreshes therefore run under the
//! Web Locks API (`navigator.locks`, shared by all tabs of the origin), or, where it is missing, a
//! short `localStorage` lease; inside the lock the stored tokens are read again, and a refresh
//! another holder already did is reused instead of repeated.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use encore_engine::pkce;
use encore_engine::spotify::{ErrorBody, TokenResponse};
use js_sys::{Function, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::config::{self, Config};
use crate::error::{AppError, Resource};
use crate::spotify::sleep_ms;
use crate::storage;

const TOKENS_KEY: &str = "encore.tokens";
const LOCK_NAME: &str = "encore-token-refresh";
const LEASE_KEY: &str = "encore.refresh_lease";
/// Refresh this long before the access token's expiry, so a request never carries a dying token.
const EXPIRY_MARGIN_MS: f64 = 60_000.0;
/// How long a `localStorage` lease is honoured if its holder vanished (tab closed mid-refresh).
const LEASE_MS: u64 = 10_000;

/// The listener's tokens. `Debug` shows neither token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Milliseconds since the epoch (`Date.now()` clock).
    pub expires_at_ms: f64,
    /// Space-separated scopes granted.
    pub scope: String,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    fn from_response(response: TokenResponse, previous_refresh: Option<String>) -> Self {
        Self {
            access_token: response.access_token,
            // Spotify always rotates it for PKCE; should a reply omit it, the old one stays valid.
            refresh_token: response.refresh_token.or(previous_refresh),
            expires_at_ms: js_sys::Date::now() + f64::from(response.expires_in) * 1000.0,
            scope: response.scope,
        }
    }

    fn expires_soon(&self) -> bool {
        js_sys::Date::now() + EXPIRY_MARGIN_MS >= self.expires_at_ms
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }
}

pub(crate) fn load() -> Option<Tokens> {
    serde_json::from_str(&storage::local_get(TOKENS_KEY)?).ok()
}

fn save(tokens: &Tokens) -> Result<(), AppError> {
    let json = serde_json::to_string(tokens).map_err(|_| AppError::Storage)?;
    storage::local_set(TOKENS_KEY, &json)
}

pub(crate) fn forget() -> Result<(), AppError> {
    storage::local_remove(TOKENS_KEY)
}

/// POSTs a form to the token endpoint and reads the tokens it returns.
async fn token_request(config: &Config, body: String) -> Result<TokenResponse, AppError> {
    let response = gloo_net::http::Request::post(&config.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|_| AppError::BadReply)?
        .send()
        .await
        .map_err(|_| AppError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| AppError::Network)?;
    if !response.ok() {
        return Err(AppError::from_status(
            status,
            &ErrorBody::parse(&text),
            Resource::Token,
        ));
    }
    serde_json::from_str(&text).map_err(|_| AppError::BadReply)
}

/// Exchanges the authorization code from the login redirect and stores the tokens.
pub(crate) async fn exchange_code(
    config: &Config,
    client_id: &str,
    code: &str,
    verifier: &pkce::Verifier,
) -> Result<Tokens, AppError> {
    let body = pkce::code_exchange_body(code, &config::redirect_uri(), client_id, verifier);
    let tokens = Tokens::from_response(token_request(config, body).await?, None);
    save(&tokens)?;
    Ok(tokens)
}

/// A usable access token: the stored one, refreshed first if it is about to expire.
pub(crate) async fn current() -> Result<Tokens, AppError> {
    let tokens = load().ok_or(AppError::NotLoggedIn)?;
    if tokens.expires_soon() {
        refreshed_after(&tokens.access_token).await
    } else {
        Ok(tokens)
    }
}

/// Fresh tokens to replace `stale_access_token` (expired or refused with a 401).
///
/// Under the cross-tab lock, the stored tokens are read again: if someone else already replaced
/// the stale token, theirs is used; otherwise this holder refreshes and stores the rotated pair.
pub(crate) async fn refreshed_after(stale_access_token: &str) -> Result<Tokens, AppError> {
    let stale = stale_access_token.to_owned();
    with_refresh_lock(async move {
        let tokens = load().ok_or(AppError::NotLoggedIn)?;
        if tokens.access_token != stale && !tokens.expires_soon() {
            return Ok(tokens);
        }
        let config = config::get().await?;
        let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            super::end_session(Some(AppError::SessionExpired));
            return Err(AppError::SessionExpired);
        };
        match token_request(&config, pkce::refresh_body(&refresh_token, &client_id)).await {
            Ok(response) => {
                let fresh = Tokens::from_response(response, Some(refresh_token));
                save(&fresh)?;
                Ok(fresh)
            }
            Err(AppError::SessionExpired) => {
                // `invalid_grant`: the refresh token is revoked or six months old. Log in again.
                super::end_session(Some(AppError::SessionExpired));
                Err(AppError::SessionExpired)
            }
            Err(other) => Err(other),
        }
    })
    .await
}

/// Runs `work` while holding the cross-tab refresh lock.
async fn with_refresh_lock<F>(work: F) -> Result<Tokens, AppError>
where
    F: Future<Output = Result<Tokens, AppError>> + 'static,
{
    let slot: Rc<RefCell<Option<Result<Tokens, AppError>>>> = Rc::default();
    let work = Rc::new(RefCell::new(Some(work)));
    match web_locks_request(Rc::clone(&slot), Rc::clone(&work)) {
        Some(granted) => {
            // The lock's promise settles after our callback's promise does; its value is unused.
            let _ = JsFuture::from(granted).await;
        }
        None => {
            let work = work.borrow_mut().take().ok_or(AppError::Storage)?;
            let result = with_lease(work).await;
            slot.borrow_mut().replace(result);
        }
    }
    slot.borrow_mut().take().unwrap_or(Err(AppError::Storage))
}

/// `navigator.locks.request(name, callback)` through `Reflect`: web-sys only exposes the Web Locks
/// API behind `web_sys_unstable_apis`. `None` when the browser lacks it (e.g. an insecure origin).
fn web_locks_request<F>(
    slot: Rc<RefCell<Option<Result<Tokens, AppError>>>>,
    work: Rc<RefCell<Option<F>>>,
) -> Option<Promise>
where
    F: Future<Output = Result<Tokens, AppError>> + 'static,
{
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks"))
        .ok()
        .filter(|l| l.is_object())?;
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        future_to_promise(async move {
            let future = work.borrow_mut().take();
            if let Some(future) = future {
                let result = future.await;
                slot.borrow_mut().replace(result);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    request
        .call2(&locks, &JsValue::from_str(LOCK_NAME), &callback)
        .ok()?
        .dyn_into::<Promise>()
        .ok()
}

/// The time in whole milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The fallback: a best-effort lease in `localStorage` (not atomic across tabs, but it turns the
/// common case, two tabs waking up together, into one refresh and one reuse).
async fn with_lease<F>(work: F) -> Result<Tokens, AppError>
where
    F: Future<Output = Result<Tokens, AppError>>,
{
    loop {
        // Whole milliseconds: the app then needs no float parser (a 10 KB table) for this.
        let held_until: u64 = storage::local_get(LEASE_KEY)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if held_until < now_ms() {
            break;
        }
        sleep_ms(200).await;
    }
    storage::local_set(LEASE_KEY, &(now_ms() + LEASE_MS).to_string())?;
    let result = work.await;
    let _ = storage::local_remove(LEASE_KEY);
    result
}
