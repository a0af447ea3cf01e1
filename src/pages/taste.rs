//! Choosing the taste: the listener's tracks from any mix of sources, and how many the catalog
//! knows.
//!
//! Sources without an account: an Exportify CSV (dropped onto the page or picked) and tracks
//! found by searching the catalog. With Spotify: liked songs (paged, with progress and a cancel
//! button), top tracks for a period, one of the listener's playlists, recently played; their
//! buttons stay disabled until Spotify is connected. Every source
//! adds to one [`TasteState`]; the match summary says how many of those tracks the catalog holds
//! and lists the ones it does not.

use encore_engine::csv_import::{self, Schema};
use std::collections::HashSet;

use encore_engine::TrackId;
use encore_engine::matching::{ListenerTrack, MatchReport};
use leptos::ev;
use leptos::prelude::*;
use thiserror::Error;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use crate::app::Workbench;
use crate::components::search_box::SearchBox;
use crate::components::status::{ErrorMessage, ProgressBar};
use crate::session::SessionContext;
use crate::spotify::import::{self, Cancel, ImportProgress, TimeRange};

/// Where a listener track came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Liked,
    Top,
    Playlist,
    Recent,
    Csv,
    Search,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Liked => "Liked songs",
            Source::Top => "Top tracks",
            Source::Playlist => "Playlist",
            Source::Recent => "Recently played",
            Source::Csv => "Exportify CSV",
            Source::Search => "Picked from search",
        }
    }
}

/// The listener's tracks from every source, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TasteState {
    pub tracks: Vec<(Source, ListenerTrack)>,
}

impl TasteState {
    /// Adds tracks from `source`, skipping ones that source already gave (the same id, or for a
    /// track without an id the same title and artists), so importing a file twice does not
    /// double it. Linear in the tracks (a hash set), so a 10,000-song library adds at once.
    pub fn add(&mut self, source: Source, tracks: impl IntoIterator<Item = ListenerTrack>) {
        #[derive(PartialEq, Eq, Hash)]
        enum Key {
            Id(TrackId),
            Text(String, Vec<String>),
        }
        let key = |t: &ListenerTrack| match t.id {
            Some(id) => Key::Id(id),
            None => Key::Text(t.title.clone(), t.artists.clone()),
        };
        let mut seen: HashSet<Key> = self
            .tracks
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, t)| key(t))
            .collect();
        for track in tracks {
            if seen.insert(key(&track)) {
                self.tracks.push((source, track));
            }
        }
    }

    pub fn remove_source(&mut self, source: Source) {
        self.tracks.retain(|(s, _)| *s != source);
    }

    pub fn remove_track(&mut self, index: usize) {
        if index < self.tracks.len() {
            self.tracks.remove(index);
        }
    }

    /// How many tracks each source gave, in source order.
    pub fn counts(&self) -> Vec<(Source, usize)> {
        let mut counts: Vec<(Source, usize)> = Vec::new();
        for (source, _) in &self.tracks {
            match counts.iter_mut().find(|(s, _)| s == source) {
                Some((_, n)) => *n += 1,
                None => counts.push((*source, 1)),
            }
        }
        counts.sort_unstable();
        counts
    }

    pub fn listener_tracks(&self) -> Vec<ListenerTrack> {
        self.tracks.iter().map(|(_, t)| t.clone()).collect()
    }
}

/// Why a dropped file gave no tracks, worded for the listener.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    #[error(
        "Encore could not read \"{0}\". Pick the file again; if it keeps failing, export the playlist from Exportify once more."
    )]
    Unreadable(String),
    #[error(
        "\"{0}\" is not an Exportify export (it has no \"Track URI\" column). Export a playlist at exportify.net and drop that CSV here."
    )]
    NotExportify(String),
    #[error(
        "\"{0}\" has no tracks Encore could read. Check that it is an Exportify export of a playlist with songs in it."
    )]
    Empty(String),
}

/// The listener tracks of an Exportify CSV's bytes.
pub fn exportify_tracks(bytes: &[u8], file_name: &str) -> Result<Vec<ListenerTrack>, CsvError> {
    let report = csv_import::read_tracks(bytes, file_name)
        .map_err(|_| CsvError::NotExportify(file_name.to_owned()))?;
    if report.schema != Schema::Exportify {
        return Err(CsvError::NotExportify(file_name.to_owned()));
    }
    let tracks: Vec<ListenerTrack> = report
        .tracks
        .into_iter()
        .map(|row| ListenerTrack {
            id: Some(row.id),
            title: row.title,
            artists: row.artists,
            album: row.album,
            isrc: None,
        })
        .collect();
    if tracks.is_empty() {
        return Err(CsvError::Empty(file_name.to_owned()));
    }
    Ok(tracks)
}

async fn read_file(file: File) -> Result<Vec<ListenerTrack>, CsvError> {
    let name = file.name();
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| CsvError::Unreadable(name.clone()))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    crate::app::yield_now().await;
    exportify_tracks(&bytes, &name)
}

/// The sentence of the match summary.
pub fn summary_sentence(report: &MatchReport, n_tracks: usize) -> String {
    let matched = report.n_matched_inputs();
    let distinct = report.matched.len();
    let mut out = format!("{matched} of {n_tracks} of your tracks are in Encore's catalog");
    if distinct != matched {
        out.push_str(&format!(" ({distinct} different songs)"));
    }
    out.push('.');
    if matched == 0 {
        out.push_str(" Add more tracks, or other sources, to get recommendations.");
    }
    out
}

/// The CSV drop zone and file picker.
#[component]
fn CsvSource() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let (error, set_error) = signal(None::<String>);
    let (dragging, set_dragging) = signal(false);
    let import = Action::new_local(move |file: &File| {
        let file = file.clone();
        async move {
            match read_file(file).await {
                Ok(tracks) => {
                    set_error.set(None);
                    bench.taste.update(|t| t.add(Source::Csv, tracks));
                }
                Err(e) => set_error.set(Some(e.to_string())),
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
            <Show when=move || error.get().is_some()>
                <ErrorMessage message=Signal::derive(move || error.get().unwrap_or_default()) />
            </Show>
        </div>
    }
}

/// `1250` as `1,250`, for progress lines.
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

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

/// The Spotify sources: usable once Spotify is connected.
#[component]
fn SpotifySources() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let session = expect_context::<SessionContext>();
    let logged_in = move || session.is_logged_in();
    let (importing, set_importing) = signal(None::<Importing>);
    let (error, set_error) = signal(None::<String>);
    let (range, set_range) = signal(TimeRange::MediumTerm);
    let cancel = StoredValue::new(Cancel::default());
    let import = Action::new_local(move |request: &Request| {
        let request = request.clone();
        let stop = Cancel::default();
        cancel.set_value(stop.clone());
        async move {
            let source = match request {
                Request::Liked => Source::Liked,
                Request::Top(_) => Source::Top,
                Request::Recent => Source::Recent,
                Request::Playlist(_) => Source::Playlist,
            };
            set_error.set(None);
            set_importing.set(Some(Importing::Starting(source)));
            let progress = move |p| set_importing.set(Some(Importing::Paging(source, p)));
            let result = match &request {
                Request::Liked => import::liked_songs(progress, &stop).await,
                Request::Top(range) => import::top_tracks(*range).await,
                Request::Recent => import::recently_played().await,
                Request::Playlist(id) => import::playlist_tracks(id, progress, &stop).await,
            };
            set_importing.set(None);
            match result {
                Ok(tracks) => bench.taste.update(|t| t.add(source, tracks)),
                Err(e) => set_error.set(Some(e.to_string())),
            }
        }
    });
    let list_playlists = Action::new_local(|_: &()| import::playlists());
    let busy = move || import.pending().get();
    view! {
        <div class="spotify-sources">
            <h3>"From Spotify"</h3>
            <Show when=move || !logged_in()>
                <p class="hint">"Connect Spotify on the first screen to use your library."</p>
            </Show>
            <div class="button-row">
                <button
                    type="button"
                    data-testid="source-liked"
                    disabled=move || !logged_in() || busy()
                    on:click=move |_| {
                        import.dispatch(Request::Liked);
                    }
                >
                    "Liked songs"
                </button>
                <button
                    type="button"
                    data-testid="source-recent"
                    disabled=move || !logged_in() || busy()
                    on:click=move |_| {
                        import.dispatch(Request::Recent);
                    }
                >
                    "Recently played"
                </button>
            </div>
            <div class="field top-tracks">
                <label for="top-range">"Top tracks of the"</label>
                <div class="button-row">
                    <select
                        id="top-range"
                        disabled=move || !logged_in()
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
                        disabled=move || !logged_in() || busy()
                        on:click=move |_| {
                            import.dispatch(Request::Top(range.get_untracked()));
                        }
                    >
                        "Add top tracks"
                    </button>
                </div>
            </div>
            <button
                type="button"
                data-testid="source-playlists"
                disabled=move || !logged_in() || list_playlists.pending().get()
                on:click=move |_| {
                    list_playlists.dispatch(());
                }
            >
                "Choose a playlist"
            </button>
            {move || match list_playlists.value().get() {
                Some(Ok(lists)) => {
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
                                                {format!("{} ({} tracks, by {})", p.name, p.n_items, p.owner_name)}
                                            </span>
                                            <button
                                                type="button"
                                                disabled=move || !readable || busy()
                                                title=if readable { "" } else { "Spotify only lets Encore read playlists you own or collaborate on" }
                                                on:click=move |_| {
                                                    import.dispatch(Request::Playlist(id.clone()));
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
                        .into_any()
                }
                Some(Err(e)) => view! { <ErrorMessage message=Signal::stored(e.to_string()) /> }.into_any(),
                None => ().into_any(),
            }}
            <Show when=move || importing.get().is_some()>
                <ProgressBar
                    testid="import-progress"
                    label=Signal::derive(move || importing.get().map(Importing::label).unwrap_or_default())
                    fraction=Signal::derive(move || importing.get().and_then(Importing::fraction))
                />
                <button type="button" on:click=move |_| cancel.with_value(Cancel::cancel)>
                    "Cancel"
                </button>
            </Show>
            <Show when=move || error.get().is_some()>
                <ErrorMessage message=Signal::derive(move || error.get().unwrap_or_default()) />
            </Show>
        </div>
    }
}

/// What has been added, per source, with a way to take it out again.
#[component]
fn ChosenSources() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let counts = Memo::new(move |_| bench.taste.with(TasteState::counts));
    view! {
        <Show when=move || !counts.get().is_empty()>
            <ul class="chosen-sources" aria-label="Your chosen sources">
                <For each=move || counts.get() key=|c| *c let:count>
                    <li>
                        <span>{format!("{}: {} tracks", count.0.label(), count.1)}</span>
                        <button
                            type="button"
                            class="link-button"
                            on:click=move |_| bench.taste.update(|t| t.remove_source(count.0))
                        >
                            {format!("Remove {}", count.0.label().to_lowercase())}
                        </button>
                    </li>
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
                <CsvSource />
                <SearchBox />
                <SpotifySources />
            </div>
            <ChosenSources />
            <MatchSummary />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: Option<u128>, title: &str) -> ListenerTrack {
        ListenerTrack {
            id: id.map(TrackId),
            title: title.into(),
            artists: vec!["A".into()],
            ..Default::default()
        }
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_250), "1,250");
        assert_eq!(thousands(8_431_000), "8,431,000");
    }

    #[test]
    fn sources_combine_without_doubling_and_can_be_removed() {
        let mut taste = TasteState::default();
        taste.add(Source::Csv, [track(Some(1), "x"), track(Some(2), "y")]);
        taste.add(Source::Csv, [track(Some(1), "x")]);
        taste.add(Source::Search, [track(Some(1), "x"), track(None, "z")]);
        taste.add(Source::Search, [track(None, "z")]);
        assert_eq!(taste.counts(), vec![(Source::Csv, 2), (Source::Search, 2)]);
        taste.remove_source(Source::Csv);
        assert_eq!(taste.counts(), vec![(Source::Search, 2)]);
    }

    #[test]
    fn exportify_csv_becomes_listener_tracks_and_other_files_are_explained() {
        let csv = "\u{feff}Track URI,Track Name,Artist Name(s),Album Name\n\
                   spotify:track:5SuOikwiRyPMVoIQDJUgSV,Everybody,Alpha;Beta,Album\n";
        let tracks = exportify_tracks(csv.as_bytes(), "mine.csv").unwrap();
        assert_eq!(tracks.len(), 1);
        assert_eq!(
            tracks[0].id.map(|i| i.to_string()).as_deref(),
            Some("5SuOikwiRyPMVoIQDJUgSV")
        );
        assert_eq!(tracks[0].title, "Everybody");
        let err = exportify_tracks(b"name,age\nbob,3\n", "people.csv").unwrap_err();
        assert_eq!(err, CsvError::NotExportify("people.csv".into()));
        assert!(err.to_string().contains("exportify.net"));
    }
}
