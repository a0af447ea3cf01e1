//! Everything the listener sets before and while recommending, as one plain [`Controls`] value,
//! turned into the engine's [`Options`] by [`Controls::options`]; and the methods' plain names.

use encore_engine::recommend::{Artists, Method, Nudge, Options, RecommendError};
use encore_engine::{Catalog, Feature, TrackIdx};
use encore_spotify::save::MAX_SAVED_TRACKS;
use serde::{Deserialize, Serialize};

/// The features the listener can nudge, with the words at each end of the slider.
pub const NUDGED: [(Feature, &str, &str, &str); 5] = [
    (Feature::Energy, "Energy", "calmer", "more energetic"),
    (Feature::Valence, "Mood", "sadder", "happier"),
    (Feature::Danceability, "Danceability", "less", "more"),
    (
        Feature::Acousticness,
        "Acousticness",
        "more electric",
        "more acoustic",
    ),
    (Feature::TempoBpm, "Tempo", "slower", "faster"),
];

/// The era the controls show before the catalog says its own.
pub const DEFAULT_ERA: (u16, u16) = (1950, 2025);

/// Everything the listener sets, as the controls hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Controls {
    pub method: Method,
    pub k: usize,
    /// Per [`NUDGED`] feature, -100..=100 (percent of the strongest nudge).
    pub nudges: [i32; NUDGED.len()],
    /// The era, inclusive; `None` until the listener narrows it (the whole catalog).
    pub years: Option<(u16, u16)>,
    /// -100 (hidden gems) ..= 100 (hits).
    pub popularity: i32,
    /// At most this many per artist; 0 for no limit.
    pub max_per_artist: usize,
    /// Leave out other versions of the songs the listener has.
    pub leave_out_owned: bool,
    /// Artists the listener knows, new ones only, or both.
    pub artists: Artists,
    /// The side of the taste to recommend from, by name (see [`super::sides`]); `None` for all.
    pub side: Option<String>,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            method: Method::default(),
            k: 20,
            nudges: [0; NUDGED.len()],
            years: None,
            popularity: 0,
            max_per_artist: 2,
            leave_out_owned: true,
            artists: Artists::default(),
            side: None,
        }
    }
}

/// The strongest nudge, in catalog standard deviations (the engine's useful range is about 2).
const MAX_NUDGE_SD: f32 = 2.0;

impl Controls {
    /// The era the sliders show: the chosen one, or the catalog's whole era.
    pub fn era(&self, catalog_years: (u16, u16)) -> (u16, u16) {
        self.years.unwrap_or(catalog_years)
    }

    /// The engine options. `catalog_years` is the catalog's whole era: when the chosen range
    /// covers it, no year filter is set (which would drop tracks of unknown year). `side` is the
    /// chosen side's index among the sides of the request's seeds
    /// ([`super::sides::chosen_index`]).
    pub fn options(
        &self,
        catalog_years: (u16, u16),
        exclude: Vec<TrackIdx>,
        side: Option<usize>,
    ) -> Options {
        let nudges = NUDGED
            .iter()
            .zip(self.nudges)
            .filter(|(_, v)| *v != 0)
            .map(|((feature, ..), v)| Nudge {
                feature: *feature,
                amount: v as f32 / 100.0 * MAX_NUDGE_SD,
            })
            .collect();
        let years = self.era(catalog_years);
        let whole_era = years.0 <= catalog_years.0 && years.1 >= catalog_years.1;
        Options {
            k: self.k.clamp(1, MAX_SAVED_TRACKS),
            exclude,
            max_per_artist: (self.max_per_artist > 0).then_some(self.max_per_artist),
            years: (!whole_era).then_some(years),
            nudges,
            popularity: (self.popularity as f32 / 100.0).clamp(-1.0, 1.0),
            artists: self.artists,
            side,
            ..Options::default()
        }
    }
}

/// The discovery choice in the listener's words.
pub fn artists_label(artists: Artists) -> &'static str {
    match artists {
        Artists::Familiar => "Artists I know",
        Artists::Mixed => "Both",
        Artists::New => "New artists only",
    }
}

/// The first and last known release year in the catalog.
pub fn catalog_years(catalog: &Catalog) -> (u16, u16) {
    let known = catalog.years.iter().copied().filter(|&y| y != 0);
    let (min, max) = known.fold((u16::MAX, 0), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if min > max { DEFAULT_ERA } else { (min, max) }
}

/// A slider's value in words: "as you are", "40% calmer", "25% more energetic".
pub fn lean(v: i32, less: &str, more: &str) -> String {
    match v {
        0 => "as you are".to_owned(),
        v if v < 0 => format!("{}% {less}", -v),
        v => format!("{v}% {more}"),
    }
}

/// `n` and the noun, singular for one: "1 track", "20 tracks".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The default method, which the method list leads with; the others are "other approaches".
pub const DEFAULT_METHOD: Method = Method::Blend;

/// A method's name for a listener (the CLI and `encore eval` keep [`Method::name`]).
pub fn plain_name(method: Method) -> &'static str {
    match method {
        Method::Blend => "What your songs have in common",
        Method::Classifier => "Learned from your songs",
        Method::CentroidGenre => "Like the average of your songs, genres first",
        Method::Centroid => "Like the average of your songs",
        Method::Clusters => "Across your sound families",
        Method::Knn => "Neighbours of each song",
        Method::Adviser => "Your corner of the map",
        Method::AdviserGenre => "Your corner of the map, same genres",
        Method::Popular => "Popular songs you do not have",
    }
}

/// One plain line: what the method does and when it helps.
pub fn plain_description(method: Method) -> &'static str {
    match method {
        Method::Blend => {
            "Encore's own and best-tested method: songs whose artists, albums, genres and era your picks share more often than the catalog does."
        }
        Method::Classifier => {
            "Learns what sets your songs apart from random ones; can surprise you, helps with a large and varied library."
        }
        Method::CentroidGenre => {
            "Songs closest to the average of yours, genres counting most; good when your picks are one genre."
        }
        Method::Centroid => {
            "Songs closest to the average of yours in sound, genre, era and popularity; good for a consistent mood."
        }
        Method::Clusters => {
            "Picks from each sound family as often as you do; helps when your taste spans several styles."
        }
        Method::Knn => {
            "Each of your songs in turn suggests its closest neighbours; keeps every side of your taste."
        }
        Method::Adviser => {
            "Finds your corner of the music map and the songs nearest to you in it, whatever their genre."
        }
        Method::AdviserGenre => {
            "Like \"Your corner of the map\", but only songs that share a genre with yours."
        }
        Method::Popular => {
            "The most popular songs you do not have yet, ignoring your taste: a baseline to compare with."
        }
    }
}

/// The sentence for a request the engine refused.
pub fn refusal(e: &RecommendError) -> String {
    match e {
        RecommendError::NoSeeds => {
            "None of your tracks are in the catalog yet, so there is nothing to go on. Add tracks from another source or the search box.".to_owned()
        }
        RecommendError::EmptyYears(..) => {
            "The era range is empty. Move the \"from\" year below the \"to\" year.".to_owned()
        }
        other => format!(
            "Encore could not make recommendations ({other}). Change the settings and try again."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_engine_options() {
        let mut c = Controls {
            k: 30,
            max_per_artist: 0,
            ..Controls::default()
        };
        c.nudges[0] = 50;
        c.nudges[4] = -100;
        c.years = Some((1960, 2020));
        c.popularity = -40;
        let o = c.options((1960, 2020), vec![TrackIdx(3)], Some(1));
        assert_eq!(o.k, 30);
        assert_eq!(o.years, None, "the whole era sets no filter");
        assert_eq!(o.max_per_artist, None);
        assert_eq!(o.exclude, vec![TrackIdx(3)]);
        assert_eq!(
            o.nudges,
            vec![
                Nudge {
                    feature: Feature::Energy,
                    amount: 1.0
                },
                Nudge {
                    feature: Feature::TempoBpm,
                    amount: -2.0
                },
            ]
        );
        assert!((o.popularity + 0.4).abs() < 1e-6);
        assert_eq!(o.side, Some(1), "the chosen side's index");
        c.years = Some((1970, 1979));
        c.max_per_artist = 2;
        let o = c.options((1960, 2020), Vec::new(), None);
        assert_eq!((o.years, o.max_per_artist), (Some((1970, 1979)), Some(2)));
    }

    #[test]
    fn an_unset_era_is_the_catalogs_and_sets_no_filter() {
        let c = Controls::default();
        assert_eq!(c.era((1955, 2024)), (1955, 2024));
        assert_eq!(c.options((1955, 2024), Vec::new(), None).years, None);
    }

    #[test]
    fn controls_survive_a_round_trip_and_old_saves_fill_in_defaults() {
        let mut c = Controls {
            method: Method::Knn,
            ..Controls::default()
        };
        c.nudges[1] = -35;
        c.side = Some("Soul & funk, 1970s".to_owned());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Controls>(&json).unwrap(), c);
        let partial: Controls = serde_json::from_str(r#"{"k": 40}"#).unwrap();
        assert_eq!(partial.k, 40);
        assert_eq!(partial.method, DEFAULT_METHOD);
        assert_eq!(
            partial.side, None,
            "a save from before the sides: all of them"
        );
    }

    #[test]
    fn words_for_values() {
        assert_eq!(lean(0, "calmer", "more energetic"), "as you are");
        assert_eq!(lean(-40, "calmer", "more energetic"), "40% calmer");
        assert_eq!(lean(25, "calmer", "more energetic"), "25% more energetic");
        assert_eq!(count(1, "track", "tracks"), "1 track");
        assert_eq!(count(0, "track", "tracks"), "0 tracks");
        assert_eq!(count(20, "track", "tracks"), "20 tracks");
    }

    #[test]
    fn every_method_has_a_plain_name_and_the_default_leads() {
        assert_eq!(Method::ALL[0], DEFAULT_METHOD);
        let names: std::collections::HashSet<_> =
            Method::ALL.iter().map(|&m| plain_name(m)).collect();
        assert_eq!(names.len(), Method::ALL.len(), "plain names are distinct");
        for m in Method::ALL {
            assert_ne!(plain_name(m), m.name(), "{m} has a plain name");
            assert!(plain_description(m).ends_with('.'));
        }
    }
}
