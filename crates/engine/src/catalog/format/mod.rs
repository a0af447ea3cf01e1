//! The catalog file: byte-level specification, writer (`Catalog::to_bytes`, behind the engine's
//! `write` feature so the browser carries no zstd encoder) and validating reader
//! ([`Catalog::from_bytes`], or [`CatalogDecoder`] for the same work in bounded steps).
//!
//! Everything is little-endian. `varint` is unsigned LEB128 of a `u32` (at most 5 bytes);
//! `zigzag` maps a signed delta to unsigned (`0, -1, 1, -2, ..` -> `0, 1, 2, 3, ..`) before the
//! varint. `n` is the number of tracks.
//!
//! ## Header (24 bytes) and section table
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `ENCORCAT` |
//! | 8 | 4 | format version, `u32`, exactly [`FORMAT_VERSION`] |
//! | 12 | 4 | `n`, `u32` |
//! | 16 | 4 | number of sections `s`, `u32` |
//! | 20 | 4 | XXH32 (seed 0) of every byte from offset 24 to the end of the file |
//! | 24 | 16 `s` | section table: per section a 4-byte ASCII tag, `u32` offset, `u32` stored length, `u32` decoded length |
//!
//! Sections may come in any order, must lie inside the file after the section table, and each tag
//! may appear once. Every section below is required; unknown tags are ignored. A section must be
//! consumed exactly. `tids` must hold exactly 16 `n` bytes, so the file's length bounds `n`.
//!
//! **Codecs.** Each tag has one fixed codec, given in the table below (the file does not choose
//! it). `raw`: the stored bytes are the contents, and the decoded length equals the stored
//! length. `zstd`: the stored bytes are one Zstandard frame (RFC 8878, no dictionary) whose
//! output is the contents. Its header must declare the content size, equal to the decoded
//! length, and a window of at most [`MAX_WINDOW`] (4 MiB) and at most the decoded length rounded
//! up to a power of two (1 KiB is always allowed), which bounds the decoder's memory. It must
//! decode to exactly the decoded length and end exactly at the end of the section, so a lying
//! length or a corrupt frame is an error. The decoded length may be at most
//! [`max_unpacked_len`]`(n)` = 256 `n` + 2^20 bytes, checked before anything is decoded, so a
//! crafted file (a small frame that expands to gigabytes, with a table that says so) cannot make
//! a reader allocate more. The writer uses the reference encoder's densest level (22) with that
//! window, and no frame checksum (the file's covers the stored bytes). Zstd goes where it gains
//! most per decoding time (the strings and the index columns: about 2.9 B per track after gzip);
//! the rest stays raw.
//!
//! **Bounds.** k is at most [`MAX_K`] (256), so assigning clusters stays linear in the file. Every
//! count the file declares (tracks, artists, albums, genres, genre sets, unpacked lengths, and
//! the genre ids the shared sets expand to per track) is charged, at what the decoded catalog
//! holds per item, against [`memory_limit`] = [`MAX_MEMORY_PER_FILE_BYTE`] (64) bytes per byte of
//! the file plus [`MEMORY_SLACK`], before anything is allocated for it: a consistent,
//! checksum-correct file whose counts would need more is refused. A real catalog needs about 5.
//!
//! ## Sections
//!
//! | tag | codec | contents |
//! |---|---|---|
//! | `meta` | raw | `u32` artists, `u32` albums, `u32` genres, `u32` genre sets, `u16` k, `u16` curve length `c`; scaler: 13 `f32` offsets, 13 `f32` scales; k-means: `k` x 16 `f32` centroids; curve: `c` x (`u16` k, `f64` inertia); PCA: 16 `f32` mean, 2 x 16 `f32` axes |
//! | `tids` | raw | `n` x 16 bytes: track ids as `u128` |
//! | `titl` | zstd | strings: `n` UTF-8 titles, each followed by a 0 byte (so no string holds a NUL) |
//! | `arts` | zstd | artist names, same string layout |
//! | `arid` | raw | artist ids: a bitmap of `ceil(artists / 8)` bytes (bit `i % 8` of byte `i / 8` set when artist `i` has an id), then 16 bytes (`u128`) per set bit, in artist order |
//! | `tart` | zstd | per track: varint artist count `m`; when `m >= 1`, the zigzag delta of the primary artist from the previous primary (starting from 0), then `m - 1` varint artist indices |
//! | `albs` | zstd | album names, string layout; an empty name means "the title of the first track (lowest index) on this album" (singles) |
//! | `talb` | zstd | per track: zigzag delta of `album + 1` (0 = no album) from the previous track's value (starting from 0) |
//! | `year` | raw | `n` bytes: 0 = unknown, else `year - 1899` (1900..=2154) |
//! | `popu` | raw | `n` bytes: 0..=100, or 255 = unknown |
//! | `chrt` | zstd | Billboard Hot 100 flag, 2 bits per track, 4 tracks per byte (track `i` in bits `2 (i % 4)..2 (i % 4) + 2` of byte `i / 4`): 0 = unknown, 1 = not a hit, 2 = hit (3 is invalid); `ceil(n / 4)` bytes, unused high bits zero |
//! | `feat` | raw | one plane per feature in [`Feature::ALL`] order: `n` bytes, or for 16-bit features `n` high bytes then `n` low bytes; value = `min + q * step` with the constants of [`FEATURE_CODECS`] |
//! | `gnrs` | raw | genre names (string layout), then one `f32` IDF per genre |
//! | `gset` | zstd | distinct genre sets: per set a varint length `m`, a varint count `t <= m` of its artist genres (Spotify's own genres for the track's artists; the others are labels of the genre searches that found it), a varint count `o <= t` of those among them that only one of two Spotify snapshots knowing the artists gives, then three runs of ascending genre ids: the `t - o` agreed (given by both snapshots, or by the only one knowing the artists), the `o` given by one snapshot only, the `m - t` search labels ([`Trust`](crate::catalog::Trust) order), each run as its first id then varint gaps; no id in two runs; then per track the zigzag delta of its set index from the previous track's (starting from 0) |
//!
//! Columns are stored plane by plane and as deltas because tracks are sorted by artist and album
//! (see `build`): runs of equal values become runs of zero bytes that gzip squeezes. The planes
//! are laid out on load as one 16-byte code row per track ([`Catalog::codes`]: neither raw nor
//! scaled values are kept, [`Catalog::raw_features`] and [`Catalog::scaled_row`] decode them),
//! and the map projection is computed from the scaled rows with the stored PCA axes, by the same
//! code the builder ran, so a decoded catalog equals the built one.
//! The PCA axes are the builder's own ([`Catalog::map`]), stored as fitted: writing refits
//! nothing.
//! Likewise each track's cluster is not stored: it is the nearest stored centroid
//! ([`kmeans::assign`](crate::kmeans::assign)), which is what the builder's final k-means pass computed.
//!
//! ## Code
//!
//! `header` parses the header and the section table (one parser for every reader of them),
//! `sections` holds each section's reader and writer side by side, `compression` the zstd codec,
//! `cursor` the bounds-checked byte cursors, `limits` the caps and the memory budget, `decoder` the
//! stepwise [`CatalogDecoder`] and `encoder` the writer.
//!
//! Version history: 1 stored every section raw, with 12-byte table entries, and a `clus`
//! section of cluster ids; 2 had no `chrt` section; 3 quantized the 0..1 features in 1/127 steps;
//! 4 stored brotli streams where 5 stores zstd frames, and a CRC-32 where 5 stores an XXH32;
//! 5 stored each genre set as one ascending run, with no trust counts.

mod compression;
mod cursor;
mod decoder;
#[cfg(feature = "write")]
mod encoder;
mod header;
mod limits;
mod sections;

use thiserror::Error;

pub use decoder::CatalogDecoder;
#[cfg(feature = "write")]
pub use encoder::write_sections;
pub use header::{
    FORMAT_VERSION, HEADER_LEN, Header, MAGIC, SectionSize, TableEntry, section_sizes,
};
pub use limits::{MAX_K, MAX_MEMORY_PER_FILE_BYTE, MEMORY_SLACK, max_unpacked_len, memory_limit};
pub use sections::storable_year;
// The quantizers belong to the feature space; the file stores its codes.
pub use crate::space::{FEATURE_CODECS, FeatureCodec, round_features};
pub use compression::MAX_WINDOW;

use super::Catalog;

/// Why bytes are not a valid catalog (or a catalog cannot be written).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CatalogError {
    #[error("file of {len} bytes is too short for a catalog header ({HEADER_LEN} bytes)")]
    TooShort { len: usize },
    #[error("not an encore catalog (the first bytes are {found:?}, expected \"ENCORCAT\")")]
    BadMagic { found: Vec<u8> },
    #[error(
        "catalog format version {found} was made by a newer encore (this one reads version {supported}); update encore"
    )]
    NewerVersion { found: u32, supported: u32 },
    #[error(
        "catalog format version {found} is older than version {supported}; rebuild the catalog"
    )]
    OlderVersion { found: u32, supported: u32 },
    #[error(
        "section table of {n_sections} entries ends at byte {end}, past the end of the file ({len} bytes)"
    )]
    TableOutOfBounds {
        n_sections: u32,
        end: u64,
        len: usize,
    },
    #[error("section `{tag}` ends at byte {end} past the end of the file ({len} bytes)")]
    SectionOutOfBounds { tag: String, end: u64, len: usize },
    #[error(
        "section `{tag}` starts at byte {offset}, inside the header and section table (bytes 0..{table_end})"
    )]
    SectionOverlapsTable {
        tag: String,
        offset: u64,
        table_end: u64,
    },
    #[error("section `{0}` appears twice")]
    DuplicateSection(String),
    #[error("section `{0}` is missing")]
    MissingSection(&'static str),
    #[error(
        "checksum mismatch: the header says {stored:08x} but the contents hash to {computed:08x} (the file is corrupted)"
    )]
    Checksum { stored: u32, computed: u32 },
    #[error("section `{section}` ends before its {what}")]
    Truncated {
        section: &'static str,
        what: &'static str,
    },
    #[error("section `{section}` has {extra} unexpected bytes after its contents")]
    TrailingBytes { section: &'static str, extra: usize },
    #[error("section `{section}`: {what}")]
    Invalid { section: &'static str, what: String },
    #[error("catalog cannot be written: {0}")]
    Unwritable(String),
}

fn invalid(section: &'static str, what: impl Into<String>) -> CatalogError {
    CatalogError::Invalid {
        section,
        what: what.into(),
    }
}

#[cold]
fn out_of_range(section: &'static str, what: &str, value: i64, limit: u32) -> CatalogError {
    invalid(section, format!("{what} {value} out of range (0..{limit})"))
}

fn length_mismatch(section: &'static str, actual: usize, declared: usize) -> CatalogError {
    invalid(
        section,
        format!("contents are {actual} bytes but the section table says {declared}"),
    )
}

#[cfg(feature = "write")]
fn unwritable(what: impl Into<String>) -> CatalogError {
    CatalogError::Unwritable(what.into())
}

impl Catalog {
    /// Validates and decodes a catalog file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Catalog, CatalogError> {
        CatalogDecoder::new(bytes)?.finish()
    }

    /// Encodes the catalog. Features are quantized with [`FEATURE_CODECS`]; `scaled`,
    /// `clusters` and `projection` are not stored (they are recomputed on load).
    #[cfg(feature = "write")]
    pub fn to_bytes(&self) -> Result<Vec<u8>, CatalogError> {
        encoder::encode(self)
    }
}
