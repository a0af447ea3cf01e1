//! The sides of a taste: a listener's seeds grouped into the few kinds of music they mix (a
//! liked-songs library often joins funk, rap and folk), each named for what it is.
//!
//! Seeds are grouped by primary artist first (an artist's tracks belong together), then the
//! artist groups are clustered on their genres: each group's unit IDF genre vector joins the side
//! whose genre profile it is closest to (cosine), or starts a side when none is close enough
//! (leader clustering, largest groups first, then one pass of reassignment to the final
//! profiles). Sides too small to be a taste of their own join the side closest to them. Seeds
//! without genres stay with their artist's side, or join the largest. Deterministic: ties go to
//! the lower artist index and the earlier side.
//!
//! A library's list is served by side: [`deal`] merges each side's own list, each side its
//! [`shares`] of the places.
//!
//! A side's name is its two strongest genres (rarity-weighted), title-cased and joined with
//! "&", plus the decade most of its tracks come from when one dominates ("Soul & funk, 1970s").

use std::collections::HashMap;

use serde::Serialize;

use super::Options;
use crate::ranked::{Scored, best_first};
use crate::{Catalog, TrackIdx};

/// At least this cosine between a group's genres and a side's profile to join it. Measured on the
/// mixed DEV libraries with each side ranked on its own: 0.25 served as many tastes as 0.4
/// (TastesServed@50 0.60) at a better NDCG@50 (0.149 against 0.146), and split fewer single
/// playlists (DEV NDCG@50 0.159 against 0.156 when every list of 30 seeds or more split).
const JOIN_COSINE: f32 = 0.25;
/// A side needs at least this share of the seeds, and `MIN_SIDE_SEEDS`, to stand alone.
const MIN_SIDE_SHARE: f32 = 0.1;
const MIN_SIDE_SEEDS: usize = 3;
/// At most this many sides: a list of 50 cannot serve more tastes well.
pub const MAX_SIDES: usize = 6;
/// At most this many sides while clustering (a varied library would otherwise start hundreds):
/// past it, a group joins its closest side.
const MAX_DRAFT_SIDES: usize = 24;
/// A decade names a side when at least this share of its dated seeds come from it.
const DECADE_SHARE: f32 = 0.6;

/// EXPERIMENT ONLY.
pub fn exp(name: &str, default: f32) -> f32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One side of a taste.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// What it is, e.g. "Soul & funk, 1970s".
    pub name: String,
    /// Its seeds, in the order given.
    pub seeds: Vec<TrackIdx>,
    /// Its strongest genres (catalog genre indices), strongest first.
    pub genres: Vec<u16>,
    /// The decade (e.g. 1970) most of its seeds come from, when one dominates.
    pub decade: Option<u16>,
}

/// A sparse genre vector: (genre, weight), ascending by genre.
type Sparse = Vec<(u16, f32)>;

/// The sides of `seeds` (distinct, in catalog range), largest first; one side when the taste
/// does not split, none without seeds.
pub fn sides(catalog: &Catalog, seeds: &[TrackIdx]) -> Vec<Side> {
    if seeds.is_empty() {
        return Vec::new();
    }
    let groups = artist_groups(catalog, seeds);
    let vectors: Vec<Sparse> = groups
        .iter()
        .map(|(_, tracks)| normalized(genre_sum(catalog, tracks)))
        .collect();
    // Largest groups first, ties by artist index (no artist first). Every order here is the
    // engine's one ranked order (`best_first`): a sort of its own per element type and key would
    // ship another copy of the standard library's sort. Artist indices and counts are far below
    // 2^24, so they are exact as `f32` scores.
    let by_artist = ranked_indices(groups.iter().map(|(artist, _)| match artist {
        None => 1.0,
        Some(a) => -(*a as f32),
    }));
    let mut groups_by_size: Vec<Scored> = by_artist
        .iter()
        .zip(0u32..)
        .map(|(&g, artist_rank)| (groups[g].1.len() as f32, artist_rank))
        .collect();
    let n = groups_by_size.len();
    let order: Vec<usize> = best_first(&mut groups_by_size, n)
        .iter()
        .map(|&(_, artist_rank)| by_artist[artist_rank as usize])
        .collect();
    let n_genres = catalog.genres.names.len();
    let members = draft_sides(n_genres, &groups, &vectors, &order);
    let members = merge_small_sides(n_genres, members, &groups, &vectors, seeds.len());
    // Groups without genres join the largest side.
    let by_size = ranked_indices(members.iter().map(|m| seeds_in(m, &groups) as f32));
    let mut members: Vec<Option<Vec<usize>>> = members.into_iter().map(Some).collect();
    let mut sides_members: Vec<Vec<usize>> =
        by_size.iter().filter_map(|&i| members[i].take()).collect();
    let placed: Vec<bool> = {
        let mut placed = vec![false; groups.len()];
        sides_members
            .iter()
            .flatten()
            .for_each(|&g| placed[g] = true);
        placed
    };
    if sides_members.is_empty() {
        sides_members.push(Vec::new());
    }
    for (g, _) in placed.iter().enumerate().filter(|(_, p)| !**p) {
        sides_members[0].push(g);
    }
    let position: HashMap<TrackIdx, usize> =
        seeds.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    sides_members
        .into_iter()
        .map(|m| {
            let tracks: Vec<TrackIdx> = m
                .iter()
                .flat_map(|&g| groups[g].1.iter().copied())
                .collect();
            // In the seeds' order: the earliest position ranks first.
            let earliest = ranked_indices(
                tracks
                    .iter()
                    .map(|t| -(position.get(t).copied().unwrap_or(usize::MAX) as f32)),
            );
            describe(catalog, earliest.iter().map(|&i| tracks[i]).collect())
        })
        .collect()
}

/// The seeds of one primary artist, in order of first appearance.
type Group = (Option<u32>, Vec<TrackIdx>);

/// How many seeds the groups `members` hold.
fn seeds_in(members: &[usize], groups: &[Group]) -> usize {
    members.iter().map(|&g| groups[g].1.len()).sum()
}

/// The indices of `scores`, highest score first, ties by ascending index (the engine's one
/// ranked order, [`best_first`]).
fn ranked_indices(scores: impl Iterator<Item = f32>) -> Vec<usize> {
    let mut ranked: Vec<Scored> = scores.zip(0u32..).collect();
    let n = ranked.len();
    best_first(&mut ranked, n)
        .iter()
        .map(|&(_, i)| i as usize)
        .collect()
}

/// The seeds grouped by primary artist, in order of first appearance.
fn artist_groups(catalog: &Catalog, seeds: &[TrackIdx]) -> Vec<Group> {
    let mut group_of: HashMap<Option<u32>, usize> = HashMap::new();
    let mut groups: Vec<(Option<u32>, Vec<TrackIdx>)> = Vec::new();
    for &s in seeds {
        let artist = catalog.primary_artist(s);
        let g = *group_of.entry(artist).or_insert_with(|| {
            groups.push((artist, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(s);
    }
    groups
}

/// A side's genre profile while grouping: a weight per catalog genre and its squared length.
struct Profile {
    weights: Vec<f32>,
    norm2: f32,
}

impl Profile {
    fn new(n_genres: usize) -> Self {
        Self {
            weights: vec![0.0; n_genres],
            norm2: 0.0,
        }
    }

    fn add(&mut self, v: &Sparse, weight: f32) {
        for &(g, w) in v {
            if let Some(p) = self.weights.get_mut(usize::from(g)) {
                let before = *p;
                *p += weight * w;
                self.norm2 += *p * *p - before * before;
            }
        }
    }

    /// The cosine with the unit vector `v`; `None` for an empty profile.
    fn cosine(&self, v: &Sparse) -> Option<f32> {
        (self.norm2 > 0.0).then(|| {
            let dot: f32 = v
                .iter()
                .map(|&(g, w)| w * self.weights.get(usize::from(g)).copied().unwrap_or(0.0))
                .sum();
            dot / self.norm2.sqrt()
        })
    }
}

/// A first grouping, largest artist groups first: each joins the closest side when close enough
/// (or when there are enough sides already), else starts one; then one pass of reassignment to
/// the final profiles. Returns the groups of each side, by index.
fn draft_sides(
    n_genres: usize,
    groups: &[Group],
    vectors: &[Sparse],
    order: &[usize],
) -> Vec<Vec<usize>> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut assignment: Vec<Option<usize>> = vec![None; groups.len()];
    for &g in order {
        if vectors[g].is_empty() {
            continue;
        }
        let weight = groups[g].1.len() as f32;
        let full = profiles.len() >= MAX_DRAFT_SIDES;
        let side = match closest(&profiles, &vectors[g]).filter(|&(_, c)| full || c >= JOIN_COSINE)
        {
            Some((side, _)) => side,
            None => {
                profiles.push(Profile::new(n_genres));
                profiles.len() - 1
            }
        };
        profiles[side].add(&vectors[g], weight);
        assignment[g] = Some(side);
    }
    // One pass of reassignment to the final profiles.
    for &g in order {
        if let Some((side, _)) = closest(&profiles, &vectors[g]) {
            assignment[g] = Some(side);
        }
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); profiles.len()];
    for &g in order {
        if let Some(side) = assignment[g] {
            members[side].push(g);
        }
    }
    members
}

/// Merges the smallest side into its closest while it is too small or there are too many.
fn merge_small_sides(
    n_genres: usize,
    mut members: Vec<Vec<usize>>,
    groups: &[Group],
    vectors: &[Sparse],
    n_seeds: usize,
) -> Vec<Vec<usize>> {
    let size = |m: &[usize]| seeds_in(m, groups);
    let min_seeds = MIN_SIDE_SEEDS.max((MIN_SIDE_SHARE * n_seeds as f32).ceil() as usize);
    members.retain(|m| !m.is_empty());
    let mut profiles: Vec<Profile> = members
        .iter()
        .map(|m| {
            let mut profile = Profile::new(n_genres);
            m.iter()
                .for_each(|&g| profile.add(&vectors[g], groups[g].1.len() as f32));
            profile
        })
        .collect();
    while members.len() > 1 {
        let (smallest, n) = members
            .iter()
            .enumerate()
            .map(|(i, m)| (i, size(m)))
            .min_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))
            .unwrap_or((0, 0));
        if n >= min_seeds && members.len() <= MAX_SIDES {
            break;
        }
        let moved = members.remove(smallest);
        let moved_profile = profiles.remove(smallest);
        let direction: Sparse = normalized(
            moved_profile
                .weights
                .iter()
                .enumerate()
                .filter(|(_, w)| **w > 0.0)
                .map(|(g, &w)| (g as u16, w))
                .collect(),
        );
        let target = closest(&profiles, &direction).map_or(0, |(i, _)| i);
        for &g in &moved {
            profiles[target].add(&vectors[g], groups[g].1.len() as f32);
        }
        members[target].extend(moved);
    }
    members
}

/// Names a side from its seeds.
fn describe(catalog: &Catalog, seeds: Vec<TrackIdx>) -> Side {
    let mut weights: Vec<Scored> = genre_sum(catalog, &seeds)
        .into_iter()
        .map(|(g, w)| (w, u32::from(g)))
        .collect();
    let genres: Vec<u16> = best_first(&mut weights, 2)
        .iter()
        .map(|&(_, g)| g as u16)
        .collect();
    let mut decades: HashMap<u16, usize> = HashMap::new();
    let mut dated = 0usize;
    for &s in &seeds {
        if let Some(y) = catalog.year(s) {
            *decades.entry(y / 10 * 10).or_default() += 1;
            dated += 1;
        }
    }
    let decade = decades
        .iter()
        .max_by_key(|&(d, n)| (*n, std::cmp::Reverse(*d)))
        .filter(|&(_, &n)| dated > 0 && n as f32 >= DECADE_SHARE * dated as f32)
        .map(|(&d, _)| d);
    let mut name = match genres.as_slice() {
        [] => "Unlabelled".to_owned(),
        [g] => capitalized(catalog.genres.names.get(*g as usize)),
        [g, h, ..] => format!(
            "{} & {}",
            capitalized(catalog.genres.names.get(*g as usize)),
            catalog.genres.names.get(*h as usize)
        ),
    };
    if let Some(d) = decade {
        name.push_str(&format!(", {d}s"));
    }
    Side {
        name,
        seeds,
        genres,
        decade,
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The sum of the tracks' unit IDF genre vectors.
fn genre_sum(catalog: &Catalog, tracks: &[TrackIdx]) -> Sparse {
    let mut sum: HashMap<u16, f32> = HashMap::new();
    for &t in tracks {
        let row = catalog.track_genres.row(t.get());
        let idf = |g: u16| catalog.genres.idf.get(g as usize).copied().unwrap_or(0.0);
        let norm = row.iter().map(|&g| idf(g).powi(2)).sum::<f32>().sqrt();
        if norm > 0.0 {
            for &g in row {
                *sum.entry(g).or_default() += idf(g) / norm;
            }
        }
    }
    sorted(sum)
}

fn sorted(map: HashMap<u16, f32>) -> Sparse {
    let mut v: Sparse = map.into_iter().filter(|(_, w)| *w > 0.0).collect();
    v.sort_unstable_by_key(|&(g, _)| g);
    v
}

fn normalized(mut v: Sparse) -> Sparse {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    v
}

/// The profile most like the unit vector `v` (cosine), the first among equals.
fn closest(profiles: &[Profile], v: &Sparse) -> Option<(usize, f32)> {
    profiles
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.cosine(v).map(|c| (i, c)))
        .fold(None, |best: Option<(usize, f32)>, (i, c)| match best {
            Some((_, b)) if b >= c => best,
            _ => Some((i, c)),
        })
}

/// Deals the sides' own lists (each best first) into one list of `options.k`: side `i`'s r-th
/// place sits at about `r / shares[i]` of the list (a weighted round robin), a track two sides
/// both list takes the earlier place, and the per-artist cap holds across sides. A side that runs
/// out leaves its places to the others.
pub fn deal(
    catalog: &Catalog,
    lists: &[Vec<(TrackIdx, f32)>],
    shares: &[usize],
    options: &Options,
) -> Vec<(TrackIdx, f32)> {
    let k = options.k;
    let mut next = vec![0usize; lists.len()];
    let mut dealt = vec![0usize; lists.len()];
    let mut taken: std::collections::HashSet<TrackIdx> = std::collections::HashSet::new();
    let mut per_artist: HashMap<u32, usize> = HashMap::new();
    let mut picked: Vec<TrackIdx> = Vec::with_capacity(k);
    while picked.len() < k {
        // The side whose next place comes first; ties to the larger side.
        let Some(side) = (0..lists.len())
            .filter(|&i| next[i] < lists[i].len() && shares.get(i).is_some_and(|&s| s > 0))
            .min_by(|&a, &b| {
                let at = |i: usize| (dealt[i] as f64 + 0.5) / shares[i] as f64;
                at(a).total_cmp(&at(b)).then(a.cmp(&b))
            })
        else {
            break;
        };
        let track = lists[side][next[side]].0;
        next[side] += 1;
        if taken.contains(&track) {
            continue;
        }
        if let (Some(cap), Some(artist)) = (options.max_per_artist, catalog.primary_artist(track)) {
            let count = per_artist.entry(artist).or_insert(0);
            if *count >= cap {
                continue;
            }
            *count += 1;
        }
        taken.insert(track);
        picked.push(track);
        dealt[side] += 1;
    }
    let n = picked.len().max(1) as f32;
    picked
        .into_iter()
        .enumerate()
        .map(|(position, track)| (track, 1.0 - position as f32 / n))
        .collect()
}

/// How many of `k` places each side gets: in proportion to the square root of its seeds (largest
/// remainders), at least one each while places last. By the square root, a small side of a
/// library gets enough places to be served at all, and a large one still gets the most (on the
/// mixed DEV libraries: TastesServed@50 0.597 against 0.587 in proportion to the seeds, NDCG@50
/// 0.146 against 0.147).
pub fn shares(sides: &[Side], k: usize) -> Vec<usize> {
    let weight = |side: &Side| (side.seeds.len() as f64).sqrt();
    let total: f64 = sides.iter().map(weight).sum();
    if sides.is_empty() || total == 0.0 {
        return vec![0; sides.len()];
    }
    let exact: Vec<f64> = sides.iter().map(|s| k as f64 * weight(s) / total).collect();
    let mut out: Vec<usize> = exact.iter().map(|x| (x.floor() as usize).max(1)).collect();
    while out.iter().sum::<usize>() > k {
        // Take from the largest share above one; with none left, the smallest side gives up
        // its place.
        let i = (0..out.len())
            .filter(|&i| out[i] > 1)
            .max_by_key(|&i| out[i])
            .or_else(|| (0..out.len()).rev().find(|&i| out[i] > 0));
        match i {
            Some(i) => out[i] -= 1,
            None => break,
        }
    }
    // Remainders closer than an `f32` can tell apart count as equal: the lower index wins.
    let by_remainder = ranked_indices(exact.iter().map(|x| (x - x.floor()) as f32));
    let mut i = 0;
    while out.iter().sum::<usize>() < k {
        out[by_remainder[i % by_remainder.len()]] += 1;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::testing::{fixture, tracks};

    #[test]
    fn indices_rank_highest_first_and_ties_keep_their_order() {
        let ranked = ranked_indices([1.0, 3.0, -2.0, 3.0, 1.0].into_iter());
        assert_eq!(ranked, [1, 3, 0, 4, 2]);
        assert!(ranked_indices(std::iter::empty()).is_empty());
    }

    #[test]
    fn the_sides_lists_are_dealt_in_turn_by_share_each_track_once() {
        let catalog = fixture();
        let list = |ts: &[usize]| -> Vec<(TrackIdx, f32)> {
            tracks(ts).into_iter().map(|t| (t, 0.0)).collect()
        };
        // Ada's side lists her own and Di's 30; Bo's lists his own and the same Di track.
        let lists = [list(&[5, 6, 7, 30, 8]), list(&[30, 15, 16])];
        let dealt = |shares: &[usize], options: &Options| -> Vec<usize> {
            deal(&catalog, &lists, shares, options)
                .iter()
                .map(|(t, _)| t.get())
                .collect()
        };
        let k = |k: usize| Options {
            k,
            ..Options::default()
        };
        // Two places each, in turn: Ada's first, Bo's first (30), Ada's second, Bo's second.
        assert_eq!(dealt(&[2, 2], &k(4)), vec![5, 30, 6, 15]);
        // Three places to Ada for one to Bo.
        assert_eq!(dealt(&[3, 1], &k(4)), vec![5, 6, 30, 7]);
        // Bo's list runs out (30 is taken): his places go to Ada's.
        assert_eq!(dealt(&[2, 2], &k(7)), vec![5, 30, 6, 15, 7, 16, 8]);
        // The per-artist cap holds across the sides.
        let capped = Options {
            max_per_artist: Some(1),
            ..k(4)
        };
        assert_eq!(dealt(&[2, 2], &capped), vec![5, 30, 15]);
        let scores: Vec<f32> = deal(&catalog, &lists, &[2, 2], &k(4))
            .iter()
            .map(|(_, s)| *s)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
    }

    #[test]
    fn a_taste_of_unrelated_artists_splits_by_genre_and_each_side_is_named() {
        // Ada (folk, indie folk; 1970s), Bo (rock, hard rock; 1990s), Cy (pop; 2010s).
        let catalog = fixture();
        let seeds = tracks(&[0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22]);
        let got = sides(&catalog, &seeds);
        let names: Vec<&str> = got.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(got.len(), 3, "{names:?}");
        assert_eq!(got[0].seeds, tracks(&[0, 1, 2, 3]));
        assert_eq!(got[1].seeds, tracks(&[10, 11, 12, 13]));
        assert_eq!(got[2].seeds, tracks(&[20, 21, 22]));
        assert!(
            names[0].ends_with(", 1970s") && names[0].contains("folk"),
            "{names:?}"
        );
        assert!(
            names[1].contains("rock") && names[1].ends_with(", 1990s"),
            "{names:?}"
        );
        assert_eq!(names[2], "Pop, 2010s");
    }

    #[test]
    fn one_kind_of_music_is_one_side_and_a_stray_track_joins_it() {
        let catalog = fixture();
        // Ada's folk and one Di track (folk, pop): too few to stand alone.
        let got = sides(&catalog, &tracks(&[0, 1, 2, 3, 4, 6, 30]));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].seeds.len(), 7);
        assert!(sides(&catalog, &[]).is_empty());
    }

    #[test]
    fn shares_follow_the_sides_sizes_and_add_up_to_k() {
        let side = |n: usize| Side {
            name: String::new(),
            seeds: (0..n as u32).map(TrackIdx).collect(),
            genres: Vec::new(),
            decade: None,
        };
        // By the square roots of 36, 9 and 9: 6, 3 and 3 of 12, in places.
        assert_eq!(shares(&[side(36), side(9), side(9)], 48), vec![24, 12, 12]);
        assert_eq!(shares(&[side(98), side(1), side(1)], 10), vec![8, 1, 1]);
        assert_eq!(shares(&[side(2), side(1)], 1).iter().sum::<usize>(), 1);
    }
}
