//! The thread page's form: the text or link, tone, number of posts and numbering.

use leptos::{ev, prelude::*};

use super::stream::Request;
use crate::features::threads::model::SOURCE_MAX_CHARS;
use crate::features::threads::offline::{MAX_POSTS, MIN_POSTS, Tone};
use crate::features::threads::packer::Numbering;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY};

pub const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900";

fn numbering_label(numbering: Numbering) -> &'static str {
    match numbering {
        Numbering::Fraction => "1/7, 2/7, …",
        Numbering::Dot => "1., 2., …",
        Numbering::None => "None",
    }
}

/// "50,000"
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[component]
pub fn ThreadForm(generating: Signal<bool>, on_generate: Callback<Request>, on_cancel: Callback<()>) -> impl IntoView {
    // `?text=` prefills the text (the assistant's "Send to thread editor").
    let prefill = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("text")).unwrap_or_default();
    let source = RwSignal::new(prefill);
    let tone = RwSignal::new(Tone::default().as_str().to_string());
    let posts = RwSignal::new("auto".to_string());
    let numbering = RwSignal::new(Numbering::default().as_str().to_string());
    let chars = Memo::new(move |_| source.with(|s| s.chars().count()));
    let too_long = move || chars.get() > SOURCE_MAX_CHARS;
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        if generating.get_untracked() {
            return;
        }
        on_generate.run(Request {
            source: source.get_untracked(),
            tone: tone.get_untracked(),
            posts: posts.get_untracked(),
            numbering: numbering.get_untracked(),
        });
    };
    let select =
        move |id: &'static str, label: &'static str, value: RwSignal<String>, options: Vec<(String, String)>| {
            view! {
                <div>
                    <label for=id class="block font-medium">{label}</label>
                    <select id=id class=INPUT on:change=move |e| value.set(event_target_value(&e))>
                        {options
                            .into_iter()
                            .map(|(v, text)| {
                                let selected = value.get_untracked() == v;
                                view! { <option value=v selected=selected>{text}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
        };
    let tones = Tone::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string())).collect();
    let counts = std::iter::once(("auto".to_string(), "Auto".to_string()))
        .chain((MIN_POSTS..=MAX_POSTS).map(|n| (n.to_string(), n.to_string())))
        .collect();
    let numberings = Numbering::ALL.iter().map(|n| (n.as_str().to_string(), numbering_label(*n).to_string())).collect();

    view! {
        <form on:submit=submit novalidate aria-labelledby="thread-form-title">
            <h2 id="thread-form-title" class="sr-only">"What to write about"</h2>
            <label for="thread-source" class="block font-medium">"Text or link"</label>
            <p id="thread-source-hint" class="text-sm text-slate-700 dark:text-slate-300">
                {format!("Paste an article or notes (up to {} characters), or a link to a web page.", grouped(SOURCE_MAX_CHARS))}
            </p>
            <textarea
                id="thread-source"
                rows="8"
                aria-describedby="thread-source-hint thread-source-count thread-source-error"
                aria-invalid=move || too_long().to_string()
                prop:value=move || source.get()
                on:input=move |e| source.set(event_target_value(&e))
                class=format!("{INPUT} py-2 aria-[invalid=true]:border-red-700")
            ></textarea>
            <p id="thread-source-count" class=move || if too_long() { "mt-1 text-sm font-semibold text-red-700 dark:text-red-300" } else { "mt-1 text-sm text-slate-700 dark:text-slate-300" }>
                {move || format!("{} of {} characters", grouped(chars.get()), grouped(SOURCE_MAX_CHARS))}
            </p>
            <p id="thread-source-error" role="alert" class="text-sm font-semibold text-red-700 empty:hidden dark:text-red-300">
                {move || too_long().then(|| format!("The text is {} characters too long. Shorten it or paste a link instead.", grouped(chars.get() - SOURCE_MAX_CHARS)))}
            </p>
            <div class="mt-4 grid gap-4 sm:grid-cols-3">
                {select("thread-tone", "Tone", tone, tones)}
                {select("thread-posts", "Number of posts", posts, counts)}
                {select("thread-numbering", "Numbering", numbering, numberings)}
            </div>
            <div class="mt-6 flex flex-wrap gap-3">
                <button type="submit" class=BUTTON disabled=move || generating.get()>"Generate thread"</button>
                <Show when=move || generating.get()>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </Show>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(50_000), "50,000");
        assert_eq!(super::grouped(1_234_567), "1,234,567");
    }
}
