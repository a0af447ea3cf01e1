//! The server's mutable state: issued codes and tokens, playlists as the app changed them, the
//! liked songs as the listener changed them, fault rules, runtime settings, and the record of what
//! the mock received.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use encore_engine::seeded::SeededRng;
use serde::Serialize;

use crate::faults::{ActiveFault, FaultRule};
use crate::library::{Library, LibraryError, Playlist, Saved};

/// Settings a test may change at runtime (`POST /__mock/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Lifetime of issued access tokens.
    pub expires_in_s: u64,
    /// Send `Access-Control-Expose-Headers: Retry-After` (real Spotify does not).
    pub expose_retry_after: bool,
    /// The only accepted client id; any non-empty one when `None` (bring-your-own-client-id).
    pub client_id: Option<String>,
    /// The only accepted redirect uris; any https or loopback-literal uri when empty.
    pub redirect_uris: Vec<String>,
}

/// A code issued by `/authorize`, waiting for its exchange.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub scope: String,
    pub expires_at: Instant,
}

impl AccessGrant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub scope: String,
    /// Set when the token was rotated away: reuse is `invalid_grant`.
    pub revoked: bool,
}

/// Everything `/authorize` was asked, and what it answered.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizeRecord {
    pub client_id: Option<String>,
    pub response_type: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// `code`, `access_denied`, or the error given.
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub status: u16,
    /// The OAuth error code when refused.
    pub error: Option<String>,
}

/// A playlist the app created, with every uri added to it in order and the size of each request.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedPlaylist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub public: bool,
    pub collaborative: bool,
    pub items: Vec<String>,
    pub chunk_sizes: Vec<usize>,
}

/// One accepted or refused `POST /v1/playlists/{id}/items`.
#[derive(Debug, Clone, Serialize)]
pub struct ItemsAddition {
    pub playlist_id: String,
    pub uris: Vec<String>,
    pub status: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub origin: Option<String>,
    pub has_authorization: bool,
    pub status: u16,
}

/// What `GET /__mock/received` returns.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Received {
    pub authorize: Vec<AuthorizeRecord>,
    pub token_requests: Vec<TokenRecord>,
    pub playlists_created: Vec<CreatedPlaylist>,
    pub items_added: Vec<ItemsAddition>,
    pub requests: Vec<RequestRecord>,
}

#[derive(Debug)]
pub struct State {
    pub settings: Settings,
    pub codes: HashMap<String, AuthCode>,
    pub access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// The library's playlists plus those the app created, as changed by the app.
    pub playlists: Vec<Playlist>,
    /// The library's liked songs as the listener changed them since (`POST /__mock/like_more`,
    /// `/unlike`), newest first.
    pub liked: Vec<Saved>,
    pub faults: Vec<ActiveFault>,
    pub next_fault_id: u64,
    /// Added before every answer of the fake Spotify (not the control API), as a real network's
    /// round trip would.
    pub latency_ms: u64,
    pub received: Received,
    rng: SeededRng,
}

impl State {
    fn new(settings: Settings, library: &Library, seed: u64) -> Self {
        Self {
            latency_ms: 0,
            settings,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            playlists: library.playlists.clone(),
            liked: library.liked.clone(),
            faults: Vec::new(),
            next_fault_id: 1,
            received: Received::default(),
            rng: SeededRng::new(seed),
        }
    }

    /// A fresh opaque secret (codes, tokens, ids): unique per server, reproducible per seed.
    pub fn secret(&mut self, prefix: &str) -> String {
        let value = crate::library::random_u128(&mut self.rng);
        format!("{prefix}{}", crate::library::base62_id(value))
    }

    /// Issues an access token and a refresh token for `scope`; returns both.
    pub fn issue_tokens(&mut self, client_id: &str, scope: &str) -> (String, String) {
        let access = self.secret("BQ");
        let refresh = self.secret("AQ");
        let lifetime = Duration::from_secs(self.settings.expires_in_s);
        self.access.insert(
            access.clone(),
            AccessGrant {
                scope: scope.to_owned(),
                expires_at: Instant::now() + lifetime,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                revoked: false,
            },
        );
        (access, refresh)
    }

    /// The listener likes `n` more songs now (see [`Library::like_more`]); returns them, newest
    /// first.
    pub fn like_more(&mut self, library: &Library, n: usize) -> Result<&[Saved], LibraryError> {
        let more = library.like_more(&self.liked, n)?;
        self.liked.splice(0..0, more);
        Ok(&self.liked[..n])
    }

    /// The listener un-likes `tracks` (pool indices); the other liked songs keep their order.
    /// When one of them is not liked, changes nothing and returns its position in `tracks`.
    pub fn unlike(&mut self, tracks: &[usize]) -> Result<(), usize> {
        let liked: HashSet<usize> = self.liked.iter().map(|s| s.track).collect();
        if let Some(missing) = tracks.iter().position(|t| !liked.contains(t)) {
            return Err(missing);
        }
        let gone: HashSet<usize> = tracks.iter().copied().collect();
        self.liked.retain(|s| !gone.contains(&s.track));
        Ok(())
    }

    /// Makes every access token issued so far expired (refresh tokens stay valid).
    pub fn expire_tokens_now(&mut self) {
        let now = Instant::now();
        for grant in self.access.values_mut() {
            grant.expires_at = now;
        }
    }
}

/// What the handlers share: fixed facts plus the locked mutable state.
#[derive(Debug)]
pub struct Shared {
    /// `http://127.0.0.1:PORT`, the base of every url the mock hands out.
    pub base_url: String,
    /// The second origin serving the app, when asked for.
    pub app_url: Option<String>,
    pub library: Arc<Library>,
    initial: Initial,
    state: Mutex<State>,
}

/// How the server started, which a reset returns to.
#[derive(Debug, Clone)]
pub struct Initial {
    pub settings: Settings,
    /// Rules active from the start.
    pub faults: Vec<FaultRule>,
    pub latency_ms: u64,
    /// Seeds the secrets handed out.
    pub seed: u64,
}

pub type SharedState = Arc<Shared>;

impl Shared {
    pub fn new(
        base_url: String,
        app_url: Option<String>,
        library: Arc<Library>,
        initial: Initial,
    ) -> Self {
        let state = Mutex::new(Self::fresh_state(&library, &initial));
        Self {
            base_url,
            app_url,
            library,
            initial,
            state,
        }
    }

    fn fresh_state(library: &Library, initial: &Initial) -> State {
        let mut state = State::new(initial.settings.clone(), library, initial.seed);
        state.latency_ms = initial.latency_ms;
        for rule in &initial.faults {
            state.add_fault(rule.clone());
        }
        state
    }

    /// The state; a panic in another handler does not wedge the server.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to how the server started: tokens, playlists, liked songs, faults, settings, latency
    /// and records. The secret
    /// generator runs on, so a token from before the reset never becomes valid again.
    pub fn reset(&self) {
        let mut state = self.lock();
        let rng = state.rng.clone();
        *state = Self::fresh_state(&self.library, &self.initial);
        state.rng = rng;
    }
}

impl State {
    pub fn add_fault(&mut self, rule: FaultRule) -> u64 {
        let id = self.next_fault_id;
        self.next_fault_id += 1;
        self.faults.push(ActiveFault::new(id, rule));
        id
    }
}
