//! The sides of the taste as a choice: "Your library has N sides", then "All" and each side with
//! its size, largest first, as radio buttons (the arrow keys move between them). Shown only for
//! a taste of two sides or more; which entry is checked, and what a request carries, is decided
//! in `model::sides`.

use leptos::prelude::*;

use crate::model::Workbench;
use crate::model::sides::{all_label, chosen_index, offered, sides_sentence};

#[component]
pub fn SidesChoice() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let (sides, controls) = (bench.sides, bench.controls);
    let chosen = Memo::new(move |_| {
        sides.with(|s| {
            controls.with(|c| chosen_index(s.iter().map(|x| x.name.as_str()), c.side.as_deref()))
        })
    });
    let entry = move |testid: String, label: String, index: Option<usize>, name: Option<String>| {
        view! {
            <label data-testid=testid>
                <input
                    type="radio"
                    name="taste-side"
                    prop:checked=move || chosen.get() == index
                    on:change=move |_| controls.update(|c| c.side = name.clone())
                />
                {label}
            </label>
        }
    };
    let entries = move || {
        sides.with(|s| {
            let sides = s.iter().enumerate().map(|(i, side)| {
                let testid = format!("taste-side-{i}");
                entry(testid, side.label(), Some(i), Some(side.name.clone()))
            });
            std::iter::once(entry("taste-side-all".to_owned(), all_label(s), None, None))
                .chain(sides)
                .collect_view()
        })
    };
    view! {
        <Show when=move || sides.with(|s| offered(s.len()))>
            <fieldset class="field sides" data-testid="taste-sides">
                <legend data-testid="taste-sides-count">
                    {move || sides.with(|s| sides_sentence(s.len()))}
                </legend>
                {entries}
            </fieldset>
        </Show>
    }
}
