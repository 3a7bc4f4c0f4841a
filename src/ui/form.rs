//! Form pieces shared by every feature: the answer of a form, buttons, a text area and a
//! select, each labelled and tied to its hint.

use leptos::prelude::*;

use super::field::field_id;
use crate::error::AppError;

pub const BUTTON: &str = "inline-flex min-h-11 items-center justify-center rounded-md bg-indigo-700 px-5 font-semibold text-white hover:bg-indigo-800 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700";
pub const BUTTON_SECONDARY: &str = "inline-flex min-h-11 items-center justify-center rounded-md border border-slate-400 px-4 font-semibold hover:bg-slate-100 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700 dark:border-slate-600 dark:hover:bg-slate-800";
pub const BUTTON_DANGER: &str = "inline-flex min-h-11 items-center justify-center rounded-md bg-red-700 px-5 font-semibold text-white hover:bg-red-800 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700";
pub const TEXT_LINK: &str =
    "inline-flex min-h-11 items-center text-indigo-700 underline underline-offset-4 dark:text-indigo-300";
pub const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900";

/// A form's error, announced.
#[component]
pub fn FormError<T: Clone + Send + Sync + 'static>(value: MappedSignal<Option<Result<T, AppError>>>) -> impl IntoView {
    view! {
        <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">
            {move || value.get().and_then(Result::err).map(|e| e.to_string())}
        </p>
    }
}

/// The answer of a form: its message (role status) or its error (role alert).
#[component]
pub fn Outcome(value: MappedSignal<Option<Result<String, AppError>>>) -> impl IntoView {
    view! {
        <p role="status" class="mt-4 text-emerald-800 empty:hidden dark:text-emerald-300">
            {move || value.get().and_then(Result::ok)}
        </p>
        <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">
            {move || value.get().and_then(Result::err).map(|e| e.to_string())}
        </p>
    }
}

/// A labelled multi-line text field.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional, into)] value: String,
) -> impl IntoView {
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    view! {
        <div class="mt-4">
            <label for=id.clone() class="block font-medium">{label}</label>
            {(!hint.is_empty()).then(|| view! { <p id=hint_id.clone() class="text-sm text-slate-700 dark:text-slate-300">{hint}</p> })}
            <textarea
                id=id
                name=name
                rows="4"
                maxlength=maxlength
                aria-describedby=(!hint.is_empty()).then_some(hint_id)
                class=format!("{INPUT} py-2")
            >{value}</textarea>
        </div>
    }
}

/// A labelled select of (value, label) options.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    options: &'static [(&'static str, &'static str)],
    #[prop(optional, into)] selected: String,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] autocomplete: &'static str,
) -> impl IntoView {
    let id = field_id(name);
    view! {
        <div class="mt-4">
            <label for=id.clone() class="block font-medium">{label}</label>
            <select id=id name=name class=INPUT autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)>
                {(!placeholder.is_empty()).then(|| view! { <option value="">{placeholder}</option> })}
                {options
                    .iter()
                    .map(|(value, text)| view! { <option value=*value selected=selected == *value>{*text}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}
