//! The one order every ranked list in the engine is sorted by: `(score, index)` pairs, higher
//! score first, equal scores by ascending index, so every result is deterministic.
//!
//! Recommendations, their explanations, search results, the sound families' names and the app's
//! charts all sort through [`best_first`]. Each element type and comparator given to a slice sort
//! compiles to its own copy of the sort routine, several KB of WebAssembly each, so one shared
//! order keeps the app's download small.

use std::cmp::Ordering;

/// A score and the index (a track, a genre, a feature column) it belongs to.
pub type Scored = (f32, u32);

/// Higher score first; equal scores by ascending index.
fn order(a: &Scored, b: &Scored) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Moves the best `n` of `items` to the front, sorted best first, and returns them (all of
/// `items` when it holds fewer). The rest is left in no particular order.
pub fn best_first(items: &mut [Scored], n: usize) -> &mut [Scored] {
    let n = n.min(items.len());
    if n == 0 {
        return &mut [];
    }
    if n < items.len() {
        items.select_nth_unstable_by(n - 1, order);
    }
    let best = &mut items[..n];
    best.sort_unstable_by(order);
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded::SeededRng;

    #[test]
    fn the_best_come_first_and_ties_go_to_the_lower_index() {
        let mut items = vec![(0.5, 7), (2.0, 3), (0.5, 1), (-1.0, 0), (2.0, 9)];
        assert_eq!(
            best_first(&mut items, 3),
            [(2.0, 3), (2.0, 9), (0.5, 1)].as_slice()
        );
        assert_eq!(best_first(&mut items, 9).len(), 5);
        assert!(best_first(&mut items, 0).is_empty());
    }

    #[test]
    fn best_first_equals_a_full_sort_and_truncation() {
        let mut rng = SeededRng::new(11);
        for len in [0usize, 1, 2, 17, 300] {
            // Few distinct scores, so ties are common.
            let items: Vec<Scored> = (0..len as u32)
                .map(|i| ((rng.below(8) as f32) - 4.0, i))
                .collect();
            let mut sorted = items.clone();
            sorted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)));
            for n in [0, 1, len / 2, len, len + 1] {
                let mut copy = items.clone();
                let expected = &sorted[..n.min(len)];
                assert_eq!(best_first(&mut copy, n), expected, "{len} items, best {n}");
            }
        }
    }
}
