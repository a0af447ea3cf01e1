//! The listener's library the mock serves: a pool of tracks (from the Encore catalog or generated),
//! the liked songs, top tracks per time range, playlists and recent plays.
//!
//! Everything is derived from the pool and a seed, so the same flags give the same library on every
//! run; tests and e2e suites can compare what they imported against [`Library::liked`].
//! The library itself never changes while the server runs: playlists the app creates or extends,
//! and songs liked later ([`Library::like_more`]), live in the server's mutable state, which
//! `POST /__mock/reset` rebuilds from [`Library::playlists`] and [`Library::liked`].

use std::collections::HashMap;

use encore_engine::catalog::NONE_U32;
use encore_engine::seeded::SeededRng;
use encore_engine::{ArtistId, Catalog, Feature, TrackId, TrackIdx};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// "Now" for every generated timestamp (2026-11-01T00:00:00Z), so the library is reproducible.
pub const LIBRARY_EPOCH_S: i64 = 1_793_491_200;

/// Most liked songs the mock will serve (the largest libraries peer tools choke on).
pub const MAX_LIKED: usize = 50_000;

/// Tracks per top-tracks time range: Spotify serves about this many in practice.
const TOP_TRACKS_PER_RANGE: usize = 50;

/// How far back the oldest liked song goes, at most (ten years).
const LIKED_SPAN_S: usize = 10 * 365 * 86_400;

/// Seconds between two songs liked later ([`Library::like_more`]): a listener liking songs now.
const LIKE_MORE_GAP_S: i64 = 60;

/// Spotify keeps the last 50 plays.
const RECENT_PLAYS: usize = 50;

/// The id of a Spotify-owned editorial playlist ("Today's Top Hits"): its items give 404 now.
pub const EDITORIAL_PLAYLIST_ID: &str = "37i9dQZF1DXcBWIGoYBM5M";

/// The user the mock logs everyone in as.
pub const USER_ID: &str = "mock-listener";
pub const USER_NAME: &str = "Mock Listener";

/// Why a library cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LibraryError {
    #[error("the track pool is empty")]
    EmptyPool,
    #[error("{liked} liked songs asked for, but the pool has only {available} tracks")]
    TooFewTracks { liked: usize, available: usize },
    #[error("{0} liked songs asked for, at most {MAX_LIKED} are supported")]
    TooManyLiked(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockArtist {
    pub id: ArtistId,
    pub name: String,
}

/// One track of the pool, with what Spotify's track object needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockTrack {
    pub id: TrackId,
    pub name: String,
    /// Primary artist first; never empty.
    pub artists: Vec<MockArtist>,
    pub album: String,
    pub year: Option<u16>,
    pub duration_ms: u32,
}

impl MockTrack {
    /// A stable 12-character ISRC (country, registrant, year, designation) derived from the id,
    /// since the catalog does not carry ISRCs.
    pub fn isrc(&self) -> String {
        let year = self.year.map_or(0, |y| y % 100);
        format!("QZ{}{year:02}{:05}", "ENC", self.id.0 % 100_000)
    }

    /// A stable album id derived from the album and its primary artist.
    pub fn album_id(&self) -> String {
        let artist = self.artists.first().map_or("", |a| a.name.as_str());
        base62_id(derived_u128(&["album", &self.album, artist]))
    }
}

pub use encore_spotify::api::TimeRange;

/// A liked song: an index into [`Library::tracks`] and when it was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    pub track: usize,
    pub added_at_s: i64,
}

/// A recent play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Play {
    pub track: usize,
    pub played_at_s: i64,
}

/// What a playlist entry holds: the edge cases every importer must survive are all here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A track of the pool.
    Track(usize),
    /// A valid track uri the app added that is not in the pool.
    OtherTrack(TrackId),
    /// A track that is no longer available: Spotify sends `item: null`.
    Unavailable,
    /// A local file: `is_local: true`, no id, a `spotify:local:` uri.
    Local {
        artist: String,
        album: String,
        name: String,
        duration_ms: u32,
    },
    /// A podcast episode (`type: "episode"`).
    Episode {
        id: String,
        name: String,
        show: String,
        duration_ms: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistEntry {
    pub item: Item,
    pub added_at_s: i64,
    pub added_by: String,
}

/// Who owns a playlist, which decides whether its items are readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The logged-in user.
    Me,
    /// Another user (readable only when collaborative).
    User { id: String, display_name: String },
    /// Spotify itself (editorial and algorithmic playlists: items give 404).
    Spotify,
}

impl Owner {
    pub fn id(&self) -> &str {
        match self {
            Owner::Me => USER_ID,
            Owner::User { id, .. } => id,
            Owner::Spotify => "spotify",
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Owner::Me => USER_NAME,
            Owner::User { display_name, .. } => display_name,
            Owner::Spotify => "Spotify",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: Owner,
    pub collaborative: bool,
    pub public: bool,
    pub entries: Vec<PlaylistEntry>,
    /// Bumped on every change, rendered into `snapshot_id`.
    pub version: u32,
}

impl Playlist {
    /// Whether the user may read the items: Spotify serves them only to owners and collaborators.
    pub fn items_readable(&self) -> bool {
        self.owner == Owner::Me || self.collaborative
    }
}

/// How big a library to make and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibraryParams {
    pub liked: usize,
    pub seed: u64,
}

/// The listener's whole library.
#[derive(Debug, Clone)]
pub struct Library {
    pub tracks: Vec<MockTrack>,
    by_id: HashMap<TrackId, usize>,
    /// Newest first, as Spotify returns them.
    pub liked: Vec<Saved>,
    top: [Vec<usize>; 3],
    /// Newest first.
    pub recent: Vec<Play>,
    pub playlists: Vec<Playlist>,
    /// Seeds the songs liked later, so they are the same on every run.
    seed: u64,
}

impl Library {
    /// Builds a library over `tracks`: `params.liked` distinct liked songs, top tracks, recent
    /// plays and playlists, all chosen by a generator seeded with `params.seed`.
    pub fn from_tracks(
        tracks: Vec<MockTrack>,
        params: LibraryParams,
    ) -> Result<Self, LibraryError> {
        if tracks.is_empty() {
            return Err(LibraryError::EmptyPool);
        }
        if params.liked > MAX_LIKED {
            return Err(LibraryError::TooManyLiked(params.liked));
        }
        if params.liked > tracks.len() {
            return Err(LibraryError::TooFewTracks {
                liked: params.liked,
                available: tracks.len(),
            });
        }
        let mut rng = SeededRng::new(params.seed);
        let n = tracks.len();
        let mut added_at_s = LIBRARY_EPOCH_S;
        // Saves at irregular times, spread over at most about ten years however large the library.
        let mean_gap_s = (LIKED_SPAN_S / params.liked.max(1)).min(30_000);
        let liked = shuffled_sample(&mut rng, n, params.liked)
            .into_iter()
            .map(|track| {
                added_at_s -= 1 + rng.below(2 * mean_gap_s) as i64;
                Saved { track, added_at_s }
            })
            .collect();
        let top = TimeRange::ALL.map(|_| shuffled_sample(&mut rng, n, TOP_TRACKS_PER_RANGE));
        let recent = (0..RECENT_PLAYS)
            .map(|i| Play {
                track: rng.below(n),
                played_at_s: LIBRARY_EPOCH_S - 200 * i as i64,
            })
            .collect();
        let playlists = seeded_playlists(&mut rng, n);
        let by_id = tracks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        Ok(Self {
            tracks,
            by_id,
            liked,
            top,
            recent,
            playlists,
            seed: params.seed,
        })
    }

    /// What liking `n` more songs now puts in front of `liked` (the liked songs as they stand,
    /// newest first): `n` tracks of the pool not in `liked`, each saved after every song there,
    /// newest first as Spotify lists them. The choice depends only on the library's seed and
    /// `liked`, so a test run is reproducible.
    pub fn like_more(&self, liked: &[Saved], n: usize) -> Result<Vec<Saved>, LibraryError> {
        let total = liked.len().saturating_add(n);
        if total > MAX_LIKED {
            return Err(LibraryError::TooManyLiked(total));
        }
        let mut is_liked = vec![false; self.tracks.len()];
        for saved in liked {
            if let Some(flag) = is_liked.get_mut(saved.track) {
                *flag = true;
            }
        }
        let candidates: Vec<usize> = (0..self.tracks.len()).filter(|&t| !is_liked[t]).collect();
        if n > candidates.len() {
            return Err(LibraryError::TooFewTracks {
                liked: total,
                available: self.tracks.len(),
            });
        }
        // A new stream per library size, so liking more twice picks from a fresh draw.
        let mut rng = SeededRng::new(self.seed.wrapping_add(liked.len() as u64));
        let newest_s = liked.first().map_or(LIBRARY_EPOCH_S, |s| s.added_at_s);
        Ok(shuffled_sample(&mut rng, candidates.len(), n)
            .into_iter()
            .zip((1..=n as i64).rev())
            .map(|(c, later)| Saved {
                track: candidates[c],
                added_at_s: newest_s + later * LIKE_MORE_GAP_S,
            })
            .collect())
    }

    pub fn track_index(&self, id: TrackId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// The top tracks of one time range, most listened first.
    pub fn top(&self, range: TimeRange) -> &[usize] {
        &self.top[range as usize]
    }
}

/// `count` distinct indices of `0..n` in random order (all of them when `count >= n`).
fn shuffled_sample(rng: &mut SeededRng, n: usize, count: usize) -> Vec<usize> {
    let mut indices = rng.sample_indices(n, count);
    // Fisher-Yates: the sample comes sorted, a library is not.
    for i in (1..indices.len()).rev() {
        indices.swap(i, rng.below(i + 1));
    }
    indices
}

/// A uniformly random 128-bit value (ids, secrets).
pub fn random_u128(rng: &mut SeededRng) -> u128 {
    let half = |rng: &mut SeededRng| rng.below(usize::MAX) as u128;
    (half(rng) << 64) | half(rng)
}

fn entries(rng: &mut SeededRng, n_tracks: usize, len: usize, added_by: &str) -> Vec<PlaylistEntry> {
    (0..len)
        .map(|i| PlaylistEntry {
            item: Item::Track(rng.below(n_tracks)),
            added_at_s: LIBRARY_EPOCH_S - 86_400 * (len - i) as i64,
            added_by: added_by.to_owned(),
        })
        .collect()
}

/// The playlists every mock user has: one of each kind the importer must handle.
fn seeded_playlists(rng: &mut SeededRng, n_tracks: usize) -> Vec<Playlist> {
    let friend = Owner::User {
        id: "mock-friend".into(),
        display_name: "Mock Friend".into(),
    };
    let stranger = Owner::User {
        id: "mock-stranger".into(),
        display_name: "Mock Stranger".into(),
    };
    let mut road_trip = entries(rng, n_tracks, 130, USER_ID);
    // The edge cases, at fixed positions so tests can point at them.
    road_trip[3].item = Item::Unavailable;
    road_trip[7].item = Item::Local {
        artist: "Local Artist".into(),
        album: "Home Recordings".into(),
        name: "Demo Take 3".into(),
        duration_ms: 187_000,
    };
    road_trip[11].item = Item::Episode {
        id: base62_id(derived_u128(&["episode", "road trip"])),
        name: "Episode 42: On the Road".into(),
        show: "The Mock Podcast".into(),
        duration_ms: 2_712_000,
    };
    road_trip[20].item = road_trip[5].item.clone();
    road_trip[21].item = road_trip[5].item.clone();
    let mut shared = entries(rng, n_tracks, 40, "mock-friend");
    shared[9].item = shared[2].item.clone();
    let playlist =
        |name: &str, owner: Owner, collaborative: bool, public: bool, entries| Playlist {
            id: base62_id(derived_u128(&["playlist", name])),
            name: name.to_owned(),
            description: String::new(),
            owner,
            collaborative,
            public,
            entries,
            version: 1,
        };
    vec![
        playlist("Road Trip", Owner::Me, false, false, road_trip),
        playlist("Shared With Friends", friend, true, false, shared),
        playlist(
            "Someone Else's Mix",
            stranger,
            false,
            true,
            entries(rng, n_tracks, 25, "mock-stranger"),
        ),
        Playlist {
            id: EDITORIAL_PLAYLIST_ID.to_owned(),
            ..playlist(
                "Today's Top Hits",
                Owner::Spotify,
                false,
                true,
                entries(rng, n_tracks, 50, "spotify"),
            )
        },
        playlist("Empty For Now", Owner::Me, false, true, Vec::new()),
    ]
}

/// A pool of `n` invented tracks (ids, names, artists, albums, years), for tests and for running
/// without a catalog. Deterministic for a seed.
pub fn generated_tracks(n: usize, seed: u64) -> Vec<MockTrack> {
    let mut rng = SeededRng::new(seed);
    let n_artists = (n / 8).max(1);
    let artist = |k: usize| MockArtist {
        id: ArtistId(derived_u128(&["generated artist", &k.to_string()])),
        name: format!("Generated Artist {k}"),
    };
    (0..n)
        .map(|i| {
            let primary = rng.below(n_artists);
            let mut artists = vec![artist(primary)];
            if rng.below(5) == 0 {
                artists.push(artist((primary + 1) % n_artists));
            }
            MockTrack {
                id: TrackId(random_u128(&mut rng)),
                name: format!("Generated Song {i}"),
                artists,
                album: format!("Generated Album {primary}-{}", rng.below(4)),
                year: Some(1960 + rng.below(66) as u16),
                duration_ms: 90_000 + rng.below(330_000) as u32,
            }
        })
        .collect()
}

/// The catalog's tracks as a pool: real ids, titles, artists (with their ids where the catalog has
/// them), albums, years and durations.
pub fn catalog_tracks(catalog: &Catalog) -> Vec<MockTrack> {
    (0..catalog.n_tracks())
        .map(|i| {
            let track = TrackIdx(i as u32);
            let mut artists: Vec<MockArtist> = catalog
                .track_artists
                .row(i)
                .iter()
                .map(|&a| {
                    let name = catalog.artists.names.get(a as usize).to_owned();
                    let id = catalog.artists.ids.get(a as usize).copied().flatten();
                    let id = id.unwrap_or_else(|| ArtistId(derived_u128(&["artist", &name])));
                    MockArtist { id, name }
                })
                .collect();
            if artists.is_empty() {
                // Spotify never sends a track without artists.
                artists.push(MockArtist {
                    id: ArtistId(derived_u128(&["artist", ""])),
                    name: "Unknown Artist".into(),
                });
            }
            let album = match catalog.track_album.get(i) {
                Some(&a) if a != NONE_U32 => catalog.albums.get(a as usize).to_owned(),
                _ => catalog.title(track).to_owned(),
            };
            let duration_ms = catalog
                .raw_features(track)
                .get(Feature::DurationMs.column())
                .map_or(200_000, |&d| d as u32);
            MockTrack {
                id: catalog.ids[i],
                name: catalog.title(track).to_owned(),
                artists,
                album,
                year: catalog.year(track),
                duration_ms,
            }
        })
        .collect()
}

/// A stable 128-bit value for ids the sources do not have (artists without ids, albums, episodes).
pub fn derived_u128(parts: &[&str]) -> u128 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(bytes)
}

/// A 22-character base-62 id, the encoding Spotify uses for every kind of object.
pub fn base62_id(value: u128) -> String {
    TrackId(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_library_and_liked_songs_are_distinct() {
        let params = LibraryParams {
            liked: 500,
            seed: 7,
        };
        let a = Library::from_tracks(generated_tracks(1_000, 1), params).unwrap();
        let b = Library::from_tracks(generated_tracks(1_000, 1), params).unwrap();
        assert_eq!(a.liked, b.liked);
        assert_eq!(a.playlists, b.playlists);
        let mut ids: Vec<usize> = a.liked.iter().map(|s| s.track).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 500);
        assert!(
            a.liked
                .windows(2)
                .all(|w| w[0].added_at_s > w[1].added_at_s),
            "newest first"
        );
    }

    #[test]
    fn the_largest_library_was_liked_within_about_ten_years() {
        let library = Library::from_tracks(
            generated_tracks(MAX_LIKED, 2),
            LibraryParams {
                liked: MAX_LIKED,
                seed: 3,
            },
        )
        .unwrap();
        let oldest = library.liked.last().unwrap().added_at_s;
        let years = (LIBRARY_EPOCH_S - oldest) as f64 / (365.0 * 86_400.0);
        assert!((9.0..11.0).contains(&years), "{years} years");
    }

    #[test]
    fn rejects_impossible_sizes() {
        let pool = generated_tracks(10, 1);
        let err = Library::from_tracks(pool, LibraryParams { liked: 11, seed: 0 }).unwrap_err();
        assert_eq!(
            err,
            LibraryError::TooFewTracks {
                liked: 11,
                available: 10
            }
        );
        let err =
            Library::from_tracks(Vec::new(), LibraryParams { liked: 0, seed: 0 }).unwrap_err();
        assert_eq!(err, LibraryError::EmptyPool);
    }

    #[test]
    fn liking_more_puts_new_distinct_songs_in_front_newest_first() {
        let library = Library::from_tracks(
            generated_tracks(600, 4),
            LibraryParams {
                liked: 300,
                seed: 9,
            },
        )
        .unwrap();
        let more = library.like_more(&library.liked, 120).unwrap();
        assert_eq!(
            more,
            library.like_more(&library.liked, 120).unwrap(),
            "deterministic"
        );
        assert_eq!(more.len(), 120);
        let mut liked = more.clone();
        liked.extend_from_slice(&library.liked);
        let mut tracks: Vec<usize> = liked.iter().map(|s| s.track).collect();
        tracks.sort_unstable();
        tracks.dedup();
        assert_eq!(tracks.len(), 420, "none liked twice");
        assert!(
            liked.windows(2).all(|w| w[0].added_at_s > w[1].added_at_s),
            "still newest first"
        );

        // Liking the rest of the pool works once; one more song is refused.
        let rest = library.like_more(&liked, 180).unwrap();
        assert_eq!(rest.len(), 180);
        liked.splice(0..0, rest);
        assert_eq!(
            library.like_more(&liked, 1).unwrap_err(),
            LibraryError::TooFewTracks {
                liked: 601,
                available: 600
            }
        );
    }

    #[test]
    fn liking_more_starts_after_the_epoch_in_an_empty_library() {
        let library =
            Library::from_tracks(generated_tracks(10, 4), LibraryParams { liked: 0, seed: 1 })
                .unwrap();
        let more = library.like_more(&library.liked, 3).unwrap();
        assert_eq!(
            more.iter().map(|s| s.added_at_s).collect::<Vec<_>>(),
            [3, 2, 1].map(|k| LIBRARY_EPOCH_S + k * LIKE_MORE_GAP_S)
        );
        assert_eq!(
            library
                .like_more(&library.liked, MAX_LIKED + 1)
                .unwrap_err(),
            LibraryError::TooManyLiked(MAX_LIKED + 1)
        );
    }

    #[test]
    fn isrc_has_the_standard_shape() {
        let track = &generated_tracks(1, 3)[0];
        let isrc = track.isrc();
        assert_eq!(isrc.len(), 12, "{isrc}");
        assert!(isrc.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
