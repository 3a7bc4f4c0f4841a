//! `/letters/:id`: the member's letter — change the details, generate it (streamed, with
//! cancel), edit the text, submit it for review — with its timeline, print view and PDF.

use futures::future::{AbortHandle, abortable};
use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use uuid::Uuid;

use super::common::{AreaField, CARD, StatusBadge, Timeline, tab_title, today};
use super::generation;
use super::letter_form::LetterFields;
use super::new_letter::plural;
use crate::error::AppError;
use crate::features::letters::api::{delete_letter, get_letter, save_letter_body, submit_letter, update_letter};
use crate::features::letters::document::paragraphs;
use crate::features::letters::model::{
    BODY_MAX, EventKind, FieldErrors, LetterForm, LetterStatus, LetterStreamEvent, LetterView,
};
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY, TEXT_LINK};
use crate::ui::loaded;

#[component]
pub fn LetterPage() -> impl IntoView {
    let id = crate::ui::route_id();
    let version = RwSignal::new(0u32);
    let letter = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_letter(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    // Kept above the reloaded part: what an action reports stays after the letter reloads.
    let notice = RwSignal::new(None::<String>);
    view! {
        <Title text="Your letter"/>
        {loaded(letter, 10, "Loading your letter…", move |view: LetterView| view! { <Workspace view reload notice/> })}
    }
}

#[component]
fn Workspace(view: LetterView, reload: Callback<()>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let letter = view.letter.clone();
    let id = letter.id;
    let status = letter.status;
    let title = letter.title.clone();
    let owner = !view.viewer_is_reviewer;
    let returned_comment = (status == LetterStatus::Returned)
        .then(|| {
            view.events
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Status && e.to_status == LetterStatus::Returned)
                .map(|e| e.comment.clone())
        })
        .flatten();
    view! {
        <Title text=tab_title(&title)/>
        <nav aria-label="Letter" class="mb-2 flex flex-wrap gap-x-4">
            <A href="/letters" attr:class=TEXT_LINK>"All your letters"</A>
            <a href=format!("/letters/{id}/print") class=TEXT_LINK>"Print"</a>
            <a href=format!("/letters/{id}/pdf") class=TEXT_LINK rel="external" download="">"Download PDF"</a>
            {view.viewer_is_reviewer.then(|| view! { <A href=format!("/admin/letters?open={id}") attr:class=TEXT_LINK>"Open in the review queue"</A> })}
        </nav>
        <div class="flex flex-wrap items-center gap-3">
            <h1 class="break-words text-3xl font-bold">{title}</h1>
            <StatusBadge status/>
        </div>
        <p class="mt-1 text-slate-700 dark:text-slate-300">{status_help(status)}</p>
        <p role="status" aria-live="polite" class="mt-2 min-h-6 font-medium">{move || notice.get()}</p>
        {returned_comment.map(|c| view! {
            <section aria-labelledby="returned-title" class="mt-4 rounded-md border border-amber-700 bg-amber-50 p-4 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
                <h2 id="returned-title" class="font-semibold">"The reviewer asks for changes"</h2>
                <p class="mt-1 whitespace-pre-wrap">{c}</p>
            </section>
        })}
        {(owner && status.member_can_edit_form()).then(|| view! { <DetailsEditor view=view.clone() reload notice/> })}
        <LetterText view=view.clone() reload notice owner/>
        {(owner && status.member_can_delete()).then(|| view! { <DeleteButton id/> })}
        <Timeline events=view.events.clone()/>
    }
}

fn status_help(status: LetterStatus) -> &'static str {
    match status {
        LetterStatus::Draft => "Check the details, then generate the letter.",
        LetterStatus::Generating => "The letter is being written. This page shows it when it is done.",
        LetterStatus::Ready => "Read the letter, edit anything you like, then submit it for review.",
        LetterStatus::InReview => "A reviewer is checking the letter. You will get an email when they are done.",
        LetterStatus::Returned => "The reviewer returned the letter. Make the changes, then submit it again.",
        LetterStatus::Approved => "The letter is approved and will be sent shortly.",
        LetterStatus::Sent => "The letter was sent.",
    }
}

/// The form's details, open while the letter is a draft.
#[component]
fn DetailsEditor(view: LetterView, reload: Callback<()>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let id = view.letter.id;
    let open = view.letter.status == LetterStatus::Draft;
    let input = RwSignal::new(view.letter.input());
    let errors = RwSignal::new(FieldErrors::default());
    let failure = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
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
        spawn_local(async move {
            let result = update_letter(id, current).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    notice.set(Some("The details were saved.".into()));
                    reload.run(());
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <details class=format!("mt-6 {CARD}") open=open>
            <summary class="flex min-h-11 cursor-pointer items-center text-xl font-semibold">"Details of the letter"</summary>
            <form on:submit=submit novalidate class="max-w-2xl">
                <LetterFields input errors/>
                <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{move || failure.get()}</p>
                <button type="submit" class=format!("mt-4 {BUTTON_SECONDARY}") disabled=move || saving.get()>"Save details"</button>
            </form>
        </details>
    }
}

/// Generating (streamed, cancellable), editing and submitting the letter's text.
#[component]
fn LetterText(view: LetterView, reload: Callback<()>, notice: RwSignal<Option<String>>, owner: bool) -> impl IntoView {
    let id = view.letter.id;
    let status = view.letter.status;
    let saved_body = view.letter.body.clone();
    let body = RwSignal::new(saved_body.clone());
    let saved = StoredValue::new(saved_body.clone());
    let streamed = RwSignal::new(String::new());
    let generating = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let abort = StoredValue::new(None::<AbortHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = abort.try_get_value() {
            handle.abort();
        }
    });
    let can_generate = owner && status.apply(crate::features::letters::model::Transition::StartGeneration).is_ok();
    let can_edit = owner && status.member_can_edit_body();
    let generate = move |_| {
        streamed.set(String::new());
        error.set(None);
        notice.set(Some("Writing the letter…".into()));
        generating.set(true);
        let (run, handle) = abortable(generation::run(id, move |event| match event {
            LetterStreamEvent::Text { text } => streamed.update(|s| s.push_str(&text)),
            LetterStreamEvent::Done => {
                notice.set(Some("The letter is written. Read it and edit anything you like.".into()))
            }
            LetterStreamEvent::Error { message } => error.set(Some(message)),
        }));
        abort.set_value(Some(handle));
        spawn_local(async move {
            match run.await {
                // Cancelled: Cancel tidies up.
                Err(_) => {}
                Ok(result) => {
                    abort.set_value(None);
                    generating.set(false);
                    if let Err(e) = result {
                        error.set(Some(e.to_string()));
                        notice.set(None);
                    }
                    if error.get_untracked().is_none() {
                        reload.run(());
                    } else {
                        // The letter went back to draft; show that after the message is read.
                        set_timeout(move || reload.run(()), std::time::Duration::from_secs(4));
                    }
                }
            }
        });
    };
    let cancel = move |_| {
        if let Some(handle) = abort.get_value() {
            handle.abort();
        }
        abort.set_value(None);
        generating.set(false);
        notice.set(Some("Stopped. The letter is back to draft and nothing was counted.".into()));
        // The server notices the closed stream and puts the letter back to draft.
        set_timeout(move || reload.run(()), std::time::Duration::from_millis(800));
    };
    let save = move || {
        let text = body.get_untracked();
        async move {
            if text == saved.get_value() {
                return Ok(());
            }
            save_letter_body(id, text.clone()).await.map(|_| saved.set_value(text))
        }
    };
    let on_save = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = save().await;
            busy.set(false);
            match result {
                Ok(()) => notice.set(Some("Your changes were saved.".into())),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let on_submit = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match save().await {
                Ok(()) => submit_letter(id).await.map(|_| ()),
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    notice.set(Some("Submitted for review. You will get an email when the reviewer is done.".into()));
                    reload.run(());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let has_body = !saved_body.trim().is_empty();
    let read_only = saved_body.clone();
    view! {
        <section aria-labelledby="letter-text-title" class=format!("mt-6 {CARD}")>
            <h2 id="letter-text-title" class="text-xl font-semibold">"The letter"</h2>
            <div role="alert" class="mt-2 text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</div>
            {can_generate.then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    <Show
                        when=move || generating.get()
                        fallback=move || view! {
                            <button type="button" class=BUTTON on:click=generate>
                                {if has_body { "Write it again with AI" } else { "Generate letter" }}
                            </button>
                        }
                    >
                        <button type="button" class=BUTTON_SECONDARY on:click=cancel>"Cancel"</button>
                    </Show>
                </div>
                {has_body.then(|| view! { <p class="mt-1 text-sm text-slate-700 dark:text-slate-300">"Writing it again replaces the text below."</p> })}
            })}
            <Show when=move || generating.get() || !streamed.with(String::is_empty)>
                <div aria-live="polite" aria-busy=move || generating.get().to_string() aria-label="The letter as it is written"
                    class="mt-4 whitespace-pre-wrap rounded-md bg-slate-50 p-4 font-serif leading-relaxed dark:bg-slate-900">
                    {move || streamed.get()}
                    {move || generating.get().then(|| view! { <span class="motion-safe:animate-pulse" aria-hidden="true">"▍"</span> })}
                </div>
            </Show>
            {if can_edit {
                view! {
                    <Show when=move || !generating.get() && streamed.with(String::is_empty)>
                        <AreaField label="Letter text" id="letter-body" value=body.into() on_change=Callback::new(move |v| body.set(v)) rows=18 maxlength=BODY_MAX hint="Paragraphs are separated by a blank line."/>
                        <div class="mt-4 flex flex-wrap gap-2">
                            <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() on:click=on_save>"Save changes"</button>
                            <button type="button" class=BUTTON disabled=move || busy.get() on:click=on_submit>"Submit for review"</button>
                        </div>
                    </Show>
                }
                .into_any()
            } else if has_body {
                view! {
                    <Show when=move || streamed.with(String::is_empty)>
                        <div class="mt-4 space-y-4 font-serif leading-relaxed">
                            {paragraphs(&read_only).into_iter().map(|p| view! { <p class="whitespace-pre-wrap">{p}</p> }).collect_view()}
                        </div>
                    </Show>
                }
                .into_any()
            } else {
                view! {
                    <Show when=move || !generating.get() && streamed.with(String::is_empty)>
                        <p class="mt-4 text-slate-700 dark:text-slate-300">"Nothing written yet. Generate the letter from the details above."</p>
                    </Show>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn DeleteButton(id: Uuid) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let delete = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_letter(id).await {
                Ok(()) => navigate("/letters", NavigateOptions { replace: true, ..Default::default() }),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="mt-6">
            <Show
                when=move || confirming.get()
                fallback=move || view! { <button type="button" class=BUTTON_SECONDARY on:click=move |_| confirming.set(true)>"Delete letter"</button> }
            >
                <p class="font-medium">"Delete this letter? It disappears from your list."</p>
                <div class="mt-2 flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_DANGER on:click=delete.clone()>"Yes, delete it"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| confirming.set(false)>"Keep it"</button>
                </div>
            </Show>
            <p role="alert" class="mt-1 text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}
