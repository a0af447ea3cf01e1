//! Recommending: the method, the steering controls, the results and what to do with them.
//!
//! The controls are one plain [`Controls`] value turned into the engine's
//! [`Options`] by [`Controls::options`]. Once the listener has pressed "Recommend", every change
//! of a control or of the taste re-runs the recommender after a short pause (a debounce), so
//! dragging a slider does not queue a ranking per pixel.

use std::time::Duration;

use encore_engine::recommend::{Job, Method, Nudge, Options, RecommendError, Recommendation};
use encore_engine::{Catalog, Feature, TrackIdx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::app::{Engine, Workbench, timed, yield_now};
use crate::components::result_card::ResultCard;
use crate::components::status::ErrorMessage;
use crate::session::SessionContext;
use crate::spotify;

/// Wait after the last control change before recommending again.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// The features the listener can nudge, with the words at each end of the slider.
pub const NUDGED: [(Feature, &str, &str, &str); 5] = [
    (Feature::Energy, "Energy", "calmer", "more energetic"),
    (Feature::Valence, "Mood", "sadder", "happier"),
    (Feature::Danceability, "Danceability", "less", "more"),
    (
        Feature::Acousticness,
        "Acousticness",
        "more electric",
        "more acoustic",
    ),
    (Feature::TempoBpm, "Tempo", "slower", "faster"),
];

/// Everything the listener sets, as the controls hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Controls {
    pub method: Method,
    pub k: usize,
    /// Per [`NUDGED`] feature, -100..=100 (percent of the strongest nudge).
    pub nudges: [i32; NUDGED.len()],
    /// The era, inclusive.
    pub years: (u16, u16),
    /// -100 (hidden gems) ..= 100 (hits).
    pub popularity: i32,
    /// At most this many per artist; 0 for no limit.
    pub max_per_artist: usize,
    /// Leave out other versions of the songs the listener has.
    pub leave_out_owned: bool,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            method: Method::default(),
            k: 20,
            nudges: [0; NUDGED.len()],
            years: (0, u16::MAX),
            popularity: 0,
            max_per_artist: 2,
            leave_out_owned: true,
        }
    }
}

/// The strongest nudge, in catalog standard deviations (the engine's useful range is about 2).
const MAX_NUDGE_SD: f32 = 2.0;

impl Controls {
    /// The engine options. `catalog_years` is the catalog's whole era: when the chosen range
    /// covers it, no year filter is set (which would drop tracks of unknown year).
    pub fn options(&self, catalog_years: (u16, u16), exclude: Vec<TrackIdx>) -> Options {
        let nudges = NUDGED
            .iter()
            .zip(self.nudges)
            .filter(|(_, v)| *v != 0)
            .map(|((feature, ..), v)| Nudge {
                feature: *feature,
                amount: v as f32 / 100.0 * MAX_NUDGE_SD,
            })
            .collect();
        let whole_era = self.years.0 <= catalog_years.0 && self.years.1 >= catalog_years.1;
        Options {
            k: self.k.clamp(1, 100),
            exclude,
            max_per_artist: (self.max_per_artist > 0).then_some(self.max_per_artist),
            years: (!whole_era).then_some(self.years),
            nudges,
            popularity: (self.popularity as f32 / 100.0).clamp(-1.0, 1.0),
        }
    }
}

/// The first and last known release year in the catalog.
pub fn catalog_years(catalog: &Catalog) -> (u16, u16) {
    let known = catalog.years.iter().copied().filter(|&y| y != 0);
    let (min, max) = known.fold((u16::MAX, 0), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if min > max { (1950, 2025) } else { (min, max) }
}

/// One recommendation as shown and exported.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub track: TrackIdx,
    pub id: String,
    pub title: String,
    pub artists: Vec<String>,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    pub why: String,
}

impl Shown {
    pub fn new(catalog: &Catalog, rec: &Recommendation) -> Self {
        let t = rec.track;
        Self {
            track: t,
            id: catalog.ids[t.get()].to_string(),
            title: catalog.title(t).to_owned(),
            artists: catalog.artist_names(t).map(str::to_owned).collect(),
            year: catalog.year(t),
            genres: catalog.genre_names(t).map(str::to_owned).collect(),
            why: rec.explanation.sentence(catalog),
        }
    }

    pub fn link(&self) -> String {
        format!("https://open.spotify.com/track/{}", self.id)
    }
}

/// Every link, one per line, for the clipboard.
pub fn links(recs: &[Shown]) -> String {
    recs.iter().map(Shown::link).collect::<Vec<_>>().join("\n")
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The list as CSV: rank, title, artists, year, genres, why, link.
pub fn recs_csv(recs: &[Shown]) -> String {
    let mut out = String::from("rank,title,artists,year,genres,why,link\n");
    for (i, r) in recs.iter().enumerate() {
        let year = r.year.map(|y| y.to_string()).unwrap_or_default();
        let fields = [
            (i + 1).to_string(),
            csv_field(&r.title),
            csv_field(&r.artists.join("; ")),
            year,
            csv_field(&r.genres.join("; ")),
            csv_field(&r.why),
            r.link(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// The sentence for a request the engine refused.
fn refusal(e: &RecommendError) -> String {
    match e {
        RecommendError::NoSeeds => {
            "None of your tracks are in the catalog yet, so there is nothing to go on. Add tracks from another source or the search box.".to_owned()
        }
        RecommendError::EmptyYears(..) => {
            "The era range is empty. Move the \"from\" year below the \"to\" year.".to_owned()
        }
        other => format!("Encore could not make recommendations ({other}). Change the settings and try again."),
    }
}

/// Every version of every song the listener has: what "leave out what I already have" leaves out.
fn owned_versions(engine: &Engine, seeds: &[TrackIdx]) -> Vec<TrackIdx> {
    seeds
        .iter()
        .flat_map(|&s| engine.matcher.versions(&engine.catalog, s))
        .collect()
}

/// Starts a request for the current taste and controls; [`Recommender::advance`] answers it.
///
/// [`Recommender::advance`]: encore_engine::recommend::Recommender::advance
fn begin(
    engine: &Engine,
    seeds: &[TrackIdx],
    owned: &[TrackIdx],
    controls: &Controls,
) -> Result<Job, String> {
    let exclude = if controls.leave_out_owned {
        owned.to_vec()
    } else {
        Vec::new()
    };
    let options = controls.options(catalog_years(&engine.catalog), exclude);
    engine
        .recommender
        .begin(controls.method, seeds, &options)
        .map_err(|e| refusal(&e))
}

fn download_csv(text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(&url);
    anchor.set_download("encore-recommendations.csv");
    anchor.click();
    web_sys::Url::revoke_object_url(&url).ok()
}

/// A labelled range slider bound to one number.
#[component]
fn Slider(
    id: &'static str,
    label: String,
    min: i32,
    max: i32,
    #[prop(optional)] step: Option<i32>,
    value: Signal<i32>,
    on_input: impl Fn(i32) + 'static,
    /// Says the current value in words (also read out by screen readers).
    describe: impl Fn(i32) -> String + Send + Sync + 'static,
) -> impl IntoView {
    let text = Signal::derive(move || describe(value.get()));
    view! {
        <div class="slider">
            <label for=id>{label}</label>
            <input
                id=id
                type="range"
                min=min
                max=max
                step=step.unwrap_or(1)
                prop:value=move || value.get().to_string()
                aria-valuetext=text
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse() {
                        on_input(v);
                    }
                }
            />
            <output for=id>{text}</output>
        </div>
    }
}

fn lean(v: i32, less: &str, more: &str) -> String {
    match v {
        0 => "as you are".to_owned(),
        v if v < 0 => format!("{}% {less}", -v),
        v => format!("{v}% {more}"),
    }
}

/// The recommendation screen.
#[component]
pub fn RecommendPanel() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let controls = RwSignal::new(Controls::default());
    let requested = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // A request is being answered.
    let working = RwSignal::new(false);
    // The method behind the list on screen (the select may already show another one).
    let answered_by = RwSignal::new(Method::default());
    let era = Memo::new(move |_| {
        bench.ready.get();
        bench
            .with_engine(|e| catalog_years(&e.catalog))
            .unwrap_or((1950, 2025))
    });
    // The era slider starts at the catalog's whole range once it is known.
    Effect::new(move |_| {
        let (lo, hi) = era.get();
        controls.update(|c| c.years = (lo, hi));
    });
    // Each request gets a number; a request still in progress when a newer one starts stops at
    // its next piece, so only the latest settings ever reach the list.
    let latest = StoredValue::new(0u64);
    // Finding every version of thousands of songs takes a while: once per taste, not per slider.
    let owned = Memo::new(move |_| {
        bench.report.with(|r| {
            r.as_ref()
                .and_then(|r| {
                    bench.with_engine(|e| timed("owned-versions", || owned_versions(e, &r.matched)))
                })
                .unwrap_or_default()
        })
    });
    let run = move || {
        // Only the matched tracks: the report also holds every unmatched one.
        let Some(seeds) = bench
            .report
            .with_untracked(|r| r.as_ref().map(|r| r.matched.clone()))
        else {
            return;
        };
        let c = controls.get_untracked();
        latest.update_value(|n| *n += 1);
        let mine = latest.get_value();
        spawn_local(async move {
            // Read before borrowing the engine: computing it borrows the engine too.
            let owned = owned.get_untracked();
            let mut job = match bench
                .with_engine(|e| timed("recommend-begin", || begin(e, &seeds, &owned, &c)))
            {
                Some(Ok(job)) => job,
                Some(Err(message)) => {
                    error.set(Some(message));
                    bench.recs.set(Vec::new());
                    working.set(false);
                    return;
                }
                None => return,
            };
            working.set(true);
            // Most methods answer in one piece; `knn` over a large library ranks a batch of
            // seeds per piece. Each piece is a task of its own: the page paints and takes input
            // between them, and a newer request stops this one at the next piece.
            loop {
                yield_now().await;
                if latest.get_value() != mine {
                    return;
                }
                let answer = bench.with_engine_mut(|e| {
                    timed("recommend-piece", || {
                        let recs = e.recommender.advance(&mut job)?;
                        Some(
                            recs.iter()
                                .map(|r| Shown::new(&e.catalog, r))
                                .collect::<Vec<_>>(),
                        )
                    })
                });
                match answer {
                    Some(Some(recs)) => {
                        // Showing the list (cards, map, charts) is a task of its own.
                        yield_now().await;
                        if latest.get_value() != mine {
                            return;
                        }
                        timed("recommend-show", || {
                            error.set(None);
                            answered_by.set(c.method);
                            bench.recs.set(recs);
                        });
                        working.set(false);
                        return;
                    }
                    Some(None) => {}
                    None => return,
                }
            }
        });
    };
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::new(move |_| {
        controls.track();
        bench.report.track();
        if !requested.get_untracked() {
            return;
        }
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(set_timeout_with_handle(run, DEBOUNCE).ok());
    });
    let set_nudge = move |i: usize, v: i32| controls.update(|c| c.nudges[i] = v);
    let has_seeds = move || {
        bench
            .report
            .with(|r| r.as_ref().is_some_and(|r| !r.matched.is_empty()))
    };

    view! {
        <section class="panel" aria-labelledby="recommend-heading">
            <h2 id="recommend-heading">"2. Recommendations"</h2>
            <div class="controls">
                <div class="field method">
                    <label for="method">"Method"</label>
                    <select
                        id="method"
                        data-testid="method-select"
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse::<Method>() {
                                controls.update(|c| c.method = m);
                            }
                        }
                    >
                        {Method::ALL
                            .iter()
                            .map(|m| {
                                let m = *m;
                                view! {
                                    <option value=m.name() selected=move || controls.with(|c| c.method == m)>
                                        {m.name()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="hint method-description">
                        {move || controls.with(|c| c.method.description())}
                    </p>
                </div>
                <Slider
                    id="count"
                    label="Number of results".to_owned()
                    min=10
                    max=100
                    step=5
                    value=Signal::derive(move || controls.with(|c| c.k as i32))
                    on_input=move |v| controls.update(|c| c.k = v.clamp(10, 100) as usize)
                    describe=|v| format!("{v} tracks")
                />
                {NUDGED
                    .iter()
                    .enumerate()
                    .map(|(i, (feature, label, less, more))| {
                        let (less, more) = (*less, *more);
                        view! {
                            <Slider
                                id=feature.csv_name()
                                label=(*label).to_owned()
                                min=-100
                                max=100
                                step=5
                                value=Signal::derive(move || controls.with(|c| c.nudges[i]))
                                on_input=move |v| set_nudge(i, v)
                                describe=move |v| lean(v, less, more)
                            />
                        }
                    })
                    .collect_view()}
                <Slider
                    id="popularity"
                    label="Hidden gems to hits".to_owned()
                    min=-100
                    max=100
                    step=5
                    value=Signal::derive(move || controls.with(|c| c.popularity))
                    on_input=move |v| controls.update(|c| c.popularity = v)
                    describe=|v| lean(v, "hidden gems", "hits")
                />
                <Slider
                    id="year-from"
                    label="From year".to_owned()
                    min=era.get_untracked().0 as i32
                    max=era.get_untracked().1 as i32
                    value=Signal::derive(move || controls.with(|c| c.years.0 as i32))
                    on_input=move |v| controls.update(|c| c.years.0 = v as u16)
                    describe=|v| v.to_string()
                />
                <Slider
                    id="year-to"
                    label="To year".to_owned()
                    min=era.get_untracked().0 as i32
                    max=era.get_untracked().1 as i32
                    value=Signal::derive(move || controls.with(|c| c.years.1 as i32))
                    on_input=move |v| controls.update(|c| c.years.1 = v as u16)
                    describe=|v| v.to_string()
                />
                <Slider
                    id="per-artist"
                    label="At most per artist".to_owned()
                    min=0
                    max=10
                    value=Signal::derive(move || controls.with(|c| c.max_per_artist as i32))
                    on_input=move |v| controls.update(|c| c.max_per_artist = v.max(0) as usize)
                    describe=|v| if v == 0 { "no limit".to_owned() } else { format!("{v} per artist") }
                />
                <div class="field checkbox">
                    <input
                        id="leave-out"
                        type="checkbox"
                        prop:checked=move || controls.with(|c| c.leave_out_owned)
                        on:change=move |ev| controls.update(|c| c.leave_out_owned = event_target_checked(&ev))
                    />
                    <label for="leave-out">"Leave out what I already have (other versions too)"</label>
                </div>
            </div>
            <button
                type="button"
                class="primary"
                data-testid="recommend"
                disabled=move || !bench.ready.get()
                on:click=move |_| {
                    requested.set(true);
                    run();
                }
            >
                "Recommend"
            </button>
            <p class="hint" role="status">{move || working.get().then_some("Updating the list…")}</p>
            <Show when=move || !has_seeds() && !requested.get()>
                <p class="hint">"Add some tracks above first: recommendations start from them."</p>
            </Show>
            <Show when=move || error.get().is_some()>
                <ErrorMessage message=Signal::derive(move || error.get().unwrap_or_default()) />
            </Show>
            <Results method=answered_by.into() />
        </section>
    }
}

/// The list, and saving or exporting it.
#[component]
fn Results(method: Signal<Method>) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let recs = bench.recs;
    let (notice, set_notice) = signal(None::<String>);
    let session = expect_context::<SessionContext>();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    // The playlist's name and description are reset when a list by another method arrives (the
    // description names it); edits in between are kept.
    Effect::new(move |_| {
        let m = method.get();
        name.set(format!("Encore: {} picks", m.name()));
        description.set(format!(
            "Recommended by Encore's {} method. {}",
            m.name(),
            m.description()
        ));
    });
    let copy = move |_| {
        let text = recs.with(|r| links(r));
        let n = recs.with(Vec::len);
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            set_notice.set(Some(format!("Copied {n} links.")));
        }
    };
    let download = move |_| {
        if download_csv(&recs.with(|r| recs_csv(r))).is_none() {
            set_notice.set(Some(
                "Your browser would not start the download. Copy the links instead.".to_owned(),
            ));
        }
    };
    let save = Action::new_local(move |_: &()| {
        let uris: Vec<String> = recs.with(|r| {
            r.iter()
                .map(|s| format!("spotify:track:{}", s.id))
                .collect()
        });
        let (name, description) = (name.get_untracked(), description.get_untracked());
        async move {
            if !session.is_logged_in() {
                return Err(
                    "Connect Spotify to save this list as a playlist. Without an account you can copy the links or download the CSV.".to_owned(),
                );
            }
            spotify::save_playlist(&name, &description, &uris)
                .await
                .map_err(|e| e.to_string())
        }
    });
    view! {
        <Show when=move || !recs.with(Vec::is_empty)>
            <ol class="results" aria-label="Recommended tracks" data-method=move || method.get().name()>
                <For each=move || recs.get() key=|r| r.track let:rec>
                    <ResultCard rec=rec />
                </For>
            </ol>
            <div class="save">
                <h3>"Keep this list"</h3>
                <div class="field">
                    <label for="playlist-name">"Playlist name"</label>
                    <input id="playlist-name" type="text" bind:value=name />
                </div>
                <div class="field">
                    <label for="playlist-description">"Description"</label>
                    <textarea id="playlist-description" rows="2" bind:value=description></textarea>
                </div>
                <div class="button-row">
                    <button
                        type="button"
                        class="primary"
                        data-testid="save-playlist"
                        disabled=move || save.pending().get()
                        on:click=move |_| {
                            save.dispatch(());
                        }
                    >
                        {move || if save.pending().get() { "Saving…" } else { "Save as playlist" }}
                    </button>
                    <button type="button" on:click=copy>"Copy all links"</button>
                    <button type="button" on:click=download>"Download CSV"</button>
                </div>
                {move || match save.value().get() {
                    Some(Ok(saved)) => {
                        view! {
                            <p class="saved">
                                {format!("Saved \"{}\" with {} tracks: ", name.get_untracked(), saved.n_tracks)}
                                <a
                                    href=saved.url.clone()
                                    target="_blank"
                                    rel="noopener noreferrer"
                                    data-testid="saved-playlist-link"
                                >
                                    "open it on Spotify"
                                </a>
                            </p>
                        }
                            .into_any()
                    }
                    Some(Err(message)) => view! { <ErrorMessage message=Signal::stored(message) /> }.into_any(),
                    None => ().into_any(),
                }}
                <p class="hint" aria-live="polite">{notice}</p>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_engine_options() {
        let mut c = Controls {
            k: 30,
            max_per_artist: 0,
            ..Controls::default()
        };
        c.nudges[0] = 50;
        c.nudges[4] = -100;
        c.years = (1960, 2020);
        c.popularity = -40;
        let o = c.options((1960, 2020), vec![TrackIdx(3)]);
        assert_eq!(o.k, 30);
        assert_eq!(o.years, None, "the whole era sets no filter");
        assert_eq!(o.max_per_artist, None);
        assert_eq!(o.exclude, vec![TrackIdx(3)]);
        assert_eq!(
            o.nudges,
            vec![
                Nudge {
                    feature: Feature::Energy,
                    amount: 1.0
                },
                Nudge {
                    feature: Feature::TempoBpm,
                    amount: -2.0
                },
            ]
        );
        assert!((o.popularity + 0.4).abs() < 1e-6);
        c.years = (1970, 1979);
        c.max_per_artist = 2;
        let o = c.options((1960, 2020), Vec::new());
        assert_eq!((o.years, o.max_per_artist), (Some((1970, 1979)), Some(2)));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let shown = Shown {
            track: TrackIdx(0),
            id: "5SuOikwiRyPMVoIQDJUgSV".into(),
            title: "Hello, \"World\"".into(),
            artists: vec!["A".into(), "B".into()],
            year: Some(1999),
            genres: vec!["indie folk".into()],
            why: "close to \"X\" by Y".into(),
        };
        assert_eq!(
            recs_csv(std::slice::from_ref(&shown)),
            "rank,title,artists,year,genres,why,link\n\
             1,\"Hello, \"\"World\"\"\",A; B,1999,indie folk,\"close to \"\"X\"\" by Y\",https://open.spotify.com/track/5SuOikwiRyPMVoIQDJUgSV\n"
        );
        assert_eq!(
            links(&[shown]),
            "https://open.spotify.com/track/5SuOikwiRyPMVoIQDJUgSV"
        );
    }
}
