//! The app's Spotify side: the one client ([`client`]), the library importers ([`import`]) and
//! saving a playlist.
//!
//! Every call reads the base URL from `config.json` and goes through the client's single `send`,
//! which adds the token and owns the retry policy; functions here return listener-ready
//! [`AppError`]s.

mod client;
pub mod import;

use encore_engine::pkce::{SAVE_SCOPE, percent_encode};
use encore_engine::spotify::{AddItems, CreatedPlaylist, MAX_URIS_PER_ADD, NewPlaylist, User};

pub(crate) use client::sleep_ms;
use client::{get_json, post_json};

use crate::config;
use crate::error::{AppError, Resource};
use crate::session::{self, PendingSave};

/// A playlist Encore created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPlaylist {
    pub id: String,
    /// `https://open.spotify.com/playlist/...`, to show as a link.
    pub url: String,
    pub n_tracks: usize,
}

/// `GET /me`: who is logged in. A 403 here means the account is not on the app's allow-list.
pub(crate) async fn me() -> Result<User, AppError> {
    let config = config::get().await?;
    get_json(&config.api("me"), Resource::Profile).await
}

/// Saves `uris` (`spotify:track:...`; anything else, like local files, is left out) as a new
/// private playlist, adding them in chunks of at most 100.
///
/// The write permission (`playlist-modify-private`) is asked for only now: without it, the save is
/// remembered, the listener is sent to Spotify to grant it, and this returns
/// [`AppError::Reauthorizing`]; the save then completes on return and its outcome appears in
/// `SessionContext::resumed_save`.
pub async fn save_playlist(
    name: &str,
    description: &str,
    uris: &[String],
) -> Result<SavedPlaylist, AppError> {
    save(name, description, uris, true).await
}

/// The save itself; `may_reauthorize` is false when resuming after the permission round-trip, so
/// a grant that did not include the scope ends in an error instead of another round-trip.
pub(crate) async fn save(
    name: &str,
    description: &str,
    uris: &[String],
    may_reauthorize: bool,
) -> Result<SavedPlaylist, AppError> {
    let uris: Vec<String> = uris
        .iter()
        .filter(|u| u.starts_with("spotify:track:"))
        .cloned()
        .collect();
    let tokens = session::current_tokens().await?;
    if may_reauthorize && !tokens.has_scope(SAVE_SCOPE) {
        let pending = PendingSave {
            name: name.to_owned(),
            description: description.to_owned(),
            uris,
        };
        session::reauthorize_for_save(&pending).await?;
        return Err(AppError::Reauthorizing);
    }
    let config = config::get().await?;
    let created: CreatedPlaylist = post_json(
        &config.api("me/playlists"),
        &NewPlaylist {
            name,
            public: false,
            description,
        },
        Resource::PlaylistWrite,
    )
    .await?;
    let items_url = config.api(&format!("playlists/{}/items", percent_encode(&created.id)));
    for chunk in uris.chunks(MAX_URIS_PER_ADD) {
        // The reply is a `snapshot_id`, which Encore has no use for.
        let _: serde_json::Value = post_json(
            &items_url,
            &AddItems { uris: chunk },
            Resource::PlaylistWrite,
        )
        .await?;
    }
    Ok(SavedPlaylist {
        url: created.url(),
        id: created.id,
        n_tracks: uris.len(),
    })
}
