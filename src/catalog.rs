//! Loading the catalog: `catalog.bin` from the app's own origin, with progress, verified, cached.
//! It runs in the engine worker (`crate::worker`), which reports the progress to the page.
//!
//! The file is fetched once with a progress callback (its body is read as a stream so the bar
//! moves), checked by a [`CatalogDecoder`] (which validates every offset and the checksum) one
//! bounded step at a time, yielding to the page between steps so no task blocks it for long, and
//! kept in the browser's Cache API under its checksum, so the next visit reads it from disk.
//!
//! The checksum is the XXH32 in the file's 24-byte header (see `encore_engine::catalog::format`),
//! so a visit first asks for just those bytes (`Range: bytes=0-23`): a new deployment's catalog
//! has a new checksum, hence a new key (older entries are deleted). A server that ignores `Range`
//! answers with the whole file, which then simply is the download. A cached copy that no longer
//! verifies is dropped and downloaded again.
//!
//! Every failure becomes a [`LoadError`], whose `Display` is the sentence the listener reads.
//! Where the Cache API is unavailable (some private windows), the catalog is simply downloaded.

use encore_engine::Catalog;
use encore_engine::catalog::format::Header;
use encore_engine::catalog::{CatalogDecoder, CatalogError};
use js_sys::{Array, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Cache, Headers, ReadableStreamDefaultReader, Request, RequestInit, Response, WorkerGlobalScope,
};

/// Where the catalog lives, relative to the page (so the site works under any path).
pub const CATALOG_URL: &str = "catalog.bin";
const CACHE_NAME: &str = "encore-catalog";

/// Why the catalog could not be loaded, worded for the listener.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum LoadError {
    #[error(
        "Encore's music catalog is missing from this site (error {0}). Reload the page; if it keeps happening, the site was published without its catalog."
    )]
    Missing(u16),
    #[error(
        "Encore could not download its music catalog. Check your connection, then reload the page."
    )]
    Network,
    #[error(
        "Encore's music catalog is damaged ({0}). Reload the page to download it again; if it keeps happening, the site needs a freshly built catalog."
    )]
    Corrupt(String),
    #[error("Encore's engine stopped ({0}). Press Retry to start it again; your picks are kept.")]
    Stopped(String),
}

/// Where loading stands, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    Checking,
    Downloading { received: u64, total: Option<u64> },
    Verifying,
}

impl Progress {
    /// A short line for the progress bar's label.
    pub fn label(self) -> String {
        match self {
            Progress::Checking => "Looking for the music catalog…".to_owned(),
            Progress::Downloading {
                received,
                total: Some(total),
            } => {
                format!(
                    "Downloading the music catalog: {} of {}",
                    megabytes(received),
                    megabytes(total)
                )
            }
            Progress::Downloading {
                received,
                total: None,
            } => {
                format!("Downloading the music catalog: {}", megabytes(received))
            }
            Progress::Verifying => "Checking the music catalog…".to_owned(),
        }
    }

    /// Completed fraction, when known.
    pub fn fraction(self) -> Option<f64> {
        match self {
            Progress::Downloading {
                received,
                total: Some(total),
            } if total > 0 => Some((received as f64 / total as f64).min(1.0)),
            Progress::Verifying => Some(1.0),
            _ => None,
        }
    }
}

/// `"8.6 MB"`, rounded to a tenth in integers (no float printer shipped for it).
fn megabytes(bytes: u64) -> String {
    let tenths = bytes.saturating_add(50_000) / 100_000;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

/// The engine worker's global scope, where the catalog is fetched and cached.
fn scope() -> Result<WorkerGlobalScope, LoadError> {
    js_sys::global().dyn_into().map_err(|_| LoadError::Network)
}

async fn fetch(range: Option<&str>) -> Result<Response, LoadError> {
    let init = RequestInit::new();
    if let Some(range) = range {
        let headers = Headers::new().map_err(|_| LoadError::Network)?;
        headers
            .set("Range", range)
            .map_err(|_| LoadError::Network)?;
        init.set_headers(&headers);
    }
    let request =
        Request::new_with_str_and_init(CATALOG_URL, &init).map_err(|_| LoadError::Network)?;
    let response = JsFuture::from(scope()?.fetch_with_request(&request))
        .await
        .map_err(|_| LoadError::Network)?;
    let response: Response = response.dyn_into().map_err(|_| LoadError::Network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(LoadError::Missing(response.status()))
    }
}

/// The cache key of a catalog whose file starts with `header`: its format version and checksum,
/// or `None` when the bytes are not a catalog header (the full download then says what is wrong).
pub fn cache_key(header: &[u8]) -> Option<String> {
    let Header {
        version, checksum, ..
    } = Header::parse(header).ok()?;
    Some(format!("{CATALOG_URL}?v={version}&xxh32={checksum:08x}"))
}

/// Either the catalog's cache key (the server sent just the header) or the whole response.
enum Probe {
    Key(Option<String>),
    Whole(Response),
}

async fn probe() -> Result<Probe, LoadError> {
    let response = fetch(Some("bytes=0-23")).await?;
    if response.status() != 206 {
        return Ok(Probe::Whole(response));
    }
    let promise = response.array_buffer().map_err(|_| LoadError::Network)?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|_| LoadError::Network)?;
    Ok(Probe::Key(cache_key(&Uint8Array::new(&buffer).to_vec())))
}

async fn open_cache() -> Option<Cache> {
    let storage = scope().ok()?.caches().ok()?;
    JsFuture::from(storage.open(CACHE_NAME))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

async fn cached_bytes(cache: &Cache, key: &str) -> Option<Vec<u8>> {
    let hit = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: Response = hit.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Stores `bytes` under `key` and deletes every other catalog version. Failing to cache only
/// costs a download next time, so errors are ignored.
async fn store(cache: &Cache, key: &str, bytes: &mut [u8]) {
    let Ok(response) = Response::new_with_opt_u8_array(Some(bytes)) else {
        return;
    };
    if JsFuture::from(cache.put_with_str(key, &response))
        .await
        .is_err()
    {
        return;
    }
    let Ok(keys) = JsFuture::from(cache.keys()).await else {
        return;
    };
    for request in Array::from(&keys).iter() {
        let Ok(request) = request.dyn_into::<Request>() else {
            continue;
        };
        if !request.url().ends_with(key) {
            let _ = JsFuture::from(cache.delete_with_request(&request)).await;
        }
    }
}

/// Reads a catalog response's body, reporting bytes as they arrive.
async fn download(
    response: Response,
    on_progress: &impl Fn(Progress),
) -> Result<Vec<u8>, LoadError> {
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let body = response.body().ok_or(LoadError::Network)?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(1 << 30) as usize);
    on_progress(Progress::Downloading { received: 0, total });
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| LoadError::Network)?;
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value =
            Reflect::get(&chunk, &JsValue::from_str("value")).map_err(|_| LoadError::Network)?;
        let array = Uint8Array::new(&value);
        let start = bytes.len();
        bytes.resize(start + array.length() as usize, 0);
        array.copy_to(&mut bytes[start..]);
        on_progress(Progress::Downloading {
            received: bytes.len() as u64,
            total,
        });
    }
    Ok(bytes)
}

/// Decodes and validates the catalog step by step (each step timed as
/// `encore:catalog-decode-step`, at most about 10 ms; all at once it takes about 70-120 ms for
/// 182k tracks on the benchmark page in headless Chromium).
async fn verify(bytes: &[u8]) -> Result<Catalog, LoadError> {
    let corrupt = |e: CatalogError| LoadError::Corrupt(e.to_string());
    let mut decoder = CatalogDecoder::new(bytes).map_err(corrupt)?;
    while !crate::runtime::timed("catalog-decode-step", || decoder.step()).map_err(corrupt)? {
        crate::runtime::yield_now().await;
    }
    decoder.finish().map_err(corrupt)
}

/// Loads the catalog from the cache when its checksum is there and it still verifies, else from
/// the network (then caches it). `on_progress` is called as the work advances.
pub async fn load(on_progress: impl Fn(Progress)) -> Result<Catalog, LoadError> {
    on_progress(Progress::Checking);
    let (key, whole) = match probe().await? {
        Probe::Key(key) => (key, None),
        Probe::Whole(response) => (None, Some(response)),
    };
    let cache = open_cache().await;
    if let (Some(cache), Some(key)) = (&cache, &key)
        && let Some(bytes) = cached_bytes(cache, key).await
    {
        on_progress(Progress::Verifying);
        crate::runtime::yield_now().await;
        if let Ok(catalog) = verify(&bytes).await {
            return Ok(catalog);
        }
        let _ = JsFuture::from(cache.delete_with_str(key)).await;
    }
    let response = match whole {
        Some(response) => response,
        None => fetch(None).await?,
    };
    let mut bytes = download(response, &on_progress).await?;
    on_progress(Progress::Verifying);
    crate::runtime::yield_now().await;
    let catalog = verify(&bytes).await?;
    // Caching goes on while the engine indexes the catalog: the browser writes it off this
    // thread, and nothing waits for it.
    if let (Some(cache), Some(key)) = (cache, cache_key(&bytes)) {
        wasm_bindgen_futures::spawn_local(async move { store(&cache, &key, &mut bytes).await });
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use encore_engine::catalog::format::MAGIC;

    use super::*;

    #[test]
    fn the_cache_key_names_version_and_checksum() {
        let mut header = Vec::from(MAGIC);
        header.extend(1u32.to_le_bytes());
        header.extend(180_000u32.to_le_bytes());
        header.extend(14u32.to_le_bytes());
        header.extend(0xdead_beefu32.to_le_bytes());
        assert_eq!(
            cache_key(&header).as_deref(),
            Some("catalog.bin?v=1&xxh32=deadbeef")
        );
        assert_eq!(cache_key(&header[..20]), None, "too short");
        header[0] = b'X';
        assert_eq!(cache_key(&header), None, "not a catalog");
    }

    #[test]
    fn the_download_reads_in_tenths_of_a_megabyte() {
        let label = Progress::Downloading {
            received: 1_249_999,
            total: Some(8_650_000),
        }
        .label();
        assert_eq!(label, "Downloading the music catalog: 1.2 MB of 8.7 MB");
        assert_eq!(megabytes(0), "0.0 MB");
        assert_eq!(megabytes(999_999), "1.0 MB");
    }
}
