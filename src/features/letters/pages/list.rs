//! `/letters`: the member's letters with their status, and "New letter".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{CARD, StatusBadge, when};
use crate::features::letters::api::list_letters;
use crate::features::letters::model::LetterSummary;
use crate::ui::form::{BUTTON, TEXT_LINK};
use crate::ui::loaded;

#[component]
pub fn LettersPage() -> impl IntoView {
    let letters = Resource::new(|| (), |_| list_letters());
    view! {
        <Title text="Your letters"/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold">"Your letters"</h1>
            <A href="/letters/new" attr:class=BUTTON>"New letter"</A>
        </div>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Formal letters written from your facts — demands for payment, refunds, complaints and more — checked by a reviewer before they are sent."
        </p>
        <div class="mt-6">
            {loaded(letters, 5, "Loading your letters…", |list: Vec<LetterSummary>| view! { <LetterList list/> })}
        </div>
    }
}

#[component]
fn LetterList(list: Vec<LetterSummary>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <section class=format!("{CARD} text-center")>
                <h2 class="text-xl font-semibold">"No letters yet"</h2>
                <p class="mt-2">"Describe what happened and what you want; Threadr writes the letter and a reviewer checks it."</p>
                <p class="mt-4"><A href="/letters/new" attr:class=BUTTON>"Write your first letter"</A></p>
            </section>
        }
        .into_any();
    }
    view! {
        <ul class="space-y-3" aria-label="Your letters">
            {list
                .into_iter()
                .map(|l| view! {
                    <li class=CARD>
                        <div class="flex flex-wrap items-center justify-between gap-2">
                            <A href=format!("/letters/{}", l.id) attr:class=format!("{TEXT_LINK} break-words font-semibold")>{l.title.clone()}</A>
                            <StatusBadge status=l.status/>
                        </div>
                        <p class="text-sm text-slate-700 dark:text-slate-300">
                            {l.letter_type.label()} " · changed " <time datetime=l.updated_at.to_rfc3339()>{when(l.updated_at)}</time>
                        </p>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
