//! `encore recommend` and `encore eval` as a user runs them, on a small generated catalog.

// A test binary: the helpers' panics are the tests' failure reports.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

mod common;
use common::{HEADER, track_rows};

/// The 22-character id of generated track `i`.
fn id(i: usize) -> String {
    format!("{i:0>22}")
}

/// 120 tracks: six artists, four genres, four sounds.
fn csv() -> String {
    format!("{HEADER}\n{}", track_rows(0..120, id))
}

/// Builds the catalog once per test into its own folder and returns its path.
fn catalog(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("recommend_cli_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/tracks.csv"), csv()).unwrap();
    let out_path = dir.join("catalog.bin");
    let out = encore(
        &[
            "catalog",
            "build",
            "--data",
            dir.join("data").to_str().unwrap(),
            "--out",
            out_path.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out_path
}

fn encore(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_encore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("encore runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn answers_every_line_in_order_and_reports_bad_ones() {
    let catalog = catalog("lines");
    let input = [
        format!(
            r#"{{"case": "a", "seeds": ["{}", "{}"], "holdout": ["ignored"]}}"#,
            id(0),
            id(6)
        ),
        "this is not json".to_owned(),
        String::new(),
        format!(
            r#"{{"case": "b", "seeds": ["{}", "not-an-id", "{}"]}}"#,
            id(1),
            id(119_000)
        ),
        r#"{"case": "c", "seeds": []}"#.to_owned(),
        r#"{"seeds": ["x"]}"#.to_owned(),
    ]
    .join("\n");
    let out = encore(
        &[
            "recommend",
            "--catalog",
            catalog.to_str().unwrap(),
            "--k",
            "5",
        ],
        &input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "the blank line gets no answer: {lines:?}");

    assert_eq!(lines[0]["case"], "a");
    let tracks = lines[0]["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 5);
    assert!(
        !tracks.contains(&serde_json::json!(id(0))) && !tracks.contains(&serde_json::json!(id(6)))
    );
    assert_eq!(lines[0]["unmatched"], serde_json::json!([]));

    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"].as_str().unwrap().contains("expected"),
        "{:?}",
        lines[1]
    );

    assert_eq!(lines[2]["case"], "b");
    assert_eq!(lines[2]["tracks"].as_array().unwrap().len(), 5);
    assert_eq!(
        lines[2]["unmatched"],
        serde_json::json!(["not-an-id", id(119_000)])
    );

    assert_eq!(lines[3]["tracks"], serde_json::json!([]));
    assert_eq!(lines[3]["error"], "no seed track is in the catalog");

    assert_eq!(lines[4]["line"], 6, "a line without a case is malformed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2:") && stderr.contains("line 6:"),
        "{stderr}"
    );
}

#[test]
fn rejects_bad_options_before_reading() {
    let catalog = catalog("options");
    let out = encore(
        &[
            "recommend",
            "--catalog",
            catalog.to_str().unwrap(),
            "--k",
            "0",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--k must be at least 1"));
    let out = encore(
        &[
            "recommend",
            "--catalog",
            catalog.to_str().unwrap(),
            "--method",
            "magic",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown method \"magic\""));
}

#[test]
fn eval_prints_one_row_per_method() {
    let catalog = catalog("eval");
    let dir = catalog.parent().unwrap();
    let cases: String = (0..6)
        .map(|c| {
            format!(
                "{{\"case\": \"c{c}\", \"seeds\": [\"{}\", \"{}\"], \"holdout\": [\"{}\", \"{}\"]}}\n",
                id(c),
                id(c + 6),
                id(c + 12),
                id(c + 18)
            )
        })
        .collect();
    std::fs::write(dir.join("cases.jsonl"), cases).unwrap();
    let cases_path = dir.join("cases.jsonl");
    let args = [
        "eval",
        "--catalog",
        catalog.to_str().unwrap(),
        "--cases",
        cases_path.to_str().unwrap(),
    ];
    let out = encore(&args, "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 9, "{table}");
    assert!(
        rows[0].starts_with("| blend |") && rows[8].starts_with("| popular |"),
        "{table}"
    );

    let out = encore(&[&args[..], &["--methods", "knn,popular"]].concat(), "");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 4);
}
