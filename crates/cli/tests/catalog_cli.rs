//! `encore catalog build | info | synth` as a user runs them: real files in a temporary folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::Compression;
use flate2::write::GzEncoder;

mod common;
use common::{HEADER, track_rows};

fn encore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_encore"))
        .args(args)
        .output()
        .expect("encore runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh, empty folder under the target directory, unique per test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("catalog_cli_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Rows for tracks `first..first + count`, with ids that are valid but unlike real ones.
fn rows(first: usize, count: usize) -> String {
    track_rows(first..first + count, |i| {
        format!("{:0>22}", format!("{i}xyz"))
    })
}

fn write_fixture(dir: &Path) {
    std::fs::write(dir.join("a.csv"), format!("{HEADER}\n{}", rows(0, 40))).expect("write csv");
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(format!("{HEADER}\r\n{}", rows(40, 40).replace('\n', "\r\n")).as_bytes())
        .expect("gzip");
    std::fs::write(dir.join("b.csv.gz"), gz.finish().expect("gzip")).expect("write gz");
    std::fs::write(dir.join("notes.txt"), "not a csv").expect("write txt");
}

#[test]
fn builds_reads_and_synthesizes() {
    let dir = scratch("build");
    write_fixture(&dir);
    let out_path = dir.join("out/catalog.bin");
    let out = encore(&[
        "catalog",
        "build",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("tracks kept: 80"), "{report}");
    assert!(report.contains("b.csv.gz"), "{report}");
    assert!(report.contains("B/track"), "{report}");

    let info = encore(&["catalog", "info", out_path.to_str().unwrap()]);
    assert!(info.status.success(), "{}", stderr(&info));
    assert!(String::from_utf8_lossy(&info.stdout).contains("80 tracks"));

    let synth_path = dir.join("synth.bin");
    let synth = encore(&[
        "catalog",
        "synth",
        "--tracks",
        "500",
        "--from",
        out_path.to_str().unwrap(),
        "--out",
        synth_path.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    assert!(synth.status.success(), "{}", stderr(&synth));
    let info = encore(&["catalog", "info", synth_path.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("500 tracks"));

    // A damaged file is refused with the reason.
    let mut bytes = std::fs::read(&out_path).expect("read catalog");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    let bad = dir.join("bad.bin");
    std::fs::write(&bad, bytes).expect("write bad");
    let info = encore(&["catalog", "info", bad.to_str().unwrap()]);
    assert!(!info.status.success());
    assert!(
        stderr(&info).contains("checksum mismatch"),
        "{}",
        stderr(&info)
    );
}

#[test]
fn explains_missing_and_empty_data_folders_and_unknown_csvs() {
    let dir = scratch("empty");
    let out = encore(&[
        "catalog",
        "build",
        "--data",
        dir.join("nope").to_str().unwrap(),
        "--out",
        "x.bin",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot read the data folder"),
        "{}",
        stderr(&out)
    );

    let out = encore(&[
        "catalog",
        "build",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        "x.bin",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no .csv or .csv.gz files"),
        "{}",
        stderr(&out)
    );

    std::fs::write(dir.join("odd.csv"), "name,value\nx,1\n").expect("write");
    let out = encore(&[
        "catalog",
        "build",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        "x.bin",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("matches no known track csv"),
        "{}",
        stderr(&out)
    );
}
