//! Encore's icon, drawn here once and written by `cargo xtask site` as the page's SVG icon and as
//! the manifest's PNGs, so the three never disagree and no third-party asset ships.
//!
//! The drawing is a record seen from above: a disc in the mine-orange of the map on the site's
//! background, with a groove and a label hole, a teal "recommended" dot beside the label. Shapes
//! are circles and rings in a 100-unit square; the PNGs are sampled 4 x 4 per pixel for smooth edges.

use anyhow::{Context, Result};

type Rgb = [u8; 3];

/// The site's background (`--bg` in style/main.css).
const BACKGROUND: Rgb = [0x0b, 0x0d, 0x17];
/// The listener's dots on the map (`--mine`).
const DISC: Rgb = [0xff, 0x9f, 0x1c];
/// The recommendations' dots (`--recommended`).
const DOT: Rgb = [0x2e, 0xc4, 0xb6];

/// A ring around (x, y) from `inner` to `outer` radius (a disc when `inner` is 0), in percent of
/// the icon's side (the SVG's 100-unit canvas).
#[derive(Debug, Clone, Copy)]
struct Ring {
    x: f64,
    y: f64,
    inner: f64,
    outer: f64,
    color: Rgb,
}

/// Painted in order over the background. Everything stays within the central 80 % circle, so
/// the PNGs are also usable as maskable icons (a platform may crop to that circle).
const SHAPES: [Ring; 4] = [
    Ring {
        x: 50.0,
        y: 50.0,
        inner: 0.0,
        outer: 36.0,
        color: DISC,
    },
    // The groove and the label hole are the background showing through.
    Ring {
        x: 50.0,
        y: 50.0,
        inner: 25.0,
        outer: 27.0,
        color: BACKGROUND,
    },
    Ring {
        x: 50.0,
        y: 50.0,
        inner: 0.0,
        outer: 6.0,
        color: BACKGROUND,
    },
    Ring {
        x: 66.0,
        y: 34.0,
        inner: 0.0,
        outer: 6.5,
        color: DOT,
    },
];

impl Ring {
    /// Whether the point (x, y), in percent of the side, is on the ring.
    fn covers(&self, x: f64, y: f64) -> bool {
        let distance = ((x - self.x).powi(2) + (y - self.y).powi(2)).sqrt();
        distance >= self.inner && distance <= self.outer
    }

    /// The ring as SVG on a 100-unit canvas: a filled circle, or a stroked one for a ring.
    fn svg(&self) -> String {
        let fill = hex(self.color);
        let (cx, cy) = (self.x, self.y);
        if self.inner == 0.0 {
            format!(
                r#"<circle cx="{cx}" cy="{cy}" r="{}" fill="{fill}"/>"#,
                self.outer
            )
        } else {
            let radius = (self.inner + self.outer) / 2.0;
            let width = self.outer - self.inner;
            format!(
                r#"<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{fill}" stroke-width="{width}"/>"#
            )
        }
    }
}

fn hex([r, g, b]: Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The icon as an SVG document (the page's `<link rel="icon">`), on a rounded square.
pub fn svg() -> String {
    let shapes: String = SHAPES.iter().map(Ring::svg).collect();
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="{}"/>{shapes}</svg>
"#,
        hex(BACKGROUND)
    )
}

/// The icon as a `size` x `size` PNG on a full square (platforms round it themselves).
pub fn png(size: u32) -> Result<Vec<u8>> {
    const SAMPLES: u32 = 4;
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for row in 0..size {
        for column in 0..size {
            let mut sum = [0u32; 3];
            for sy in 0..SAMPLES {
                for sx in 0..SAMPLES {
                    let x = (f64::from(column) + (f64::from(sx) + 0.5) / f64::from(SAMPLES))
                        * 100.0
                        / f64::from(size);
                    let y = (f64::from(row) + (f64::from(sy) + 0.5) / f64::from(SAMPLES)) * 100.0
                        / f64::from(size);
                    let color = SHAPES
                        .iter()
                        .rev()
                        .find(|shape| shape.covers(x, y))
                        .map_or(BACKGROUND, |shape| shape.color);
                    for (total, channel) in sum.iter_mut().zip(color) {
                        *total += u32::from(channel);
                    }
                }
            }
            let samples = SAMPLES * SAMPLES;
            pixels.extend(sum.map(|total| ((total + samples / 2) / samples) as u8));
        }
    }
    let mut file = Vec::new();
    let mut encoder = png::Encoder::new(&mut file, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .context("cannot start the icon PNG")?;
    writer
        .write_image_data(&pixels)
        .context("cannot write the icon PNG")?;
    writer.finish().context("cannot finish the icon PNG")?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(file: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(file))
            .read_info()
            .unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        (info, pixels)
    }

    #[test]
    fn the_png_shows_the_disc_its_hole_and_the_dot_at_the_requested_size() {
        let (info, pixels) = decode(&png(192).unwrap());
        assert_eq!((info.width, info.height), (192, 192));
        let at = |x: f64, y: f64| {
            let index = ((y * 192.0) as usize * 192 + (x * 192.0) as usize) * 3;
            [pixels[index], pixels[index + 1], pixels[index + 2]]
        };
        assert_eq!(at(0.02, 0.02), BACKGROUND, "corner");
        assert_eq!(at(0.5, 0.5), BACKGROUND, "label hole");
        assert_eq!(at(0.5, 0.82), DISC, "outer disc");
        assert_eq!(at(0.5, 0.64), DISC, "between hole and groove");
        assert_eq!(at(0.66, 0.34), DOT, "recommended dot");
    }

    #[test]
    fn the_svg_draws_the_same_shapes() {
        let svg = svg();
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg""#));
        assert_eq!(svg.matches("<circle").count(), SHAPES.len());
        assert!(
            svg.contains(r##"<circle cx="50" cy="50" r="36" fill="#ff9f1c"/>"##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"stroke="#0b0d17" stroke-width="2""##),
            "{svg}"
        );
    }
}
