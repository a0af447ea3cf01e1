//! The genres: the vocabulary with its IDF (`gnrs`) and each track's genres as one of the
//! distinct genre sets (`gset`), each set its trusted genres then the others.

#[cfg(feature = "write")]
use super::super::cursor::Writer;
use super::super::cursor::{Contents, Reader};
use super::super::decoder::Decoded;
use super::super::limits::cost;
#[cfg(feature = "write")]
use super::super::unwritable;
use super::super::{CatalogError, invalid};
#[cfg(feature = "write")]
use super::Plan;
use crate::catalog::{Flags, GenreVocab, Lists};

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
    r.ensure(n_sets, 2, "genre sets")?;
    let genre_limit = u32::try_from(n_genres)
        .map_err(|_| invalid("meta", "too many genres"))?
        .min(u32::from(u16::MAX) + 1);
    // At most one genre id per byte: sized once, never grown.
    d.budget.charge(
        "gset",
        "bytes of genre sets",
        r.remaining(),
        cost::SET_GENRE_ID,
    )?;
    let mut sets = Lists::<u16> {
        offsets: Vec::with_capacity(n_sets + 1),
        values: Vec::with_capacity(r.remaining()),
    };
    let mut set_trust: Vec<bool> = Vec::with_capacity(r.remaining());
    sets.offsets.push(0);
    let (mut trusted, mut other) = (Vec::new(), Vec::new());
    for _ in 0..n_sets {
        let len = r.varint("genre set length")? as usize;
        r.ensure(len, 1, "genre set")?;
        let n_trusted = r.varint("trusted genre count")? as usize;
        if n_trusted > len {
            return Err(invalid(
                "gset",
                format!("{n_trusted} trusted genres in a set of {len}"),
            ));
        }
        read_ascending(&mut r, n_trusted, genre_limit, &mut trusted)?;
        read_ascending(&mut r, len - n_trusted, genre_limit, &mut other)?;
        merge_by_id(&trusted, &other, &mut sets.values, &mut set_trust)?;
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
    let mut trusted_genres = Flags::with_capacity(n_values);
    for offset in &mut offsets[1..] {
        let set = *offset as usize;
        values.extend_from_slice(sets.row(set));
        let flags = sets.offsets[set] as usize..sets.offsets[set + 1] as usize;
        set_trust[flags]
            .iter()
            .for_each(|&t| trusted_genres.push(t));
        *offset = values.len() as u32;
    }
    d.catalog.track_genres = Lists { offsets, values };
    d.catalog.trusted_genres = trusted_genres;
    r.finish()
}

/// Reads `len` strictly ascending genre ids below `genre_limit` (the first id, then varint gaps)
/// into `run`, replacing what it held.
fn read_ascending(
    r: &mut Reader<'_>,
    len: usize,
    genre_limit: u32,
    run: &mut Vec<u16>,
) -> Result<(), CatalogError> {
    run.clear();
    // Exact, so the two runs' buffers never hold more than the set bytes they were charged for.
    run.reserve_exact(len);
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
                format!("genre id {id} out of range ({genre_limit} genres)"),
            ));
        }
        run.push(id as u16);
    }
    Ok(())
}

/// Appends the ascending runs `trusted` and `other` to `values` as one ascending row, with each
/// id's trust flag to `flags`; an id in both runs is an error.
fn merge_by_id(
    trusted: &[u16],
    other: &[u16],
    values: &mut Vec<u16>,
    flags: &mut Vec<bool>,
) -> Result<(), CatalogError> {
    let (mut a, mut b) = (trusted.iter().peekable(), other.iter().peekable());
    loop {
        let take_trusted = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x == y => {
                return Err(invalid("gset", format!("genre {x} is trusted and not")));
            }
            (Some(x), Some(y)) => x < y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return Ok(()),
        };
        let next = if take_trusted { a.next() } else { b.next() };
        values.extend(next.copied());
        flags.push(take_trusted);
    }
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
        w.varint(set.trusted.len() as u32 + set.other.len() as u32);
        w.varint(set.trusted.len() as u32);
        for run in [&set.trusted, &set.other] {
            let mut previous = 0u16;
            for (j, &g) in run.iter().enumerate() {
                if usize::from(g) >= n_genres {
                    return Err(unwritable(format!("genre id {g} out of range")));
                }
                w.varint(u32::from(if j == 0 { g } else { g - previous }));
                previous = g;
            }
        }
    }
    let mut previous = 0u32;
    for &s in &plan.track_sets {
        w.delta(previous, s);
        previous = s;
    }
    Ok(w.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sets_two_runs_merge_into_one_ascending_row_and_may_not_share_an_id() {
        let (mut values, mut flags) = (Vec::new(), Vec::new());
        merge_by_id(&[1, 5], &[0, 2, 9], &mut values, &mut flags).unwrap();
        assert_eq!(values, [0, 1, 2, 5, 9]);
        assert_eq!(flags, [false, true, false, true, false]);
        let err = merge_by_id(&[3], &[3], &mut values, &mut flags).unwrap_err();
        assert!(
            err.to_string().contains("genre 3 is trusted and not"),
            "{err}"
        );
    }
}
