//! How the app's long work shares the browser's one thread: yielding, sleeping, timing, and the
//! rule that only the latest request reaches the screen.
//!
//! Everything here sits below the model and the views and knows nothing of either. Sleeping and
//! yielding are `gloo-timers` futures (a `setTimeout`), as in the Leptos examples. [`Latest`] and
//! [`until_answered`] are plain code with native tests: the browser only supplies the pause.

use std::future::Future;
use std::time::Duration;

use gloo_timers::future::TimeoutFuture;

/// Lets the browser handle input and paint before the current task continues.
pub async fn yield_now() {
    TimeoutFuture::new(0).await;
}

/// Waits `duration` (whole milliseconds, at most `u32::MAX`) without blocking the page.
pub async fn sleep(duration: Duration) {
    sleep_ms(u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)).await;
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Milliseconds since the Unix epoch (`Date.now()`): token expiry and cross-tab leases.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Runs `f` and records how long it took as a User Timing measure `encore:{name}`: visible in the
/// browser's performance panel, and read by the end-to-end tests to report where time goes.
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let performance = web_sys::window().and_then(|w| w.performance());
    let start = format!("encore:{name}:start");
    if let Some(p) = &performance {
        let _ = p.mark(&start);
    }
    let out = f();
    if let Some(p) = &performance {
        let _ = p.measure_with_start_mark(&format!("encore:{name}"), &start);
        p.clear_marks_with_mark_name(&start);
    }
    out
}

/// Numbers requests so that a newer one supersedes every older one still in progress: each
/// piece of work checks its [`Ticket`] first and stops once it is no longer the latest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latest {
    issued: u64,
}

/// The number of one request, from [`Latest::issue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl Latest {
    /// Starts a request; every ticket issued before is superseded from now on.
    pub fn issue(&mut self) -> Ticket {
        self.issued += 1;
        Ticket(self.issued)
    }

    /// Whether `ticket` is still the latest request.
    pub fn is_current(&self, ticket: Ticket) -> bool {
        self.issued == ticket.0
    }
}

/// Runs `piece` until it gives an answer, `pause` before each piece (a debounce before the first,
/// a yield to the page between the others), and gives up as soon as `current` says a newer
/// request came: `None` then, and `piece` is not called again.
pub async fn until_answered<T, P: Future<Output = ()>>(
    current: impl Fn() -> bool,
    mut pause: impl FnMut(usize) -> P,
    mut piece: impl FnMut() -> Option<T>,
) -> Option<T> {
    let mut n_done = 0;
    loop {
        pause(n_done).await;
        if !current() {
            return None;
        }
        if let Some(answer) = piece() {
            return Some(answer);
        }
        n_done += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Polls a future whose pauses are all ready at once (as the tests' are) to its end.
    fn run<T>(future: impl Future<Output = T>) -> T {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn a_newer_ticket_supersedes_every_older_one() {
        let mut latest = Latest::default();
        let first = latest.issue();
        assert!(latest.is_current(first));
        let second = latest.issue();
        assert!(!latest.is_current(first));
        assert!(latest.is_current(second));
        // A copy taken before the newer request still names it as superseded once compared
        // against the live counter.
        let third = latest.issue();
        assert!(!latest.is_current(second));
        assert!(latest.is_current(third));
    }

    #[test]
    fn pieces_run_until_one_answers_with_a_pause_before_each() {
        let pauses = RefCell::new(Vec::new());
        let calls = Cell::new(0);
        let answer = run(until_answered(
            || true,
            |n| {
                pauses.borrow_mut().push(n);
                std::future::ready(())
            },
            || {
                calls.set(calls.get() + 1);
                (calls.get() == 3).then_some("ranked")
            },
        ));
        assert_eq!(answer, Some("ranked"));
        assert_eq!(calls.get(), 3);
        assert_eq!(*pauses.borrow(), vec![0, 1, 2]);
    }

    #[test]
    fn a_superseded_request_stops_at_its_next_piece() {
        let latest = RefCell::new(Latest::default());
        let mine = latest.borrow_mut().issue();
        let calls = Cell::new(0);
        let answer = run(until_answered(
            || latest.borrow().is_current(mine),
            |_| std::future::ready(()),
            || {
                calls.set(calls.get() + 1);
                // A newer request arrives while the second piece runs.
                if calls.get() == 2 {
                    latest.borrow_mut().issue();
                }
                None::<()>
            },
        ));
        assert_eq!(answer, None);
        assert_eq!(calls.get(), 2, "no piece runs after the newer request");
    }

    #[test]
    fn a_request_superseded_during_its_debounce_never_starts() {
        let latest = RefCell::new(Latest::default());
        let mine = latest.borrow_mut().issue();
        let answer = run(until_answered(
            || latest.borrow().is_current(mine),
            |n| {
                if n == 0 {
                    latest.borrow_mut().issue();
                }
                std::future::ready(())
            },
            || -> Option<()> { panic!("a superseded request must not start") },
        ));
        assert_eq!(answer, None);
    }
}
