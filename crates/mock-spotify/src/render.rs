//! Spotify's JSON shapes for the library's objects, as the 2026 API sends them: no `popularity`,
//! no `available_markets`, `preview_url: null`, `external_ids.isrc` present, playlist entries with
//! both `item` and its deprecated alias `track`.
//!
//! Every `href`, `next` and image url points at the mock's own base url, so an app under test only
//! ever talks to the origins it was configured with.

use serde_json::{Value, json};

use crate::library::{
    Item, Library, MockArtist, MockTrack, Owner, Playlist, PlaylistEntry, base62_id, derived_u128,
};

/// Renders objects with urls under one base (`http://127.0.0.1:PORT`).
#[derive(Debug, Clone, Copy)]
pub struct Renderer<'a> {
    pub base_url: &'a str,
    pub library: &'a Library,
}

impl Renderer<'_> {
    fn api(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.base_url)
    }

    fn images(&self, key: &str) -> Value {
        json!([{ "url": format!("{}/image/{key}", self.base_url), "height": 640, "width": 640 }])
    }

    pub fn artist(&self, artist: &MockArtist) -> Value {
        json!({
            "external_urls": { "spotify": format!("https://open.spotify.com/artist/{}", artist.id) },
            "href": self.api(&format!("artists/{}", artist.id)),
            "id": artist.id.to_string(),
            "name": artist.name,
            "type": "artist",
            "uri": artist.id.uri(),
        })
    }

    pub fn track(&self, track: &MockTrack) -> Value {
        let album_id = track.album_id();
        let artists: Vec<Value> = track.artists.iter().map(|a| self.artist(a)).collect();
        let (release_date, precision) = match track.year {
            Some(year) => (format!("{year:04}"), "year"),
            // Spotify really sends this for tracks whose release date it does not know.
            None => ("0000".to_owned(), "year"),
        };
        json!({
            "album": {
                "album_type": "album",
                "artists": artists.first().cloned().into_iter().collect::<Vec<_>>(),
                "external_urls": { "spotify": format!("https://open.spotify.com/album/{album_id}") },
                "href": self.api(&format!("albums/{album_id}")),
                "id": album_id,
                "images": self.images(&album_id),
                "name": track.album,
                "release_date": release_date,
                "release_date_precision": precision,
                "total_tracks": 12,
                "type": "album",
                "uri": format!("spotify:album:{album_id}"),
            },
            "artists": artists,
            "disc_number": 1,
            "duration_ms": track.duration_ms,
            "explicit": false,
            "external_ids": { "isrc": track.isrc() },
            "external_urls": { "spotify": format!("https://open.spotify.com/track/{}", track.id) },
            "href": self.api(&format!("tracks/{}", track.id)),
            "id": track.id.to_string(),
            "is_local": false,
            "name": track.name,
            "preview_url": null,
            "track_number": 1,
            "type": "track",
            "uri": track.id.uri(),
        })
    }

    pub fn track_at(&self, index: usize) -> Value {
        self.library
            .tracks
            .get(index)
            .map_or(Value::Null, |t| self.track(t))
    }

    /// The object under a playlist entry's `item` (and `track`): a track, an episode, or null.
    pub fn item(&self, item: &Item) -> Value {
        match item {
            Item::Track(index) => self.track_at(*index),
            Item::OtherTrack(id) => {
                let track = MockTrack {
                    id: *id,
                    name: format!("Track {id}"),
                    artists: vec![MockArtist {
                        id: encore_engine::ArtistId(derived_u128(&["artist", "unknown"])),
                        name: "Unknown Artist".into(),
                    }],
                    album: "Unknown Album".into(),
                    year: None,
                    duration_ms: 200_000,
                };
                self.track(&track)
            }
            Item::Unavailable => Value::Null,
            Item::Local {
                artist,
                album,
                name,
                duration_ms,
            } => {
                let uri = format!(
                    "spotify:local:{}:{}:{}:{}",
                    local_part(artist),
                    local_part(album),
                    local_part(name),
                    duration_ms / 1000
                );
                json!({
                    "album": { "album_type": null, "artists": [], "external_urls": {}, "href": null,
                        "id": null, "images": [], "name": album, "release_date": null,
                        "release_date_precision": null, "type": "album", "uri": null },
                    "artists": [{ "external_urls": {}, "href": null, "id": null, "name": artist,
                        "type": "artist", "uri": null }],
                    "disc_number": 0,
                    "duration_ms": duration_ms,
                    "explicit": false,
                    "external_ids": {},
                    "external_urls": {},
                    "href": null,
                    "id": null,
                    "is_local": true,
                    "name": name,
                    "preview_url": null,
                    "track_number": 0,
                    "type": "track",
                    "uri": uri,
                })
            }
            Item::Episode {
                id,
                name,
                show,
                duration_ms,
            } => {
                let show_id = base62_id(derived_u128(&["show", show]));
                json!({
                    "description": "",
                    "duration_ms": duration_ms,
                    "explicit": false,
                    "external_urls": { "spotify": format!("https://open.spotify.com/episode/{id}") },
                    "href": self.api(&format!("episodes/{id}")),
                    "id": id,
                    "images": self.images(id),
                    "is_local": false,
                    "name": name,
                    "release_date": "2026-10-01",
                    "release_date_precision": "day",
                    "show": { "id": show_id, "name": show, "type": "show", "uri": format!("spotify:show:{show_id}") },
                    "type": "episode",
                    "uri": format!("spotify:episode:{id}"),
                })
            }
        }
    }

    pub fn playlist_entry(&self, entry: &PlaylistEntry) -> Value {
        let item = self.item(&entry.item);
        json!({
            "added_at": timestamp(entry.added_at_s),
            "added_by": self.user_ref(&entry.added_by),
            "is_local": matches!(entry.item, Item::Local { .. }),
            "item": item,
            "primary_color": null,
            "track": item,
        })
    }

    fn user_ref(&self, id: &str) -> Value {
        json!({
            "external_urls": { "spotify": format!("https://open.spotify.com/user/{id}") },
            "href": self.api(&format!("users/{id}")),
            "id": id,
            "type": "user",
            "uri": format!("spotify:user:{id}"),
        })
    }

    pub fn owner(&self, owner: &Owner) -> Value {
        let mut value = self.user_ref(owner.id());
        value["display_name"] = json!(owner.display_name());
        value
    }

    /// A simplified playlist object (as in `GET /me/playlists`); the count sits under
    /// `items.total`, the 2026 shape.
    pub fn playlist(&self, playlist: &Playlist) -> Value {
        let id = &playlist.id;
        json!({
            "collaborative": playlist.collaborative,
            "description": playlist.description,
            "external_urls": { "spotify": format!("https://open.spotify.com/playlist/{id}") },
            "href": self.api(&format!("playlists/{id}")),
            "id": id,
            "images": self.images(id),
            "items": { "href": self.api(&format!("playlists/{id}/items")), "total": playlist.entries.len() },
            "name": playlist.name,
            "owner": self.owner(&playlist.owner),
            "public": playlist.public,
            "snapshot_id": snapshot_id(playlist),
            "type": "playlist",
            "uri": format!("spotify:playlist:{id}"),
        })
    }
}

pub fn snapshot_id(playlist: &Playlist) -> String {
    format!(
        "{}{:08}",
        base62_id(derived_u128(&["snapshot", &playlist.id])),
        playlist.version
    )
}

/// Local file uris escape their parts like a form value (`+` for spaces).
fn local_part(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An RFC 3339 UTC timestamp (`2026-11-01T00:00:00Z`) from Unix seconds.
pub fn timestamp(unix_s: i64) -> String {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date, after Howard Hinnant's
/// `civil_from_days` (<http://howardhinnant.github.io/date_algorithms.html>).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_known_dates() {
        for (unix_s, expected) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_793_491_200, "2026-11-01T00:00:00Z"),
            (1_793_491_199, "2026-10-31T23:59:59Z"),
        ] {
            assert_eq!(timestamp(unix_s), expected);
        }
    }

    #[test]
    fn local_parts_are_form_escaped() {
        assert_eq!(local_part("Demo Take 3"), "Demo+Take+3");
        assert_eq!(local_part("a:b"), "a%3Ab");
    }
}
