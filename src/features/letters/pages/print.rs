//! `/letters/:id/print`: the letter as it is printed (and as the PDF shows it, from the same
//! [`LetterDocument`]). Print CSS sets A4 or US Letter (`?paper=letter`), margins and page
//! numbers.

use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title};
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::error::AppError;
use crate::features::letters::api::get_letter;
use crate::features::letters::document::{LetterDocument, document};
use crate::features::letters::model::{LetterView, Party};
use crate::ui::form::TEXT_LINK;
use crate::ui::loaded;

#[component]
pub fn LetterPrintPage() -> impl IntoView {
    let query = use_query_map();
    let id = crate::ui::route_id();
    let us_letter = Memo::new(move |_| query.read().get("paper").as_deref() == Some("letter"));
    let letter = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_letter(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Stylesheet id="letters-print" href="/letters-print.css"/>
        <Title text="Print letter"/>
        {loaded(letter, 12, "Loading the letter…", move |view: LetterView| {
            let doc = document(&view.letter);
            let id = view.letter.id;
            view! { <PrintView doc id us_letter/> }
        })}
    }
}

#[component]
fn PrintView(doc: LetterDocument, id: Uuid, us_letter: Memo<bool>) -> impl IntoView {
    let date = doc.date_line();
    view! {
        <Title text=super::common::tab_title(&doc.title)/>
        <div class="print-hide mb-4">
            <h1 class="text-2xl font-bold">"Print your letter"</h1>
            <nav aria-label="Print options" class="flex flex-wrap gap-x-4">
                <a href=format!("/letters/{id}") class=TEXT_LINK>"Back to the letter"</a>
                <a href=format!("/letters/{id}/print") class=TEXT_LINK aria-current=move || (!us_letter.get()).then_some("page")>"A4 paper"</a>
                <a href=format!("/letters/{id}/print?paper=letter") class=TEXT_LINK aria-current=move || us_letter.get().then_some("page")>"US Letter paper"</a>
                <a href=format!("/letters/{id}/pdf") class=TEXT_LINK rel="external" download="">"Download PDF"</a>
            </nav>
            <p class="text-sm text-slate-700 dark:text-slate-300">"Use your browser's Print command (Ctrl+P or ⌘P). Page numbers are added where the browser supports them."</p>
        </div>
        <article
            aria-label="Letter"
            class=move || if us_letter.get() { "letter-sheet letter-paper-letter text-slate-900" } else { "letter-sheet text-slate-900" }
        >
            <div class="letter-parties">
                <PartyBlock party=doc.sender.clone() label="From"/>
                <p><time>{date}</time></p>
            </div>
            <PartyBlock party=doc.recipient.clone() label="To"/>
            <p class="letter-subject">"Re: " {doc.subject.clone()}</p>
            {doc.body_paragraphs.iter().map(|p| view! { <p>{p.clone()}</p> }).collect_view()}
            <p class="letter-footer">
                {doc.deadline.clone().map(|d| format!("Response requested by {d}. "))}
                "Reference " {doc.reference.clone()}
            </p>
        </article>
    }
}

#[component]
fn PartyBlock(party: Party, label: &'static str) -> impl IntoView {
    view! {
        <address class="not-italic" aria-label=label>
            <p>
                {party.name.clone()}
                {party.address_lines.iter().map(|l| view! { <br/>{l.clone()} }).collect_view()}
                {party.email.clone().map(|e| view! { <br/>{e} })}
            </p>
        </address>
    }
}
