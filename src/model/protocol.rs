//! What the page and the engine worker say to each other: one [`Request`] per question, one
//! [`Answer`] per reply. Each message is a plain object `{ id, json }`: the id pairs a reply with
//! its request, `json` is the request or answer as one JSON string (`serde_json`, shipped
//! anyway), so a 10,000-song taste is one string to copy, not tens of thousands of JS objects
//! to build on the page's thread; the page writes a taste's string a slice of tracks per task
//! ([`Request::match_json`]). A reply may also carry `progress: true` (a
//! [`Progress`] of the catalog's loading, not yet the answer) or `pixels` (the map's image, a
//! transferred buffer, the one large value).

use encore_engine::TrackIdx;
use encore_engine::matching::MatchReport;
use serde::{Deserialize, Serialize};

use super::controls::Controls;
use super::sides::SideSummary;
use super::taste::TasteState;
use super::track::ShownTrack;
use crate::catalog::{LoadError, Progress};

/// A question for the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Fetch (or read from the cache), verify and index the catalog; answered by
    /// [`Answer::Progress`] as it goes, then [`Answer::Loaded`] or [`Answer::LoadFailed`].
    Load,
    Search {
        query: String,
        limit: usize,
    },
    /// Match the listener's tracks to the catalog; the worker keeps every version of the matched
    /// songs for "leave out what I already have".
    Match {
        taste: TasteState,
    },
    /// The sides of the taste of `seeds` (the matched songs), answered by [`Answer::Sides`].
    Sides {
        seeds: Vec<TrackIdx>,
    },
    /// A list from `seeds` (every matched song) by `controls`, from the side the controls name
    /// when the taste of those seeds has it.
    Recommend {
        seeds: Vec<TrackIdx>,
        controls: Controls,
    },
    /// The charts comparing the listener's tracks with the list.
    Insight {
        mine: Vec<TrackIdx>,
        recommended: Vec<TrackIdx>,
    },
    /// The map's image with both sets of dots painted.
    MapFrame {
        mine: Vec<TrackIdx>,
        recommended: Vec<TrackIdx>,
    },
    /// The track under the pointer, `at` as fractions of the map's width and height.
    MapPoint {
        at: (f64, f64),
    },
    /// Where a track sits on the map (stepping through the dots from the keyboard).
    MapLocate {
        track: TrackIdx,
    },
    /// Which tracks of a list remembered from an earlier visit this catalog still holds.
    StillValid {
        list: Vec<ShownTrack>,
    },
}

/// Requests of one lane supersede each other: only the newest one's answer is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    Load,
    Search,
    Match,
    Sides,
    Recommend,
    Insight,
    MapFrame,
    MapCard,
    StillValid,
}

impl Request {
    /// The JSON of [`Request::Match`] for the taste whose JSON is `taste`: the page writes a
    /// big taste a slice at a time (`TasteState::to_json_in_slices`), then only wraps it.
    pub fn match_json(taste: &str) -> String {
        format!(r#"{{"Match":{{"taste":{taste}}}}}"#)
    }

    pub fn lane(&self) -> Lane {
        match self {
            Request::Load => Lane::Load,
            Request::Search { .. } => Lane::Search,
            Request::Match { .. } => Lane::Match,
            Request::Sides { .. } => Lane::Sides,
            Request::Recommend { .. } => Lane::Recommend,
            Request::Insight { .. } => Lane::Insight,
            Request::MapFrame { .. } => Lane::MapFrame,
            Request::MapPoint { .. } | Request::MapLocate { .. } => Lane::MapCard,
            Request::StillValid { .. } => Lane::StillValid,
        }
    }
}

/// What the page keeps of a loaded engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineFacts {
    /// The catalog's first and last known release year.
    pub era: (u16, u16),
}

/// The two charts of the insight panel, ready to draw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InsightCharts {
    /// The largest sound families of either side, by name.
    pub families: Vec<String>,
    pub my_spread: Vec<f32>,
    pub their_spread: Vec<f32>,
    pub my_profile: Vec<f32>,
    pub their_profile: Vec<f32>,
}

/// A list of recommendations, and the side of the taste it is from (`None`: all of them; also
/// when the side asked for is not one of the taste's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    pub tracks: Vec<ShownTrack>,
    pub side: Option<String>,
}

/// The engine's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Progress(Progress),
    Loaded(EngineFacts),
    LoadFailed(LoadError),
    Found(Vec<ShownTrack>),
    /// `years` has one entry per track asked about, in order.
    Matched {
        report: MatchReport,
        years: Vec<Option<u16>>,
    },
    /// The sides of the taste, largest first (one when it does not split, none without songs).
    Sides(Vec<SideSummary>),
    /// The list, or the sentence saying why the settings allow none.
    Recommended(Result<Recommendations, String>),
    Insight(InsightCharts),
    /// The RGBA pixels travel beside the message.
    MapFrame,
    /// A track's card and where it sits.
    MapCard(Option<(ShownTrack, (f64, f64))>),
    StillValid(Vec<ShownTrack>),
    /// Asked before the catalog was ready.
    NotReady,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_wrapped_around_its_tastes_json_reads_as_that_match() {
        use super::super::taste::Source;
        use encore_engine::matching::ListenerTrack;

        let mut taste = TasteState::default();
        taste.add(
            Source::Liked,
            [ListenerTrack {
                title: "Song".into(),
                artists: vec!["A \"B\"".into()],
                ..Default::default()
            }],
        );
        let Ok(written) = serde_json::to_string(&taste) else {
            panic!("a taste always writes");
        };
        let json = Request::match_json(&written);
        let request = Request::Match { taste };
        assert_eq!(serde_json::to_string(&request).ok(), Some(json.clone()));
        assert_eq!(serde_json::from_str::<Request>(&json).ok(), Some(request));
    }
}
