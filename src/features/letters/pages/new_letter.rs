//! `/letters/new`: the guided form. `?facts=` fills in what happened (the assistant's "send to
//! letter"). The form is checked in the browser field by field, and again on the server.

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::common::today;
use super::letter_form::LetterFields;
use crate::features::letters::api::create_letter;
use crate::features::letters::model::{FieldErrors, LetterForm, LetterInput, LetterType};
use crate::ui::form::{BUTTON, TEXT_LINK};

#[component]
pub fn NewLetterPage() -> impl IntoView {
    let query = use_query_map();
    let input = RwSignal::new(LetterInput {
        letter_type: LetterType::DemandForPayment.as_str().into(),
        currency: "USD".into(),
        facts: query.with_untracked(|q| q.get("facts")).unwrap_or_default(),
        ..Default::default()
    });
    let errors = RwSignal::new(FieldErrors::default());
    let failure = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let current = input.get_untracked();
        if let Err(found) = LetterForm::parse(&current, today()) {
            failure.set(Some(format!("Please fix the {} marked below.", plural(found.0.len()))));
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::default());
        failure.set(None);
        saving.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = create_letter(current).await;
            saving.set(false);
            match result {
                Ok(letter) => navigate(&format!("/letters/{}", letter.id), NavigateOptions::default()),
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Title text="New letter"/>
        <nav aria-label="Letters" class="mb-2"><A href="/letters" attr:class=TEXT_LINK>"All your letters"</A></nav>
        <h1 class="text-3xl font-bold">"New letter"</h1>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Fill in the facts; Threadr writes a formal letter from them. You can edit it, then a reviewer checks it before it is sent."
        </p>
        <form on:submit=submit novalidate class="max-w-2xl">
            <LetterFields input errors/>
            <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{move || failure.get()}</p>
            <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || saving.get()>
                {move || if saving.get() { "Saving…" } else { "Save draft" }}
            </button>
        </form>
    }
}

pub fn plural(n: usize) -> String {
    if n == 1 { "field".to_string() } else { format!("{n} fields") }
}
