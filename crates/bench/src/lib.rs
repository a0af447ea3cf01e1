//! Encore's benchmark workloads: the engine operations that `encore bench` times natively and the
//! benchmark page times in headless Chromium, defined once so that both runners measure the same
//! work on the same inputs, and the report both write for `cargo xtask bench` to merge.
//!
//! ```no_run
//! use encore_bench::{Op, Workload, time_runs};
//! # fn catalog() -> encore_engine::Catalog { unimplemented!() }
//! let start = std::time::Instant::now();
//! let mut workload = Workload::new(catalog());
//! let timing = time_runs(|| start.elapsed().as_secs_f64() * 1e3, 3, 20, || {
//!     std::hint::black_box(workload.run(Op::Nearest).ok());
//! });
//! ```
//!
//! What it deliberately does not do: no clock and no IO (runners pass a clock and the catalog),
//! and no assertions about speed (targets are checked by reading the table, never in tests).
//! Under `wasm32` it also exports the workload to JavaScript (`web`); the page itself, with the
//! plain-JavaScript baseline, is `web/bench.js`.

mod report;
mod workload;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(not(target_arch = "wasm32"))]
pub use report::gzip_len;
pub use report::{CatalogReport, Measurement, Report, Timing, decode_steps, time_runs};
pub use workload::{
    ASSIGNED_TRACKS, K, LIBRARY_TRACKS, LIKED_SONGS, Op, PLAYLIST_TRACKS, QUERIES, Workload,
    WorkloadError,
};
