//! The list, and what to do with it. A guest is offered what a guest can do (download the CSV,
//! copy the links) with "Connect Spotify to save" beside them; a connected listener can also save
//! it as a private playlist. Every action says what it did.

use encore_engine::recommend::Method;
use encore_spotify::login::{SAVE_SCOPE, SAVE_SCOPE_WHY};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::components::result_card::ResultCard;
use crate::components::status::ErrorMessage;
use crate::model::Workbench;
use crate::model::controls::{count, plain_name};
use crate::model::track::{links, recs_csv};
use crate::pages::connect::choose_spotify;
use crate::session::{self, SessionContext};
use crate::spotify;

/// The file name a download gets.
const CSV_FILE_NAME: &str = "encore-recommendations.csv";

fn download_csv(text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(&url);
    anchor.set_download(CSV_FILE_NAME);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).ok()
}

/// Copies `text`; whether the browser allowed it.
async fn copy_text(text: String) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    JsFuture::from(window.navigator().clipboard().write_text(&text))
        .await
        .is_ok()
}

/// The list on screen.
#[component]
pub fn Results(method: Signal<Method>) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let recs = bench.recs;
    // The track whose player is open: one at a time.
    let playing = RwSignal::new(None::<String>);
    view! {
        <Show when=move || !recs.with(Vec::is_empty)>
            <ol class="results" aria-label="Recommended tracks" data-method=move || method.get().name()>
                <For each=move || recs.get() key=|r| r.track let:rec>
                    <ResultCard rec=rec playing=playing />
                </For>
            </ol>
            <KeepList method=method />
        </Show>
    }
}

/// Download, copy, and (once connected) save.
#[component]
fn KeepList(method: Signal<Method>) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let session = expect_context::<SessionContext>();
    let recs = bench.recs;
    let (notice, set_notice) = signal(None::<String>);
    let copy = Action::new_local(move |_: &()| {
        let text = recs.with_untracked(|r| links(r));
        let n = recs.with_untracked(Vec::len);
        async move {
            set_notice.set(Some(if copy_text(text).await {
                format!("Copied {}.", count(n, "link", "links"))
            } else {
                "Your browser would not let Encore copy. Download the CSV instead.".to_owned()
            }));
        }
    });
    let download = move |_| {
        let n = recs.with(Vec::len);
        set_notice.set(Some(match download_csv(&recs.with(|r| recs_csv(r))) {
            Some(()) => format!(
                "Downloaded {CSV_FILE_NAME} ({}).",
                count(n, "track", "tracks")
            ),
            None => "Your browser would not start the download. Copy the links instead.".to_owned(),
        }));
    };
    view! {
        <div class="save">
            <h3>"Keep this list"</h3>
            <Show when=move || session.is_logged_in()>
                <SaveToSpotify method=method />
            </Show>
            <div class="button-row">
                <button
                    type="button"
                    class:primary=move || !session.is_logged_in()
                    data-testid="download-csv"
                    on:click=download
                >
                    "Download CSV"
                </button>
                <button
                    type="button"
                    data-testid="copy-links"
                    on:click=move |_| {
                        copy.dispatch(());
                    }
                >
                    "Copy all links"
                </button>
                <Show when=move || !session.is_logged_in()>
                    <button
                        type="button"
                        class="secondary"
                        data-testid="connect-to-save"
                        on:click=move |_| choose_spotify(bench)
                    >
                        "Connect Spotify to save"
                    </button>
                </Show>
            </div>
            <p class="hint" role="status" data-testid="keep-notice">{notice}</p>
        </div>
    }
}

/// Saving as a private playlist, with a name and description the listener may edit.
#[component]
fn SaveToSpotify(method: Signal<Method>) -> impl IntoView {
    let recs = expect_context::<Workbench>().recs;
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    // The playlist's name and description are reset when a list by another method arrives (the
    // description names it); edits in between are kept.
    Effect::new(move |_| {
        let m = method.get();
        name.set(format!("Encore: {}", plain_name(m)));
        description.set(format!("Recommended by Encore ({} method).", m.name()));
    });
    let save = Action::new_local(move |_: &()| {
        let uris: Vec<String> = recs.with(|r| {
            r.iter()
                .map(|s| format!("spotify:track:{}", s.id))
                .collect()
        });
        let (name, description) = (name.get_untracked(), description.get_untracked());
        async move { spotify::save_playlist(&name, &description, &uris).await }
    });
    view! {
        <div class="field">
            <label for="playlist-name">"Playlist name"</label>
            <input id="playlist-name" type="text" bind:value=name />
        </div>
        <div class="field">
            <label for="playlist-description">"Description"</label>
            <textarea id="playlist-description" rows="2" bind:value=description></textarea>
        </div>
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
        <Show when=move || !session::stored_tokens().is_some_and(|t| t.has_scope(SAVE_SCOPE))>
            <p class="hint" data-testid="save-scope-why">{SAVE_SCOPE_WHY}</p>
        </Show>
        {move || match save.value().get() {
            Some(Ok(saved)) => {
                view! {
                    <p class="saved" role="status">
                        {format!("Saved \"{}\" with {}: ", name.get_untracked(), count(saved.n_tracks, "track", "tracks"))}
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
            Some(Err(e)) => view! { <ErrorMessage message=Signal::stored(e.to_string()) /> }.into_any(),
            None => ().into_any(),
        }}
    }
}
