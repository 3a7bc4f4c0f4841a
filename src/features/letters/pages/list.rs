//! `/letters`: the member's letters with their status, and "New letter".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::common::{CARD, StatusBadge, when};
use crate::features::letters::api::list_letters;
use crate::features::letters::model::{LETTERS_PAGE_SIZE, LetterList};
use crate::ui::form::{BUTTON, TEXT_LINK};
use crate::ui::{loaded, page_count, page_param, pager};

fn page_href(page: u32) -> String {
    if page <= 1 { "/letters".into() } else { format!("/letters?page={page}") }
}

#[component]
pub fn LettersPage() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let letters = Resource::new(move || page.get(), |page| list_letters(Some(page)));
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
            {loaded(letters, 5, "Loading your letters…", |list: LetterList| view! { <Letters list/> })}
        </div>
    }
}

#[component]
fn Letters(list: LetterList) -> impl IntoView {
    let (page, pages, total) = (list.page, page_count(list.total, LETTERS_PAGE_SIZE), list.total);
    if list.letters.is_empty() && page > 1 {
        return view! {
            <section class=format!("{CARD} text-center")>
                <h2 class="text-xl font-semibold">"No letters on this page"</h2>
                <p class="mt-4"><A href="/letters" attr:class=TEXT_LINK>"Back to the first page"</A></p>
            </section>
        }
        .into_any();
    }
    if list.letters.is_empty() {
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
        <p class="text-sm text-slate-700 dark:text-slate-300">{if total == 1 { "1 letter".to_string() } else { format!("{total} letters") }}</p>
        <ul class="mt-2 space-y-3" aria-label="Your letters">
            {list
                .letters
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
        {pager(page, pages, page_href)}
    }
    .into_any()
}
