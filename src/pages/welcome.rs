//! The first screen: what Encore does, that nothing leaves the browser, and the two ways in, side
//! by side and short. Choosing Spotify opens its own step (the developer setup when needed);
//! with a Client ID already known it goes straight to Spotify's login.

use leptos::prelude::*;

use crate::model::{Entry, Workbench};
use crate::pages::connect::choose_spotify;

#[component]
pub fn Welcome() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    view! {
        <section class="panel welcome" aria-labelledby="welcome-heading">
            <h2 id="welcome-heading">"Find music you will love, from music you already love"</h2>
            <div class="ways-in">
                <div class="way">
                    <h3>"No account needed"</h3>
                    <p>"Search the catalog or drop an Exportify CSV."</p>
                    <button
                        type="button"
                        class="primary"
                        data-testid="try-without-account"
                        on:click=move |_| bench.entry.set(Entry::Guest)
                    >
                        "Try without an account"
                    </button>
                </div>
                <div class="way">
                    <h3>"With Spotify"</h3>
                    <p>"Use your liked songs, top tracks and playlists; save lists as playlists."</p>
                    <button type="button" data-testid="connect-spotify" on:click=move |_| choose_spotify(bench)>
                        "Connect Spotify"
                    </button>
                </div>
            </div>
            <p>
                "Encore suggests songs from a catalog of about 180,000 tracks, by sound, genre, era and artist. You can steer it, listen, and keep what you like."
            </p>
            <p class="privacy">
                <strong>"Nothing leaves your browser."</strong>
                " The catalog is downloaded once and every recommendation is computed on this device. Encore has no server of its own; if you connect Spotify, your browser talks to Spotify directly."
            </p>
        </section>
    }
}
