//! Why a track was recommended, as data the app renders as a sentence.

use std::collections::HashMap;

use serde::Serialize;

use super::Query;
use super::artist_graph::ArtistGraph;
use crate::catalog::most_trusted;
use crate::nearest::{NearestIndex, dist2};
use crate::ranked::{Scored, best_first};
use crate::simd::Row;
use crate::{Catalog, Feature, TrackIdx};

/// Features a listener recognises in a comparison; key, mode, length and metre say little about
/// why two tracks feel alike.
const DESCRIPTIVE: [Feature; 9] = [
    Feature::Danceability,
    Feature::Energy,
    Feature::LoudnessDb,
    Feature::Speechiness,
    Feature::Acousticness,
    Feature::Instrumentalness,
    Feature::Liveness,
    Feature::Valence,
    Feature::TempoBpm,
];

/// How many features and genres an explanation names.
const MAX_REASONS: usize = 2;

/// Why one track is in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The seed track it is closest to: one by the same artist if any, else the nearest in sound.
    /// `None` for a method that uses no seed (`popular`), which must not claim to be close to one.
    pub seed: Option<TrackIdx>,
    /// Up to two features on which it is most like that seed, most alike first.
    pub features: Vec<Feature>,
    /// Up to two of its genres that the seeds share (indices into the catalog's genres), the ones
    /// the seeds carry most (weighted by rarity) first; only Spotify's own genres for its artists
    /// when it shares any of those ([`most_trusted`]).
    pub genres: Vec<u16>,
    /// An artist it shares with the seeds (an index into the catalog's artists).
    pub artist: Option<u32>,
    /// For a track by none of the seeds' artists: a seed artist one of its artists played with
    /// (co-credited on some catalog track).
    pub collaborator: Option<u32>,
}

impl Explanation {
    /// The explanation as one line, its strongest concrete reason first, in one pattern for
    /// every method: `also by Artist`, then `plays with Artist, whom you like`, then `similar
    /// energy and tempo to "Song" by Artist`, then `shares your indie folk and folk`. Only an
    /// explanation with a seed says "close to" or "similar to".
    pub fn sentence(&self, catalog: &Catalog) -> String {
        let artist_name = |a: u32| catalog.artists.names.get(a as usize);
        let mut reasons = Vec::new();
        if let Some(artist) = self.artist {
            reasons.push(format!("also by {}", artist_name(artist)));
        }
        if let Some(artist) = self.collaborator {
            reasons.push(format!("plays with {}, whom you like", artist_name(artist)));
        }
        let seed = self.seed.map(|s| {
            format!(
                "\"{}\" by {}",
                catalog.title(s),
                catalog.artist_names(s).next().unwrap_or("unknown artist")
            )
        });
        if let (Some(seed), false) = (&seed, self.features.is_empty()) {
            let labels: Vec<&str> = self.features.iter().map(|f| f.label()).collect();
            reasons.push(format!("similar {} to {seed}", labels.join(" and ")));
        }
        if !self.genres.is_empty() {
            let names: Vec<&str> = self
                .genres
                .iter()
                .map(|&g| catalog.genres.names.get(g as usize))
                .collect();
            reasons.push(format!("shares your {}", names.join(" and ")));
        }
        match (reasons.is_empty(), seed) {
            (false, _) => reasons.join(", "),
            (true, Some(seed)) => format!("close to {seed}"),
            (true, None) => "popular with listeners".to_owned(),
        }
    }
}

/// What the explanations of one request share: the seeds' artists and genre weights.
#[derive(Debug)]
pub(crate) struct Explainer<'a> {
    catalog: &'a Catalog,
    /// The seeds in track order, and their scaled rows in the same order: a library has
    /// thousands of seeds, so the nearest one is found with the ranking kernel.
    sorted_seeds: Vec<TrackIdx>,
    seed_rows: Vec<f32>,
    /// Per artist, the seeds by them (in track order).
    seeds_by_artist: HashMap<u32, Vec<TrackIdx>>,
    seed_artists: Vec<u32>,
    genre_weights: HashMap<u16, f32>,
    graph: &'a ArtistGraph,
    /// Whether the method used the seeds to rank (every method but `popular`).
    uses_seeds: bool,
}

impl<'a> Explainer<'a> {
    pub fn new(query: &Query<'a>, uses_seeds: bool) -> Self {
        let catalog = query.catalog;
        let mut sorted_seeds = query.seeds.to_vec();
        sorted_seeds.sort_unstable();
        let seed_rows = sorted_seeds
            .iter()
            .flat_map(|&s| catalog.scaled_row(s))
            .collect();
        let mut seeds_by_artist: HashMap<u32, Vec<TrackIdx>> = HashMap::new();
        for &s in &sorted_seeds {
            for &a in catalog.track_artists.row(s.get()) {
                seeds_by_artist.entry(a).or_default().push(s);
            }
        }
        let mut seed_artists: Vec<u32> = seeds_by_artist.keys().copied().collect();
        seed_artists.sort_unstable();
        let mut genre_weights = HashMap::new();
        for &s in query.seeds {
            for &g in catalog.track_genres.row(s.get()) {
                let idf = catalog.genres.idf.get(g as usize).copied().unwrap_or(1.0);
                *genre_weights.entry(g).or_insert(0.0) += idf;
            }
        }
        Self {
            catalog,
            sorted_seeds,
            seed_rows,
            seeds_by_artist,
            seed_artists,
            genre_weights,
            graph: &query.index.graph,
            uses_seeds,
        }
    }

    pub fn explain(&self, track: TrackIdx) -> Explanation {
        let catalog = self.catalog;
        let artists = catalog.track_artists.row(track.get());
        let artist = artists
            .iter()
            .copied()
            .find(|a| self.seed_artists.binary_search(a).is_ok());
        let row = catalog.scaled_row(track);
        let same_artist = artists
            .iter()
            .filter_map(|a| self.seeds_by_artist.get(a))
            .flatten()
            .map(|&s| (dist2(&row, &catalog.scaled_row(s)), s))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let seed = match same_artist {
            Some((_, s)) => s,
            None => self.nearest_seed(&row).unwrap_or(track),
        };
        let seed_row = catalog.scaled_row(seed);
        // Nearest first: ranked by the negated difference (ties by column, in feature order).
        let mut features: Vec<Scored> = DESCRIPTIVE
            .iter()
            .filter_map(|&f| {
                let (a, b) = (row.get(f.column())?, seed_row.get(f.column())?);
                Some((-(a - b).abs(), f.column() as u32))
            })
            .collect();
        let shared = catalog
            .genres_with_trust(track)
            .filter(|(g, _)| self.genre_weights.contains_key(g));
        let mut genres: Vec<Scored> = most_trusted(shared)
            .filter_map(|g| self.genre_weights.get(&g).map(|&w| (w, u32::from(g))))
            .collect();
        let collaborator = match artist {
            Some(_) => None,
            None => artists.iter().find_map(|&a| {
                self.graph
                    .neighbours(a)
                    .iter()
                    .copied()
                    .find(|b| self.seed_artists.binary_search(b).is_ok())
            }),
        };
        if !self.uses_seeds {
            features.clear();
        }
        Explanation {
            seed: self.uses_seeds.then_some(seed),
            collaborator,
            features: best_first(&mut features, MAX_REASONS)
                .iter()
                .map(|&(_, f)| Feature::ALL[f as usize])
                .collect(),
            genres: best_first(&mut genres, MAX_REASONS)
                .iter()
                .map(|&(_, g)| g as u16)
                .collect(),
            artist,
        }
    }

    /// The seed nearest in sound (the lowest track index among equals).
    fn nearest_seed(&self, row: &Row) -> Option<TrackIdx> {
        let nearest = NearestIndex::new(&self.seed_rows).ok()?.nearest(row)?;
        self.sorted_seeds.get(nearest.track.get()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{artist_of, fixture, tracks};
    use super::super::{Method, Options, Recommendation, Recommender};
    use crate::catalog::{Trust, TrustColumn};
    use crate::{Catalog, TrackIdx};

    /// The fixture with "indie folk" (Ada's rarer genre) and all of Bo's genres as genre
    /// searches' labels rather than Spotify's artist genres.
    fn catalog() -> Catalog {
        let mut catalog = fixture();
        let indie_folk = catalog.genres.find("indie folk").unwrap();
        let mut trust = TrustColumn::default();
        for t in 0..catalog.n_tracks() {
            for (g, _) in catalog.genres_with_trust(TrackIdx(t as u32)) {
                trust.push(if g != indie_folk && artist_of(t) != 1 {
                    Trust::Agreed
                } else {
                    Trust::SearchLabel
                });
            }
        }
        catalog.genre_trust = trust;
        catalog
    }

    fn blend(catalog: &Catalog, seeds: &[usize]) -> Vec<Recommendation> {
        let options = Options {
            k: 20,
            ..Options::default()
        };
        Recommender::new(catalog.clone())
            .recommend(Method::Blend, &tracks(seeds), &options)
            .unwrap()
    }

    #[test]
    fn a_shared_spotify_genre_is_named_before_a_weightier_search_label() {
        let catalog = catalog();
        let got = blend(&catalog, &[0, 1]);
        let ada = got.iter().find(|r| artist_of(r.track.get()) == 0).unwrap();
        let folk = catalog.genres.find("folk").unwrap();
        // Indie folk is rarer, so weighs more, but only a search put the track under it.
        assert_eq!(ada.explanation.genres, [folk]);
        let sentence = ada.explanation.sentence(&catalog);
        assert!(sentence.ends_with("shares your folk"), "{sentence}");
    }

    #[test]
    fn search_labels_explain_a_track_whose_artist_spotify_gave_no_shared_genre() {
        let catalog = catalog();
        let got = blend(&catalog, &[10]);
        let bo = got.iter().find(|r| artist_of(r.track.get()) == 1).unwrap();
        let mut genres = bo.explanation.genres.clone();
        genres.sort_unstable();
        let rock = catalog.genres.find("rock").unwrap();
        let hard_rock = catalog.genres.find("hard rock").unwrap();
        assert_eq!(genres, [rock, hard_rock]);
    }
}
