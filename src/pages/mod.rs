//! The screens, in the order the listener meets them.
//!
//! - `welcome`: what Encore does and the two ways in.
//! - `connect`: the Spotify login panel (bring your own Client ID) and the account menu.
//! - `taste`: sources of the listener's tracks and the match summary.
//! - `recommend`: method, steering, results, save and export.
//! - `insight`: the catalog map and the comparison charts.

pub mod connect;
pub mod insight;
pub mod recommend;
pub mod taste;
pub mod welcome;
