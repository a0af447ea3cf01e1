//! The first screen: what Encore does, that nothing leaves the browser, and the two ways in.

use leptos::prelude::*;

use crate::app::{Entry, Workbench};
use crate::pages::connect::ConnectPanel;

#[component]
pub fn Welcome() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    view! {
        <section class="panel welcome" aria-labelledby="welcome-heading">
            <h2 id="welcome-heading">"Find music you will love, from music you already love"</h2>
            <p>
                "Encore looks at the songs you choose and suggests others from a catalog of about 180,000 tracks: by sound, genre, era and artist. You can steer it, listen, and save what you like as a playlist."
            </p>
            <p class="privacy">
                <strong>"Nothing leaves your browser."</strong>
                " The catalog is downloaded once and every recommendation is computed on this device. Encore has no server of its own; if you connect Spotify, your browser talks to Spotify directly."
            </p>
            <div class="ways-in">
                <div class="way">
                    <p>"Use your liked songs, top tracks, playlists and recent plays, and save results as a private playlist."</p>
                    <ConnectPanel />
                </div>
                <div class="way">
                    <h3>"No account needed"</h3>
                    <p>"Drop an Exportify CSV or search the catalog for songs you like."</p>
                    <button
                        type="button"
                        class="primary"
                        data-testid="try-without-account"
                        on:click=move |_| bench.entry.set(Entry::Working)
                    >
                        "Try without an account"
                    </button>
                </div>
            </div>
        </section>
    }
}
