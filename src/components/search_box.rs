//! Finding catalog tracks by typing: results as the listener types, each one click from the taste.

use encore_engine::matching::ListenerTrack;
use encore_engine::{TrackId, TrackIdx};
use leptos::prelude::*;

use crate::app::{Workbench, timed};
use crate::pages::taste::Source;

/// How many search results are listed.
const N_RESULTS: usize = 12;

/// One search result, as shown.
#[derive(Debug, Clone, PartialEq)]
struct Hit {
    track: TrackIdx,
    id: TrackId,
    title: String,
    artists: Vec<String>,
    year: Option<u16>,
}

/// The search box and its results.
#[component]
pub fn SearchBox() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let (query, set_query) = signal(String::new());
    let hits = Memo::new(move |_| {
        let query = query.get();
        if !bench.ready.get() || query.trim().is_empty() {
            return Vec::new();
        }
        timed("search", || {
            bench
                .with_engine(|e| {
                    e.search
                        .search(&e.catalog, &query, N_RESULTS)
                        .into_iter()
                        .map(|track| Hit {
                            track,
                            id: e.catalog.ids[track.get()],
                            title: e.catalog.title(track).to_owned(),
                            artists: e.catalog.artist_names(track).map(str::to_owned).collect(),
                            year: e.catalog.year(track),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let add = move |hit: &Hit| {
        let track = ListenerTrack {
            id: Some(hit.id),
            title: hit.title.clone(),
            artists: hit.artists.clone(),
            album: None,
            isrc: None,
        };
        bench.taste.update(|t| t.add(Source::Search, [track]));
    };
    view! {
        <div class="search">
            <label for="search-input">"Search the catalog by title or artist"</label>
            <input
                id="search-input"
                type="search"
                autocomplete="off"
                placeholder="e.g. bowie heroes"
                data-testid="search-input"
                disabled=move || !bench.ready.get()
                prop:value=query
                on:input=move |ev| set_query.set(event_target_value(&ev))
            />
            <Show when=move || !query.get().trim().is_empty() && bench.ready.get()>
                <p class="hint" aria-live="polite">
                    {move || match hits.with(Vec::len) {
                        0 => "Nothing found. Check the spelling, or try fewer words.".to_owned(),
                        n => format!("{n} found; add the ones you love."),
                    }}
                </p>
            </Show>
            <ul class="search-results">
                <For each=move || hits.get() key=|h| h.track let:hit>
                    <li data-testid="search-result" data-track-id=hit.id.to_string()>
                        <span class="track-title">{hit.title.clone()}</span>
                        <span class="track-meta">
                            {format!(
                                "{}{}",
                                hit.artists.join(", "),
                                hit.year.map(|y| format!(" · {y}")).unwrap_or_default(),
                            )}
                        </span>
                        <button
                            type="button"
                            aria-label=format!("Add {} to your taste", hit.title)
                            on:click={
                                let hit = hit.clone();
                                move |_| add(&hit)
                            }
                        >
                            "Add"
                        </button>
                    </li>
                </For>
            </ul>
        </div>
    }
}
