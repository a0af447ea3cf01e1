//! One recommended track: what it is, why it is here, a link, and a Listen button that loads
//! Spotify's player for that track only when pressed (so nothing is fetched from Spotify before).
//! One player is open at a time: `playing` names the track whose player is open.

use leptos::ev;
use leptos::prelude::*;

use crate::model::track::ShownTrack;

/// Whether the browser says it is online (assumed so when it cannot tell).
fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

#[component]
pub fn ResultCard(rec: ShownTrack, playing: RwSignal<Option<String>>) -> impl IntoView {
    let id = rec.id.clone();
    let listening = {
        let id = id.clone();
        Memo::new(move |_| playing.with(|p| p.as_deref() == Some(id.as_str())))
    };
    let (is_online, set_online) = signal(online());
    let went_offline = window_event_listener(ev::offline, move |_| set_online.set(false));
    let came_online = window_event_listener(ev::online, move |_| set_online.set(true));
    on_cleanup(move || {
        went_offline.remove();
        came_online.remove();
    });
    let embed = format!("https://open.spotify.com/embed/track/{}", rec.id);
    let link = rec.link();
    let player_title = format!("Spotify player: {}", rec.title);
    let meta = rec.byline();
    let genres = rec
        .genres
        .iter()
        .take(4)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let title = rec.title.clone();
    let button_label = move || {
        if listening.get() {
            format!("Hide player for {title}")
        } else {
            format!("Listen to {title}")
        }
    };
    view! {
        <li class="result" data-testid="recommendation" data-track-id=rec.id.clone()>
            <div class="result-head">
                <div>
                    <span class="track-title">{rec.title.clone()}</span>
                    <span class="track-meta">{meta}</span>
                </div>
                <div class="result-actions">
                    <button
                        type="button"
                        data-testid="listen"
                        aria-expanded=move || listening.get().to_string()
                        aria-label=button_label
                        on:click=move |_| {
                            let id = id.clone();
                            playing.update(|p| *p = if p.as_deref() == Some(id.as_str()) { None } else { Some(id) });
                        }
                    >
                        {move || if listening.get() { "Hide player" } else { "Listen" }}
                    </button>
                    <a href=link target="_blank" rel="noopener noreferrer">
                        "Open in Spotify"
                    </a>
                </div>
            </div>
            {(!genres.is_empty()).then(|| view! { <p class="genres">{genres}</p> })}
            <p class="why">{rec.why.clone()}</p>
            <Show when=move || listening.get()>
                <Player title=player_title.clone() src=embed.clone() online=is_online />
            </Show>
        </li>
    }
}

/// Spotify's player for one track, or a sentence when the browser is offline.
#[component]
fn Player(title: String, src: String, online: ReadSignal<bool>) -> impl IntoView {
    view! {
        <Show
            when=move || online.get()
            fallback=|| {
                view! {
                    <p class="player-offline" data-testid="player-offline" role="status">
                        "You are offline. The player needs a connection to Spotify; the link above works once you are back online."
                    </p>
                }
            }
        >
            // The player is Spotify's page: it gets no referrer and only what it needs to play
            // (its own scripts and storage, DRM, and opening Spotify in a new tab).
            <iframe
                class="player"
                title=title.clone()
                src=src.clone()
                width="100%"
                height="80"
                allow="encrypted-media"
                referrerpolicy="no-referrer"
                sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
            ></iframe>
        </Show>
    }
}
