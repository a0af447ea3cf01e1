//! The audio features every catalog track carries, in one fixed order.
//!
//! [`Feature::ALL`] is the single source of truth for column order: the CSV importers, the catalog
//! format, the scaler and the app's sliders all index through it.

use serde::{Deserialize, Serialize};

/// One audio feature, as Spotify's (now removed) audio-features endpoint described it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Danceability,
    Energy,
    Key,
    LoudnessDb,
    Mode,
    Speechiness,
    Acousticness,
    Instrumentalness,
    Liveness,
    Valence,
    TempoBpm,
    DurationMs,
    TimeSignature,
}

impl Feature {
    /// Every feature, in catalog column order.
    pub const ALL: [Feature; 13] = [
        Feature::Danceability,
        Feature::Energy,
        Feature::Key,
        Feature::LoudnessDb,
        Feature::Mode,
        Feature::Speechiness,
        Feature::Acousticness,
        Feature::Instrumentalness,
        Feature::Liveness,
        Feature::Valence,
        Feature::TempoBpm,
        Feature::DurationMs,
        Feature::TimeSignature,
    ];

    /// Number of audio features (columns of the raw feature matrix).
    pub const COUNT: usize = Self::ALL.len();

    /// Column index of this feature in [`Feature::ALL`].
    #[inline]
    pub fn column(self) -> usize {
        self as usize
    }

    /// The CSV column name used by every source data set (and by Exportify, case aside).
    #[inline]
    pub fn csv_name(self) -> &'static str {
        match self {
            Feature::Danceability => "danceability",
            Feature::Energy => "energy",
            Feature::Key => "key",
            Feature::LoudnessDb => "loudness",
            Feature::Mode => "mode",
            Feature::Speechiness => "speechiness",
            Feature::Acousticness => "acousticness",
            Feature::Instrumentalness => "instrumentalness",
            Feature::Liveness => "liveness",
            Feature::Valence => "valence",
            Feature::TempoBpm => "tempo",
            Feature::DurationMs => "duration_ms",
            Feature::TimeSignature => "time_signature",
        }
    }

    /// A short human label for explanations and charts: the CSV name, but for the three that
    /// read better in words.
    #[inline]
    pub fn label(self) -> &'static str {
        match self {
            Feature::Valence => "mood",
            Feature::DurationMs => "length",
            Feature::TimeSignature => "time signature",
            other => other.csv_name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_csv_names_in_words() {
        let labels: Vec<&str> = Feature::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(
            labels,
            [
                "danceability",
                "energy",
                "key",
                "loudness",
                "mode",
                "speechiness",
                "acousticness",
                "instrumentalness",
                "liveness",
                "mood",
                "tempo",
                "length",
                "time signature"
            ]
        );
    }

    #[test]
    fn column_matches_position_in_all() {
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(f.column(), i, "{f:?}");
        }
    }
}
