//! The map's arithmetic on plain data, run by the engine worker: [`MapGrid`] bins the catalog's
//! 2-D projection into one cell per pixel (a counting sort, so building is linear in the tracks),
//! renders the density as RGBA, paints dots into it and finds the track nearest to a pixel by
//! looking only at the cells around it; [`MapFrames`] keeps what is painted between frames.

use encore_engine::TrackIdx;

/// The map's size in pixels (square); CSS scales the canvas to the available width.
pub const MAP_SIZE: u32 = 480;
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
        // `max`/`min`, not `f32::clamp`: clamp's panic message (for bounds only known at run
        // time) would ship the float printer.
        let x = ((p[0] - self.origin[0]) * self.scale).max(0.0).min(max);
        // Screen y grows downwards; flip so the map reads like a chart.
        let y = max - ((p[1] - self.origin[1]) * self.scale).max(0.0).min(max);
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

/// The grid, the painted images the map keeps between frames, and which dots the last frame
/// showed (what the pointer can land on).
#[derive(Debug, Default)]
pub struct MapFrames {
    grid: Option<MapGrid>,
    /// The density image with the listener's tracks painted on, and which tracks those were.
    base: Option<(Vec<TrackIdx>, Vec<u8>)>,
    recommended: Vec<TrackIdx>,
}

impl MapFrames {
    /// The map's RGBA image: the density and the listener's tracks (thousands of dots) change
    /// only with the taste, so they are painted once and kept; a new list only paints its own
    /// dots onto a copy.
    pub fn frame(
        &mut self,
        projection: &[[f32; 2]],
        mine: Vec<TrackIdx>,
        recommended: Vec<TrackIdx>,
    ) -> Vec<u8> {
        let grid = self
            .grid
            .get_or_insert_with(|| MapGrid::new(projection, MAP_SIZE));
        let base = match &mut self.base {
            Some((painted, base)) if *painted == mine => base,
            slot => {
                let mut base = grid.density_rgba();
                grid.paint_dots(&mut base, projection, &mine, MINE_RGB, 3.5);
                &mut slot.insert((mine, base)).1
            }
        };
        let mut frame = base.clone();
        grid.paint_dots(&mut frame, projection, &recommended, RECOMMENDED_RGB, 4.0);
        self.recommended = recommended;
        frame
    }

    /// Where `track` sits, as fractions of the map's width and height.
    pub fn point_of(&self, projection: &[[f32; 2]], track: TrackIdx) -> Option<(f64, f64)> {
        let grid = self.grid.as_ref()?;
        let (px, py) = grid.pixel(*projection.get(track.get())?);
        let size = f64::from(MAP_SIZE);
        Some((f64::from(px) / size, f64::from(py) / size))
    }

    /// The track under the pointer at `(fx, fy)` (fractions of the map): the last frame's
    /// listener's and list's tracks within 8 pixels first, else any track within 3.
    pub fn pointed(&self, projection: &[[f32; 2]], (fx, fy): (f64, f64)) -> Option<TrackIdx> {
        let grid = self.grid.as_ref()?;
        let size = f64::from(MAP_SIZE);
        let (x, y) = ((fx * size) as f32, (fy * size) as f32);
        let mine = self.base.as_ref().map_or(&[][..], |(m, _)| &m[..]);
        let highlighted =
            |t: u32| mine.contains(&TrackIdx(t)) || self.recommended.contains(&TrackIdx(t));
        grid.nearest(projection, x, y, 8, Some(&highlighted))
            .or_else(|| grid.nearest(projection, x, y, 3, None))
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
    fn frames_keep_the_base_and_point_at_the_painted_dots() {
        // A 10 x 10 grid of tracks spread over the whole map.
        let projection: Vec<[f32; 2]> = (0..100)
            .map(|i| [(i % 10) as f32, (i / 10) as f32])
            .collect();
        let mut frames = MapFrames::default();
        let empty = frames.frame(&projection, Vec::new(), Vec::new());
        assert_eq!(empty.len(), (MAP_SIZE * MAP_SIZE * 4) as usize);
        let with_list = frames.frame(&projection, Vec::new(), vec![TrackIdx(55)]);
        assert_ne!(with_list, empty, "the list's dot is painted");
        let again = frames.frame(&projection, Vec::new(), Vec::new());
        assert_eq!(again, empty, "a new list starts from the kept base");
        // Track 55 sits at (5, 5) of the projection: a pointer 5 pixels away finds it only
        // while it is on the map.
        let (fx, fy) = frames.point_of(&projection, TrackIdx(55)).unwrap();
        let near = (fx + 5.0 / f64::from(MAP_SIZE), fy);
        assert_eq!(frames.pointed(&projection, near), None);
        frames.frame(&projection, Vec::new(), vec![TrackIdx(55)]);
        assert_eq!(frames.pointed(&projection, near), Some(TrackIdx(55)));
        assert_eq!(frames.pointed(&projection, (fx, fy)), Some(TrackIdx(55)));
    }
}
