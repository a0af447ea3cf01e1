//! The writer: [`Catalog::to_bytes`] checks the catalog, has each section write itself and lays
//! out the file (native only, behind the engine's `write` feature).

use std::borrow::Cow;

use super::compression::zstd_compress;
use super::header::{FORMAT_VERSION, HEADER_LEN, MAGIC, TABLE_ENTRY_LEN};
use super::sections::{Codec, Plan, SECTIONS, section_index};
use super::{CatalogError, unwritable};
use crate::catalog::Catalog;

/// Encodes `c`: every column must have a row per track, and the sections say what else must hold.
pub(super) fn encode(c: &Catalog) -> Result<Vec<u8>, CatalogError> {
    let n = c.n_tracks();
    let columns = [
        ("titles", c.titles.len()),
        ("track_artists", c.track_artists.n_rows()),
        ("track_album", c.track_album.len()),
        ("years", c.years.len()),
        ("popularity", c.popularity.len()),
        ("charted", c.charted.len()),
        ("codes", c.codes.len()),
        ("track_genres", c.track_genres.n_rows()),
    ];
    if let Some((name, len)) = columns.iter().find(|(_, len)| *len != n) {
        return Err(unwritable(format!(
            "column `{name}` has {len} rows for {n} tracks"
        )));
    }
    if c.artists.ids.len() != c.artists.names.len() || c.genres.idf.len() != c.genres.names.len() {
        return Err(unwritable(
            "artist ids or genre weights do not match their names",
        ));
    }
    let n_tracks = u32::try_from(n).map_err(|_| unwritable("too many tracks"))?;
    let plan = Plan::new(c)?;
    let sections = SECTIONS
        .iter()
        .map(|section| Ok((section.tag, (section.write)(&plan)?)))
        .collect::<Result<Vec<_>, CatalogError>>()?;
    write_sections(n_tracks, &sections)
}

/// Lays out a file from its sections' contents (in the order given), storing each with its codec
/// from [`SECTIONS`] (raw for unknown tags) and writing the checksum. [`Catalog::to_bytes`] ends
/// here; tools and tests call it to craft files that are well-formed but hostile.
pub fn write_sections(
    n_tracks: u32,
    sections: &[(&str, Vec<u8>)],
) -> Result<Vec<u8>, CatalogError> {
    // (tag, stored bytes, decoded length), in the order of `sections`.
    let mut stored: Vec<(&str, Cow<'_, [u8]>, u32)> = Vec::with_capacity(sections.len());
    for (tag, contents) in sections {
        let decoded_len = u32::try_from(contents.len())
            .map_err(|_| unwritable(format!("section `{tag}` would exceed 4 GiB")))?;
        let codec = section_index(tag.as_bytes()).map_or(Codec::Raw, |i| SECTIONS[i].codec);
        let body = match codec {
            Codec::Raw => Cow::Borrowed(contents.as_slice()),
            Codec::Zstd => Cow::Owned(zstd_compress(tag, contents)?),
        };
        stored.push((tag, body, decoded_len));
    }
    let table_len = stored.len() * TABLE_ENTRY_LEN;
    let total: usize =
        HEADER_LEN + table_len + stored.iter().map(|(_, b, _)| b.len()).sum::<usize>();
    u32::try_from(total).map_err(|_| unwritable("file would exceed 4 GiB"))?;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&n_tracks.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let mut offset = HEADER_LEN + table_len;
    for (tag, body, decoded_len) in &stored {
        out.extend_from_slice(tag.as_bytes());
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&decoded_len.to_le_bytes());
        offset += body.len();
    }
    for (_, body, _) in &stored {
        out.extend_from_slice(body);
    }
    let checksum = twox_hash::XxHash32::oneshot(0, &out[HEADER_LEN..]);
    out[20..24].copy_from_slice(&checksum.to_le_bytes());
    Ok(out)
}
