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
//! | `gset` | zstd | distinct genre sets: per set a varint length, then its ascending genre ids as the first id then varint gaps; then per track the zigzag delta of its set index from the previous track's (starting from 0) |
//!
//! Columns are stored plane by plane and as deltas because tracks are sorted by artist and album
//! (see `build`): runs of equal values become runs of zero bytes that gzip squeezes. The scaled
//! matrix is computed from the quantized planes on load with the stored scaler (raw values are
//! not kept: [`Catalog::raw_features`] maps a scaled row back), and the map projection with the
//! stored PCA axes, by the same code the builder ran, so a decoded catalog equals the built one.
//! The writer fits the PCA axes on `scaled` itself ([`pca::fit_2d`](crate::pca::fit_2d)):
//! [`Catalog::projection`] is by definition that map.
//! Likewise each track's cluster is not stored: it is the nearest stored centroid
//! ([`kmeans::assign`]), which is what the builder's final k-means pass computed.
//!
//! Version history: 1 stored every section raw, with 12-byte table entries, and a `clus`
//! section of cluster ids; 2 had no `chrt` section; 3 quantized the 0..1 features in 1/127 steps;
//! 4 stored brotli streams where 5 stores zstd frames, and a CRC-32 where 5 stores an XXH32.

use std::borrow::Cow;

use thiserror::Error;

use super::{
    ArtistTable, Catalog, GenreVocab, KMeansModel, Lists, NONE_U32, SCALED_STRIDE, Scaler,
    StringTable,
};
use crate::kmeans;
use crate::pca::Projection2d;
use crate::{ArtistId, Feature, TrackId};

/// The file's first eight bytes.
pub const MAGIC: [u8; 8] = *b"ENCORCAT";
/// The only version this code reads and writes.
pub const FORMAT_VERSION: u32 = 5;
const HEADER_LEN: usize = 24;
const TABLE_ENTRY_LEN: usize = 16;

/// How one feature is quantized: `value = min + q * step`, `q` in `0..2^bits`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureCodec {
    pub min: f32,
    pub step: f32,
    /// 8 or 16.
    pub bits: u8,
}

const fn codec(min: f32, step: f32, bits: u8) -> FeatureCodec {
    FeatureCodec { min, step, bits }
}

/// Fixed quantizers, in [`Feature::ALL`] order. Fixed (not fitted) so that quantizing a decoded
/// value gives back the same code. Spotify's 0..1 features keep 1/63 steps (rounding noise of
/// 0.004, about 2% of their spread of about 0.2). Measured on the 182k catalog and the 1,500 dev
/// playlists against 1/127 steps: 0.7 B per track less after gzip, and every method's NDCG@50
/// within 0.0003 of before (blend 0.1097 against 0.1099); 1/255 cost a byte per track more than
/// 1/127 for no measurable gain. Loudness 0.5 dB, tempo 1 BPM, duration 2 s; key (-1 = none), mode
/// and time signature are exact.
pub const FEATURE_CODECS: [FeatureCodec; Feature::COUNT] = [
    codec(0.0, 1.0 / 63.0, 8), // danceability
    codec(0.0, 1.0 / 63.0, 8), // energy
    codec(-1.0, 1.0, 8),       // key
    codec(-60.0, 0.5, 8),      // loudness (dB), -60 ..= +67.5
    codec(0.0, 1.0, 8),        // mode
    codec(0.0, 1.0 / 63.0, 8), // speechiness
    codec(0.0, 1.0 / 63.0, 8), // acousticness
    codec(0.0, 1.0 / 63.0, 8), // instrumentalness
    codec(0.0, 1.0 / 63.0, 8), // liveness
    codec(0.0, 1.0 / 63.0, 8), // valence
    codec(0.0, 1.0, 8),        // tempo (BPM), 0 ..= 255
    codec(0.0, 2000.0, 16),    // duration (ms), 2 s steps up to 36 h
    codec(0.0, 1.0, 8),        // time signature
];

impl FeatureCodec {
    fn max_code(self) -> u32 {
        (1u32 << self.bits) - 1
    }

    /// The code of `value`, rounded to the nearest step and clamped to the range.
    pub fn quantize(self, value: f32) -> u16 {
        let q = ((value - self.min) / self.step).round();
        if q.is_nan() {
            0
        } else {
            q.clamp(0.0, self.max_code() as f32) as u16
        }
    }

    pub fn dequantize(self, code: u16) -> f32 {
        self.min + f32::from(code) * self.step
    }
}

/// Rounds raw features (row-major, [`Feature::COUNT`] per row) to the values the file can hold.
pub fn round_features(features: &mut [f32]) {
    for row in features.chunks_exact_mut(Feature::COUNT) {
        for (x, codec) in row.iter_mut().zip(FEATURE_CODECS) {
            *x = codec.dequantize(codec.quantize(*x));
        }
    }
}

/// A year the file can hold: 1900..=2154, else 0 (unknown).
pub fn storable_year(year: Option<u16>) -> u16 {
    year.filter(|y| (1900..=2154).contains(y)).unwrap_or(0)
}

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

/// How a section's contents are stored (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Raw,
    Zstd,
}

/// Every section in file order, with its codec: the one place that decides it, for the reader
/// and the writer alike. Zstd is chosen by gain per decoding time, measured on the 182k-track
/// catalog (B per track saved after gzip; ms to decode natively): titles 1.9 B for 22 ms, albums
/// 0.6 for 7, artist names 0.18 for 4, genre sets 0.07 for 5, the artist and album columns 0.05
/// and 0.01 for 2 each, the hit flags 0.01 for 0.2. The feature planes would gain 0.25 B for 16 ms
/// (a fifth of the whole decode), ids (random), year and popularity 0.02 B or less: they stay raw.
const SECTIONS: [(&str, Codec, ReadSection); 14] = [
    ("meta", Codec::Raw, read_meta),
    ("tids", Codec::Raw, read_tids),
    ("titl", Codec::Zstd, read_titl),
    ("arts", Codec::Zstd, read_arts),
    ("arid", Codec::Raw, read_arid),
    ("tart", Codec::Zstd, read_tart),
    ("albs", Codec::Zstd, read_albs),
    ("talb", Codec::Zstd, read_talb),
    ("year", Codec::Raw, read_year),
    ("popu", Codec::Raw, read_popu),
    ("chrt", Codec::Zstd, read_chrt),
    ("feat", Codec::Raw, read_feat),
    ("gnrs", Codec::Raw, read_gnrs),
    ("gset", Codec::Zstd, read_gset),
];

/// Reads one section's contents into the catalog being decoded; runs in [`SECTIONS`] order.
type ReadSection = fn(Contents<'_>, &mut Decoded) -> Result<(), CatalogError>;

/// Where section `tag` is in [`SECTIONS`] (at compile time: a wrong tag fails the build).
const fn position(tag: &[u8; 4]) -> usize {
    let mut i = 0;
    while i < SECTIONS.len() {
        let s = SECTIONS[i].0.as_bytes();
        if s[0] == tag[0] && s[1] == tag[1] && s[2] == tag[2] && s[3] == tag[3] {
            return i;
        }
        i += 1;
    }
    panic!("no such section")
}

const TIDS: usize = position(b"tids");
/// The derived columns are computed from this section's planes.
const FEAT: usize = position(b"feat");

/// Bytes per track in `feat`: one per 8-bit feature, two per 16-bit one.
const FEATURE_BYTES: usize = {
    let mut total = 0;
    let mut f = 0;
    while f < Feature::COUNT {
        total += FEATURE_CODECS[f].bits as usize / 8;
        f += 1;
    }
    total
};

/// The most a zstd section may declare as its decoded length, per track, on top of
/// [`UNPACKED_SLACK`]: the real catalog needs at most about 20 (titles). Capping the declared
/// length before decoding is what keeps a crafted file (a small frame that expands to gigabytes,
/// with a table that says so) from making the reader allocate more than this.
const MAX_UNPACKED_PER_TRACK: usize = 256;
/// Room for the vocabularies (artist, album and genre names) of catalogs with few tracks.
const UNPACKED_SLACK: usize = 1 << 20;

/// The largest decoded length a zstd section of a catalog of `n_tracks` may declare.
pub fn max_unpacked_len(n_tracks: usize) -> usize {
    n_tracks
        .saturating_mul(MAX_UNPACKED_PER_TRACK)
        .saturating_add(UNPACKED_SLACK)
}

/// The most clusters a catalog may have: assigning every track to its nearest centroid costs
/// tracks x k, so k is what keeps decoding linear in the file's length (the builder picks k in
/// 2..=64).
pub const MAX_K: usize = 256;

/// The most memory a decoded catalog may take per byte of its file, on top of [`MEMORY_SLACK`].
/// A real catalog takes about 5 (182k tracks: 42 MB from 8.6 MB). Every count in a file (tracks,
/// artists, albums, genres, genre sets, the genre ids the sets expand to, unpacked lengths) is
/// charged against this budget before anything is allocated for it, so no crafted file, however
/// consistent and checksum-correct, can make a reader allocate more.
pub const MAX_MEMORY_PER_FILE_BYTE: usize = 64;
/// Room for the zstd decoder's window and tables, and the vocabularies of tiny catalogs.
pub const MEMORY_SLACK: usize = 16 << 20;

/// The most memory decoding a file of `file_len` bytes may allocate.
pub fn memory_limit(file_len: usize) -> usize {
    file_len
        .saturating_mul(MAX_MEMORY_PER_FILE_BYTE)
        .saturating_add(MEMORY_SLACK)
}

/// Bytes of memory each decoded item takes, as charged to the budget (upper bounds of the
/// columns and temporaries that [`CatalogDecoder`] allocates for it).
mod cost {
    /// Id 16, scaled row 64, map position 8, cluster 2, year 2, popularity 2, hit flag 1,
    /// album 4, and the offsets of its title, artists and genres 4 each.
    pub const TRACK: usize = 113;
    /// Name offset 4, optional id 32.
    pub const ARTIST: usize = 36;
    /// Stored and restored name offsets 4 each, first track 16, name reference 16.
    pub const ALBUM: usize = 40;
    /// Name offset 4, IDF 4.
    pub const GENRE: usize = 8;
    /// Offset 4.
    pub const GENRE_SET: usize = 4;
    /// One `u16` genre id of a track or a set.
    pub const GENRE_ID: usize = 2;
    /// A centroid: 16 `f32`.
    pub const CENTROID: usize = 64;
    /// An inertia curve point.
    pub const CURVE_POINT: usize = 16;
    /// Per unpacked byte: the section itself, and the restored album names or the artist
    /// indices (4 bytes each, at most one per byte) it may become.
    pub const UNPACKED_BYTE: usize = 5;
}

/// What decoding has committed to allocate so far, against [`memory_limit`].
#[derive(Debug, Clone, Copy)]
struct MemoryBudget {
    limit: usize,
    committed: usize,
}

impl MemoryBudget {
    /// Charges `count` items of `bytes_each` (what `what` needs), or says why the file is refused.
    fn charge(
        &mut self,
        section: &'static str,
        what: &str,
        count: usize,
        bytes_each: usize,
    ) -> Result<(), CatalogError> {
        let total = count
            .checked_mul(bytes_each)
            .and_then(|bytes| bytes.checked_add(self.committed))
            .filter(|&total| total <= self.limit);
        match total {
            Some(total) => {
                self.committed = total;
                Ok(())
            }
            None => Err(invalid(
                section,
                format!(
                    "{count} {what} would need more memory than the {} bytes a file of this size \
                     may take ({MAX_MEMORY_PER_FILE_BYTE} per byte, plus {MEMORY_SLACK})",
                    self.limit
                ),
            )),
        }
    }
}

fn section_index(tag: &[u8]) -> Option<usize> {
    SECTIONS.iter().position(|(s, _, _)| s.as_bytes() == tag)
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
        encode(self)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Bytes hashed per step of the checksum.
const CHECKSUM_CHUNK: usize = 1 << 20;
/// Rows per step when recomputing the scaled matrix, map positions and clusters.
const DERIVE_ROWS: usize = 32 * 1024;

/// Decodes and validates a catalog in bounded steps, so a browser can yield to its event loop
/// between them: one [`Catalog::from_bytes`] of the 182k-track file blocks a browser for 70 ms or
/// more.
/// A step is one 1 MiB chunk of the checksum, 256 KiB of a zstd section unpacked, one section
/// read, or 32k rows of the scaled matrix, map and clusters. [`Catalog::from_bytes`] is this
/// decoder run to the end, so both give the same catalog and the same errors. After an error,
/// stop: the decoder is not meant to be stepped again.
///
/// ```no_run
/// # fn load(bytes: &[u8]) -> Result<encore_engine::catalog::Catalog, encore_engine::catalog::CatalogError> {
/// let mut decoder = encore_engine::catalog::format::CatalogDecoder::new(bytes)?;
/// while !decoder.step()? {
///     // yield to the event loop
/// }
/// decoder.finish()
/// # }
/// ```
pub struct CatalogDecoder<'a> {
    bytes: &'a [u8],
    stored_checksum: u32,
    checksum: twox_hash::XxHash32,
    /// Each known section's stored bytes and declared decoded length, as the table gives them.
    found: [Option<(&'a [u8], usize)>; SECTIONS.len()],
    /// Each section's contents once unpacked (borrowed when raw).
    parts: [Cow<'a, [u8]>; SECTIONS.len()],
    stage: Stage,
    /// The zstd section being unpacked, across steps.
    unpacking: Option<Unzstd>,
    decoded: Decoded,
    /// Units of work done so far: see [`CatalogDecoder::work`].
    work: u64,
}

impl std::fmt::Debug for CatalogDecoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogDecoder")
            .field("len", &self.bytes.len())
            .field("n_tracks", &self.decoded.n)
            .field("next_step", &self.next_step())
            .finish()
    }
}

/// What the next [`CatalogDecoder::step`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Hash the file from this byte on (one chunk).
    Checksum {
        from: usize,
    },
    /// Unpack (zstd-decode) section `SECTIONS[i]`.
    Unpack(usize),
    /// Read section `SECTIONS[i]` into the catalog.
    Read(usize),
    /// Scaled rows, map positions and clusters of the tracks from this one on (one chunk).
    Derive {
        from: usize,
    },
    Done,
}

/// The catalog as far as it is decoded, with what later sections need from earlier ones.
struct Decoded {
    n: usize,
    n_artists: usize,
    n_albums: usize,
    n_genres: usize,
    n_sets: usize,
    /// What the columns decoded so far, and those the counts promise, may allocate.
    budget: MemoryBudget,
    pca: Projection2d,
    /// Album names as stored (singles empty), until `talb` says which track names them.
    stored_albums: StringTable,
    /// Per feature, the scaled value of each 8-bit code (filled by the first derive step).
    scaled_codes: [[f32; 256]; Feature::COUNT],
    catalog: Catalog,
}

impl<'a> CatalogDecoder<'a> {
    /// Checks the header and the section table (not yet the checksum).
    pub fn new(bytes: &'a [u8]) -> Result<Self, CatalogError> {
        let len = bytes.len();
        if len < HEADER_LEN {
            // A prefix of the magic is still not a catalog we can read; say which problem it is.
            if !MAGIC.starts_with(&bytes[..len.min(8)]) {
                return Err(CatalogError::BadMagic {
                    found: bytes[..len.min(8)].to_vec(),
                });
            }
            return Err(CatalogError::TooShort { len });
        }
        if bytes[..8] != MAGIC {
            return Err(CatalogError::BadMagic {
                found: bytes[..8].to_vec(),
            });
        }
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let version = word(8);
        if version > FORMAT_VERSION {
            return Err(CatalogError::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version < FORMAT_VERSION {
            return Err(CatalogError::OlderVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let n_tracks = word(12) as usize;
        let n_sections = word(16);
        let stored_checksum = word(20);
        let table_end = (n_sections as u64) * TABLE_ENTRY_LEN as u64 + HEADER_LEN as u64;
        if table_end > len as u64 {
            return Err(CatalogError::TableOutOfBounds {
                n_sections,
                end: table_end,
                len,
            });
        }
        let mut found: [Option<(&[u8], usize)>; SECTIONS.len()] = [None; SECTIONS.len()];
        for entry in bytes[HEADER_LEN..table_end as usize].chunks_exact(TABLE_ENTRY_LEN) {
            let tag = String::from_utf8_lossy(&entry[..4]).into_owned();
            let field = |at: usize| {
                u32::from_le_bytes([entry[at], entry[at + 1], entry[at + 2], entry[at + 3]])
            };
            let offset = u64::from(field(4));
            let end = offset + u64::from(field(8));
            if end > len as u64 {
                return Err(CatalogError::SectionOutOfBounds { tag, end, len });
            }
            // The header's section count is not under the checksum: one too many would read
            // the first section's bytes as a table entry, which this catches.
            if offset < table_end {
                return Err(CatalogError::SectionOverlapsTable {
                    tag,
                    offset,
                    table_end,
                });
            }
            if let Some(slot) = section_index(&entry[..4]) {
                if found[slot].is_some() {
                    return Err(CatalogError::DuplicateSection(tag));
                }
                found[slot] = Some((&bytes[offset as usize..end as usize], field(12) as usize));
            }
        }
        // The ids hold 16 bytes per track, so the file bounds the track count, and with it
        // every allocation below; checked before any work.
        if let Some((ids, _)) = found[TIDS]
            && Some(ids.len()) != n_tracks.checked_mul(16)
        {
            return Err(invalid(
                "tids",
                format!(
                    "{} bytes of track ids for {n_tracks} tracks (16 bytes each)",
                    ids.len()
                ),
            ));
        }
        let mut budget = MemoryBudget {
            limit: memory_limit(len),
            committed: 0,
        };
        budget.charge("tids", "tracks", n_tracks, cost::TRACK)?;
        let max_unpacked = max_unpacked_len(n_tracks);
        for ((tag, codec, _), found) in SECTIONS.iter().zip(&found) {
            if let (Codec::Zstd, Some((_, declared))) = (codec, found) {
                if *declared > max_unpacked {
                    return Err(invalid(
                        tag,
                        format!(
                            "the section table says {declared} bytes once unpacked, more than \
                             the {max_unpacked} a catalog of {n_tracks} tracks may hold"
                        ),
                    ));
                }
                budget.charge(tag, "unpacked bytes", *declared, cost::UNPACKED_BYTE)?;
            }
        }
        Ok(Self {
            bytes,
            stored_checksum,
            checksum: twox_hash::XxHash32::with_seed(0),
            found,
            parts: Default::default(),
            stage: Stage::Checksum { from: HEADER_LEN },
            unpacking: None,
            work: 0,
            decoded: Decoded {
                n: n_tracks,
                n_artists: 0,
                n_albums: 0,
                n_genres: 0,
                n_sets: 0,
                budget,
                pca: Projection2d::default(),
                stored_albums: StringTable::default(),
                scaled_codes: [[0.0; 256]; Feature::COUNT],
                catalog: empty_catalog(),
            },
        })
    }

    /// Does one bounded unit of work; `Ok(true)` once everything is decoded and validated.
    pub fn step(&mut self) -> Result<bool, CatalogError> {
        self.stage = match self.stage {
            Stage::Checksum { from } => {
                let to = from.saturating_add(CHECKSUM_CHUNK).min(self.bytes.len());
                std::hash::Hasher::write(&mut self.checksum, &self.bytes[from..to]);
                self.work += (to - from) as u64;
                if to < self.bytes.len() {
                    Stage::Checksum { from: to }
                } else {
                    self.check_sections()?;
                    section_stage(0)
                }
            }
            Stage::Unpack(i) => {
                let (tag, _, _) = SECTIONS[i];
                // Present: `check_sections` ran before any unpacking.
                let (stored, decoded_len) = self.found[i].unwrap_or_default();
                let unpacking = self.unpacking.get_or_insert_with(Unzstd::default);
                let before = unpacking.out.len();
                let unpacked = unpacking.run(tag, stored, decoded_len, UNPACK_STEP);
                self.work += unpacking.out.len().saturating_sub(before) as u64;
                match unpacked? {
                    Some(contents) => {
                        self.unpacking = None;
                        self.parts[i] = Cow::Owned(contents);
                        Stage::Read(i)
                    }
                    None => Stage::Unpack(i),
                }
            }
            Stage::Read(i) => {
                let (tag, _, read) = SECTIONS[i];
                // Taken, so an unpacked section is freed (or kept as a column) once read.
                let contents = Contents {
                    bytes: std::mem::take(&mut self.parts[i]),
                    section: tag,
                };
                // A reader's loops run over its contents and over what it allocates.
                let (len, before) = (contents.bytes.len(), self.decoded.budget.committed);
                let read = read(contents, &mut self.decoded);
                self.work += (len + self.decoded.budget.committed - before) as u64;
                read?;
                section_stage(i + 1)
            }
            Stage::Derive { from } => {
                let to = from.saturating_add(DERIVE_ROWS).min(self.decoded.n);
                // `read_feat` checked the planes' length.
                let planes = self.found[FEAT]
                    .map(|(planes, _)| planes)
                    .unwrap_or_default();
                self.decoded.derive(planes, from, to);
                // Per row: its scaled lanes, the two map axes and a distance to each centroid.
                let lanes = SCALED_STRIDE * (3 + self.decoded.catalog.kmeans.k());
                self.work += ((to - from) * lanes) as u64;
                if to < self.decoded.n {
                    Stage::Derive { from: to }
                } else {
                    Stage::Done
                }
            }
            Stage::Done => Stage::Done,
        };
        Ok(self.stage == Stage::Done)
    }

    /// What the next [`step`](Self::step) will do, for progress reports and timings.
    pub fn next_step(&self) -> String {
        match self.stage {
            Stage::Checksum { from } => format!("checksum from byte {from}"),
            Stage::Unpack(i) => format!("unpack {}", SECTIONS[i].0),
            Stage::Read(i) => format!("read {}", SECTIONS[i].0),
            Stage::Derive { from } => format!("derive tracks from {from}"),
            Stage::Done => "done".to_owned(),
        }
    }

    /// Units of work done so far: bytes hashed, unpacked and read, bytes of memory charged to the
    /// budget, and lanes of the scaled rows, map positions and centroid distances computed. Every
    /// loop of the decoder does a bounded amount per unit, so this measures its running time
    /// without a clock; it stays within a fixed multiple of the file's length plus a constant
    /// (the tests check it on hostile files).
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Runs the remaining steps and returns the catalog.
    pub fn finish(mut self) -> Result<Catalog, CatalogError> {
        while !self.step()? {}
        Ok(self.decoded.catalog)
    }

    /// After the checksum: every required section is present, and raw ones have their length.
    fn check_sections(&mut self) -> Result<(), CatalogError> {
        let computed = self.checksum.finish_32();
        if computed != self.stored_checksum {
            return Err(CatalogError::Checksum {
                stored: self.stored_checksum,
                computed,
            });
        }
        for ((part, found), (tag, codec, _)) in self.parts.iter_mut().zip(self.found).zip(SECTIONS)
        {
            let (stored, decoded_len) = found.ok_or(CatalogError::MissingSection(tag))?;
            match codec {
                Codec::Raw if stored.len() == decoded_len => *part = Cow::Borrowed(stored),
                Codec::Raw => return Err(length_mismatch(tag, stored.len(), decoded_len)),
                // Unpacked in its own step.
                Codec::Zstd => {}
            }
        }
        Ok(())
    }
}

/// The first step for section `i` (or the derived columns after the last section).
fn section_stage(i: usize) -> Stage {
    match SECTIONS.get(i) {
        Some((_, Codec::Zstd, _)) => Stage::Unpack(i),
        Some((_, Codec::Raw, _)) => Stage::Read(i),
        None => Stage::Derive { from: 0 },
    }
}

/// A catalog with no columns yet, filled section by section.
fn empty_catalog() -> Catalog {
    Catalog {
        ids: Vec::new(),
        titles: StringTable::default(),
        track_artists: Lists::default(),
        artists: ArtistTable::default(),
        track_album: Vec::new(),
        albums: StringTable::default(),
        years: Vec::new(),
        popularity: Vec::new(),
        charted: Vec::new(),
        scaler: Scaler::identity(),
        scaled: Vec::new(),
        kmeans: KMeansModel {
            centroids: Vec::new(),
            inertia_curve: Vec::new(),
        },
        clusters: Vec::new(),
        projection: Vec::new(),
        track_genres: Lists::default(),
        genres: GenreVocab::default(),
    }
}

/// Where each feature's plane starts in `feat`, in planes of `n` bytes (a 16-bit feature has two,
/// high bytes first).
const PLANE_STARTS: [usize; Feature::COUNT] = {
    let mut starts = [0; Feature::COUNT];
    let mut f = 1;
    while f < Feature::COUNT {
        starts[f] = starts[f - 1] + FEATURE_CODECS[f - 1].bits as usize / 8;
        f += 1;
    }
    starts
};

/// Rows per block of [`Decoded::derive`]: a block's scaled rows (256 KiB) stay in cache while
/// each feature plane is written into them.
const DERIVE_BLOCK: usize = 4096;

impl Decoded {
    /// Tracks `from..to` of the scaled matrix, map projection and clusters, computed from the
    /// feature planes with the stored scaler, PCA axes and centroids by the same code the builder
    /// ran: a code's scaled value is [`Scaler::transform_one`] of its raw value (looked up in a
    /// table for 8-bit features).
    fn derive(&mut self, planes: &[u8], from: usize, to: usize) {
        let n = self.n;
        let c = &mut self.catalog;
        if from == 0 {
            c.scaled.reserve_exact(n * SCALED_STRIDE);
            c.projection.reserve_exact(n);
            c.clusters.reserve_exact(n);
            for (f, (table, codec)) in self.scaled_codes.iter_mut().zip(FEATURE_CODECS).enumerate()
            {
                for (code, z) in (0..).zip(table.iter_mut()) {
                    *z = c.scaler.transform_one(f, codec.dequantize(code));
                }
            }
        }
        // Zeroed a step at a time (the padding lanes stay zero), while the rows are in cache.
        c.scaled.resize(to * SCALED_STRIDE, 0.0);
        for start in (from..to).step_by(DERIVE_BLOCK) {
            let end = (start + DERIVE_BLOCK).min(to);
            let block = &mut c.scaled[start * SCALED_STRIDE..end * SCALED_STRIDE];
            for (f, codec) in FEATURE_CODECS.iter().enumerate() {
                let plane = &planes[PLANE_STARTS[f] * n..];
                let (codes, rows) = (&plane[start..end], block.chunks_exact_mut(SCALED_STRIDE));
                if codec.bits == 16 {
                    let low = &plane[n + start..n + end];
                    for ((row, &high), &low) in rows.zip(codes).zip(low) {
                        let raw = codec.dequantize(u16::from_le_bytes([low, high]));
                        row[f] = c.scaler.transform_one(f, raw);
                    }
                } else {
                    let table = &self.scaled_codes[f];
                    for (row, &code) in rows.zip(codes) {
                        row[f] = table[usize::from(code)];
                    }
                }
            }
        }
        let rows = &c.scaled[from * SCALED_STRIDE..];
        c.projection
            .extend(self.pca.project_all(rows, SCALED_STRIDE));
        c.clusters
            .extend(kmeans::assign(rows, SCALED_STRIDE, &c.kmeans.centroids));
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

/// Bytes of a zstd section decoded per step: about 1.5 ms natively. Small on purpose: a browser
/// first runs WebAssembly through its baseline compiler and swaps in optimized code between calls,
/// never during one, so the first step runs several times slower than the rest (a 1 MiB step
/// measured 114 ms in Chromium, where a warmed-up one takes under 10).
const UNPACK_STEP: usize = 1 << 18;

/// The largest window a zstd section may use. The decoder holds the window besides the output, so
/// this bounds decoding's extra memory: a million-track catalog's titles (20 MB) would otherwise
/// be held twice. A 4 MiB window costs the 182k-track catalog nothing (its largest section is
/// 3.7 MB); 2 MiB would cost its titles 0.05 B per track, 1 MiB 0.2.
pub const MAX_WINDOW: usize = 1 << 22;

/// One zstd section being decoded, [`UNPACK_STEP`] bytes of output per [`Unzstd::run`]. The
/// frame's window (what the decoder allocates up front) may exceed neither [`MAX_WINDOW`] nor the
/// declared length, and the output is checked against that length after every step, so a lying
/// length or an overlong frame (a decompression bomb) ends with an error after at most one step's
/// worth of bytes; what lies beyond the window is moved out of the decoder every step. The frame
/// must end exactly at the end of the section.
#[derive(Default)]
struct Unzstd {
    decoder: ruzstd::decoding::FrameDecoder,
    /// Bytes of the section read so far (0: the frame header is next).
    input_offset: usize,
    out: Vec<u8>,
}

impl Unzstd {
    /// Decodes about `budget` more bytes of the frame in `stored`; the contents once it ends.
    fn run(
        &mut self,
        section: &'static str,
        stored: &[u8],
        decoded_len: usize,
        budget: usize,
    ) -> Result<Option<Vec<u8>>, CatalogError> {
        use ruzstd::decoding::{BlockDecodingStrategy, errors::FrameDecoderError};

        let corrupt = |e: &dyn std::fmt::Display| invalid(section, format!("zstd frame: {e}"));
        let mut input = &stored[self.input_offset..];
        if self.input_offset == 0 {
            // The decoder checks the frame's window against this before it allocates.
            let window = decoded_len.next_power_of_two().clamp(1 << 10, MAX_WINDOW);
            self.decoder.set_max_window_size(window as u64);
            self.decoder.reset(&mut input).map_err(|e| match e {
                FrameDecoderError::WindowSizeTooBig { requested, .. } => invalid(
                    section,
                    format!(
                        "the zstd frame needs a window of {requested} bytes, more than the \
                         {window} allowed when the section table says {decoded_len}"
                    ),
                ),
                e => corrupt(&e),
            })?;
            let declared = self.decoder.content_size();
            if declared != decoded_len as u64 {
                return Err(invalid(
                    section,
                    format!(
                        "the zstd frame says {declared} bytes but the section table says \
                         {decoded_len}"
                    ),
                ));
            }
            self.out.reserve_exact(decoded_len);
        }
        let ended = self
            .decoder
            .decode_blocks(&mut input, BlockDecodingStrategy::UptoBytes(budget))
            .map_err(|e| corrupt(&e))?;
        self.input_offset = stored.len() - input.len();
        self.decoder
            .collect_to_writer(&mut self.out)
            .map_err(|e| corrupt(&e))?;
        if self.out.len() > decoded_len {
            return Err(invalid(
                section,
                format!("contents exceed the {decoded_len} bytes the section table says"),
            ));
        }
        if !ended {
            return Ok(None);
        }
        if !input.is_empty() {
            return Err(CatalogError::TrailingBytes {
                section,
                extra: input.len(),
            });
        }
        let out = std::mem::take(&mut self.out);
        if out.len() == decoded_len {
            Ok(Some(out))
        } else {
            Err(length_mismatch(section, out.len(), decoded_len))
        }
    }
}

/// A bounds-checked cursor over one section.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    section: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CatalogError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(CatalogError::Truncated {
            section: self.section,
            what,
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], CatalogError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, CatalogError> {
        self.array(what).map(u16::from_le_bytes)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, CatalogError> {
        self.array(what).map(u32::from_le_bytes)
    }

    fn f32(&mut self, what: &'static str) -> Result<f32, CatalogError> {
        let v = self.array(what).map(f32::from_le_bytes)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(invalid(self.section, format!("{what} is not finite")))
        }
    }

    fn f32s<const N: usize>(&mut self, what: &'static str) -> Result<[f32; N], CatalogError> {
        let mut out = [0.0; N];
        for x in &mut out {
            *x = self.f32(what)?;
        }
        Ok(out)
    }

    /// Inlined (with [`Reader::delta`]) into the column loops, which call it per track: most
    /// values (deltas, counts) fit one byte, and the error, a large value, is built out of line.
    #[inline(always)]
    fn varint(&mut self, what: &'static str) -> Result<u32, CatalogError> {
        match self.bytes.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(u32::from(byte))
            }
            _ => self.long_varint(what),
        }
    }

    #[inline(never)]
    fn long_varint(&mut self, what: &'static str) -> Result<u32, CatalogError> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.take(1, what)?[0];
            let bits = u32::from(byte & 0x7f);
            if shift == 28 && bits > 0x0f {
                return Err(invalid(self.section, format!("{what} overflows 32 bits")));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(invalid(self.section, format!("{what} overflows 32 bits")))
    }

    /// Applies a zigzag delta to `previous`, keeping the result in `0..limit`.
    #[inline(always)]
    fn delta(
        &mut self,
        previous: u32,
        limit: u32,
        what: &'static str,
    ) -> Result<u32, CatalogError> {
        let z = self.varint(what)?;
        let delta = i64::from(z >> 1) ^ -i64::from(z & 1);
        let value = i64::from(previous) + delta;
        if (0..i64::from(limit)).contains(&value) {
            Ok(value as u32)
        } else {
            Err(out_of_range(self.section, what, value, limit))
        }
    }

    /// Checks that `count` items of at least `min_bytes` each can fit, before allocating for them.
    fn ensure(
        &self,
        count: usize,
        min_bytes: usize,
        what: &'static str,
    ) -> Result<(), CatalogError> {
        let need = count.checked_mul(min_bytes);
        match need {
            Some(need) if need <= self.bytes.len() - self.pos => Ok(()),
            _ => Err(CatalogError::Truncated {
                section: self.section,
                what,
            }),
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn finish(self) -> Result<(), CatalogError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            extra => Err(CatalogError::TrailingBytes {
                section: self.section,
                extra,
            }),
        }
    }

    /// `count` NUL-terminated UTF-8 strings, copied into one [`StringTable`]; what follows them
    /// need not be text.
    fn strings(&mut self, count: usize) -> Result<StringTable, CatalogError> {
        let rest = &self.bytes[self.pos..];
        let ends = string_ends(rest, count, self.section)?;
        let len = ends.last().map_or(0, |&end| end as usize);
        let text = std::str::from_utf8(&rest[..len])
            .map_err(|e| invalid(self.section, format!("text is not utf-8: {e}")))?;
        self.pos += len;
        Ok(StringTable {
            text: text.to_owned(),
            offsets: ends,
        })
    }
}

/// One section's contents, handed to its reader: borrowed from the file when raw, owned when
/// unpacked, so a section of strings becomes its column without a copy.
struct Contents<'a> {
    bytes: Cow<'a, [u8]>,
    section: &'static str,
}

impl Contents<'_> {
    fn reader(&self) -> Reader<'_> {
        Reader {
            bytes: &self.bytes,
            pos: 0,
            section: self.section,
        }
    }

    /// The whole section as `count` NUL-terminated UTF-8 strings: the bytes become the table's
    /// text as they are (the terminators stay, see [`StringTable`]).
    fn into_strings(self, count: usize) -> Result<StringTable, CatalogError> {
        let section = self.section;
        let ends = string_ends(&self.bytes, count, section)?;
        let len = ends.last().map_or(0, |&end| end as usize);
        if len < self.bytes.len() {
            return Err(CatalogError::TrailingBytes {
                section,
                extra: self.bytes.len() - len,
            });
        }
        let text = String::from_utf8(self.bytes.into_owned())
            .map_err(|e| invalid(section, format!("text is not utf-8: {}", e.utf8_error())))?;
        Ok(StringTable {
            text,
            offsets: ends,
        })
    }
}

/// The offsets of `count` NUL-terminated strings at the start of `bytes`: 0, then the end of
/// each string's terminator. Errors when the terminators run out first.
fn string_ends(
    bytes: &[u8],
    count: usize,
    section: &'static str,
) -> Result<Vec<u32>, CatalogError> {
    let truncated = CatalogError::Truncated {
        section,
        what: "string terminators",
    };
    if count > bytes.len() {
        return Err(truncated);
    }
    if u32::try_from(bytes.len()).is_err() {
        return Err(invalid(section, "strings exceed 4 GiB"));
    }
    let mut ends = Vec::with_capacity(count + 1);
    ends.push(0u32);
    // Eight bytes at a time: the zero bytes of a word, found without a branch per byte (the
    // exact test of Hacker's Delight 6-1: no carry crosses a byte), one bit each.
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let (words, tail) = bytes.as_chunks::<8>();
    'scan: for (word, at) in words.iter().zip((0u32..).step_by(8)) {
        let x = u64::from_le_bytes(*word);
        let mut zeros = !(((x & LOW7) + LOW7) | x | LOW7);
        while zeros != 0 {
            if ends.len() > count {
                break 'scan;
            }
            ends.push(at + zeros.trailing_zeros() / 8 + 1);
            zeros &= zeros - 1;
        }
    }
    let tail_at = words.len() * 8;
    for (i, &b) in tail.iter().enumerate() {
        if b == 0 && ends.len() <= count {
            ends.push((tail_at + i + 1) as u32);
        }
    }
    if ends.len() <= count {
        return Err(truncated);
    }
    Ok(ends)
}

fn read_meta(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut meta = contents.reader();
    d.n_artists = meta.u32("artist count")? as usize;
    d.n_albums = meta.u32("album count")? as usize;
    d.n_genres = meta.u32("genre count")? as usize;
    d.n_sets = meta.u32("genre set count")? as usize;
    let k = usize::from(meta.u16("k")?);
    if k > MAX_K {
        return Err(invalid("meta", format!("k = {k} is above {MAX_K}")));
    }
    let curve_len = usize::from(meta.u16("curve length")?);
    let budget = &mut d.budget;
    budget.charge("meta", "artists", d.n_artists, cost::ARTIST)?;
    budget.charge("meta", "albums", d.n_albums, cost::ALBUM)?;
    budget.charge("meta", "genres", d.n_genres, cost::GENRE)?;
    budget.charge("meta", "genre sets", d.n_sets, cost::GENRE_SET)?;
    budget.charge("meta", "centroids", k, cost::CENTROID)?;
    budget.charge("meta", "inertia curve points", curve_len, cost::CURVE_POINT)?;
    let scaler = Scaler {
        offsets: meta.f32s("scaler offsets")?,
        scales: meta.f32s("scaler scales")?,
    };
    if scaler.scales.contains(&0.0) {
        return Err(invalid("meta", "a scaler scale is zero"));
    }
    meta.ensure(k, SCALED_STRIDE * 4, "centroids")?;
    let mut centroids = Vec::with_capacity(k * SCALED_STRIDE);
    for _ in 0..k * SCALED_STRIDE {
        centroids.push(meta.f32("centroid")?);
    }
    let mut inertia_curve = Vec::with_capacity(curve_len.min(1024));
    for _ in 0..curve_len {
        let kk = meta.u16("curve k")?;
        let inertia = f64::from_le_bytes(meta.array("curve inertia")?);
        inertia_curve.push((kk, inertia));
    }
    d.pca = Projection2d {
        mean: meta.f32s("pca mean")?,
        axes: [meta.f32s("pca axis")?, meta.f32s("pca axis")?],
    };
    meta.finish()?;
    if d.n > 0 && k == 0 {
        return Err(invalid("meta", "k is 0 for a non-empty catalog"));
    }
    d.catalog.scaler = scaler;
    d.catalog.kmeans = KMeansModel {
        centroids,
        inertia_curve,
    };
    Ok(())
}

fn read_tids(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_titl(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.catalog.titles = contents.into_strings(d.n)?;
    Ok(())
}

fn read_arts(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.catalog.artists.names = contents.into_strings(d.n_artists)?;
    Ok(())
}

fn read_arid(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_tart(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_albs(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    d.stored_albums = contents.into_strings(d.n_albums)?;
    Ok(())
}

fn read_talb(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_year(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    d.catalog.years = r
        .take(d.n, "years")?
        .iter()
        .map(|&b| if b == 0 { 0 } else { 1899 + u16::from(b) })
        .collect();
    r.finish()
}

fn read_popu(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    let mut r = contents.reader();
    let stored = r.take(d.n, "popularity")?;
    // Checked first, so the column is collected at its exact size rather than grown.
    if let Some(b) = stored.iter().find(|&&b| b > 100 && b != 255) {
        return Err(invalid("popu", format!("popularity {b} is above 100")));
    }
    d.catalog.popularity = stored.iter().map(|&b| (b != 255).then_some(b)).collect();
    r.finish()
}

fn read_chrt(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_feat(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
    // Every code is a valid value: only the length is checked here. The planes are read where
    // the scaled rows are computed (`Decoded::derive`); raw values are not kept.
    let mut r = contents.reader();
    r.take(d.n.saturating_mul(FEATURE_BYTES), "feature planes")?;
    r.finish()
}

fn read_gnrs(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

fn read_gset(contents: Contents<'_>, d: &mut Decoded) -> Result<(), CatalogError> {
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

/// Album names stored empty take the title of the first track on them (see `encode`).
fn restore_album_names(
    stored: &StringTable,
    track_album: &[u32],
    titles: &StringTable,
) -> StringTable {
    let mut first_track = vec![None; stored.len()];
    for (t, &album) in track_album.iter().enumerate() {
        if let Some(slot) = first_track.get_mut(album as usize) {
            slot.get_or_insert(t);
        }
    }
    let names: Vec<&str> = first_track
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

// ---------------------------------------------------------------------------------------------
// Writing

#[cfg(feature = "write")]
#[derive(Default)]
struct Writer(Vec<u8>);

#[cfg(feature = "write")]
impl Writer {
    fn varint(&mut self, mut v: u32) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn delta(&mut self, previous: u32, value: u32) {
        let d = i64::from(value) - i64::from(previous);
        // |d| < 2^32, so the zigzag code fits 33 bits only for deltas the reader rejects anyway;
        // real columns stay far below.
        let z = ((d << 1) ^ (d >> 63)) as u32;
        self.varint(z);
    }

    fn f32s(&mut self, values: &[f32]) {
        for v in values {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn strings<'s>(
        &mut self,
        strings: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), CatalogError> {
        for s in strings {
            if s.contains('\0') {
                return Err(unwritable(format!("string {s:?} contains a NUL byte")));
            }
            self.0.extend_from_slice(s.as_bytes());
            self.0.push(0);
        }
        Ok(())
    }

    fn plane(&mut self, codes: &[u16], wide: bool) {
        if wide {
            self.0.extend(codes.iter().map(|c| (c >> 8) as u8));
        }
        self.0.extend(codes.iter().map(|&c| c as u8));
    }
}

#[cfg(feature = "write")]
fn unwritable(what: impl Into<String>) -> CatalogError {
    CatalogError::Unwritable(what.into())
}

#[cfg(feature = "write")]
fn encode(c: &Catalog) -> Result<Vec<u8>, CatalogError> {
    let n = c.n_tracks();
    let columns = [
        ("titles", c.titles.len()),
        ("track_artists", c.track_artists.n_rows()),
        ("track_album", c.track_album.len()),
        ("years", c.years.len()),
        ("popularity", c.popularity.len()),
        ("charted", c.charted.len()),
        ("scaled", c.scaled.len() / SCALED_STRIDE),
        ("track_genres", c.track_genres.n_rows()),
    ];
    if let Some((name, len)) = columns.iter().find(|(_, len)| *len != n) {
        return Err(unwritable(format!(
            "column `{name}` has {len} rows for {n} tracks"
        )));
    }
    let n_artists = c.artists.names.len();
    if c.artists.ids.len() != n_artists || c.genres.idf.len() != c.genres.names.len() {
        return Err(unwritable(
            "artist ids or genre weights do not match their names",
        ));
    }
    let k = c.kmeans.k();
    if k > MAX_K {
        return Err(unwritable(format!("k = {k} is above {MAX_K}")));
    }
    let k16 = k as u16;
    let curve_len = u16::try_from(c.kmeans.inertia_curve.len())
        .map_err(|_| unwritable("inertia curve too long"))?;
    let count =
        |v: usize, what: &str| u32::try_from(v).map_err(|_| unwritable(format!("too many {what}")));

    // Genre sets, numbered by first appearance.
    let mut set_ids: std::collections::HashMap<&[u16], u32> = std::collections::HashMap::new();
    let mut set_list: Vec<&[u16]> = Vec::new();
    let mut track_sets = Vec::with_capacity(n);
    for i in 0..n {
        let row = c.track_genres.row(i);
        if row.windows(2).any(|w| w[0] >= w[1]) {
            return Err(unwritable(format!(
                "track {i}'s genre ids are not strictly ascending"
            )));
        }
        let next = set_list.len() as u32;
        let id = *set_ids.entry(row).or_insert_with(|| {
            set_list.push(row);
            next
        });
        track_sets.push(id);
    }

    let mut sections: Vec<(&str, Vec<u8>)> = Vec::new();

    let mut w = Writer::default();
    for v in [
        count(n_artists, "artists")?,
        count(c.albums.len(), "albums")?,
        count(c.genres.names.len(), "genres")?,
        set_list.len() as u32,
    ] {
        w.0.extend_from_slice(&v.to_le_bytes());
    }
    w.0.extend_from_slice(&k16.to_le_bytes());
    w.0.extend_from_slice(&curve_len.to_le_bytes());
    w.f32s(&c.scaler.offsets);
    w.f32s(&c.scaler.scales);
    w.f32s(&c.kmeans.centroids);
    for (kk, inertia) in &c.kmeans.inertia_curve {
        w.0.extend_from_slice(&kk.to_le_bytes());
        w.0.extend_from_slice(&inertia.to_le_bytes());
    }
    // The map is the 2-D PCA of the scaled rows; its axes are stored, not the 2 x n positions.
    let map = crate::pca::fit_2d(&c.scaled, SCALED_STRIDE);
    w.f32s(&map.mean);
    w.f32s(&map.axes[0]);
    w.f32s(&map.axes[1]);
    sections.push(("meta", w.0));

    sections.push((
        "tids",
        c.ids.iter().flat_map(|id| id.0.to_le_bytes()).collect(),
    ));

    let mut w = Writer::default();
    w.strings(c.titles.iter())?;
    sections.push(("titl", w.0));

    let mut w = Writer::default();
    w.strings(c.artists.names.iter())?;
    sections.push(("arts", w.0));

    let mut w = Writer::default();
    let mut bitmap = vec![0u8; n_artists.div_ceil(8)];
    for (i, id) in c.artists.ids.iter().enumerate() {
        if id.is_some() {
            bitmap[i / 8] |= 1 << (i % 8);
        }
    }
    w.0.extend_from_slice(&bitmap);
    for id in c.artists.ids.iter().flatten() {
        w.0.extend_from_slice(&id.0.to_le_bytes());
    }
    sections.push(("arid", w.0));

    let mut w = Writer::default();
    let mut primary = 0u32;
    for i in 0..n {
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
    sections.push(("tart", w.0));

    // An album named like the first track on it (a single) is stored empty: the reader copies
    // the title back. An album really named "" is only writable where that reading holds.
    let mut first_track = vec![None; c.albums.len()];
    for (t, &album) in c.track_album.iter().enumerate() {
        if let Some(slot) = first_track.get_mut(album as usize) {
            slot.get_or_insert(t);
        }
    }
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
    sections.push(("albs", w.0));

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
    sections.push(("talb", w.0));

    sections.push((
        "year",
        c.years
            .iter()
            .map(|&y| storable_year(Some(y)).saturating_sub(1899) as u8)
            .collect(),
    ));
    sections.push((
        "popu",
        c.popularity
            .iter()
            .map(|p| p.map_or(255, |p| p.min(100)))
            .collect(),
    ));

    let mut packed = vec![0u8; n.div_ceil(4)];
    for (i, flag) in c.charted.iter().enumerate() {
        let code = match flag {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        };
        packed[i / 4] |= code << (2 * (i % 4));
    }
    sections.push(("chrt", packed));

    let raw: Vec<[f32; Feature::COUNT]> = (0..n)
        .map(|t| c.raw_features(crate::TrackIdx(t as u32)))
        .collect();
    let mut w = Writer::default();
    for (f, codec) in FEATURE_CODECS.iter().enumerate() {
        let codes: Vec<u16> = raw.iter().map(|row| codec.quantize(row[f])).collect();
        w.plane(&codes, codec.bits == 16);
    }
    sections.push(("feat", w.0));

    let mut w = Writer::default();
    w.strings(c.genres.names.iter())?;
    w.f32s(&c.genres.idf);
    sections.push(("gnrs", w.0));

    let mut w = Writer::default();
    let n_genres = c.genres.names.len();
    for set in &set_list {
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
    for &s in &track_sets {
        w.delta(previous, s);
        previous = s;
    }
    sections.push(("gset", w.0));

    write_sections(count(n, "tracks")?, &sections)
}

/// Lays out a file from its sections' contents (in the order given), storing each with its codec
/// from [`SECTIONS`] (raw for unknown tags) and writing the checksum. [`Catalog::to_bytes`] ends
/// here; tools and tests call it to craft files that are well-formed but hostile.
#[cfg(feature = "write")]
pub fn write_sections(
    n_tracks: u32,
    sections: &[(&str, Vec<u8>)],
) -> Result<Vec<u8>, CatalogError> {
    // (tag, stored bytes, decoded length), in the order of `sections`.
    let mut stored: Vec<(&str, Cow<'_, [u8]>, u32)> = Vec::with_capacity(sections.len());
    for (tag, contents) in sections {
        let decoded_len = u32::try_from(contents.len())
            .map_err(|_| unwritable(format!("section `{tag}` would exceed 4 GiB")))?;
        let codec = section_index(tag.as_bytes()).map_or(Codec::Raw, |i| SECTIONS[i].1);
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

/// Zstd at its densest level (22), with the content size in the frame header (which makes the
/// encoder size its window to the section, so small catalogs need little decoder memory), a
/// window of at most [`MAX_WINDOW`], and no frame checksum.
#[cfg(feature = "write")]
fn zstd_compress(tag: &str, contents: &[u8]) -> Result<Vec<u8>, CatalogError> {
    use zstd::zstd_safe::CParameter;

    let failed = |e: std::io::Error| unwritable(format!("zstd failed on section `{tag}`: {e}"));
    let mut encoder = zstd::bulk::Compressor::new(22).map_err(failed)?;
    encoder
        .set_parameter(CParameter::ContentSizeFlag(true))
        .map_err(failed)?;
    encoder
        .set_parameter(CParameter::ChecksumFlag(false))
        .map_err(failed)?;
    encoder
        .set_parameter(CParameter::WindowLog(MAX_WINDOW.trailing_zeros()))
        .map_err(failed)?;
    encoder.compress(contents).map_err(failed)
}

/// One section of an encoded catalog, for the builder's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSize {
    pub tag: String,
    /// Bytes in the file.
    pub stored: usize,
    /// Bytes once decoded (equal to `stored` for raw sections).
    pub decoded: usize,
}

/// The sections of an encoded catalog in table order, for the builder's report. Returns an
/// empty list for bytes that are not a catalog.
pub fn section_sizes(bytes: &[u8]) -> Vec<SectionSize> {
    let Some(n_sections) = bytes
        .get(16..20)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
    else {
        return Vec::new();
    };
    let end = (n_sections as usize)
        .saturating_mul(TABLE_ENTRY_LEN)
        .saturating_add(HEADER_LEN);
    let field =
        |e: &[u8], at: usize| u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]) as usize;
    bytes
        .get(HEADER_LEN..end)
        .map(|table| {
            table
                .chunks_exact(TABLE_ENTRY_LEN)
                .map(|e| SectionSize {
                    tag: String::from_utf8_lossy(&e[..4]).into_owned(),
                    stored: field(e, 8),
                    decoded: field(e, 12),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

    /// The strings of `bytes` split at each NUL, byte by byte: the oracle of `string_ends`.
    fn ends_by_bytes(bytes: &[u8], count: usize) -> Vec<u32> {
        let nuls = bytes.iter().enumerate().filter(|(_, b)| **b == 0);
        std::iter::once(0)
            .chain(nuls.map(|(i, _)| i as u32 + 1))
            .take(count + 1)
            .collect()
    }

    #[test]
    fn string_ends_agree_with_a_byte_by_byte_split() {
        let mut rng = SeededRng::new(11);
        for case in 0..2000 {
            let len = rng.below(70);
            // Mostly text, with terminators (and runs of them) at random places.
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(5) {
                    0 => 0,
                    1 => 0x80 | rng.below(0x80) as u8,
                    _ => b'a' + rng.below(26) as u8,
                })
                .collect();
            let count = rng.below(len + 2);
            let oracle = ends_by_bytes(&bytes, count);
            match string_ends(&bytes, count, "titl") {
                Ok(ends) => assert_eq!(ends, oracle, "case {case}: {bytes:?}"),
                Err(e) => assert!(oracle.len() <= count, "case {case}: {e}"),
            }
        }
    }

    #[test]
    fn a_string_section_is_its_table() {
        let contents = |bytes: &[u8]| Contents {
            bytes: Cow::Owned(bytes.to_vec()),
            section: "arts",
        };
        let table = contents(b"Ana\0\0B\xc3\xb6\0").into_strings(3).unwrap();
        assert_eq!(table.iter().collect::<Vec<_>>(), ["Ana", "", "Bö"]);
        let mut built = StringTable::default();
        ["Ana", "", "Bö"].iter().for_each(|s| built.push(s));
        assert_eq!(table, built);
        assert!(matches!(
            contents(b"Ana\0Bo").into_strings(2),
            Err(CatalogError::Truncated { .. })
        ));
        assert_eq!(
            contents(b"Ana\0Bo\0").into_strings(1),
            Err(CatalogError::TrailingBytes {
                section: "arts",
                extra: 3
            })
        );
        let err = contents(b"A\xff\0").into_strings(1).unwrap_err();
        assert!(err.to_string().contains("not utf-8"), "{err}");
    }

    /// Seeded bytes that compress, but not to nothing: words from a small vocabulary.
    fn wordy(len: usize) -> Vec<u8> {
        let mut rng = SeededRng::new(3);
        let words = [
            "love", "night", "remix", "live", "version", "feat.", "dance", "blue",
        ];
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(words[rng.below(words.len())].as_bytes());
            out.push(b' ');
        }
        out.truncate(len);
        out
    }

    /// Runs `frame` through [`Unzstd`] to the end; also returns the output held outside the
    /// decoder after each step.
    fn unpack_in_steps(frame: &[u8], len: usize) -> (Result<Vec<u8>, CatalogError>, Vec<usize>) {
        let mut unzstd = Unzstd::default();
        let mut moved_out = Vec::new();
        loop {
            match unzstd.run("titl", frame, len, UNPACK_STEP) {
                Ok(Some(contents)) => return (Ok(contents), moved_out),
                Ok(None) => moved_out.push(unzstd.out.len()),
                Err(e) => return (Err(e), moved_out),
            }
        }
    }

    #[test]
    fn a_section_beyond_the_largest_window_is_decoded_with_bounded_memory() {
        let contents = wordy(MAX_WINDOW + (2 << 20));
        let frame = zstd_compress("titl", &contents).unwrap();
        let (unpacked, moved_out) = unpack_in_steps(&frame, contents.len());
        assert!(unpacked.unwrap() == contents);
        // Whatever lies beyond the window leaves the decoder as it is decoded: the decoder never
        // holds more than the window and a step.
        for (step, &out) in moved_out.iter().enumerate() {
            let decoded = (step + 1) * UNPACK_STEP;
            assert!(
                decoded - out <= MAX_WINDOW + UNPACK_STEP,
                "step {step}: {out} of {decoded} bytes moved out"
            );
        }
    }

    #[test]
    fn a_frame_with_a_larger_window_is_refused_before_decoding() {
        use zstd::zstd_safe::CParameter;

        let contents = wordy(MAX_WINDOW + (2 << 20));
        let mut encoder = zstd::bulk::Compressor::new(3).unwrap();
        encoder
            .set_parameter(CParameter::WindowLog(MAX_WINDOW.trailing_zeros() + 1))
            .unwrap();
        let frame = encoder.compress(&contents).unwrap();
        let (unpacked, moved_out) = unpack_in_steps(&frame, contents.len());
        let err = unpacked.unwrap_err();
        assert!(err.to_string().contains("needs a window of"), "{err}");
        assert!(moved_out.is_empty(), "refused at the frame header");
        // A small section may not use more than its own length either.
        let small = wordy(5000);
        let frame = encoder.compress(&small).unwrap();
        assert!(unpack_in_steps(&frame, small.len()).0.is_ok());
        let err = unpack_in_steps(&frame, 1000).0.unwrap_err();
        assert!(
            err.to_string().contains("the section table says 1000"),
            "{err}"
        );
    }
}
