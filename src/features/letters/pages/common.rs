//! Pieces every letter page shares: status badges, the timeline, controlled form fields with
//! their errors, reading the generation stream, and today's date in the browser.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::features::letters::model::{EventKind, LetterEvent, LetterStatus};

pub const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 aria-[invalid=true]:border-red-700 dark:border-slate-600 dark:bg-slate-900";
pub const CARD: &str = "rounded-lg border border-slate-300 p-4 dark:border-slate-700";

#[component]
pub fn StatusBadge(status: LetterStatus) -> impl IntoView {
    let tone = match status {
        LetterStatus::Draft => "bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-50",
        LetterStatus::Generating => "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-50",
        LetterStatus::Ready | LetterStatus::Returned => {
            "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-50"
        }
        LetterStatus::InReview => "bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-50",
        LetterStatus::Approved | LetterStatus::Sent => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-50"
        }
    };
    view! {
        <span class=format!("inline-block rounded px-2 py-0.5 text-sm font-semibold {tone}")>
            <span class="sr-only">"Status: "</span>
            {status.label()}
        </span>
    }
}

/// A member's text for the browser tab: leptos_meta writes `<title>` without escaping, so
/// angle brackets (which could close the title early) become look-alike quotes.
pub fn tab_title(text: &str) -> String {
    text.replace('<', "‹").replace('>', "›")
}

pub use crate::ui::when;

fn event_line(e: &LetterEvent) -> String {
    let who = match (&e.actor_name, e.actor_is_reviewer) {
        (Some(name), true) => format!("{name} (reviewer)"),
        (Some(name), false) => name.clone(),
        (None, _) => "Threadr".to_string(),
    };
    match (e.kind, e.from_status) {
        (EventKind::Comment, _) => format!("{who} commented"),
        (EventKind::Edit, _) => format!("{who} edited the letter"),
        (EventKind::Status, None) => format!("{who} started the draft"),
        (EventKind::Status, Some(from)) => {
            format!("{who}: {} → {}", from.label(), e.to_status.label())
        }
    }
}

/// Every status change, comment and reviewer edit, oldest first.
#[component]
pub fn Timeline(events: Vec<LetterEvent>) -> impl IntoView {
    view! {
        <section aria-labelledby="timeline-title" class="mt-8">
            <h2 id="timeline-title" class="text-2xl font-semibold">"Timeline"</h2>
            <ol class="mt-3 space-y-3 border-l-2 border-slate-300 pl-4 dark:border-slate-700">
                {events
                    .into_iter()
                    .map(|e| {
                        let line = event_line(&e);
                        let comment = (!e.comment.is_empty()).then(|| e.comment.clone());
                        view! {
                            <li>
                                <p class="font-medium">{line}</p>
                                <p class="text-sm text-slate-700 dark:text-slate-300">
                                    <time datetime=e.at.to_rfc3339()>{when(e.at)}</time>
                                </p>
                                {comment.map(|c| view! { <p class="mt-1 whitespace-pre-wrap rounded bg-slate-100 p-2 dark:bg-slate-800">{c}</p> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// A labelled, controlled text input with its hint and its error.
#[component]
pub fn TextField(
    label: &'static str,
    id: &'static str,
    value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let described = described_by(id, hint, error);
    view! {
        <div class="mt-4">
            <label for=id class="block font-medium">{label}{required.then_some(" (required)")}</label>
            {(!hint.is_empty()).then(|| view! { <p id=format!("{id}-hint") class="text-sm text-slate-700 dark:text-slate-300">{hint}</p> })}
            <input
                id=id
                type=kind
                class=INPUT
                maxlength=maxlength
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                aria-required=required.then_some("true")
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |e| on_change.run(event_target_value(&e))
            />
            <p id=format!("{id}-error") role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}

/// A labelled, controlled text area.
#[component]
pub fn AreaField(
    label: &'static str,
    id: &'static str,
    value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let described = described_by(id, hint, error);
    view! {
        <div class="mt-4">
            <label for=id class="block font-medium">{label}{required.then_some(" (required)")}</label>
            {(!hint.is_empty()).then(|| view! { <p id=format!("{id}-hint") class="text-sm text-slate-700 dark:text-slate-300">{hint}</p> })}
            <textarea
                id=id
                rows=rows
                class=format!("{INPUT} py-2")
                maxlength=maxlength
                aria-required=required.then_some("true")
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |e| on_change.run(event_target_value(&e))
            ></textarea>
            <p id=format!("{id}-error") role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}

fn described_by(
    id: &'static str,
    hint: &'static str,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || {
        let mut ids = Vec::new();
        if !hint.is_empty() {
            ids.push(format!("{id}-hint"));
        }
        if error.get().is_some() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// Today in UTC as the browser's clock says (the server checks again with its own).
pub fn today() -> Option<NaiveDate> {
    #[cfg(feature = "hydrate")]
    {
        let iso: String = js_sys::Date::new_0().to_iso_string().into();
        NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
