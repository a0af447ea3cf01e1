//! Spotify's side of Encore, as plain functions and types with no IO, no clock and no browser.
//!
//! The app fetches and holds signals; every decision about what Spotify said (retry, wait,
//! refresh or give up; how a liked-songs sync merges with the cache; whether a login reply is
//! acceptable; which sentence a status deserves) lives here, where native table-driven tests
//! reach it in milliseconds.

pub mod sync;
