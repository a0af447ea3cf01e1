//! Bounds-checked cursors over a section's bytes: [`Reader`] for decoding (varints, zigzag
//! deltas, NUL-terminated strings), [`Writer`] for encoding the same shapes.

use std::borrow::Cow;

#[cfg(feature = "write")]
use super::unwritable;
use super::{CatalogError, invalid, out_of_range};
use crate::catalog::StringTable;

/// A bounds-checked cursor over one section.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) section: &'static str,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CatalogError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(CatalogError::Truncated {
            section: self.section,
            what,
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(super) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], CatalogError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(super) fn u16(&mut self, what: &'static str) -> Result<u16, CatalogError> {
        self.array(what).map(u16::from_le_bytes)
    }

    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, CatalogError> {
        self.array(what).map(u32::from_le_bytes)
    }

    pub(super) fn f32(&mut self, what: &'static str) -> Result<f32, CatalogError> {
        let v = self.array(what).map(f32::from_le_bytes)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(invalid(self.section, format!("{what} is not finite")))
        }
    }

    pub(super) fn f32s<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[f32; N], CatalogError> {
        let mut out = [0.0; N];
        for x in &mut out {
            *x = self.f32(what)?;
        }
        Ok(out)
    }

    /// Inlined (with [`Reader::delta`]) into the column loops, which call it per track: most
    /// values (deltas, counts) fit one byte, and the error, a large value, is built out of line.
    #[inline(always)]
    pub(super) fn varint(&mut self, what: &'static str) -> Result<u32, CatalogError> {
        match self.bytes.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(u32::from(byte))
            }
            _ => self.long_varint(what),
        }
    }

    #[inline(never)]
    pub(super) fn long_varint(&mut self, what: &'static str) -> Result<u32, CatalogError> {
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
    pub(super) fn delta(
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
    pub(super) fn ensure(
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

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(super) fn finish(self) -> Result<(), CatalogError> {
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
    pub(super) fn strings(&mut self, count: usize) -> Result<StringTable, CatalogError> {
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
pub(super) struct Contents<'a> {
    pub(super) bytes: Cow<'a, [u8]>,
    pub(super) section: &'static str,
}

impl Contents<'_> {
    pub(super) fn reader(&self) -> Reader<'_> {
        Reader {
            bytes: &self.bytes,
            pos: 0,
            section: self.section,
        }
    }

    /// The whole section as `count` NUL-terminated UTF-8 strings: the bytes become the table's
    /// text as they are (the terminators stay, see [`StringTable`]).
    pub(super) fn into_strings(self, count: usize) -> Result<StringTable, CatalogError> {
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

#[cfg(feature = "write")]
#[derive(Default)]
pub(super) struct Writer(pub(super) Vec<u8>);

#[cfg(feature = "write")]
impl Writer {
    pub(super) fn varint(&mut self, mut v: u32) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub(super) fn delta(&mut self, previous: u32, value: u32) {
        let d = i64::from(value) - i64::from(previous);
        // |d| < 2^32, so the zigzag code fits 33 bits only for deltas the reader rejects anyway;
        // real columns stay far below.
        let z = ((d << 1) ^ (d >> 63)) as u32;
        self.varint(z);
    }

    pub(super) fn f32s(&mut self, values: &[f32]) {
        for v in values {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }

    pub(super) fn strings<'s>(
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

    pub(super) fn plane(&mut self, codes: &[u16], wide: bool) {
        if wide {
            self.0.extend(codes.iter().map(|c| (c >> 8) as u8));
        }
        self.0.extend(codes.iter().map(|&c| c as u8));
    }
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
}
