//! Recommending: the method, the steering controls, the results and what to do with them.
//!
//! Once the listener has pressed "Recommend", every change of a control or of the taste asks the
//! engine worker again at once, with no debounce: a newer request supersedes the one running (the
//! worker drops it between two pieces, the page drops any answer to it), so only the latest
//! settings ever reach the list and dragging a slider never queues a ranking per pixel.

mod controls;
mod results;
mod sides;

use encore_engine::recommend::Method;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::components::status::ErrorMessage;
use crate::model::Workbench;
use crate::model::controls::plain_name;
use crate::model::protocol::{Answer, Recommendations, Request};
use crate::model::sides::ready_sentence;
use crate::runtime::timed;
use controls::ControlsForm;
use results::Results;

/// What the panel shows about the request in flight and the last answer.
#[derive(Debug, Clone, Copy)]
struct Recommending {
    /// Why the engine refused the request, worded for the listener.
    refused: RwSignal<Option<String>>,
    /// A request is being answered.
    working: RwSignal<bool>,
    /// The method behind the list on screen (the select may already show another one).
    answered_by: RwSignal<Method>,
    /// The last sentence of the status region: the list is being updated, or is ready.
    status: RwSignal<Option<String>>,
}

impl Recommending {
    fn new(bench: Workbench) -> Self {
        Self {
            refused: RwSignal::new(None),
            working: RwSignal::new(false),
            answered_by: RwSignal::new(bench.controls.with_untracked(|c| c.method)),
            status: RwSignal::new(None),
        }
    }

    /// Ranks for the current taste and controls, unless a newer request supersedes this one.
    async fn run(self, bench: Workbench) {
        // Only the matched tracks: the report also holds every unmatched one.
        let seeds = bench
            .report
            .with_untracked(|r| r.as_ref().map(|r| r.matched.clone()));
        let Some(seeds) = seeds else {
            return;
        };
        let controls = bench.controls.get_untracked();
        self.working.set(true);
        self.status.set(Some("Updating the list…".to_owned()));
        let request = Request::Recommend {
            seeds,
            controls: controls.clone(),
        };
        // `None`: superseded (the newer request shows its own), or the engine stopped (the
        // page says so, with a retry).
        let Some(Answer::Recommended(answer)) = bench.ask(request).await else {
            return;
        };
        match answer {
            Ok(Recommendations { tracks: recs, side }) => {
                let ready =
                    ready_sentence(recs.len(), plain_name(controls.method), side.as_deref());
                timed("recommend-show", || {
                    self.refused.set(None);
                    self.answered_by.set(controls.method);
                    bench.recs.set(recs);
                });
                self.status.set(Some(ready));
            }
            Err(refusal) => {
                self.refused.set(Some(refusal));
                self.status.set(None);
                bench.recs.set(Vec::new());
            }
        }
        self.working.set(false);
    }
}

/// The recommendation screen.
#[component]
pub fn RecommendPanel() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let state = Recommending::new(bench);
    // "Recommend" pressed: the same request as a moved control, made by the one effect below.
    let pressed = Trigger::new();
    Effect::new(move |_| {
        bench.controls.track();
        bench.report.track();
        pressed.track();
        if bench.requested.get_untracked() {
            // Owned by this effect: its next run, or the panel leaving the screen (Forget me),
            // drops the request in flight, so no answer lands in signals already gone.
            spawn_local_scoped_with_cancellation(state.run(bench));
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
                    pressed.notify();
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
            {move || state.refused.get().map(|e| view! { <ErrorMessage message=Signal::stored(e) /> })}
            <Results method=state.answered_by.into() />
        </section>
    }
}
