//! The Spotify sources, once Spotify is connected: liked songs (paged, with progress and a cancel
//! button), top tracks for a period, one of the listener's playlists, recently played.

use leptos::prelude::*;

use crate::components::status::{ErrorMessage, ProgressBar};
use crate::error::AppError;
use crate::model::Workbench;
use crate::model::controls::count;
use crate::model::taste::{Source, thousands};
use crate::spotify::import::{self, Cancel, ImportProgress, PlaylistSummary, TimeRange};

/// What a Spotify import is doing, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Importing {
    Starting(Source),
    Paging(Source, ImportProgress),
}

impl Importing {
    fn label(self) -> String {
        match self {
            Importing::Starting(source) => format!("Importing {}…", source.label().to_lowercase()),
            Importing::Paging(source, p) => format!(
                "Importing {}: {} of {}{}",
                source.label().to_lowercase(),
                thousands(p.done),
                thousands(p.total),
                p.pause
                    .map(|pause| format!(". {}", pause.sentence()))
                    .unwrap_or_default()
            ),
        }
    }

    fn fraction(self) -> Option<f64> {
        match self {
            Importing::Paging(_, p) if p.total > 0 => Some(f64::from(p.done) / f64::from(p.total)),
            _ => None,
        }
    }
}

/// What the listener asked Spotify for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    Liked,
    Top(TimeRange),
    Recent,
    Playlist(String),
}

impl Request {
    /// Whether the import is the whole of its source (the library, the recent plays) rather than
    /// one more part of it (another playlist, another period's top tracks).
    fn is_whole_source(&self) -> bool {
        matches!(self, Request::Liked | Request::Recent)
    }

    fn source(&self) -> Source {
        match self {
            Request::Liked => Source::Liked,
            Request::Top(_) => Source::Top,
            Request::Recent => Source::Recent,
            Request::Playlist(_) => Source::Playlist,
        }
    }
}

/// One import at a time into the taste, with its progress, its outcome and a way to cancel.
#[derive(Clone, Copy)]
struct Importer {
    run: Action<Request, ()>,
    importing: RwSignal<Option<Importing>>,
    error: RwSignal<Option<AppError>>,
    /// What the last import added, for the status line.
    done: RwSignal<Option<String>>,
    cancel: StoredValue<Cancel>,
}

impl Importer {
    fn new(bench: Workbench) -> Self {
        let importing = RwSignal::new(None);
        let error = RwSignal::new(None);
        let done = RwSignal::new(None);
        let cancel = StoredValue::new(Cancel::default());
        let run = Action::new_local(move |request: &Request| {
            let request = request.clone();
            let stop = Cancel::default();
            cancel.set_value(stop.clone());
            async move {
                let source = request.source();
                error.set(None);
                done.set(None);
                importing.set(Some(Importing::Starting(source)));
                let progress = move |p| importing.set(Some(Importing::Paging(source, p)));
                let result = match &request {
                    Request::Liked => import::liked_songs(progress, &stop).await,
                    Request::Top(range) => import::top_tracks(*range).await,
                    Request::Recent => import::recently_played().await,
                    Request::Playlist(id) => import::playlist_tracks(id, progress, &stop).await,
                };
                importing.set(None);
                match result {
                    Ok(tracks) => {
                        let n_read = tracks.len();
                        let mut n_new = 0;
                        bench.taste.update(|t| {
                            n_new = if request.is_whole_source() {
                                t.replace(source, tracks)
                            } else {
                                t.add(source, tracks)
                            }
                        });
                        done.set(Some(format!(
                            "{}: {}, {} new.",
                            source.label(),
                            count(n_read, "track", "tracks"),
                            n_new
                        )));
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        });
        Self {
            run,
            importing,
            error,
            done,
            cancel,
        }
    }

    fn busy(&self) -> bool {
        self.run.pending().get()
    }
}

/// The Spotify sources.
#[component]
pub fn SpotifySources() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let importer = Importer::new(bench);
    let busy = move || importer.busy();
    let importing = importer.importing;
    view! {
        <div class="spotify-sources">
            <h3>"From Spotify"</h3>
            <div class="button-row">
                <button
                    type="button"
                    data-testid="source-liked"
                    disabled=busy
                    on:click=move |_| {
                        importer.run.dispatch(Request::Liked);
                    }
                >
                    "Liked songs"
                </button>
                <button
                    type="button"
                    data-testid="source-recent"
                    disabled=busy
                    on:click=move |_| {
                        importer.run.dispatch(Request::Recent);
                    }
                >
                    "Recently played"
                </button>
            </div>
            <TopTracks importer=importer />
            <PlaylistPicker importer=importer />
            <Show when=move || importing.get().is_some()>
                <ProgressBar
                    testid="import-progress"
                    label=Signal::derive(move || importing.get().map(Importing::label).unwrap_or_default())
                    fraction=Signal::derive(move || importing.get().and_then(Importing::fraction))
                />
                <button type="button" on:click=move |_| importer.cancel.with_value(Cancel::cancel)>
                    "Cancel"
                </button>
            </Show>
            <p class="hint" role="status">{move || importer.done.get()}</p>
            {move || importer.error.get().map(|e| view! { <ErrorMessage message=Signal::stored(e.to_string()) /> })}
        </div>
    }
}

/// Top tracks for a chosen period.
#[component]
fn TopTracks(importer: Importer) -> impl IntoView {
    let (range, set_range) = signal(TimeRange::MediumTerm);
    view! {
        <div class="field top-tracks">
            <label for="top-range">"Top tracks of the"</label>
            <div class="button-row">
                <select
                    id="top-range"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(r) = TimeRange::ALL.into_iter().find(|r| r.label() == value) {
                            set_range.set(r);
                        }
                    }
                >
                    {TimeRange::ALL
                        .into_iter()
                        .map(|r| {
                            view! {
                                <option value=r.label() selected=move || range.get() == r>
                                    {r.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button
                    type="button"
                    data-testid="source-top"
                    disabled=move || importer.busy()
                    on:click=move |_| {
                        importer.run.dispatch(Request::Top(range.get_untracked()));
                    }
                >
                    "Add top tracks"
                </button>
            </div>
        </div>
    }
}

/// "Choose a playlist", then the listener's playlists (fetched each time it is pressed).
#[component]
fn PlaylistPicker(importer: Importer) -> impl IntoView {
    let asked = RwSignal::new(0u32);
    view! {
        <button
            type="button"
            data-testid="source-playlists"
            on:click=move |_| asked.update(|n| *n += 1)
        >
            "Choose a playlist"
        </button>
        <Show when=move || asked.get() != 0>
            <PlaylistList importer=importer asked=asked />
        </Show>
    }
}

/// The listener's playlists as a resource. While "Choose a playlist" asks again, the list shown
/// stays until the new one arrives (a `LocalResource` keeps its last value while it reloads); a
/// refusal is explained in place. A plain match rather than `Transition` and `ErrorBoundary`,
/// which for this one list shipped 10 KB of suspense and error-hook code.
#[component]
fn PlaylistList(importer: Importer, asked: RwSignal<u32>) -> impl IntoView {
    let lists = LocalResource::new(move || {
        asked.track();
        import::playlists()
    });
    move || match lists.get() {
        None => view! { <p class="hint">"Reading your playlists…"</p> }.into_any(),
        Some(Ok(lists)) => view! { <Playlists lists=lists importer=importer /> }.into_any(),
        Some(Err(e)) => view! { <ErrorMessage message=Signal::stored(e.to_string()) /> }.into_any(),
    }
}

#[component]
fn Playlists(lists: Vec<PlaylistSummary>, importer: Importer) -> impl IntoView {
    view! {
        <ul class="playlists" aria-label="Your playlists">
            {lists
                .into_iter()
                .map(|p| {
                    let id = p.id.clone();
                    let readable = p.readable;
                    view! {
                        <li data-testid="playlist" data-playlist-id=p.id.clone()>
                            <span>
                                {format!("{} ({}, by {})", p.name, count(p.n_items as usize, "track", "tracks"), p.owner_name)}
                            </span>
                            <button
                                type="button"
                                disabled=move || !readable || importer.busy()
                                title=if readable { "" } else { "Spotify only lets Encore read playlists you own or collaborate on" }
                                on:click=move |_| {
                                    importer.run.dispatch(Request::Playlist(id.clone()));
                                }
                            >
                                "Use"
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
