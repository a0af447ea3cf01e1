//! The operations and their inputs, derived from the catalog with a fixed seed so every runner
//! times the same work.

use std::sync::Arc;

use encore_engine::catalog::SCALED_STRIDE;
use encore_engine::kmeans;
use encore_engine::matching::{ListenerTrack, Matcher};
use encore_engine::nearest::{CodeIndex, NearestError, Neighbour, TopK, exact_code_top_k};
use encore_engine::recommend::{Method, Options, RecommendError, Recommender};
use encore_engine::seeded::SeededRng;
use encore_engine::simd::Row;
use encore_engine::space::code_lanes;
use encore_engine::{Catalog, TrackId, TrackIdx};
use thiserror::Error;

/// Why an operation failed (a catalog or engine bug: the inputs are drawn from the catalog).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum WorkloadError {
    #[error("recommending failed: {0}")]
    Recommend(#[from] RecommendError),
    #[error("ranking failed: {0}")]
    Nearest(#[from] NearestError),
}

/// Results per ranking, as the app asks for.
pub const K: usize = 50;
/// Tracks in the listener library the recommenders start from.
pub const LIBRARY_TRACKS: usize = 500;
/// Seeds of a typical playlist-continuation case (the median evaluation case).
pub const PLAYLIST_TRACKS: usize = 15;
/// Liked songs in the import workload.
pub const LIKED_SONGS: usize = 10_000;
/// Tracks assigned to k-means clusters in one run.
pub const ASSIGNED_TRACKS: usize = 10_000;
/// Distinct nearest-neighbour queries, cycled through run after run.
pub const QUERIES: usize = 64;
const SEED: u64 = 0xBE7C4;

/// One timed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The 50 tracks nearest to one catalog track over the whole catalog (fast path: the k-d
    /// tree over the feature codes).
    Nearest,
    /// The same by the brute-force oracle (scalar, binary heap): the speed-up's reference.
    NearestExact,
    /// Building the k-d tree over every track's feature codes (a warm-up step of the app).
    NearestIndex,
    /// The k-means cluster of [`ASSIGNED_TRACKS`] tracks.
    KMeansAssign,
    /// One recommender on the [`LIBRARY_TRACKS`]-track library, k = [`K`].
    Recommend(Method),
    /// `blend` on a [`PLAYLIST_TRACKS`]-track playlist: one `encore recommend` case.
    Playlist,
    /// [`LIKED_SONGS`] fetched liked songs to results: match to the catalog, then `blend`.
    Import,
}

impl Op {
    /// Every operation, in table order.
    pub fn all() -> Vec<Op> {
        let mut ops = vec![
            Op::Nearest,
            Op::NearestExact,
            Op::NearestIndex,
            Op::KMeansAssign,
        ];
        ops.extend(Method::ALL.into_iter().map(Op::Recommend));
        ops.push(Op::Playlist);
        ops.push(Op::Import);
        ops
    }

    pub fn name(self) -> String {
        match self {
            Op::Nearest => format!("nearest-{K}"),
            Op::NearestExact => format!("nearest-{K}-exact"),
            Op::NearestIndex => "nearest-index-build".to_owned(),
            Op::KMeansAssign => "kmeans-assign-10k".to_owned(),
            Op::Recommend(method) => format!("recommend-{method}"),
            Op::Playlist => format!("recommend-blend-{PLAYLIST_TRACKS}-seeds"),
            Op::Import => "import-10k".to_owned(),
        }
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::all().into_iter().find(|op| op.name() == name)
    }
}

/// A catalog with everything the operations need, built as the app builds it on load.
#[derive(Debug)]
pub struct Workload {
    catalog: Arc<Catalog>,
    matcher: Matcher,
    recommender: Recommender,
    queries: Vec<TrackIdx>,
    library: Vec<TrackIdx>,
    liked: Vec<ListenerTrack>,
    /// [`ASSIGNED_TRACKS`] scaled rows, contiguous as a batch of new tracks would be.
    assign_rows: Vec<f32>,
    /// The tree over every track's feature codes.
    code_index: CodeIndex,
    scratch: TopK,
    calls: usize,
}

impl Workload {
    /// Builds the matcher and the recommender (the app's work after decoding) and draws the
    /// inputs. The catalog must hold at least one track.
    pub fn new(catalog: Catalog) -> Self {
        let catalog = Arc::new(catalog);
        let n = catalog.n_tracks();
        let mut rng = SeededRng::new(SEED);
        let sample = |rng: &mut SeededRng, count: usize| -> Vec<TrackIdx> {
            let mut picked = rng.sample_indices(n, count);
            // Shuffle, so a library is not in catalog order (which groups artists).
            for i in (1..picked.len()).rev() {
                picked.swap(i, rng.below(i + 1));
            }
            picked.into_iter().map(|t| TrackIdx(t as u32)).collect()
        };
        let queries = sample(&mut rng, QUERIES);
        let library = sample(&mut rng, LIBRARY_TRACKS);
        let liked = sample(&mut rng, LIKED_SONGS)
            .into_iter()
            .enumerate()
            .map(|(i, t)| liked_song(&catalog, t, i, &mut rng))
            .collect();
        let assign_rows = sample(&mut rng, ASSIGNED_TRACKS)
            .into_iter()
            .flat_map(|t| catalog.scaled_row(t))
            .collect();
        let code_index = catalog.code_index().unwrap_or_default();
        Self {
            matcher: Matcher::build(&catalog),
            recommender: Recommender::new(Arc::clone(&catalog)),
            catalog,
            queries,
            library,
            liked,
            assign_rows,
            code_index,
            scratch: TopK::new(),
            calls: 0,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The scaled row of nearest-neighbour query `i` (cycled), for the JavaScript baseline.
    pub fn query_row(&self, i: usize) -> Row {
        self.queries
            .get(i % QUERIES)
            .map_or([0.0; SCALED_STRIDE], |&track| {
                self.catalog.scaled_row(track)
            })
    }

    /// Every track's scaled row, decoded from its codes, for the JavaScript baseline (which
    /// keeps its own `f32` copy, as a JavaScript app would).
    pub fn scaled_rows(&self) -> Vec<f32> {
        let tracks = 0..self.catalog.n_tracks() as u32;
        tracks
            .flat_map(|t| self.catalog.scaled_row(TrackIdx(t)))
            .collect()
    }

    /// The catalog track of query `i`, which the ranking skips.
    pub fn query_track(&self, i: usize) -> Option<TrackIdx> {
        self.queries.get(i % QUERIES).copied()
    }

    /// Query `i`'s code lanes: its track's codes.
    fn query_lanes(&self, i: usize) -> Row {
        self.query_track(i)
            .and_then(|t| self.catalog.codes.get(t.get()))
            .map_or([0.0; SCALED_STRIDE], code_lanes)
    }

    /// The [`K`] tracks nearest to query `i`, nearest first, by the fast path.
    pub fn nearest(&mut self, i: usize) -> &[Neighbour] {
        let query = self.query_lanes(i);
        let own = self.query_track(i);
        self.code_index
            .top_k(&query, K, |t| Some(t) == own, &mut self.scratch)
    }

    /// Runs `op` once and returns a checksum of its result (so the work cannot be optimized
    /// away, and runners can compare answers).
    pub fn run(&mut self, op: Op) -> Result<u64, WorkloadError> {
        let call = self.calls;
        self.calls += 1;
        let sum = |tracks: &mut dyn Iterator<Item = TrackIdx>| tracks.map(|t| u64::from(t.0)).sum();
        Ok(match op {
            Op::Nearest | Op::NearestExact => {
                if op == Op::Nearest {
                    sum(&mut self.nearest(call).iter().map(|n| n.track))
                } else {
                    let query = self.query_lanes(call);
                    let own = self.query_track(call);
                    let weights = self.code_index.weights();
                    let skip = |t: TrackIdx| Some(t) == own;
                    sum(
                        &mut exact_code_top_k(&self.catalog.codes, weights, &query, K, skip)
                            .into_iter()
                            .map(|n| n.track),
                    )
                }
            }
            Op::NearestIndex => {
                let index = self.catalog.code_index()?;
                index.n_rows() as u64
            }
            Op::KMeansAssign => {
                let clusters = kmeans::assign(
                    &self.assign_rows,
                    SCALED_STRIDE,
                    &self.catalog.kmeans.centroids,
                );
                clusters.iter().map(|&c| u64::from(c)).sum()
            }
            Op::Recommend(method) => {
                let results =
                    self.recommender
                        .recommend(method, &self.library, &Options::default())?;
                sum(&mut results.iter().map(|r| r.track))
            }
            Op::Playlist => {
                let seeds = &self.library[..PLAYLIST_TRACKS.min(self.library.len())];
                let results =
                    self.recommender
                        .recommend(Method::Blend, seeds, &Options::default())?;
                sum(&mut results.iter().map(|r| r.track))
            }
            Op::Import => {
                let report = self.matcher.match_all(&self.catalog, &self.liked);
                let results = self.recommender.recommend(
                    Method::Blend,
                    &report.matched,
                    &Options::default(),
                )?;
                sum(&mut results.iter().map(|r| r.track))
            }
        })
    }
}

/// A liked song as Spotify returns it for catalog track `track`: seven in ten carry the catalog's
/// own id; two carry another release's id (matched by title and artist); one is a song the
/// catalog does not have.
fn liked_song(catalog: &Catalog, track: TrackIdx, i: usize, rng: &mut SeededRng) -> ListenerTrack {
    let fresh_id = TrackId((u128::from(rng.bits()) << 64) | u128::from(rng.bits()));
    match i % 10 {
        0..=8 => ListenerTrack {
            id: Some(if i % 10 <= 6 {
                catalog.ids[track.get()]
            } else {
                fresh_id
            }),
            title: catalog.title(track).to_owned(),
            artists: catalog.artist_names(track).map(str::to_owned).collect(),
            album: None,
            isrc: None,
        },
        _ => ListenerTrack {
            id: Some(fresh_id),
            title: format!("Unreleased demo {i}"),
            artists: vec![format!("Nobody {i}")],
            album: None,
            isrc: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use encore_engine::catalog::build::{BuildConfig, build};
    use encore_engine::csv_import::{ImportReport, Schema, TextEncoding, TrackRow};
    use encore_engine::{Feature, TrackId};

    use super::*;

    /// A generated catalog of `n` tracks: 30 artists, two albums each, seeded features.
    fn catalog(n: usize) -> Catalog {
        let mut rng = SeededRng::new(7);
        let tracks = (0..n)
            .map(|i| TrackRow {
                id: TrackId(i as u128 * 7_919 + 1),
                title: format!("Song {i}"),
                artists: vec![format!("Artist {}", i % 30)],
                artist_ids: Vec::new(),
                album: Some(format!("Album {}", i % 60)),
                year: Some(1960 + (i % 60) as u16),
                popularity: Some((i % 101) as u8),
                charted: None,
                features: Some(std::array::from_fn(|f| match Feature::ALL[f] {
                    Feature::Key => rng.below(12) as f32,
                    Feature::Mode => rng.below(2) as f32,
                    Feature::LoudnessDb => -30.0 * rng.unit() as f32,
                    Feature::TempoBpm => 60.0 + 120.0 * rng.unit() as f32,
                    Feature::DurationMs => 120_000.0 + 200_000.0 * rng.unit() as f32,
                    Feature::TimeSignature => 4.0,
                    _ => rng.unit() as f32,
                })),
                genres: vec![["rock", "pop", "jazz"][i % 3].to_owned()],
                search_genres: Vec::new(),
            })
            .collect();
        let import = ImportReport {
            source_name: "generated".to_owned(),
            schema: Schema::Tracks114k,
            rows_read: n as u64,
            skipped: BTreeMap::new(),
            tracks,
            artist_genres: Vec::new(),
            encoding: TextEncoding::Utf8,
        };
        let config = BuildConfig {
            fixed_k: Some(4),
            ..BuildConfig::default()
        };
        let (catalog, _) = build(&[import], &config).unwrap();
        // Through the file format, as every runner loads it.
        Catalog::from_bytes(&catalog.to_bytes().unwrap()).unwrap()
    }

    #[test]
    fn every_operation_runs_and_the_fast_ranking_agrees_with_the_oracle() {
        let mut workload = Workload::new(catalog(700));
        for op in Op::all() {
            assert_eq!(Op::from_name(&op.name()), Some(op));
            workload
                .run(op)
                .unwrap_or_else(|e| panic!("{}: {e}", op.name()));
        }
        for i in 0..QUERIES {
            // Two consecutive calls use queries `i` and `i + 1`; align them on the same query.
            workload.calls = i;
            let fast = workload.run(Op::Nearest).unwrap();
            workload.calls = i;
            let exact = workload.run(Op::NearestExact).unwrap();
            assert_eq!(fast, exact, "query {i}");
            let own = workload.query_track(i);
            let tracks = workload.nearest(i);
            assert_eq!(tracks.len(), K);
            assert!(tracks.iter().all(|n| Some(n.track) != own));
        }
    }

    #[test]
    fn decode_steps_times_each_step_of_the_apps_decode() {
        let bytes = catalog(300).to_bytes().unwrap();
        let clock = std::cell::Cell::new(0.0);
        let tick = || {
            clock.set(clock.get() + 1.0);
            clock.get()
        };
        let steps = crate::decode_steps(&bytes, tick).unwrap();
        assert!(steps.iter().all(|(_, ms)| *ms == 1.0), "{steps:?}");
        assert_eq!(steps[0].0, "checksum from byte 24");
        assert!(steps.iter().any(|(step, _)| step == "unpack titl"));
        assert_eq!(steps[steps.len() - 1].0, "derive tracks from 0");
        assert!(crate::decode_steps(&bytes[..bytes.len() - 1], || 0.0).is_err());
    }

    #[test]
    fn inputs_are_the_same_on_every_run() {
        let (a, b) = (Workload::new(catalog(300)), Workload::new(catalog(300)));
        assert_eq!(a.library, b.library);
        assert_eq!(a.liked, b.liked);
        assert_eq!(a.query_row(3), b.query_row(3));
        assert_eq!(a.library.len(), 300, "a small catalog lends all its tracks");
    }
}
