//! The tokens: where they live, refreshing them before they expire, and never twice at once.
//!
//! Tokens are kept in `localStorage` so every tab of the app shares one session. Spotify rotates
//! the refresh token on every PKCE refresh and revokes the old one, so two refreshes racing (two
//! tabs, or two requests in one tab) would log the listener out. Refreshes therefore run under the
//! Web Locks API (`navigator.locks`, shared by all tabs of the origin), or, where it is missing, a
//! short `localStorage` lease; inside the lock the stored tokens are read again, and a refresh
//! another holder already did is reused instead of repeated.

use std::cell::RefCell;
use std::rc::Rc;

use encore_spotify::api::{ErrorBody, TokenResponse};
use encore_spotify::login::Tokens;
use encore_spotify::pkce;
use encore_spotify::reply::{Failure, Grant, Resource, failure};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use super::SessionEnd;
use crate::config::{self, Config};
use crate::error::AppError;
use crate::runtime::{now_ms, sleep_ms};
use crate::storage;

const TOKENS_KEY: &str = "encore.tokens";
const LOCK_NAME: &str = "encore-token-refresh";
const LEASE_KEY: &str = "encore.refresh_lease";
/// How long a `localStorage` lease is honoured if its holder vanished (tab closed mid-refresh).
const LEASE_MS: f64 = 10_000.0;
/// How long a tab that wrote the lease waits before reading it back: long enough for another
/// tab's write, made at the same moment, to have reached this one.
const LEASE_SETTLE_MS: u32 = 100;

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
async fn token_request(
    config: &Config,
    body: String,
    grant: Grant,
) -> Result<TokenResponse, Failure> {
    let response = gloo_net::http::Request::post(&config.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|_| Failure::Unexpected(0))?
        .send()
        .await
        .map_err(|_| Failure::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| Failure::Network)?;
    if !response.ok() {
        return Err(failure(
            status,
            &ErrorBody::parse(&text),
            Resource::Token(grant),
        ));
    }
    serde_json::from_str(&text).map_err(|_| Failure::Unexpected(status))
}

/// Exchanges the authorization code from the login redirect and stores the tokens.
pub(crate) async fn exchange_code(
    config: &Config,
    client_id: &str,
    code: &str,
    verifier: &pkce::Verifier,
) -> Result<Tokens, AppError> {
    let body = pkce::code_exchange_body(code, &config::redirect_uri(), client_id, verifier);
    let tokens = Tokens::from_exchange(token_request(config, body, Grant::Code).await?, now_ms());
    save(&tokens)?;
    Ok(tokens)
}

/// A usable access token: the stored one, refreshed first if it is about to expire.
pub(crate) async fn current() -> Result<Tokens, AppError> {
    let tokens = load().ok_or(AppError::NotLoggedIn)?;
    if tokens.expires_soon(now_ms()) {
        refreshed_after(&tokens.access_token).await
    } else {
        Ok(tokens)
    }
}

/// Fresh tokens to replace `stale_access_token` (expired or refused with a 401).
///
/// Under the cross-tab lock, the stored tokens are read again: if someone else already replaced
/// the stale token, theirs is used; otherwise this holder refreshes and stores the rotated pair,
/// unless the session ended while the refresh was in flight (Log out, here or in another tab):
/// then nothing is written back.
pub(crate) async fn refreshed_after(stale_access_token: &str) -> Result<Tokens, AppError> {
    let stale = stale_access_token.to_owned();
    with_refresh_lock(async move {
        let tokens = load().ok_or(AppError::NotLoggedIn)?;
        if tokens.access_token != stale && !tokens.expires_soon(now_ms()) {
            return Ok(tokens);
        }
        let config = config::get().await?;
        let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            super::end_session(SessionEnd::Expired);
            return Err(AppError::SessionExpired);
        };
        let body = pkce::refresh_body(&refresh_token, &client_id);
        match token_request(&config, body, Grant::Refresh).await {
            Ok(reply) => {
                if load().is_none_or(|now| now != tokens) {
                    // Logged out (or in again) meanwhile: these tokens belong to no session.
                    return Err(AppError::NotLoggedIn);
                }
                let fresh = tokens.refreshed(reply, now_ms());
                save(&fresh)?;
                Ok(fresh)
            }
            Err(refused) => {
                if refused.ends_session() {
                    // `invalid_grant`: six months old or revoked. The listener logs in again.
                    super::end_session(SessionEnd::Revoked);
                }
                Err(refused.into())
            }
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

/// The fallback: a lease in `localStorage`, `until_ms:holder`. `localStorage` has no
/// compare-and-swap, so a tab writes its own lease, waits for a racing tab's write to arrive,
/// and proceeds only if the lease it reads back is still its own; the other tab sees it lost
/// and waits. A lease whose holder vanished (tab closed mid-refresh) expires after [`LEASE_MS`].
async fn with_lease<F>(work: F) -> Result<Tokens, AppError>
where
    F: Future<Output = Result<Tokens, AppError>>,
{
    let holder = lease_holder_id()?;
    loop {
        match storage::local_get(LEASE_KEY)
            .as_deref()
            .and_then(parse_lease)
        {
            Some((until_ms, _)) if until_ms >= now_ms() => sleep_ms(LEASE_SETTLE_MS).await,
            _ => {
                let lease = format!("{}:{holder}", (now_ms() + LEASE_MS) as u64);
                storage::local_set(LEASE_KEY, &lease)?;
                sleep_ms(LEASE_SETTLE_MS).await;
                if storage::local_get(LEASE_KEY).as_deref() == Some(lease.as_str()) {
                    break;
                }
            }
        }
    }
    let result = work.await;
    let _ = storage::local_remove(LEASE_KEY);
    result
}

/// A lease's expiry (whole milliseconds: the app ships no float parser) and holder.
fn parse_lease(lease: &str) -> Option<(f64, &str)> {
    let (until, holder) = lease.split_once(':')?;
    Some((until.parse::<u64>().ok()? as f64, holder))
}

/// A random id telling this tab's lease from another's.
fn lease_holder_id() -> Result<String, AppError> {
    let bytes: [u8; 8] = super::random_bytes()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
