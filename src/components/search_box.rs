//! Finding catalog tracks by typing: results as the listener types, each one click from the
//! taste, marked once added. Each row names the album and year, which tell versions apart.

use encore_engine::TrackId;
use encore_engine::matching::ListenerTrack;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;

use crate::model::Workbench;
use crate::model::protocol::{Answer, Request};
use crate::model::taste::Source;
use crate::model::track::ShownTrack;

/// How many search results are listed.
const N_RESULTS: usize = 12;

/// The example in the search box: a query the catalog answers.
pub const EXAMPLE_QUERY: &str = "bowie starman";

/// The search box and its results.
#[component]
pub fn SearchBox() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let (query, set_query) = signal(String::new());
    let hits = RwSignal::new(Vec::<ShownTrack>::new());
    // The query the rows on screen answer: until a newer one's answer arrives, the last one's
    // rows stay (tests, and assistive tools, read which query they belong to).
    let answered = RwSignal::new(String::new());
    // Each keystroke asks the engine worker; a newer query supersedes an older one still out.
    Effect::new(move |_| {
        let query = query.get();
        if !bench.is_ready() || query.trim().is_empty() {
            hits.set(Vec::new());
            answered.set(String::new());
            return;
        }
        // Dropped with the next keystroke's run or with the box, never answering into it after.
        spawn_local_scoped_with_cancellation(async move {
            let request = Request::Search {
                query: query.clone(),
                limit: N_RESULTS,
            };
            if let Some(Answer::Found(found)) = bench.ask(request).await {
                hits.set(found);
                answered.set(query);
            }
        });
    });
    let add = move |hit: &ShownTrack| {
        let track = ListenerTrack {
            id: hit.id.parse::<TrackId>().ok(),
            title: hit.title.clone(),
            artists: hit.artists.clone(),
            album: hit.album.clone(),
            isrc: None,
        };
        bench.taste.update(|t| {
            t.add(Source::Search, [track]);
        });
    };
    view! {
        <div class="search">
            <label for="search-input">"Search the catalog by title or artist"</label>
            <input
                id="search-input"
                type="search"
                autocomplete="off"
                placeholder=format!("e.g. {EXAMPLE_QUERY}")
                data-testid="search-input"
                disabled=move || !bench.is_ready()
                prop:value=query
                on:input=move |ev| set_query.set(event_target_value(&ev))
            />
            <Show when=move || !query.get().trim().is_empty() && bench.is_ready()>
                <p class="hint" aria-live="polite">
                    {move || match hits.with(Vec::len) {
                        0 => "Nothing found. Check the spelling, or try fewer words.".to_owned(),
                        n => format!("{n} found; add the ones you love."),
                    }}
                </p>
            </Show>
            <ul class="search-results" data-testid="search-results" data-query=answered>
                <For each=move || hits.get() key=|h| h.track let:hit>
                    <SearchRow hit=hit add=add />
                </For>
            </ul>
        </div>
    }
}

/// One result, with its Add button (or "Added" once any source has it).
#[component]
fn SearchRow(hit: ShownTrack, add: impl Fn(&ShownTrack) + Copy + 'static) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let id = hit.id.parse::<TrackId>().ok();
    let added = Memo::new(move |_| id.is_some_and(|id| bench.taste.with(|t| t.has_id(id))));
    let title = hit.title.clone();
    view! {
        <li data-testid="search-result" data-track-id=hit.id.clone() class:added=added>
            <span class="track-title">{hit.title.clone()}</span>
            <span class="track-meta">{hit.byline_with_album()}</span>
            <button
                type="button"
                data-testid="add-pick"
                class:added=added
                disabled=added
                aria-label=move || {
                    if added.get() {
                        format!("Added {title} to your picks")
                    } else {
                        format!("Add {title} to your picks")
                    }
                }
                on:click={
                    let hit = hit.clone();
                    move |_| add(&hit)
                }
            >
                // The check mark is drawn by CSS (`.added`), so the accessible name, which starts
                // with the visible word, matches it.
                {move || if added.get() { "Added" } else { "Add" }}
            </button>
        </li>
    }
}
