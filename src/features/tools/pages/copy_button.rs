//! A button that copies one part of a result and says so.

use leptos::{prelude::*, task::spawn_local};

use crate::features::threads::browser;
use crate::ui::form::BUTTON_SECONDARY;

/// `label` names the part for screen readers ("Copy title"); `text` is read when clicked.
#[component]
pub fn CopyButton(label: &'static str, text: Signal<String>) -> impl IntoView {
    let said = RwSignal::new(None::<String>);
    let copy = move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            said.set(Some(match browser::copy(&text).await {
                Ok(()) => "Copied.".to_string(),
                Err(e) => e,
            }));
        });
    };
    view! {
        <span class="inline-flex items-center gap-2">
            <button type="button" class=BUTTON_SECONDARY on:click=copy>{label}</button>
            <span role="status" class="text-sm">{move || said.get()}</span>
        </span>
    }
}
