//! The artist graph: two artists are neighbours when some catalog track credits both. It comes
//! from the catalog's own credits, never from listeners' playlists, and it is how a seed artist
//! leads to artists the listener does not have yet (a fifth of the new artists in real playlist
//! continuations played with one of the playlist's artists).

use crate::Catalog;
use crate::catalog::Lists;

/// Per artist, the artists co-credited with them on any catalog track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistGraph {
    /// Row `a`: the neighbours of artist `a`, ascending, without `a` itself.
    neighbours: Lists<u32>,
}

impl ArtistGraph {
    pub fn new(catalog: &Catalog) -> Self {
        let n_artists = catalog.artists.names.len();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for t in 0..catalog.n_tracks() {
            let credits = catalog.track_artists.row(t);
            for (i, &a) in credits.iter().enumerate() {
                for &b in &credits[i + 1..] {
                    if a != b && (a as usize) < n_artists && (b as usize) < n_artists {
                        edges.push((a, b));
                        edges.push((b, a));
                    }
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut neighbours = Lists::default();
        let mut rest = edges.as_slice();
        for a in 0..n_artists as u32 {
            let n = rest.iter().take_while(|(from, _)| *from == a).count();
            neighbours.push_row(rest[..n].iter().map(|&(_, b)| b));
            rest = &rest[n..];
        }
        Self { neighbours }
    }

    /// The artists co-credited with `artist`, ascending (none for an unknown artist).
    pub fn neighbours(&self, artist: u32) -> &[u32] {
        self.neighbours.row(artist as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::testing::fixture;

    #[test]
    fn co_credited_artists_are_neighbours_both_ways() {
        // The fixture's track 5 is Ada (0) featuring Cy (2); nobody else shares a track.
        let graph = ArtistGraph::new(&fixture());
        assert_eq!(graph.neighbours(0), &[2]);
        assert_eq!(graph.neighbours(2), &[0]);
        assert!(graph.neighbours(1).is_empty());
        assert!(graph.neighbours(99).is_empty());
    }
}
