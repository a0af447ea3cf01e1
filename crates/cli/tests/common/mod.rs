//! Fixtures shared by the CLI's integration tests: small generated track CSVs in the schema of
//! the 114k data set, so no real data is ever needed (or committed).

use std::ops::Range;

/// The 114k data set's header (without the upstream's leading index column).
pub const HEADER: &str = "track_id,artists,album_name,track_name,popularity,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms,time_signature,track_genre";

/// One CSV row per track in `tracks`: six artists, nine albums, four genres with four distinct
/// sounds, so clusters, genres and artists all carry signal. `id` names track `i`.
pub fn track_rows(tracks: Range<usize>, id: impl Fn(usize) -> String) -> String {
    tracks
        .map(|i| {
            let g = i % 4;
            format!(
                "{},Artist {},Album {},Song {i},{},{:.2},{:.2},{},-{}.5,1,0.05,{:.2},0,0.1,{:.2},{},{},4,genre{g}\n",
                id(i),
                i % 6,
                i % 9,
                i % 100,
                0.2 + 0.2 * g as f32,
                0.9 - 0.2 * g as f32,
                i % 12,
                3 + 3 * g,
                0.1 + 0.2 * g as f32,
                0.3 + 0.1 * g as f32,
                90 + 20 * g,
                200_000 + 500 * i
            )
        })
        .collect()
}
