//! The thread editor: every post editable with X's live count, restructuring (move, split,
//! merge, delete, add), undo, copy and export. The page owns the posts; saving is its job.

use leptos::{prelude::*, task::spawn_local};

use super::browser;
use super::post_editor::PostEditor;
use crate::features::threads::editor_ops::{Posts, lengths};
use crate::features::threads::export::{Format, to_text};
use crate::features::threads::packer::Numbering;
use crate::features::threads::xlength::XLength;
use crate::ui::form::BUTTON_SECONDARY;
use crate::ui::toast::use_toaster;

/// What every post row shares.
#[derive(Clone, Copy)]
pub struct EditorCtx {
    pub posts: RwSignal<Posts>,
    pub numbering: Signal<Numbering>,
    pub lengths: Memo<Vec<XLength>>,
    message: RwSignal<String>,
}

impl EditorCtx {
    /// Announces what a change did (or why it was not made).
    pub fn say(&self, message: impl Into<String>) {
        self.message.set(message.into());
    }
}

#[component]
pub fn Editor(
    posts: RwSignal<Posts>,
    #[prop(into)] numbering: Signal<Numbering>,
    /// The thread's title (the Markdown and JSON exports start with it).
    #[prop(into)]
    title: Signal<String>,
    /// Shown beside the heading: the autosave status, or the visitor's notice.
    #[prop(optional, into)]
    status: ViewFnOnce,
) -> impl IntoView {
    let lengths = Memo::new(move |_| posts.with(|p| lengths(&p.texts(), numbering.get())));
    let ctx = EditorCtx { posts, numbering, lengths, message: RwSignal::new(String::new()) };
    let toaster = use_toaster();
    let ids = move || posts.with(|p| p.items().iter().map(|post| post.id).collect::<Vec<_>>());

    let add = move |_| {
        let mut result = Ok(0);
        posts.update(|p| result = p.add());
        match result {
            Ok(i) => {
                ctx.say(format!("Post {} added.", i + 1));
                // The new, empty post is where the person writes next.
                let id = posts.with_untracked(|p| p.items().get(i).map(|post| post.id));
                request_animation_frame(move || focus_post(id));
            }
            Err(e) => ctx.say(e.to_string()),
        }
    };
    let undo = move |_| {
        let mut undone = false;
        posts.update(|p| undone = p.undo());
        ctx.say(if undone { "Last change undone." } else { "Nothing to undo." });
    };
    let copy_thread = move |_| {
        let text = posts.with_untracked(|p| to_text(&p.texts(), numbering.get_untracked()));
        spawn_local(async move {
            match browser::copy(&text).await {
                Ok(()) => toaster.success("Thread copied."),
                Err(e) => toaster.error(e),
            }
        });
    };
    let export = move |format: Format| {
        let content =
            posts.with_untracked(|p| format.render(&title.get_untracked(), &p.texts(), numbering.get_untracked()));
        match browser::download(format.file_name(), format.mime(), &content) {
            Ok(()) => ctx.say(format!("{} downloaded.", format.file_name())),
            Err(e) => toaster.error(e),
        }
    };

    view! {
        <section aria-labelledby="editor-title" class="mt-8">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="editor-title" class="text-2xl font-semibold">
                    "Your thread"
                    <span class="ml-2 text-base font-normal text-slate-700 dark:text-slate-300">
                        {move || match posts.with(|p| p.len()) {
                            1 => "1 post".to_string(),
                            n => format!("{n} posts"),
                        }}
                    </span>
                </h2>
                {status.run()}
            </div>
            <p class="mt-1 text-sm text-slate-700 dark:text-slate-300">
                "Counts follow X's rules, numbering included. In a post, Alt+↑ and Alt+↓ move it."
            </p>
            <p role="status" class="mt-2 min-h-6 text-sm">{move || ctx.message.get()}</p>
            <ol class="mt-2 space-y-4">
                <For each=ids key=|id| *id let:id>
                    <PostEditor id ctx/>
                </For>
            </ol>
            <div class="mt-4 flex flex-wrap gap-2">
                <button type="button" class=BUTTON_SECONDARY on:click=add>"Add post"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=undo disabled=move || posts.with(|p| !p.can_undo())>"Undo"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=copy_thread>"Copy thread"</button>
            </div>
            <div role="group" aria-label="Export" class="mt-2 flex flex-wrap gap-2">
                {Format::ALL
                    .into_iter()
                    .map(|format| view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| export(format)>{format.label()}</button>
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

/// Moves the keyboard focus to a post's text box.
fn focus_post(id: Option<u64>) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = id
        .and_then(|id| document().get_element_by_id(&format!("post-{id}")))
        .and_then(|el| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(el).ok())
    {
        let _ = el.focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
