//! Seeing the taste: the catalog map with the listener's tracks and the recommendations, the
//! spread over sound families, and the average audio profile, each "you" against "recommended".

use encore_engine::TrackIdx;
use encore_engine::ranked::{Scored, best_first};
use leptos::prelude::*;

use crate::components::charts::{PROFILE, PairedBars, audio_profile, cluster_shares};
use crate::components::map::CatalogMap;
use crate::model::Workbench;

/// How many sound families the spread chart lists: the listener's and the list's largest.
const N_FAMILIES: usize = 10;

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
    let shares = move |tracks: Memo<Vec<TrackIdx>>| {
        Memo::new(move |_| {
            let engine = bench.engine()?;
            Some(tracks.with(|t| cluster_shares(&engine.catalog, t)))
        })
    };
    let (my_shares, their_shares) = (shares(mine), shares(recommended));
    let spreads = Memo::new(move |_| {
        let (Some(a), Some(b), Some(engine)) =
            (my_shares.get(), their_shares.get(), bench.engine())
        else {
            return Default::default();
        };
        // Largest together first, through the engine's one ranked order (no sort of its own).
        let mut together: Vec<Scored> = (0u32..)
            .zip(a.iter().zip(&b))
            .map(|(i, (x, y))| (x + y, i))
            .collect();
        let order: Vec<usize> = best_first(&mut together, N_FAMILIES)
            .iter()
            .filter(|&&(share, _)| share > 0.0)
            .map(|&(_, i)| i as usize)
            .collect();
        (
            order
                .iter()
                .map(|&i| {
                    engine
                        .family_names
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| format!("Family {}", i + 1))
                })
                .collect::<Vec<_>>(),
            order.iter().map(|&i| a[i]).collect::<Vec<_>>(),
            order.iter().map(|&i| b[i]).collect::<Vec<_>>(),
        )
    });
    let profile = move |tracks: Memo<Vec<TrackIdx>>| {
        Memo::new(move |_| {
            bench
                .engine()
                .map(|engine| tracks.with(|t| audio_profile(&engine.catalog, t)))
                .unwrap_or_default()
        })
    };
    let (my_profile, their_profile) = (profile(mine), profile(recommended));
    let profiles = Memo::new(move |_| (my_profile.get(), their_profile.get()));
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
                            labels=Signal::derive(move || spreads.get().0)
                            mine=Signal::derive(move || spreads.get().1)
                            recommended=Signal::derive(move || spreads.get().2)
                        />
                        <PairedBars
                            title="Average audio profile: yours against the recommendations"
                            labels=Signal::derive(|| PROFILE.iter().map(|f| f.label().to_owned()).collect())
                            mine=Signal::derive(move || profiles.get().0)
                            recommended=Signal::derive(move || profiles.get().1)
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
