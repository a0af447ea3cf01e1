//! The caps that keep decoding an untrusted file bounded: the largest unpacked section, the
//! largest k, and the memory budget every declared count is charged against.

use super::{CatalogError, invalid};

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
/// columns and temporaries that [`CatalogDecoder`](super::CatalogDecoder) allocates for it).
pub(super) mod cost {
    /// Id 16, feature codes 16, map position 8, cluster 2, year 2, popularity 2, hit flag 1,
    /// album 4, and the offsets of its title, artists and genres 4 each.
    pub const TRACK: usize = 65;
    /// Name offset 4, optional id 32.
    pub const ARTIST: usize = 36;
    /// Stored and restored name offsets 4 each, first track 16, name reference 16.
    pub const ALBUM: usize = 40;
    /// Name offset 4, IDF 4.
    pub const GENRE: usize = 8;
    /// Offset 4.
    pub const GENRE_SET: usize = 4;
    /// One `u16` genre id of a track and its trust (two bits, charged as a byte).
    pub const GENRE_ID: usize = 3;
    /// One genre id of a set: its `u16`, its trust (a byte), and its copy with its trust (4
    /// bytes) in the row its three runs are read into before they are sorted back by id.
    pub const SET_GENRE_ID: usize = 7;
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
pub(super) struct MemoryBudget {
    pub(super) limit: usize,
    pub(super) committed: usize,
}

impl MemoryBudget {
    /// Charges `count` items of `bytes_each` (what `what` needs), or says why the file is refused.
    pub(super) fn charge(
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
