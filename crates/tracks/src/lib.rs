//! Tracks outside the catalog: their Spotify ids, their audio features by name, and the CSV files
//! that carry them in (the data sets the catalog is built from, a listener's Exportify export) and
//! out (the recommendations).
//!
//! A crate of its own so that the shipped app can compile it for size: nothing here is on a
//! ranking path, while the engine, which builds on it and re-exports it, is compiled for speed
//! (see Cargo.toml's `wasm-release` profile). Like the engine it does no IO of its own (callers
//! hand it readers and bytes) and has no browser dependency.

pub mod csv_export;
pub mod csv_import;
pub mod feature;
pub mod ids;

pub use feature::Feature;
pub use ids::{ArtistId, IdError, TrackId};
