//! The steering controls: the method (the default first, the original designs grouped as "other
//! approaches", each with a plain line), the side of the taste, the sliders and the era.

use encore_engine::recommend::{Artists, Method};
use encore_spotify::save::MAX_SAVED_TRACKS;
use leptos::prelude::*;

use super::sides::SidesChoice;
use crate::model::Workbench;
use crate::model::controls::{
    DEFAULT_ERA, DEFAULT_METHOD, NUDGED, artists_label, count, lean, plain_description, plain_name,
};

/// A labelled range slider bound to one number.
#[component]
fn Slider(
    id: &'static str,
    label: String,
    #[prop(into)] min: Signal<i32>,
    #[prop(into)] max: Signal<i32>,
    #[prop(optional)] step: Option<i32>,
    value: Signal<i32>,
    on_input: impl Fn(i32) + 'static,
    /// Says the current value in words (also read out by screen readers).
    describe: impl Fn(i32) -> String + Send + Sync + 'static,
) -> impl IntoView {
    let text = Signal::derive(move || describe(value.get()));
    view! {
        <div class="slider">
            <label for=id>{label}</label>
            <input
                id=id
                type="range"
                min=min
                max=max
                step=step.unwrap_or(1)
                // After `min` and `max`: a value outside the old range would be clamped.
                prop:value=move || {
                    min.track();
                    max.track();
                    value.get().to_string()
                }
                aria-valuetext=text
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse() {
                        on_input(v);
                    }
                }
            />
            <output for=id>{text}</output>
        </div>
    }
}

/// The method list: the default under its plain name, then the other approaches.
#[component]
fn MethodChoice() -> impl IntoView {
    let controls = expect_context::<Workbench>().controls;
    let option = move |m: Method| {
        view! {
            <option value=m.name() selected=move || controls.with(|c| c.method == m)>
                {plain_name(m)}
            </option>
        }
    };
    view! {
        <div class="field method">
            <label for="method">"How to choose"</label>
            <select
                id="method"
                data-testid="method-select"
                aria-describedby="method-description"
                on:change=move |ev| {
                    if let Ok(m) = event_target_value(&ev).parse::<Method>() {
                        controls.update(|c| c.method = m);
                    }
                }
            >
                {option(DEFAULT_METHOD)}
                <optgroup label="Other approaches">
                    {Method::ALL
                        .into_iter()
                        .filter(|&m| m != DEFAULT_METHOD)
                        .map(option)
                        .collect_view()}
                </optgroup>
            </select>
            <p class="hint method-description" id="method-description">
                {move || controls.with(|c| plain_description(c.method))}
            </p>
        </div>
    }
}

/// Familiar artists, new ones only, or both: "new" leaves out every artist the taste credits.
#[component]
fn ArtistsChoice() -> impl IntoView {
    let controls = expect_context::<Workbench>().controls;
    view! {
        <div class="field">
            <label for="artists">"Artists"</label>
            <select
                id="artists"
                data-testid="artists-select"
                on:change=move |ev| {
                    if let Ok(a) = event_target_value(&ev).parse::<Artists>() {
                        controls.update(|c| c.artists = a);
                    }
                }
            >
                {Artists::ALL
                    .into_iter()
                    .map(|a| {
                        view! {
                            <option value=a.name() selected=move || controls.with(|c| c.artists == a)>
                                {artists_label(a)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Every control of the list.
#[component]
pub fn ControlsForm() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let controls = bench.controls;
    let era = Memo::new(move |_| bench.facts().map_or(DEFAULT_ERA, |f| f.era));
    let years = move || controls.with(|c| c.era(era.get()));
    let set_years = move |from: Option<u16>, to: Option<u16>| {
        let (lo, hi) = controls.with_untracked(|c| c.era(era.get_untracked()));
        controls.update(|c| c.years = Some((from.unwrap_or(lo), to.unwrap_or(hi))));
    };
    let era_min = Signal::derive(move || i32::from(era.get().0));
    let era_max = Signal::derive(move || i32::from(era.get().1));
    view! {
        <div class="controls">
            <MethodChoice />
            <SidesChoice />
            <ArtistsChoice />
            <Slider
                id="count"
                label="Number of results".to_owned()
                min=10
                max=MAX_SAVED_TRACKS as i32
                step=5
                value=Signal::derive(move || controls.with(|c| c.k as i32))
                on_input=move |v| controls.update(|c| c.k = (v.max(10) as usize).min(MAX_SAVED_TRACKS))
                describe=|v| count(v.max(0) as usize, "track", "tracks")
            />
            {NUDGED
                .iter()
                .enumerate()
                .map(|(i, (feature, label, less, more))| {
                    let (less, more) = (*less, *more);
                    view! {
                        <Slider
                            id=feature.csv_name()
                            label=(*label).to_owned()
                            min=-100
                            max=100
                            step=5
                            value=Signal::derive(move || controls.with(|c| c.nudges[i]))
                            on_input=move |v| controls.update(|c| c.nudges[i] = v)
                            describe=move |v| lean(v, less, more)
                        />
                    }
                })
                .collect_view()}
            <Slider
                id="popularity"
                label="Hidden gems to hits".to_owned()
                min=-100
                max=100
                step=5
                value=Signal::derive(move || controls.with(|c| c.popularity))
                on_input=move |v| controls.update(|c| c.popularity = v)
                describe=|v| lean(v, "hidden gems", "hits")
            />
            <Slider
                id="year-from"
                label="From year".to_owned()
                min=era_min
                max=era_max
                value=Signal::derive(move || i32::from(years().0))
                on_input=move |v| set_years(u16::try_from(v).ok(), None)
                describe=|v| v.to_string()
            />
            <Slider
                id="year-to"
                label="To year".to_owned()
                min=era_min
                max=era_max
                value=Signal::derive(move || i32::from(years().1))
                on_input=move |v| set_years(None, u16::try_from(v).ok())
                describe=|v| v.to_string()
            />
            <Slider
                id="per-artist"
                label="At most per artist".to_owned()
                min=0
                max=10
                value=Signal::derive(move || controls.with(|c| c.max_per_artist as i32))
                on_input=move |v| controls.update(|c| c.max_per_artist = v.max(0) as usize)
                describe=|v| if v == 0 { "no limit".to_owned() } else { format!("{v} per artist") }
            />
            <div class="field checkbox">
                <input
                    id="leave-out"
                    type="checkbox"
                    prop:checked=move || controls.with(|c| c.leave_out_owned)
                    on:change=move |ev| controls.update(|c| c.leave_out_owned = event_target_checked(&ev))
                />
                <label for="leave-out">"Leave out what I already have (other versions too)"</label>
            </div>
        </div>
    }
}
