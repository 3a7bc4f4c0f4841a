//! One post in the editor: its text box with X's live count, and its buttons (each named with
//! the post's number). Alt+ArrowUp / Alt+ArrowDown in the text box move the post.

use leptos::{ev, html, prelude::*, task::spawn_local};

use super::browser;
use super::editor::EditorCtx;
use crate::features::threads::editor_ops::{Direction, EditError};
use crate::features::threads::packer::numbered;
use crate::features::threads::xlength::MAX_WEIGHTED_LENGTH;
use crate::ui::toast::use_toaster;

const SMALL_BUTTON: &str = "inline-flex min-h-11 min-w-11 items-center justify-center rounded-md border border-slate-400 px-3 text-sm font-semibold hover:bg-slate-100 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700 dark:border-slate-600 dark:hover:bg-slate-800";

#[component]
pub fn PostEditor(id: u64, ctx: EditorCtx) -> impl IntoView {
    let posts = ctx.posts;
    let index = Memo::new(move |_| posts.with(|p| p.index_of(id)).unwrap_or(0));
    let total = Memo::new(move |_| posts.with(|p| p.len()));
    let text = Memo::new(move |_| {
        posts.with(|p| p.items().iter().find(|post| post.id == id).map(|post| post.text.clone()).unwrap_or_default())
    });
    let length = Memo::new(move |_| ctx.lengths.with(|l| l.get(index.get()).copied()));
    let over = move || length.get().is_some_and(|l| l.weighted_length > MAX_WEIGHTED_LENGTH || !l.valid);
    let number = move || index.get() + 1;
    let textarea = NodeRef::<html::Textarea>::new();
    let (field, count_id, error_id) = (format!("post-{id}"), format!("post-{id}-count"), format!("post-{id}-error"));

    let (up, down) = (NodeRef::<html::Button>::new(), NodeRef::<html::Button>::new());
    // Moving re-orders the page, which drops the focus: give it back to the control used
    // (or to the text box when that button is now disabled, at an end of the thread).
    let refocus = move |button: Option<NodeRef<html::Button>>| {
        request_animation_frame(move || {
            if let Some(el) = button.and_then(|b| b.get_untracked()).filter(|el| !el.disabled()) {
                let _ = el.focus();
            } else if let Some(el) = textarea.get_untracked() {
                let _ = el.focus();
            }
        })
    };
    let move_post = move |direction: Direction, button: Option<NodeRef<html::Button>>| {
        let from = index.get_untracked();
        let mut result = Err(EditError::NoSuchPost);
        posts.update(|p| result = p.move_post(from, direction));
        match result {
            Ok(to) => ctx.say(format!("Post {} moved to position {}.", from + 1, to + 1)),
            Err(e) => ctx.say(e.to_string()),
        }
        refocus(button);
    };
    let on_keydown = move |e: ev::KeyboardEvent| {
        let direction = match (e.alt_key(), e.key().as_str()) {
            (true, "ArrowUp") => Direction::Up,
            (true, "ArrowDown") => Direction::Down,
            _ => return,
        };
        e.prevent_default();
        move_post(direction, None);
    };
    let split = move |_: ev::MouseEvent| {
        let at = textarea.get_untracked().and_then(|el| el.selection_start().ok().flatten()).unwrap_or(0);
        let i = index.get_untracked();
        let mut result = Ok(());
        posts.update(|p| result = p.split_at(i, at as usize));
        ctx.say(match result {
            Ok(()) => format!("Post {} split in two.", i + 1),
            Err(e) => e.to_string(),
        });
    };
    let merge = move |_: ev::MouseEvent| {
        let i = index.get_untracked();
        let mut result = Ok(());
        posts.update(|p| result = p.merge_with_next(i));
        ctx.say(match result {
            Ok(()) => format!("Posts {} and {} merged.", i + 1, i + 2),
            Err(e) => e.to_string(),
        });
    };
    let delete = move |_: ev::MouseEvent| {
        let i = index.get_untracked();
        let mut result = Ok(());
        posts.update(|p| result = p.delete(i));
        ctx.say(match result {
            Ok(()) => format!("Post {} deleted. Undo brings it back.", i + 1),
            Err(e) => e.to_string(),
        });
    };
    let toaster = use_toaster();
    let copy = move |_: ev::MouseEvent| {
        let n = index.get_untracked();
        let content = numbered(text.get_untracked().trim(), n, total.get_untracked(), ctx.numbering.get_untracked());
        spawn_local(async move {
            match browser::copy(&content).await {
                Ok(()) => toaster.success(format!("Post {} copied.", n + 1)),
                Err(e) => toaster.error(e),
            }
        });
    };

    view! {
        <li class=move || {
            let border = if over() { "border-red-700" } else { "border-slate-300 dark:border-slate-700" };
            format!("rounded-lg border p-3 {border}")
        }>
            <div class="flex items-baseline justify-between gap-2">
                <label for=field.clone() class="font-semibold">{move || format!("Post {}", number())}</label>
                <span id=count_id.clone() class=move || if over() { "font-semibold text-red-700 dark:text-red-300" } else { "text-slate-700 dark:text-slate-300" }>
                    {move || length.get().map(|l| format!("{}/{MAX_WEIGHTED_LENGTH}", l.weighted_length))}
                    <span class="sr-only">" characters"</span>
                </span>
            </div>
            <textarea
                id=field
                node_ref=textarea
                rows="4"
                aria-describedby=format!("{count_id} {error_id}")
                aria-invalid=move || over().to_string()
                aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
                prop:value=move || text.get()
                on:input=move |e| {
                    let value = event_target_value(&e);
                    let i = index.get_untracked();
                    posts.update(|p| {
                        let _ = p.edit(i, value);
                    });
                }
                on:keydown=on_keydown
                class="mt-1 block min-h-24 w-full rounded-md border border-slate-400 bg-white px-3 py-2 field-sizing-content aria-[invalid=true]:border-red-700 dark:border-slate-600 dark:bg-slate-900"
            >
                // The server renders no properties: the first text is the content, so a saved
                // thread is readable before the page hydrates.
                {text.get_untracked()}
            </textarea>
            <p id=error_id role="alert" class="mt-1 text-sm font-semibold text-red-700 empty:hidden dark:text-red-300">
                {move || over().then(|| format!("Post {} is over X's {MAX_WEIGHTED_LENGTH}-character limit. Shorten or split it.", number()))}
            </p>
            <div class="mt-2 flex flex-wrap gap-2">
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Move post {} up", number()) disabled=move || index.get() == 0 node_ref=up on:click=move |_| move_post(Direction::Up, Some(up))>"Up"</button>
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Move post {} down", number()) disabled=move || { index.get() + 1 >= total.get() } node_ref=down on:click=move |_| move_post(Direction::Down, Some(down))>"Down"</button>
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Split post {} at the cursor", number()) on:click=split>"Split"</button>
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Merge post {} with the next", number()) disabled=move || { index.get() + 1 >= total.get() } on:click=merge>"Merge"</button>
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Copy post {}", number()) on:click=copy>"Copy"</button>
                <button type="button" class=SMALL_BUTTON aria-label=move || format!("Delete post {}", number()) disabled=move || { total.get() <= 1 } on:click=delete>"Delete"</button>
            </div>
        </li>
    }
}
