//! One recommended track: what it is, why it is here, a link, and a Listen button that loads
//! Spotify's player for that track only when pressed (so nothing is fetched from Spotify before).

use leptos::prelude::*;

use crate::pages::recommend::Shown;

#[component]
pub fn ResultCard(rec: Shown) -> impl IntoView {
    let (listening, set_listening) = signal(false);
    let embed = format!("https://open.spotify.com/embed/track/{}", rec.id);
    let link = rec.link();
    let meta = format!(
        "{}{}",
        rec.artists.join(", "),
        rec.year.map(|y| format!(" · {y}")).unwrap_or_default()
    );
    let genres = rec
        .genres
        .iter()
        .take(4)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let title = rec.title.clone();
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
                        aria-pressed=move || listening.get().to_string()
                        aria-label=format!("Listen to {title}")
                        on:click=move |_| set_listening.update(|l| *l = !*l)
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
                <iframe
                    class="player"
                    title=format!("Spotify player: {}", rec.title)
                    src=embed.clone()
                    width="100%"
                    height="80"
                    allow="encrypted-media"
                ></iframe>
            </Show>
        </li>
    }
}
