//! What Encore keeps in the browser between visits, as the footer promises: the taste (every
//! pick and source) in IndexedDB, the controls and the last list in `localStorage`, all under
//! keys starting with `encore.` (so "Forget me" removes them with everything else).
//!
//! Storage refusing (private browsing, quota) costs only the memory: the app works on. Every
//! write holds the page's [`WritePermit`], so after Log out or Forget me nothing is written back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use super::protocol::{Answer, Request};
use super::taste::TasteState;
use super::{Entry, Workbench};
use crate::runtime::yield_now;
use crate::storage::{self, CacheWrite, WritePermit};

/// The taste, in IndexedDB: a 10,000-song library is too big for `localStorage`.
pub const TASTE_KEY: &str = "encore.taste";
pub const CONTROLS_KEY: &str = "encore.controls";
pub const LIST_KEY: &str = "encore.last-list";

fn local_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    storage::local_get(key).and_then(|json| serde_json::from_str(&json).ok())
}

fn save_local(permit: &WritePermit, key: &str, value: &impl serde::Serialize) {
    if !permit.is_valid() {
        return;
    }
    if let Ok(json) = serde_json::to_string(value) {
        // Not remembering is not an error the listener can act on mid-session.
        let _ = storage::local_set(key, &json);
    }
}

/// Restores what the last visit kept and keeps what changes from now on.
pub fn remember(bench: Workbench) {
    let permit = StoredValue::new(WritePermit::take());
    if let Some(controls) = local_json(CONTROLS_KEY) {
        bench.controls.set(controls);
    }
    if let Some(list) = local_json::<Vec<super::track::ShownTrack>>(LIST_KEY)
        && !list.is_empty()
    {
        bench.recs.set(list);
        // The list is made again once the catalog is ready, from the same taste and controls.
        bench.requested.set(true);
    }
    // Nothing is written over the stored taste before it has been read back.
    let restored = RwSignal::new(false);
    spawn_local(async move {
        let stored = storage::cache_get_all(&[TASTE_KEY.to_owned()])
            .await
            .ok()
            .and_then(|values| values.into_iter().next().flatten());
        if let Some(taste) = stored.and_then(|json| serde_json::from_str::<TasteState>(&json).ok())
            && !taste.tracks.is_empty()
        {
            if bench.entry.get_untracked() == Entry::Welcome {
                bench.entry.set(taste.entry());
            }
            bench.taste.set(taste);
        }
        restored.set(true);
    });
    // Each effect's first run only reads what was restored: nothing is written until the
    // listener changes something, so a visit that changes nothing stores nothing.
    // The taste is written a slice per task; a newer taste supersedes a write still being made.
    let taste_writes = StoredValue::new(0_u64);
    Effect::new(move |armed: Option<bool>| {
        let taste = bench.taste.get();
        if !restored.get() {
            return false;
        }
        if armed == Some(true) {
            let this_write = taste_writes.get_value() + 1;
            taste_writes.set_value(this_write);
            let permit = permit.get_value();
            spawn_local(async move {
                let Ok(json) = taste.to_json_in_slices(yield_now).await else {
                    return;
                };
                if taste_writes.get_value() == this_write {
                    let write = [CacheWrite::Put(TASTE_KEY.to_owned(), json)];
                    let _ = storage::cache_write_all(&permit, &write).await;
                }
            });
        }
        true
    });
    Effect::new(move |armed: Option<()>| {
        bench.controls.with(|c| {
            if armed.is_some() {
                permit.with_value(|p| save_local(p, CONTROLS_KEY, c));
            }
        });
    });
    Effect::new(move |armed: Option<()>| {
        bench.recs.with(|r| {
            if armed.is_some() {
                permit.with_value(|p| save_local(p, LIST_KEY, r));
            }
        });
    });
    // A remembered list from another catalog build points at other tracks: keep only the ones
    // this catalog holds at the same place.
    Effect::new(move |_| {
        if bench.facts().is_none() {
            return;
        }
        let list = bench.recs.get_untracked();
        spawn_local(async move {
            let request = Request::StillValid { list: list.clone() };
            if let Some(Answer::StillValid(valid)) = bench.ask(request).await
                && valid != list
                && bench.recs.with_untracked(|now| *now == list)
            {
                bench.recs.set(valid);
            }
        });
    });
}
