//! The genres: the vocabulary with its IDF (`gnrs`) and each track's genres as one of the
//! distinct genre sets (`gset`), each set its genres in three runs by [`Trust`].

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
use crate::catalog::{GenreVocab, Lists, Trust, TrustColumn};

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
    r.ensure(n_sets, 3, "genre sets")?;
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
    let mut set_trust: Vec<Trust> = Vec::with_capacity(r.remaining());
    sets.offsets.push(0);
    // One set's genres with their trust while its runs are merged: no longer than the bytes left.
    let mut row: Vec<(u16, Trust)> = Vec::with_capacity(r.remaining());
    for _ in 0..n_sets {
        let len = r.varint("genre set length")? as usize;
        r.ensure(len, 1, "genre set")?;
        let run_lengths = read_run_lengths(&mut r, len)?;
        row.clear();
        for (level, run_len) in Trust::ALL.into_iter().zip(run_lengths) {
            read_ascending(&mut r, run_len, genre_limit, level, &mut row)?;
        }
        // Back to one ascending row, the order every ranking reads.
        row.sort_unstable();
        if let Some(w) = row.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(invalid("gset", format!("genre {} is in two runs", w[0].0)));
        }
        sets.values.extend(row.iter().map(|&(g, _)| g));
        set_trust.extend(row.iter().map(|&(_, trust)| trust));
        sets.offsets.push(sets.values.len() as u32);
    }
    r.ensure(n, 1, "track genre sets")?;
    let set_limit = u32::try_from(n_sets).map_err(|_| invalid("meta", "too many genre sets"))?;
    // The tracks' set indices are parked in the offsets column first, to size the values
    // exactly: grown, they would leave their smaller copies behind as gaps in WebAssembly
    // memory (which never shrinks), and this is the last column read before the feature codes.
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
    let mut genre_trust = TrustColumn::with_capacity(n_values);
    for offset in &mut offsets[1..] {
        let set = *offset as usize;
        values.extend_from_slice(sets.row(set));
        let levels = sets.offsets[set] as usize..sets.offsets[set + 1] as usize;
        set_trust[levels].iter().for_each(|&t| genre_trust.push(t));
        *offset = values.len() as u32;
    }
    d.catalog.track_genres = Lists { offsets, values };
    d.catalog.genre_trust = genre_trust;
    r.finish()
}

/// Reads a set's two counts, of its artist genres and of those among them only one snapshot gives
/// (mostly none, so mostly a zero byte that compresses away), and returns
/// the lengths of its three runs in [`Trust::ALL`] order; a count larger than what it counts
/// within is an error.
fn read_run_lengths(r: &mut Reader<'_>, len: usize) -> Result<[usize; 3], CatalogError> {
    let artist_genres = r.varint("artist genre count")? as usize;
    if artist_genres > len {
        return Err(invalid(
            "gset",
            format!("{artist_genres} artist genres in a set of {len}"),
        ));
    }
    let one_snapshot = r.varint("one-snapshot genre count")? as usize;
    if one_snapshot > artist_genres {
        return Err(invalid(
            "gset",
            format!("{one_snapshot} one-snapshot genres among {artist_genres} artist genres"),
        ));
    }
    Ok([
        artist_genres - one_snapshot,
        one_snapshot,
        len - artist_genres,
    ])
}

/// Appends `len` strictly ascending genre ids below `genre_limit` (the first id, then varint
/// gaps) to `row`, each with the trust `level`.
fn read_ascending(
    r: &mut Reader<'_>,
    len: usize,
    genre_limit: u32,
    level: Trust,
    row: &mut Vec<(u16, Trust)>,
) -> Result<(), CatalogError> {
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
        row.push((id as u16, level));
    }
    Ok(())
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
        let [agreed, one_snapshot, search_labels] = &set.runs;
        w.varint((agreed.len() + one_snapshot.len() + search_labels.len()) as u32);
        w.varint((agreed.len() + one_snapshot.len()) as u32);
        w.varint(one_snapshot.len() as u32);
        for run in &set.runs {
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
