//! The engine worker's decisions, in plain Rust with native tests: a [`Request`] in, an
//! [`Answer`] out, with the [`Engine`] and what the worker keeps between requests.
//!
//! A recommendation is answered in pieces ([`Dispatcher::step`]) so that the worker reads its
//! messages between them: a newer recommendation replaces the one running, which is dropped
//! without an answer (the page has stopped waiting for it). The sides of a changed taste, asked
//! for while its list is being made, are found after the list: the list is what the listener
//! waits for.

use encore_engine::TrackIdx;
use encore_engine::recommend::Job;

use crate::model::controls::refusal;
use crate::model::engine::Engine;
use crate::model::map::MapFrames;
use crate::model::protocol::{Answer, EngineFacts, Recommendations, Request};
use crate::model::sides::{SideSummary, chosen_index};
use crate::model::track::ShownTrack;

/// One reply to the page: the answer to request `id`, and for the map, the pixels that travel
/// beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub id: u64,
    pub answer: Answer,
    pub pixels: Option<Vec<u8>>,
}

impl Reply {
    fn new(id: u64, answer: Answer) -> Self {
        Self {
            id,
            answer,
            pixels: None,
        }
    }
}

/// A recommendation being answered: its request's id, the engine's job, and the name of the
/// side of the taste it is from (`None`: all of them).
#[derive(Debug)]
struct Running {
    id: u64,
    job: Job,
    side: Option<String>,
}

/// The engine, once loaded, and the state kept between requests.
#[derive(Debug, Default)]
pub struct Dispatcher {
    engine: Option<Engine>,
    /// Every version of the last matched taste's songs ("leave out what I already have").
    owned: Vec<TrackIdx>,
    /// The recommendation being answered, piece by piece, and its request's id.
    running: Option<Running>,
    /// Sides asked for while a recommendation runs, and the request's id: found once the list
    /// is answered, so a changed taste's list does not wait for them.
    sides_asked: Option<(u64, Vec<TrackIdx>)>,
    map: MapFrames,
}

impl Dispatcher {
    /// Takes the built engine; what the page keeps of it.
    pub fn ready(&mut self, engine: Engine) -> Answer {
        let facts = EngineFacts { era: engine.era };
        self.engine = Some(engine);
        Answer::Loaded(facts)
    }

    /// Answers `request` at once, or starts a recommendation and answers `None`: [`Dispatcher::step`]
    /// answers it later. Loading is the worker's own (it fetches): here it is only a question
    /// of whether the engine is there.
    pub fn receive(&mut self, id: u64, request: Request) -> Option<Reply> {
        let Some(engine) = &self.engine else {
            return Some(Reply::new(id, Answer::NotReady));
        };
        let answer = match request {
            Request::Load => Answer::Loaded(EngineFacts { era: engine.era }),
            Request::Search { query, limit } => Answer::Found(engine.search(&query, limit)),
            Request::Match { taste } => {
                let tracks = taste.listener_tracks();
                let report = engine.match_all(&tracks);
                self.owned = engine.owned_versions(&report.matched);
                let years = tracks.iter().map(|t| engine.year_of(t)).collect();
                Answer::Matched { report, years }
            }
            Request::Sides { seeds } => {
                // A newer question about the sides replaces one still waiting for its turn.
                self.sides_asked = None;
                if self.running.is_some() {
                    self.sides_asked = Some((id, seeds));
                    return None;
                }
                sides_answer(engine, &seeds)
            }
            Request::Recommend { seeds, controls } => {
                let side = controls.side.as_deref().and_then(|name| {
                    // Grouped once for these seeds: the engine keeps the last seeds' sides.
                    let sides = engine.sides(&seeds);
                    chosen_index(sides.iter().map(|s| s.name.as_str()), Some(name))
                });
                match engine.begin(&seeds, &self.owned, &controls, side) {
                    Ok(job) => {
                        let side = side.and(controls.side);
                        self.running = Some(Running { id, job, side });
                        return None;
                    }
                    Err(e) => {
                        self.running = None;
                        Answer::Recommended(Err(refusal(&e)))
                    }
                }
            }
            Request::Insight { mine, recommended } => {
                Answer::Insight(engine.insight(&mine, &recommended))
            }
            Request::MapFrame { mine, recommended } => {
                let projection = &engine.catalog.projection;
                let pixels = self.map.frame(projection, mine, recommended);
                return Some(Reply {
                    id,
                    answer: Answer::MapFrame,
                    pixels: Some(pixels),
                });
            }
            Request::MapPoint { at } => {
                let projection = &engine.catalog.projection;
                // The card hangs where the pointer is.
                let track = self.map.pointed(projection, at);
                Answer::MapCard(track.map(|t| (ShownTrack::new(&engine.catalog, t), at)))
            }
            Request::MapLocate { track } => {
                let projection = &engine.catalog.projection;
                let card = self
                    .map
                    .point_of(projection, track)
                    .map(|at| (ShownTrack::new(&engine.catalog, track), at));
                Answer::MapCard(card)
            }
            Request::StillValid { list } => Answer::StillValid(engine.still_valid(list)),
        };
        Some(Reply::new(id, answer))
    }

    /// Runs one piece of the engine's warm-up (see [`Engine::warm_up_step`]) unless a
    /// recommendation or sides are waiting; `true` once there is nothing left to warm.
    pub fn warm_up_step(&mut self) -> bool {
        match &self.engine {
            Some(engine) => !self.is_busy() && engine.warm_up_step(),
            None => true,
        }
    }

    /// Whether a recommendation is waiting for its next piece, or sides for their turn.
    pub fn is_busy(&self) -> bool {
        self.running.is_some() || self.sides_asked.is_some()
    }

    /// Runs one piece of the running recommendation, its reply once it is answered; then the
    /// sides asked for meanwhile.
    pub fn step(&mut self) -> Option<Reply> {
        let engine = self.engine.as_ref()?;
        if let Some(running) = self.running.as_mut() {
            let tracks = engine.advance(&mut running.job)?;
            let Running { id, side, .. } = self.running.take()?;
            let list = Recommendations { tracks, side };
            return Some(Reply::new(id, Answer::Recommended(Ok(list))));
        }
        let (id, seeds) = self.sides_asked.take()?;
        Some(Reply::new(id, sides_answer(engine, &seeds)))
    }
}

/// The answer to a request for the sides of `seeds`.
fn sides_answer(engine: &Engine, seeds: &[TrackIdx]) -> Answer {
    Answer::Sides(engine.sides(seeds).iter().map(SideSummary::of).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use encore_engine::catalog::build::{BuildConfig, build};
    use encore_engine::csv_import::{ImportReport, Schema, TextEncoding, TrackRow};
    use encore_engine::matching::ListenerTrack;
    use encore_engine::recommend::Method;
    use encore_engine::{Catalog, Feature, TrackId};

    use super::*;
    use crate::model::controls::Controls;
    use crate::model::map::MAP_SIZE;
    use crate::model::taste::{Source, TasteState};
    use crate::runtime::block_on;

    const N_TRACKS: usize = 400;

    fn id(i: usize) -> TrackId {
        TrackId(i as u128 * 7_919 + 1)
    }

    /// A small catalog: 20 artists, each with its own sound, one song a year from 1960 on; song
    /// `i + 200` is another version of song `i`.
    fn catalog() -> Catalog {
        let tracks = (0..N_TRACKS)
            .map(|i| {
                let artist = i % 20;
                TrackRow {
                    id: id(i),
                    title: format!("Song {}", i % 200),
                    artists: vec![format!("Artist {artist}")],
                    artist_ids: Vec::new(),
                    album: Some(format!("Album {}", i % 40)),
                    year: Some(1960 + (i % 60) as u16),
                    popularity: Some((i % 101) as u8),
                    charted: None,
                    features: Some(std::array::from_fn(|f| match Feature::ALL[f] {
                        Feature::Key => (i % 12) as f32,
                        Feature::Mode => (i % 2) as f32,
                        Feature::LoudnessDb => -3.0 - artist as f32,
                        Feature::TempoBpm => 80.0 + 5.0 * artist as f32,
                        Feature::DurationMs => 200_000.0 + 1_000.0 * (i % 7) as f32,
                        Feature::TimeSignature => 4.0,
                        _ => (artist as f32 + 0.1 * (i % 3) as f32) / 21.0,
                    })),
                    genres: vec![["rock", "pop", "jazz", "folk"][artist % 4].to_owned()],
                    search_genres: Vec::new(),
                }
            })
            .collect();
        let import = ImportReport {
            source_name: "generated".to_owned(),
            schema: Schema::Tracks114k,
            rows_read: N_TRACKS as u64,
            skipped: BTreeMap::new(),
            tracks,
            artist_genres: Vec::new(),
            encoding: TextEncoding::Utf8,
        };
        let config = BuildConfig {
            fixed_k: Some(4),
            ..BuildConfig::default()
        };
        build(&[import], &config).unwrap().0
    }

    fn ready() -> Dispatcher {
        let mut dispatcher = Dispatcher::default();
        let engine = block_on(Engine::build(catalog(), || std::future::ready(())));
        assert_eq!(
            dispatcher.ready(engine),
            Answer::Loaded(EngineFacts { era: (1960, 2019) })
        );
        dispatcher
    }

    /// Where the catalog keeps song `i` (building orders the tracks its own way).
    fn idx(i: usize) -> TrackIdx {
        let catalog = catalog();
        let at = catalog.ids.iter().position(|&t| t == id(i)).unwrap();
        TrackIdx(at as u32)
    }

    fn listener(i: usize) -> ListenerTrack {
        ListenerTrack {
            id: Some(id(i)),
            title: format!("Song {}", i % 200),
            artists: vec![format!("Artist {}", i % 20)],
            ..ListenerTrack::default()
        }
    }

    /// Answers `request` and steps a recommendation to its end.
    fn answer(dispatcher: &mut Dispatcher, id: u64, request: Request) -> Reply {
        if let Some(reply) = dispatcher.receive(id, request) {
            return reply;
        }
        loop {
            if let Some(reply) = dispatcher.step() {
                return reply;
            }
        }
    }

    /// A match of `tracks`, picked from the search.
    fn matching(tracks: Vec<ListenerTrack>) -> Request {
        let tracks = tracks.into_iter().map(|t| (Source::Search, t)).collect();
        Request::Match {
            taste: TasteState { tracks },
        }
    }

    fn recommend(seeds: &[usize], controls: Controls) -> Request {
        Request::Recommend {
            seeds: seeds.iter().map(|&s| idx(s)).collect(),
            controls,
        }
    }

    #[test]
    fn nothing_is_answered_before_the_engine_is_ready() {
        let mut dispatcher = Dispatcher::default();
        let reply = dispatcher.receive(
            1,
            Request::Search {
                query: "song".to_owned(),
                limit: 5,
            },
        );
        assert_eq!(reply, Some(Reply::new(1, Answer::NotReady)));
    }

    #[test]
    fn search_and_match_answer_with_the_catalogs_tracks() {
        let mut dispatcher = ready();
        let request = Request::Search {
            query: "song 123".to_owned(),
            limit: 3,
        };
        let Answer::Found(found) = answer(&mut dispatcher, 1, request).answer else {
            panic!("not a search answer");
        };
        assert_eq!(found[0].title, "Song 123");
        assert!(
            [id(123), id(323)]
                .map(|t| t.to_string())
                .contains(&found[0].id)
        );

        let unknown = ListenerTrack {
            title: "Not in the catalog".to_owned(),
            artists: vec!["Nobody".to_owned()],
            ..ListenerTrack::default()
        };
        let tracks = vec![listener(5), unknown.clone(), listener(70)];
        let Answer::Matched { report, years } = answer(&mut dispatcher, 2, matching(tracks)).answer
        else {
            panic!("not a match answer");
        };
        assert_eq!(report.matched, vec![idx(5), idx(70)]);
        assert_eq!(report.unmatched, vec![unknown]);
        assert_eq!(
            years,
            vec![Some(1965), None, Some(1970)],
            "one per track asked"
        );
    }

    #[test]
    fn a_recommendation_is_answered_in_pieces_and_a_newer_one_replaces_it() {
        let mut dispatcher = ready();
        let seeds: Vec<usize> = (0..200).step_by(20).collect();
        let knn = Controls {
            method: Method::Knn,
            k: 10,
            ..Controls::default()
        };
        assert_eq!(dispatcher.receive(1, recommend(&seeds, knn)), None);
        assert!(dispatcher.is_busy(), "answered later, piece by piece");
        // A slider moves before the first piece ran: only the newer request is answered.
        let blend = Controls {
            k: 7,
            ..Controls::default()
        };
        assert_eq!(dispatcher.receive(2, recommend(&seeds, blend)), None);
        let reply = answer(&mut dispatcher, 3, Request::Load);
        assert_eq!(reply.id, 3, "other requests are answered meanwhile");
        let mut replies = Vec::new();
        while dispatcher.is_busy() {
            replies.extend(dispatcher.step());
        }
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].id, 2);
        let Answer::Recommended(Ok(list)) = &replies[0].answer else {
            panic!("not a list: {:?}", replies[0].answer);
        };
        assert_eq!(list.tracks.len(), 7);
        assert!(
            list.tracks.iter().all(|t| !t.why.is_empty()),
            "each explained"
        );
        assert_eq!(list.side, None, "from all of the taste");
        assert_eq!(dispatcher.step(), None, "nothing left to run");
    }

    /// The recommended tracks' ids and genres, as shown, for `controls` from `seeds`, and the
    /// side the list is from.
    fn list_genres(
        dispatcher: &mut Dispatcher,
        seeds: &[usize],
        controls: Controls,
    ) -> (Vec<(String, Vec<String>)>, Option<String>) {
        let Answer::Recommended(Ok(list)) =
            answer(dispatcher, 9, recommend(seeds, controls)).answer
        else {
            panic!("not a list");
        };
        let tracks = list.tracks.into_iter().map(|t| (t.id, t.genres)).collect();
        (tracks, list.side)
    }

    #[test]
    fn a_taste_of_two_kinds_has_two_named_sides_and_each_recommends_its_own() {
        let mut dispatcher = ready();
        // Rock (artists 0 and 4) and jazz (artists 2 and 6), three songs each.
        let rock = [0, 20, 40, 4, 24, 44];
        let jazz = [2, 22, 42, 6, 26, 46];
        let seeds: Vec<usize> = rock.iter().chain(&jazz).copied().collect();
        let request = Request::Sides {
            seeds: seeds.iter().map(|&s| idx(s)).collect(),
        };
        let Answer::Sides(sides) = answer(&mut dispatcher, 1, request).answer else {
            panic!("not the sides");
        };
        let mut names: Vec<(String, usize)> =
            sides.iter().map(|s| (s.name.clone(), s.songs)).collect();
        names.sort();
        assert_eq!(
            names,
            vec![("Jazz".to_owned(), 6), ("Rock".to_owned(), 6)],
            "named for their genre, with their sizes"
        );

        // 100 songs of each genre: enough for a list of one genre with no cap per artist.
        let all = Controls {
            k: 30,
            max_per_artist: 0,
            ..Controls::default()
        };
        let (everything, side) = list_genres(&mut dispatcher, &seeds, all.clone());
        assert_eq!(side, None);
        let seed_ids: Vec<String> = seeds.iter().map(|&s| id(s).to_string()).collect();
        for genre in ["rock", "jazz"] {
            assert!(
                everything.iter().any(|(_, g)| g == &[genre]),
                "all sides: {genre} is served"
            );
        }
        for side in ["Rock", "Jazz"] {
            let controls = Controls {
                side: Some(side.to_owned()),
                ..all.clone()
            };
            let (list, from) = list_genres(&mut dispatcher, &seeds, controls);
            assert_eq!(from.as_deref(), Some(side), "the list says its side");
            let genre = side.to_lowercase();
            assert!(!list.is_empty());
            assert!(
                list.iter().all(|(_, g)| g == &[genre.as_str()]),
                "the {side} side lists only {genre}: {list:?}"
            );
            assert!(
                list.iter().all(|(id, _)| !seed_ids.contains(id)),
                "no song of the whole taste comes back"
            );
        }
        // A side the taste does not have (it changed since): all of them.
        let gone = Controls {
            side: Some("Folk".to_owned()),
            ..all
        };
        assert_eq!(
            list_genres(&mut dispatcher, &seeds, gone),
            (everything, None),
            "and says so"
        );
        // A taste of one kind has one side: nothing to choose.
        let request = Request::Sides {
            seeds: rock.iter().map(|&s| idx(s)).collect(),
        };
        let Answer::Sides(sides) = answer(&mut dispatcher, 2, request).answer else {
            panic!("not the sides");
        };
        assert_eq!(sides.len(), 1);
    }

    #[test]
    fn sides_asked_for_during_a_recommendation_come_after_its_list() {
        let mut dispatcher = ready();
        let seeds = [0, 20, 40, 4, 24, 44, 2, 22, 42, 6, 26, 46];
        assert_eq!(
            dispatcher.receive(1, recommend(&seeds, Controls::default())),
            None
        );
        let sides = Request::Sides {
            seeds: seeds.iter().map(|&s| idx(s)).collect(),
        };
        assert_eq!(dispatcher.receive(2, sides), None, "waits for the list");
        let mut replies = Vec::new();
        while dispatcher.is_busy() {
            replies.extend(dispatcher.step());
        }
        let ids: Vec<u64> = replies.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![1, 2], "the list first, then the sides");
        assert!(matches!(&replies[1].answer, Answer::Sides(sides) if sides.len() == 2));
        // With nothing running, the sides are answered at once.
        let sides = Request::Sides {
            seeds: seeds.iter().map(|&s| idx(s)).collect(),
        };
        assert!(matches!(
            dispatcher.receive(3, sides),
            Some(Reply {
                id: 3,
                answer: Answer::Sides(_),
                ..
            })
        ));
    }

    #[test]
    fn warming_up_waits_for_a_running_recommendation_and_changes_no_answer_nor_match() {
        let mut dispatcher = ready();
        let seeds: Vec<usize> = (0..200).step_by(20).collect();
        let taste = || matching((0..30).map(listener).collect());
        let cold_match = answer(&mut dispatcher, 5, taste());
        let cold = answer(&mut dispatcher, 1, recommend(&seeds, Controls::default()));
        assert_eq!(
            dispatcher.receive(2, recommend(&seeds, Controls::default())),
            None
        );
        assert!(!dispatcher.warm_up_step(), "the ranking goes first");
        while dispatcher.is_busy() {
            dispatcher.step();
        }
        let mut steps = 0;
        while !dispatcher.warm_up_step() {
            steps += 1;
            assert!(steps < 100, "warming up ends");
        }
        let warm = answer(&mut dispatcher, 4, recommend(&seeds, Controls::default()));
        assert_eq!(warm.answer, cold.answer, "the same list, warmed up or not");
        let warm_match = answer(&mut dispatcher, 6, taste());
        assert_eq!(warm_match.answer, cold_match.answer, "the same matches");
        let mut half_warm = ready();
        assert!(
            !half_warm.warm_up_step(),
            "the matcher is built in several steps"
        );
        let half_warm_match = answer(&mut half_warm, 7, taste());
        assert_eq!(
            half_warm_match.answer, cold_match.answer,
            "finished at first use"
        );
    }

    #[test]
    fn a_refused_recommendation_says_why_in_the_listeners_words() {
        let mut dispatcher = ready();
        let reply = answer(&mut dispatcher, 4, recommend(&[], Controls::default()));
        let Answer::Recommended(Err(sentence)) = reply.answer else {
            panic!("not a refusal");
        };
        assert!(sentence.starts_with("None of your tracks"), "{sentence}");
        assert!(!dispatcher.is_busy());
    }

    #[test]
    fn leaving_out_owned_songs_uses_the_last_matched_taste() {
        let mut dispatcher = ready();
        answer(&mut dispatcher, 1, matching(vec![listener(0)]));
        // Song 200 is another version of song 0, and sounds much like it.
        let other_version = id(200).to_string();
        let mut lists_it = |leave_out_owned| {
            let controls = Controls {
                method: Method::Knn,
                k: 30,
                max_per_artist: 0,
                leave_out_owned,
                ..Controls::default()
            };
            let Answer::Recommended(Ok(list)) =
                answer(&mut dispatcher, 2, recommend(&[0], controls)).answer
            else {
                panic!("not a list");
            };
            list.tracks.iter().any(|t| t.id == other_version)
        };
        assert!(lists_it(false), "a close version ranks high");
        assert!(
            !lists_it(true),
            "unless the listener leaves out what they have"
        );
    }

    #[test]
    fn the_map_is_painted_and_pointed_at_in_the_worker() {
        let mut dispatcher = ready();
        let frame = Request::MapFrame {
            mine: vec![TrackIdx(3)],
            recommended: vec![TrackIdx(8)],
        };
        let reply = answer(&mut dispatcher, 1, frame);
        assert_eq!(reply.answer, Answer::MapFrame);
        let pixels = reply.pixels.expect("the pixels travel beside the answer");
        assert_eq!(pixels.len(), (MAP_SIZE * MAP_SIZE * 4) as usize);
        let Answer::MapCard(Some((card, at))) = answer(
            &mut dispatcher,
            2,
            Request::MapLocate { track: TrackIdx(8) },
        )
        .answer
        else {
            panic!("track 8 is on the map");
        };
        assert_eq!(card.track, TrackIdx(8));
        let Answer::MapCard(Some((pointed, _))) =
            answer(&mut dispatcher, 3, Request::MapPoint { at }).answer
        else {
            panic!("the pointer is on track 8's dot");
        };
        assert!(
            [TrackIdx(3), TrackIdx(8)].contains(&pointed.track),
            "a painted dot first"
        );
    }

    #[test]
    fn insight_and_a_remembered_list_are_answered_from_the_catalog() {
        let mut dispatcher = ready();
        let request = Request::Insight {
            mine: vec![TrackIdx(0), TrackIdx(20)],
            recommended: vec![TrackIdx(1)],
        };
        let Answer::Insight(charts) = answer(&mut dispatcher, 1, request).answer else {
            panic!("not charts");
        };
        assert!((charts.my_spread.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(charts.families.len(), charts.their_spread.len());
        assert_eq!(charts.my_profile.len(), crate::model::engine::PROFILE.len());

        let kept = ShownTrack::new(&catalog(), TrackIdx(9));
        let stale = ShownTrack {
            id: id(10).to_string(),
            ..kept.clone()
        };
        let request = Request::StillValid {
            list: vec![kept.clone(), stale],
        };
        assert_eq!(
            answer(&mut dispatcher, 2, request).answer,
            Answer::StillValid(vec![kept])
        );
    }
}
