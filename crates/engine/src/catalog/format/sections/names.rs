//! The names: titles (`titl`), artist names and ids (`arts`, `arid`), album names and each
//! track's album (`albs`, `talb`).

use super::super::cursor::Contents;
#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::decoder::Decoded;
#[cfg(feature = "write")]
use super::super::unwritable;
use super::super::{CatalogError, invalid};
#[cfg(feature = "write")]
use super::Plan;
use crate::ArtistId;
use crate::catalog::{NONE_U32, StringTable};

pub(super) fn read_titl(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.catalog.titles = contents.into_strings(d.n)?;
    Ok(())
}

pub(super) fn read_arts(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.catalog.artists.names = contents.into_strings(d.n_artists)?;
    Ok(())
}

pub(super) fn read_arid(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let n_artists = d.n_artists;
    let bitmap = r.take(n_artists.div_ceil(8), "artist id bitmap")?;
    let mut artist_ids = Vec::with_capacity(n_artists);
    for i in 0..n_artists {
        artist_ids.push(if bitmap[i / 8] >> (i % 8) & 1 == 1 {
            Some(ArtistId(u128::from_le_bytes(r.array("artist id")?)))
        } else {
            None
        });
    }
    d.catalog.artists.ids = artist_ids;
    r.finish()
}

pub(super) fn read_albs(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.stored_albums = contents.into_strings(d.n_albums)?;
    Ok(())
}

pub(super) fn read_talb(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let n = d.n;
    r.ensure(n, 1, "track albums")?;
    let album_limit = u32::try_from(d.n_albums)
        .ok()
        .and_then(|a| a.checked_add(1))
        .ok_or_else(|| invalid("meta", "too many albums"))?;
    let mut previous = 0u32;
    let mut track_album = Vec::with_capacity(n);
    for _ in 0..n {
        previous = r.delta(previous, album_limit, "album")?;
        track_album.push(previous.checked_sub(1).unwrap_or(NONE_U32));
    }
    r.finish()?;
    let c = &mut d.catalog;
    c.albums = restore_album_names(
        &std::mem::take(&mut d.stored_albums),
        &track_album,
        &c.titles,
    );
    c.track_album = track_album;
    Ok(())
}

/// Album names stored empty take the title of the first track on them (see `encode`).
fn restore_album_names(
    stored: &StringTable,
    track_album: &[u32],
    titles: &StringTable,
) -> StringTable {
    let names: Vec<&str> = first_tracks(stored.len(), track_album)
        .into_iter()
        .enumerate()
        .map(|(a, first)| match (stored.get(a), first) {
            ("", Some(t)) => titles.get(t),
            (name, _) => name,
        })
        .collect();
    // Sized exactly, so the column is not grown (copied) while filled.
    let mut albums = StringTable {
        text: String::with_capacity(names.iter().map(|name| name.len() + 1).sum()),
        offsets: Vec::with_capacity(names.len() + 1),
    };
    albums.offsets.push(0);
    for name in names {
        albums.push(name);
    }
    albums
}

#[cfg(feature = "write")]
pub(super) fn write_titl(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let mut w = Writer::default();
    w.strings(plan.catalog.titles.iter())?;
    Ok(w.0)
}

#[cfg(feature = "write")]
pub(super) fn write_arts(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let mut w = Writer::default();
    w.strings(plan.catalog.artists.names.iter())?;
    Ok(w.0)
}

#[cfg(feature = "write")]
pub(super) fn write_arid(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let ids = &plan.catalog.artists.ids;
    let mut out = vec![0u8; ids.len().div_ceil(8)];
    for (i, id) in ids.iter().enumerate() {
        if id.is_some() {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    for id in ids.iter().flatten() {
        out.extend_from_slice(&id.0.to_le_bytes());
    }
    Ok(out)
}

/// An album named like the first track on it (a single) is stored empty: the reader copies the
/// title back. An album really named "" is only writable where that reading holds.
#[cfg(feature = "write")]
pub(super) fn write_albs(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let first_track = first_tracks(c.albums.len(), &c.track_album);
    let mut stored = Vec::with_capacity(c.albums.len());
    for (a, first) in first_track.iter().enumerate() {
        let name = c.albums.get(a);
        let title = first.map(|t| c.titles.get(t));
        stored.push(match title {
            Some(title) if title == name => "",
            Some(_) if name.is_empty() => {
                return Err(unwritable(format!("album {a} has an empty name")));
            }
            _ => name,
        });
    }
    let mut w = Writer::default();
    w.strings(stored)?;
    Ok(w.0)
}

#[cfg(feature = "write")]
pub(super) fn write_talb(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let mut w = Writer::default();
    let mut previous = 0u32;
    for &album in &c.track_album {
        let value = if album == NONE_U32 {
            0
        } else {
            album.saturating_add(1)
        };
        if value as usize > c.albums.len() {
            return Err(unwritable(format!("album {album} out of range")));
        }
        w.delta(previous, value);
        previous = value;
    }
    Ok(w.0)
}

/// Per album, the first track (lowest index) on it.
fn first_tracks(n_albums: usize, track_album: &[u32]) -> Vec<Option<usize>> {
    let mut first_track = vec![None; n_albums];
    for (t, &album) in track_album.iter().enumerate() {
        if let Some(slot) = first_track.get_mut(album as usize) {
            slot.get_or_insert(t);
        }
    }
    first_track
}
