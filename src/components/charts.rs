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
    const ROW: f32 = 26.0;
    const LABEL: f32 = 120.0;
    const WIDTH: f32 = 360.0;
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
                let y = i as f32 * ROW;
                let a = mine.get(i).copied().unwrap_or(0.0);
                let b = recs.get(i).copied().unwrap_or(0.0);
                let w = |v: f32| (v / max * (WIDTH - LABEL - 8.0)).max(0.0);
                view! {
                    <g>
                        <text x="0" y=y + 15.0 class="bar-label">{label.clone()}</text>
                        <rect x=LABEL y=y + 3.0 width=w(a) height="9" class="bar-mine">
                            <title>{format!("{label}: you {:.0}%", a * 100.0)}</title>
                        </rect>
                        <rect x=LABEL y=y + 13.0 width=w(b) height="9" class="bar-recommended">
                            <title>{format!("{label}: recommended {:.0}%", b * 100.0)}</title>
                        </rect>
                    </g>
                }
            })
            .collect_view()
    };
    let height = move || labels.with(Vec::len) as f32 * ROW + 4.0;
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
