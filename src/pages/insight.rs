//! Seeing the taste: the catalog map with the listener's tracks and the recommendations, the
//! spread over sound families, and the average audio profile, each "you" against "recommended".

use encore_engine::TrackIdx;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::components::charts::PairedBars;
use crate::components::map::CatalogMap;
use crate::model::Workbench;
use crate::model::engine::PROFILE;
use crate::model::protocol::{Answer, InsightCharts, Request};

#[component]
pub fn Insight() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    // Memos, not derived signals: the listener's side is thousands of tracks, and it changes
    // only with the taste, not with every new list.
    let mine = Memo::new(move |_| {
        bench
            .report
            .with(|r| r.as_ref().map(|r| r.matched.clone()).unwrap_or_default())
    });
    let recommended = Memo::new(move |_| {
        bench
            .recs
            .with(|r| r.iter().map(|s| s.track).collect::<Vec<TrackIdx>>())
    });
    // The charts come from the engine worker, asked again whenever either side changes.
    let charts = RwSignal::new(InsightCharts::default());
    Effect::new(move |_| {
        let (mine, recommended) = (mine.get(), recommended.get());
        if !bench.is_ready() {
            return;
        }
        // Dropped with the effect's next run or with the panel, never answering into it after.
        spawn_local_scoped_with_cancellation(async move {
            let request = Request::Insight { mine, recommended };
            if let Some(Answer::Insight(new)) = bench.ask(request).await {
                charts.set(new);
            }
        });
    });
    view! {
        <section class="panel" aria-labelledby="insight-heading">
            <h2 id="insight-heading">"3. Your taste on the map"</h2>
            <Show
                when=move || bench.is_ready()
                fallback=|| view! { <p class="hint">"The map appears once the catalog is loaded."</p> }
            >
                <CatalogMap mine=mine.into() recommended=recommended.into() />
                <Show when=move || !mine.with(Vec::is_empty)>
                    <div class="charts">
                        <PairedBars
                            title="Sound families: your tracks against the recommendations"
                            labels=Signal::derive(move || charts.with(|c| c.families.clone()))
                            mine=Signal::derive(move || charts.with(|c| c.my_spread.clone()))
                            recommended=Signal::derive(move || charts.with(|c| c.their_spread.clone()))
                        />
                        <PairedBars
                            title="Average audio profile: yours against the recommendations"
                            labels=Signal::derive(|| PROFILE.iter().map(|f| f.label().to_owned()).collect())
                            mine=Signal::derive(move || charts.with(|c| c.my_profile.clone()))
                            recommended=Signal::derive(move || charts.with(|c| c.their_profile.clone()))
                        />
                    </div>
                    <p class="legend">
                        <span class="swatch mine"></span>"You "
                        <span class="swatch recommended"></span>"Recommended"
                    </p>
                </Show>
            </Show>
        </section>
    }
}
