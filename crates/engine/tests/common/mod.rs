//! Crafted catalog files for the tests that feed the decoder untrusted bytes: every section
//! consistent with chosen counts, so a file gets past the checksum and the table to the counts.

#![allow(dead_code, clippy::unwrap_used)]

use encore_engine::catalog::format::{FEATURE_CODECS, write_sections};

/// The counts of a crafted catalog; every section is consistent with them.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub tracks: usize,
    pub artists: usize,
    pub albums: usize,
    pub genres: usize,
    /// Genres in the one genre set, which every track has; its first half Spotify's artist
    /// genres, half of those agreed.
    pub set_len: usize,
    pub k: usize,
    pub curve_len: usize,
}

fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn u32s(out: &mut Vec<u8>, values: &[u32]) {
    values
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
}

fn f32s(out: &mut Vec<u8>, value: f32, count: usize) {
    (0..count).for_each(|_| out.extend_from_slice(&value.to_le_bytes()));
}

/// The sections of a file of `shape`'s counts, every string empty or one letter.
pub fn sections(shape: Shape) -> Vec<(&'static str, Vec<u8>)> {
    let n = shape.tracks;
    let mut meta = Vec::new();
    u32s(
        &mut meta,
        &[
            shape.artists as u32,
            shape.albums as u32,
            shape.genres as u32,
            1,
        ],
    );
    meta.extend_from_slice(&(shape.k as u16).to_le_bytes());
    meta.extend_from_slice(&(shape.curve_len as u16).to_le_bytes());
    f32s(&mut meta, 0.0, 13);
    f32s(&mut meta, 1.0, 13);
    f32s(&mut meta, 0.0, shape.k * 16);
    for _ in 0..shape.curve_len {
        meta.extend_from_slice(&2u16.to_le_bytes());
        meta.extend_from_slice(&1.0f64.to_le_bytes());
    }
    f32s(&mut meta, 0.0, 3 * 16);

    let tids: Vec<u8> = (0..n as u128).flat_map(u128::to_le_bytes).collect();
    let track_artist: &[u8] = if shape.artists > 0 { &[1, 0] } else { &[0] };
    let feature_bytes: usize = FEATURE_CODECS.iter().map(|c| c.bits as usize / 8).sum();
    let mut gnrs = b"g\0".repeat(shape.genres);
    f32s(&mut gnrs, 1.0, shape.genres);
    let mut gset = Vec::new();
    let artist_genres = shape.set_len / 2;
    let agreed = artist_genres / 2;
    varint(&mut gset, shape.set_len as u32);
    varint(&mut gset, artist_genres as u32);
    varint(&mut gset, (artist_genres - agreed) as u32);
    // Ids 0..agreed, agreed..artist_genres, then artist_genres..set_len: each run its first id,
    // then gaps of 1.
    for run in [
        0..agreed,
        agreed..artist_genres,
        artist_genres..shape.set_len,
    ] {
        let first = run.start;
        run.for_each(|j| varint(&mut gset, if j == first { j as u32 } else { 1 }));
    }
    gset.resize(gset.len() + n, 0);

    vec![
        ("meta", meta),
        ("tids", tids),
        ("titl", b"t\0".repeat(n)),
        ("arts", vec![0; shape.artists]),
        ("arid", vec![0; shape.artists.div_ceil(8)]),
        ("tart", track_artist.repeat(n)),
        ("albs", b"a\0".repeat(shape.albums)),
        ("talb", vec![0; n]),
        ("year", vec![0; n]),
        ("popu", vec![255; n]),
        ("chrt", vec![0; n.div_ceil(4)]),
        ("feat", vec![0; n * feature_bytes]),
        ("gnrs", gnrs),
        ("gset", gset),
    ]
}

/// A checksum-correct file of `shape`'s counts.
pub fn craft(shape: Shape) -> Vec<u8> {
    write_sections(shape.tracks as u32, &sections(shape)).unwrap()
}

/// A small, valid shape: one of everything.
pub fn shape(tracks: usize) -> Shape {
    Shape {
        tracks,
        artists: 1,
        albums: 1,
        genres: 1,
        set_len: 1,
        k: 1,
        curve_len: 1,
    }
}
