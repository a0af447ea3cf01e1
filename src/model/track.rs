//! A catalog track as the listener sees it: in the search results, on the map's card and in the
//! list of recommendations. [`ShownTrack::new`] is the one place that reads those fields out of
//! the catalog.

use encore_engine::catalog::NONE_U32;
use encore_engine::csv_export::{RecommendationRow, recommendations_csv};
use encore_engine::recommend::Recommendation;
use encore_engine::{Catalog, TrackIdx};
use serde::{Deserialize, Serialize};

/// One track's display data; `why` is empty except for a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownTrack {
    pub track: TrackIdx,
    /// The Spotify id, base62.
    pub id: String,
    pub title: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub year: Option<u16>,
    /// The genres worth showing, most trustworthy first: Spotify's own for the track's artists
    /// when it has any (those both Spotify snapshots give before those only one gives, each part
    /// commonest first), else the labels of the genre searches that found it
    /// ([`Catalog::shown_genre_names`]).
    pub genres: Vec<String>,
    pub why: String,
}

impl ShownTrack {
    pub fn new(catalog: &Catalog, track: TrackIdx) -> Self {
        let album = catalog
            .track_album
            .get(track.get())
            .filter(|&&a| a != NONE_U32)
            .map(|&a| catalog.albums.get(a as usize))
            .filter(|name| !name.is_empty())
            .map(str::to_owned);
        Self {
            track,
            id: catalog
                .ids
                .get(track.get())
                .map(ToString::to_string)
                .unwrap_or_default(),
            title: catalog.title(track).to_owned(),
            artists: catalog.artist_names(track).map(str::to_owned).collect(),
            album,
            year: catalog.year(track),
            genres: catalog
                .shown_genre_names(track)
                .map(str::to_owned)
                .collect(),
            why: String::new(),
        }
    }

    /// A recommendation with its explanation.
    pub fn recommended(catalog: &Catalog, rec: &Recommendation) -> Self {
        Self {
            why: rec.explanation.sentence(catalog),
            ..Self::new(catalog, rec.track)
        }
    }

    pub fn link(&self) -> String {
        format!("https://open.spotify.com/track/{}", self.id)
    }

    /// "Artist, Artist · 1977": the line under the title.
    pub fn byline(&self) -> String {
        let mut out = self.artists.join(", ");
        if let Some(year) = self.year {
            out.push_str(&format!(" · {year}"));
        }
        out
    }

    /// The byline with the album in front of the year: what tells two versions of a song apart.
    pub fn byline_with_album(&self) -> String {
        let mut out = self.artists.join(", ");
        if let Some(album) = &self.album {
            out.push_str(&format!(" · {album}"));
        }
        if let Some(year) = self.year {
            out.push_str(&format!(" · {year}"));
        }
        out
    }
}

/// Every link, one per line, for the clipboard.
pub fn links(recs: &[ShownTrack]) -> String {
    recs.iter()
        .map(ShownTrack::link)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The list as CSV (rank, title, artists, year, genres, why, link), written by the engine, which
/// neutralises cells a spreadsheet would run as formulas.
pub fn recs_csv(recs: &[ShownTrack]) -> String {
    let links: Vec<String> = recs.iter().map(ShownTrack::link).collect();
    recommendations_csv(recs.iter().zip(&links).enumerate().map(|(i, (r, link))| {
        RecommendationRow {
            rank: i + 1,
            title: &r.title,
            artists: &r.artists,
            year: r.year,
            genres: &r.genres,
            why: &r.why,
            link,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown() -> ShownTrack {
        ShownTrack {
            track: TrackIdx(0),
            id: "5SuOikwiRyPMVoIQDJUgSV".into(),
            title: "Hello, \"World\"".into(),
            artists: vec!["A".into(), "B".into()],
            album: Some("First".into()),
            year: Some(1999),
            genres: vec!["indie folk".into()],
            why: "close to \"X\" by Y".into(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let shown = shown();
        let csv = recs_csv(std::slice::from_ref(&shown));
        assert!(csv.starts_with("\"rank\",\"title\""), "{csv}");
        assert!(csv.contains("\"Hello, \"\"World\"\"\""), "{csv}");
        assert!(csv.contains("\"A; B\""), "{csv}");
        let hostile = ShownTrack {
            title: "=HYPERLINK(\"http://evil\")".into(),
            ..shown.clone()
        };
        let csv = recs_csv(&[hostile]);
        assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
        assert_eq!(
            links(&[shown]),
            "https://open.spotify.com/track/5SuOikwiRyPMVoIQDJUgSV"
        );
    }

    #[test]
    fn bylines_name_what_is_known() {
        let mut t = shown();
        assert_eq!(t.byline(), "A, B · 1999");
        assert_eq!(t.byline_with_album(), "A, B · First · 1999");
        t.album = None;
        t.year = None;
        assert_eq!(t.byline(), "A, B");
        assert_eq!(t.byline_with_album(), "A, B");
    }
}
