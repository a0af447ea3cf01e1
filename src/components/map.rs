//! The map of the whole catalog: every track a point at its stored 2-D projection, drawn as a
//! density image so dense regions show, with the listener's tracks and the recommendations on top
//! and a card for the point under the pointer.
//!
//! [`MapGrid`] does the arithmetic on plain data: it bins the projection into one cell per canvas
//! pixel (a counting sort, so building is linear in the tracks), renders the density as RGBA,
//! paints dots into it, and finds the track nearest to a pixel by looking only at the cells
//! around it.

use encore_engine::TrackIdx;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, ImageData, KeyboardEvent, MouseEvent};

use crate::model::Workbench;
use crate::model::engine::Engine;
use crate::model::track::ShownTrack;
use crate::runtime::timed;

/// Canvas size in pixels (square); CSS scales it to the available width.
const SIZE: u32 = 480;
/// The listener's tracks and the recommendations.
const MINE_RGB: [u8; 3] = [0xff, 0x9f, 0x1c];
/// The dots' outline, the page's background.
const OUTLINE_RGB: [u8; 3] = [0x0b, 0x0d, 0x17];
const RECOMMENDED_RGB: [u8; 3] = [0x2e, 0xc4, 0xb6];

/// The catalog's projection binned into a `size` x `size` pixel grid.
#[derive(Debug, Clone)]
pub struct MapGrid {
    size: u32,
    origin: [f32; 2],
    /// Pixels per projection unit, the same on both axes so the map is not distorted.
    scale: f32,
    /// Per cell (row-major), the range of `order` holding its tracks.
    offsets: Vec<u32>,
    order: Vec<u32>,
}

/// The value below which `fraction` of `values` lie (values are copied; NaNs are ignored).
fn quantile(values: impl Iterator<Item = f32>, fraction: f32) -> f32 {
    let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() - 1) as f32 * fraction) as usize;
    *v.select_nth_unstable_by(i, f32::total_cmp).1
}

impl MapGrid {
    /// Bins `projection`; the central 99% of tracks on each axis set the frame, so a few outliers
    /// cannot squash everything else into a corner (they are drawn on the edge).
    pub fn new(projection: &[[f32; 2]], size: u32) -> Self {
        let lo = [0, 1].map(|a| quantile(projection.iter().map(|p| p[a]), 0.005));
        let hi = [0, 1].map(|a| quantile(projection.iter().map(|p| p[a]), 0.995));
        let span = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(f32::EPSILON);
        let scale = (size - 1) as f32 / span;
        let mut grid = Self {
            size,
            origin: lo,
            scale,
            offsets: Vec::new(),
            order: Vec::new(),
        };
        let cells: Vec<usize> = projection.iter().map(|&p| grid.cell(p)).collect();
        let mut counts = vec![0u32; (size * size) as usize + 1];
        for &c in &cells {
            counts[c + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut next = counts.clone();
        let mut order = vec![0u32; projection.len()];
        for (track, &c) in cells.iter().enumerate() {
            order[next[c] as usize] = track as u32;
            next[c] += 1;
        }
        grid.offsets = counts;
        grid.order = order;
        grid
    }

    /// The pixel of a projection point (clamped to the canvas).
    pub fn pixel(&self, p: [f32; 2]) -> (u32, u32) {
        let max = (self.size - 1) as f32;
        let x = ((p[0] - self.origin[0]) * self.scale).clamp(0.0, max);
        // Screen y grows downwards; flip so the map reads like a chart.
        let y = max - ((p[1] - self.origin[1]) * self.scale).clamp(0.0, max);
        (x as u32, y as u32)
    }

    fn cell(&self, p: [f32; 2]) -> usize {
        let (x, y) = self.pixel(p);
        (y * self.size + x) as usize
    }

    fn tracks_at(&self, x: u32, y: u32) -> &[u32] {
        let c = (y * self.size + x) as usize;
        let (start, end) = (self.offsets[c] as usize, self.offsets[c + 1] as usize);
        &self.order[start..end]
    }

    /// The density image: the more tracks in a pixel, the lighter (log scale, so sparse regions
    /// stay visible next to dense ones).
    pub fn density_rgba(&self) -> Vec<u8> {
        let n_cells = (self.size * self.size) as usize;
        let counts: Vec<u32> = (0..n_cells)
            .map(|c| self.offsets[c + 1] - self.offsets[c])
            .collect();
        let max = counts.iter().copied().max().unwrap_or(1).max(1) as f32;
        let mut rgba = vec![0u8; n_cells * 4];
        for (px, &count) in rgba.chunks_exact_mut(4).zip(&counts) {
            let t = if count == 0 {
                0.0
            } else {
                0.25 + 0.75 * (count as f32).ln_1p() / max.ln_1p()
            };
            // From the canvas background (t = 0) to a pale blue (t = 1).
            let mix = |from: f32, to: f32| (from + (to - from) * t) as u8;
            px.copy_from_slice(&[mix(16.0, 150.0), mix(20.0, 175.0), mix(42.0, 255.0), 255]);
        }
        rgba
    }

    /// Paints a dot of `colour` with a one-pixel outline for each of `tracks` into `rgba` (this
    /// grid's image, as [`MapGrid::density_rgba`] makes it), one dot per pixel: a library of
    /// thousands of tracks costs a few hundred thousand byte writes, not a canvas call per dot.
    pub fn paint_dots(
        &self,
        rgba: &mut [u8],
        projection: &[[f32; 2]],
        tracks: &[TrackIdx],
        colour: [u8; 3],
        radius: f32,
    ) {
        let mut pixels: Vec<(u32, u32)> = tracks
            .iter()
            .filter_map(|t| projection.get(t.get()))
            .map(|&p| self.pixel(p))
            .collect();
        pixels.sort_unstable();
        pixels.dedup();
        let reach = radius.ceil() as i64 + 1;
        let size = i64::from(self.size);
        for (x, y) in pixels {
            let (x, y) = (i64::from(x), i64::from(y));
            for py in (y - reach).max(0)..(y + reach + 1).min(size) {
                for px in (x - reach).max(0)..(x + reach + 1).min(size) {
                    // A one-pixel stroke centred on the circle, as the canvas draws one.
                    let d = (((px - x).pow(2) + (py - y).pow(2)) as f32).sqrt();
                    let paint = if d <= radius - 0.5 {
                        colour
                    } else if d <= radius + 0.5 {
                        OUTLINE_RGB
                    } else {
                        continue;
                    };
                    let at = ((py * size + px) * 4) as usize;
                    if let Some(px) = rgba.get_mut(at..at + 3) {
                        px.copy_from_slice(&paint);
                    }
                }
            }
        }
    }

    /// The track nearest to pixel `(x, y)` within `radius` pixels; with `only`, among the tracks
    /// it accepts.
    pub fn nearest(
        &self,
        projection: &[[f32; 2]],
        x: f32,
        y: f32,
        radius: i32,
        only: Option<&dyn Fn(u32) -> bool>,
    ) -> Option<TrackIdx> {
        let (cx, cy) = (x as i32, y as i32);
        let mut best: Option<(f32, u32)> = None;
        for dy in -radius..=radius {
            for dx in -radius..=radius {
                let (px, py) = (cx + dx, cy + dy);
                if px < 0 || py < 0 || px >= self.size as i32 || py >= self.size as i32 {
                    continue;
                }
                for &t in self.tracks_at(px as u32, py as u32) {
                    if only.is_some_and(|f| !f(t)) {
                        continue;
                    }
                    let (tx, ty) = self.pixel(projection[t as usize]);
                    let d = (tx as f32 - x).powi(2) + (ty as f32 - y).powi(2);
                    if best.is_none_or(|(bd, bt)| (d, t) < (bd, bt)) {
                        best = Some((d, t));
                    }
                }
            }
        }
        best.map(|(_, t)| TrackIdx(t))
    }
}

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

impl Hover {
    /// The card's CSS position: `(property, value)` for the horizontal side it is anchored to,
    /// and its top.
    fn placement(&self) -> ((&'static str, String), String) {
        let (fx, fy) = self.at;
        let horizontal = if fx <= 0.5 {
            ("left", format!("{:.1}%", fx * 100.0))
        } else {
            ("right", format!("{:.1}%", (1.0 - fx) * 100.0))
        };
        (horizontal, format!("{:.1}%", (fy * 100.0).clamp(0.0, 85.0)))
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

/// The grid and the painted images the map keeps between frames.
#[derive(Debug, Default)]
struct Frames {
    grid: Option<MapGrid>,
    /// The density image with the listener's tracks painted on, and which tracks those were.
    base: Option<(Vec<TrackIdx>, Vec<u8>)>,
}

impl Frames {
    /// Paints the map: the density and the listener's tracks (thousands of dots) change only
    /// with the taste, so they are painted once and kept; a new list only paints its own dots
    /// onto a copy.
    fn draw(
        &mut self,
        engine: &Engine,
        ctx: &CanvasRenderingContext2d,
        mine: Vec<TrackIdx>,
        recommended: &[TrackIdx],
    ) {
        let projection = &engine.catalog.projection;
        let grid = self
            .grid
            .get_or_insert_with(|| timed("map-grid", || MapGrid::new(projection, SIZE)));
        timed("map-draw", || {
            if self.base.as_ref().is_none_or(|(m, _)| *m != mine) {
                let mut rgba = grid.density_rgba();
                grid.paint_dots(&mut rgba, projection, &mine, MINE_RGB, 3.5);
                self.base = Some((mine, rgba));
            }
            let Some((_, base)) = &self.base else { return };
            let mut frame = base.clone();
            grid.paint_dots(&mut frame, projection, recommended, RECOMMENDED_RGB, 4.0);
            if let Ok(image) =
                ImageData::new_with_u8_clamped_array_and_sh(Clamped(&frame), SIZE, SIZE)
            {
                let _ = ctx.put_image_data(&image, 0.0, 0.0);
            }
        });
    }
}

impl Frames {
    /// Where `track` sits, as fractions of the map's width and height.
    fn point_of(&self, engine: &Engine, track: TrackIdx) -> Option<(f64, f64)> {
        let grid = self.grid.as_ref()?;
        let (px, py) = grid.pixel(*engine.catalog.projection.get(track.get())?);
        let size = f64::from(SIZE);
        Some((f64::from(px) / size, f64::from(py) / size))
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

/// The track under the pointer at `(fx, fy)` (fractions of the map): the listener's and the
/// list's tracks within 8 pixels first, else any track within 3.
fn pointed(
    engine: &Engine,
    frames: &Frames,
    (fx, fy): (f64, f64),
    mine: &[TrackIdx],
    recommended: &[TrackIdx],
) -> Option<TrackIdx> {
    let grid = frames.grid.as_ref()?;
    let (x, y) = ((fx * f64::from(SIZE)) as f32, (fy * f64::from(SIZE)) as f32);
    let projection = &engine.catalog.projection;
    let highlighted = |t: u32| mine.contains(&TrackIdx(t)) || recommended.contains(&TrackIdx(t));
    grid.nearest(projection, x, y, 8, Some(&highlighted))
        .or_else(|| grid.nearest(projection, x, y, 3, None))
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

/// The map, drawn on a canvas.
#[component]
pub fn CatalogMap(
    mine: Signal<Vec<TrackIdx>>,
    recommended: Signal<Vec<TrackIdx>>,
) -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let canvas = NodeRef::<Canvas>::new();
    let frames = StoredValue::new_local(Frames::default());
    let (hover, set_hover) = signal(None::<Hover>);

    Effect::new(move |_| {
        let (mine, recommended) = (mine.get(), recommended.get());
        let (Some(engine), Some(canvas)) = (bench.engine(), canvas.get()) else {
            return;
        };
        if let Some(ctx) = context(&canvas) {
            frames.update_value(|f| f.draw(&engine, &ctx, mine, &recommended));
        }
    });

    // The card for `track`, placed at `at` (fractions of the map's width and height).
    let show = move |engine: &Engine, track: TrackIdx, at: (f64, f64)| {
        let tag = mine.with_untracked(|m| recommended.with_untracked(|r| tag(track, m, r)));
        let track = ShownTrack::new(&engine.catalog, track);
        set_hover.set(Some(Hover { at, track, tag }));
    };

    let on_move = move |ev: MouseEvent| {
        let (Some(el), Some(engine)) = (canvas.get(), bench.engine_untracked()) else {
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
        let found = mine.with_untracked(|m| {
            recommended.with_untracked(|r| frames.with_value(|f| pointed(&engine, f, at, m, r)))
        });
        match found {
            Some(track) => show(&engine, track, at),
            None => set_hover.set(None),
        }
    };

    // From the keyboard, the arrow keys step through the recommendations, then the listener's
    // tracks, showing each one's card where it sits on the map.
    let stepped = StoredValue::new(None::<usize>);
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            stepped.set_value(None);
            set_hover.set(None);
            return;
        }
        let highlighted: Vec<TrackIdx> = recommended
            .with_untracked(|r| mine.with_untracked(|m| r.iter().chain(m).copied().collect()));
        let Some(next) = step(&ev.key(), stepped.get_value(), highlighted.len()) else {
            return;
        };
        ev.prevent_default();
        stepped.set_value(Some(next));
        let track = highlighted[next];
        let Some(engine) = bench.engine_untracked() else {
            return;
        };
        if let Some(at) = frames.with_value(|f| f.point_of(&engine, track)) {
            show(&engine, track, at);
        }
    };

    view! {
        <figure class="map">
            <div class="map-frame">
                <canvas
                    node_ref=canvas
                    width=SIZE
                    height=SIZE
                    data-testid="catalog-map"
                    role="img"
                    tabindex="0"
                    aria-label="A map of every track in the catalog: similar-sounding tracks sit close together. Your tracks are orange, recommendations teal. Arrow keys step through them."
                    aria-describedby="map-card"
                    on:mousemove=on_move
                    on:mouseleave=move |_| set_hover.set(None)
                    on:keydown=on_key
                    on:blur=move |_| set_hover.set(None)
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
    fn grid_bins_every_track_and_finds_the_nearest() {
        let projection: Vec<[f32; 2]> = (0..100)
            .map(|i| [(i % 10) as f32, (i / 10) as f32])
            .collect();
        let grid = MapGrid::new(&projection, 10);
        assert_eq!(grid.order.len(), 100);
        assert_eq!(grid.pixel([0.0, 0.0]), (0, 9));
        assert_eq!(grid.pixel([9.0, 9.0]), (9, 0));
        assert_eq!(
            grid.nearest(&projection, 3.2, 9.0, 1, None),
            Some(TrackIdx(3))
        );
        // Track 3 is filtered out; 4 (0.8 px away) is nearer than 2 (1.2 px away).
        let only_even = |t: u32| t.is_multiple_of(2);
        assert_eq!(
            grid.nearest(&projection, 3.2, 9.0, 1, Some(&only_even)),
            Some(TrackIdx(4))
        );
        let mut rgba = grid.density_rgba();
        assert_eq!(rgba.len(), 400);
        let before = rgba.clone();
        // Track 0 sits at pixel (0, 9): a dot of radius 1.5 fills it and outlines (0, 7).
        grid.paint_dots(&mut rgba, &projection, &[TrackIdx(0)], MINE_RGB, 1.5);
        let at = |x: usize, y: usize| &rgba[(y * 10 + x) * 4..(y * 10 + x) * 4 + 3];
        assert_eq!(at(0, 9), MINE_RGB);
        assert_eq!(at(1, 9), MINE_RGB);
        assert_eq!(at(0, 7), OUTLINE_RGB);
        assert_eq!(
            at(5, 5),
            &before[(5 * 10 + 5) * 4..(5 * 10 + 5) * 4 + 3],
            "far pixels keep the density"
        );
        let rgba = before;
        assert!(rgba.chunks(4).all(|px| px[3] == 255 && px[2] > 42));
    }

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
