//! The map of the whole catalog: every track a point at its stored 2-D projection, drawn as a
//! density image so dense regions show, with the listener's tracks and the recommendations on top
//! and a card for the point under the pointer.
//!
//! The engine worker paints the image and finds the track under the pointer
//! (`crate::model::map`); this component puts the pixels on the canvas and shows the card.

use encore_engine::TrackIdx;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, ImageData, KeyboardEvent, MouseEvent};

use crate::model::Workbench;
use crate::model::map::MAP_SIZE;
use crate::model::protocol::{Answer, Request};
use crate::model::track::ShownTrack;
use crate::runtime::timed;

fn context(canvas: &web_sys::HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// What the hover card shows, and where: it hangs from the point on the map's left half and
/// towards it on the right half, so it never reaches past the map's edge.
#[derive(Debug, Clone, PartialEq)]
struct Hover {
    /// The point, as fractions of the map's width and height.
    at: (f64, f64),
    track: ShownTrack,
    tag: &'static str,
}

/// A fraction (0 to 1) as a CSS percentage with one decimal, `"12.3%"`, written with integers: a
/// float printed with `{:.1}` would ship the standard library's float printer for this alone.
fn percent(fraction: f64) -> String {
    let tenths = (fraction * 1000.0).round() as u32;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

impl Hover {
    /// The card's CSS position: `(property, value)` for the horizontal side it is anchored to,
    /// and its top.
    fn placement(&self) -> ((&'static str, String), String) {
        let (fx, fy) = self.at;
        let horizontal = if fx <= 0.5 {
            ("left", percent(fx))
        } else {
            ("right", percent(1.0 - fx))
        };
        (horizontal, percent(fy.min(0.85)))
    }

    /// Artists, year and up to three genres.
    fn detail(&self) -> String {
        let mut detail = self.track.byline();
        let genres: Vec<&str> = self
            .track
            .genres
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        if !genres.is_empty() {
            detail.push_str(&format!(" · {}", genres.join(", ")));
        }
        detail
    }
}

/// Which of the listener's and the list's tracks a map point is.
fn tag(track: TrackIdx, mine: &[TrackIdx], recommended: &[TrackIdx]) -> &'static str {
    if recommended.contains(&track) {
        "recommended"
    } else if mine.contains(&track) {
        "yours"
    } else {
        "in the catalog"
    }
}

/// The next highlighted track from the keyboard: the recommendations, then the listener's
/// tracks, wrapping around; `None` for a key that does not step.
fn step(key: &str, current: Option<usize>, n: usize) -> Option<usize> {
    let forward = match key {
        "ArrowRight" | "ArrowDown" => true,
        "ArrowLeft" | "ArrowUp" => false,
        _ => return None,
    };
    if n == 0 {
        return None;
    }
    Some(match (current, forward) {
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
        (None, true) => 0,
        (None, false) => n - 1,
    })
}

/// Puts the map's frame on `canvas` whenever either set of dots changes. The engine worker paints
/// it (180k tracks binned, thousands of dots); the page only puts its pixels on the canvas.
fn paint(
    bench: Workbench,
    canvas: NodeRef<Canvas>,
    mine: Signal<Vec<TrackIdx>>,
    recommended: Signal<Vec<TrackIdx>>,
) {
    Effect::new(move |_| {
        let (mine, recommended) = (mine.get(), recommended.get());
        let Some(canvas) = canvas.get().filter(|_| bench.is_ready()) else {
            return;
        };
        // Dropped with the effect's next run or with the map, never painting after either.
        spawn_local_scoped_with_cancellation(async move {
            let request = Request::MapFrame { mine, recommended };
            let Some(pixels) = bench.ask_for_reply(request).await.and_then(|r| r.pixels) else {
                return;
            };
            timed("map-put", || {
                let image = ImageData::new_with_u8_clamped_array_and_sh(
                    Clamped(&pixels),
                    MAP_SIZE,
                    MAP_SIZE,
                );
                if let (Some(ctx), Ok(image)) = (context(&canvas), image) {
                    let _ = ctx.put_image_data(&image, 0.0, 0.0);
                }
            });
        });
    });
}

/// The map, drawn on a canvas.
#[component]
pub fn CatalogMap(
    mine: Signal<Vec<TrackIdx>>,
    recommended: Signal<Vec<TrackIdx>>,
) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let canvas = NodeRef::<Canvas>::new();
    let (hover, set_hover) = signal(None::<Hover>);

    paint(bench, canvas, mine, recommended);

    // The card the engine finds for the latest pointer or key request, tagged from what the
    // page shows. Asked from an effect, so a newer request or the map leaving the screen drops
    // the one in flight.
    let card_asked = RwSignal::new(None::<Request>);
    let show = move |request: Request| card_asked.set(Some(request));
    // Hiding the card also drops the request in flight, so its answer cannot bring it back.
    let hide = move || {
        card_asked.set(None);
        set_hover.set(None);
    };
    Effect::new(move |_| {
        let Some(request) = card_asked.get() else {
            return;
        };
        spawn_local_scoped_with_cancellation(async move {
            let Some(Answer::MapCard(card)) = bench.ask(request).await else {
                return;
            };
            set_hover.set(card.map(|(track, at)| {
                let tag =
                    mine.with_untracked(|m| recommended.with_untracked(|r| tag(track.track, m, r)));
                Hover { at, track, tag }
            }));
        });
    });

    let on_move = move |ev: MouseEvent| {
        let Some(el) = canvas.get().filter(|_| bench.is_ready()) else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let at = (
            (f64::from(ev.client_x()) - rect.left()) / rect.width(),
            (f64::from(ev.client_y()) - rect.top()) / rect.height(),
        );
        show(Request::MapPoint { at });
    };

    // From the keyboard, the arrow keys step through the recommendations, then the listener's
    // tracks, showing each one's card where it sits on the map.
    let stepped = StoredValue::new(None::<usize>);
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            stepped.set_value(None);
            hide();
            return;
        }
        let highlighted: Vec<TrackIdx> = recommended
            .with_untracked(|r| mine.with_untracked(|m| r.iter().chain(m).copied().collect()));
        let Some(next) = step(&ev.key(), stepped.get_value(), highlighted.len()) else {
            return;
        };
        ev.prevent_default();
        stepped.set_value(Some(next));
        show(Request::MapLocate {
            track: highlighted[next],
        });
    };

    view! {
        <figure class="map">
            <div class="map-frame">
                <canvas
                    node_ref=canvas
                    width=MAP_SIZE
                    height=MAP_SIZE
                    data-testid="catalog-map"
                    role="img"
                    tabindex="0"
                    aria-label="A map of every track in the catalog: similar-sounding tracks sit close together. Your tracks are orange, recommendations teal. Arrow keys step through them."
                    aria-describedby="map-card"
                    on:mousemove=on_move
                    on:mouseleave=move |_| hide()
                    on:keydown=on_key
                    on:blur=move |_| hide()
                ></canvas>
                // Always in the page, so the canvas's description exists even when empty.
                <div id="map-card" role="status">
                    {move || hover.get().map(|h| view! { <MapCard hover=h /> })}
                </div>
            </div>
            <MapLegend mine=mine recommended=recommended />
        </figure>
    }
}

#[component]
fn MapLegend(mine: Signal<Vec<TrackIdx>>, recommended: Signal<Vec<TrackIdx>>) -> impl IntoView {
    view! {
        <figcaption>
            <span class="swatch mine"></span>
            {move || format!("Your tracks ({})", mine.with(Vec::len))}
            <span class="swatch recommended"></span>
            {move || format!("Recommendations ({})", recommended.with(Vec::len))}
            <span class="hint">" Lighter areas hold more tracks."</span>
        </figcaption>
    }
}

/// The card of one point. Its position is set through the CSSOM (`style:`), which a
/// Content-Security-Policy without `'unsafe-inline'` styles allows, unlike a `style` attribute.
#[component]
fn MapCard(hover: Hover) -> impl IntoView {
    let ((side, offset), top) = hover.placement();
    let toward_left = side == "right";
    let (left, right) = if side == "left" {
        (offset, "auto".to_owned())
    } else {
        ("auto".to_owned(), offset)
    };
    let detail = hover.detail();
    view! {
        <div class="hover-card" class:toward-left=toward_left style:left=left style:right=right style:top=top>
            <strong>{hover.track.title}</strong>
            <span>{detail}</span>
            <em>{hover.tag}</em>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_keys_step_through_and_wrap() {
        assert_eq!(step("ArrowRight", None, 3), Some(0));
        assert_eq!(step("ArrowLeft", None, 3), Some(2));
        assert_eq!(step("ArrowDown", Some(2), 3), Some(0));
        assert_eq!(step("ArrowUp", Some(0), 3), Some(2));
        assert_eq!(step("a", Some(0), 3), None);
        assert_eq!(step("ArrowRight", None, 0), None);
    }

    #[test]
    fn the_card_hangs_towards_the_middle_of_the_map() {
        let track = ShownTrack {
            track: TrackIdx(0),
            id: String::new(),
            title: "T".into(),
            artists: vec!["A".into()],
            album: None,
            year: Some(1977),
            genres: vec!["rock".into(), "pop".into(), "soul".into(), "jazz".into()],
            why: String::new(),
        };
        let at = |fx, fy| Hover {
            at: (fx, fy),
            track: track.clone(),
            tag: "yours",
        };
        assert_eq!(
            at(0.2, 0.5).placement(),
            (("left", "20.0%".to_owned()), "50.0%".to_owned())
        );
        assert_eq!(
            at(0.95, 0.99).placement(),
            (("right", "5.0%".to_owned()), "85.0%".to_owned()),
            "near the right edge it hangs leftwards; near the bottom it stays inside"
        );
        assert_eq!(at(0.2, 0.5).detail(), "A · 1977 · rock, pop, soul");
    }
}
