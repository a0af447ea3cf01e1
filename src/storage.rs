//! Browser storage: `localStorage` and `sessionStorage` helpers, and an IndexedDB cache for
//! imported libraries.
//!
//! Everything Encore keeps lives in the listener's browser under keys starting with `encore.`,
//! plus one IndexedDB database; [`forget_everything`] removes all of it. Storage being unavailable
//! (private browsing, quota) is an `AppError::Storage`, never a panic: the app then works without
//! remembering.

use js_sys::Promise;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode, Storage};

use crate::error::AppError;

/// The IndexedDB database and object store holding cached libraries (values keyed by a string
/// that names the user and the source, e.g. `liked:USER_ID`).
const DB_NAME: &str = "encore";
const DB_VERSION: u32 = 1;
const STORE: &str = "library";

fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn get(storage: Option<Storage>, key: &str) -> Option<String> {
    storage?.get_item(key).ok().flatten()
}

fn set(storage: Option<Storage>, key: &str, value: &str) -> Result<(), AppError> {
    storage
        .ok_or(AppError::Storage)?
        .set_item(key, value)
        .map_err(|_| AppError::Storage)
}

fn remove(storage: Option<Storage>, key: &str) -> Result<(), AppError> {
    storage
        .ok_or(AppError::Storage)?
        .remove_item(key)
        .map_err(|_| AppError::Storage)
}

pub fn local_get(key: &str) -> Option<String> {
    get(local(), key)
}

pub fn local_set(key: &str, value: &str) -> Result<(), AppError> {
    set(local(), key, value)
}

pub fn local_remove(key: &str) -> Result<(), AppError> {
    remove(local(), key)
}

pub fn session_get(key: &str) -> Option<String> {
    get(session(), key)
}

pub fn session_set(key: &str, value: &str) -> Result<(), AppError> {
    set(session(), key, value)
}

pub fn session_remove(key: &str) -> Result<(), AppError> {
    remove(session(), key)
}

/// Reads and removes a `sessionStorage` value: for things that must be used at most once
/// (the PKCE verifier and `state`).
pub fn session_take(key: &str) -> Option<String> {
    let value = session_get(key);
    // A value that cannot be removed must not be reused either; failing to remove is reported by
    // the next read finding nothing different, so there is nothing more useful to do here.
    let _ = session_remove(key);
    value
}

/// Clears everything this origin keeps for Encore: both web storages and the library cache.
pub async fn forget_everything() -> Result<(), AppError> {
    for storage in [local(), session()].into_iter().flatten() {
        storage.clear().map_err(|_| AppError::Storage)?;
    }
    let factory = indexed_db()?;
    let request = factory
        .delete_database(DB_NAME)
        .map_err(|_| AppError::Storage)?;
    completion(&request).await.map(drop)
}

fn indexed_db() -> Result<web_sys::IdbFactory, AppError> {
    web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or(AppError::Storage)
}

/// Waits for an IndexedDB request to succeed and returns its result.
async fn completion(request: &IdbRequest) -> Result<JsValue, AppError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        // `once_into_js` frees each callback after its single call, so nothing leaks per request.
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|_| AppError::Storage)
}

async fn open() -> Result<IdbDatabase, AppError> {
    let request = indexed_db()?
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(|_| AppError::Storage)?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        // Only version 1 exists, so an upgrade always starts from an empty database.
        if let Ok(db) = upgrading
            .result()
            .and_then(|db| db.dyn_into::<IdbDatabase>())
        {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    completion(&request)
        .await?
        .dyn_into::<IdbDatabase>()
        .map_err(|_| AppError::Storage)
}

/// The cached value under `key`, if any and still readable.
pub async fn cache_get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, AppError> {
    let db = open().await?;
    let request = db
        .transaction_with_str(STORE)
        .and_then(|tx| tx.object_store(STORE))
        .and_then(|store| store.get(&JsValue::from_str(key)))
        .map_err(|_| AppError::Storage)?;
    let value = completion(&request).await;
    db.close();
    let value = value?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    // A value written by an older version that no longer decodes is simply not a cache hit.
    Ok(value
        .as_string()
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Stores `value` under `key`, replacing what was there.
pub async fn cache_put<T: Serialize>(key: &str, value: &T) -> Result<(), AppError> {
    // Stored as one JSON string rather than as JS objects (`serde_wasm_bindgen`): building 10,000
    // liked songs as objects crosses into JS once per field and blocked the page for over a
    // second in the end-to-end test; one string is encoded in wasm and cloned by IndexedDB cheaply.
    let js = JsValue::from_str(&serde_json::to_string(value).map_err(|_| AppError::Storage)?);
    let db = open().await?;
    let request = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .and_then(|tx| tx.object_store(STORE))
        .and_then(|store| store.put_with_key(&js, &JsValue::from_str(key)))
        .map_err(|_| AppError::Storage)?;
    let done = completion(&request).await;
    db.close();
    done.map(drop)
}
