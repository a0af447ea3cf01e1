//! Blend's weights before training: the hand-set ones, the new signals unweighted. `encore
//! train` replaces this file.

use super::BlendWeights;

/// Weights for lists of any artists (and familiar artists only).
pub(crate) const MIXED: BlendWeights = BlendWeights {
    artist: 1.3,
    album: 2.0,
    collaborator: 0.0,
    artist_popularity: 0.0,
    genre: 6.0,
    genre_squared: 0.0,
    sound: 0.05,
    era: 1.0,
    popularity: 1.0,
    hit: 1.0,
    level: 0.0,
    artist_size: 0.0,
};

/// Weights for lists of new artists only.
pub(crate) const NEW_ARTISTS: BlendWeights = MIXED;
