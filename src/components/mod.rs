//! Reusable pieces of the screens.
//!
//! - `status`: progress bars and error messages.
//! - `search_box`: catalog search as you type.
//! - `result_card`: one recommendation with its explanation and player.
//! - `map`: the canvas map of the whole catalog.
//! - `charts`: cluster spread and audio profile, listener against recommendations.
//! - `origin_notice`: the warning shown on a shared `*.github.io/REPO/` origin.
//! - `forget`: Forget me for a listener who is not logged in.

pub mod charts;
pub mod forget;
pub mod map;
pub mod origin_notice;
pub mod result_card;
pub mod search_box;
pub mod status;
