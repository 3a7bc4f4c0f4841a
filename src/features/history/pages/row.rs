//! One saved item in `/history`: open and delete (with undo); a thread can also be renamed in
//! place and duplicated.

use leptos::{ev, prelude::*, task::spawn_local};
use leptos_router::components::A;

use super::list::HistoryCtx;
use crate::features::history::api::delete_saved;
use crate::features::history::model::{HistoryItem, HistoryKind};
use crate::features::threads::model::TITLE_MAX_CHARS;
use crate::features::threads::{duplicate_thread, rename_thread};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT};
use crate::ui::toast::use_toaster;

/// The line under the title: kind, date and the kind's own fact.
fn meta(item: &HistoryItem) -> String {
    let fact = match item.kind {
        HistoryKind::Thread => match item.detail.parse::<u32>() {
            Ok(1) => "1 post".to_string(),
            Ok(n) => format!("{n} posts"),
            Err(_) => String::new(),
        },
        HistoryKind::Letter => item.detail.replace('_', " "),
        HistoryKind::Transcript => match item.detail.parse::<u64>() {
            Ok(ms) => format!("{}:{:02}", ms / 60_000, ms / 1000 % 60),
            Err(_) => String::new(),
        },
        HistoryKind::Description => String::new(),
    };
    let mut line = format!("{} · updated {}", item.kind.label(), item.updated_at.format("%-d %b %Y"));
    if !fact.is_empty() {
        line.push_str(" · ");
        line.push_str(&fact);
    }
    line
}

#[component]
pub fn HistoryRow(item: HistoryItem, ctx: HistoryCtx) -> impl IntoView {
    let id = item.id;
    let kind = item.kind;
    let href = kind.href(id);
    let title = RwSignal::new(item.title.clone());
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let toaster = use_toaster();
    let field = format!("rename-{id}");
    let error_id = format!("rename-{id}-error");
    let described_by = error_id.clone();

    let rename = move |e: ev::SubmitEvent| {
        e.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let result = rename_thread(id, draft.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(doc) => {
                    title.set(doc.title);
                    editing.set(false);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let duplicate = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = duplicate_thread(id).await;
            busy.set(false);
            match result {
                Ok(doc) => {
                    toaster.success(format!("Duplicated as “{}”.", doc.title));
                    ctx.reload();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let delete = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = delete_saved(kind.slug().to_string(), id).await;
            busy.set(false);
            match result {
                Ok(()) => ctx.deleted(kind, id, title.get_untracked()),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let meta = meta(&item);
    let named = move |action: &str| format!("{action} “{}”", title.get());

    view! {
        <li class="py-4">
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    <A href=href.clone() attr:class="inline-flex min-h-11 items-center break-words text-lg font-semibold text-indigo-700 underline underline-offset-4 dark:text-indigo-300">
                        {move || title.get()}
                    </A>
                }
            >
                <form on:submit=rename novalidate class="max-w-xl">
                    <label for=field.clone() class="block font-medium">{move || named("New title for")}</label>
                    <input
                        id=field.clone()
                        class=INPUT
                        maxlength=TITLE_MAX_CHARS
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby=described_by.clone()
                        prop:value=move || draft.get()
                        on:input=move |e| draft.set(event_target_value(&e))
                    />
                    <div class="mt-2 flex flex-wrap gap-2">
                        <button type="submit" class=BUTTON disabled=move || busy.get()>"Save title"</button>
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
            <p class="text-sm text-slate-700 dark:text-slate-300">{meta}</p>
            <p id=error_id role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
            <div class="mt-2 flex flex-wrap gap-2">
                {(kind == HistoryKind::Thread).then(|| view! {
                    <button type="button" class=BUTTON_SECONDARY aria-label=move || named("Rename") disabled=move || editing.get() on:click=move |_| {
                        draft.set(title.get_untracked());
                        error.set(None);
                        editing.set(true);
                    }>"Rename"</button>
                    <button type="button" class=BUTTON_SECONDARY aria-label=move || named("Duplicate") disabled=move || busy.get() on:click=duplicate>"Duplicate"</button>
                })}
                <button type="button" class=BUTTON_SECONDARY aria-label=move || named("Delete") disabled=move || busy.get() on:click=delete>"Delete"</button>
            </div>
        </li>
    }
}
