//! The merge of a liked-songs read with the cache, as a state machine with no IO.
//!
//! Spotify lists liked songs newest first, by offset, 50 a page. The importer asks [`LikedSync`]
//! which page to fetch next ([`LikedSync::next_request`]), fetches as many at once as its
//! concurrency allows, and hands every reply back ([`LikedSync::receive`]) in whatever order it
//! arrives. The machine decides what the replies mean:
//!
//! - **No cache**: read the whole list. The first page comes alone (it tells the total), then
//!   every other page may be in flight at once.
//! - **A finished cache** (an incremental sync): read from the top, one page at a time, until the
//!   newest cached song shows up; what came before it was liked since and goes on top. If the
//!   counts then disagree with Spotify's total, songs were un-liked somewhere below, which cannot
//!   be located without reading: the pages read so far are kept as the start of the list and the
//!   rest is read again. If the newest cached song has not shown up after [`SYNC_PAGES`] pages,
//!   the rest is read the same way (many songs were added, or the newest was un-liked).
//! - **An unfinished cache** (a resumed import): its entries are kept, but checked before they
//!   are trusted: the page holding the last cached entry (the boundary) and the first page must
//!   both agree with the cache. Spotify only ever adds songs at the top, so any change before the
//!   boundary either shifts it (a removal) or changes the first page (an addition). If either
//!   disagrees, everything is read again.
//!
//! Every reply is checked against the list's shape: the same total on every page, and as many
//! items as the total leaves room for at that offset. A reply that disagrees means the list
//! changed while it was being read, and the read starts over; replies to requests of an earlier
//! attempt are then ignored. So the result is always exactly Spotify's list, in order, each entry
//! once, however the replies were ordered.
//!
//! ```
//! use encore_spotify::sync::{LikedSync, Page, Received};
//!
//! let mut sync = LikedSync::new(Vec::<u32>::new(), false, 2);
//! let first = sync.next_request().unwrap();
//! assert_eq!(first.offset, 0);
//! assert!(sync.next_request().is_none(), "the first page comes alone");
//! sync.receive(first, Page { total: 3, items: vec![30, 20] });
//! let second = sync.next_request().unwrap();
//! assert_eq!(sync.receive(second, Page { total: 3, items: vec![10] }), Received::Done);
//! assert_eq!(sync.into_entries(), Some(vec![30, 20, 10]));
//! ```

use std::collections::BTreeMap;

/// Pages an incremental sync reads one at a time looking for the newest cached song, before it
/// reads the rest of the list at full concurrency instead.
pub const SYNC_PAGES: usize = 4;

/// One page to fetch: `page_size` entries from `offset`. Hand it back with its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: usize,
    /// Which attempt asked for it; replies to an abandoned attempt are ignored.
    attempt: u32,
}

/// A liked-songs page as Spotify sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<E> {
    /// Spotify's `total`: the length of the whole list when the page was served.
    pub total: usize,
    pub items: Vec<E>,
}

/// What a reply changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Keep fetching.
    Continue,
    /// The list is complete: take it with [`LikedSync::into_entries`].
    Done,
    /// The reply showed the list or the cache to be out of date: the read starts over and every
    /// request in flight can be dropped (its reply would be ignored).
    Restarted,
}

/// How far the read has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    /// Never below `done`.
    pub total: usize,
}

#[derive(Debug)]
enum Phase<E> {
    /// An incremental sync: reading from the top, page by page, for the newest cached entry.
    Newest {
        cached: Vec<E>,
        read: Vec<E>,
    },
    /// Reading the list at `start + k * page_size`; pages may arrive in any order.
    Reading(Reading<E>),
    Done(Vec<E>),
}

/// The state of an out-of-order read.
#[derive(Debug)]
struct Reading<E> {
    /// The entries known so far, from offset 0 on without a gap.
    prefix: Vec<E>,
    /// The first offset read in this phase (at most `prefix.len()`).
    start: usize,
    /// Entries of `prefix` that still have to be confirmed by a page: the cache of a resumed
    /// import is trusted only once its first page and its boundary agree with Spotify.
    unconfirmed: Vec<usize>,
    /// Pages that arrived ahead of the prefix, by offset.
    ahead: BTreeMap<usize, Vec<E>>,
    /// The offsets still to request, lowest first; `None` until the total is known.
    to_request: Option<Vec<usize>>,
    /// Whether the first request (the one that tells the total) is out.
    first_requested: bool,
}

/// A liked-songs read merging with the cache; see the module doc.
#[derive(Debug)]
pub struct LikedSync<E> {
    phase: Phase<E>,
    page_size: usize,
    total: Option<usize>,
    attempt: u32,
    /// Requests of this attempt whose reply has not come yet.
    in_flight: usize,
    /// See [`LikedSync::rebases`].
    rebases: u32,
}

impl<E: PartialEq> LikedSync<E> {
    /// Starts from what the cache holds: `cached` newest first, `complete` when the import that
    /// wrote it finished. `page_size` is what each request asks for (Spotify's 50).
    pub fn new(cached: Vec<E>, complete: bool, page_size: usize) -> Self {
        let page_size = page_size.max(1);
        let phase = match (cached.is_empty(), complete) {
            (true, _) => Phase::Reading(Reading::from_scratch()),
            (false, true) => Phase::Newest {
                cached,
                read: Vec::new(),
            },
            (false, false) if cached.len() <= page_size => Phase::Reading(Reading::from_scratch()),
            (false, false) => Phase::Reading(Reading::resuming(cached)),
        };
        Self {
            phase,
            page_size,
            total: None,
            attempt: 0,
            in_flight: 0,
            rebases: 0,
        }
    }

    /// Counts the times the entries stopped extending the cache they started from (songs went on
    /// top, or the read started over): a store that saved earlier checkpoints must then write
    /// everything again rather than only what was added.
    pub fn rebases(&self) -> u32 {
        self.rebases
    }

    /// The next page to fetch now, or `None` while the read must wait for a reply (the first page
    /// tells the total; a sync reads one page at a time) or when everything is requested.
    pub fn next_request(&mut self) -> Option<PageRequest> {
        let offset = match &mut self.phase {
            Phase::Done(_) => None,
            Phase::Newest { read, .. } => (self.in_flight == 0).then_some(read.len()),
            Phase::Reading(reading) if !reading.first_requested => {
                reading.first_requested = true;
                // A resumed import starts at its boundary: the page that holds the last cached
                // entry, so the first reply already checks it.
                Some(reading.start)
            }
            Phase::Reading(reading) => match &mut reading.to_request {
                Some(offsets) if !offsets.is_empty() => Some(offsets.remove(0)),
                _ => None,
            },
        }?;
        self.in_flight += 1;
        Some(PageRequest {
            offset,
            attempt: self.attempt,
        })
    }

    /// Takes the reply to `request`.
    pub fn receive(&mut self, request: PageRequest, page: Page<E>) -> Received {
        if request.attempt != self.attempt {
            return Received::Continue;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        if !self.fits_the_list(request.offset, &page) {
            return self.restart();
        }
        self.total = Some(page.total);
        let total = page.total;
        let outcome = match &mut self.phase {
            Phase::Done(_) => Step::Continue,
            Phase::Newest { cached, read } => {
                newest_step(cached, read, page.items, total, self.page_size)
            }
            Phase::Reading(reading) => {
                reading.take(request.offset, page.items, total, self.page_size)
            }
        };
        match outcome {
            Step::Continue => Received::Continue,
            Step::Done { entries, rebased } => {
                self.rebases += u32::from(rebased);
                self.phase = Phase::Done(entries);
                Received::Done
            }
            Step::ReadRest(prefix) => {
                self.rebases += 1;
                let mut reading = Reading::after_sync(prefix);
                reading.plan(total, self.page_size, false);
                self.phase = Phase::Reading(reading);
                self.settle()
            }
            Step::ReadRestUnlessDone => self.settle(),
            Step::Restart => self.restart(),
        }
    }

    /// Whether a reply agrees with the shape of the list read so far: the same total, and as many
    /// items as that total leaves at the offset.
    fn fits_the_list(&self, offset: usize, page: &Page<E>) -> bool {
        let expected = page.total.saturating_sub(offset).min(self.page_size);
        self.total.is_none_or(|total| total == page.total) && page.items.len() == expected
    }

    /// Finishes a read that has nothing left to fetch.
    fn settle(&mut self) -> Received {
        if let Phase::Reading(reading) = &mut self.phase
            && let Some(total) = self.total
            && reading.prefix.len() == total
            && reading.unconfirmed.is_empty()
        {
            let entries = std::mem::take(&mut reading.prefix);
            self.phase = Phase::Done(entries);
            return Received::Done;
        }
        Received::Continue
    }

    /// Forgets everything read and starts over from the top, ignoring replies still to come.
    fn restart(&mut self) -> Received {
        self.attempt += 1;
        self.rebases += 1;
        self.in_flight = 0;
        self.total = None;
        self.phase = Phase::Reading(Reading::from_scratch());
        Received::Restarted
    }

    /// How far the read has got.
    pub fn progress(&self) -> Progress {
        let done = match &self.phase {
            Phase::Newest { cached, read } => read.len() + cached.len(),
            Phase::Reading(reading) => reading.prefix.len(),
            Phase::Done(entries) => entries.len(),
        };
        let total = self.total.unwrap_or(0).max(done);
        // While a sync looks for the newest cached song, its guess exceeds the total when some
        // were un-liked; the bar then shows full rather than more than full.
        Progress {
            done: done.min(total),
            total,
        }
    }

    /// The entries known to start Spotify's list as it is now, to save as an unfinished import:
    /// `None` while a sync still relies on a finished cache (which must then stay as it is).
    pub fn checkpoint(&self) -> Option<&[E]> {
        match &self.phase {
            Phase::Newest { .. } => None,
            Phase::Reading(reading) => Some(&reading.prefix),
            Phase::Done(entries) => Some(entries),
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }

    /// The whole list once [`Received::Done`] was returned; `None` before.
    pub fn into_entries(self) -> Option<Vec<E>> {
        match self.phase {
            Phase::Done(entries) => Some(entries),
            _ => None,
        }
    }
}

/// What a reply did to the current phase.
enum Step<E> {
    Continue,
    /// A sync is complete; `rebased` unless it found nothing new.
    Done {
        entries: Vec<E>,
        rebased: bool,
    },
    /// A sync has to read the rest of the list after these entries (the pages it read).
    ReadRest(Vec<E>),
    /// A page arrived; the read may now be complete.
    ReadRestUnlessDone,
    Restart,
}

/// One page of an incremental sync (always the next one: the sync reads one at a time).
fn newest_step<E: PartialEq>(
    cached: &mut Vec<E>,
    read: &mut Vec<E>,
    items: Vec<E>,
    total: usize,
    page_size: usize,
) -> Step<E> {
    let start = read.len();
    read.extend(items);
    let newest = cached.first();
    let found = read[start..]
        .iter()
        .position(|entry| Some(entry) == newest)
        .map(|i| start + i);
    match found {
        Some(n_added) if n_added + cached.len() == total => {
            read.truncate(n_added);
            read.append(cached);
            Step::Done {
                entries: std::mem::take(read),
                rebased: n_added > 0,
            }
        }
        // Found, but songs below were un-liked: what was read is right, the rest must be read.
        Some(_) => Step::ReadRest(std::mem::take(read)),
        // The whole list was read without meeting the newest cached song: it is the list.
        None if read.len() == total => Step::Done {
            entries: std::mem::take(read),
            rebased: true,
        },
        None if read.len() >= SYNC_PAGES * page_size => Step::ReadRest(std::mem::take(read)),
        None => Step::Continue,
    }
}

impl<E: PartialEq> Reading<E> {
    fn from_scratch() -> Self {
        Self::after_sync(Vec::new())
    }

    /// Continues after `prefix`, which was just read and needs no confirmation.
    fn after_sync(prefix: Vec<E>) -> Self {
        Self {
            start: prefix.len(),
            prefix,
            unconfirmed: Vec::new(),
            ahead: BTreeMap::new(),
            to_request: None,
            first_requested: false,
        }
    }

    /// Resumes after `cached` (more than one page), once its first and last entries are confirmed.
    fn resuming(cached: Vec<E>) -> Self {
        let boundary = cached.len() - 1;
        Self {
            start: boundary,
            unconfirmed: vec![0, boundary],
            prefix: cached,
            ahead: BTreeMap::new(),
            to_request: None,
            first_requested: false,
        }
    }

    /// Plans every other request once the total is known: the first page when a cache is being
    /// confirmed, then every page from `start` on (after the first one, if it was read).
    fn plan(&mut self, total: usize, page_size: usize, first_page_read: bool) {
        let mut offsets: Vec<usize> = Vec::new();
        if self.unconfirmed.contains(&0) && self.start > 0 {
            offsets.push(0);
        }
        let first_unread = self.start + if first_page_read { page_size } else { 0 };
        offsets.extend((first_unread..total).step_by(page_size));
        self.to_request = Some(offsets);
        self.first_requested = true;
    }

    /// Takes the page at `offset`: confirms the cached entries it covers, extends the prefix.
    fn take(&mut self, offset: usize, items: Vec<E>, total: usize, page_size: usize) -> Step<E> {
        // A cache longer than the list: songs were un-liked before its end.
        if self.prefix.len() > total {
            return Step::Restart;
        }
        // Entries of the page that overlap the prefix must equal it.
        let overlap = self.prefix.len().saturating_sub(offset).min(items.len());
        if overlap > 0 && items[..overlap] != self.prefix[offset..offset + overlap] {
            return Step::Restart;
        }
        self.unconfirmed
            .retain(|&i| !(offset..offset + overlap).contains(&i));
        if overlap < items.len() {
            self.ahead.insert(offset, items);
        }
        if self.to_request.is_none() {
            self.plan(total, page_size, true);
        }
        // Append every page that now continues the prefix without a gap.
        while let Some(entry) = self.ahead.first_entry() {
            let page_offset = *entry.key();
            if page_offset > self.prefix.len() {
                break;
            }
            let items = entry.remove();
            let skip = self.prefix.len() - page_offset;
            self.prefix.extend(items.into_iter().skip(skip));
        }
        Step::ReadRestUnlessDone
    }
}

/// How many pages to have in flight at once: start at the maximum, halve on every sign of a rate
/// limit (a 429 or a failure without CORS headers), and win one back after a run of clean pages.
/// Additive increase, multiplicative decrease, as TCP does, so a storm of 429s is met by one
/// request at a time and a quiet spell returns to full speed within a few dozen pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concurrency {
    limit: usize,
    max: usize,
    clean_pages: usize,
}

impl Concurrency {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Self {
            limit: max,
            max,
            clean_pages: 0,
        }
    }

    /// Pages to have in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A page arrived without a sign of throttling.
    pub fn on_page(&mut self) {
        self.clean_pages += 1;
        // Twice the current limit in clean pages: a full round of requests, twice over.
        if self.limit < self.max && self.clean_pages >= 2 * self.limit {
            self.limit += 1;
            self.clean_pages = 0;
        }
    }

    /// Spotify asked to slow down (a 429, or a network failure that most likely is one).
    pub fn on_throttled(&mut self) {
        self.limit = (self.limit / 2).max(1);
        self.clean_pages = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 3;

    /// Spotify's list: `n` entries, newest first, each a distinct number.
    fn list(n: usize) -> Vec<u32> {
        (0..n as u32).rev().map(|i| 1000 + i).collect()
    }

    fn page_of(list: &[u32], offset: usize) -> Page<u32> {
        let end = (offset + PAGE).min(list.len());
        Page {
            total: list.len(),
            items: list
                .get(offset..end)
                .map(<[u32]>::to_vec)
                .unwrap_or_default(),
        }
    }

    /// A change the listener makes to their liked songs.
    type Change = dyn Fn(&mut Vec<u32>);

    /// How replies come back: the order in which the requests in flight are answered.
    #[derive(Debug, Clone, Copy)]
    enum Order {
        /// Oldest request first.
        Fifo,
        /// Newest request first.
        Lifo,
        /// Alternating ends.
        Zigzag,
    }

    /// Runs a sync against `spotify` with up to `concurrency` requests in flight, answering them
    /// in `order`; `change` may alter the list after the given number of replies. Returns the
    /// result and every offset requested, in order.
    fn run(
        cached: Vec<u32>,
        complete: bool,
        mut spotify: Vec<u32>,
        concurrency: usize,
        order: Order,
        change: Option<(usize, &Change)>,
    ) -> (Vec<u32>, Vec<usize>) {
        let mut sync = LikedSync::new(cached, complete, PAGE);
        let mut in_flight: Vec<PageRequest> = Vec::new();
        let mut requested = Vec::new();
        let mut replies = 0;
        for _ in 0..10_000 {
            while in_flight.len() < concurrency
                && let Some(request) = sync.next_request()
            {
                requested.push(request.offset);
                in_flight.push(request);
            }
            if sync.is_done() {
                break;
            }
            assert!(
                !in_flight.is_empty(),
                "stalled: nothing in flight, not done"
            );
            let pick = match order {
                Order::Fifo => 0,
                Order::Lifo => in_flight.len() - 1,
                Order::Zigzag if replies % 2 == 0 => 0,
                Order::Zigzag => in_flight.len() - 1,
            };
            let request = in_flight.remove(pick);
            let outcome = sync.receive(request, page_of(&spotify, request.offset));
            replies += 1;
            if outcome == Received::Restarted {
                in_flight.clear();
            }
            if let Some((after, f)) = change
                && replies == after
            {
                f(&mut spotify);
            }
        }
        assert_eq!(sync.progress().done, spotify.len());
        (sync.into_entries().expect("done"), requested)
    }

    #[test]
    fn every_case_ends_with_exactly_spotifys_list() {
        type Case = (&'static str, Vec<u32>, bool, Vec<u32>);
        let full = list(20);
        let mut unliked_deep = full.clone();
        unliked_deep.remove(13);
        let mut added = list(4).into_iter().map(|x| x + 500).collect::<Vec<_>>();
        added.extend(&full);
        let mut newest_gone = full[1..].to_vec();
        newest_gone.insert(0, 7);
        let mut unliked_before_boundary = full.clone();
        unliked_before_boundary.remove(2);
        let mut replaced_before_boundary = unliked_before_boundary.clone();
        replaced_before_boundary.insert(0, 9);
        let cases: Vec<Case> = vec![
            ("no cache", vec![], false, full.clone()),
            ("empty library", vec![], false, vec![]),
            ("one short page", vec![], false, list(2)),
            ("nothing changed", full.clone(), true, full.clone()),
            ("songs added", full.clone(), true, added.clone()),
            ("many songs added", list(3), true, full.clone()),
            (
                "a song deep down un-liked",
                full.clone(),
                true,
                unliked_deep,
            ),
            (
                "the newest un-liked, one added",
                full.clone(),
                true,
                newest_gone,
            ),
            ("everything un-liked", full.clone(), true, vec![]),
            ("resume", full[..10].to_vec(), false, full.clone()),
            (
                "resume at a page edge",
                full[..9].to_vec(),
                false,
                full.clone(),
            ),
            (
                "resume inside the first page",
                full[..2].to_vec(),
                false,
                full.clone(),
            ),
            (
                "resume after an un-like before the boundary",
                full[..10].to_vec(),
                false,
                unliked_before_boundary,
            ),
            (
                "resume after an un-like and a like",
                full[..10].to_vec(),
                false,
                replaced_before_boundary,
            ),
            (
                "resume after songs were added",
                full[..10].to_vec(),
                false,
                added,
            ),
        ];
        for (what, cached, complete, spotify) in cases {
            for concurrency in [1, 2, 4] {
                for order in [Order::Fifo, Order::Lifo, Order::Zigzag] {
                    let (got, _) = run(
                        cached.clone(),
                        complete,
                        spotify.clone(),
                        concurrency,
                        order,
                        None,
                    );
                    assert_eq!(got, spotify, "{what}, concurrency {concurrency}, {order:?}");
                }
            }
        }
    }

    #[test]
    fn each_page_is_requested_once_when_nothing_changes() {
        let full = list(20);
        let pages: Vec<usize> = (0..20).step_by(PAGE).collect();
        for order in [Order::Fifo, Order::Lifo, Order::Zigzag] {
            let (_, mut requested) = run(vec![], false, full.clone(), 4, order, None);
            requested.sort_unstable();
            assert_eq!(requested, pages, "{order:?}");
        }
        // A finished cache with nothing new costs one page.
        let (_, requested) = run(full.clone(), true, full.clone(), 4, Order::Fifo, None);
        assert_eq!(requested, [0]);
        // An un-like deep down: the first page, then the rest once each.
        let mut unliked = full.clone();
        unliked.remove(13);
        let (_, mut requested) = run(full.clone(), true, unliked, 4, Order::Lifo, None);
        requested.sort_unstable();
        assert_eq!(requested, (0..19).step_by(PAGE).collect::<Vec<_>>());
    }

    #[test]
    fn a_resume_starts_at_its_boundary_and_checks_the_first_page() {
        let full = list(20);
        let (_, requested) = run(
            full[..10].to_vec(),
            false,
            full.clone(),
            4,
            Order::Fifo,
            None,
        );
        // The boundary (entry 9) first, alone; then the first page and the rest.
        assert_eq!(requested, [9, 0, 12, 15, 18]);
    }

    #[test]
    fn the_list_changing_during_the_read_restarts_it() {
        let full = list(20);
        let like_two = |l: &mut Vec<u32>| l.splice(0..0, [1, 2]).for_each(drop);
        let unlike_one = |l: &mut Vec<u32>| {
            l.remove(5);
        };
        for (what, change) in [
            ("liked during", &like_two as &Change),
            ("un-liked during", &unlike_one),
        ] {
            for order in [Order::Fifo, Order::Lifo, Order::Zigzag] {
                let mut expected = full.clone();
                change(&mut expected);
                let (got, _) = run(vec![], false, full.clone(), 3, order, Some((3, change)));
                assert_eq!(got, expected, "{what}, {order:?}");
                // Three songs were liked since the sync's cache; the list changes after its first
                // page, before it meets the newest cached song.
                let cached = full[3..].to_vec();
                let (got, _) = run(cached, true, full.clone(), 3, order, Some((1, change)));
                assert_eq!(got, expected, "sync, {what}, {order:?}");
            }
        }
    }

    #[test]
    fn replies_of_an_abandoned_attempt_are_ignored() {
        let full = list(9);
        let mut sync = LikedSync::new(Vec::new(), false, PAGE);
        let first = sync.next_request().unwrap();
        sync.receive(first, page_of(&full, 0));
        let a = sync.next_request().unwrap();
        let b = sync.next_request().unwrap();
        let mut changed = full.clone();
        changed.insert(0, 1);
        assert_eq!(
            sync.receive(a, page_of(&changed, a.offset)),
            Received::Restarted
        );
        // `b` belongs to the first attempt: its reply changes nothing.
        assert_eq!(
            sync.receive(b, page_of(&full, b.offset)),
            Received::Continue
        );
        assert_eq!(sync.progress().done, 0);
        assert_eq!(sync.next_request().map(|r| r.offset), Some(0));
    }

    #[test]
    fn the_checkpoint_is_the_gapless_start_of_the_list() {
        let full = list(12);
        let mut sync = LikedSync::new(Vec::new(), false, PAGE);
        let first = sync.next_request().unwrap();
        sync.receive(first, page_of(&full, 0));
        let requests: Vec<PageRequest> = std::iter::from_fn(|| sync.next_request()).collect();
        assert_eq!(
            requests.iter().map(|r| r.offset).collect::<Vec<_>>(),
            [3, 6, 9]
        );
        // The last pages arrive first: nothing after the gap counts yet.
        sync.receive(requests[2], page_of(&full, 9));
        sync.receive(requests[1], page_of(&full, 6));
        assert_eq!(sync.checkpoint(), Some(&full[..3]));
        assert_eq!(sync.progress(), Progress { done: 3, total: 12 });
        assert_eq!(sync.receive(requests[0], page_of(&full, 3)), Received::Done);
        assert_eq!(sync.checkpoint(), Some(&full[..]));
        // A sync of a finished cache leaves that cache alone until it knows better.
        let sync = LikedSync::new(full.clone(), true, PAGE);
        assert_eq!(sync.checkpoint(), None);
    }

    #[test]
    fn rebases_count_every_time_saved_chunks_stop_being_a_prefix() {
        let full = list(20);
        let rebases = |cached: Vec<u32>, complete: bool, spotify: &[u32]| {
            let mut sync = LikedSync::new(cached, complete, PAGE);
            while let Some(request) = sync.next_request() {
                sync.receive(request, page_of(spotify, request.offset));
            }
            assert!(sync.is_done());
            sync.rebases()
        };
        assert_eq!(rebases(vec![], false, &full), 0, "a first import");
        assert_eq!(rebases(full.clone(), true, &full), 0, "nothing new");
        assert_eq!(rebases(full[..10].to_vec(), false, &full), 0, "a resume");
        assert_eq!(
            rebases(full[2..].to_vec(), true, &full),
            1,
            "songs added on top"
        );
        let mut unliked = full.clone();
        unliked.remove(15);
        assert_eq!(
            rebases(full.clone(), true, &unliked),
            1,
            "read again after a page"
        );
        assert_eq!(
            rebases(full[..10].to_vec(), false, &unliked[1..]),
            1,
            "resume refused"
        );
    }

    #[test]
    fn concurrency_halves_on_throttling_and_recovers_slowly() {
        let mut c = Concurrency::new(4);
        assert_eq!(c.limit(), 4);
        let mut limits = Vec::new();
        c.on_throttled();
        limits.push(c.limit());
        c.on_throttled();
        limits.push(c.limit());
        c.on_throttled();
        limits.push(c.limit());
        assert_eq!(limits, [2, 1, 1]);
        let pages_to = |c: &mut Concurrency, limit: usize| {
            let mut n = 0;
            while c.limit() < limit {
                c.on_page();
                n += 1;
            }
            n
        };
        assert_eq!(pages_to(&mut c, 2), 2);
        assert_eq!(pages_to(&mut c, 4), 4 + 6);
        for _ in 0..100 {
            c.on_page();
        }
        assert_eq!(c.limit(), 4, "never above the maximum");
        assert_eq!(Concurrency::new(0).limit(), 1);
    }
}
