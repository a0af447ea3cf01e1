//! Inverted indexes from artists and albums to their tracks, built once per catalog, and the
//! artists' names folded to one key per spelling that differs only in case.

use std::cell::OnceCell;
use std::collections::HashMap;

use super::artist_graph::ArtistGraph;
use crate::catalog::{Lists, NONE_U32};
use crate::nearest::CodeIndex;
use crate::{Catalog, TrackIdx};

/// Per artist and per album, the catalog tracks that carry it, in ascending track order.
#[derive(Debug)]
pub(crate) struct Index {
    /// Row `a`: the tracks credited to artist `a` (any position, not only primary).
    pub artist_tracks: Lists<u32>,
    /// Row `b`: the tracks of album `b`.
    pub album_tracks: Lists<u32>,
    /// Per artist, the lowest artist index with the same name up to case: the sources spell some
    /// artists in two cases, and the listener has one artist, not two.
    pub artist_key: Vec<u32>,
    /// Row `k` (a key): the artists with that key.
    pub key_artists: Lists<u32>,
    /// Who played with whom.
    pub graph: ArtistGraph,
    /// Every track's feature codes in a k-d tree (`knn`'s neighbours): built on first use, or by
    /// a warm-up step.
    code_index: OnceCell<CodeIndex>,
}

impl Index {
    pub fn new(catalog: &Catalog) -> Self {
        let n = catalog.n_tracks();
        let artist_tracks = invert(
            catalog.artists.names.len(),
            (0..n).flat_map(|t| {
                catalog
                    .track_artists
                    .row(t)
                    .iter()
                    .map(move |&a| (a, t as u32))
            }),
        );
        let album_tracks = invert(
            catalog.albums.len(),
            catalog
                .track_album
                .iter()
                .enumerate()
                .filter(|(_, a)| **a != NONE_U32)
                .map(|(t, &a)| (a, t as u32)),
        );
        let n_artists = catalog.artists.names.len();
        let artist_key = artist_keys(catalog);
        let key_artists = invert(
            n_artists,
            artist_key.iter().enumerate().map(|(a, &k)| (k, a as u32)),
        );
        Self {
            artist_tracks,
            album_tracks,
            artist_key,
            key_artists,
            graph: ArtistGraph::new(catalog),
            code_index: OnceCell::new(),
        }
    }

    /// Every artist credited on a seed, with the artists spelt the same up to case, ascending.
    pub fn seed_artists(&self, catalog: &Catalog, seeds: &[TrackIdx]) -> Vec<u32> {
        let mut artists: Vec<u32> = seeds
            .iter()
            .flat_map(|s| catalog.track_artists.row(s.get()))
            .filter_map(|&a| self.artist_key.get(a as usize))
            .flat_map(|&k| self.key_artists.row(k as usize).iter().copied())
            .collect();
        artists.sort_unstable();
        artists.dedup();
        artists
    }

    /// The catalog's code index, built now if no warm-up step has yet.
    pub fn code_index(&self, catalog: &Catalog) -> &CodeIndex {
        // A validated catalog's rows fit a u32 index, so the build cannot fail.
        self.code_index
            .get_or_init(|| catalog.code_index().unwrap_or_default())
    }

    /// Whether [`Index::code_index`] is built.
    pub fn has_code_index(&self) -> bool {
        self.code_index.get().is_some()
    }

    pub fn artist(&self, artist: u32) -> impl Iterator<Item = TrackIdx> + '_ {
        self.artist_tracks
            .row(artist as usize)
            .iter()
            .map(|&t| TrackIdx(t))
    }

    pub fn album(&self, album: u32) -> impl Iterator<Item = TrackIdx> + '_ {
        self.album_tracks
            .row(album as usize)
            .iter()
            .map(|&t| TrackIdx(t))
    }
}

/// Per artist, the lowest artist index with the same name up to case: one key per artist as a
/// listener counts them (the discovery metrics and the artists choice compare artists this way).
pub fn artist_keys(catalog: &Catalog) -> Vec<u32> {
    let n_artists = catalog.artists.names.len();
    let mut first: HashMap<String, u32> = HashMap::with_capacity(n_artists);
    (0..n_artists)
        .map(|a| {
            *first
                .entry(catalog.artists.names.get(a).to_lowercase())
                .or_insert(a as u32)
        })
        .collect()
}

/// Counting sort of `(key, track)` pairs into one row per key; keys out of range are dropped
/// (a validated catalog has none).
pub(crate) fn invert(n_keys: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Lists<u32> {
    let mut counts = vec![0u32; n_keys + 1];
    for (key, _) in pairs.clone() {
        if let Some(c) = counts
            .get_mut(key as usize + 1)
            .filter(|_| (key as usize) < n_keys)
        {
            *c += 1;
        }
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let offsets = counts.clone();
    let mut values = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
    for (key, track) in pairs {
        if let Some(slot) = counts
            .get_mut(key as usize)
            .filter(|_| (key as usize) < n_keys)
        {
            values[*slot as usize] = track;
            *slot += 1;
        }
    }
    Lists { offsets, values }
}
