//! Browser storage: `localStorage` and `sessionStorage` helpers, and an IndexedDB cache for
//! imported libraries.
//!
//! A GitHub Pages site shares its origin with every other site of its owner, so Encore keeps to
//! names of its own and touches nothing else: web-storage keys start with [`KEY_PREFIX`], the
//! library cache is the IndexedDB database [`DB_NAME`], and Cache API caches are named
//! [`CACHE_PREFIX`]`*`. [`forget_everything`] removes exactly those (never `Storage::clear`).
//!
//! Writes to the library cache are acknowledged only when their transaction has `complete`d, and
//! a write of several values is one transaction: it lands whole or not at all. Each write carries
//! a [`WritePermit`] taken when the work that produces it began; Log out and Forget me revoke
//! every permit ([`revoke_write_permits`]), so nothing an import still had in hand is written
//! after them. Storage being unavailable is an `AppError::Storage` (`StorageFull` when over the
//! quota), never a panic: the app then works without remembering.

use std::cell::Cell;

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode, Storage};

use crate::error::AppError;

/// What every `localStorage` and `sessionStorage` key of Encore's starts with.
pub const KEY_PREFIX: &str = "encore.";
/// What every Cache API cache of Encore's is named after (the catalog's is `encore-catalog`).
pub const CACHE_PREFIX: &str = "encore-";
/// The IndexedDB database and object store holding cached libraries (values keyed by a string
/// that names the user and the source, e.g. `liked:USER_ID`).
pub const DB_NAME: &str = "encore";
const DB_VERSION: u32 = 1;
const STORE: &str = "library";

thread_local! {
    /// Bumped by [`revoke_write_permits`]; a permit is good while it holds the current value.
    static PERMIT_EPOCH: Cell<u64> = const { Cell::new(0) };
}

/// The right to write the library cache, taken when an import starts and lost at Log out or
/// Forget me (see the module doc).
#[derive(Debug, Clone)]
pub struct WritePermit(u64);

impl WritePermit {
    pub fn take() -> Self {
        Self(PERMIT_EPOCH.get())
    }

    /// False once Log out or Forget me happened since the permit was taken: the work it was taken
    /// for must stop and write nothing.
    pub fn is_valid(&self) -> bool {
        self.0 == PERMIT_EPOCH.get()
    }
}

/// Revokes every [`WritePermit`] handed out so far (Log out, Forget me).
pub fn revoke_write_permits() {
    PERMIT_EPOCH.set(PERMIT_EPOCH.get() + 1);
}

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

/// Removes everything Encore keeps on this origin and nothing else: its web-storage keys, its
/// database and its caches. Imports still running lose their permit first, so none of them can
/// write again afterwards.
pub async fn forget_everything() -> Result<(), AppError> {
    revoke_write_permits();
    for storage in [local(), session()].into_iter().flatten() {
        remove_encore_keys(&storage)?;
    }
    delete_encore_caches().await?;
    let request = indexed_db()?
        .delete_database(DB_NAME)
        .map_err(|_| AppError::Storage)?;
    completion(&request).await.map(drop)
}

/// Removes the keys starting with [`KEY_PREFIX`] (collected first: removing shifts the indices).
fn remove_encore_keys(storage: &Storage) -> Result<(), AppError> {
    let n_keys = storage.length().map_err(|_| AppError::Storage)?;
    let ours: Vec<String> = (0..n_keys)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(KEY_PREFIX))
        .collect();
    for key in ours {
        storage.remove_item(&key).map_err(|_| AppError::Storage)?;
    }
    Ok(())
}

/// Deletes the Cache API caches named [`CACHE_PREFIX`]`*`.
async fn delete_encore_caches() -> Result<(), AppError> {
    let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) else {
        // No Cache API (an insecure origin): nothing can have been cached.
        return Ok(());
    };
    let names = JsFuture::from(caches.keys())
        .await
        .map_err(|_| AppError::Storage)?;
    let names: js_sys::Array = names.dyn_into().map_err(|_| AppError::Storage)?;
    for name in names.iter().filter_map(|n| n.as_string()) {
        if name.starts_with(CACHE_PREFIX) {
            JsFuture::from(caches.delete(&name))
                .await
                .map_err(|_| AppError::Storage)?;
        }
    }
    Ok(())
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
    // Another tab's Forget me deletes the database: close at once instead of blocking it.
    let on_version_change = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if let Some(db) = event
            .target()
            .and_then(|t| t.dyn_into::<IdbDatabase>().ok())
        {
            db.close();
        }
    });
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
    let db = completion(&request)
        .await?
        .dyn_into::<IdbDatabase>()
        .map_err(|_| AppError::Storage)?;
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    // The handler lives as long as the connection, which the caller closes after one transaction.
    on_version_change.forget();
    Ok(db)
}

/// The JSON strings stored under `keys` (`None` where nothing is), read in one transaction.
pub async fn cache_get_all(keys: &[String]) -> Result<Vec<Option<String>>, AppError> {
    let db = open().await?;
    let read = async {
        let store = db
            .transaction_with_str(STORE)
            .and_then(|tx| tx.object_store(STORE))
            .map_err(|_| AppError::Storage)?;
        // Every request is made before the first is awaited, while the transaction is active.
        let requests = keys
            .iter()
            .map(|key| store.get(&JsValue::from_str(key)))
            .collect::<Result<Vec<IdbRequest>, JsValue>>()
            .map_err(|_| AppError::Storage)?;
        let mut values = Vec::with_capacity(requests.len());
        for request in &requests {
            values.push(completion(request).await?.as_string());
        }
        Ok(values)
    };
    let values = read.await;
    db.close();
    values
}

/// One change to the library cache.
#[derive(Debug)]
pub enum CacheWrite {
    /// Store this JSON string under the key, replacing what was there.
    Put(String, String),
    Delete(String),
}

/// Applies `writes` in one transaction and returns once it is `complete`: all of them are on disk,
/// or none is. Refused (and nothing written) when `permit` was revoked.
pub async fn cache_write_all(permit: &WritePermit, writes: &[CacheWrite]) -> Result<(), AppError> {
    if !permit.is_valid() {
        return Err(AppError::Cancelled);
    }
    let db = open().await?;
    // Log out or Forget me may have come while the database was opening.
    if !permit.is_valid() {
        db.close();
        return Err(AppError::Cancelled);
    }
    let written = write_in_one_transaction(&db, writes).await;
    db.close();
    written
}

async fn write_in_one_transaction(db: &IdbDatabase, writes: &[CacheWrite]) -> Result<(), AppError> {
    let tx = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(|_| AppError::Storage)?;
    let done = transaction_end(&tx);
    let store = tx.object_store(STORE).map_err(|_| AppError::Storage)?;
    for write in writes {
        let queued = match write {
            CacheWrite::Put(key, json) => {
                store.put_with_key(&JsValue::from_str(json), &JsValue::from_str(key))
            }
            CacheWrite::Delete(key) => store.delete(&JsValue::from_str(key)),
        };
        if let Err(error) = queued {
            // Nothing of this transaction may land: undo what was queued before.
            let _ = tx.abort();
            return Err(storage_error(&error));
        }
    }
    done.await
}

/// Resolves when `tx` completes; fails with its error when it aborts (a quota error included).
fn transaction_end(tx: &IdbTransaction) -> impl Future<Output = Result<(), AppError>> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = tx.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            // Read through `Reflect`: `IdbTransaction::error` needs web-sys's `DomException`.
            let error = Reflect::get(&failed, &JsValue::from_str("error")).unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        // A failed request aborts its transaction (unless handled), so `abort` sees every failure.
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    async move {
        JsFuture::from(promise)
            .await
            .map(drop)
            .map_err(|error| storage_error(&error))
    }
}

/// `StorageFull` for a `QuotaExceededError`, else the general storage error.
fn storage_error(error: &JsValue) -> AppError {
    let name = Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string());
    if name.as_deref() == Some("QuotaExceededError") {
        AppError::StorageFull
    } else {
        AppError::Storage
    }
}
