//! Untrusted catalog bytes: files that are well-formed and checksum-correct but whose counts are
//! hostile (millions of empty artist names, a genre set shared by every track, thousands of
//! clusters). Decoding any of them must allocate at most about 64 bytes per byte of the file plus
//! a constant, and do work linear in the file's length: the first is measured with a counting
//! global allocator (this test binary only), the second with the decoder's own work count (no
//! clock).

#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::sync::{Mutex, MutexGuard};

mod common;

use common::{Shape, craft, shape};
use encore_engine::catalog::format::{
    MAX_K, MAX_MEMORY_PER_FILE_BYTE, MEMORY_SLACK, memory_limit, write_sections,
};
use encore_engine::catalog::{Catalog, CatalogDecoder, CatalogError, Trust};
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use proptest::prelude::*;

#[global_allocator]
static GLOBAL: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocator's peak is process-wide: each test holds this while it runs, so no other test
/// allocates during its measurement.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Work per byte of file the decoder may do, on top of [`WORK_SLACK`]: hashing, unpacking and
/// reading are a few units per byte, and assigning clusters is 16 lanes per track and centroid
/// (at most [`MAX_K`]) for tracks of at least 32 bytes each.
const WORK_PER_FILE_BYTE: u64 = 16 * (MAX_K as u64 + 3) / 32 + 2 * MAX_MEMORY_PER_FILE_BYTE as u64;
const WORK_SLACK: u64 = 2 * MEMORY_SLACK as u64;

/// What decoding `bytes` gave, the peak memory it allocated and the work it counted.
fn decode_measured(bytes: &[u8]) -> (Result<Catalog, CatalogError>, usize, u64) {
    GLOBAL.reset_peak_memory();
    let mut work = 0;
    let result = CatalogDecoder::new(bytes).and_then(|mut decoder| {
        let finished = loop {
            match decoder.step() {
                Ok(false) => {}
                Ok(true) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        work = decoder.work();
        finished.and_then(|()| decoder.finish())
    });
    let peak = GLOBAL.get_peak_memory();
    (result, peak, work)
}

/// Decodes `bytes` and checks both bounds; returns the outcome.
fn assert_bounded(bytes: &[u8]) -> Result<Catalog, CatalogError> {
    let len = bytes.len();
    let (result, peak, work) = decode_measured(bytes);
    assert!(
        peak <= memory_limit(len),
        "a file of {len} bytes took {peak} bytes of memory (limit {}): {result:?}",
        memory_limit(len)
    );
    let work_limit = WORK_PER_FILE_BYTE * len as u64 + WORK_SLACK;
    assert!(
        work <= work_limit,
        "a file of {len} bytes took {work} units of work (limit {work_limit})"
    );
    result
}

#[test]
fn an_honest_crafted_catalog_decodes_within_the_bounds() {
    let _alone = alone();
    let catalog = assert_bounded(&craft(shape(5000))).unwrap();
    assert_eq!(catalog.n_tracks(), 5000);
    assert_eq!(
        catalog.genre_names(encore_engine::TrackIdx(4999)).count(),
        1
    );
}

#[test]
fn a_genre_set_shared_by_every_track_cannot_ask_for_gigabytes() {
    let _alone = alone();
    // 2.6 MB that once asked for 8 GiB: 70,000 tracks that each expand one set of 60,000 genres.
    let bytes = craft(Shape {
        genres: 60_000,
        set_len: 60_000,
        ..shape(70_000)
    });
    assert!(bytes.len() < 2_700_000, "{} bytes", bytes.len());
    let err = assert_bounded(&bytes).unwrap_err();
    assert!(err.to_string().contains("genre ids of tracks"), "{err}");
}

#[test]
fn a_genre_set_says_truly_how_far_each_of_its_genres_is_trusted() {
    let _alone = alone();
    let with_set = |set: &[u8]| {
        let mut sections = common::sections(shape(10));
        let gset = sections.iter_mut().find(|(tag, _)| *tag == "gset").unwrap();
        gset.1 = [set, &[0; 10]].concat();
        write_sections(10, &sections).unwrap()
    };
    // Length, artist genre count, one-snapshot count, then the runs of agreed genres, of one
    // snapshot's and of search labels.
    let cases: [(&[u8], &str); 4] = [
        (&[1, 2, 0, 0], "2 artist genres in a set of 1"),
        (
            &[2, 1, 2, 0, 0],
            "2 one-snapshot genres among 1 artist genres",
        ),
        (&[2, 1, 1, 0, 0], "genre 0 is in two runs"),
        (&[2, 0, 0, 0, 0], "genre ids not ascending"),
    ];
    for (set, why) in cases {
        let err = assert_bounded(&with_set(set)).unwrap_err();
        assert!(err.to_string().contains(why), "{set:?}: {err}");
    }
    for (set, trust) in [
        ([1, 1, 0, 0], Trust::Agreed),
        ([1, 1, 1, 0], Trust::OneSnapshot),
    ] {
        let catalog = assert_bounded(&with_set(&set)).unwrap();
        assert!(
            catalog
                .genres_with_trust(encore_engine::TrackIdx(9))
                .all(|(_, t)| t == trust),
            "{set:?}"
        );
    }
}

#[test]
fn millions_of_empty_names_cost_what_the_file_can_pay_for() {
    let _alone = alone();
    // 3M artists and 2M albums: 3 and 4 MB of NULs and letters, which zstd stores in a few KB; only
    // the artists' id bitmap is raw (0.4 MB). Held, they would take 190 MB.
    let bytes = craft(Shape {
        artists: 3 << 20,
        albums: 2 << 20,
        ..shape(20_000)
    });
    let err = assert_bounded(&bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("3145728 artists would need more memory"),
        "{err}"
    );
}

#[test]
fn k_is_at_most_256() {
    let _alone = alone();
    let err = assert_bounded(&craft(Shape {
        k: MAX_K + 1,
        ..shape(100)
    }))
    .unwrap_err();
    assert!(err.to_string().contains("k = 257 is above 256"), "{err}");
    let catalog = assert_bounded(&craft(Shape {
        k: MAX_K,
        ..shape(100)
    }))
    .unwrap();
    assert_eq!(catalog.kmeans.k(), MAX_K);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Any mix of counts, large or small, decodes or is refused within both bounds.
    #[test]
    fn hostile_counts_stay_within_the_bounds(
        tracks in 0usize..4000,
        artists in prop_oneof![0usize..50, 0usize..(2 << 20)],
        albums in prop_oneof![0usize..50, 0usize..(2 << 20)],
        genres in prop_oneof![1usize..50, 1usize..30_000],
        set_fraction in 0.0f64..=1.0,
        k in prop_oneof![1usize..8, 1usize..400],
        curve_len in 0usize..2000,
    ) {
        let _alone = alone();
        let set_len = (genres as f64 * set_fraction) as usize;
        let bytes = craft(Shape { tracks, artists, albums, genres, set_len, k, curve_len });
        let _ = assert_bounded(&bytes);
    }
}

#[test]
fn a_decoded_track_keeps_its_sound_in_16_bytes_not_a_64_byte_row() {
    let _alone = alone();
    // The peak a track adds to decoding: every column, the file's own share and the features,
    // which the catalog keeps as 16 bytes of codes. Scaled `f32` rows took 64 bytes a track
    // more than that and brought it to about 119 bytes.
    let peak = |n: usize| {
        let (result, peak, _) = decode_measured(&craft(shape(n)));
        assert_eq!(result.map(|c| c.n_tracks()), Ok(n));
        peak
    };
    let (small, large) = (peak(20_000), peak(40_000));
    let per_track = (large - small) as f64 / 20_000.0;
    assert!(per_track < 80.0, "{per_track} bytes a track");
}
