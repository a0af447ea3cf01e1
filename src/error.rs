//! The one error a listener can meet, whatever went wrong.
//!
//! `AppError`'s `Display` *is* the sentence shown on screen: what happened and what to do. What
//! an unsuccessful Spotify reply means is decided in one place, `encore_spotify::reply::failure`,
//! and worded here in one place, `From<Failure>`, so every Spotify call reads the same way. No
//! variant carries a token, a code or a verifier, so neither `Display` nor `Debug` can leak one.

use encore_spotify::login::RefusalMeaning;
use encore_spotify::reply::Failure;
pub use encore_spotify::reply::Resource;
use thiserror::Error;

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
    #[error(
        "A login reply that does not belong to the login Encore started was ignored for your safety. Nothing changed: you are still logged in."
    )]
    StrayLoginReply,
    #[error("Connect Spotify first.")]
    NotLoggedIn,
    #[error("Your Spotify session expired. Log in again.")]
    SessionExpired,
    #[error(
        "Spotify ended your login: a login lasts six months, or it was withdrawn in your Spotify account. Press \"Connect Spotify\" to log in again; your cached library is kept."
    )]
    LoginExpired,
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
        "Spotify did not allow saving the playlist: Encore was not given the permission to create private playlists. Press Save again and accept it on Spotify's page."
    )]
    SaveScopeMissing,
    #[error(
        "Spotify refused to save the playlist although Encore has the permission to create playlists: your account is probably not on this Spotify app's allow-list. In the Spotify developer dashboard, open your app, go to User Management and add your name and Spotify email, then try again."
    )]
    SaveNotAllowListed,
    #[error(
        "You did not allow Encore to create playlists, so the list was not saved. You are still logged in: press Save again to be asked once more, or copy the links or download the CSV instead."
    )]
    SaveDeclined,
    #[error(
        "{cause} The playlist was created and holds {n_added} of the {n_total} tracks: press Save again to add the rest to the same playlist."
    )]
    SaveInterrupted {
        n_added: usize,
        n_total: usize,
        cause: Box<AppError>,
    },
    #[error(
        "{0} Spotify may have created the playlist all the same: press Save again, and Encore finishes that playlist instead of making a second one."
    )]
    SaveUnconfirmed(Box<AppError>),
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
    #[error(
        "You are offline, and this needs Spotify. Connect to the internet and try again; searching, recommending and the map work offline."
    )]
    Offline,
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

impl From<Failure> for AppError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::SessionExpired => AppError::SessionExpired,
            Failure::RefreshRevoked => AppError::LoginExpired,
            Failure::InvalidClient => AppError::InvalidClient,
            Failure::LoginFailed(code) => AppError::LoginFailed(code),
            Failure::NotRegistered => AppError::NotRegistered,
            Failure::PlaylistNotYours => AppError::PlaylistNotYours,
            Failure::PlaylistUnavailable => AppError::PlaylistUnavailable,
            Failure::SaveScopeMissing => AppError::SaveScopeMissing,
            Failure::SaveNotAllowListed => AppError::SaveNotAllowListed,
            Failure::Forbidden => AppError::Forbidden,
            Failure::RateLimited { minutes } => AppError::RateLimited { minutes },
            Failure::QuotaExceeded { minutes } => AppError::QuotaExceeded { minutes },
            Failure::Network => AppError::Network,
            Failure::SpotifyDown(status) => AppError::SpotifyDown(status),
            Failure::Unexpected(status) => AppError::Unexpected(status),
        }
    }
}

impl AppError {
    /// Whether the request that failed so may still have been carried out by Spotify: no reply
    /// came (a dropped connection), a server or proxy failed after receiving it, or a reply came
    /// that could not be read. A refusal (4xx) was not carried out.
    pub fn may_have_been_applied(&self) -> bool {
        matches!(
            self,
            AppError::Network | AppError::SpotifyDown(_) | AppError::BadReply
        )
    }
}

impl From<RefusalMeaning> for AppError {
    fn from(meaning: RefusalMeaning) -> Self {
        match meaning {
            RefusalMeaning::NotOurs => AppError::StateMismatch,
            RefusalMeaning::IgnoredWhileLoggedIn => AppError::StrayLoginReply,
            RefusalMeaning::LoginDeclined => AppError::LoginDenied,
            RefusalMeaning::SaveDeclined => AppError::SaveDeclined,
            RefusalMeaning::Failed(code) => AppError::LoginFailed(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentence says what happened and what to do, and carries nothing from the request.
    #[test]
    fn failures_read_as_sentences() {
        for (failure, want) in [
            (
                Failure::SessionExpired,
                "Your Spotify session expired. Log in again.",
            ),
            (Failure::RefreshRevoked, "six months"),
            (Failure::NotRegistered, "User Management"),
            (Failure::SaveNotAllowListed, "allow-list"),
            (
                Failure::SaveScopeMissing,
                "permission to create private playlists",
            ),
            (Failure::RateLimited { minutes: 7 }, "about 7 minutes"),
            (Failure::SpotifyDown(503), "error 503"),
        ] {
            let sentence = AppError::from(failure.clone()).to_string();
            assert!(sentence.contains(want), "{failure:?}: {sentence}");
        }
        assert!(
            AppError::from(RefusalMeaning::IgnoredWhileLoggedIn)
                .to_string()
                .contains("you are still logged in")
        );
        let interrupted = AppError::SaveInterrupted {
            n_added: 100,
            n_total: 250,
            cause: Box::new(AppError::SpotifyDown(503)),
        };
        assert_eq!(
            interrupted.to_string(),
            "Spotify is having trouble (error 503). Try again in a moment. The playlist was created and holds 100 of the 250 tracks: press Save again to add the rest to the same playlist."
        );
        assert!(
            AppError::SaveUnconfirmed(Box::new(AppError::Network))
                .to_string()
                .starts_with("Could not reach Spotify.")
        );
    }

    /// Only a failure after which Spotify may hold the change keeps an unconfirmed save.
    #[test]
    fn a_lost_reply_may_have_been_applied_a_refusal_not() {
        for maybe in [
            AppError::Network,
            AppError::SpotifyDown(502),
            AppError::BadReply,
        ] {
            assert!(maybe.may_have_been_applied(), "{maybe:?}");
        }
        for refused in [
            AppError::Unexpected(400),
            AppError::Forbidden,
            AppError::SaveNotAllowListed,
            AppError::SessionExpired,
            AppError::RateLimited { minutes: 1 },
            AppError::Offline,
        ] {
            assert!(!refused.may_have_been_applied(), "{refused:?}");
        }
    }
}
