//! Importing the listener's tracks from Spotify: liked songs, top tracks, playlists, recently
//! played. Each returns the matcher's [`ListenerTrack`]s, with null tracks, local files and
//! episodes left out and duplicates removed.
//!
//! Liked songs can number tens of thousands, so that import is paged 50 at a time with progress,
//! can be cancelled, and is cached in IndexedDB per user: an interrupted import (cancel, rate
//! limit, network) resumes where it stopped, and a finished one is later synced incrementally.
//! Spotify lists liked songs newest first, so a sync reads pages until it meets the newest cached
//! entry and puts what came before it on top. If the counts then disagree (songs were un-liked),
//! the rest of the library is read again, since a removal cannot be located otherwise; the pages
//! the sync read are the start of that list and are kept, so no page is fetched twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use encore_engine::matching::ListenerTrack;
use encore_spotify::api::{
    CursorPaging, PAGE_LIMIT, Paging, PlayHistory, PlaylistItem, SavedTrack, SimplifiedPlaylist,
    Track,
};
use encore_spotify::pkce::percent_encode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::client::get_json;
use crate::config::{self, Config};
use crate::error::{AppError, Resource};
use crate::session;
use crate::storage;

/// Pages fetched between two saves of an unfinished liked-songs import.
const CHECKPOINT_EVERY_PAGES: usize = 10;

/// How far an import has got, e.g. "1,250 of 8,431".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
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
/// Saving progress writes only the chunks not stored yet and the last, partial one, so a save
/// costs the same at 1,000 songs as at 50,000; rewriting everything on every save blocked the
/// page for longer and longer as a big library came in.
#[derive(Debug)]
struct LikedStore {
    key: String,
    /// Leading full chunks already stored and still valid.
    saved_chunks: usize,
}

/// Entries per stored chunk (about 200 KB of JSON).
const CHUNK_ENTRIES: usize = 1_000;

impl LikedStore {
    fn for_user(user_id: &str) -> Self {
        Self {
            key: format!("liked:{user_id}"),
            saved_chunks: 0,
        }
    }

    fn chunk_key(&self, chunk: usize) -> String {
        format!("{}:{chunk}", self.key)
    }

    /// The cached entries, if a readable cache exists (an unreadable one is only a slower import).
    async fn load(&mut self) -> Option<(LikedHeader, Vec<LikedEntry>)> {
        let header: LikedHeader = storage::cache_get(&self.key).await.ok().flatten()?;
        let mut entries = Vec::with_capacity(header.n_entries);
        for chunk in 0..header.n_entries.div_ceil(CHUNK_ENTRIES) {
            let stored: Vec<LikedEntry> = storage::cache_get(&self.chunk_key(chunk))
                .await
                .ok()
                .flatten()?;
            entries.extend(stored);
        }
        // A save interrupted between a chunk and the header leaves a longer last chunk.
        if entries.len() < header.n_entries {
            return None;
        }
        entries.truncate(header.n_entries);
        self.saved_chunks = header.n_entries / CHUNK_ENTRIES;
        Some((header, entries))
    }

    /// Stores `entries`: the chunks not stored yet, then the header. A refused write only costs a
    /// restart from the last good save.
    async fn save(&mut self, entries: &[LikedEntry], complete: bool) {
        let first_unsaved = self.saved_chunks;
        for (i, chunk) in entries
            .chunks(CHUNK_ENTRIES)
            .enumerate()
            .skip(first_unsaved)
        {
            if storage::cache_put(&self.chunk_key(i), &chunk)
                .await
                .is_err()
            {
                return;
            }
            if chunk.len() == CHUNK_ENTRIES {
                self.saved_chunks = i + 1;
            }
        }
        let header = LikedHeader {
            n_entries: entries.len(),
            complete,
        };
        let _ = storage::cache_put(&self.key, &header).await;
    }

    /// Entries were inserted in front (a sync) or replaced: every chunk must be written again.
    fn invalidate(&mut self) {
        self.saved_chunks = 0;
    }
}

fn liked_url(config: &Config) -> impl Fn(u32) -> String {
    let base = config.api("me/tracks");
    move |offset| format!("{base}?limit={PAGE_LIMIT}&offset={offset}")
}

/// The listener's liked songs, from the cache and Spotify. `on_progress` is called after every
/// page; `cancel` stops the import at the next page (what was fetched is kept for next time).
pub async fn liked_songs(
    on_progress: impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<Vec<ListenerTrack>, AppError> {
    let config = config::get().await?;
    let mut store = LikedStore::for_user(&user_id()?);
    let entries = match store.load().await {
        Some((header, cached)) if header.complete && !cached.is_empty() => {
            let n_cached = cached.len();
            match sync_newest(&config, cached, &on_progress, cancel).await? {
                Synced::Complete(entries) => {
                    if entries.len() != n_cached {
                        store.invalidate();
                    }
                    entries
                }
                Synced::Stale(start) => {
                    store.invalidate();
                    read_all(&config, &mut store, start, &on_progress, cancel).await?
                }
            }
        }
        Some((_, partial)) => read_all(&config, &mut store, partial, &on_progress, cancel).await?,
        None => read_all(&config, &mut store, Vec::new(), &on_progress, cancel).await?,
    };
    store.save(&entries, true).await;
    Ok(dedup(entries.into_iter().filter_map(|e| e.track)))
}

/// What a sync of the cached liked songs found.
#[derive(Debug)]
enum Synced {
    /// The liked songs as Spotify lists them now.
    Complete(Vec<LikedEntry>),
    /// Songs were un-liked, so the cache is stale: only these first entries (the pages the sync
    /// read) are known to be right, and the rest must be read again.
    Stale(Vec<LikedEntry>),
}

/// Reads the pages before the newest cached entry and puts them on top of `cached`; when the
/// result does not add up to Spotify's total (something was removed), returns the pages read.
async fn sync_newest(
    config: &Config,
    cached: Vec<LikedEntry>,
    on_progress: &impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<Synced, AppError> {
    let newest = cached.first().cloned();
    // Every entry of the pages read: the start of the list as Spotify has it now.
    let mut read: Vec<LikedEntry> = Vec::new();
    // Where the newest cached entry is in `read`: what comes before it was added since.
    let mut n_added = None;
    let mut pager = Pager::new(liked_url(config), 0, Resource::Library);
    let mut total = 0;
    while n_added.is_none()
        && let Some(page) = pager.next::<SavedTrack>().await?
    {
        total = page.total.unwrap_or(0);
        let start = read.len();
        read.extend(page.items.into_iter().map(LikedEntry::from));
        n_added = read[start..]
            .iter()
            .position(|entry| Some(entry) == newest.as_ref())
            .map(|i| start + i);
        // Until the newest cached song shows up, the guess exceeds the total when some were
        // un-liked; the bar then shows full rather than more than full.
        let done = count(n_added.unwrap_or(read.len()) + cached.len());
        on_progress(ImportProgress {
            done,
            total: total.max(done),
        });
        if cancel.is_cancelled() {
            return Err(AppError::Cancelled);
        }
    }
    // Not meeting the newest cached song means it was un-liked and the sync read the whole list.
    let n_synced = n_added.map_or(read.len(), |n| n + cached.len());
    if count(n_synced) != total {
        return Ok(Synced::Stale(read));
    }
    if let Some(n) = n_added {
        read.truncate(n);
        read.extend(cached);
    }
    on_progress(ImportProgress { done: total, total });
    Ok(Synced::Complete(read))
}

/// Reads liked songs from `entries.len()` on, saving progress every few pages and whenever the
/// import stops early, so the next call resumes instead of starting over.
async fn read_all(
    config: &Config,
    store: &mut LikedStore,
    mut entries: Vec<LikedEntry>,
    on_progress: &impl Fn(ImportProgress),
    cancel: &Cancel,
) -> Result<Vec<LikedEntry>, AppError> {
    let mut pager = Pager::new(liked_url(config), count(entries.len()), Resource::Library);
    let mut pages = 0;
    let stopped = loop {
        match pager.next::<SavedTrack>().await {
            Ok(Some(page)) => {
                let total = page.total.unwrap_or(0);
                entries.extend(page.items.into_iter().map(LikedEntry::from));
                on_progress(ImportProgress {
                    done: count(entries.len()),
                    total: total.max(count(entries.len())),
                });
                if cancel.is_cancelled() {
                    break AppError::Cancelled;
                }
                pages += 1;
                if pages % CHECKPOINT_EVERY_PAGES == 0 {
                    store.save(&entries, false).await;
                }
            }
            Ok(None) => return Ok(entries),
            Err(error) => break error,
        }
    };
    store.save(&entries, false).await;
    Err(stopped)
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
        });
        if cancel.is_cancelled() {
            return Err(AppError::Cancelled);
        }
    }
    Ok(dedup(tracks))
}
