//! The genres: the vocabulary with its IDF (`gnrs`) and each track's genres as one of the
//! distinct genre sets (`gset`).

use super::super::cursor::Contents;
#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::decoder::Decoded;
use super::super::limits::cost;
#[cfg(feature = "write")]
use super::super::unwritable;
use super::super::{CatalogError, invalid};
#[cfg(feature = "write")]
use super::Plan;
use crate::catalog::{GenreVocab, Lists};

pub(super) fn read_gnrs(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let n_genres = d.n_genres;
    let names = r.strings(n_genres)?;
    r.ensure(n_genres, 4, "idf weights")?;
    let idf = (0..n_genres)
        .map(|_| r.f32("idf"))
        .collect::<Result<Vec<_>, _>>()?;
    d.catalog.genres = GenreVocab { names, idf };
    r.finish()
}

pub(super) fn read_gset(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let (n, n_genres, n_sets) = (d.n, d.n_genres, d.n_sets);
    r.ensure(n_sets, 1, "genre sets")?;
    let genre_limit = u32::try_from(n_genres)
        .map_err(|_| invalid("meta", "too many genres"))?
        .min(u32::from(u16::MAX) + 1);
    // At most one genre id per byte: sized once, never grown.
    d.budget
        .charge("gset", "bytes of genre sets", r.remaining(), cost::GENRE_ID)?;
    let mut sets = Lists::<u16> {
        offsets: Vec::with_capacity(n_sets + 1),
        values: Vec::with_capacity(r.remaining()),
    };
    sets.offsets.push(0);
    for _ in 0..n_sets {
        let len = r.varint("genre set length")? as usize;
        r.ensure(len, 1, "genre set")?;
        let mut id = 0u32;
        for j in 0..len {
            let gap = r.varint("genre id")?;
            id = if j == 0 {
                gap
            } else {
                id.checked_add(gap)
                    .filter(|_| gap > 0)
                    .ok_or_else(|| invalid("gset", "genre ids not ascending"))?
            };
            if id >= genre_limit {
                return Err(invalid(
                    "gset",
                    format!("genre id {id} out of range ({n_genres} genres)"),
                ));
            }
            sets.values.push(id as u16);
        }
        sets.offsets.push(sets.values.len() as u32);
    }
    r.ensure(n, 1, "track genre sets")?;
    let set_limit = u32::try_from(n_sets).map_err(|_| invalid("meta", "too many genre sets"))?;
    // The tracks' set indices are parked in the offsets column first, to size the values
    // exactly: grown, they would leave their smaller copies behind as gaps in WebAssembly
    // memory (which never shrinks), and this is the last column read before the scaled matrix.
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u32);
    let (mut set, mut n_values) = (0u32, 0usize);
    for _ in 0..n {
        set = r.delta(set, set_limit, "genre set")?;
        n_values = n_values.saturating_add(sets.row(set as usize).len());
        offsets.push(set);
    }
    if u32::try_from(n_values).is_err() {
        return Err(invalid("gset", "too many genre ids"));
    }
    // The expansion of shared sets into per-track lists is where a small file could ask for
    // gigabytes: charged before it is allocated.
    d.budget
        .charge("gset", "genre ids of tracks", n_values, cost::GENRE_ID)?;
    let mut values = Vec::with_capacity(n_values);
    for offset in &mut offsets[1..] {
        values.extend_from_slice(sets.row(*offset as usize));
        *offset = values.len() as u32;
    }
    d.catalog.track_genres = Lists { offsets, values };
    r.finish()
}

#[cfg(feature = "write")]
pub(super) fn write_gnrs(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let genres = &plan.catalog.genres;
    let mut w = Writer::default();
    w.strings(genres.names.iter())?;
    w.f32s(&genres.idf);
    Ok(w.0)
}

#[cfg(feature = "write")]
pub(super) fn write_gset(plan: &Plan<'_>) -> Result<Vec<u8>, CatalogError> {
    let mut w = Writer::default();
    let n_genres = plan.catalog.genres.names.len();
    for set in &plan.genre_sets {
        w.varint(set.len() as u32);
        let mut previous = 0u16;
        for (j, &g) in set.iter().enumerate() {
            if usize::from(g) >= n_genres {
                return Err(unwritable(format!("genre id {g} out of range")));
            }
            w.varint(u32::from(if j == 0 { g } else { g - previous }));
            previous = g;
        }
    }
    let mut previous = 0u32;
    for &s in &plan.track_sets {
        w.delta(previous, s);
        previous = s;
    }
    Ok(w.0)
}
