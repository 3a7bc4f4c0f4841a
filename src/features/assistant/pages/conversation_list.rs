//! The member's conversations: open, rename in place, delete (with a confirmation), start a
//! new one. On phones the list folds away behind a button.

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use uuid::Uuid;

use super::assistant_page::AssistantCtx;
use crate::error::AppError;
use crate::features::assistant::api::{delete_conversation, rename_conversation};
use crate::features::assistant::model::{ConversationSummary, TITLE_MAX_CHARS};
use crate::ui::Skeleton;
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY};

const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900";
const SMALL_BUTTON: &str = "inline-flex min-h-11 min-w-11 items-center justify-center rounded-md px-3 text-sm font-medium text-slate-700 underline underline-offset-4 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-700 dark:text-slate-200 dark:hover:bg-slate-800";

#[component]
pub fn ConversationList(list: Resource<Result<Vec<ConversationSummary>, AppError>>) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <nav aria-labelledby="conversations-title" class="min-w-0">
            <div class="flex items-center justify-between gap-2">
                <h2 id="conversations-title" class="text-lg font-semibold">"Conversations"</h2>
                <button
                    type="button"
                    class=format!("{BUTTON_SECONDARY} lg:hidden")
                    aria-controls="conversation-list"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "Hide list" } else { "Show list" }}
                </button>
            </div>
            <A href="/assistant" attr:class=format!("mt-3 w-full {BUTTON}")>"New conversation"</A>
            <div id="conversation-list" class=move || if open.get() { "mt-3 block" } else { "mt-3 hidden lg:block" }>
                <Transition fallback=|| view! { <Skeleton lines=4 label="Loading your conversations…"/> }>
                    {move || list.get().map(|result| match result {
                        Ok(items) if items.is_empty() => view! {
                            <p class="text-sm text-slate-700 dark:text-slate-300">"No conversations yet. Your first message starts one."</p>
                        }.into_any(),
                        Ok(items) => view! {
                            <ul class="space-y-1">
                                {items.into_iter().map(|item| view! { <Row item/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="text-sm text-red-700 dark:text-red-300">{e.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </div>
        </nav>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    View,
    Rename,
    ConfirmDelete,
}

#[component]
fn Row(item: ConversationSummary) -> impl IntoView {
    let Some(ctx) = use_context::<AssistantCtx>() else { return ().into_any() };
    let navigate = use_navigate();
    let mode = RwSignal::new(Mode::View);
    let title = RwSignal::new(item.title.clone());
    let error = RwSignal::new(None::<String>);
    let id: Uuid = item.id;
    let input_id = format!("rename-{id}");
    let save = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let new_title = title.get_untracked();
        spawn_local(async move {
            match rename_conversation(id, new_title).await {
                Ok(saved) => {
                    error.set(None);
                    mode.set(Mode::View);
                    if ctx.active.get_untracked() == Some(id) {
                        ctx.title.set(saved.title);
                    }
                    ctx.reload_list();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let remove = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_conversation(id).await {
                Ok(()) => {
                    if ctx.active.get_untracked() == Some(id) {
                        navigate("/assistant", NavigateOptions::default());
                    }
                    ctx.reload_list();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let shown = item.title.clone();
    view! {
        <li class="rounded-md border border-slate-200 p-1 dark:border-slate-800">
            {move || {
                let shown = shown.clone();
                let label = shown.clone();
                let input_id = input_id.clone();
                match mode.get() {
                Mode::View => view! {
                    <A href=format!("/assistant/{id}") attr:class="flex min-h-11 items-center break-words rounded-md px-2 font-medium hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-800 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-200">
                        {label}
                    </A>
                    <div class="flex gap-1">
                        <button type="button" class=SMALL_BUTTON aria-label=format!("Rename “{shown}”") on:click=move |_| mode.set(Mode::Rename)>"Rename"</button>
                        <button type="button" class=SMALL_BUTTON aria-label=format!("Delete “{shown}”") on:click=move |_| mode.set(Mode::ConfirmDelete)>"Delete"</button>
                    </div>
                }.into_any(),
                Mode::Rename => view! {
                    <form on:submit=save class="p-1">
                        <label for=input_id.clone() class="block text-sm font-medium">"Title"</label>
                        <input id=input_id.clone() type="text" maxlength=TITLE_MAX_CHARS.to_string() required class=INPUT
                            prop:value=move || title.get() on:input=move |e| title.set(event_target_value(&e))/>
                        <div class="mt-2 flex gap-2">
                            <button type="submit" class=BUTTON>"Save"</button>
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| mode.set(Mode::View)>"Cancel"</button>
                        </div>
                    </form>
                }.into_any(),
                Mode::ConfirmDelete => view! {
                    <div class="p-1">
                        <p>{format!("Delete “{shown}”? This cannot be undone.")}</p>
                        <div class="mt-2 flex gap-2">
                            <button type="button" class=BUTTON_DANGER on:click={
                                let remove = remove.clone();
                                move |e| remove(e)
                            }>"Delete"</button>
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| mode.set(Mode::View)>"Keep"</button>
                        </div>
                    </div>
                }.into_any(),
            }}}
            <p role="alert" class="px-2 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </li>
    }
    .into_any()
}
