//! Each section of the file: its reader and its writer side by side, one file per group of
//! sections, and the table of every section with its codec in file order.

mod features;
mod genres;
mod meta;
mod names;
mod tracks;

#[cfg(feature = "write")]
use std::collections::HashMap;

pub use tracks::storable_year;

use super::CatalogError;
use super::cursor::Contents;
use super::decoder::Decoded;
#[cfg(feature = "write")]
use super::unwritable;
#[cfg(feature = "write")]
use crate::catalog::{Catalog, Trust};

/// How a section's contents are stored (see the module doc of `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Codec {
    Raw,
    Zstd,
}

/// Reads one section's contents into the catalog being decoded; runs in [`SECTIONS`] order.
type ReadSection = fn(Contents<'_>, &mut Decoded) -> Result<(), CatalogError>;
/// Writes one section's contents from a catalog.
#[cfg(feature = "write")]
type WriteSection = fn(&Plan<'_>) -> Result<Vec<u8>, CatalogError>;

/// One section: its tag, its codec, and the pair that reads and writes it.
pub(super) struct Section {
    pub(super) tag: &'static str,
    pub(super) codec: Codec,
    pub(super) read: ReadSection,
    #[cfg(feature = "write")]
    pub(super) write: WriteSection,
}

macro_rules! section {
    ($tag:literal, $codec:ident, $module:ident :: $read:ident / $write:ident) => {
        Section {
            tag: $tag,
            codec: Codec::$codec,
            read: $module::$read,
            #[cfg(feature = "write")]
            write: $module::$write,
        }
    };
}

/// Every section in file order, with its codec: the one place that decides it, for the reader
/// and the writer alike. Zstd is chosen by gain per decoding time, measured on the 182k-track
/// catalog (B per track saved after gzip; ms to decode natively): titles 1.9 B for 22 ms, albums
/// 0.6 for 7, artist names 0.18 for 4, genre sets 0.07 for 5, the artist and album columns 0.05
/// and 0.01 for 2 each, the hit flags 0.01 for 0.2. The feature planes would gain 0.25 B for 16 ms
/// (a fifth of the whole decode), ids (random), year and popularity 0.02 B or less: they stay raw.
pub(super) const SECTIONS: [Section; 14] = [
    section!("meta", Raw, meta::read_meta / write_meta),
    section!("tids", Raw, tracks::read_tids / write_tids),
    section!("titl", Zstd, names::read_titl / write_titl),
    section!("arts", Zstd, names::read_arts / write_arts),
    section!("arid", Raw, names::read_arid / write_arid),
    section!("tart", Zstd, tracks::read_tart / write_tart),
    section!("albs", Zstd, names::read_albs / write_albs),
    section!("talb", Zstd, names::read_talb / write_talb),
    section!("year", Raw, tracks::read_year / write_year),
    section!("popu", Raw, tracks::read_popu / write_popu),
    section!("chrt", Zstd, tracks::read_chrt / write_chrt),
    section!("feat", Raw, features::read_feat / write_feat),
    section!("gnrs", Raw, genres::read_gnrs / write_gnrs),
    section!("gset", Zstd, genres::read_gset / write_gset),
];

/// Where section `tag` is in [`SECTIONS`] (at compile time: a wrong tag fails the build).
const fn position(tag: &[u8; 4]) -> usize {
    let mut i = 0;
    while i < SECTIONS.len() {
        let s = SECTIONS[i].tag.as_bytes();
        if s[0] == tag[0] && s[1] == tag[1] && s[2] == tag[2] && s[3] == tag[3] {
            return i;
        }
        i += 1;
    }
    panic!("no such section")
}

pub(super) const TIDS: usize = position(b"tids");
/// The derived columns are computed from this section's planes.
pub(super) const FEAT: usize = position(b"feat");

pub(super) fn section_index(tag: &[u8]) -> Option<usize> {
    SECTIONS.iter().position(|s| s.tag.as_bytes() == tag)
}

/// One distinct genre set as the file stores it: its genres of each [`Trust`] level in
/// [`Trust::ALL`] order, each run ascending.
#[cfg(feature = "write")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct GenreSet {
    pub(super) runs: [Vec<u16>; 3],
}

/// A catalog checked for writing, with what several sections share: its distinct genre sets.
#[cfg(feature = "write")]
pub(super) struct Plan<'c> {
    pub(super) catalog: &'c Catalog,
    /// Distinct genre sets, numbered by first appearance.
    pub(super) genre_sets: Vec<GenreSet>,
    /// Per track, its set's number.
    pub(super) track_sets: Vec<u32>,
}

#[cfg(feature = "write")]
impl<'c> Plan<'c> {
    pub(super) fn new(catalog: &'c Catalog) -> Result<Self, CatalogError> {
        let n = catalog.n_tracks();
        if catalog.genre_trust.len() != catalog.track_genres.values.len() {
            return Err(unwritable(format!(
                "{} genre trust levels for {} genre ids",
                catalog.genre_trust.len(),
                catalog.track_genres.values.len()
            )));
        }
        let mut numbers: HashMap<GenreSet, u32> = HashMap::new();
        let mut genre_sets: Vec<GenreSet> = Vec::new();
        let mut track_sets = Vec::with_capacity(n);
        for i in 0..n {
            if catalog.track_genres.row(i).windows(2).any(|w| w[0] >= w[1]) {
                return Err(unwritable(format!(
                    "track {i}'s genre ids are not strictly ascending"
                )));
            }
            let genres = catalog.genres_with_trust(crate::TrackIdx(i as u32));
            let set = GenreSet {
                runs: Trust::ALL.map(|level| {
                    genres
                        .clone()
                        .filter(|&(_, trust)| trust == level)
                        .map(|(g, _)| g)
                        .collect()
                }),
            };
            let next = genre_sets.len() as u32;
            let number = *numbers.entry(set).or_insert_with_key(|set| {
                genre_sets.push(set.clone());
                next
            });
            track_sets.push(number);
        }
        Ok(Self {
            catalog,
            genre_sets,
            track_sets,
        })
    }
}

/// `v` as a `u32` count of `what`, or why it cannot be written.
#[cfg(feature = "write")]
fn count(v: usize, what: &str) -> Result<u32, CatalogError> {
    u32::try_from(v).map_err(|_| unwritable(format!("too many {what}")))
}
