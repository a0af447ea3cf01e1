//! The sides of the listener's taste, as the page offers them. The engine groups the matched
//! songs into named sides (`encore_engine::recommend::taste_sides`, in the worker); when there
//! are two or more, the listener may recommend from one side or from all of them.
//!
//! The choice is kept by the side's name in [`Controls::side`], so it is remembered with the
//! other controls and survives a change of the taste that keeps that side (the sides are
//! renumbered, largest first, whenever the taste changes). A request carries every matched song
//! and the chosen name; the worker turns the name into the engine's index among the sides of
//! those very songs ([`chosen_index`]), and the engine recommends from that side's songs while
//! still leaving out every song (and, for "new artists only", every artist) of the whole taste.
//! A name the taste no longer has means all sides, and the page then drops it ([`kept_choice`]).
//! The worker's answer names the side the list is really from, for the status line: the page may
//! learn a changed taste's sides only after its list.
//!
//! [`Controls::side`]: super::controls::Controls::side

use encore_engine::recommend::taste_sides::Side;
use serde::{Deserialize, Serialize};

use super::controls::count;

/// One side of the taste as the page shows it: its name and how many of the listener's songs
/// it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideSummary {
    pub name: String,
    pub songs: usize,
}

impl SideSummary {
    pub fn of(side: &Side) -> Self {
        Self {
            name: side.name.clone(),
            songs: side.seeds.len(),
        }
    }

    /// "Chicago rap: 12 songs", the entry's words.
    pub fn label(&self) -> String {
        format!("{}: {}", self.name, count(self.songs, "song", "songs"))
    }
}

/// Whether the taste's sides are a choice: only when there are two or more.
pub fn offered(n_sides: usize) -> bool {
    n_sides >= 2
}

/// Which side a request recommends from: the position of the side named `chosen` among
/// `names` (the taste's sides, largest first), or `None` for all of them (nothing chosen, a taste
/// that does not split, or a side the taste no longer has). Two sides of one name: the larger.
pub fn chosen_index<'a>(
    names: impl ExactSizeIterator<Item = &'a str>,
    chosen: Option<&str>,
) -> Option<usize> {
    let chosen = chosen?;
    if !offered(names.len()) {
        return None;
    }
    names.into_iter().position(|name| name == chosen)
}

/// The choice to keep once the taste's `sides` are known: the same side while the taste still
/// offers it, else all of them (`None`).
pub fn kept_choice(sides: &[SideSummary], chosen: Option<&str>) -> Option<String> {
    let at = chosen_index(sides.iter().map(|s| s.name.as_str()), chosen)?;
    Some(sides[at].name.clone())
}

/// "Your library has 3 sides", the choice's heading.
pub fn sides_sentence(n_sides: usize) -> String {
    format!("Your library has {n_sides} sides")
}

/// The entry for every side at once: "All: 40 songs".
pub fn all_label(sides: &[SideSummary]) -> String {
    let songs = sides.iter().map(|s| s.songs).sum();
    format!("All: {}", count(songs, "song", "songs"))
}

/// What the status line says of a list that arrived: how many tracks, by which method, and
/// from which side when one was chosen.
pub fn ready_sentence(n_tracks: usize, method_name: &str, side: Option<&str>) -> String {
    let from = side
        .map(|name| format!(", from your \u{201c}{name}\u{201d} side"))
        .unwrap_or_default();
    format!(
        "The list is ready: {} by \u{201c}{method_name}\u{201d}{from}.",
        count(n_tracks, "track", "tracks")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides(names: &[(&str, usize)]) -> Vec<SideSummary> {
        names
            .iter()
            .map(|&(name, songs)| SideSummary {
                name: name.to_owned(),
                songs,
            })
            .collect()
    }

    fn index(sides: &[SideSummary], chosen: Option<&str>) -> Option<usize> {
        chosen_index(sides.iter().map(|s| s.name.as_str()), chosen)
    }

    #[test]
    fn a_chosen_side_is_found_by_name_among_the_tastes_sides() {
        let taste = sides(&[("Chicago rap", 30), ("Soul & funk, 1970s", 12)]);
        assert_eq!(index(&taste, None), None, "nothing chosen: all");
        assert_eq!(index(&taste, Some("Chicago rap")), Some(0));
        assert_eq!(index(&taste, Some("Soul & funk, 1970s")), Some(1));
        assert_eq!(index(&taste, Some("Folk")), None, "a side gone: all");
        // Renumbered when the taste grows: the name still finds its side.
        let grown = sides(&[("Soul & funk, 1970s", 40), ("Chicago rap", 31)]);
        assert_eq!(index(&grown, Some("Chicago rap")), Some(1));
        // Of two sides with one name, the larger (listed first).
        let twins = sides(&[("Rock", 9), ("Rock", 5)]);
        assert_eq!(index(&twins, Some("Rock")), Some(0));
    }

    #[test]
    fn a_taste_of_one_side_offers_no_choice() {
        assert!(!offered(0) && !offered(1) && offered(2) && offered(6));
        let one = sides(&[("Chicago rap", 30)]);
        assert_eq!(index(&one, Some("Chicago rap")), None, "one side is all");
        assert_eq!(kept_choice(&one, Some("Chicago rap")), None);
    }

    #[test]
    fn the_choice_falls_back_to_all_when_the_taste_loses_its_side() {
        let taste = sides(&[("Chicago rap", 30), ("Soul & funk, 1970s", 12)]);
        assert_eq!(
            kept_choice(&taste, Some("Soul & funk, 1970s")).as_deref(),
            Some("Soul & funk, 1970s")
        );
        assert_eq!(kept_choice(&taste, Some("Folk")), None);
        assert_eq!(kept_choice(&taste, None), None);
        assert_eq!(kept_choice(&[], Some("Chicago rap")), None, "no taste");
    }

    #[test]
    fn the_words_the_listener_reads() {
        let taste = sides(&[("Chicago rap", 30), ("Soul & funk, 1970s", 1)]);
        assert_eq!(sides_sentence(taste.len()), "Your library has 2 sides");
        assert_eq!(taste[0].label(), "Chicago rap: 30 songs");
        assert_eq!(taste[1].label(), "Soul & funk, 1970s: 1 song");
        assert_eq!(all_label(&taste), "All: 31 songs");
        assert_eq!(
            ready_sentence(20, "What your songs have in common", None),
            "The list is ready: 20 tracks by \u{201c}What your songs have in common\u{201d}."
        );
        assert_eq!(
            ready_sentence(1, "Neighbours of each song", Some("Chicago rap")),
            "The list is ready: 1 track by \u{201c}Neighbours of each song\u{201d}, from your \u{201c}Chicago rap\u{201d} side."
        );
    }
}
