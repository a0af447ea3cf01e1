use super::testing::{N_TRACKS, artist_of, fixture, synthetic, tracks};
use super::*;

fn recommender() -> Recommender {
    Recommender::new(fixture())
}

fn options(k: usize) -> Options {
    Options {
        k,
        ..Options::default()
    }
}

fn ids(results: &[Recommendation]) -> Vec<usize> {
    results.iter().map(|r| r.track.get()).collect()
}

#[test]
fn every_method_returns_k_distinct_non_seed_tracks_deterministically() {
    let mut rec = recommender();
    let seeds = tracks(&[0, 1, 2, 12]);
    for method in Method::ALL {
        let first = rec.recommend(method, &seeds, &options(8)).unwrap();
        let again = rec.recommend(method, &seeds, &options(8)).unwrap();
        assert_eq!(first, again, "{method}");
        let got = ids(&first);
        assert_eq!(got.len(), 8, "{method}: {got:?}");
        let mut distinct = got.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 8, "{method}: duplicates in {got:?}");
        assert!(
            got.iter().all(|t| ![0, 1, 2, 12].contains(t)),
            "{method}: a seed came back in {got:?}"
        );
        assert!(
            first.windows(2).all(|w| w[0].score >= w[1].score),
            "{method}: not ranked"
        );
    }
}

#[test]
fn bad_requests_are_clear_errors() {
    let mut rec = recommender();
    let seeds = tracks(&[0]);
    let cases: Vec<(Vec<TrackIdx>, Options, RecommendError)> = vec![
        (Vec::new(), options(5), RecommendError::NoSeeds),
        (
            tracks(&[40]),
            options(5),
            RecommendError::UnknownTrack {
                index: 40,
                n_tracks: N_TRACKS,
            },
        ),
        (
            seeds.clone(),
            Options {
                exclude: tracks(&[99]),
                ..options(5)
            },
            RecommendError::UnknownTrack {
                index: 99,
                n_tracks: N_TRACKS,
            },
        ),
        (seeds.clone(), options(0), RecommendError::ZeroResults),
        (
            seeds.clone(),
            Options {
                max_per_artist: Some(0),
                ..options(5)
            },
            RecommendError::ZeroPerArtist,
        ),
        (
            seeds.clone(),
            Options {
                years: Some((2000, 1990)),
                ..options(5)
            },
            RecommendError::EmptyYears(2000, 1990),
        ),
        (
            seeds.clone(),
            Options {
                popularity: 1.5,
                ..options(5)
            },
            RecommendError::Popularity,
        ),
        (
            seeds.clone(),
            Options {
                nudges: vec![Nudge {
                    feature: Feature::Energy,
                    amount: f32::NAN,
                }],
                ..options(5)
            },
            RecommendError::Nudge(Feature::Energy),
        ),
    ];
    for (seeds, options, expected) in cases {
        for method in Method::ALL {
            assert_eq!(
                rec.recommend(method, &seeds, &options),
                Err(expected.clone()),
                "{method}"
            );
        }
    }
    assert_eq!(
        "nope".parse::<Method>(),
        Err(RecommendError::UnknownMethod("nope".into()))
    );
}

#[test]
fn k_beyond_the_catalog_returns_every_eligible_track() {
    let mut rec = recommender();
    for method in Method::ALL {
        let got = rec
            .recommend(method, &tracks(&[0, 10]), &options(1_000))
            .unwrap();
        // adviser-genre only keeps tracks sharing a genre: Ada's, Bo's and Di's (who plays folk),
        // minus the seeds and Di's track without genres.
        let expected = if method == Method::AdviserGenre {
            9 + 9 + 9
        } else {
            N_TRACKS - 2
        };
        assert_eq!(got.len(), expected, "{method}");
    }
}

#[test]
fn duplicate_seeds_count_once() {
    let mut rec = recommender();
    for method in Method::ALL {
        let once = rec
            .recommend(method, &tracks(&[3, 14]), &options(6))
            .unwrap();
        let twice = rec
            .recommend(method, &tracks(&[3, 14, 3]), &options(6))
            .unwrap();
        assert_eq!(once, twice, "{method}");
    }
}

#[test]
fn filters_hold_for_every_method() {
    let mut rec = recommender();
    let catalog = fixture();
    let seeds = tracks(&[0, 1, 10]);
    let excluded = tracks(&[2, 3, 11]);
    for method in Method::ALL {
        let got = rec
            .recommend(
                method,
                &seeds,
                &Options {
                    exclude: excluded.clone(),
                    ..options(10)
                },
            )
            .unwrap();
        assert!(
            got.iter().all(|r| !excluded.contains(&r.track)),
            "{method}: exclude"
        );

        let got = rec
            .recommend(
                method,
                &seeds,
                &Options {
                    years: Some((1990, 1999)),
                    ..options(10)
                },
            )
            .unwrap();
        assert!(!got.is_empty(), "{method}");
        assert!(
            got.iter().all(|r| catalog
                .year(r.track)
                .is_some_and(|y| (1990..=1999).contains(&y))),
            "{method}: years"
        );

        let got = rec
            .recommend(
                method,
                &seeds,
                &Options {
                    max_per_artist: Some(2),
                    ..options(6)
                },
            )
            .unwrap();
        let mut per_artist = [0; 4];
        got.iter()
            .for_each(|r| per_artist[artist_of(r.track.get()) as usize] += 1);
        assert!(
            per_artist.iter().all(|&n| n <= 2),
            "{method}: {per_artist:?}"
        );
        assert_eq!(
            got.len(),
            6,
            "{method}: the cap must not shorten the list when others remain"
        );
    }
}

#[test]
fn popularity_preference_moves_between_gems_and_hits() {
    let mut rec = recommender();
    let catalog = fixture();
    let mean_popularity = |results: &[Recommendation]| {
        let known: Vec<f32> = results
            .iter()
            .filter_map(|r| catalog.popularity[r.track.get()])
            .map(f32::from)
            .collect();
        known.iter().sum::<f32>() / known.len() as f32
    };
    for method in Method::ALL {
        let seeds = tracks(&[0, 15, 22]);
        let hits = rec
            .recommend(
                method,
                &seeds,
                &Options {
                    popularity: 1.0,
                    ..options(10)
                },
            )
            .unwrap();
        let gems = rec
            .recommend(
                method,
                &seeds,
                &Options {
                    popularity: -1.0,
                    ..options(10)
                },
            )
            .unwrap();
        assert!(
            mean_popularity(&hits) > mean_popularity(&gems) + 10.0,
            "{method}"
        );
    }
}

#[test]
fn nudges_shift_the_results_feature() {
    let mut rec = recommender();
    let catalog = fixture();
    let energy = |results: &[Recommendation]| {
        results
            .iter()
            .map(|r| catalog.raw_features(r.track)[Feature::Energy.column()])
            .sum::<f32>()
            / results.len() as f32
    };
    let nudged = |amount| Options {
        nudges: vec![Nudge {
            feature: Feature::Energy,
            amount,
        }],
        ..options(10)
    };
    for method in Method::ALL {
        let seeds = tracks(&[0, 30]);
        let more = rec.recommend(method, &seeds, &nudged(2.0)).unwrap();
        let less = rec.recommend(method, &seeds, &nudged(-2.0)).unwrap();
        assert!(
            energy(&more) > energy(&less),
            "{method}: {} <= {}",
            energy(&more),
            energy(&less)
        );
    }
}

#[test]
fn popular_ranks_by_popularity_with_unknown_last() {
    let mut rec = recommender();
    let catalog = fixture();
    let got = rec
        .recommend(Method::Popular, &tracks(&[0]), &options(N_TRACKS))
        .unwrap();
    let popularity: Vec<Option<u8>> = got
        .iter()
        .map(|r| catalog.popularity[r.track.get()])
        .collect();
    let known = popularity.iter().take_while(|p| p.is_some()).count();
    assert_eq!(known, 35, "four unknowns come last: {popularity:?}");
    assert!(popularity[..known].windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn blend_continues_with_the_seeds_artist_and_album_first() {
    let mut rec = recommender();
    let seeds = tracks(&[0, 1, 2]);
    // The network may move the artist's best-known song (track 8) above the album's lesser ones,
    // but the list opens with the album and keeps to the artist.
    let got = ids(&rec.recommend(Method::Blend, &seeds, &options(7)).unwrap());
    assert_eq!(got[0] / 5, 0, "album first: {got:?}");
    assert!(
        got.iter().all(|&t| artist_of(t) == 0),
        "then the artist: {got:?}"
    );
    // The linear stage alone: the album's tracks, then the artist's.
    rec.set_blend_model(BlendWeights::default(), None);
    let got = ids(&rec.recommend(Method::Blend, &seeds, &options(7)).unwrap());
    assert_eq!(
        &got[..2].iter().map(|&t| t / 5).collect::<Vec<_>>(),
        &[0, 0],
        "album first: {got:?}"
    );
    assert!(
        got.iter().all(|&t| artist_of(t) == 0),
        "then the artist: {got:?}"
    );
}

#[test]
fn knn_takes_turns_between_seeds() {
    let mut rec = recommender();
    // One seed by Ada, one by Bo: the first two results are one of each.
    let got = ids(&rec
        .recommend(Method::Knn, &tracks(&[0, 10]), &options(4))
        .unwrap());
    let artists: Vec<u32> = got.iter().map(|&t| artist_of(t)).collect();
    assert_eq!(artists, vec![0, 1, 0, 1], "{got:?}");
}

#[test]
fn clusters_share_the_list_like_the_seeds() {
    let mut rec = recommender();
    let catalog = fixture();
    // Three seeds in the acoustic family, one in the loud one.
    let got = rec
        .recommend(Method::Clusters, &tracks(&[0, 1, 30, 10]), &options(8))
        .unwrap();
    let loud = got
        .iter()
        .filter(|r| catalog.clusters[r.track.get()] == 1)
        .count();
    assert_eq!(loud, 2);
}

#[test]
fn adviser_genre_keeps_tracks_sharing_a_genre() {
    let mut rec = recommender();
    let catalog = fixture();
    let seed_genres = catalog.track_genres.row(10).to_vec();
    let got = rec
        .recommend(Method::AdviserGenre, &tracks(&[10]), &options(12))
        .unwrap();
    assert_eq!(got.len(), 9, "only Bo's other nine tracks share a genre");
    assert!(got.iter().all(|r| {
        catalog
            .track_genres
            .row(r.track.get())
            .iter()
            .any(|g| seed_genres.contains(g))
    }));
}

#[test]
fn sound_methods_stay_in_the_seeds_family() {
    let mut rec = recommender();
    let catalog = fixture();
    for method in [Method::Centroid, Method::CentroidGenre, Method::Adviser] {
        let got = rec
            .recommend(method, &tracks(&[20, 21, 22, 23]), &options(5))
            .unwrap();
        assert!(
            got.iter().all(|r| catalog.clusters[r.track.get()] == 1),
            "{method}: {:?}",
            ids(&got)
        );
    }
}

#[test]
fn classifier_learns_what_sets_the_seeds_apart() {
    let mut rec = recommender();
    // A linear model ranks the far side of the seeds' direction too, so only the top is checked.
    let got = ids(&rec
        .recommend(Method::Classifier, &tracks(&[20, 21, 22, 23]), &options(3))
        .unwrap());
    assert!(got.iter().all(|&t| artist_of(t) == 2), "{got:?}");
}

#[test]
fn explanations_name_the_closest_seed_shared_artist_and_genres() {
    let mut rec = recommender();
    let catalog = fixture();
    let got = rec
        .recommend(Method::Blend, &tracks(&[0, 20]), &options(20))
        .unwrap();
    // Track 5 is by Ada featuring Cy, and sounds like Ada: its explanation points at Ada's seed.
    let first = got.iter().find(|r| r.track == TrackIdx(5)).unwrap();
    assert_eq!(first.explanation.seed, Some(TrackIdx(0)));
    assert_eq!(first.explanation.artist, Some(0));
    assert_eq!(first.explanation.collaborator, None);
    assert_eq!(first.explanation.features.len(), 2);
    assert!(!first.explanation.genres.is_empty());
    let sentence = first.explanation.sentence(&catalog);
    assert!(sentence.starts_with("also by Ada, similar "), "{sentence}");
    assert!(
        sentence.contains(" to \"Song 0\" by Ada, shares your "),
        "{sentence}"
    );
}

#[test]
fn a_new_artist_is_explained_by_whom_they_played_with_and_popular_claims_no_seed() {
    let mut rec = recommender();
    let catalog = fixture();
    // The seeds credit Cy alone; Ada played with Cy on track 5.
    let new = Options {
        artists: Artists::New,
        ..options(40)
    };
    let got = rec
        .recommend(Method::Blend, &tracks(&[20, 21]), &new)
        .unwrap();
    let ada = got.iter().find(|r| r.track == TrackIdx(3)).unwrap();
    assert_eq!(ada.explanation.collaborator, Some(2));
    let sentence = ada.explanation.sentence(&catalog);
    assert!(
        sentence.starts_with("plays with Cy, whom you like"),
        "{sentence}"
    );
    for r in rec
        .recommend(Method::Popular, &tracks(&[20]), &options(10))
        .unwrap()
    {
        let sentence = r.explanation.sentence(&catalog);
        assert_eq!(r.explanation.seed, None);
        assert!(
            !sentence.contains("close to") && !sentence.contains("similar"),
            "{sentence}"
        );
    }
}

#[test]
fn method_names_round_trip() {
    for method in Method::ALL {
        assert_eq!(method.name().parse::<Method>(), Ok(method));
        assert_eq!(method.to_string(), method.name());
        assert!(method.description().ends_with('.'));
    }
}

/// `knn` as first designed: every seed ranks a whole pool by brute force (in the code domain),
/// then round-robin.
fn knn_reference(catalog: &Catalog, seeds: &[TrackIdx], pool: usize) -> Vec<usize> {
    use crate::nearest::{Neighbour, exact_code_top_k};
    use crate::simd::code_dist2_scalar;
    use crate::space::code_lanes;
    let codes = &catalog.codes;
    let weights = catalog.space.weights;
    let lists: Vec<Vec<Neighbour>> = seeds
        .iter()
        .map(|&seed| {
            let at = code_lanes(&codes[seed.get()]);
            let artists = catalog.track_artists.row(seed.get());
            let shares = |t: TrackIdx| {
                catalog
                    .track_artists
                    .row(t.get())
                    .iter()
                    .any(|a| artists.contains(a))
            };
            let mut list: Vec<Neighbour> =
                exact_code_top_k(codes, &weights, &at, pool, |t| seeds.contains(&t))
                    .into_iter()
                    .filter(|n| !shares(n.track))
                    .map(|n| Neighbour {
                        track: n.track,
                        dist2: n.dist2 + 4.0,
                    })
                    .collect();
            list.extend(
                (0..catalog.n_tracks())
                    .map(|t| TrackIdx(t as u32))
                    .filter(|&t| shares(t) && !seeds.contains(&t))
                    .map(|t| Neighbour {
                        track: t,
                        dist2: code_dist2_scalar(&at, &weights, &codes[t.get()]),
                    }),
            );
            list.sort_unstable();
            list.truncate(pool);
            list
        })
        .collect();
    let mut order = Vec::new();
    for round in 0..pool {
        for list in &lists {
            if let Some(n) = list.get(round)
                && !order.contains(&n.track.get())
            {
                order.push(n.track.get());
            }
        }
    }
    order
}

#[test]
fn knn_ranks_lazily_as_if_every_seed_ranked_a_whole_pool() {
    use crate::catalog::StringTable;
    let mut catalog = synthetic(5_000, 7);
    // About three tracks per artist, so most seeds need a search of the tree.
    let n_artists = 1_700;
    let mut names = StringTable::default();
    (0..n_artists).for_each(|a| names.push(&format!("artist {a}")));
    catalog.artists.names = names;
    catalog.artists.ids = vec![None; n_artists];
    catalog.track_artists = Default::default();
    for t in 0..catalog.n_tracks() {
        catalog.track_artists.push_row([(t * 7 % n_artists) as u32]);
    }
    let mut rec = Recommender::new(catalog.clone());
    // Few seeds (long lists per seed), many (round robin ends within the first round), and
    // twice the pool or more (each seed's nearest first; 450 neighbouring tracks share theirs).
    for (n_seeds, stride) in [(1, 13), (3, 13), (40, 13), (300, 13), (500, 7), (450, 1)] {
        let seeds: Vec<TrackIdx> = (0..n_seeds).map(|i| TrackIdx(i * stride + 5)).collect();
        let got = ids(&rec.recommend(Method::Knn, &seeds, &options(50)).unwrap());
        let want = knn_reference(&catalog, &seeds, 200);
        assert_eq!(got, want[..50], "{n_seeds} seeds");
    }
}

#[test]
fn blend_favours_hits_when_the_seeds_are_hits() {
    let score_of_6 = |six_charted: bool| {
        let mut catalog = fixture();
        for t in [0, 2, 4] {
            catalog.charted[t] = Some(true);
        }
        catalog.charted[6] = Some(six_charted);
        // The linear stage's Billboard lift, without the network re-ranking.
        let mut rec = Recommender::new(catalog);
        rec.set_blend_model(BlendWeights::default(), None);
        let results = rec
            .recommend(Method::Blend, &tracks(&[0, 2, 4]), &options(N_TRACKS))
            .unwrap();
        results.iter().find(|r| r.track.get() == 6).unwrap().score
    };
    assert!(score_of_6(true) > score_of_6(false));
}

/// A catalog large enough for `knn` to rank its seeds in several batches.
fn large_recommender() -> (Recommender, Vec<TrackIdx>) {
    let catalog = synthetic(4_000, 9);
    let seeds = (0..300).map(|i| TrackIdx(i * 13)).collect();
    (Recommender::new(catalog), seeds)
}

#[test]
fn knn_answers_a_large_library_in_several_pieces_with_the_same_result() {
    let (mut rec, seeds) = large_recommender();
    let options = options(20);
    let mut job = rec.begin(Method::Knn, &seeds, &options).unwrap();
    let mut pieces = 1;
    let stepped = loop {
        if let Some(results) = rec.advance(&mut job) {
            break results;
        }
        pieces += 1;
    };
    assert!(pieces > 2, "{pieces} pieces");
    let (mut fresh, _) = large_recommender();
    assert_eq!(
        stepped,
        fresh.recommend(Method::Knn, &seeds, &options).unwrap()
    );
}

#[test]
fn an_abandoned_job_leaves_no_trace() {
    let (mut rec, seeds) = large_recommender();
    let mut abandoned = rec.begin(Method::Knn, &seeds[..200], &options(50)).unwrap();
    assert!(rec.advance(&mut abandoned).is_none());
    drop(abandoned);
    let (mut fresh, _) = large_recommender();
    for method in Method::ALL {
        assert_eq!(
            rec.recommend(method, &seeds[100..], &options(10)).unwrap(),
            fresh
                .recommend(method, &seeds[100..], &options(10))
                .unwrap(),
            "{method}"
        );
    }
}

#[test]
fn warming_up_fits_every_model_and_changes_no_result() {
    let (mut warm, seeds) = large_recommender();
    let mut steps = 1;
    while !warm.warm_up_step() {
        steps += 1;
        assert!(steps < 100, "warm-up does not finish");
    }
    // The blend prior, the centroid space, and the adviser's elbow curve, fit and assignment.
    assert!(steps > 4, "{steps} steps");
    assert!(warm.warm_up_step(), "stays warm");
    let (mut cold, _) = large_recommender();
    for method in Method::ALL {
        assert_eq!(
            warm.recommend(method, &seeds, &options(15)).unwrap(),
            cold.recommend(method, &seeds, &options(15)).unwrap(),
            "{method}"
        );
    }
}

#[test]
fn classifier_on_a_library_larger_than_it_trains_on_is_deterministic_and_learns() {
    let catalog = synthetic(6_000, 4);
    // 2,500 seeds (more than the 2,000 trained on), all from the loud sound family.
    let seeds: Vec<TrackIdx> = (0..catalog.n_tracks() as u32)
        .map(TrackIdx)
        .filter(|t| catalog.clusters[t.get()] == 1)
        .take(2_500)
        .collect();
    assert_eq!(seeds.len(), 2_500);
    let mut rec = Recommender::new(catalog.clone());
    let got = rec
        .recommend(Method::Classifier, &seeds, &options(20))
        .unwrap();
    assert_eq!(
        got,
        rec.recommend(Method::Classifier, &seeds, &options(20))
            .unwrap()
    );
    assert!(
        got.iter().all(|r| catalog.clusters[r.track.get()] == 1),
        "{:?}",
        ids(&got)
    );
}

#[test]
fn the_artists_choice_keeps_or_drops_every_artist_the_seeds_credit() {
    let mut rec = recommender();
    // Track 5 is Ada featuring Cy: both are the taste's artists.
    let seeds = tracks(&[5, 11]);
    let credited = |t: usize| rec_artists(t).iter().any(|a| [0, 1, 2].contains(a));
    for method in Method::ALL {
        let new = Options {
            artists: Artists::New,
            ..options(8)
        };
        let got = ids(&rec.recommend(method, &seeds, &new).unwrap());
        assert!(!got.is_empty(), "{method}: nothing new");
        assert!(got.iter().all(|&t| artist_of(t) == 3), "{method}: {got:?}");
        let familiar = Options {
            artists: Artists::Familiar,
            ..options(8)
        };
        let got = ids(&rec.recommend(method, &seeds, &familiar).unwrap());
        assert_eq!(got.len(), 8, "{method}");
        assert!(got.iter().all(|&t| credited(t)), "{method}: {got:?}");
    }
}

/// The fixture's credits of track `t` (track 5 is Ada featuring Cy).
fn rec_artists(t: usize) -> Vec<u32> {
    if t == 5 {
        vec![0, 2]
    } else {
        vec![artist_of(t)]
    }
}

#[test]
fn the_artists_choice_reads_its_names() {
    for artists in Artists::ALL {
        assert_eq!(artists.name().parse::<Artists>(), Ok(artists));
    }
    assert_eq!(
        "newish".parse::<Artists>(),
        Err(RecommendError::UnknownArtists("newish".to_owned()))
    );
}

#[test]
fn a_library_is_served_by_side_and_one_side_can_be_chosen() {
    let mut rec = recommender();
    // Ada's folk, Bo's rock and Cy's pop: three sides of 30 seeds; Di's tracks are what is left.
    let seeds: Vec<TrackIdx> = tracks(&(0..30).collect::<Vec<_>>());
    let sides = rec.sides(&seeds);
    assert_eq!(sides.len(), 3, "{sides:?}");
    let got = ids(&rec.recommend(Method::Blend, &seeds, &options(6)).unwrap());
    assert_eq!(got.len(), 6);
    assert!(got.iter().all(|&t| artist_of(t) == 3), "{got:?}");
    let one = Options {
        side: Some(2),
        ..options(3)
    };
    assert_eq!(rec.recommend(Method::Blend, &seeds, &one).unwrap().len(), 3);
    let missing = Options {
        side: Some(3),
        ..options(3)
    };
    assert_eq!(
        rec.recommend(Method::Blend, &seeds, &missing),
        Err(RecommendError::UnknownSide {
            side: 3,
            n_sides: 3
        })
    );
}

#[test]
fn blend_scores_only_the_popular_tracks_outside_its_candidates_and_ranks_as_if_it_scored_all() {
    let mut catalog = synthetic(5_000, 11);
    // A third of the tracks have no genre: only their other signals can bring them in.
    let rows: Vec<Vec<u16>> = (0..catalog.n_tracks())
        .map(|t| {
            if t % 3 == 0 {
                Vec::new()
            } else {
                catalog.track_genres.row(t).to_vec()
            }
        })
        .collect();
    catalog.track_genres = Default::default();
    rows.into_iter()
        .for_each(|row| catalog.track_genres.push_row(row));
    for (t, popularity) in catalog.popularity.iter_mut().enumerate() {
        *popularity = Some((t * 37 % 101) as u8);
    }
    let mut rec = Recommender::new(catalog.clone());
    // Genres weigh little next to popularity and artists not at all, so that some tracks outside
    // the candidates (sharing no genre) beat some inside.
    let weights = BlendWeights {
        artist: 0.0,
        album: 0.0,
        artist_popularity: 0.0,
        genre: 0.5,
        genre_squared: 0.0,
        ..BlendWeights::default()
    };
    rec.set_blend_model(weights, None);
    let seeds: Vec<TrackIdx> = (0..20).map(|i| TrackIdx(i * 37 + 1)).collect();
    let pruned = ids(&rec.recommend(Method::Blend, &seeds, &options(100)).unwrap());
    // A cap no artist reaches changes no list but makes blend score every track.
    let every = Options {
        max_per_artist: Some(10_000),
        ..options(100)
    };
    let all = ids(&rec.recommend(Method::Blend, &seeds, &every).unwrap());
    assert_eq!(pruned, all);
    assert!(
        all.iter().any(|&t| catalog.track_genres.row(t).is_empty()),
        "no track outside the candidates made the list: {all:?}"
    );
}

#[test]
fn a_library_of_two_tastes_is_served_both_though_one_is_four_times_the_other() {
    let catalog = synthetic(4_000, 5);
    let by = |artist: u32, n: usize| -> Vec<TrackIdx> {
        (0..catalog.n_tracks() as u32)
            .map(TrackIdx)
            .filter(|&t| catalog.primary_artist(t) == Some(artist))
            .take(n)
            .collect()
    };
    // 48 of Ada's folk songs and 12 of Bo's rock.
    let folk = by(0, 48);
    let rock = by(1, 12);
    let seeds: Vec<TrackIdx> = folk.iter().chain(&rock).copied().collect();
    let mut rec = Recommender::new(catalog.clone());
    let sides = rec.sides(&seeds);
    let side_seeds: Vec<&[TrackIdx]> = sides.iter().map(|s| s.seeds.as_slice()).collect();
    assert_eq!(side_seeds, vec![&folk[..], &rock[..]]);
    // The sides kept for the last seeds never answer other seeds.
    let rock_sides = rec.sides(&rock);
    assert_eq!(rock_sides.len(), 1);
    assert_eq!(rock_sides[0].seeds, rock);
    assert_eq!(rec.sides(&seeds), sides);
    let mut rock_in = |options: &Options| {
        rec.recommend(Method::Blend, &seeds, options)
            .unwrap()
            .iter()
            .filter(|r| catalog.primary_artist(r.track) == Some(1))
            .count()
    };
    let one_list = Options {
        split_sides: false,
        ..options(10)
    };
    // By the square roots of 48 and 12, rock gets 3 of the 10 places.
    assert_eq!(rock_in(&options(10)), 3);
    assert!(rock_in(&one_list) < 3, "{}", rock_in(&one_list));
}
