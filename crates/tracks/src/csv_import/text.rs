//! A CSV's bytes as text: read up to a size cap, then decoded from whichever encoding the file
//! is in. Spreadsheet programs save CSVs as UTF-8 (with or without a byte-order mark), as UTF-16
//! with a byte-order mark ("Unicode text"), or in the Windows code page (Latin-1, strictly
//! Windows-1252, which WHATWG's "latin1" label also means).
//!
//! Written with `std` alone: `char::decode_utf16` and a 32-entry table are all two of these
//! encodings need, where `encoding_rs` would ship every legacy encoding's tables to the browser.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

/// The most bytes one CSV may hold. The largest catalog source is 22 MB once unpacked, and a
/// playlist export of 10,000 songs about 3 MB.
pub const MAX_CSV_BYTES: u64 = 64 << 20;

/// The text encoding a CSV was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// Read as Windows-1252 because the bytes were not UTF-8 and held no UTF-8 character at all.
    Windows1252,
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 (little-endian)",
            TextEncoding::Utf16Be => "UTF-16 (big-endian)",
            TextEncoding::Windows1252 => "Latin-1 (Windows-1252)",
        })
    }
}

/// Why bytes are not text this reader can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TextError {
    /// Larger than [`MAX_CSV_BYTES`].
    TooLarge,
    /// The read failed after `bytes` (what came before is returned).
    Read { bytes: Vec<u8>, message: String },
    /// A byte-order mark announced an encoding the bytes then break, or one this reader refuses.
    Encoding {
        encoding: &'static str,
        why: &'static str,
    },
}

/// All of `reader`, refused past [`MAX_CSV_BYTES`] (one byte more is read to tell).
pub(super) fn read_capped(reader: impl Read) -> Result<Vec<u8>, TextError> {
    let mut bytes = Vec::new();
    match reader.take(MAX_CSV_BYTES + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > MAX_CSV_BYTES => Err(TextError::TooLarge),
        Ok(_) => Ok(bytes),
        Err(e) => Err(TextError::Read {
            bytes,
            message: e.to_string(),
        }),
    }
}

/// The bytes as UTF-8 (byte-order mark removed), and the encoding they were in.
///
/// Bytes that are not valid UTF-8 are read as Windows-1252 only when they hold no valid UTF-8
/// character beyond ASCII: a UTF-8 file with one damaged row stays as it is (the CSV reader
/// skips that row as malformed), where reading it all as Latin-1 would garble every accent in it.
pub(super) fn decode(bytes: &[u8]) -> Result<(Cow<'_, [u8]>, TextEncoding), TextError> {
    if bytes.starts_with(&[0xff, 0xfe, 0, 0]) || bytes.starts_with(&[0, 0, 0xfe, 0xff]) {
        return Err(TextError::Encoding {
            encoding: "UTF-32",
            why: "is not read",
        });
    }
    if let Some(body) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return utf16(body, u16::from_le_bytes, TextEncoding::Utf16Le);
    }
    if let Some(body) = bytes.strip_prefix(&[0xfe, 0xff]) {
        return utf16(body, u16::from_be_bytes, TextEncoding::Utf16Be);
    }
    let body = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    let damaged = std::str::from_utf8(body).is_err();
    let has_utf8_character = || body.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    if !damaged || has_utf8_character() {
        return Ok((Cow::Borrowed(body), TextEncoding::Utf8));
    }
    let text: String = body.iter().map(|&b| windows_1252(b)).collect();
    Ok((Cow::Owned(text.into_bytes()), TextEncoding::Windows1252))
}

fn utf16(
    body: &[u8],
    unit: fn([u8; 2]) -> u16,
    encoding: TextEncoding,
) -> Result<(Cow<'static, [u8]>, TextEncoding), TextError> {
    let name = "UTF-16";
    let (units, rest) = body.as_chunks::<2>();
    if !rest.is_empty() {
        return Err(TextError::Encoding {
            encoding: name,
            why: "ends in the middle of a character",
        });
    }
    let text = char::decode_utf16(units.iter().map(|&pair| unit(pair)))
        .collect::<Result<String, _>>()
        .map_err(|_| TextError::Encoding {
            encoding: name,
            why: "holds a broken character (an unpaired surrogate)",
        })?;
    Ok((Cow::Owned(text.into_bytes()), encoding))
}

/// The character of one Windows-1252 byte: Latin-1 except 0x80..=0x9f, where Windows puts
/// punctuation and a few letters (and leaves five bytes undefined, read as their C1 controls,
/// as WHATWG's decoder does).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xff, 0xfe];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn each_encoding_is_decoded_to_the_same_text() {
        let text = "id,title\n1,Déjà Vu – Señorita €\n";
        let mut be = vec![0xfe, 0xff];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let with_bom = [&[0xef, 0xbb, 0xbf], text.as_bytes()].concat();
        for (bytes, encoding) in [
            (text.as_bytes().to_vec(), TextEncoding::Utf8),
            (with_bom, TextEncoding::Utf8),
            (utf16le(text), TextEncoding::Utf16Le),
            (be, TextEncoding::Utf16Be),
        ] {
            let (decoded, found) = decode(&bytes).unwrap();
            assert_eq!((decoded.as_ref(), found), (text.as_bytes(), encoding));
        }
        // The same line as Windows saves it: é, à, ñ one byte each, the en dash and euro sign
        // in the 0x80..0x9f range.
        let cp1252 = b"id,title\n1,D\xe9j\xe0 Vu \x96 Se\xf1orita \x80\n";
        let (decoded, found) = decode(cp1252).unwrap();
        assert_eq!(
            (decoded.as_ref(), found),
            (text.as_bytes(), TextEncoding::Windows1252)
        );
    }

    #[test]
    fn damaged_utf8_stays_utf8_and_broken_utf16_is_refused() {
        let damaged = b"caf\xc3\xa9,\xff\n";
        let (decoded, found) = decode(damaged).unwrap();
        assert_eq!(
            (decoded.as_ref(), found),
            (&damaged[..], TextEncoding::Utf8)
        );
        let mut odd = utf16le("ab");
        odd.push(0x41);
        let err = decode(&odd).unwrap_err();
        assert_eq!(
            err,
            TextError::Encoding {
                encoding: "UTF-16",
                why: "ends in the middle of a character"
            }
        );
        let lone_surrogate = [0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00];
        assert!(matches!(
            decode(&lone_surrogate),
            Err(TextError::Encoding { why, .. }) if why.contains("unpaired surrogate")
        ));
        assert!(matches!(
            decode(&[0xff, 0xfe, 0, 0, b'a', 0, 0, 0]),
            Err(TextError::Encoding {
                encoding: "UTF-32",
                ..
            })
        ));
    }

    #[test]
    fn a_file_past_the_cap_is_refused_and_a_failed_read_keeps_its_bytes() {
        let big = std::io::repeat(b'a').take(MAX_CSV_BYTES + 10);
        assert_eq!(read_capped(big), Err(TextError::TooLarge));
        let exact = std::io::repeat(b'a').take(MAX_CSV_BYTES);
        assert_eq!(
            read_capped(exact).map(|b| b.len() as u64),
            Ok(MAX_CSV_BYTES)
        );
    }
}
