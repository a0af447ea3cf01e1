//! Encore's browser app: a Leptos single-page app over `encore-engine` compiled to WebAssembly.
//!
//! - `app`: the shell, app-wide contexts and screens.
//! - `catalog`: fetching, verifying and caching `catalog.bin`.
//! - `pages`, `components`: what the listener sees.
//! - `session`: Spotify login (Authorization Code + PKCE), tokens, log out / forget me.
//! - `spotify`: the one Spotify client (the single `send` choke point) and the library importers.
//! - `offline`: the service worker's registration and the update prompt.
//! - `config`, `error`, `storage`: runtime configuration, the user-facing error, browser storage.

pub mod app;
pub mod catalog;
mod clock;
pub mod components;
pub mod config;
pub mod error;
pub mod offline;
pub mod pages;
pub mod session;
pub mod spotify;
pub mod storage;

pub use app::App;
