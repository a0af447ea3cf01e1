//! A small hand-made catalog for the recommender tests: four artists of ten tracks each, every
//! artist with its own sound, genres, decade and two albums, so each method has a right answer.

use crate::catalog::{
    ArtistTable, GenreVocab, KMeansModel, Lists, SCALED_STRIDE, Scaler, StringTable, Trust,
    TrustColumn,
};
use crate::space::{CodeSpace, encode_raw, round_features};
use crate::{Catalog, Feature, TrackId, TrackIdx};

pub(crate) const N_TRACKS: usize = 40;
pub(crate) const ARTISTS: [&str; 4] = ["Ada", "Bo", "Cy", "Di"];
pub(crate) const GENRES: [&str; 5] = ["folk", "indie folk", "rock", "hard rock", "pop"];
/// Genres per artist.
const ARTIST_GENRES: [&[u16]; 4] = [&[0, 1], &[2, 3], &[4], &[0, 4]];
const DECADE_START: [u16; 4] = [1975, 1992, 2012, 2021];
/// Per artist: danceability, energy, loudness, speechiness, acousticness, instrumentalness,
/// liveness, valence, tempo, duration.
const SOUND: [[f32; 10]; 4] = [
    [0.2, 0.3, -15.0, 0.05, 0.8, 0.7, 0.1, 0.3, 90.0, 240_000.0],
    [0.5, 0.9, -5.0, 0.1, 0.1, 0.0, 0.3, 0.6, 140.0, 200_000.0],
    [0.8, 0.7, -6.0, 0.3, 0.2, 0.0, 0.1, 0.8, 120.0, 180_000.0],
    [0.6, 0.4, -10.0, 0.05, 0.6, 0.3, 0.2, 0.5, 100.0, 210_000.0],
];

/// The artist of track `t` (its primary one).
pub(crate) fn artist_of(t: usize) -> u32 {
    (t / 10) as u32
}

pub(crate) fn tracks(ts: &[usize]) -> Vec<TrackIdx> {
    ts.iter().map(|&t| TrackIdx(t as u32)).collect()
}

pub(crate) fn fixture() -> Catalog {
    let mut titles = StringTable::default();
    let mut track_artists = Lists::default();
    let mut track_genres = Lists::default();
    let mut features = Vec::new();
    let mut years = Vec::new();
    let mut popularity = Vec::new();
    for t in 0..N_TRACKS {
        let a = t / 10;
        titles.push(&format!("Song {t}"));
        // Track 5 is Ada featuring Cy.
        track_artists.push_row(if t == 5 { vec![0, 2] } else { vec![a as u32] });
        // Track 38 has no known genre.
        track_genres.push_row(if t == 38 {
            Vec::new()
        } else {
            ARTIST_GENRES[a].to_vec()
        });
        let jitter = ((t * 7919) % 100) as f32 / 100.0 - 0.5;
        let s = SOUND[a];
        let continuous = |x: f32| x * (1.0 + 0.1 * jitter);
        features.extend([
            continuous(s[0]),
            continuous(s[1]),
            (t % 12) as f32,
            s[2] + jitter,
            (t % 2) as f32,
            continuous(s[3]),
            continuous(s[4]),
            continuous(s[5]),
            continuous(s[6]),
            continuous(s[7]),
            s[8] + 10.0 * jitter,
            s[9] + 10_000.0 * jitter,
            4.0,
        ]);
        years.push(if t % 10 == 9 {
            0
        } else {
            DECADE_START[a] + (t % 3) as u16
        });
        popularity.push(if t % 10 == 7 {
            None
        } else {
            Some(((t * 37) % 100) as u8)
        });
    }
    // The catalog keeps what its file can hold.
    round_features(&mut features);
    let scaler = Scaler::fit(&features);
    let mut scaled = Vec::new();
    scaler.transform_into(&features, &mut scaled);
    // Two sound families: Ada and Di (acoustic), Bo and Cy (loud).
    let clusters: Vec<u16> = (0..N_TRACKS)
        .map(|t| u16::from(matches!(t / 10, 1 | 2)))
        .collect();
    let mut centroids = vec![0.0f32; 2 * SCALED_STRIDE];
    for (t, &c) in clusters.iter().enumerate() {
        let row = &scaled[t * SCALED_STRIDE..(t + 1) * SCALED_STRIDE];
        for (x, v) in centroids[c as usize * SCALED_STRIDE..][..SCALED_STRIDE]
            .iter_mut()
            .zip(row)
        {
            *x += v / 20.0;
        }
    }
    let projection = scaled
        .chunks_exact(SCALED_STRIDE)
        .map(|r| {
            [
                r[Feature::Danceability.column()],
                r[Feature::Energy.column()],
            ]
        })
        .collect();
    let mut artist_names = StringTable::default();
    ARTISTS.iter().for_each(|a| artist_names.push(a));
    let mut genre_names = StringTable::default();
    GENRES.iter().for_each(|g| genre_names.push(g));
    let idf = (0..GENRES.len() as u16)
        .map(|g| {
            let count = (0..N_TRACKS)
                .filter(|&t| track_genres.row(t).contains(&g))
                .count();
            (N_TRACKS as f32 / (1 + count) as f32).ln()
        })
        .collect();
    let mut albums = StringTable::default();
    (0..8).for_each(|b| albums.push(&format!("Album {b}")));
    Catalog {
        ids: (0..N_TRACKS).map(|t| TrackId(t as u128 + 1)).collect(),
        titles,
        track_artists,
        artists: ArtistTable {
            names: artist_names,
            ids: vec![None; ARTISTS.len()],
        },
        track_album: (0..N_TRACKS).map(|t| (t / 5) as u32).collect(),
        albums,
        years,
        popularity,
        charted: vec![None; N_TRACKS],
        space: CodeSpace::new(&scaler),
        codes: features
            .chunks_exact(Feature::COUNT)
            .map(encode_raw)
            .collect(),
        kmeans: KMeansModel {
            centroids,
            inertia_curve: Vec::new(),
        },
        clusters,
        map: Default::default(),
        projection,
        // Every fixture genre is one of its artist's own.
        genre_trust: {
            let mut trusted = TrustColumn::default();
            track_genres
                .values
                .iter()
                .for_each(|_| trusted.push(Trust::Agreed));
            trusted
        },
        track_genres,
        genres: GenreVocab {
            names: genre_names,
            idf,
        },
    }
}

/// A synthetic catalog of `n_tracks` tracks drawn from [`fixture`] with the tests' usual jitter
/// (0.3 standard deviations): large enough for the kernels' and the sides' paths that a 40-track
/// catalog never takes.
pub(crate) fn synthetic(n_tracks: usize, seed: u64) -> Catalog {
    let config = crate::synth::SynthConfig {
        n_tracks,
        seed,
        jitter: 0.3,
    };
    crate::synth::synthesize(&fixture(), &config).expect("the fixture synthesizes")
}
