//! Where the person writes: Enter sends, Shift+Enter starts a new line; Stop while a reply
//! streams.

use leptos::{ev, prelude::*};

use crate::features::assistant::model::MESSAGE_MAX_CHARS;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY};

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-400 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-900 aria-[invalid=true]:border-red-700";

#[component]
pub fn Composer(
    draft: RwSignal<String>,
    streaming: Signal<bool>,
    on_send: Callback<String>,
    on_stop: Callback<()>,
) -> impl IntoView {
    let chars = Memo::new(move |_| draft.with(|d| d.chars().count()));
    let too_long = move || chars.get() > MESSAGE_MAX_CHARS;
    let send = move || {
        if streaming.get_untracked() || too_long() || draft.with_untracked(|d| d.trim().is_empty()) {
            return;
        }
        on_send.run(draft.get_untracked());
    };
    let keydown = move |e: ev::KeyboardEvent| {
        if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
            e.prevent_default();
            send();
        }
    };
    view! {
        <form
            class="mt-4"
            on:submit=move |e: ev::SubmitEvent| {
                e.prevent_default();
                send();
            }
        >
            <label for="assistant-message" class="block font-medium">"Message"</label>
            <p id="assistant-message-hint" class="text-sm text-slate-700 dark:text-slate-300">
                "Enter sends; Shift+Enter starts a new line."
            </p>
            <textarea
                id="assistant-message"
                rows="3"
                aria-describedby="assistant-message-hint assistant-message-error"
                aria-invalid=move || too_long().to_string()
                prop:value=move || draft.get()
                on:input=move |e| draft.set(event_target_value(&e))
                on:keydown=keydown
                class=INPUT
            ></textarea>
            <p id="assistant-message-error" role="alert" class="text-sm font-semibold text-red-700 empty:hidden dark:text-red-300">
                {move || too_long().then(|| format!("The message is {} characters; the limit is {MESSAGE_MAX_CHARS}.", chars.get()))}
            </p>
            <div class="mt-3 flex flex-wrap gap-3">
                <button type="submit" class=BUTTON disabled=move || streaming.get()>"Send"</button>
                <Show when=move || streaming.get()>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_stop.run(())>"Stop"</button>
                </Show>
            </div>
        </form>
    }
}
