//! A fake Spotify for tests (see the crate's `lib.rs`).

fn main() {}
