//! The catalog pipeline end to end on hand-written CSVs: import, merge, fit, encode, decode, and
//! the validation of damaged files.

// The workspace allows `unwrap()` in `#[test]` functions; the fixture helpers here are test code
// too, and a panic is exactly how they should report a broken fixture.
#![allow(clippy::unwrap_used)]

use encore_engine::catalog::build::{BuildConfig, BuildError, build};
use encore_engine::catalog::format::{
    FORMAT_VERSION, SectionSize, max_unpacked_len, round_features, section_sizes,
};
use encore_engine::catalog::{CatalogDecoder, CatalogError};
use encore_engine::csv_import::{ImportReport, read_tracks};
use encore_engine::synth::{SynthConfig, synthesize};
use encore_engine::{Catalog, TrackId, TrackIdx};
use proptest::prelude::*;

const FEATURES: &str = "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature";

/// Features of row `i`: varied enough for three clusters.
fn features(i: usize) -> String {
    let x = (i % 7) as f32 / 7.0;
    let group = i % 3;
    format!(
        "{:.3},{:.3},{},{:.2},{},0.05,{:.3},1.01e-06,0.1,{:.3},{:.1},{},4",
        0.2 + 0.3 * group as f32 + 0.05 * x,
        0.9 - 0.3 * group as f32,
        i % 12,
        -5.0 - 4.0 * group as f32,
        i % 2,
        0.1 + 0.4 * group as f32,
        0.3 + 0.1 * x,
        90.0 + 30.0 * group as f32,
        180_000 + 1000 * i
    )
}

fn id(i: usize) -> String {
    format!("{:0>22}", format!("{i}abcXYZ"))
}

fn fixture_imports() -> Vec<ImportReport> {
    let mut t114 =
        format!("track_id,artists,album_name,track_name,popularity,{FEATURES},track_genre\n");
    for i in 0..30 {
        let artist = ["Ana", "Bo;Ana", "Cy", "Dee \"D\" Dee"][i % 4];
        t114.push_str(&format!(
            "{},\"{artist}\",Album {},\"Song {i}, part\",{},{},genre{}\n",
            id(i),
            i % 5,
            i * 3,
            features(i),
            i % 3
        ));
    }
    // Track 0 again under another genre, and one without artist (as in the real file).
    t114.push_str(&format!(
        "{},Ana,Album 0,Song 0 (again),10,{},extra\n",
        id(0),
        features(0)
    ));
    t114.push_str(&format!("{},,,,5,{},lonely\n", id(40), features(40)));
    // A single: the album is named like the track (stored once in the file).
    t114.push_str(&format!(
        "{},Gus,Solo,Solo,5,{},genre1\n",
        id(41),
        features(41)
    ));
    let mut search = format!(
        "search_genre,track_name,track_id,artist_name,artist_id,album_name,release_date,popularity,{FEATURES},artist_genres\n"
    );
    search.push_str(&format!(
        "indie,Song Zero,{},Ana,0hRcHqu2R885utzNyofwbj,Zero LP,2003-01-01,77,{},\"['indie pop', 'genre0']\"\n",
        id(0),
        features(0)
    ));
    search.push_str(&format!(
        "indie,Newer,{},Eve,,Eve LP,2019,12,{},[]\n",
        id(31),
        features(31)
    ));
    let mut hits = format!("track,artist,uri,{FEATURES},chorus_hit,sections,target,decade\n");
    hits.push_str(&format!(
        "Oldie,Fay,spotify:track:{},{},30.1,9,1,1960s\n",
        id(32),
        features(32)
    ));
    // Track 1 is listed as a miss, then as a hit: the hit wins. Track 2 is only a miss.
    for (i, target) in [(1, 0), (1, 1), (2, 0)] {
        hits.push_str(&format!(
            "Song {i} hit,Bo,spotify:track:{},{},30.1,9,{target},1990s\n",
            id(i),
            features(i)
        ));
    }
    let artists =
        "genres,artists,acousticness,count\r\n\"['dream pop']\",ANA ,0.5,3\r\n[],Fay,0.1,1\r\n";
    [
        (t114, "tracks.csv"),
        (search, "search.csv"),
        (hits, "hits.csv"),
        (artists.to_owned(), "artists.csv"),
    ]
    .iter()
    .map(|(text, name)| read_tracks(text.as_bytes(), name).unwrap())
    .collect()
}

fn config() -> BuildConfig {
    BuildConfig {
        fixed_k: Some(3),
        ..BuildConfig::default()
    }
}

fn fixture() -> Catalog {
    build(&fixture_imports(), &config()).unwrap().0
}

/// The fixture's file, encoded once: the property tests damage hundreds of copies.
fn fixture_bytes() -> Vec<u8> {
    static BYTES: std::sync::LazyLock<Vec<u8>> =
        std::sync::LazyLock::new(|| fixture().to_bytes().unwrap());
    BYTES.clone()
}

fn find(catalog: &Catalog, i: usize) -> TrackIdx {
    let id = TrackId::parse(&id(i)).unwrap();
    TrackIdx(catalog.ids.iter().position(|&t| t == id).unwrap() as u32)
}

#[test]
fn merges_by_id_with_the_documented_precedence() {
    let (catalog, report) = build(&fixture_imports(), &config()).unwrap();
    assert_eq!(report.tracks_kept, 34);
    assert_eq!(report.duplicate_rows, 5);
    assert_eq!(catalog.n_tracks(), 34);
    let zero = find(&catalog, 0);
    // The genre-search crawl wins over the 114k set; genres are the union of every row, plus the
    // artist-genres file joined on the normalized name ("ANA " = "Ana").
    assert_eq!(catalog.title(zero), "Song Zero");
    assert_eq!(catalog.year(zero), Some(2003));
    assert_eq!(catalog.popularity[zero.get()], Some(77));
    assert_eq!(
        catalog.albums.get(catalog.track_album[zero.get()] as usize),
        "Zero LP"
    );
    let mut genres: Vec<&str> = catalog.genre_names(zero).collect();
    genres.sort_unstable();
    assert_eq!(
        genres,
        ["dream pop", "genre0", "indie"],
        "one-track genres (extra, indie pop) are dropped"
    );
    let ana = catalog.primary_artist(zero).unwrap() as usize;
    assert_eq!(
        catalog.artists.ids[ana].map(|a| a.to_string()).as_deref(),
        Some("0hRcHqu2R885utzNyofwbj")
    );
    // The hit predictor fills only what the 114k row lacks (the year), and names no popularity.
    let one = find(&catalog, 1);
    assert_eq!(catalog.title(one), "Song 1, part");
    assert_eq!(catalog.artist_names(one).collect::<Vec<_>>(), ["Bo", "Ana"]);
    assert_eq!(catalog.year(one), Some(1995));
    let hit_flags = [0, 1, 2, 32].map(|i| catalog.charted[find(&catalog, i).get()]);
    assert_eq!(hit_flags, [None, Some(true), Some(false), Some(true)]);
    let oldie = find(&catalog, 32);
    assert_eq!(
        (catalog.year(oldie), catalog.popularity[oldie.get()]),
        (Some(1965), None)
    );
    let single = find(&catalog, 41);
    assert_eq!(
        catalog
            .albums
            .get(catalog.track_album[single.get()] as usize),
        "Solo"
    );
    let lonely = find(&catalog, 40);
    assert_eq!(catalog.artist_names(lonely).count(), 0);
    assert_eq!(
        catalog.track_album[lonely.get()],
        encore_engine::catalog::NONE_U32
    );
}

#[test]
fn fits_scaler_clusters_and_projection() {
    let catalog = fixture();
    let n = catalog.n_tracks();
    assert_eq!(catalog.codes.len(), n);
    assert_eq!(catalog.kmeans.k(), 3);
    assert_eq!(catalog.clusters.len(), n);
    assert!(catalog.clusters.iter().all(|&c| c < 3));
    assert_eq!(catalog.projection.len(), n);
    // Standardized columns have mean 0.
    let mean0: f32 = (0..n)
        .map(|t| catalog.scaled_row(TrackIdx(t as u32))[0])
        .sum::<f32>()
        / n as f32;
    assert!(mean0.abs() < 1e-4);
    // Same input, same seed: the same catalog.
    assert_eq!(catalog, fixture());
}

#[test]
fn chooses_k_by_the_elbow_when_not_fixed() {
    let config = BuildConfig {
        k_range: 2..=8,
        curve_sample: 1000,
        ..BuildConfig::default()
    };
    let (catalog, report) = build(&fixture_imports(), &config).unwrap();
    assert_eq!(catalog.kmeans.inertia_curve.len(), 7);
    assert_eq!(catalog.kmeans.inertia_curve[0].0, 2);
    assert_eq!(report.k, catalog.kmeans.k());
    // The fixture's features fall in three groups (`features`): the elbow finds them.
    assert_eq!(report.k, 3, "curve {:?}", catalog.kmeans.inertia_curve);
}

#[test]
fn no_tracks_is_an_error() {
    let only_artists = read_tracks("genres,artists,count\npop,A,1\n".as_bytes(), "a.csv").unwrap();
    assert!(matches!(
        build(&[only_artists], &config()),
        Err(BuildError::NoTracks { rows: 0 })
    ));
    assert!(matches!(
        build(&[], &config()),
        Err(BuildError::NoTracks { .. })
    ));
}

/// Daft Punk as the sources give it: three tracks a "rock" search found in the 114k set, one the
/// 2024 crawl found searching "rock", all "french house" by Spotify's artist genres (the crawl's
/// own column and the artist-genres file); and five rock tracks, so "rock" is the commoner genre
/// with the smaller id.
fn daft_punk_imports() -> Vec<ImportReport> {
    let mut t114 =
        format!("track_id,artists,album_name,track_name,popularity,{FEATURES},track_genre\n");
    for i in 0..8 {
        let artist = if i < 3 { "Daft Punk" } else { "Rock Band" };
        t114.push_str(&format!(
            "{},{artist},Album,Song {i},50,{},rock\n",
            id(i),
            features(i)
        ));
    }
    let search = format!(
        "search_genre,track_name,track_id,artist_name,artist_id,album_name,release_date,popularity,{FEATURES},artist_genres\n\
         rock,One More Time,{},Daft Punk,4tZwfgrHOc3mvqYlEYSvVi,Discovery,2001,80,{},\"['french house']\"\n",
        id(8),
        features(8)
    );
    let artists = "genres,artists,acousticness,count\r\n\"['french house']\",Daft Punk,0.5,3\r\n";
    [
        (t114, "tracks.csv"),
        (search, "search.csv"),
        (artists.to_owned(), "artists.csv"),
    ]
    .iter()
    .map(|(text, name)| read_tracks(text.as_bytes(), name).unwrap())
    .collect()
}

#[test]
fn a_tracks_spotify_genres_lead_its_search_labels_after_a_round_trip() {
    let built = build(&daft_punk_imports(), &config()).unwrap().0;
    let catalog = Catalog::from_bytes(&built.to_bytes().unwrap()).unwrap();
    assert_eq!(catalog, built);
    let rock = catalog.genres.find("rock").unwrap();
    assert!(
        rock < catalog.genres.find("french house").unwrap(),
        "rock sorts first by id"
    );
    for i in [0, 2, 8] {
        let track = find(&catalog, i);
        let names: Vec<&str> = catalog.genre_names(track).collect();
        assert_eq!(names, ["french house", "rock"], "track {i}");
        assert_eq!(
            catalog.shown_genre_names(track).collect::<Vec<_>>(),
            ["french house"]
        );
        // The set itself, which every ranking reads, is as before: ascending ids.
        assert_eq!(catalog.track_genres.row(track.get())[0], rock);
    }
    let rock_band = find(&catalog, 5);
    assert_eq!(catalog.genre_names(rock_band).collect::<Vec<_>>(), ["rock"]);
    assert_eq!(
        catalog.shown_genre_names(rock_band).collect::<Vec<_>>(),
        ["rock"],
        "a search label is shown when Spotify gave the artist no genre"
    );
}

/// Daft Punk as the two Spotify snapshots give it: the 2024 crawl's artist genres are "electro",
/// "filter house" and "rock", the 2020 artist-genres file's only "electro" and "filter house".
/// Three of its tracks come from the 114k set (no artist genres of their own), one from the crawl.
/// A crawl-only artist the 2020 file does not know, and five rock tracks make "rock" the commonest
/// genre, with the smallest id.
fn disagreeing_snapshots_imports() -> Vec<ImportReport> {
    let mut t114 =
        format!("track_id,artists,album_name,track_name,popularity,{FEATURES},track_genre\n");
    for i in 0..8 {
        let (artist, label) = if i < 3 {
            ("Daft Punk", "house")
        } else {
            ("Rock Band", "rock")
        };
        t114.push_str(&format!(
            "{},{artist},Album,Song {i},50,{},{label}\n",
            id(i),
            features(i)
        ));
    }
    let search = format!(
        "search_genre,track_name,track_id,artist_name,artist_id,album_name,release_date,popularity,{FEATURES},artist_genres\n\
         house,One More Time,{},Daft Punk,4tZwfgrHOc3mvqYlEYSvVi,Discovery,2001,80,{},\"['electro', 'filter house', 'rock']\"\n\
         rock,Solo Song,{},Solo Act,0000000000000000000000,Solo,2020,40,{},\"['rock', 'electro']\"\n",
        id(8),
        features(8),
        id(9),
        features(9)
    );
    let artists =
        "genres,artists,acousticness,count\r\n\"electro, filter house\",Daft Punk,0.5,3\r\n";
    [
        (t114, "tracks.csv"),
        (search, "search.csv"),
        (artists.to_owned(), "artists.csv"),
    ]
    .iter()
    .map(|(text, name)| read_tracks(text.as_bytes(), name).unwrap())
    .collect()
}

#[test]
fn genres_both_spotify_snapshots_agree_on_lead_after_a_round_trip() {
    use encore_engine::catalog::Trust::*;
    let built = build(&disagreeing_snapshots_imports(), &config())
        .unwrap()
        .0;
    let catalog = Catalog::from_bytes(&built.to_bytes().unwrap()).unwrap();
    assert_eq!(catalog, built);
    let [rock, electro, filter_house] =
        ["rock", "electro", "filter house"].map(|g| catalog.genres.find(g).unwrap());
    assert!(rock < electro && electro < filter_house, "by count");

    let crawled = find(&catalog, 8);
    assert_eq!(
        catalog.genres_by_trust(crawled).collect::<Vec<_>>(),
        [
            (electro, Agreed),
            (filter_house, Agreed),
            (rock, OneSnapshot),
            (catalog.genres.find("house").unwrap(), SearchLabel)
        ],
        "the crawl's own \"rock\" outranks its search label, and stays after the agreed genres"
    );
    assert_eq!(
        catalog.shown_genre_names(crawled).collect::<Vec<_>>(),
        ["electro", "filter house", "rock"]
    );
    // The set every ranking reads is still one ascending row.
    assert_eq!(
        catalog.track_genres.row(crawled.get()),
        [
            rock,
            electro,
            filter_house,
            catalog.genres.find("house").unwrap()
        ]
    );
    for i in [0, 2] {
        assert_eq!(
            catalog
                .shown_genre_names(find(&catalog, i))
                .collect::<Vec<_>>(),
            ["electro", "filter house"],
            "only the 2020 file knows the artist of a 114k track: its genres are agreed"
        );
    }
    let crawl_only = find(&catalog, 9);
    assert_eq!(
        catalog.genres_by_trust(crawl_only).collect::<Vec<_>>(),
        [(rock, Agreed), (electro, Agreed)],
        "an artist only the crawl knows has nothing to disagree with"
    );
}

#[test]
fn round_trips_exactly() {
    let catalog = fixture();
    let bytes = catalog.to_bytes().unwrap();
    let decoded = Catalog::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, catalog);
    assert_eq!(decoded.to_bytes().unwrap(), bytes);
    // The Billboard flags survive import -> build -> bytes -> decode, unknown included.
    let flags = [0, 1, 2].map(|i| decoded.charted[find(&decoded, i).get()]);
    assert_eq!(flags, [None, Some(true), Some(false)]);
    let single = find(&decoded, 41);
    assert_eq!(
        decoded
            .albums
            .get(decoded.track_album[single.get()] as usize),
        "Solo"
    );
}

#[test]
fn raw_features_are_the_rounded_input_values() {
    let decoded = Catalog::from_bytes(&fixture_bytes()).unwrap();
    for i in [0, 1, 7, 29, 41] {
        // Track 0's first row (tracks.csv, taken before search.csv) gives its features.
        let mut expected: Vec<f32> = features(i).split(',').map(|x| x.parse().unwrap()).collect();
        round_features(&mut expected);
        assert_eq!(
            decoded.raw_features(find(&decoded, i)),
            expected[..],
            "track {i}"
        );
    }
    assert_eq!(decoded.raw_features(TrackIdx(u32::MAX)), [0.0; 13]);
}

#[test]
fn every_truncated_prefix_is_an_error() {
    let bytes = fixture_bytes();
    for len in 0..bytes.len() {
        assert!(
            Catalog::from_bytes(&bytes[..len]).is_err(),
            "prefix of {len} bytes decoded"
        );
    }
}

#[test]
fn damaged_headers_say_what_is_wrong() {
    let bytes = fixture_bytes();
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Catalog::from_bytes(&newer).unwrap_err();
    assert!(matches!(err, CatalogError::NewerVersion { .. }));
    assert!(err.to_string().contains("made by a newer encore"), "{err}");
    assert!(matches!(
        Catalog::from_bytes(b"PK\x03\x04 not a catalog at all"),
        Err(CatalogError::BadMagic { .. })
    ));
    let cut = &bytes[..bytes.len() - 10];
    let err = Catalog::from_bytes(cut).unwrap_err();
    assert!(
        matches!(err, CatalogError::SectionOutOfBounds { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("past the end of the file"),
        "{err}"
    );
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert!(matches!(
        Catalog::from_bytes(&flipped),
        Err(CatalogError::Checksum { .. })
    ));
}

#[test]
fn a_declared_length_beyond_the_cap_is_refused_before_any_unpacking() {
    let bytes = fixture_bytes();
    let n = fixture().n_tracks();
    let cap = max_unpacked_len(n);
    assert!(
        cap < 2 << 20,
        "a few tracks may unpack to about 1 MiB per section, not 4 GiB"
    );
    for tag in ["titl", "gset"] {
        for declared in [cap as u32 + 1, u32::MAX] {
            // `new` only reads the table: the refusal comes before any frame is decoded
            // (a zstd frame can expand a thousandfold, to what the table says).
            let err = CatalogDecoder::new(&with_decoded_len(&bytes, tag, declared)).unwrap_err();
            assert!(
                matches!(&err, CatalogError::Invalid { section, .. } if *section == tag),
                "{err}"
            );
            assert!(err.to_string().contains("may hold"), "{err}");
        }
        // At the cap itself the table is accepted, and the frame's real length decides.
        let err = Catalog::from_bytes(&with_decoded_len(&bytes, tag, cap as u32)).unwrap_err();
        assert!(err.to_string().contains("the section table says"), "{err}");
    }
}

#[test]
fn header_fields_outside_the_checksum_are_checked() {
    let bytes = fixture_bytes();
    // Neither the track count nor the section count is under the checksum.
    for n in [0u32, 1, 1000, u32::MAX] {
        let mut damaged = bytes.clone();
        damaged[12..16].copy_from_slice(&n.to_le_bytes());
        let err = CatalogDecoder::new(&damaged).unwrap_err();
        assert!(
            matches!(
                err,
                CatalogError::Invalid {
                    section: "tids",
                    ..
                }
            ),
            "{n} tracks: {err}"
        );
    }
    let mut one_more = bytes.clone();
    let n_sections = field(&bytes, 16);
    one_more[16..20].copy_from_slice(&(n_sections + 1).to_le_bytes());
    assert!(matches!(
        CatalogDecoder::new(&one_more),
        Err(CatalogError::SectionOverlapsTable { .. })
    ));
}

/// Recomputes the header checksum so a corruption reaches the section validation.
fn with_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
    let checksum = twox_hash::XxHash32::oneshot(0, &bytes[24..]);
    bytes[20..24].copy_from_slice(&checksum.to_le_bytes());
    bytes
}

/// The byte offset of `tag`'s entry in the section table (16-byte entries after the 24-byte
/// header: tag, offset, stored length, decoded length).
fn table_entry(bytes: &[u8], tag: &str) -> usize {
    let n_sections = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    (0..n_sections)
        .map(|i| 24 + 16 * i)
        .find(|&at| &bytes[at..at + 4] == tag.as_bytes())
        .unwrap()
}

fn field(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Sets `tag`'s declared decoded length and repairs the checksum.
fn with_decoded_len(bytes: &[u8], tag: &str, decoded_len: u32) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    let at = table_entry(&bytes, tag) + 12;
    bytes[at..at + 4].copy_from_slice(&decoded_len.to_le_bytes());
    with_checksum(bytes)
}

#[test]
fn zstd_sections_are_smaller_than_their_contents() {
    let bytes = fixture_bytes();
    let sizes = section_sizes(&bytes);
    let titles = sizes.iter().find(|s| s.tag == "titl").unwrap();
    let at = table_entry(&bytes, "titl");
    assert_eq!(titles.stored, field(&bytes, at + 8) as usize);
    assert_eq!(titles.decoded, field(&bytes, at + 12) as usize);
    // The fixture's titles ("Song 1, part", "Song 2, part", ..) repeat: zstd must gain.
    assert!(titles.stored < titles.decoded, "{titles:?}");
    let ids = sizes.iter().find(|s| s.tag == "tids").unwrap();
    assert_eq!(ids.stored, ids.decoded);
    assert!(
        sizes.iter().all(|s| s.tag != "clus"),
        "clusters are not stored"
    );
}

#[test]
fn a_lying_decoded_length_is_an_error() {
    let bytes = fixture_bytes();
    let at = table_entry(&bytes, "titl");
    let real = field(&bytes, at + 12);
    for lie in [0, 1, real - 1, real + 1, real * 2, u32::MAX] {
        let err = Catalog::from_bytes(&with_decoded_len(&bytes, "titl", lie)).unwrap_err();
        assert!(
            matches!(
                err,
                CatalogError::Invalid {
                    section: "titl",
                    ..
                }
            ),
            "length {lie}: {err}"
        );
        assert!(err.to_string().contains("the section table says"), "{err}");
    }
    // A raw section must declare its stored length.
    let at = table_entry(&bytes, "tids");
    let stored = field(&bytes, at + 8);
    let err = Catalog::from_bytes(&with_decoded_len(&bytes, "tids", stored + 16)).unwrap_err();
    assert!(
        matches!(
            err,
            CatalogError::Invalid {
                section: "tids",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_corrupt_zstd_frame_with_a_valid_checksum_is_an_error() {
    let bytes = fixture_bytes();
    let at = table_entry(&bytes, "albs");
    let (offset, len) = (
        field(&bytes, at + 4) as usize,
        field(&bytes, at + 8) as usize,
    );
    // Every stored byte of the frame in turn, each replaced by its complement: the decoder
    // reports a corrupt frame or the wrong length (or, rarely, other valid names), and
    // never panics.
    let mut errors = 0;
    for i in offset..offset + len {
        let mut damaged = bytes.clone();
        damaged[i] = !damaged[i];
        if Catalog::from_bytes(&with_checksum(damaged)).is_err() {
            errors += 1;
        }
    }
    assert!(errors > len / 2, "{errors} errors for {len} damaged bytes");
    // A frame cut short, its table entry shortened to match.
    let mut cut = bytes.clone();
    cut[at + 8..at + 12].copy_from_slice(&(len as u32 - 1).to_le_bytes());
    let err = Catalog::from_bytes(&with_checksum(cut)).unwrap_err();
    assert!(
        matches!(
            err,
            CatalogError::Invalid {
                section: "albs",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bytes_after_a_zstd_frame_are_an_error() {
    // `gset` is the file's last section: grow it by one byte.
    let mut bytes = fixture_bytes();
    let at = table_entry(&bytes, "gset");
    assert_eq!(
        (field(&bytes, at + 4) + field(&bytes, at + 8)) as usize,
        bytes.len()
    );
    let grown = field(&bytes, at + 8) + 1;
    bytes[at + 8..at + 12].copy_from_slice(&grown.to_le_bytes());
    bytes.push(0);
    assert_eq!(
        Catalog::from_bytes(&with_checksum(bytes)).unwrap_err(),
        CatalogError::TrailingBytes {
            section: "gset",
            extra: 1
        }
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random byte changes, checksum repaired or not: an error or a valid catalog, never a panic.
    #[test]
    fn corrupted_bytes_never_panic(changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), fix in any::<bool>()) {
        let mut bytes = fixture_bytes();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let bytes = if fix { with_checksum(bytes) } else { bytes };
        if let Ok(catalog) = Catalog::from_bytes(&bytes) {
            // Whatever decodes is internally consistent: it encodes again.
            prop_assert!(catalog.to_bytes().is_ok());
        }
    }

    /// Single bit flips without a checksum repair are always caught.
    #[test]
    fn bit_flips_are_errors(at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = fixture_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        prop_assert!(Catalog::from_bytes(&bytes).is_err());
    }
}

#[test]
fn synthesizes_a_deterministic_larger_catalog() {
    let source = fixture();
    let config = SynthConfig {
        n_tracks: 200,
        seed: 5,
        jitter: 0.05,
    };
    let synth = synthesize(&source, &config).unwrap();
    assert_eq!(synth.n_tracks(), 200);
    assert_eq!(synth, synthesize(&source, &config).unwrap());
    let decoded = Catalog::from_bytes(&synth.to_bytes().unwrap()).unwrap();
    assert_eq!(decoded.n_tracks(), 200);
    assert_eq!(decoded.codes, synth.codes);
    for t in 0..200 {
        let t = TrackIdx(t);
        assert_eq!(decoded.raw_features(t), synth.raw_features(t));
        assert_eq!(decoded.scaled_row(t), synth.scaled_row(t));
    }
    assert_eq!(decoded.clusters, synth.clusters);
}

/// Decodes with [`CatalogDecoder`], one step at a time; also returns the number of steps.
fn decode_in_steps(bytes: &[u8]) -> Result<(Catalog, usize), CatalogError> {
    let mut decoder = CatalogDecoder::new(bytes)?;
    let mut steps = 1;
    while !decoder.step()? {
        steps += 1;
    }
    Ok((decoder.finish()?, steps))
}

#[test]
fn step_wise_decoding_equals_from_bytes() {
    let bytes = fixture_bytes();
    let (catalog, steps) = decode_in_steps(&bytes).unwrap();
    assert_eq!(catalog, Catalog::from_bytes(&bytes).unwrap());
    assert_eq!(catalog, fixture());
    // The checksum, 14 sections read (7 of them unpacked first), the derived columns.
    assert_eq!(steps, 1 + 14 + 7 + 1);
    // Damage anywhere gives the error `from_bytes` gives, whichever step meets it.
    let mut damaged = vec![bytes[..bytes.len() / 2].to_vec(), bytes[..10].to_vec()];
    for tag in ["titl", "feat", "gset", "chrt"] {
        let at = field(&bytes, table_entry(&bytes, tag) + 4) as usize;
        let mut copy = bytes.clone();
        copy[at] ^= 0x5a;
        damaged.push(copy.clone());
        damaged.push(with_checksum(copy));
    }
    let mut errors = 0;
    for bytes in &damaged {
        let expected = Catalog::from_bytes(bytes);
        errors += usize::from(expected.is_err());
        assert_eq!(decode_in_steps(bytes).map(|(c, _)| c), expected);
    }
    assert!(errors >= damaged.len() - 2, "{errors} errors");
}

#[test]
fn step_wise_decoding_of_a_big_catalog_takes_bounded_steps() {
    let config = SynthConfig {
        n_tracks: 40_000,
        seed: 9,
        jitter: 0.05,
    };
    let mut synth = synthesize(&fixture(), &config).unwrap();
    // Titles of 30 seeded random characters, so the `titl` section (about 1.2 MB) is unpacked
    // in five steps of 256 KiB.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut titles = encore_engine::catalog::StringTable::default();
    for _ in 0..synth.n_tracks() {
        let title: String = (0..30)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'0' + (state % 64) as u8)
            })
            .collect();
        titles.push(&title);
    }
    synth.titles = titles;
    let bytes = synth.to_bytes().unwrap();
    let unpack_steps = |s: &SectionSize| s.decoded.div_ceil(256 << 10).max(1);
    let sections = section_sizes(&bytes);
    let titles = sections.iter().find(|s| s.tag == "titl").unwrap();
    assert_eq!(unpack_steps(titles), 5);
    let (catalog, steps) = decode_in_steps(&bytes).unwrap();
    assert_eq!(catalog.titles, synth.titles);
    assert_eq!(catalog, Catalog::from_bytes(&bytes).unwrap());
    assert_eq!(catalog.codes, synth.codes);
    assert_eq!(catalog.clusters, synth.clusters);
    // The checksum takes one step per MiB, the derived columns one per 32k tracks.
    let checksum_steps = (bytes.len() - 24).div_ceil(1 << 20);
    assert!(checksum_steps >= 2, "{} bytes", bytes.len());
    // Each zstd section (stored and decoded lengths differ) is unpacked in steps of 256 KiB.
    let unpacking: usize = sections
        .iter()
        .filter(|s| s.stored != s.decoded)
        .map(unpack_steps)
        .sum();
    assert!(unpacking > 7, "{unpacking} steps to unpack 7 sections");
    assert_eq!(steps, checksum_steps + 14 + unpacking + 2);
}
