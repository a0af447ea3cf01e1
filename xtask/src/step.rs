//! Printing and timing what xtask does, so a slow or failing step is easy to spot.

use std::time::{Duration, Instant};

use anyhow::Result;

/// Runs `body` as a named step: prints its name, then how it ended and how long it took.
pub fn step<T>(name: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
    println!("==> {name}");
    let start = Instant::now();
    let result = body();
    let outcome = if result.is_ok() { "done" } else { "FAILED" };
    println!(
        "<== {name}: {outcome} in {}",
        format_duration(start.elapsed())
    );
    result
}

/// `4.2s`, `3m07s`: short and aligned enough for a summary table.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_then_minutes() {
        let check = |millis: u64, expected: &str| {
            assert_eq!(format_duration(Duration::from_millis(millis)), expected);
        };
        check(0, "0.0s");
        check(4_249, "4.2s");
        check(59_900, "59.9s");
        check(60_000, "1m00s");
        check(187_400, "3m07s");
    }
}
