//! Two small SVG charts comparing the listener's tracks with the recommendations: how they spread
//! over the catalog's k-means clusters ("sound families"), and their average audio profile.

use leptos::prelude::*;

/// Paired horizontal bars: one row per label, "you" above "recommended".
#[component]
pub fn PairedBars(
    title: &'static str,
    labels: Signal<Vec<String>>,
    mine: Signal<Vec<f32>>,
    recommended: Signal<Vec<f32>>,
) -> impl IntoView {
    // Whole SVG units throughout: a float attribute or `{:.0}` would ship the float printer.
    const ROW: u32 = 26;
    const LABEL: u32 = 120;
    const WIDTH: u32 = 360;
    const BAR: f32 = (WIDTH - LABEL - 8) as f32;
    let rows = move || {
        let (labels, mine, recs) = (labels.get(), mine.get(), recommended.get());
        let max = mine
            .iter()
            .chain(&recs)
            .copied()
            .fold(0.0f32, f32::max)
            .max(f32::EPSILON);
        labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| {
                let y = i as u32 * ROW;
                let a = mine.get(i).copied().unwrap_or(0.0);
                let b = recs.get(i).copied().unwrap_or(0.0);
                let w = |v: f32| (v / max * BAR).round() as u32;
                let pct = |v: f32| (v * 100.0).round() as u32;
                view! {
                    <g>
                        <text x="0" y=y + 15 class="bar-label">{label.clone()}</text>
                        <rect x=LABEL y=y + 3 width=w(a) height="9" class="bar-mine">
                            <title>{format!("{label}: you {}%", pct(a))}</title>
                        </rect>
                        <rect x=LABEL y=y + 13 width=w(b) height="9" class="bar-recommended">
                            <title>{format!("{label}: recommended {}%", pct(b))}</title>
                        </rect>
                    </g>
                }
            })
            .collect_view()
    };
    let height = move || labels.with(Vec::len) as u32 * ROW + 4;
    view! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg
                viewBox=move || format!("0 0 {WIDTH} {}", height())
                role="img"
                aria-label=title
                preserveAspectRatio="xMinYMin meet"
            >
                {rows}
            </svg>
        </figure>
    }
}
