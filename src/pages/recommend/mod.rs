//! Recommending: the method, the steering controls, the results and what to do with them.
//!
//! Once the listener has pressed "Recommend", every change of a control or of the taste re-runs
//! the recommender after a short pause (a debounce), so dragging a slider does not queue a
//! ranking per pixel. Each run holds a [`Ticket`]: a newer run supersedes it during the pause or
//! at its next piece, so only the latest settings ever reach the list.
//!
//! [`Ticket`]: crate::runtime::Ticket

mod controls;
mod results;

use std::time::Duration;

use encore_engine::TrackIdx;
use encore_engine::recommend::{Method, RecommendError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::status::ErrorMessage;
use crate::model::Workbench;
use crate::model::controls::{count, plain_name, refusal};
use crate::runtime::{Latest, sleep, timed, until_answered, yield_now};
use controls::ControlsForm;
use results::Results;

/// Wait after the last control change before recommending again.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// What the panel shows about the requests in flight and the last answer.
#[derive(Debug, Clone, Copy)]
struct Recommending {
    latest: StoredValue<Latest>,
    /// The engine refused the request.
    refused: RwSignal<Option<RecommendError>>,
    /// A request is being answered.
    working: RwSignal<bool>,
    /// The method behind the list on screen (the select may already show another one).
    answered_by: RwSignal<Method>,
    /// The last sentence of the status region: the list is being updated, or is ready.
    status: RwSignal<Option<String>>,
    /// Every version of the listener's songs; finding them takes a while: once per taste.
    owned: Memo<Vec<TrackIdx>>,
}

impl Recommending {
    fn new(bench: Workbench) -> Self {
        let owned = Memo::new(move |_| {
            let engine = bench.engine();
            bench.report.with(|r| {
                r.as_ref()
                    .zip(engine)
                    .map(|(r, e)| timed("owned-versions", || e.owned_versions(&r.matched)))
                    .unwrap_or_default()
            })
        });
        Self {
            latest: StoredValue::new(Latest::default()),
            refused: RwSignal::new(None),
            working: RwSignal::new(false),
            answered_by: RwSignal::new(bench.controls.with_untracked(|c| c.method)),
            status: RwSignal::new(None),
            owned,
        }
    }

    /// Ranks for the current taste and controls after `delay`, unless a newer request comes.
    async fn run(self, bench: Workbench, delay: Duration) {
        let Some(ticket) = self.latest.try_update_value(Latest::issue) else {
            return;
        };
        let current = move || self.latest.with_value(|l| l.is_current(ticket));
        sleep(delay).await;
        // Only the matched tracks: the report also holds every unmatched one.
        let seeds = bench
            .report
            .with_untracked(|r| r.as_ref().map(|r| r.matched.clone()));
        let (Some(engine), Some(seeds)) = (bench.engine_untracked(), seeds) else {
            return;
        };
        if !current() {
            return;
        }
        let controls = bench.controls.get_untracked();
        let owned = self.owned.get_untracked();
        let mut job = match timed("recommend-begin", || {
            engine.begin(&seeds, &owned, &controls)
        }) {
            Ok(job) => job,
            Err(e) => {
                self.refused.set(Some(e));
                self.status.set(None);
                self.working.set(false);
                bench.recs.set(Vec::new());
                return;
            }
        };
        self.working.set(true);
        self.status.set(Some("Updating the list…".to_owned()));
        // Most methods answer in one piece; `knn` over a large library ranks a batch of seeds per
        // piece. Each piece is a task of its own: the page paints and takes input between them.
        let answer = until_answered(
            current,
            |_| yield_now(),
            || timed("recommend-piece", || engine.advance(&mut job)),
        )
        .await;
        let Some(recs) = answer else { return };
        // Showing the list (cards, map, charts) is a task of its own.
        yield_now().await;
        if !current() {
            return;
        }
        let ready = format!(
            "The list is ready: {} by \u{201c}{}\u{201d}.",
            count(recs.len(), "track", "tracks"),
            plain_name(controls.method)
        );
        timed("recommend-show", || {
            self.refused.set(None);
            self.answered_by.set(controls.method);
            bench.recs.set(recs);
        });
        self.working.set(false);
        self.status.set(Some(ready));
    }
}

/// The recommendation screen.
#[component]
pub fn RecommendPanel() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let state = Recommending::new(bench);
    Effect::new(move |_| {
        bench.controls.track();
        bench.report.track();
        if bench.requested.get_untracked() {
            spawn_local(state.run(bench, DEBOUNCE));
        }
    });
    let has_seeds = move || {
        bench
            .report
            .with(|r| r.as_ref().is_some_and(|r| !r.matched.is_empty()))
    };

    view! {
        <section class="panel" aria-labelledby="recommend-heading">
            <h2 id="recommend-heading">"2. Recommendations"</h2>
            <ControlsForm />
            <button
                type="button"
                class="primary"
                data-testid="recommend"
                disabled=move || !bench.is_ready()
                on:click=move |_| {
                    bench.requested.set(true);
                    spawn_local(state.run(bench, Duration::ZERO));
                }
            >
                "Recommend"
            </button>
            <p class="hint" role="status" data-testid="recommend-status">
                {move || state.status.get()}
            </p>
            <Show when=move || !has_seeds() && !bench.requested.get()>
                <p class="hint">"Add some tracks above first: recommendations start from them."</p>
            </Show>
            {move || state.refused.get().map(|e| view! { <ErrorMessage message=Signal::stored(refusal(&e)) /> })}
            <Results method=state.answered_by.into() />
        </section>
    }
}
