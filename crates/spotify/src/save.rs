//! Saving a list as a playlist, as a plan that survives failures.
//!
//! A save is one `POST /me/playlists` and then one `POST /playlists/{id}/items` per 100 tracks.
//! Writes are never retried blindly (see [`crate::reply`]), so a save can stop midway; the
//! [`SaveJob`] then keeps the created playlist's id and how many tracks it already holds, and the
//! listener's Retry resumes into that same playlist: never a second playlist, never a track twice.
//! Because a failed add may still have been applied, a resumed job first reads how many entries
//! the playlist really has ([`SaveJob::resync`]).
//!
//! The create request itself can be applied and its reply lost (a dropped connection, a 5xx from
//! a proxy). Such a job is kept too, marked [`SaveJob::create_unconfirmed`]; pressing Save again
//! first looks at the listener's newest playlist ([`SaveStep::FindCreated`]) and finishes that one
//! when it is the empty playlist this save would have made, so a lost reply never leaves two.

use serde::{Deserialize, Serialize};

use crate::api::{MAX_URIS_PER_ADD, SimplifiedPlaylist};

/// The most tracks a listener may save at once (the most results Encore shows).
pub const MAX_SAVED_TRACKS: usize = 500;

/// One save, from the listener's press of Save to its last track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveJob {
    pub name: String,
    pub description: String,
    /// `spotify:track:...` uris in playlist order.
    pub uris: Vec<String>,
    /// The playlist created for this save, once Spotify confirmed it.
    pub playlist_id: Option<String>,
    /// How many of `uris` the playlist holds.
    pub n_added: usize,
    /// The create request was sent but no reply confirmed or refused it: Spotify may have made
    /// the playlist.
    #[serde(default)]
    pub create_unconfirmed: bool,
}

/// A playlist Encore saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPlaylist {
    pub id: String,
    /// `https://open.spotify.com/playlist/{id}` ([`crate::api::playlist_url`]), to show as a link.
    pub url: String,
    pub n_tracks: usize,
}

/// The next request a save needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveStep<'a> {
    /// Read the listener's newest playlist (`GET /me/playlists?limit=1`) and pass it to
    /// [`SaveJob::found`]: it may be the one an unconfirmed create made.
    FindCreated,
    CreatePlaylist,
    /// Add these uris at the end of the playlist.
    Add(&'a [String]),
    Done,
}

impl SaveJob {
    /// A fresh save of `uris`; anything that is not a track (local files, episodes) is left out,
    /// and at most [`MAX_SAVED_TRACKS`] are kept.
    pub fn new(name: &str, description: &str, uris: &[String]) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            uris: uris
                .iter()
                .filter(|u| u.starts_with("spotify:track:"))
                .take(MAX_SAVED_TRACKS)
                .cloned()
                .collect(),
            playlist_id: None,
            n_added: 0,
            create_unconfirmed: false,
        }
    }

    /// `unfinished` if it is this very save stopped midway (same name, description and tracks),
    /// so pressing Save again resumes it; otherwise `self`.
    pub fn resuming(self, unfinished: Option<SaveJob>) -> SaveJob {
        match unfinished {
            Some(old)
                if (old.playlist_id.is_some() || old.create_unconfirmed)
                    && !old.is_done()
                    && (&old.name, &old.description, &old.uris)
                        == (&self.name, &self.description, &self.uris) =>
            {
                old
            }
            _ => self,
        }
    }

    pub fn next_step(&self) -> SaveStep<'_> {
        if self.playlist_id.is_none() {
            return if self.create_unconfirmed {
                SaveStep::FindCreated
            } else {
                SaveStep::CreatePlaylist
            };
        }
        let rest = &self.uris[self.n_added.min(self.uris.len())..];
        if rest.is_empty() {
            SaveStep::Done
        } else {
            SaveStep::Add(&rest[..rest.len().min(MAX_URIS_PER_ADD)])
        }
    }

    pub fn created(&mut self, playlist_id: String) {
        self.playlist_id = Some(playlist_id);
        self.n_added = 0;
        self.create_unconfirmed = false;
    }

    /// Records that the create request went unanswered (see [`SaveJob::create_unconfirmed`]).
    pub fn create_unanswered(&mut self) {
        self.create_unconfirmed = true;
    }

    /// Takes the answer to [`SaveStep::FindCreated`]: the listener's newest playlist, if any.
    /// It is this save's when `user_id` owns it, it bears this save's name and it is still empty
    /// (nothing is added before the create is confirmed, and a new playlist is listed first);
    /// then the save continues into it, otherwise it creates one.
    pub fn found(&mut self, newest: Option<&SimplifiedPlaylist>, user_id: &str) {
        match newest {
            Some(p) if p.owner.id == user_id && p.name == self.name && p.n_items() == 0 => {
                self.created(p.id.clone())
            }
            _ => self.create_unconfirmed = false,
        }
    }

    /// Records that the chunk of [`SaveStep::Add`] was added.
    pub fn added(&mut self, n: usize) {
        self.n_added = (self.n_added + n).min(self.uris.len());
    }

    /// Takes the number of entries the playlist really holds, read before resuming: an add that
    /// failed in flight may have been applied all the same.
    pub fn resync(&mut self, n_entries: usize) {
        self.n_added = n_entries.min(self.uris.len());
    }

    pub fn is_done(&self) -> bool {
        self.playlist_id.is_some() && self.n_added >= self.uris.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("spotify:track:{i:022}")).collect()
    }

    /// Runs `job` to the end and returns the sizes of the adds made.
    fn chunk_sizes(job: &mut SaveJob) -> Vec<usize> {
        let mut sizes = Vec::new();
        loop {
            match job.next_step() {
                SaveStep::CreatePlaylist => job.created("pl".into()),
                SaveStep::FindCreated => job.found(None, "me"),
                SaveStep::Add(chunk) => {
                    let n = chunk.len();
                    sizes.push(n);
                    job.added(n);
                }
                SaveStep::Done => return sizes,
            }
        }
    }

    #[test]
    fn saves_go_in_chunks_of_at_most_100() {
        for (n, want) in [
            (0, vec![]),
            (1, vec![1]),
            (100, vec![100]),
            (101, vec![100, 1]),
            (250, vec![100, 100, 50]),
            (500, vec![100; 5]),
            (600, vec![100; 5]),
        ] {
            let mut job = SaveJob::new("n", "d", &uris(n));
            assert_eq!(chunk_sizes(&mut job), want, "{n} tracks");
            assert!(job.is_done());
        }
    }

    #[test]
    fn only_tracks_are_saved() {
        let mixed = vec![
            "spotify:track:a".to_owned(),
            "spotify:local:x:y:z:1".to_owned(),
            "spotify:episode:e".to_owned(),
            "spotify:track:b".to_owned(),
        ];
        assert_eq!(
            SaveJob::new("n", "d", &mixed).uris,
            ["spotify:track:a", "spotify:track:b"]
        );
    }

    #[test]
    fn a_save_stopped_midway_resumes_into_its_playlist() {
        let all = uris(250);
        let mut job = SaveJob::new("n", "d", &all);
        job.created("pl".into());
        job.added(100);
        // The second add failed: the job is kept as it is.
        let stopped = job.clone();

        let again = SaveJob::new("n", "d", &all).resuming(Some(stopped.clone()));
        assert_eq!(
            again.playlist_id.as_deref(),
            Some("pl"),
            "no second playlist"
        );
        assert_eq!(again.next_step(), SaveStep::Add(&all[100..200]));

        // The failed add had been applied after all: the playlist's count says so.
        let mut applied = again.clone();
        applied.resync(200);
        assert_eq!(applied.next_step(), SaveStep::Add(&all[200..250]));

        for other in [
            SaveJob::new("other name", "d", &all),
            SaveJob::new("n", "other description", &all),
            SaveJob::new("n", "d", &all[..249]),
        ] {
            let fresh = other.clone().resuming(Some(stopped.clone()));
            assert_eq!(fresh, other, "another list starts its own playlist");
        }
        let mut finished = stopped.clone();
        finished.added(150);
        assert!(finished.is_done());
        assert_eq!(
            SaveJob::new("n", "d", &all)
                .resuming(Some(finished))
                .next_step(),
            SaveStep::CreatePlaylist,
            "saving a finished list again makes a new playlist"
        );
    }

    fn listed(id: &str, owner: &str, name: &str, n_items: u32) -> SimplifiedPlaylist {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "owner": { "id": owner }, "items": { "total": n_items },
        }))
        .expect("a listed playlist")
    }

    #[test]
    fn a_create_whose_reply_was_lost_is_finished_not_made_twice() {
        let all = uris(150);
        let mut job = SaveJob::new("Encore picks", "d", &all);
        assert_eq!(job.next_step(), SaveStep::CreatePlaylist);
        job.create_unanswered();
        let kept = job.clone();

        // Save again: the same list resumes the unconfirmed job, which first looks.
        let mut again = SaveJob::new("Encore picks", "d", &all).resuming(Some(kept.clone()));
        assert_eq!(again.next_step(), SaveStep::FindCreated);
        again.found(Some(&listed("made", "me", "Encore picks", 0)), "me");
        assert_eq!(
            again.playlist_id.as_deref(),
            Some("made"),
            "the lost create is adopted"
        );
        assert_eq!(again.next_step(), SaveStep::Add(&all[..100]));
        assert_eq!(chunk_sizes(&mut again), vec![100, 50]);

        // The newest playlist is not this save's: someone else's, another name, or one that
        // already holds songs (an older playlist of the same name). A new one is created.
        for newest in [
            None,
            Some(listed("theirs", "someone else", "Encore picks", 0)),
            Some(listed("other", "me", "Road trip", 0)),
            Some(listed("older", "me", "Encore picks", 12)),
        ] {
            let mut job = kept.clone();
            job.found(newest.as_ref(), "me");
            assert_eq!(job.playlist_id, None, "{newest:?}");
            assert_eq!(job.next_step(), SaveStep::CreatePlaylist, "{newest:?}");
        }

        // Another list never picks up the unconfirmed job.
        let other = SaveJob::new("Encore picks", "d", &all[..149]);
        assert_eq!(other.clone().resuming(Some(kept)), other);
    }

    #[test]
    fn a_job_kept_before_create_unconfirmed_existed_still_reads() {
        let old = r#"{"name":"n","description":"d","uris":[],"playlist_id":"pl","n_added":0}"#;
        let job: SaveJob = serde_json::from_str(old).expect("an older kept job");
        assert!(!job.create_unconfirmed);
        assert_eq!(job.playlist_id.as_deref(), Some("pl"));
    }
}
