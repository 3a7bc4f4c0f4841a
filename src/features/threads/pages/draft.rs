//! A thread made on `/threads/new` that is not saved yet (a visitor's, or a member's whose
//! generation was cancelled): kept in localStorage so it survives a reload and signing up,
//! then offered to save to the member's history.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use serde::{Deserialize, Serialize};

use super::browser;
use crate::features::accounts::current_user;
use crate::features::threads::api::create_thread;
use crate::features::threads::editor_ops::Posts;
use crate::features::threads::packer::Numbering;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, TEXT_LINK};

const KEY: &str = "threadr:draft";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub posts: Vec<String>,
    pub numbering: Numbering,
}

/// As stored: the numbering in its form-field spelling ("1/7"), which outlives enum renames.
#[derive(Serialize, Deserialize)]
struct Stored {
    posts: Vec<String>,
    numbering: String,
}

pub fn load() -> Option<Draft> {
    let stored: Stored = serde_json::from_str(&browser::load(KEY)?).ok()?;
    let numbering = stored.numbering.parse().ok()?;
    (!stored.posts.is_empty()).then_some(Draft { posts: stored.posts, numbering })
}

pub fn store(draft: &Draft) {
    let stored = Stored { posts: draft.posts.clone(), numbering: draft.numbering.as_str().to_string() };
    if let Ok(json) = serde_json::to_string(&stored) {
        browser::store(KEY, &json);
    }
}

pub fn clear() {
    browser::remove(KEY);
}

/// Under an unsaved thread: visitors are asked to sign up; members can save it.
#[component]
pub fn DraftNotice(posts: RwSignal<Posts>, numbering: Signal<Numbering>, on_discard: Callback<()>) -> impl IntoView {
    let user = current_user();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let member = match user {
                    Some(user) => matches!(user.await, Ok(Some(_))),
                    None => false,
                };
                if member {
                    view! { <SaveDraft posts numbering on_discard/> }.into_any()
                } else {
                    view! {
                        <div class="mt-6 rounded-lg border border-indigo-300 bg-indigo-50 p-4 text-indigo-950 dark:border-indigo-700 dark:bg-indigo-950 dark:text-indigo-50">
                            <p>"This thread lives in this browser only. Create a free account to keep it in your history and edit it anywhere."</p>
                            <div class="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
                                <A href="/sign-up" attr:class=TEXT_LINK>"Sign up to save this thread"</A>
                                <A href="/sign-in" attr:class=TEXT_LINK>"Sign in"</A>
                                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_discard.run(())>"Discard it"</button>
                            </div>
                        </div>
                    }
                    .into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn SaveDraft(posts: RwSignal<Posts>, numbering: Signal<Numbering>, on_discard: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let navigate = use_navigate();
    let save = move |_| {
        let texts = posts.with_untracked(|p| p.texts());
        let numbering = numbering.get_untracked().as_str().to_string();
        let navigate = navigate.clone();
        saving.set(true);
        spawn_local(async move {
            let result = create_thread(texts, numbering, None).await;
            saving.set(false);
            match result {
                Ok(doc) => {
                    clear();
                    navigate(&format!("/threads/{}", doc.id), NavigateOptions { replace: true, ..Default::default() });
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="mt-6 rounded-lg border border-indigo-300 bg-indigo-50 p-4 text-indigo-950 dark:border-indigo-700 dark:bg-indigo-950 dark:text-indigo-50">
            <p>"This thread is not in your history yet."</p>
            <div class="mt-3 flex flex-wrap gap-3">
                <button type="button" class=BUTTON disabled=move || saving.get() on:click=save>"Save this thread to your history"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_discard.run(())>"Discard it"</button>
            </div>
            <p role="alert" class="mt-2 font-semibold text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}
