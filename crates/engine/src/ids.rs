//! Track identities: Spotify's ids (from `encore-tracks`) and the catalog's own row index.

pub use encore_tracks::ids::{ArtistId, IdError, TrackId};
use serde::{Deserialize, Serialize};

/// The position of a track in a loaded catalog (rows of every per-track column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrackIdx(pub u32);

impl TrackIdx {
    pub fn get(self) -> usize {
        self.0 as usize
    }
}
