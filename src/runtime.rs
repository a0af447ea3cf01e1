//! How the app's work shares time: yielding, sleeping, timing, and the rule that only the latest
//! request reaches the screen.
//!
//! Everything here sits below the model and the views and knows nothing of either. Sleeping is a
//! `gloo-timers` future (a `setTimeout`, on the page and in the engine worker alike), as in the
//! Leptos examples; yielding is a message to itself, which no timer clamp delays. [`Calls`] is
//! plain code with native tests.

use std::time::Duration;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;

/// Lets the browser handle input, messages and paint before the current task continues.
///
/// A message posted on a `MessageChannel` is a new task at once, where a `setTimeout(0)` nested
/// five deep waits at least 4 ms: the engine worker yields between every slice of its catalog
/// work, and those clamps alone cost about 0.6 s of a cold start.
pub async fn yield_now() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return TimeoutFuture::new(0).await;
    };
    let woken = js_sys::Promise::new(&mut |wake, _| channel.port1().set_onmessage(Some(&wake)));
    if channel
        .port2()
        .post_message(&wasm_bindgen::JsValue::NULL)
        .is_ok()
    {
        // `channel` lives until the message came, so the browser cannot collect it meanwhile.
        let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
    }
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

/// Whether the browser says it has no network (`navigator.onLine` false): Spotify actions then
/// say they need it rather than fail on the first request.
pub fn is_offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

/// Runs `f` and records how long it took as a User Timing measure `encore:{name}`: visible in the
/// browser's performance panel, and read by the end-to-end tests to report where time goes.
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if cfg!(not(target_arch = "wasm32")) {
        return f();
    }
    // The page's or the engine worker's own timeline.
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
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

/// The requests waiting for an answer, each with what wakes its caller (`W`), under the rule
/// that only the latest request of a kind reaches the screen: a newer request of the same lane
/// supersedes the older one at once (its caller is handed back to be told), and an answer to a
/// superseded or unknown request is dropped.
#[derive(Debug)]
pub struct Calls<L, W> {
    issued: u64,
    waiting: Vec<(u64, L, W)>,
}

impl<L, W> Default for Calls<L, W> {
    fn default() -> Self {
        Self {
            issued: 0,
            waiting: Vec::new(),
        }
    }
}

impl<L: PartialEq, W> Calls<L, W> {
    /// Numbers a new request of `lane`; the caller it supersedes, if one was waiting.
    pub fn start(&mut self, lane: L, waiter: W) -> (u64, Option<W>) {
        self.issued += 1;
        let superseded = self
            .waiting
            .iter()
            .position(|(_, l, _)| *l == lane)
            .map(|i| self.waiting.swap_remove(i).2);
        self.waiting.push((self.issued, lane, waiter));
        (self.issued, superseded)
    }

    /// Whether request `id` is still waiting: only its messages reach the screen.
    pub fn is_waiting(&self, id: u64) -> bool {
        self.waiting.iter().any(|(i, _, _)| *i == id)
    }

    /// The caller of request `id`, which is answered: `None` when it was superseded.
    pub fn settle(&mut self, id: u64) -> Option<W> {
        let i = self.waiting.iter().position(|(i, _, _)| *i == id)?;
        Some(self.waiting.swap_remove(i).2)
    }

    /// Every waiting caller, when no answer will ever come (the worker stopped).
    pub fn fail_all(&mut self) -> Vec<W> {
        self.waiting.drain(..).map(|(_, _, w)| w).collect()
    }
}

/// Polls a future whose pauses are all ready at once (as the native tests' are) to its end.
#[cfg(test)]
pub(crate) fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_request_supersedes_the_waiting_one_of_its_lane_only() {
        let mut calls = Calls::default();
        let (search, none) = calls.start("search", "first search");
        assert_eq!(none, None);
        let (list, _) = calls.start("recommend", "list");
        let (newer, superseded) = calls.start("search", "second search");
        assert_eq!(superseded, Some("first search"), "told at once");
        assert!(!calls.is_waiting(search) && calls.is_waiting(newer));
        assert_eq!(calls.settle(search), None, "a stale answer is dropped");
        assert_eq!(
            calls.settle(list),
            Some("list"),
            "another lane is untouched"
        );
        assert_eq!(calls.settle(list), None, "answered once");
        assert_eq!(calls.settle(99), None, "an unknown id is dropped");
        assert_eq!(calls.fail_all(), vec!["second search"]);
        assert!(!calls.is_waiting(newer));
    }

    #[test]
    fn ids_keep_growing_across_lanes() {
        let mut calls = Calls::<u8, ()>::default();
        let ids: Vec<u64> = (0..4).map(|i| calls.start(i % 2, ()).0).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
    }
}
