//! `/threads/new`: the form, the thread streaming in post by post (with a cancel button), what
//! is left of the limits, then the editor. Members' finished threads are saved by the server
//! and open at `/threads/{id}`; anything else stays here as a draft.

use futures::future::{AbortHandle, abortable};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};

use super::draft::{self, Draft, DraftNotice};
use super::editor::Editor;
use super::stream::{self, GenError, Request};
use super::thread_form::ThreadForm;
use super::usage::{Usage, UsagePanel};
use crate::features::threads::editor_ops::Posts;
use crate::features::threads::model::{GenerationEvent, title_from};
use crate::features::threads::packer::Numbering;
use crate::ui::form::TEXT_LINK;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Empty,
    Generating,
    Editing,
}

#[component]
pub fn NewThreadPage() -> impl IntoView {
    let usage = Usage::new();
    let phase = RwSignal::new(Phase::Empty);
    let streamed = RwSignal::new(Vec::<String>::new());
    let progress = RwSignal::new(String::new());
    let error = RwSignal::new(None::<GenError>);
    let imported = RwSignal::new(None::<(String, Option<String>)>);
    let posts = RwSignal::new(Posts::default());
    let numbering = RwSignal::new(Numbering::default());
    let abort = StoredValue::new(None::<AbortHandle>);
    let navigate = use_navigate();
    // Leaving the page stops a generation still streaming (dropping it aborts the request).
    on_cleanup(move || {
        if let Some(Some(handle)) = abort.try_get_value() {
            handle.abort();
        }
    });

    // A draft from before a reload or a sign-up comes back (only the browser has it).
    Effect::new(move |_| {
        if let Some(d) = draft::load() {
            posts.set(Posts::new(d.posts));
            numbering.set(d.numbering);
            phase.set(Phase::Editing);
            progress.set("Your unsaved thread is back.".into());
        }
    });
    // Every change to the draft is kept.
    Effect::new(move |_| {
        if phase.get() == Phase::Editing {
            draft::store(&Draft { posts: posts.with(|p| p.texts()), numbering: numbering.get() });
        }
    });

    // The posts streamed so far become the editor's (a failed or cancelled generation keeps them).
    let finish = move || {
        abort.set_value(None);
        let got = streamed.get_untracked();
        if !got.is_empty() {
            posts.set(Posts::new(got));
        }
        let has_thread = posts.with_untracked(|p| !p.is_empty());
        phase.set(if has_thread { Phase::Editing } else { Phase::Empty });
    };
    let on_event = move |event: GenerationEvent| match event {
        GenerationEvent::Source { url, title } => {
            imported.set(Some((url, title)));
            progress.set("Writing post 1…".into());
        }
        GenerationEvent::Post { text, .. } => {
            streamed.update(|s| s.push(text));
            progress.set(format!("Writing post {}…", streamed.with_untracked(Vec::len) + 1));
        }
        GenerationEvent::Done { thread_id, usage: summary } => {
            usage.set(summary);
            let n = streamed.with_untracked(Vec::len);
            progress.set(format!("Done: {n} {}.", if n == 1 { "post" } else { "posts" }));
            match thread_id {
                Some(id) => {
                    draft::clear();
                    abort.set_value(None);
                    navigate(&format!("/threads/{id}"), NavigateOptions { replace: true, ..Default::default() });
                }
                None => finish(),
            }
        }
        GenerationEvent::Error { message } => {
            error.set(Some(GenError { message, upgrade: false }));
            progress.set(String::new());
            usage.refresh();
            finish();
        }
    };
    let generate = Callback::new(move |request: Request| {
        if let Ok(n) = request.numbering.parse::<Numbering>() {
            numbering.set(n);
        }
        streamed.set(Vec::new());
        error.set(None);
        imported.set(None);
        let link = request.source.trim().starts_with("http") && !request.source.trim().contains(char::is_whitespace);
        progress.set(if link { "Reading the page…" } else { "Writing post 1…" }.into());
        phase.set(Phase::Generating);
        let on_event = on_event.clone();
        let (run, handle) = abortable(stream::run(request, on_event));
        abort.set_value(Some(handle));
        spawn_local(async move {
            // Aborted: Cancel already tidied up.
            if let Ok(Err(e)) = run.await {
                error.set(Some(e.into()));
                progress.set(String::new());
                usage.refresh();
                finish();
            }
        });
    });
    let cancel = Callback::new(move |()| {
        if let Some(handle) = abort.get_value() {
            handle.abort();
        }
        let n = streamed.with_untracked(Vec::len);
        progress.set(match n {
            0 => "Stopped before the first post.".to_string(),
            1 => "Stopped. The post written so far is kept.".to_string(),
            n => format!("Stopped. The {n} posts written so far are kept."),
        });
        usage.refresh();
        finish();
    });
    let discard = Callback::new(move |()| {
        draft::clear();
        posts.set(Posts::default());
        phase.set(Phase::Empty);
        progress.set("The thread was discarded.".into());
    });
    let generating = Signal::derive(move || phase.get() == Phase::Generating);
    let title = Signal::derive(move || posts.with(|p| title_from(&p.texts())));

    view! {
        <Title text="Write a thread"/>
        <h1 class="text-3xl font-bold">"Write a thread"</h1>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Paste your text or a link. Threadr writes numbered posts that each fit X's 280-character limit; then edit, reorder, copy or export them."
        </p>
        <div class="mt-6 grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
            <ThreadForm generating on_generate=generate on_cancel=cancel/>
            <UsagePanel usage/>
        </div>
        <p role="status" aria-live="polite" class="mt-6 min-h-6 font-medium">{move || progress.get()}</p>
        {move || error.get().map(|e| view! {
            <div role="alert" class="mt-2 rounded-md border border-red-700 bg-red-50 p-4 text-red-950 dark:bg-red-950 dark:text-red-50">
                <p>{e.message}</p>
                {e.upgrade.then(|| view! { <A href="/pricing" attr:class=TEXT_LINK>"Upgrade"</A> })}
            </div>
        })}
        {move || imported.get().map(|(url, title)| view! {
            <p class="mt-2 break-all text-sm">"From " {title.map(|t| format!("“{t}” · "))}<a href=url.clone() class="underline" rel="noopener noreferrer">{url.clone()}</a></p>
        })}
        <Show when=move || phase.get() == Phase::Generating>
            <section aria-labelledby="streaming-title" class="mt-6">
                <h2 id="streaming-title" class="text-2xl font-semibold">"Your thread"</h2>
                <ol aria-label="Posts written so far" class="mt-2 space-y-3">
                    <For
                        each=move || streamed.get().into_iter().enumerate()
                        key=|(i, _)| *i
                        children=|(i, text)| view! {
                            <li class="rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                                <span class="font-semibold">{format!("Post {}", i + 1)}</span>
                                <p class="mt-1 whitespace-pre-wrap">{text}</p>
                            </li>
                        }
                    />
                </ol>
            </section>
        </Show>
        <Show when=move || phase.get() == Phase::Editing>
            <DraftNotice posts numbering=numbering.into() on_discard=discard/>
            <Editor posts numbering title/>
        </Show>
    }
}
