//! Spotify's side of Encore, as plain functions and types with no IO, no clock and no browser.
//!
//! The app fetches and holds signals; every decision about what Spotify said (retry, wait,
//! refresh or give up; how a liked-songs sync merges with the cache; whether a login reply is
//! acceptable; what an unsuccessful status means) lives here, where native table-driven tests
//! reach it in milliseconds.
//!
//! - [`pkce`]: the PKCE maths, the authorize URL and the token request bodies.
//! - [`api`]: the Web API's JSON, lenient about what Spotify removed, and its documented limits.
//! - [`login`]: the scopes and why each is asked for, judging a login reply, the stored tokens.
//! - [`reply`]: what an unsuccessful reply means ([`reply::failure`]) and what to do next
//!   ([`reply::next_step`]).
//! - [`save`]: saving a playlist as a plan that resumes after a failure.
//! - [`sync`]: a liked-songs sync merged with the cache, page by page in any order, and how many
//!   pages to ask for at once.
//!
//! ```
//! use encore_spotify::reply::{Attempts, LongLimits, Method, Outcome, Resource, Step, next_step};
//! use encore_spotify::api::ErrorBody;
//!
//! let body = ErrorBody::default();
//! let mut attempts = Attempts::default();
//! let outcome = Outcome::Reply { status: 401, retry_after_s: None, body: &body };
//! let step = next_step(Method::Get, Resource::Library, LongLimits::GiveBack, outcome, &mut attempts);
//! assert_eq!(step, Step::Refresh);
//! ```

pub mod api;
pub mod login;
pub mod pkce;
pub mod reply;
pub mod save;
pub mod sync;
