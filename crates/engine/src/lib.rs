//! Encore's engine: everything that decides *what* to recommend, in pure Rust.
//!
//! It reads the track CSVs (with `encore-tracks`, re-exported here), builds and validates the
//! compact catalog, scales features, clusters, ranks nearest neighbours, runs the recommenders and
//! scores them offline. The native CLI and the browser app (compiled to WebAssembly) both call it.
//!
//! What it deliberately does not do: no file or network IO (callers hand it bytes and readers), no
//! clock and no entropy source (time and randomness are parameters, seeds are explicit), and no
//! dependency on the browser (`wasm-bindgen`, `web-sys`, `js-sys`, `gloo`, `leptos`, `getrandom`);
//! `cargo xtask test` fails the build if one creeps in.

pub mod catalog;
pub mod eval;
pub mod families;
pub mod ids;
pub mod kmeans;
pub mod matching;
pub mod nearest;
pub mod pca;
pub mod ranked;
pub mod recommend;
pub mod search;
pub mod seeded;
pub mod simd;
pub mod space;
pub mod synth;

pub use encore_tracks::{csv_export, csv_import, feature};

pub use catalog::Catalog;
pub use feature::Feature;
pub use ids::{ArtistId, IdError, TrackId, TrackIdx};
