//! "Forget me" for a listener who is not logged in: their picks, settings and last list are kept
//! in this browser too, so they get the same way to erase them as a logged-in listener has in the
//! account menu.

use leptos::prelude::*;

use crate::components::status::ErrorMessage;
use crate::model::Workbench;
use crate::session::SessionContext;

/// A footer button that erases everything Encore keeps here and starts over; shown only while
/// logged out (the account menu has its own).
#[component]
pub fn ForgetHere() -> impl IntoView {
    let bench = expect_context::<Workbench>();
    let session = expect_context::<SessionContext>();
    let forget = Action::new_local(move |_: &()| async move {
        let result = session.forget_me().await;
        bench.forget();
        result
    });
    let done = move || forget.value().get();
    view! {
        <Show when=move || !session.is_logged_in()>
            <button
                type="button"
                class="link-button"
                data-testid="forget-me-guest"
                disabled=move || forget.pending().get()
                on:click=move |_| {
                    forget.dispatch(());
                }
            >
                "Forget me: erase what Encore keeps in this browser"
            </button>
        </Show>
        {move || match done() {
            Some(Ok(())) => Some(view! { <p role="status" data-testid="forgotten">"Done: Encore keeps nothing of yours in this browser now."</p> }.into_any()),
            Some(Err(e)) => Some(view! { <ErrorMessage message=Signal::stored(e.to_string()) /> }.into_any()),
            None => None,
        }}
    }
}
