//! The header and the section table: the one parser of a file's first bytes, for the decoder,
//! the builder's size report ([`section_sizes`]) and the app's cache key alike.

use super::CatalogError;

/// The file's first eight bytes.
pub const MAGIC: [u8; 8] = *b"ENCORCAT";
/// The only version this code reads and writes.
pub const FORMAT_VERSION: u32 = 6;
/// Bytes before the section table.
pub const HEADER_LEN: usize = 24;
/// Bytes per entry of the section table.
pub(super) const TABLE_ENTRY_LEN: usize = 16;

/// The fixed 24 bytes at the start of every catalog file (see the module doc of `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The format version, not yet checked against [`FORMAT_VERSION`]: see [`Header::check_version`].
    pub version: u32,
    pub n_tracks: u32,
    pub n_sections: u32,
    /// XXH32 (seed 0) of every byte after the header, as stored.
    pub checksum: u32,
}

/// One entry of the section table, as stored (nothing checked yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableEntry {
    pub tag: [u8; 4],
    pub offset: u32,
    pub stored_len: u32,
    pub decoded_len: u32,
}

impl TableEntry {
    /// The tag as text, for messages.
    pub fn tag_text(&self) -> String {
        String::from_utf8_lossy(&self.tag).into_owned()
    }
}

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl Header {
    /// Reads the header of `bytes` (the whole file, or at least its first [`HEADER_LEN`] bytes);
    /// checks only the length and the magic.
    pub fn parse(bytes: &[u8]) -> Result<Header, CatalogError> {
        let start = &bytes[..bytes.len().min(MAGIC.len())];
        if bytes.len() < HEADER_LEN {
            // A prefix of the magic is still not a catalog we can read; say which problem it is.
            return Err(if MAGIC.starts_with(start) {
                CatalogError::TooShort { len: bytes.len() }
            } else {
                CatalogError::BadMagic {
                    found: start.to_vec(),
                }
            });
        }
        if start != MAGIC {
            return Err(CatalogError::BadMagic {
                found: start.to_vec(),
            });
        }
        Ok(Header {
            version: word(bytes, 8),
            n_tracks: word(bytes, 12),
            n_sections: word(bytes, 16),
            checksum: word(bytes, 20),
        })
    }

    /// Whether this code reads the file's version.
    pub fn check_version(&self) -> Result<(), CatalogError> {
        let (found, supported) = (self.version, FORMAT_VERSION);
        match found.cmp(&supported) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Greater => Err(CatalogError::NewerVersion { found, supported }),
            std::cmp::Ordering::Less => Err(CatalogError::OlderVersion { found, supported }),
        }
    }

    /// Where the section table ends (and the sections may start).
    pub fn table_end(&self) -> u64 {
        u64::from(self.n_sections) * TABLE_ENTRY_LEN as u64 + HEADER_LEN as u64
    }

    /// The section table's entries, in table order, once the table is known to fit in `bytes`.
    pub fn table<'b>(
        &self,
        bytes: &'b [u8],
    ) -> Result<impl Iterator<Item = TableEntry> + 'b, CatalogError> {
        let end = self.table_end();
        let table = usize::try_from(end)
            .ok()
            .and_then(|end| bytes.get(HEADER_LEN..end))
            .ok_or(CatalogError::TableOutOfBounds {
                n_sections: self.n_sections,
                end,
                len: bytes.len(),
            })?;
        Ok(table.chunks_exact(TABLE_ENTRY_LEN).map(|entry| TableEntry {
            tag: [entry[0], entry[1], entry[2], entry[3]],
            offset: word(entry, 4),
            stored_len: word(entry, 8),
            decoded_len: word(entry, 12),
        }))
    }
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
    let Ok(header) = Header::parse(bytes) else {
        return Vec::new();
    };
    let Ok(table) = header.table(bytes) else {
        return Vec::new();
    };
    table
        .map(|entry| SectionSize {
            tag: entry.tag_text(),
            stored: entry.stored_len as usize,
            decoded: entry.decoded_len as usize,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: u32, n_sections: u32) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        for v in [version, 7, n_sections, 0xdead_beef] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn parses_the_fields_and_refuses_what_is_not_a_header() {
        let bytes = header(3, 0);
        let parsed = Header::parse(&bytes).unwrap();
        assert_eq!(
            parsed,
            Header {
                version: 3,
                n_tracks: 7,
                n_sections: 0,
                checksum: 0xdead_beef
            }
        );
        assert_eq!(
            parsed.check_version(),
            Err(CatalogError::OlderVersion {
                found: 3,
                supported: FORMAT_VERSION
            })
        );
        assert!(matches!(
            Header::parse(&bytes[..20]),
            Err(CatalogError::TooShort { len: 20 })
        ));
        assert!(matches!(
            Header::parse(b"ENCORDOG and more bytes to pass the length"),
            Err(CatalogError::BadMagic { .. })
        ));
        assert!(matches!(
            Header::parse(b"PK"),
            Err(CatalogError::BadMagic { .. })
        ));
    }

    #[test]
    fn the_table_must_fit_in_the_file() {
        let mut bytes = header(FORMAT_VERSION, 1);
        let parsed = Header::parse(&bytes).unwrap();
        assert!(matches!(
            parsed.table(&bytes).map(|t| t.count()),
            Err(CatalogError::TableOutOfBounds { end: 40, .. })
        ));
        bytes.extend_from_slice(b"titl");
        for v in [40u32, 3, 9] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let entries: Vec<TableEntry> = parsed.table(&bytes).unwrap().collect();
        assert_eq!(entries[0].tag_text(), "titl");
        assert_eq!((entries[0].offset, entries[0].stored_len), (40, 3));
        assert_eq!(
            section_sizes(&bytes),
            [SectionSize {
                tag: "titl".into(),
                stored: 3,
                decoded: 9
            }]
        );
        assert!(section_sizes(b"not a catalog").is_empty());
    }
}
