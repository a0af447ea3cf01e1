//! The Spotify Web API's JSON, as it is shaped in late 2026, and its conversion to the matcher's
//! [`ListenerTrack`].
//!
//! Every type is lenient on purpose: fields Spotify removed (popularity, markets) are not read,
//! fields that may be absent or `null` default, and entries that are not importable tracks (null
//! tracks, local files, podcast episodes) are dropped by [`Track::to_listener_track`] rather than
//! failing a whole page. Error bodies are parsed defensively because Spotify sends JSON, OAuth JSON
//! or plain text depending on the failure. Nothing here does IO; the app fetches the bytes.

use std::fmt;

use serde::{Deserialize, Serialize};

use encore_engine::TrackId;
use encore_engine::matching::ListenerTrack;

/// One page of a Spotify list endpoint (`/me/tracks`, `/me/playlists`, `/playlists/{id}/items`).
#[derive(Debug, Clone, Deserialize)]
pub struct Paging<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// The next page's absolute URL; `None` on the last page.
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub total: Option<u32>,
    #[serde(default)]
    pub offset: Option<u32>,
}

/// A page of a cursor-based list (`/me/player/recently-played`).
#[derive(Debug, Clone, Deserialize)]
pub struct CursorPaging<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Artist {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Album {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ExternalIds {
    #[serde(default)]
    pub isrc: Option<String>,
}

/// A track object, or whatever else sits where a track should (an episode, a local file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Track {
    /// `null` for local files.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub name: String,
    /// `"track"` or `"episode"`; older payloads may omit it (then it is a track).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub is_local: bool,
    #[serde(default)]
    pub artists: Vec<Artist>,
    #[serde(default)]
    pub album: Option<Album>,
    #[serde(default)]
    pub external_ids: Option<ExternalIds>,
}

impl Track {
    /// The listener-track form, or `None` for what cannot be recommended from or saved: local
    /// files, episodes, and anything without a valid Spotify track id.
    pub fn to_listener_track(&self) -> Option<ListenerTrack> {
        if self.is_local || self.kind.as_deref().is_some_and(|k| k != "track") {
            return None;
        }
        let id = TrackId::parse(self.id.as_deref()?).ok()?;
        Some(ListenerTrack {
            id: Some(id),
            title: self.name.clone(),
            artists: self.artists.iter().map(|a| a.name.clone()).collect(),
            album: self.album.as_ref().and_then(|a| a.name.clone()),
            isrc: self.external_ids.as_ref().and_then(|e| e.isrc.clone()),
        })
    }
}

/// An entry of `/me/tracks`; `track` is `null` when the track became unavailable.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedTrack {
    #[serde(default)]
    pub added_at: Option<String>,
    #[serde(default)]
    pub track: Option<Track>,
}

/// An entry of `/playlists/{id}/items`. Spotify now sends `item` and keeps `track` as a
/// deprecated alias, often both at once, so they are two fields (a serde alias would reject the
/// duplicate) and [`PlaylistItem::entry`] prefers `item`.
#[derive(Debug, Clone, Deserialize)]
pub struct PlaylistItem {
    #[serde(default)]
    pub added_at: Option<String>,
    #[serde(default)]
    pub is_local: bool,
    #[serde(default)]
    item: Option<Track>,
    #[serde(default)]
    track: Option<Track>,
}

impl PlaylistItem {
    pub fn entry(&self) -> Option<&Track> {
        self.item.as_ref().or(self.track.as_ref())
    }

    pub fn to_listener_track(&self) -> Option<ListenerTrack> {
        if self.is_local {
            return None;
        }
        self.entry()?.to_listener_track()
    }
}

/// An entry of `/me/player/recently-played`.
#[derive(Debug, Clone, Deserialize)]
pub struct PlayHistory {
    #[serde(default)]
    pub track: Option<Track>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Owner {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// Where a playlist's track count lives: `items.total` now, `tracks.total` in the older shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ItemCount {
    #[serde(default)]
    pub total: u32,
}

/// A playlist as `/me/playlists` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SimplifiedPlaylist {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub owner: Owner,
    #[serde(default)]
    pub collaborative: bool,
    #[serde(default)]
    items: Option<ItemCount>,
    #[serde(default)]
    tracks: Option<ItemCount>,
}

impl SimplifiedPlaylist {
    /// The number of entries, from whichever shape Spotify sent.
    pub fn n_items(&self) -> u32 {
        self.items.or(self.tracks).map_or(0, |c| c.total)
    }

    /// Whether the listener may read its items: their own playlists and collaborative ones.
    pub fn is_readable_by(&self, user_id: &str) -> bool {
        self.owner.id == user_id || self.collaborative
    }
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// The reply to `POST /me/playlists`. Only the id is read: the link shown to the listener is
/// built from it ([`playlist_url`]), never taken from the reply's `href` or `external_urls`, so a
/// reply cannot point the listener anywhere but Spotify's own playlist page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedPlaylist {
    pub id: String,
}

/// `https://open.spotify.com/playlist/{id}`, with the id escaped as one path segment.
pub fn playlist_url(id: &str) -> String {
    format!(
        "https://open.spotify.com/playlist/{}",
        crate::pkce::percent_encode(id)
    )
}

/// A playlist as `GET /playlists/{id}` returns it, read only for its number of entries (how far
/// an interrupted save got).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlaylistDetails {
    pub id: String,
    #[serde(default)]
    items: Option<ItemCount>,
    #[serde(default)]
    tracks: Option<ItemCount>,
}

impl PlaylistDetails {
    /// The number of entries, from whichever shape Spotify sent.
    pub fn n_items(&self) -> u32 {
        self.items.or(self.tracks).map_or(0, |c| c.total)
    }
}

/// `POST /me/playlists` body: always private.
#[derive(Debug, Clone, Serialize)]
pub struct NewPlaylist<'a> {
    pub name: &'a str,
    pub public: bool,
    pub description: &'a str,
}

/// `POST /playlists/{id}/items` body; at most [`MAX_URIS_PER_ADD`] uris.
#[derive(Debug, Clone, Serialize)]
pub struct AddItems<'a> {
    pub uris: &'a [String],
}

/// Spotify's limit on uris per add-items request.
pub const MAX_URIS_PER_ADD: usize = 100;

/// Spotify's page size limit for library lists.
pub const PAGE_LIMIT: u32 = 50;

/// The `time_range` of `GET /me/top/tracks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeRange {
    /// About four weeks.
    ShortTerm,
    /// About six months (Spotify's default).
    MediumTerm,
    /// About a year and more.
    LongTerm,
}

impl TimeRange {
    pub const ALL: [TimeRange; 3] = [
        TimeRange::ShortTerm,
        TimeRange::MediumTerm,
        TimeRange::LongTerm,
    ];

    /// The query value: `short_term`, `medium_term`, `long_term`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeRange::ShortTerm => "short_term",
            TimeRange::MediumTerm => "medium_term",
            TimeRange::LongTerm => "long_term",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The period in words, as Spotify documents it.
    pub fn label(self) -> &'static str {
        match self {
            TimeRange::ShortTerm => "last four weeks",
            TimeRange::MediumTerm => "last six months",
            TimeRange::LongTerm => "last year and more",
        }
    }
}

/// The token endpoint's reply. `Debug` hides the tokens.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default = "default_expires_in")]
    pub expires_in: u32,
    /// Present on every PKCE exchange and refresh (it rotates); kept optional to be safe.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

fn default_expires_in() -> u32 {
    3600
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// What could be read from an error reply, whatever its shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody {
    /// OAuth error code (`invalid_grant`, `invalid_client`, `access_denied`).
    pub oauth_error: Option<String>,
    /// Human message from `{"error":{"message"}}`, `error_description`, or the plain-text body.
    pub message: Option<String>,
    /// Spotify's `reason` (e.g. `QUOTA_EXCEEDED`).
    pub reason: Option<String>,
}

#[derive(Deserialize)]
struct ApiErrorJson {
    error: ApiErrorValue,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ApiErrorValue {
    Code(String),
    Object {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
}

impl ErrorBody {
    /// Reads a Web API error (`{"error":{"status","message"}}`), an OAuth error
    /// (`{"error":"invalid_grant","error_description"}`) or plain text. Never fails.
    pub fn parse(body: &str) -> Self {
        let body = body.trim();
        match serde_json::from_str::<ApiErrorJson>(body) {
            Ok(ApiErrorJson {
                error: ApiErrorValue::Code(code),
                error_description,
            }) => Self {
                oauth_error: Some(code),
                message: error_description,
                reason: None,
            },
            Ok(ApiErrorJson {
                error: ApiErrorValue::Object { message, reason },
                ..
            }) => Self {
                oauth_error: None,
                message,
                reason,
            },
            Err(_) if body.is_empty() || body.starts_with(['{', '[', '<']) => Self::default(),
            // Plain text: keep a bounded prefix, it may be shown in a details line.
            Err(_) => Self {
                message: Some(body.chars().take(200).collect()),
                ..Self::default()
            },
        }
    }

    /// Whether this is Spotify telling a development-mode app that the user is not on its
    /// allow-list (the wording has changed over the years; these fragments cover the known ones).
    pub fn is_user_not_registered(&self) -> bool {
        self.message.as_deref().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("not registered") || m.contains("may not be registered")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID_A: &str = "5SuOikwiRyPMVoIQDJUgSV";
    const ID_B: &str = "0poAcsyKGAMc8goHsV0Dxm";

    fn track_json(id: &str, name: &str) -> String {
        format!(
            r#"{{"id":"{id}","uri":"spotify:track:{id}","name":"{name}","type":"track",
              "duration_ms":201000,"explicit":false,"is_local":false,
              "artists":[{{"id":"x","name":"First","uri":"spotify:artist:x"}},{{"name":"Second"}}],
              "album":{{"id":"al","name":"The Album","release_date":"2019-05-03",
                "release_date_precision":"day","images":[{{"url":"u","height":640,"width":640}}]}},
              "external_ids":{{"isrc":"USUM71900123"}},
              "external_urls":{{"spotify":"https://open.spotify.com/track/{id}"}},
              "preview_url":null}}"#
        )
    }

    #[test]
    fn saved_tracks_page_with_a_null_track() {
        let json = format!(
            r#"{{"href":"h","limit":50,"offset":0,"total":4210,
               "next":"https://api.spotify.com/v1/me/tracks?offset=50&limit=50","previous":null,
               "items":[{{"added_at":"2025-03-01T12:00:00Z","track":{}}},
                        {{"added_at":"2025-02-01T12:00:00Z","track":null}}]}}"#,
            track_json(ID_A, "Song")
        );
        let page: Paging<SavedTrack> = serde_json::from_str(&json).unwrap();
        assert_eq!(page.total, Some(4210));
        assert_eq!(
            page.next.as_deref(),
            Some("https://api.spotify.com/v1/me/tracks?offset=50&limit=50")
        );
        let tracks: Vec<_> = page
            .items
            .iter()
            .filter_map(|i| i.track.as_ref()?.to_listener_track())
            .collect();
        assert_eq!(
            tracks,
            vec![ListenerTrack {
                id: Some(TrackId::parse(ID_A).unwrap()),
                title: "Song".into(),
                artists: vec!["First".into(), "Second".into()],
                album: Some("The Album".into()),
                isrc: Some("USUM71900123".into()),
            }]
        );
        assert_eq!(
            page.items[1].added_at.as_deref(),
            Some("2025-02-01T12:00:00Z")
        );
    }

    #[test]
    fn playlist_items_item_track_alias_local_files_and_episodes() {
        let json = format!(
            r#"{{"total":5,"next":null,"items":[
              {{"added_at":"a","is_local":false,"item":{a},"track":{a}}},
              {{"added_at":"b","is_local":false,"track":{b}}},
              {{"added_at":"c","is_local":true,"item":{{"id":null,"uri":"spotify:local:x:y:z:1",
                "name":"Home demo","type":"track","is_local":true,"artists":[{{"name":"Me"}}]}}}},
              {{"added_at":"d","is_local":false,"item":{{"id":"{ID_B}","type":"episode",
                "name":"A podcast","uri":"spotify:episode:{ID_B}","show":{{"name":"Show"}}}}}},
              {{"added_at":"e","is_local":false,"item":null,"track":null}}]}}"#,
            a = track_json(ID_A, "From item"),
            b = track_json(ID_B, "From track alias"),
        );
        let page: Paging<PlaylistItem> = serde_json::from_str(&json).unwrap();
        assert_eq!(page.items.len(), 5);
        let titles: Vec<_> = page
            .items
            .iter()
            .filter_map(PlaylistItem::to_listener_track)
            .map(|t| t.title)
            .collect();
        assert_eq!(titles, ["From item", "From track alias"]);
    }

    #[test]
    fn playlists_count_in_either_shape_and_readability() {
        let json = r#"{"items":[
            {"id":"p1","name":"Mine","owner":{"id":"me"},"collaborative":false,"items":{"total":12}},
            {"id":"p2","name":"Old shape","owner":{"id":"other","display_name":"O"},
             "collaborative":true,"tracks":{"href":"h","total":7}},
            {"id":"p3","name":"Theirs","owner":{"id":"other"},"collaborative":false}],
          "next":null,"total":3}"#;
        let page: Paging<SimplifiedPlaylist> = serde_json::from_str(json).unwrap();
        let got: Vec<_> = page
            .items
            .iter()
            .map(|p| (p.n_items(), p.is_readable_by("me")))
            .collect();
        assert_eq!(got, [(12, true), (7, true), (0, false)]);
    }

    #[test]
    fn top_tracks_and_recently_played() {
        let top = format!(
            r#"{{"items":[{}],"total":1,"next":null}}"#,
            track_json(ID_A, "Top")
        );
        let top: Paging<Track> = serde_json::from_str(&top).unwrap();
        assert_eq!(top.items[0].to_listener_track().unwrap().title, "Top");
        let recent = format!(
            r#"{{"items":[{{"track":{},"played_at":"2026-01-01T00:00:00Z"}}],"next":null,
                "cursors":{{"after":"1","before":"0"}},"limit":50}}"#,
            track_json(ID_B, "Recent")
        );
        let recent: CursorPaging<PlayHistory> = serde_json::from_str(&recent).unwrap();
        assert_eq!(recent.items[0].track.as_ref().unwrap().name, "Recent");
    }

    #[test]
    fn token_response_and_its_debug_hides_tokens() {
        let t: TokenResponse = serde_json::from_str(
            r#"{"access_token":"AT-secret","token_type":"Bearer","scope":"user-top-read",
                "expires_in":3600,"refresh_token":"RT-secret"}"#,
        )
        .unwrap();
        assert_eq!(t.refresh_token.as_deref(), Some("RT-secret"));
        let debug = format!("{t:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn the_playlist_link_is_built_from_the_id_never_from_the_reply() {
        let hostile: CreatedPlaylist = serde_json::from_str(
            r#"{"id":"3cEYpjA9oz9GiPac4AsH4n","uri":"spotify:playlist:3cEYpjA9oz9GiPac4AsH4n",
                "href":"https://evil.example/phish",
                "external_urls":{"spotify":"javascript:alert(1)"}}"#,
        )
        .unwrap();
        assert_eq!(
            playlist_url(&hostile.id),
            "https://open.spotify.com/playlist/3cEYpjA9oz9GiPac4AsH4n"
        );
        assert_eq!(
            playlist_url("../../evil?x=1"),
            "https://open.spotify.com/playlist/..%2F..%2Fevil%3Fx%3D1",
            "an id cannot leave the playlist path"
        );
        let details: PlaylistDetails =
            serde_json::from_str(r#"{"id":"p","items":{"total":200}}"#).unwrap();
        assert_eq!(details.n_items(), 200);
        let body = serde_json::to_string(&NewPlaylist {
            name: "n",
            public: false,
            description: "d",
        })
        .unwrap();
        assert_eq!(body, r#"{"name":"n","public":false,"description":"d"}"#);
    }

    #[test]
    fn time_ranges_round_trip() {
        for range in TimeRange::ALL {
            assert_eq!(TimeRange::parse(range.as_str()), Some(range));
        }
        assert_eq!(TimeRange::parse("forever"), None);
    }

    #[test]
    fn error_bodies_of_every_shape() {
        let cases = [
            (
                r#"{"error":{"status":401,"message":"The access token expired"}}"#,
                ErrorBody {
                    message: Some("The access token expired".into()),
                    ..Default::default()
                },
            ),
            (
                r#"{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}"#,
                ErrorBody {
                    message: Some("Too many requests".into()),
                    reason: Some("QUOTA_EXCEEDED".into()),
                    oauth_error: None,
                },
            ),
            (r#"{"error":{"status":403}}"#, ErrorBody::default()),
            (
                r#"{"error":"invalid_grant","error_description":"Refresh token revoked"}"#,
                ErrorBody {
                    oauth_error: Some("invalid_grant".into()),
                    message: Some("Refresh token revoked".into()),
                    reason: None,
                },
            ),
            (
                r#"{"error":"invalid_client"}"#,
                ErrorBody {
                    oauth_error: Some("invalid_client".into()),
                    ..Default::default()
                },
            ),
            (
                "User not registered in the Developer Dashboard",
                ErrorBody {
                    message: Some("User not registered in the Developer Dashboard".into()),
                    ..Default::default()
                },
            ),
            ("", ErrorBody::default()),
            ("<html>bad gateway</html>", ErrorBody::default()),
            ("{not json", ErrorBody::default()),
        ];
        for (body, want) in cases {
            assert_eq!(ErrorBody::parse(body), want, "{body}");
        }
    }

    #[test]
    fn recognises_every_known_not_registered_wording() {
        for text in [
            "User not registered in the Developer Dashboard",
            "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
            "The user is not registered for this application",
            r#"{"error":{"status":403,"message":"User not registered in the Developer Dashboard"}}"#,
        ] {
            assert!(ErrorBody::parse(text).is_user_not_registered(), "{text}");
        }
        for text in [
            r#"{"error":{"status":403,"message":"Forbidden"}}"#,
            "Forbidden",
            "",
        ] {
            assert!(!ErrorBody::parse(text).is_user_not_registered(), "{text}");
        }
    }
}
