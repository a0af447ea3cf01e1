//! Importing the listener's tracks from Spotify: liked songs, top tracks, playlists, recently
//! played. Each returns the matcher's [`ListenerTrack`]s, with null tracks, local files and
//! episodes left out and duplicates removed.
//!
//! Liked songs can number tens of thousands, so that import reads pages of 50 several at a time
//! (fewer while Spotify limits requests, waiting out what it asks for), with progress, can be
//! cancelled, and is cached in IndexedDB per user: an interrupted import (cancel, rate limit,
//! network, a closed tab) resumes where it stopped, and a finished one is later synced
//! incrementally. Which pages to read and how they merge with the cache, in whatever order they
//! arrive, is decided by [`encore_spotify::sync::LikedSync`]; this module only fetches and stores.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use encore_engine::matching::ListenerTrack;
use encore_spotify::api::{
    CursorPaging, PAGE_LIMIT, Paging, PlayHistory, PlaylistItem, SavedTrack, SimplifiedPlaylist,
    Track,
};
use encore_spotify::pkce::percent_encode;
use encore_spotify::reply::{LongLimits, WaitCause};
use encore_spotify::sync::{Concurrency, LikedSync, Page, PageRequest, Received};
use futures::future::{Either, select};
use futures::stream::{FuturesUnordered, StreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::client::{Patience, Wait, get_json, get_json_patiently};
use crate::config::{self, Config};
use crate::error::{AppError, Resource};
use crate::runtime::sleep_ms;
use crate::session;
use crate::storage::{self, CacheWrite, WritePermit};

/// Pages fetched between two saves of an unfinished liked-songs import.
const CHECKPOINT_EVERY_PAGES: usize = 10;

/// How far an import has got, e.g. "1,250 of 8,431".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
    /// Spotify asked the import to wait this long; it then continues by itself.
    pub pause: Option<Pause>,
}

/// A wait Spotify asked for that is long enough to tell the listener about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// When the import continues, on the listener's clock.
    resumes_at_hour: u32,
    resumes_at_minute: u32,
    /// The quota all apps of one developer share, rather than a short rate limit.
    quota: bool,
}

/// Waits shorter than this pass without a word.
const NOTICEABLE_WAIT_MS: u32 = 5_000;

impl Pause {
    fn noticeable(wait: Wait) -> Option<Self> {
        if wait.ms < NOTICEABLE_WAIT_MS {
            return None;
        }
        let resumes = js_sys::Date::new_0();
        resumes.set_time(resumes.get_time() + f64::from(wait.ms));
        // Rounded up to the minute, so the import never continues later than it says.
        let round_up = u32::from(resumes.get_seconds() > 0 || resumes.get_milliseconds() > 0);
        let minutes = resumes.get_hours() * 60 + resumes.get_minutes() + round_up;
        Some(Self {
            resumes_at_hour: (minutes / 60) % 24,
            resumes_at_minute: minutes % 60,
            quota: wait.cause == WaitCause::QuotaExceeded,
        })
    }

    /// What the listener reads beside the progress bar.
    pub fn sentence(self) -> String {
        let at = format!("{:02}:{:02}", self.resumes_at_hour, self.resumes_at_minute);
        if self.quota {
            format!(
                "Spotify's request quota for this Spotify app is used up for now (all apps of one developer account share it). The import continues by itself at {at}."
            )
        } else {
            format!("Spotify asked Encore to slow down. The import continues by itself at {at}.")
        }
    }
}

/// A cancel button's handle: clone it into the import and call [`Cancel::cancel`] from the UI.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

pub use encore_spotify::api::TimeRange;

/// A playlist the listener can pick as a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistSummary {
    pub id: String,
    pub name: String,
    pub n_items: u32,
    pub owner_name: String,
    /// Their own or collaborative: Spotify lets Encore read its items.
    pub readable: bool,
}

/// Reads a Spotify list page by page, by offset (the `next` URL is only used as the end marker,
/// so a resumed import can start at any offset).
struct Pager<F> {
    url_at: F,
    offset: u32,
    finished: bool,
    resource: Resource,
}

impl<F: Fn(u32) -> String> Pager<F> {
    fn new(url_at: F, offset: u32, resource: Resource) -> Self {
        Self {
            url_at,
            offset,
            finished: false,
            resource,
        }
    }

    async fn next<T: DeserializeOwned>(&mut self) -> Result<Option<Paging<T>>, AppError> {
        if self.finished {
            return Ok(None);
        }
        let page: Paging<T> = get_json(&(self.url_at)(self.offset), self.resource).await?;
        self.offset += u32::try_from(page.items.len()).unwrap_or(u32::MAX);
        self.finished = page.next.is_none() || page.items.is_empty();
        Ok(Some(page))
    }
}

/// Tracks in first-seen order, each Spotify id once (tracks without an id are all kept).
fn dedup(tracks: impl IntoIterator<Item = ListenerTrack>) -> Vec<ListenerTrack> {
    let mut seen = HashSet::new();
    tracks
        .into_iter()
        .filter(|t| t.id.is_none_or(|id| seen.insert(id)))
        .collect()
}

fn user_id() -> Result<String, AppError> {
    session::stored_user()
        .map(|u| u.id)
        .ok_or(AppError::NotLoggedIn)
}

/// One liked-songs entry as cached: every entry is kept (also unavailable ones) so positions in
/// the cache match Spotify's offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LikedEntry {
    added_at: Option<String>,
    /// The track's uri, identifying the entry when syncing.
    uri: Option<String>,
    track: Option<ListenerTrack>,
}

impl From<SavedTrack> for LikedEntry {
    fn from(saved: SavedTrack) -> Self {
        let track = saved.track.as_ref().and_then(Track::to_listener_track);
        Self {
            added_at: saved.added_at,
            uri: saved.track.and_then(|t| t.uri),
            track,
        }
    }
}

/// The cached liked songs' header; the entries themselves are stored in chunks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct LikedHeader {
    n_entries: usize,
    /// False while an import is unfinished; it then resumes at `n_entries`.
    complete: bool,
}

/// The liked-songs cache of one user in IndexedDB: a header and chunks of [`CHUNK_ENTRIES`].
///
/// Every save is one transaction holding the chunks that changed and the header, so a save lands
/// whole or not at all and a half-written one never looks finished. Saving progress writes only
/// the chunks not stored yet and the last, partial one, so a save costs the same at 1,000 songs
/// as at 50,000; rewriting everything on every save blocked the page for longer and longer as a
/// big library came in.
#[derive(Debug)]
struct LikedStore {
    key: String,
    /// Leading full chunks already stored and still valid.
    saved_chunks: usize,
    /// Chunks the stored header counts, so a shorter list deletes the ones it no longer uses.
    stored_chunks: usize,
}

/// Entries per stored chunk (about 200 KB of JSON).
const CHUNK_ENTRIES: usize = 1_000;

impl LikedStore {
    fn for_user(user_id: &str) -> Self {
        Self {
            key: format!("liked:{user_id}"),
            saved_chunks: 0,
            stored_chunks: 0,
        }
    }

    fn chunk_key(&self, chunk: usize) -> String {
        format!("{}:{chunk}", self.key)
    }

    /// The cached entries, if a readable cache exists (an unreadable one is only a slower import).
    async fn load(&mut self) -> Option<(LikedHeader, Vec<LikedEntry>)> {
        let [header] = storage::cache_get_all(std::slice::from_ref(&self.key))
            .await
            .ok()?
            .try_into()
            .ok()?;
        let header: LikedHeader = serde_json::from_str(&header?).ok()?;
        let n_chunks = header.n_entries.div_ceil(CHUNK_ENTRIES);
        let keys: Vec<String> = (0..n_chunks).map(|i| self.chunk_key(i)).collect();
        let mut entries = Vec::with_capacity(header.n_entries);
        for chunk in storage::cache_get_all(&keys).await.ok()? {
            let stored: Vec<LikedEntry> = serde_json::from_str(&chunk?).ok()?;
            entries.extend(stored);
        }
        if entries.len() < header.n_entries {
            return None;
        }
        entries.truncate(header.n_entries);
        self.saved_chunks = header.n_entries / CHUNK_ENTRIES;
        self.stored_chunks = n_chunks;
        Some((header, entries))
    }

    /// Stores `entries` in one transaction: the chunks not stored yet, then the header. Nothing
    /// counts as saved until the transaction completes.
    async fn save(
        &mut self,
        permit: &WritePermit,
        entries: &[LikedEntry],
        complete: bool,
    ) -> Result<(), AppError> {
        let mut writes = Vec::new();
        let mut full_chunks = self.saved_chunks.min(entries.len() / CHUNK_ENTRIES);
        for (i, chunk) in entries
            .chunks(CHUNK_ENTRIES)
            .enumerate()
            .skip(self.saved_chunks)
        {
            let json = serde_json::to_string(chunk).map_err(|_| AppError::Storage)?;
            writes.push(CacheWrite::Put(self.chunk_key(i), json));
            if chunk.len() == CHUNK_ENTRIES {
                full_chunks = i + 1;
            }
        }
        let n_chunks = entries.len().div_ceil(CHUNK_ENTRIES);
        writes
            .extend((n_chunks..self.stored_chunks).map(|i| CacheWrite::Delete(self.chunk_key(i))));
        let header = LikedHeader {
            n_entries: entries.len(),
            complete,
        };
        let json = serde_json::to_string(&header).map_err(|_| AppError::Storage)?;
        writes.push(CacheWrite::Put(self.key.clone(), json));
        storage::cache_write_all(permit, &writes).await?;
        self.saved_chunks = full_chunks;
        self.stored_chunks = n_chunks;
        Ok(())
    }

    /// The entries are no longer those stored (songs went on top, or the read started over):
    /// every chunk must be written again.
    fn invalidate(&mut self) {
        self.saved_chunks = 0;
    }
}

fn liked_url(config: &Config) -> impl Fn(usize) -> String {
    let base = config.api("me/tracks");
    move |offset| format!("{base}?limit={PAGE_LIMIT}&offset={offset}")
}

/// The listener's liked songs, from the cache and Spotify, read [`MAX_CONCURRENT_PAGES`] pages at
/// a time (fewer while Spotify is limiting requests). `on_progress` is called after every page
/// and whenever Spotify makes the import wait; `cancel` stops it at once, keeping what was
/// fetched for next time. After Log out or Forget me it stops too, and writes nothing.
pub async fn liked_songs(
    on_progress: impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<Vec<ListenerTrack>, AppError> {
    let permit = WritePermit::take();
    let config = config::get().await?;
    let mut store = LikedStore::for_user(&user_id()?);
    let (cached, complete) = match store.load().await {
        Some((header, entries)) => (entries, header.complete),
        None => (Vec::new(), false),
    };
    let mut sync = LikedSync::new(cached, complete, PAGE_LIMIT as usize);
    let stopped = read_liked(
        &config,
        &mut sync,
        &mut store,
        &permit,
        &on_progress,
        cancel,
    )
    .await;
    if !permit.is_valid() {
        return Err(AppError::Cancelled);
    }
    if let Err(stopped) = stopped {
        // Keep what was read for next time; when even that cannot be stored, say so rather than
        // promise it was kept.
        if let Some(entries) = sync.checkpoint() {
            store.save(&permit, entries, false).await?;
        }
        return Err(stopped);
    }
    let entries = sync.into_entries().ok_or(AppError::BadReply)?;
    store.save(&permit, &entries, true).await?;
    Ok(dedup(entries.into_iter().filter_map(|e| e.track)))
}

/// Liked-songs pages in flight at once at most. Four is what a browser's six connections per
/// host leave room for beside the page's own requests, and what Spotify's limits bear: each page
/// costs one request whether it is sent now or later.
const MAX_CONCURRENT_PAGES: usize = 4;

/// How often a long wait looks whether the import was cancelled meanwhile.
const CANCEL_CHECK_MS: u32 = 200;

/// Fetches pages as `sync` asks for them, several at a time, until the list is complete, saving
/// progress every [`CHECKPOINT_EVERY_PAGES`] pages. Returns why it stopped early, if it did.
async fn read_liked(
    config: &Config,
    sync: &mut LikedSync<LikedEntry>,
    store: &mut LikedStore,
    permit: &WritePermit,
    on_progress: &impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<(), AppError> {
    let url_at = liked_url(config);
    let concurrency = RefCell::new(Concurrency::new(MAX_CONCURRENT_PAGES));
    // When Spotify asks to wait, no new page is asked for until then (`Date.now()` ms), and the
    // listener reads when the import continues.
    let paused_until_ms = Cell::new(0.0);
    let pause = Cell::new(None::<Pause>);
    let shown = Cell::new(ImportProgress::default());
    let show = |progress: ImportProgress| {
        let paused = js_sys::Date::now() < paused_until_ms.get();
        let progress = ImportProgress {
            pause: pause.get().filter(|_| paused),
            ..progress
        };
        shown.set(progress);
        on_progress(progress);
    };
    let on_wait = |wait: Wait| {
        concurrency.borrow_mut().on_throttled();
        let until = js_sys::Date::now() + f64::from(wait.ms);
        if until > paused_until_ms.get() {
            paused_until_ms.set(until);
            if let Some(noticed) = Pause::noticeable(wait) {
                pause.set(Some(noticed));
            }
        }
        show(shown.get());
    };
    let patience = Patience {
        on_wait: &on_wait,
        long_limits: LongLimits::WaitOut,
    };
    let fetch = |request: PageRequest| {
        let url = url_at(request.offset);
        async move {
            let page = get_json_patiently::<Paging<SavedTrack>>(&url, Resource::Library, patience);
            (request, page.await)
        }
    };
    let mut in_flight = FuturesUnordered::new();
    let mut pages = 0;
    let mut rebases = sync.rebases();
    loop {
        while in_flight.len() < concurrency.borrow().limit()
            && js_sys::Date::now() >= paused_until_ms.get()
            && let Some(request) = sync.next_request()
        {
            in_flight.push(fetch(request));
        }
        if sync.is_done() {
            return Ok(());
        }
        let reply = next_reply(&mut in_flight, &paused_until_ms, cancel, permit).await?;
        let Some((request, page)) = reply else {
            continue;
        };
        let page = page?;
        concurrency.borrow_mut().on_page();
        let total = page.total.ok_or(AppError::BadReply)? as usize;
        let items = page.items.into_iter().map(LikedEntry::from).collect();
        if sync.receive(request, Page { total, items }) == Received::Restarted {
            in_flight.clear();
        }
        let progress = sync.progress();
        show(ImportProgress {
            done: count(progress.done),
            total: count(progress.total),
            pause: None,
        });
        if sync.rebases() != rebases {
            store.invalidate();
            rebases = sync.rebases();
        }
        pages += 1;
        if pages % CHECKPOINT_EVERY_PAGES == 0
            && !sync.is_done()
            && let Some(entries) = sync.checkpoint()
        {
            store.save(permit, entries, false).await?;
        }
    }
}

/// The next reply of `in_flight`, looking at the cancel button meanwhile (a wait Spotify asked
/// for can be long); `None` after a look when nothing is in flight during a pause.
async fn next_reply<F: Future>(
    in_flight: &mut FuturesUnordered<F>,
    paused_until_ms: &Cell<f64>,
    cancel: &Cancel,
    permit: &WritePermit,
) -> Result<Option<F::Output>, AppError> {
    loop {
        if cancel.is_cancelled() || !permit.is_valid() {
            return Err(AppError::Cancelled);
        }
        if in_flight.is_empty() {
            // Nothing in flight and nothing asked for, though not paused: the sync is stuck
            // (its tests say it never is), which is better reported than waited on.
            if js_sys::Date::now() >= paused_until_ms.get() {
                return Err(AppError::BadReply);
            }
            sleep_ms(CANCEL_CHECK_MS).await;
            return Ok(None);
        }
        let tick = pin!(sleep_ms(CANCEL_CHECK_MS));
        if let Either::Left((reply, _)) = select(in_flight.next(), tick).await {
            return Ok(reply);
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The listener's most played tracks over `range` (Spotify gives at most 50).
pub async fn top_tracks(range: TimeRange) -> Result<Vec<ListenerTrack>, AppError> {
    let config = config::get().await?;
    let url = format!(
        "{}?time_range={}&limit={PAGE_LIMIT}",
        config.api("me/top/tracks"),
        range.as_str()
    );
    let page: Paging<Track> = get_json(&url, Resource::Library).await?;
    Ok(dedup(
        page.items.iter().filter_map(Track::to_listener_track),
    ))
}

/// The last 50 tracks the listener played.
pub async fn recently_played() -> Result<Vec<ListenerTrack>, AppError> {
    let config = config::get().await?;
    let url = format!(
        "{}?limit={PAGE_LIMIT}",
        config.api("me/player/recently-played")
    );
    let page: CursorPaging<PlayHistory> = get_json(&url, Resource::Library).await?;
    Ok(dedup(
        page.items
            .iter()
            .filter_map(|h| h.track.as_ref()?.to_listener_track()),
    ))
}

/// The playlists in the listener's library, marked readable when they own or collaborate on them.
pub async fn playlists() -> Result<Vec<PlaylistSummary>, AppError> {
    let config = config::get().await?;
    let me = user_id()?;
    let base = config.api("me/playlists");
    let mut pager = Pager::new(
        move |offset| format!("{base}?limit={PAGE_LIMIT}&offset={offset}"),
        0,
        Resource::Library,
    );
    let mut out = Vec::new();
    while let Some(page) = pager.next::<SimplifiedPlaylist>().await? {
        out.extend(page.items.into_iter().map(|p| {
            PlaylistSummary {
                n_items: p.n_items(),
                readable: p.is_readable_by(&me),
                owner_name: p
                    .owner
                    .display_name
                    .clone()
                    .unwrap_or_else(|| p.owner.id.clone()),
                id: p.id,
                name: p.name,
            }
        }));
    }
    Ok(out)
}

/// The tracks of one playlist. Someone else's playlist gives [`AppError::PlaylistNotYours`].
pub async fn playlist_tracks(
    playlist_id: &str,
    on_progress: impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<Vec<ListenerTrack>, AppError> {
    let config = config::get().await?;
    let base = config.api(&format!("playlists/{}/items", percent_encode(playlist_id)));
    let mut pager = Pager::new(
        move |offset| format!("{base}?limit={PAGE_LIMIT}&offset={offset}&additional_types=track"),
        0,
        Resource::Playlist,
    );
    let mut tracks = Vec::new();
    let mut done = 0;
    while let Some(page) = pager.next::<PlaylistItem>().await? {
        done += count(page.items.len());
        tracks.extend(
            page.items
                .iter()
                .filter_map(PlaylistItem::to_listener_track),
        );
        on_progress(ImportProgress {
            done,
            total: page.total.unwrap_or(done).max(done),
            pause: None,
        });
        if cancel.is_cancelled() {
            return Err(AppError::Cancelled);
        }
    }
    Ok(dedup(tracks))
}
