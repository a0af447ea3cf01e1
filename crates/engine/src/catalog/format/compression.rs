//! The zstd codec of the catalog's compressed sections: decoded in bounded steps with bounded
//! memory by `ruzstd` (pure Rust, shipped to the browser), encoded by the reference C encoder
//! (native writer only).

#[cfg(feature = "write")]
use super::unwritable;
use super::{CatalogError, invalid, length_mismatch};

/// Bytes of a zstd section decoded per step: about 1.5 ms natively. Small on purpose: a browser
/// first runs WebAssembly through its baseline compiler and swaps in optimized code between calls,
/// never during one, so the first step runs several times slower than the rest (a 1 MiB step
/// measured 114 ms in Chromium, where a warmed-up one takes under 10).
pub(super) const UNPACK_STEP: usize = 1 << 18;

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
pub(super) struct Unzstd {
    decoder: ruzstd::decoding::FrameDecoder,
    /// Bytes of the section read so far (0: the frame header is next).
    input_offset: usize,
    pub(super) out: Vec<u8>,
}

impl Unzstd {
    /// Decodes about `budget` more bytes of the frame in `stored`; the contents once it ends.
    pub(super) fn run(
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

/// Zstd at its densest level (22), with the content size in the frame header (which makes the
/// encoder size its window to the section, so small catalogs need little decoder memory), a
/// window of at most [`MAX_WINDOW`], and no frame checksum.
#[cfg(feature = "write")]
pub(super) fn zstd_compress(tag: &str, contents: &[u8]) -> Result<Vec<u8>, CatalogError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

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
