//! `/threads/:id`: a member's saved thread in the editor, saved automatically; the title is
//! renamed in place.

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::autosave::{SaveStatus, autosave};
use super::editor::Editor;
use super::thread_form::INPUT;
use crate::error::AppError;
use crate::features::threads::api::{get_thread, rename_thread};
use crate::features::threads::editor_ops::Posts;
use crate::features::threads::model::{TITLE_MAX_CHARS, ThreadDoc};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, TEXT_LINK};
use crate::ui::{loaded, route_id};

#[component]
pub fn ThreadPage() -> impl IntoView {
    let id = route_id();
    let doc = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_thread(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Your thread"/>
        {loaded(doc, 8, "Loading your thread…", |doc: ThreadDoc| view! { <SavedThread doc/> })}
    }
}

#[component]
fn SavedThread(doc: ThreadDoc) -> impl IntoView {
    let posts = RwSignal::new(Posts::new(doc.posts));
    let title = RwSignal::new(doc.title);
    let state = autosave(doc.id, posts, doc.numbering, doc.version);
    let numbering = doc.numbering;
    view! {
        <Title text=move || title.get()/>
        <nav aria-label="Thread" class="mb-4 flex flex-wrap gap-x-4">
            <A href="/history" attr:class=TEXT_LINK>"All your threads"</A>
            <A href="/threads/new" attr:class=TEXT_LINK>"Write a new thread"</A>
        </nav>
        <TitleEditor id=doc.id title/>
        {doc.source_url.map(|url| view! {
            <p class="mt-1 break-all text-sm">"From " <a href=url.clone() class="underline" rel="noopener noreferrer">{url.clone()}</a></p>
        })}
        <Editor posts numbering=Signal::stored(numbering) title status=move || view! { <SaveStatus state/> }/>
    }
}

/// The title as the page's heading, with "Rename" turning it into a small form.
#[component]
fn TitleEditor(id: Uuid, title: RwSignal<String>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        saving.set(true);
        spawn_local(async move {
            let result = rename_thread(id, draft.get_untracked()).await;
            saving.set(false);
            match result {
                Ok(doc) => {
                    title.set(doc.title);
                    error.set(None);
                    editing.set(false);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! {
                <div class="flex flex-wrap items-center gap-3">
                    <h1 class="break-words text-3xl font-bold">{move || title.get()}</h1>
                    <button type="button" class=BUTTON_SECONDARY aria-label="Rename this thread" on:click=move |_| {
                        draft.set(title.get_untracked());
                        error.set(None);
                        editing.set(true);
                    }>"Rename"</button>
                </div>
            }
        >
            <h1 class="sr-only">{move || title.get()}</h1>
            <form on:submit=submit novalidate class="max-w-xl">
                <label for="thread-title" class="block font-medium">"Title"</label>
                <input
                    id="thread-title"
                    class=INPUT
                    maxlength=TITLE_MAX_CHARS
                    autofocus
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="thread-title-error"
                    prop:value=move || draft.get()
                    on:input=move |e| draft.set(event_target_value(&e))
                />
                <p id="thread-title-error" role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
                <div class="mt-2 flex flex-wrap gap-2">
                    <button type="submit" class=BUTTON disabled=move || saving.get()>"Save title"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}
