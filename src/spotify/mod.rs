//! The app's Spotify side: the one client ([`client`]), the library importers ([`import`]),
//! finishing a login, and saving a playlist.
//!
//! Every call reads the base URL from `config.json` and goes through the client's single `send`,
//! which adds the token and owns the retry policy; functions here return listener-ready
//! [`AppError`]s. This module calls down into `crate::session` (tokens, the consent page, the
//! session's signals); the session never calls back up, so saving, asking for the write
//! permission and resuming the save all run from here.

mod client;
pub mod import;

use encore_spotify::api::{
    AddItems, CreatedPlaylist, NewPlaylist, Paging, PlaylistDetails, SimplifiedPlaylist, User,
    playlist_url,
};
use encore_spotify::login::{Callback, SAVE_SCOPE, refusal_meaning};
use encore_spotify::pkce::{Verifier, percent_encode};
pub use encore_spotify::save::SavedPlaylist;
use encore_spotify::save::{SaveJob, SaveStep};
use leptos::task::spawn_local;
use serde::de::IgnoredAny;

use client::{get_json, post_json};

use crate::config;
use crate::error::{AppError, Resource};
use crate::session::{self, SessionContext};
use crate::storage;

/// A save waiting for the listener to grant `playlist-modify-private` on Spotify's page.
const AWAITING_PERMISSION_KEY: &str = "encore.pending_save";
/// A save that stopped midway, kept so that pressing Save again resumes it.
const UNFINISHED_SAVE_KEY: &str = "encore.unfinished_save";

/// `GET /me`: who is logged in. A 403 here means the account is not on the app's allow-list.
async fn me() -> Result<User, AppError> {
    let config = config::get().await?;
    get_json(&config.api("me"), Resource::Profile).await
}

/// Finishes a login if the page was opened by Spotify's redirect. Call once at startup, after
/// `session::provide_session`. Returns whether the URL was a login reply.
///
/// A reply this tab asked for is exchanged, the profile read, and a save that waited for the
/// write permission resumed. Any other reply is refused with a sentence and leaves a running
/// session as it was.
pub fn handle_auth_callback(session: SessionContext) -> bool {
    let Some(reply) = session::take_login_reply() else {
        return false;
    };
    match reply {
        Callback::Refused(refusal) => {
            let logged_in = session::stored_tokens().is_some() && session::stored_user().is_some();
            // A save that waited for the permission is not resumed by a later login: it was
            // declined, or the reply that should have carried the permission was not ours.
            let save_pending = storage::session_take(AWAITING_PERMISSION_KEY).is_some();
            session.login_failed(refusal_meaning(refusal, logged_in, save_pending).into());
        }
        Callback::Exchange { code, verifier } => {
            session.logging_in();
            spawn_local(async move {
                match finish_login(&code, &verifier).await {
                    Ok(user) => match session.logged_in(&user) {
                        Ok(()) => resume_save_after_permission(session).await,
                        Err(error) => session.login_failed(error),
                    },
                    Err(error) => {
                        let _ = storage::session_remove(AWAITING_PERMISSION_KEY);
                        session.login_failed(error);
                    }
                }
            });
        }
    }
    true
}

/// Exchanges the code and reads the profile. Tokens that cannot read the profile (not on the
/// allow-list) are dropped again; a failed exchange leaves the tokens as they were.
async fn finish_login(code: &str, verifier: &Verifier) -> Result<User, AppError> {
    let config = config::get().await?;
    let client_id = config::client_id(&config).ok_or(AppError::NoClientId)?;
    session::exchange_code(&config, &client_id, code, verifier).await?;
    me().await
        .inspect_err(|_| session::end_session(session::SessionEnd::LoggedOut))
}

async fn resume_save_after_permission(session: SessionContext) {
    let Some(job) = take_job(AWAITING_PERMISSION_KEY) else {
        return;
    };
    let granted = session::stored_tokens().is_some_and(|t| t.has_scope(SAVE_SCOPE));
    let result = if granted {
        run_save(job).await
    } else {
        Err(AppError::SaveScopeMissing)
    };
    session.show_resumed_save(result);
}

fn take_job(key: &str) -> Option<SaveJob> {
    serde_json::from_str(&storage::session_take(key)?).ok()
}

fn keep_job(key: &str, job: &SaveJob) -> Result<(), AppError> {
    let json = serde_json::to_string(job).map_err(|_| AppError::Storage)?;
    storage::session_set(key, &json)
}

/// Saves `uris` (`spotify:track:...`; anything else, like local files, is left out) as a new
/// private playlist, adding them in chunks of at most 100.
///
/// The write permission (`playlist-modify-private`) is asked for only now: without it, the save is
/// remembered, the listener is sent to Spotify to grant it, and this returns
/// [`AppError::Reauthorizing`]; the save then completes on return and its outcome appears in
/// `SessionContext::resumed_save`. A save that stopped midway ([`AppError::SaveInterrupted`]), or
/// whose create went unanswered ([`AppError::SaveUnconfirmed`]), is resumed into the same
/// playlist when the same list is saved again.
pub async fn save_playlist(
    name: &str,
    description: &str,
    uris: &[String],
) -> Result<SavedPlaylist, AppError> {
    // Before anything is taken from storage: offline, nothing of an unfinished save is touched.
    if crate::runtime::is_offline() {
        return Err(AppError::Offline);
    }
    let job = SaveJob::new(name, description, uris).resuming(take_job(UNFINISHED_SAVE_KEY));
    let tokens = session::current_tokens().await?;
    if !tokens.has_scope(SAVE_SCOPE) {
        keep_job(AWAITING_PERMISSION_KEY, &job)?;
        session::start_login(&[SAVE_SCOPE]).await?;
        return Err(AppError::Reauthorizing);
    }
    run_save(job).await
}

/// Runs `job` to its end, or keeps it (with its playlist and progress) where it stopped.
async fn run_save(mut job: SaveJob) -> Result<SavedPlaylist, AppError> {
    let config = config::get().await?;
    let write = Resource::PlaylistWrite {
        save_scope_granted: true,
    };
    if let Some(id) = &job.playlist_id {
        // An add that failed in flight may have been applied: count what the playlist holds.
        let url = config.api(&format!("playlists/{}", percent_encode(id)));
        match get_json::<PlaylistDetails>(&url, Resource::Library).await {
            Ok(details) => job.resync(usize::try_from(details.n_items()).unwrap_or(usize::MAX)),
            // The listener deleted the half-saved playlist meanwhile: save into a new one.
            Err(AppError::Unexpected(404)) => {
                job = SaveJob::new(&job.name, &job.description, &job.uris)
            }
            Err(cause) => {
                let _ = keep_job(UNFINISHED_SAVE_KEY, &job);
                return Err(interrupted(&job, cause));
            }
        }
    }
    loop {
        let step = match job.next_step() {
            SaveStep::Done => break,
            SaveStep::FindCreated => {
                let newest = config.api("me/playlists?limit=1");
                match get_json::<Paging<SimplifiedPlaylist>>(&newest, Resource::Library).await {
                    Ok(page) => me()
                        .await
                        .map(|user| job.found(page.items.first(), &user.id)),
                    Err(cause) => Err(cause),
                }
            }
            SaveStep::CreatePlaylist => {
                let new = NewPlaylist {
                    name: &job.name,
                    public: false,
                    description: &job.description,
                };
                let created =
                    post_json::<_, CreatedPlaylist>(&config.api("me/playlists"), &new, write).await;
                if let Err(cause) = &created
                    && cause.may_have_been_applied()
                {
                    job.create_unanswered();
                }
                created.map(|created| job.created(created.id))
            }
            SaveStep::Add(chunk) => {
                let chunk = chunk.to_vec();
                let id = job.playlist_id.as_deref().unwrap_or_default();
                let url = config.api(&format!("playlists/{}/items", percent_encode(id)));
                // The reply is a `snapshot_id`, which Encore has no use for: it is checked to be
                // JSON and skipped, not built into a `serde_json::Value` (whose map code ships).
                post_json::<_, IgnoredAny>(&url, &AddItems { uris: &chunk }, write)
                    .await
                    .map(|_| job.added(chunk.len()))
            }
        };
        if let Err(cause) = step {
            if job.playlist_id.is_some() || job.create_unconfirmed {
                // Failing to keep it only loses the resume; the error says what happened.
                let _ = keep_job(UNFINISHED_SAVE_KEY, &job);
                return Err(interrupted(&job, cause));
            }
            return Err(cause);
        }
    }
    let id = job.playlist_id.unwrap_or_default();
    Ok(SavedPlaylist {
        url: playlist_url(&id),
        id,
        n_tracks: job.uris.len(),
    })
}

fn interrupted(job: &SaveJob, cause: AppError) -> AppError {
    if job.playlist_id.is_none() {
        return AppError::SaveUnconfirmed(Box::new(cause));
    }
    AppError::SaveInterrupted {
        n_added: job.n_added,
        n_total: job.uris.len(),
        cause: Box::new(cause),
    }
}
