//! The recommendations as a CSV the listener downloads, safe to open in a spreadsheet.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
//! LibreOffice and Google Sheets, so a track titled `=HYPERLINK(...)` could run when the file is
//! opened. As OWASP's "CSV Injection" page advises, such a cell gets a leading `'` (the
//! spreadsheet then shows it as text, the quote hidden) and every text cell is quoted.
//!
//! The rows are written here rather than by the `csv` crate's writer: which cells are text is
//! known from the columns, and the writer's "quote what is not a number" style decides it by
//! parsing every cell as a float, which ships the standard float parser and its 10 KB table in
//! the app. RFC 4180 quoting is one rule: wrap the cell in `"` and double every `"` inside.

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

/// The recommendations CSV: the header row, then one row per track in the order given. Lines end
/// in `\n`; text cells are quoted and neutralised, the rank and the year are bare numbers.
pub fn recommendations_csv<'a>(rows: impl IntoIterator<Item = RecommendationRow<'a>>) -> String {
    let mut csv = String::new();
    for (i, column) in RECOMMENDATION_COLUMNS.iter().enumerate() {
        if i > 0 {
            csv.push(',');
        }
        push_quoted(&mut csv, column);
    }
    csv.push('\n');
    for row in rows {
        csv.push_str(&row.rank.to_string());
        push_text_cell(&mut csv, row.title);
        push_text_cell(&mut csv, &row.artists.join("; "));
        csv.push(',');
        if let Some(year) = row.year {
            csv.push_str(&year.to_string());
        }
        push_text_cell(&mut csv, &row.genres.join("; "));
        push_text_cell(&mut csv, row.why);
        push_text_cell(&mut csv, row.link);
        csv.push('\n');
    }
    csv
}

/// Appends a separator and `cell` as text: neutralised, then quoted.
fn push_text_cell(csv: &mut String, cell: &str) {
    csv.push(',');
    push_quoted(csv, &neutralised(cell));
}

/// Appends `cell` in double quotes, each `"` inside doubled (RFC 4180), so commas, quotes and
/// line breaks stay inside the cell.
fn push_quoted(csv: &mut String, cell: &str) {
    csv.push('"');
    csv.push_str(&cell.replace('"', "\"\""));
    csv.push('"');
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
        let csv = recommendations_csv(rows);
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
        assert_eq!(recommendations_csv([]).lines().count(), 1);
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
            let csv = recommendations_csv([row(title, &artists, "@why")]);
            let cells = &cells(&csv)[0];
            assert_eq!(cells[1], stored, "{title:?}");
            assert_eq!(cells[2], "'=cmd|' /C calc'!A0");
            assert_eq!(cells[5], "'@why");
        }
    }
}
