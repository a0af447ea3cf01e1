//! Two small SVG charts comparing the listener's tracks with the recommendations: how they spread
//! over the catalog's k-means clusters ("sound families"), and their average audio profile.

use encore_engine::{Catalog, Feature, TrackIdx};
use leptos::prelude::*;

/// Share of `tracks` in each of the catalog's clusters (sums to 1 unless `tracks` is empty).
pub fn cluster_shares(catalog: &Catalog, tracks: &[TrackIdx]) -> Vec<f32> {
    let mut shares = vec![0.0f32; catalog.kmeans.k().max(1)];
    for &t in tracks {
        if let Some(&c) = catalog.clusters.get(t.get())
            && let Some(s) = shares.get_mut(usize::from(c))
        {
            *s += 1.0;
        }
    }
    let n = tracks.len().max(1) as f32;
    shares.iter_mut().for_each(|s| *s /= n);
    shares
}

/// The features of the audio profile, each scaled to 0..=1 (tempo over 200 bpm).
pub const PROFILE: [Feature; 8] = [
    Feature::Danceability,
    Feature::Energy,
    Feature::Valence,
    Feature::Acousticness,
    Feature::Instrumentalness,
    Feature::Speechiness,
    Feature::Liveness,
    Feature::TempoBpm,
];

/// The mean of each [`PROFILE`] feature over `tracks`, in 0..=1.
pub fn audio_profile(catalog: &Catalog, tracks: &[TrackIdx]) -> Vec<f32> {
    let mut sums = [0.0f32; PROFILE.len()];
    for &t in tracks {
        let raw = catalog.raw_features(t);
        for (sum, f) in sums.iter_mut().zip(PROFILE) {
            let v = raw.get(f.column()).copied().unwrap_or(0.0);
            *sum += if f == Feature::TempoBpm { v / 200.0 } else { v };
        }
    }
    let n = tracks.len().max(1) as f32;
    sums.iter().map(|s| (s / n).clamp(0.0, 1.0)).collect()
}

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
