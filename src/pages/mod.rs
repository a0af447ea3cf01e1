//! The screens, in the order the listener meets them.
//!
//! - `welcome`: what Encore does and the two ways in.
//! - `connect`: the Spotify step (bring your own Client ID, log in) and the account menu.
//! - `taste`: sources of the listener's tracks, their picks and the match summary.
//! - `spotify_sources`: the Spotify sources of the taste, once connected.
//! - `recommend`: method, steering, results, save and export.
//! - `insight`: the catalog map and the comparison charts.

pub mod connect;
pub mod insight;
pub mod recommend;
pub mod spotify_sources;
pub mod taste;
pub mod welcome;
