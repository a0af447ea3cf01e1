//! The recommendations as a CSV the listener downloads, written with the `csv` crate (quoting,
//! embedded quotes and line breaks) and safe to open in a spreadsheet.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
//! LibreOffice and Google Sheets, so a track titled `=HYPERLINK(...)` could run when the file is
//! opened. As OWASP's "CSV Injection" page advises, such a cell gets a leading `'` (the
//! spreadsheet then shows it as text, the quote hidden) and every text cell is quoted.

use csv::{QuoteStyle, WriterBuilder};
use thiserror::Error;

/// The header row, in column order.
pub const RECOMMENDATION_COLUMNS: [&str; 7] =
    ["rank", "title", "artists", "year", "genres", "why", "link"];

/// One recommended track, as the results list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecommendationRow<'a> {
    /// 1 for the first track.
    pub rank: usize,
    pub title: &'a str,
    /// Primary first; joined with "; " in one cell.
    pub artists: &'a [String],
    pub year: Option<u16>,
    /// Joined with "; " in one cell.
    pub genres: &'a [String],
    /// The explanation sentence.
    pub why: &'a str,
    /// The track's Spotify link.
    pub link: &'a str,
}

/// Why the CSV could not be written (in practice never: it is written to memory).
#[derive(Debug, Error)]
pub enum CsvExportError {
    #[error("cannot write the recommendations csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot finish the recommendations csv: {0}")]
    Finish(String),
}

/// The recommendations CSV: the header row, then one row per track in the order given.
pub fn recommendations_csv<'a>(
    rows: impl IntoIterator<Item = RecommendationRow<'a>>,
) -> Result<String, CsvExportError> {
    let mut writer = WriterBuilder::new()
        .quote_style(QuoteStyle::NonNumeric)
        .from_writer(Vec::new());
    writer.write_record(RECOMMENDATION_COLUMNS)?;
    for row in rows {
        let year = row.year.map(|y| y.to_string()).unwrap_or_default();
        writer.write_record([
            row.rank.to_string().as_str(),
            &neutralised(row.title),
            &neutralised(&row.artists.join("; ")),
            &year,
            &neutralised(&row.genres.join("; ")),
            &neutralised(row.why),
            &neutralised(row.link),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CsvExportError::Finish(e.error().to_string()))?;
    // Every cell is a `&str`, so the bytes are UTF-8.
    String::from_utf8(bytes).map_err(|e| CsvExportError::Finish(e.to_string()))
}

/// `cell`, with a `'` before it when a spreadsheet would read it as a formula.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(title: &'a str, artists: &'a [String], why: &'a str) -> RecommendationRow<'a> {
        RecommendationRow {
            rank: 1,
            title,
            artists,
            year: Some(1975),
            genres: &[],
            why,
            link: "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        }
    }

    /// The cells of `csv`, read back by the `csv` crate.
    fn cells(csv: &str) -> Vec<Vec<String>> {
        csv::Reader::from_reader(csv.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn writes_a_header_and_one_quoted_row_per_track() {
        let artists = ["Queen".to_owned(), "David \"Bowie\"".to_owned()];
        let genres = ["rock".to_owned(), "glam, art".to_owned()];
        let rows = [
            RecommendationRow {
                genres: &genres,
                ..row("Under Pressure", &artists, "Like your\nQueen songs")
            },
            RecommendationRow {
                rank: 2,
                year: None,
                ..row("Heroes", &artists[1..], "")
            },
        ];
        let csv = recommendations_csv(rows).unwrap();
        assert!(csv.starts_with(
            "\"rank\",\"title\",\"artists\",\"year\",\"genres\",\"why\",\"link\"\n1,\"Under"
        ));
        assert_eq!(
            cells(&csv),
            [
                vec![
                    "1",
                    "Under Pressure",
                    "Queen; David \"Bowie\"",
                    "1975",
                    "rock; glam, art",
                    "Like your\nQueen songs",
                    "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
                ],
                vec![
                    "2",
                    "Heroes",
                    "David \"Bowie\"",
                    "",
                    "",
                    "",
                    "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
                ],
            ]
        );
        assert_eq!(recommendations_csv([]).unwrap().lines().count(), 1);
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_neutralised() {
        for (title, stored) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Don't Stop Me Now", "Don't Stop Me Now"),
            ("A=B", "A=B"),
        ] {
            let artists = ["=cmd|' /C calc'!A0".to_owned()];
            let csv = recommendations_csv([row(title, &artists, "@why")]).unwrap();
            let cells = &cells(&csv)[0];
            assert_eq!(cells[1], stored, "{title:?}");
            assert_eq!(cells[2], "'=cmd|' /C calc'!A0");
            assert_eq!(cells[5], "'@why");
        }
    }
}
