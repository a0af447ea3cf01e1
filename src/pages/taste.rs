//! Choosing the taste: the listener's tracks from any mix of sources, and how many the catalog
//! knows.
//!
//! Sources without an account: an Exportify CSV (dropped onto the page or picked) and tracks
//! found by searching the catalog. With Spotify ([`spotify_sources`]): liked songs, top tracks,
//! a playlist, recently played; a guest sees one line offering Spotify instead. Every source adds
//! to one [`TasteState`]; the picks are listed by source, each with its own remove button, and the
//! match summary says how many of those tracks the catalog holds and lists the ones it does not.
//!
//! [`spotify_sources`]: super::spotify_sources
//! [`TasteState`]: crate::model::taste::TasteState

use encore_engine::matching::ListenerTrack;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use crate::components::search_box::SearchBox;
use crate::components::status::{ErrorMessage, ProgressBar};
use crate::model::controls::count;
use crate::model::taste::{
    CsvError, CsvTracks, PickKey, Source, exportify_tracks, summary_sentence,
};
use crate::model::{Entry, Workbench};
use crate::pages::connect::choose_spotify;
use crate::pages::spotify_sources::SpotifySources;
use crate::runtime::yield_now;
use crate::session::SessionContext;

/// Picks listed per source before "Show more".
const PICKS_PAGE: usize = 25;

async fn read_file(file: File) -> Result<CsvTracks, CsvError> {
    let name = file.name();
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| CsvError::Unreadable(name.clone()))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    yield_now().await;
    exportify_tracks(&bytes, &name)
}

/// The CSV drop zone and file picker.
#[component]
fn CsvSource() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let (error, set_error) = signal(None::<CsvError>);
    let (added, set_added) = signal(None::<String>);
    let (dragging, set_dragging) = signal(false);
    let import = Action::new_local(move |file: &File| {
        let file = file.clone();
        async move {
            match read_file(file).await {
                Ok(CsvTracks { tracks, skipped }) => {
                    set_error.set(None);
                    let n_read = tracks.len();
                    let mut n_new = 0;
                    bench.taste.update(|t| n_new = t.add(Source::Csv, tracks));
                    let skipped = skipped.map(|s| format!(" {s}.")).unwrap_or_default();
                    set_added.set(Some(format!(
                        "Read {}: {} new.{skipped}",
                        count(n_read, "track", "tracks"),
                        n_new
                    )));
                }
                Err(e) => {
                    set_added.set(None);
                    set_error.set(Some(e));
                }
            }
        }
    });
    let take = move |files: Option<web_sys::FileList>| {
        if let Some(file) = files.and_then(|f| f.get(0)) {
            import.dispatch(file);
        }
    };
    // A file dropped anywhere on the page is taken (rather than the browser opening it in place
    // of Encore); the zone only lights up while something is dragged over the window.
    let over = window_event_listener(ev::dragover, move |ev| {
        ev.prevent_default();
        set_dragging.set(true);
    });
    let leave = window_event_listener(ev::dragleave, move |_| set_dragging.set(false));
    let drop = window_event_listener(ev::drop, move |ev| {
        ev.prevent_default();
        set_dragging.set(false);
        take(ev.data_transfer().and_then(|d| d.files()));
    });
    on_cleanup(move || {
        over.remove();
        leave.remove();
        drop.remove();
    });
    view! {
        <div class="drop-zone" class:dragging=dragging>
            <label for="csv-file">"Exportify CSV: drop it anywhere on the page, or pick it"</label>
            <input
                id="csv-file"
                type="file"
                accept=".csv,text/csv"
                data-testid="source-csv"
                on:change=move |ev| {
                    let input = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                    take(input.as_ref().and_then(|i| i.files()));
                    if let Some(input) = input {
                        input.set_value("");
                    }
                }
            />
            <p class="hint">
                "Export a playlist or your liked songs at exportify.net, then drop the file. It is read here and never uploaded."
            </p>
            <Show when=move || import.pending().get()>
                <ProgressBar
                    testid="import-progress"
                    label=Signal::derive(|| "Reading the CSV…".to_owned())
                    fraction=Signal::derive(|| None)
                />
            </Show>
            <p class="hint" role="status">{added}</p>
            {move || error.get().map(|e| view! { <ErrorMessage message=Signal::stored(e.to_string()) /> })}
        </div>
    }
}

/// For a guest: Spotify offered in one line.
#[component]
fn SpotifyOffer() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    view! {
        <p class="spotify-offer" data-testid="spotify-offer">
            "Have Spotify? "
            <button type="button" class="link-button" on:click=move |_| choose_spotify(bench)>
                "Connect Spotify"
            </button>
            " to add your liked songs, top tracks and playlists."
        </p>
    }
}

/// One source's picks: title, artist and year each, with a remove button, and the source as a
/// whole.
#[component]
fn SourcePicks(source: Source, n_tracks: Signal<usize>) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let shown = RwSignal::new(PICKS_PAGE);
    let picks = Memo::new(move |_| bench.taste.with(|t| t.picks(source, shown.get())));
    let year =
        move |track: &ListenerTrack| bench.years.with(|y| y.get(&PickKey::of(track)).copied());
    view! {
        <li class="source-picks" data-testid=format!("picks-{}", source.slug())>
            <div class="source-head">
                <span class="source-name">
                    {move || format!("{}: {}", source.label(), count(n_tracks.get(), "track", "tracks"))}
                </span>
                <button
                    type="button"
                    class="link-button"
                    data-testid="remove-source"
                    on:click=move |_| bench.taste.update(|t| t.remove_source(source))
                >
                    {format!("Remove {}", source.label().to_lowercase())}
                </button>
            </div>
            <ul class="picks" aria-label=format!("{}: your picks", source.label())>
                <For each=move || picks.get() key=PickKey::of let:pick>
                    {
                        let key = PickKey::of(&pick);
                        let title = pick.title.clone();
                        let track_id = pick.id.map(|id| id.to_string()).unwrap_or_default();
                        let byline = {
                            let pick = pick.clone();
                            move || {
                                let mut line = pick.artists.join(", ");
                                if let Some(y) = year(&pick) {
                                    line.push_str(&format!(" · {y}"));
                                }
                                line
                            }
                        };
                        view! {
                            <li data-testid="pick" data-track-id=track_id>
                                <span class="track-title">{pick.title.clone()}</span>
                                <span class="track-meta">{byline}</span>
                                <button
                                    type="button"
                                    data-testid="remove-pick"
                                    aria-label=format!("Remove {title} from your picks")
                                    on:click=move |_| bench.taste.update(|t| t.remove_pick(source, &key))
                                >
                                    "Remove"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || { n_tracks.get() > shown.get() }>
                <button type="button" class="link-button" on:click=move |_| shown.update(|n| *n += PICKS_PAGE)>
                    {move || format!("Show more ({} not shown)", n_tracks.get().saturating_sub(shown.get()))}
                </button>
            </Show>
        </li>
    }
}

/// Every source's picks.
#[component]
fn Picks() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let counts = Memo::new(move |_| bench.taste.with(|t| t.counts()));
    let sources =
        Memo::new(move |_| counts.with(|c| c.iter().map(|(s, _)| *s).collect::<Vec<_>>()));
    view! {
        <Show when=move || !counts.with(Vec::is_empty)>
            <h3 id="picks-heading">"Your picks"</h3>
            <ul class="chosen-sources" aria-labelledby="picks-heading">
                <For each=move || sources.get() key=|s| *s let:source>
                    <SourcePicks
                        source=source
                        n_tracks=Signal::derive(move || {
                            counts.with(|c| c.iter().find(|(s, _)| *s == source).map_or(0, |(_, n)| *n))
                        })
                    />
                </For>
            </ul>
        </Show>
    }
}

/// How many tracks matched, and the ones that did not.
#[component]
fn MatchSummary() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let report = bench.report;
    let n_tracks = move || bench.taste.with(|t| t.tracks.len());
    view! {
        <Show when=move || n_tracks() != 0>
            <section class="match-summary" data-testid="match-summary" aria-live="polite">
                {move || match report.get() {
                    Some(report) => {
                        let sentence = summary_sentence(&report, n_tracks());
                        let unmatched = report.unmatched.clone();
                        let n_unmatched = unmatched.len();
                        view! {
                            <p>{sentence}</p>
                            <Show when=move || n_unmatched != 0>
                                <details>
                                    <summary>{format!("See the {n_unmatched} not found")}</summary>
                                    <ul class="unmatched">
                                        {unmatched
                                            .iter()
                                            .map(|t| {
                                                view! {
                                                    <li>{format!("{} — {}", t.title, t.artists.join(", "))}</li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </details>
                            </Show>
                        }
                            .into_any()
                    }
                    None => view! { <p>"Matching waits for the catalog to finish loading…"</p> }.into_any(),
                }}
            </section>
        </Show>
    }
}

/// The taste screen.
#[component]
pub fn TastePanel() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let session = expect_context::<SessionContext>();
    let with_spotify = move || bench.entry.get() == Entry::Spotify && session.is_logged_in();
    // Keyboard and screen-reader users land on the first step once they are past the welcome.
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <section class="panel" aria-labelledby="taste-heading">
            <h2 id="taste-heading" tabindex="-1" node_ref=heading>
                "1. Your taste"
            </h2>
            <p>"Add tracks you love from any of these; they combine."</p>
            <div class="sources">
                <SearchBox />
                <CsvSource />
                <Show when=with_spotify>
                    <SpotifySources />
                </Show>
            </div>
            <Show when=move || !with_spotify()>
                <SpotifyOffer />
            </Show>
            <Picks />
            <MatchSummary />
        </section>
    }
}
