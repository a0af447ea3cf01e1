//! The per-track columns that are not names: ids (`tids`), artists (`tart`), years (`year`),
//! popularity (`popu`) and Billboard flags (`chrt`).

use super::super::cursor::Contents;
#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::decoder::Decoded;
#[cfg(feature = "write")]
use super::super::unwritable;
use super::super::{CatalogError, invalid};
#[cfg(feature = "write")]
use super::Plan;
use crate::TrackId;
use crate::catalog::Lists;

/// A year the file can hold: 1900..=2154, else 0 (unknown).
pub fn storable_year(year: Option<u16>) -> u16 {
    year.filter(|y| (1900..=2154).contains(y)).unwrap_or(0)
}

pub(super) fn read_tids(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let id_bytes = r.take(d.n.saturating_mul(16), "track ids")?;
    d.catalog.ids = id_bytes
        .as_chunks::<16>()
        .0
        .iter()
        .map(|&b| TrackId(u128::from_le_bytes(b)))
        .collect();
    r.finish()
}

pub(super) fn read_tart(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let n = d.n;
    r.ensure(n, 1, "track artists")?;
    let limit = u32::try_from(d.n_artists).map_err(|_| invalid("meta", "too many artists"))?;
    // Each track takes at least a byte (its count) and each artist index another: an upper
    // bound on the values, so they are never grown (copied) while read.
    let mut track_artists = Lists {
        offsets: Vec::with_capacity(n + 1),
        values: Vec::with_capacity(r.remaining() - n),
    };
    track_artists.offsets.push(0);
    let mut primary = 0u32;
    for _ in 0..n {
        let m = r.varint("artist count")?;
        if m > 0 {
            primary = r.delta(primary, limit, "primary artist")?;
            track_artists.values.push(primary);
        }
        r.ensure((m as usize).saturating_sub(1), 1, "artist indices")?;
        for _ in 1..m {
            let a = r.varint("artist index")?;
            if a >= limit {
                return Err(invalid(
                    "tart",
                    format!("artist index {a} out of range ({limit} artists)"),
                ));
            }
            track_artists.values.push(a);
        }
        track_artists
            .offsets
            .push(track_artists.values.len() as u32);
    }
    track_artists.values.shrink_to_fit();
    d.catalog.track_artists = track_artists;
    r.finish()
}

pub(super) fn read_year(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    d.catalog.years = r
        .take(d.n, "years")?
        .iter()
        .map(|&b| if b == 0 { 0 } else { 1899 + u16::from(b) })
        .collect();
    r.finish()
}

pub(super) fn read_popu(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let stored = r.take(d.n, "popularity")?;
    // Checked first, so the column is collected at its exact size rather than grown.
    if let Some(b) = stored.iter().find(|&&b| b > 100 && b != 255) {
        return Err(invalid("popu", format!("popularity {b} is above 100")));
    }
    d.catalog.popularity = stored.iter().map(|&b| (b != 255).then_some(b)).collect();
    r.finish()
}

pub(super) fn read_chrt(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let n = d.n;
    let packed = r.take(n.div_ceil(4), "hit flags")?;
    let mut charted = Vec::with_capacity(n);
    for i in 0..n {
        charted.push(match packed[i / 4] >> (2 * (i % 4)) & 3 {
            0 => None,
            1 => Some(false),
            2 => Some(true),
            _ => return Err(invalid("chrt", format!("track {i} has hit flag 3"))),
        });
    }
    if !n.is_multiple_of(4) && packed.last().is_some_and(|&b| b >> (2 * (n % 4)) != 0) {
        return Err(invalid("chrt", "unused bits are set"));
    }
    d.catalog.charted = charted;
    r.finish()
}

#[cfg(feature = "write")]
pub(super) fn write_tids(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let ids = &plan.catalog.ids;
    Ok(ids.iter().flat_map(|id| id.0.to_le_bytes()).collect())
}

#[cfg(feature = "write")]
pub(super) fn write_tart(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let c = plan.catalog;
    let n_artists = c.artists.names.len();
    let mut w = Writer::default();
    let mut primary = 0u32;
    for i in 0..c.n_tracks() {
        let row = c.track_artists.row(i);
        if row.iter().any(|&a| a as usize >= n_artists) {
            return Err(unwritable(format!(
                "track {i} names an artist out of range"
            )));
        }
        w.varint(row.len() as u32);
        if let Some((&first, rest)) = row.split_first() {
            w.delta(primary, first);
            primary = first;
            for &a in rest {
                w.varint(a);
            }
        }
    }
    Ok(w.0)
}

#[cfg(feature = "write")]
pub(super) fn write_year(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let years = &plan.catalog.years;
    Ok(years
        .iter()
        .map(|&y| storable_year(Some(y)).saturating_sub(1899) as u8)
        .collect())
}

#[cfg(feature = "write")]
pub(super) fn write_popu(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let popularity = &plan.catalog.popularity;
    Ok(popularity
        .iter()
        .map(|p| p.map_or(255, |p| p.min(100)))
        .collect())
}

#[cfg(feature = "write")]
pub(super) fn write_chrt(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let charted = &plan.catalog.charted;
    let mut packed = vec![0u8; charted.len().div_ceil(4)];
    for (i, flag) in charted.iter().enumerate() {
        let code = match flag {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        packed[i / 4] |= code << (2 * (i % 4));
    }
    Ok(packed)
}
