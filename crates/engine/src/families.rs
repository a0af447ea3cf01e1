//! Names for the catalog's sound families (its k-means clusters), computed from the catalog
//! alone: the family's audio character (the feature its centroid stands out on most, in catalog
//! standard deviations) and its most distinctive genres (share of the family's tracks times the
//! log-lift of that share over the catalog's), e.g. "Acoustic folk & singer-songwriter".
//!
//! The app calls [`family_names`] once after loading the catalog; it is linear in the catalog.

use std::collections::HashMap;

use crate::catalog::SCALED_STRIDE;
use crate::ranked::{Scored, best_first};
use crate::{Catalog, Feature};

/// A genre names a family only when at least this share of its tracks carry it.
const MIN_GENRE_SHARE: f32 = 0.03;
/// Below this many standard deviations, no feature stands out.
const MIN_DEVIATION: f32 = 0.4;

/// Each feature a listener recognises, with its word for much less and much more of it.
const CHARACTER: [(Feature, &str, &str); 8] = [
    (Feature::Acousticness, "Electric", "Acoustic"),
    (Feature::Energy, "Calm", "Energetic"),
    (Feature::Danceability, "Free-flowing", "Danceable"),
    (Feature::Instrumentalness, "Sung", "Instrumental"),
    (Feature::Speechiness, "Melodic", "Spoken"),
    (Feature::Valence, "Melancholy", "Upbeat"),
    (Feature::Liveness, "Studio", "Live"),
    (Feature::TempoBpm, "Slow", "Fast"),
];

/// One name per family (cluster id order), distinct.
pub fn family_names(catalog: &Catalog) -> Vec<String> {
    let k = catalog.kmeans.k();
    let n = catalog.n_tracks().max(1) as f32;
    let mut family_size = vec![0u32; k];
    let mut family_genres: Vec<HashMap<u16, u32>> = vec![HashMap::new(); k];
    let mut catalog_genres: HashMap<u16, u32> = HashMap::new();
    for (t, &c) in catalog.clusters.iter().enumerate() {
        let Some(size) = family_size.get_mut(c as usize) else {
            continue;
        };
        *size += 1;
        for &g in catalog.track_genres.row(t) {
            *family_genres[c as usize].entry(g).or_default() += 1;
            *catalog_genres.entry(g).or_default() += 1;
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(k);
    for c in 0..k {
        let size = family_size[c].max(1) as f32;
        // Both lists go through the engine's one ranked order (ties: the lower genre id, the
        // earlier character): another sort would ship another copy of the sort routine.
        let mut genres: Vec<Scored> = family_genres[c]
            .iter()
            .filter_map(|(&g, &count)| {
                let share = count as f32 / size;
                let lift = share / (catalog_genres.get(&g).copied().unwrap_or(1) as f32 / n);
                (share >= MIN_GENRE_SHARE && lift > 1.0)
                    .then_some((share * lift.ln(), u32::from(g)))
            })
            .collect();
        let genre_names: Vec<&str> = best_first(&mut genres, 2)
            .iter()
            .map(|&(_, g)| catalog.genres.names.get(g as usize))
            .collect();
        let centroid = catalog
            .kmeans
            .centroids
            .get(c * SCALED_STRIDE..(c + 1) * SCALED_STRIDE)
            .unwrap_or(&[]);
        let deviation = |f: Feature| centroid.get(f.column()).copied().unwrap_or(0.0);
        let mut standing_out: Vec<Scored> = (0u32..)
            .zip(CHARACTER)
            .map(|(i, (f, _, _))| (deviation(f).abs(), i))
            .filter(|&(z, _)| z >= MIN_DEVIATION)
            .collect();
        let traits: Vec<&str> = best_first(&mut standing_out, 2)
            .iter()
            .map(|&(_, i)| {
                let (f, less, more) = CHARACTER[i as usize];
                if deviation(f) > 0.0 { more } else { less }
            })
            .collect();
        let base = match (traits.first(), genre_names.as_slice()) {
            (Some(word), []) => format!("{word} sounds"),
            (None, []) => "Mixed sounds".to_owned(),
            (trait_word, genres) => {
                let genres = genres.join(" & ");
                match trait_word {
                    Some(word) => format!("{word} {genres}"),
                    None => capitalized(&genres),
                }
            }
        };
        // Distinct names: a second trait, else the family's number, tells twins apart.
        let mut name = base.clone();
        if names.contains(&name) {
            name = match traits.get(1) {
                Some(word) => format!("{base}, {}", word.to_lowercase()),
                None => format!("{base} {}", c + 1),
            };
            if names.contains(&name) {
                name = format!("{base} {}", c + 1);
            }
        }
        names.push(name);
    }
    names
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::testing::fixture;

    #[test]
    fn families_are_named_for_their_sound_and_their_genres() {
        // The fixture's family 0 is Ada and Di (acoustic folk, pop), family 1 Bo and Cy (loud
        // rock, pop).
        let names = family_names(&fixture());
        assert_eq!(names.len(), 2);
        assert!(names[0].starts_with("Acoustic"), "{names:?}");
        assert!(names[0].contains("folk"), "{names:?}");
        assert!(names[1].starts_with("Electric"), "{names:?}");
        assert!(names[1].contains("rock"), "{names:?}");
        assert_ne!(names[0], names[1]);
    }
}
