//! The screens, in the order the listener meets them.
//!
//! - `connect`: the Spotify login panel (bring your own Client ID) and the account menu.

pub mod connect;
