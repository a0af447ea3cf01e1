//! A fuzz harness on the stable toolchain: proptest's generators and seeded runner, pointed at
//! the three places where bytes from outside enter the engine. The catalog decoder
//! (`Catalog::from_bytes`), the CSV importer (`csv_import::read_tracks`) and Spotify's JSON
//! replies (`encore_spotify::api`'s `Deserialize`, `ErrorBody::parse`, `to_listener_track`). Each
//! must return a value or an error for any input and never panic.
//!
//! `cargo test` runs a bounded round of each target (a few seconds in all, part of
//! `cargo xtask test`). `cargo xtask fuzz --seconds N` sets `ENCORE_FUZZ_SECONDS` and runs each
//! target in fresh seeded rounds for about N seconds; a failure prints its round, so
//! `ENCORE_FUZZ_ROUND=R` replays it.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use encore_engine::Catalog;
use encore_engine::catalog::format::{HEADER_LEN, write_sections};
use encore_engine::csv_import::read_tracks;
use encore_spotify::api::{
    CreatedPlaylist, CursorPaging, ErrorBody, Paging, PlayHistory, PlaylistItem, SavedTrack,
    SimplifiedPlaylist, TokenResponse, User, playlist_url,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

/// Cases per round of each target.
const CASES: u32 = 256;

/// Runs `target` on values of `strategy`: one round, or rounds until `ENCORE_FUZZ_SECONDS`
/// have passed. Each round has its own seed, derived from its number.
fn fuzz<S: Strategy>(name: &str, strategy: S, target: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let env = |key: &str| std::env::var(key).ok().and_then(|v| v.parse::<u64>().ok());
    let budget = Duration::from_secs(env("ENCORE_FUZZ_SECONDS").unwrap_or(0));
    let rounds: Box<dyn Iterator<Item = u64>> = match env("ENCORE_FUZZ_ROUND") {
        Some(round) => Box::new(std::iter::once(round)),
        None => Box::new(0..),
    };
    let start = Instant::now();
    for round in rounds {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&round.to_le_bytes());
        seed[8..8 + name.len().min(24)].copy_from_slice(&name.as_bytes()[..name.len().min(24)]);
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&strategy, |value| {
            target(value);
            Ok(())
        });
        if let Err(TestError::Fail(reason, value)) = result {
            panic!("{name}, round {round} (ENCORE_FUZZ_ROUND={round}): {reason}\n{value:?}");
        }
        if start.elapsed() >= budget {
            break;
        }
    }
}

/// How a byte string is damaged: overwrite, insert or remove at a position (taken modulo the
/// length), or cut short.
#[derive(Debug, Clone)]
enum Damage {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Set(at, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Insert(at, b)),
            any::<usize>().prop_map(Damage::Remove),
            any::<usize>().prop_map(Damage::Truncate),
        ],
        1..6,
    )
}

fn apply(bytes: &mut Vec<u8>, damage: &[Damage]) {
    for d in damage {
        let len = bytes.len().max(1);
        match *d {
            Damage::Set(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            Damage::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Damage::Remove(at) if !bytes.is_empty() => drop(bytes.remove(at % len)),
            Damage::Truncate(at) => bytes.truncate(at % len),
            _ => {}
        }
    }
}

/// A small crafted catalog's shape.
fn small_shape() -> impl Strategy<Value = common::Shape> {
    (0usize..40, 0usize..6, 0usize..6, 1usize..6, 1usize..4).prop_map(
        |(tracks, artists, albums, genres, k)| common::Shape {
            tracks,
            artists,
            albums,
            genres,
            set_len: genres / 2,
            k,
            curve_len: k,
        },
    )
}

#[test]
fn the_catalog_decoder_survives_damaged_files() {
    // Damage to the file itself, with the checksum made right again so the damage is read.
    fuzz(
        "catalog-file",
        (small_shape(), damage()),
        |(shape, damage)| {
            let mut bytes = common::craft(shape);
            apply(&mut bytes, &damage);
            if bytes.len() >= HEADER_LEN {
                let checksum = twox_hash::XxHash32::oneshot(0, &bytes[HEADER_LEN..]);
                bytes[20..24].copy_from_slice(&checksum.to_le_bytes());
            }
            let _ = Catalog::from_bytes(&bytes);
        },
    );
}

#[test]
fn the_catalog_decoder_survives_damaged_sections() {
    // Damage inside one section's contents, compressed and checksummed as a writer would: the
    // file is well-formed, its contents are not.
    fuzz(
        "catalog-section",
        (small_shape(), 0usize..14, damage()),
        |(shape, section, damage)| {
            let mut sections = common::sections(shape);
            apply(&mut sections[section].1, &damage);
            let bytes = write_sections(shape.tracks as u32, &sections).unwrap();
            if let Ok(catalog) = Catalog::from_bytes(&bytes) {
                assert_eq!(catalog.n_tracks(), shape.tracks);
            }
        },
    );
}

#[test]
fn the_catalog_decoder_survives_random_bytes() {
    fuzz(
        "catalog-random",
        prop::collection::vec(any::<u8>(), 0..512),
        |mut bytes| {
            // Half the cases start with the magic and version, to get past the first check.
            if bytes.first().is_some_and(|b| b % 2 == 0) && bytes.len() >= 12 {
                bytes[..8].copy_from_slice(b"ENCORCAT");
                bytes[8..12].copy_from_slice(&5u32.to_le_bytes());
            }
            let _ = Catalog::from_bytes(&bytes);
        },
    );
}

/// The header line of every kind of CSV the importer recognises.
const CSV_HEADERS: [&str; 6] = [
    "track_id,track_name,artist_name,artist_id,album_name,release_date,popularity,artist_genres,search_genre,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature",
    "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre",
    "track,artist,uri,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature,chorus_hit,sections,target,decade",
    "Track URI,Track Name,Artist Name(s),Album Name,Release Date,Duration (ms),Popularity,Genres,Danceability,Energy,Key,Loudness,Mode,Speechiness,Acousticness,Instrumentalness,Liveness,Valence,Tempo,Time Signature",
    "genres,artists,count,popularity",
    "mode,genres,acousticness,danceability,duration_ms,energy",
];

/// A cell: text, numbers, ids, quotes and separators.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "-?[0-9]{1,4}(\\.[0-9]{0,4})?(e-?[0-9]{1,2})?",
        "(spotify:track:)?[0-9A-Za-z]{22}",
        "\\[('[a-z ]{0,8}',? ?){0,3}\\]",
        "[\",;\r\n\t\u{0}é€]{0,4}",
    ]
}

#[test]
fn the_csv_importer_survives_any_rows() {
    fuzz(
        "csv-rows",
        (
            0usize..CSV_HEADERS.len(),
            prop::collection::vec(prop::collection::vec(cell(), 0..24), 0..8),
            any::<bool>(),
        ),
        |(header, rows, crlf)| {
            let newline = if crlf { "\r\n" } else { "\n" };
            let mut text = CSV_HEADERS[header].to_owned();
            for row in rows {
                text.push_str(newline);
                text.push_str(&row.join(","));
            }
            if let Ok(report) = read_tracks(text.as_bytes(), "fuzz.csv") {
                assert!(report.tracks.len() <= text.lines().count());
            }
        },
    );
}

#[test]
fn the_csv_importer_survives_damaged_bytes() {
    fuzz(
        "csv-bytes",
        (
            0usize..CSV_HEADERS.len(),
            prop::collection::vec(any::<u8>(), 0..256),
            damage(),
        ),
        |(header, body, damage)| {
            let mut bytes = CSV_HEADERS[header].as_bytes().to_vec();
            bytes.push(b'\n');
            bytes.extend(body);
            apply(&mut bytes, &damage);
            let _ = read_tracks(bytes.as_slice(), "fuzz.csv");
        },
    );
}

/// Valid replies of each endpoint the app parses, to damage.
const SPOTIFY_REPLIES: [&str; 6] = [
    r#"{"items":[{"added_at":"2024-01-01T00:00:00Z","track":{"id":"4uLU6hMCjMI75M1A2tKUQC","name":"Song","type":"track","artists":[{"name":"A"}],"album":{"name":"B"},"external_ids":{"isrc":"USX"}}}],"next":null,"total":1,"offset":0}"#,
    r#"{"items":[{"added_at":null,"is_local":false,"item":{"id":"4uLU6hMCjMI75M1A2tKUQC","name":"S","artists":[]},"track":null}],"next":"https://api/x?offset=1"}"#,
    r#"{"items":[{"track":{"id":"4uLU6hMCjMI75M1A2tKUQC","name":"S"},"played_at":"2024-01-01T00:00:00Z"}],"next":null}"#,
    r#"{"items":[{"id":"p1","name":"List","owner":{"id":"me"},"items":{"total":3},"collaborative":false}],"total":1}"#,
    r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","scope":"user-library-read"}"#,
    r#"{"error":{"status":403,"message":"Check settings on developer.spotify.com/dashboard, the user may not be registered."}}"#,
];

/// Parses `bytes` as every reply type; whatever parses is also converted as the app would.
fn parse_every_reply(bytes: &[u8]) {
    if let Ok(page) = serde_json::from_slice::<Paging<SavedTrack>>(bytes) {
        page.items
            .iter()
            .filter_map(|saved| saved.track.as_ref())
            .for_each(|track| drop(track.to_listener_track()));
    }
    if let Ok(page) = serde_json::from_slice::<Paging<PlaylistItem>>(bytes) {
        page.items
            .iter()
            .for_each(|item| drop(item.to_listener_track()));
    }
    let _ = serde_json::from_slice::<CursorPaging<PlayHistory>>(bytes);
    if let Ok(page) = serde_json::from_slice::<Paging<SimplifiedPlaylist>>(bytes) {
        page.items.iter().for_each(|p| {
            let _ = (p.n_items(), p.is_readable_by("me"));
        });
    }
    let _ = serde_json::from_slice::<TokenResponse>(bytes);
    let _ = serde_json::from_slice::<User>(bytes);
    if let Ok(created) = serde_json::from_slice::<CreatedPlaylist>(bytes) {
        drop(playlist_url(&created.id));
    }
    let body = String::from_utf8_lossy(bytes);
    let error = ErrorBody::parse(&body);
    let _ = error.is_user_not_registered();
}

#[test]
fn the_spotify_parsers_survive_damaged_replies() {
    fuzz(
        "spotify-json",
        (0usize..SPOTIFY_REPLIES.len(), damage()),
        |(reply, damage)| {
            let mut bytes = SPOTIFY_REPLIES[reply].as_bytes().to_vec();
            apply(&mut bytes, &damage);
            parse_every_reply(&bytes);
        },
    );
    fuzz(
        "spotify-bytes",
        prop::collection::vec(any::<u8>(), 0..256),
        |bytes| parse_every_reply(&bytes),
    );
}
