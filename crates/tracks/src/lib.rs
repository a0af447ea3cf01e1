//! Tracks outside the catalog: their Spotify ids, their audio features by name, and the CSV files
//! that carry them in (the data sets the catalog is built from, a listener's Exportify export) and
//! out (the recommendations).
//!
//! A crate of its own so that the shipped app can compile it for size, while the engine, which
//! builds on it and re-exports it, is compiled for speed (see Cargo.toml's `wasm-release`
//! profile). The few small functions the engine and the app call on every move (printing and
//! parsing an id, a feature's column and names) are `#[inline]`, so they are compiled into their
//! callers at the callers' level: compiled here alone, every move in the app measured about 13%
//! slower. Like the engine it does no IO of its own (callers hand it readers and bytes) and has
//! no browser dependency.

pub mod csv_export;
pub mod csv_import;
pub mod feature;
pub mod ids;

pub use feature::Feature;
pub use ids::{ArtistId, IdError, TrackId};
