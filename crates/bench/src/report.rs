//! Timings and the JSON report every runner writes (`encore bench`, the benchmark page) and
//! `cargo xtask bench` merges into one table.

use encore_engine::catalog::{CatalogDecoder, CatalogError};
use serde::{Deserialize, Serialize};

/// Median, min and max of repeated runs of one operation, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub runs: usize,
}

impl Timing {
    /// The summary of `samples_ms` (reordered in place); `None` when there are none.
    pub fn from_samples(samples_ms: &mut [f64]) -> Option<Self> {
        samples_ms.sort_by(f64::total_cmp);
        let n = samples_ms.len();
        let median_ms = match n {
            0 => return None,
            _ if n % 2 == 1 => samples_ms[n / 2],
            _ => (samples_ms[n / 2 - 1] + samples_ms[n / 2]) / 2.0,
        };
        Some(Self {
            median_ms,
            min_ms: samples_ms[0],
            max_ms: samples_ms[n - 1],
            runs: n,
        })
    }
}

/// Decodes `bytes` with [`CatalogDecoder`] one step at a time, as the app does, and returns each
/// step's description ([`CatalogDecoder::next_step`]) and milliseconds by `now_ms`.
pub fn decode_steps(
    bytes: &[u8],
    now_ms: impl Fn() -> f64,
) -> Result<Vec<(String, f64)>, CatalogError> {
    let mut steps = Vec::new();
    let mut decoder = CatalogDecoder::new(bytes)?;
    loop {
        let step = decoder.next_step();
        let start = now_ms();
        let done = decoder.step()?;
        steps.push((step, now_ms() - start));
        if done {
            return Ok(steps);
        }
    }
}

/// Runs `op` `warmup` times untimed, then `runs` times timed by `now_ms` (a monotonic clock in
/// milliseconds: `Instant` natively, `performance.now()` in the browser).
pub fn time_runs(
    now_ms: impl Fn() -> f64,
    warmup: usize,
    runs: usize,
    mut op: impl FnMut(),
) -> Option<Timing> {
    for _ in 0..warmup {
        op();
    }
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let start = now_ms();
            op();
            now_ms() - start
        })
        .collect();
    Timing::from_samples(&mut samples)
}

/// The size of `bytes` gzip-compressed at the best level, as a static host would serve them.
#[cfg(not(target_arch = "wasm32"))]
pub fn gzip_len(bytes: &[u8]) -> u64 {
    use std::io::Write;

    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a `Vec` cannot fail.
    match encoder.write_all(bytes).and_then(|()| encoder.finish()) {
        Ok(compressed) => compressed.len() as u64,
        Err(_) => 0,
    }
}

/// One operation's timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// An [`crate::Op`] name, `decode`, `prepare`, or `nearest-50-js` (the page's JavaScript
    /// baseline).
    pub op: String,
    #[serde(flatten)]
    pub timing: Timing,
}

/// Everything measured on one catalog by one runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogReport {
    /// `180k` or `1m`: the row label of the table.
    pub label: String,
    pub n_tracks: usize,
    /// Size of the catalog file, raw and gzip-compressed (as a web server would send it).
    pub file_bytes: u64,
    pub gzip_bytes: Option<u64>,
    /// WebAssembly memory after decoding (the page only).
    pub memory_after_decode_bytes: Option<u64>,
    /// WebAssembly memory after every operation ran (the page only).
    pub memory_after_all_bytes: Option<u64>,
    pub ops: Vec<Measurement>,
}

impl CatalogReport {
    pub fn op(&self, name: &str) -> Option<&Timing> {
        self.ops.iter().find(|m| m.op == name).map(|m| &m.timing)
    }
}

/// One runner's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `native` or `chromium`.
    pub runner: String,
    /// The user agent or the native target.
    pub platform: String,
    pub catalogs: Vec<CatalogReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_odd_and_even_sample_counts() {
        let t = Timing::from_samples(&mut [3.0, 1.0, 2.0]).unwrap();
        assert_eq!(
            (t.median_ms, t.min_ms, t.max_ms, t.runs),
            (2.0, 1.0, 3.0, 3)
        );
        let t = Timing::from_samples(&mut [4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(t.median_ms, 2.5);
        assert!(Timing::from_samples(&mut []).is_none());
    }

    #[test]
    fn times_every_run_after_the_warmup() {
        let clock = std::cell::Cell::new(0.0);
        let mut calls = 0;
        // Each call advances the fake clock by its call number, so run i takes i + warmup + 1.
        let t = time_runs(
            || clock.get(),
            2,
            3,
            || {
                calls += 1;
                clock.set(clock.get() + f64::from(calls));
            },
        )
        .unwrap();
        assert_eq!(calls, 5);
        assert_eq!(
            (t.min_ms, t.median_ms, t.max_ms, t.runs),
            (3.0, 4.0, 5.0, 3)
        );
    }

    #[test]
    fn gzip_shrinks_repetitive_bytes() {
        let len = gzip_len(&[7u8; 10_000]);
        assert!(len > 0 && len < 100, "{len}");
    }

    #[test]
    fn report_round_trips_through_json() {
        let report = Report {
            runner: "native".into(),
            platform: "x86_64-linux".into(),
            catalogs: vec![CatalogReport {
                label: "180k".into(),
                n_tracks: 10,
                file_bytes: 100,
                gzip_bytes: Some(60),
                memory_after_decode_bytes: None,
                memory_after_all_bytes: None,
                ops: vec![Measurement {
                    op: "decode".into(),
                    timing: Timing {
                        median_ms: 1.0,
                        min_ms: 0.5,
                        max_ms: 2.0,
                        runs: 20,
                    },
                }],
            }],
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""op":"decode","median_ms":1.0"#), "{json}");
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
        assert_eq!(report.catalogs[0].op("decode").map(|t| t.runs), Some(20));
    }
}
