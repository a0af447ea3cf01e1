//! [`CatalogDecoder`]: the validating reader, in bounded steps.

use std::borrow::Cow;

use super::compression::{UNPACK_STEP, Unzstd};
use super::header::{HEADER_LEN, Header};
use super::limits::{MemoryBudget, cost, max_unpacked_len, memory_limit};
use super::sections::{Codec, FEAT, SECTIONS, Section, TIDS, section_index};
use super::{CatalogError, cursor::Contents, invalid, length_mismatch};
use crate::catalog::{
    ArtistTable, Catalog, GenreVocab, KMeansModel, Lists, SCALED_STRIDE, Scaler, StringTable,
    TrustColumn,
};
use crate::pca::Projection2d;
use crate::space::CodeSpace;

/// Bytes hashed per step of the checksum.
const CHECKSUM_CHUNK: usize = 1 << 20;
/// Rows per step when laying out the feature codes and recomputing map positions and clusters.
const DERIVE_ROWS: usize = 32 * 1024;

/// Decodes and validates a catalog in bounded steps, so a browser can yield to its event loop
/// between them: one [`Catalog::from_bytes`] of the 182k-track file blocks a browser for 70 ms or
/// more.
/// A step is one 1 MiB chunk of the checksum, 256 KiB of a zstd section unpacked, one section
/// read, or 32k rows of the feature codes, map and clusters. [`Catalog::from_bytes`] is this
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
    /// Feature codes, map positions and clusters of the tracks from this one on (one chunk).
    Derive {
        from: usize,
    },
    Done,
}

/// The catalog as far as it is decoded, with what later sections need from earlier ones.
pub(super) struct Decoded {
    pub(super) n: usize,
    pub(super) n_artists: usize,
    pub(super) n_albums: usize,
    pub(super) n_genres: usize,
    pub(super) n_sets: usize,
    /// What the columns decoded so far, and those the counts promise, may allocate.
    pub(super) budget: MemoryBudget,
    /// Album names as stored (singles empty), until `talb` says which track names them.
    pub(super) stored_albums: StringTable,
    /// The scaled rows of the derive step's block, decoded from their codes for the map and
    /// the clusters (the catalog keeps only the codes).
    pub(super) block_rows: Vec<f32>,
    pub(super) catalog: Catalog,
}

impl<'a> CatalogDecoder<'a> {
    /// Checks the header and the section table (not yet the checksum).
    pub fn new(bytes: &'a [u8]) -> Result<Self, CatalogError> {
        let len = bytes.len();
        let header = Header::parse(bytes)?;
        header.check_version()?;
        let n_tracks = header.n_tracks as usize;
        let table_end = header.table_end();
        let mut found: [Option<(&[u8], usize)>; SECTIONS.len()] = [None; SECTIONS.len()];
        for entry in header.table(bytes)? {
            let offset = u64::from(entry.offset);
            let end = offset + u64::from(entry.stored_len);
            if end > len as u64 {
                let tag = entry.tag_text();
                return Err(CatalogError::SectionOutOfBounds { tag, end, len });
            }
            // The header's section count is not under the checksum: one too many would read
            // the first section's bytes as a table entry, which this catches.
            if offset < table_end {
                return Err(CatalogError::SectionOverlapsTable {
                    tag: entry.tag_text(),
                    offset,
                    table_end,
                });
            }
            if let Some(slot) = section_index(&entry.tag) {
                if found[slot].is_some() {
                    return Err(CatalogError::DuplicateSection(entry.tag_text()));
                }
                let stored = &bytes[offset as usize..end as usize];
                found[slot] = Some((stored, entry.decoded_len as usize));
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
        for (Section { tag, codec, .. }, found) in SECTIONS.iter().zip(&found) {
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
            stored_checksum: header.checksum,
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
                stored_albums: StringTable::default(),
                block_rows: Vec::new(),
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
                let tag = SECTIONS[i].tag;
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
                let Section { tag, read, .. } = SECTIONS[i];
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
                // Per row: its codes and scaled lanes, the two map axes and a distance to each
                // centroid.
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
            Stage::Unpack(i) => format!("unpack {}", SECTIONS[i].tag),
            Stage::Read(i) => format!("read {}", SECTIONS[i].tag),
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
        for ((part, found), Section { tag, codec, .. }) in
            self.parts.iter_mut().zip(self.found).zip(&SECTIONS)
        {
            let (tag, codec) = (*tag, *codec);
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
    match SECTIONS.get(i).map(|s| s.codec) {
        Some(Codec::Zstd) => Stage::Unpack(i),
        Some(Codec::Raw) => Stage::Read(i),
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
        space: CodeSpace::new(&Scaler::identity()),
        codes: Vec::new(),
        kmeans: KMeansModel {
            centroids: Vec::new(),
            inertia_curve: Vec::new(),
        },
        clusters: Vec::new(),
        map: Projection2d::default(),
        projection: Vec::new(),
        track_genres: Lists::default(),
        genre_trust: TrustColumn::default(),
        genres: GenreVocab::default(),
    }
}
