//! Progress bars and error messages, the same everywhere.

use leptos::prelude::*;

/// A labelled progress bar; indeterminate while `fraction` is `None`.
#[component]
pub fn ProgressBar(
    /// The `data-testid` of the bar, for tests.
    testid: &'static str,
    label: Signal<String>,
    fraction: Signal<Option<f64>>,
) -> impl IntoView {
    view! {
        <div class="progress" data-testid=testid role="status">
            <span class="progress-label">{label}</span>
            {move || match fraction.get() {
                // In thousandths: an integer attribute, where a float one would ship the float
                // printer.
                Some(f) => {
                    let value = (f * 1000.0).round() as u32;
                    view! { <progress max="1000" value=value aria-label=label></progress> }.into_any()
                }
                None => view! { <progress aria-label=label></progress> }.into_any(),
            }}
        </div>
    }
}

/// An error sentence: what happened and what to do.
#[component]
pub fn ErrorMessage(message: Signal<String>) -> impl IntoView {
    view! {
        <p class="error-message" data-testid="error-message" role="alert">
            {message}
        </p>
    }
}
