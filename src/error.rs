//! The one error a listener can meet, whatever went wrong.
//!
//! `AppError`'s `Display` *is* the sentence shown on screen: what happened and what to do. HTTP
//! statuses are mapped to it in one place, [`AppError::from_status`], so every Spotify call reads
//! the same way. No variant carries a token, a code or a verifier, so neither `Display` nor `Debug`
//! can leak one.

use encore_engine::spotify::ErrorBody;
use thiserror::Error;

/// What an API call was about, so the same status can be explained in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `GET /me` right after login: a 403 here means the account is not on the allow-list.
    Profile,
    /// A playlist's items: a 403 here means it belongs to someone else.
    Playlist,
    /// Creating a playlist or adding to it.
    PlaylistWrite,
    /// Any other library read.
    Library,
    /// The accounts service's token endpoint.
    Token,
}

/// Everything that can go wrong on the listener's side of Encore, worded for them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppError {
    #[error(
        "Encore could not load its settings (config.json). Reload the page; if it keeps happening, the site is misconfigured."
    )]
    Config,
    #[error(
        "Enter the Client ID of your Spotify app first (see the steps under \"Connect Spotify\")."
    )]
    NoClientId,
    #[error(
        "Spotify does not recognise this Client ID. Check it in your Spotify developer dashboard and enter it again."
    )]
    InvalidClient,
    #[error(
        "You declined the Spotify login, so Encore cannot read your library. You can log in again, or try Encore without an account."
    )]
    LoginDenied,
    #[error("Spotify could not complete the login ({0}). Start the login again.")]
    LoginFailed(String),
    #[error(
        "This login reply does not belong to the login Encore started, so it was ignored for your safety. Start the login again."
    )]
    StateMismatch,
    #[error("Connect Spotify first.")]
    NotLoggedIn,
    #[error("Your Spotify session expired. Log in again.")]
    SessionExpired,
    #[error(
        "Spotify accepted your login, but this Spotify app does not allow your account yet. In the Spotify developer dashboard, open your app, go to User Management and add your name and Spotify email (up to five people), then log in again."
    )]
    NotRegistered,
    #[error(
        "This playlist belongs to someone else. Spotify only lets Encore read playlists you own or collaborate on."
    )]
    PlaylistNotYours,
    #[error(
        "Spotify does not let apps like Encore read this playlist (Spotify's own editorial and algorithmic playlists are closed to them). Pick one of your own playlists."
    )]
    PlaylistUnavailable,
    #[error(
        "Spotify did not allow saving the playlist. Log in again and accept the permission to create private playlists."
    )]
    SaveNotAllowed,
    #[error(
        "Spotify will now ask you to allow Encore to create private playlists; the playlist is saved as soon as you come back."
    )]
    Reauthorizing,
    #[error("Spotify refused this request (it may no longer be available to apps like Encore).")]
    Forbidden,
    #[error(
        "Spotify is limiting requests right now. What was fetched is kept; try again in about {minutes} minutes to continue."
    )]
    RateLimited { minutes: u32 },
    #[error(
        "Spotify's request quota for this Spotify app is used up for now (all apps of one developer account share it). What was fetched is kept; try again in about {minutes} minutes to continue."
    )]
    QuotaExceeded { minutes: u32 },
    #[error(
        "Could not reach Spotify. Check your connection and try again; what was fetched is kept."
    )]
    Network,
    #[error("Spotify is having trouble (error {0}). Try again in a moment.")]
    SpotifyDown(u16),
    #[error("Spotify answered in a way Encore did not expect (error {0}). Try again.")]
    Unexpected(u16),
    #[error("Spotify sent a reply Encore could not read. Try again.")]
    BadReply,
    #[error(
        "Import cancelled. What was fetched so far is kept, and the next import continues from there."
    )]
    Cancelled,
    #[error(
        "Your browser would not let Encore store data (private browsing or storage full). Encore still works, but will not remember your library."
    )]
    Storage,
    #[error(
        "Your browser's storage for this site is full, so Encore could not keep your library; nothing was saved past the last complete save. Free some space (or use Forget me) and import again."
    )]
    StorageFull,
}

impl AppError {
    /// The one mapping from an unsuccessful HTTP status (and its parsed body) to what the listener
    /// reads. `401` and retryable statuses are handled by the client before they get here; when
    /// they do arrive (retries used up), they become the final word.
    pub fn from_status(status: u16, body: &ErrorBody, resource: Resource) -> Self {
        match (status, body.oauth_error.as_deref(), resource) {
            (_, Some("invalid_grant"), _) => AppError::SessionExpired,
            (_, Some("invalid_client"), _) => AppError::InvalidClient,
            (_, Some(code), Resource::Token) => AppError::LoginFailed(code.to_owned()),
            (401, ..) => AppError::SessionExpired,
            (403, _, _) if body.is_user_not_registered() => AppError::NotRegistered,
            (403, _, Resource::Profile) => AppError::NotRegistered,
            (403, _, Resource::Playlist) => AppError::PlaylistNotYours,
            (403, _, Resource::PlaylistWrite) => AppError::SaveNotAllowed,
            (403, ..) => AppError::Forbidden,
            (404, _, Resource::Playlist) => AppError::PlaylistUnavailable,
            (429, ..) => AppError::RateLimited { minutes: 1 },
            (500..=599, ..) => AppError::SpotifyDown(status),
            _ => AppError::Unexpected(status),
        }
    }
}
