//! Encore's browser app: a Leptos single-page app over `encore-engine` compiled to WebAssembly.
//!
//! Layers, each importing only the ones below it:
//!
//! - `app`: the shell; `pages`: the screens; `components`: pieces the screens share (they import
//!   `model` and `runtime`, never `pages`).
//! - `model`: the app's state as plain types and its decisions, with native tests.
//! - `session`, `spotify`, `catalog`: Spotify login and client, fetching `catalog.bin`.
//! - `runtime`: yielding, sleeping, timing, and the latest-request rule.
//! - `offline`: the service worker's registration and the update prompt.
//! - `worker`: the engine worker's entry (the same `.wasm` in a dedicated Web Worker); it imports
//!   `model` and `catalog`, and nothing imports it.
//! - `config`, `error`, `storage`: runtime configuration, the user-facing error, browser storage.

pub mod app;
pub mod catalog;
pub mod components;
pub mod config;
pub mod error;
pub mod model;
pub mod offline;
pub mod pages;
pub mod runtime;
pub mod session;
pub mod spotify;
pub mod storage;
pub mod worker;

pub use app::App;
