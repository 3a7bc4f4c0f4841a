//! One conversation: the messages (a live log, so a finished reply is announced), the reply
//! streaming in as rendered Markdown, Stop, Retry, errors (the hourly limit, a failed
//! provider) and the composer.

use futures::future::{AbortHandle, abortable};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{NavigateOptions, components::A, hooks::use_navigate};
use uuid::Uuid;

use super::assistant_page::AssistantCtx;
use super::composer::Composer;
use super::message_view::{MessageView, REPLY};
use super::stream;
use crate::error::AppError;
use crate::features::assistant::markdown;
use crate::features::assistant::model::{ChatEvent, ChatMessage, Conversation, MessageStatus, Speaker};
use crate::ui::form::{BUTTON_SECONDARY, TEXT_LINK};

const EXAMPLES: &[&str] = &[
    "Turn these notes into a thread for X: we shipped dark mode, cut load time by half and fixed 40 bugs.",
    "Write a marketplace listing for a handmade oak cutting board, 40 × 25 cm, oiled, with juice groove.",
    "Help me ask my landlord to return my security deposit of $1,200; I moved out on 1 March.",
];

/// An error as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Problem {
    message: String,
    upgrade: bool,
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        match error {
            AppError::QuotaExceeded { message, upgrade, .. } => Self { message, upgrade },
            other => Self { message: other.to_string(), upgrade: false },
        }
    }
}

fn message(role: Speaker, content: String, status: MessageStatus, id: Option<Uuid>) -> ChatMessage {
    // The time is the server's to keep (the browser build has no clock through chrono).
    ChatMessage { id: id.unwrap_or_default(), role, content, status, created_at: Default::default() }
}

#[component]
pub fn ChatPanel(initial: Option<Conversation>) -> impl IntoView {
    let Some(ctx) = use_context::<AssistantCtx>() else { return ().into_any() };
    let navigate = use_navigate();
    let conversation = RwSignal::new(initial.as_ref().map(|c| c.id));
    ctx.title.set(initial.as_ref().map_or_else(|| "New conversation".to_string(), |c| c.title.clone()));
    let messages = RwSignal::new(initial.map(|c| c.messages).unwrap_or_default());
    let pending = RwSignal::new(None::<String>);
    let progress = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let draft = RwSignal::new(String::new());
    let abort = StoredValue::new(None::<AbortHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = abort.try_get_value() {
            handle.abort();
        }
    });
    let streaming = Signal::derive(move || pending.with(Option::is_some));

    // The reply so far becomes a message (if anything arrived) and the stream is over.
    let finish = move |status: MessageStatus, id: Option<Uuid>| {
        abort.set_value(None);
        if let Some(text) = pending.get_untracked()
            && !text.trim().is_empty()
        {
            messages.update(|m| m.push(message(Speaker::Assistant, text, status, id)));
        }
        pending.set(None);
    };
    let ask = move |text: String, retry: bool| {
        if streaming.get_untracked() {
            return;
        }
        problem.set(None);
        if retry {
            // The replies after the last question are replaced.
            messages.update(|m| {
                if let Some(last) = m.iter().rposition(|x| x.role == Speaker::User) {
                    m.truncate(last + 1);
                }
            });
        } else {
            messages.update(|m| m.push(message(Speaker::User, text.clone(), MessageStatus::Complete, None)));
            draft.set(String::new());
        }
        pending.set(Some(String::new()));
        progress.set("Writing a reply…".into());
        let started = StoredValue::new(false);
        let navigate = navigate.clone();
        let on_event = move |event: ChatEvent| match event {
            ChatEvent::Started { conversation_id, title } => {
                started.set_value(true);
                if conversation.get_untracked() != Some(conversation_id) {
                    conversation.set(Some(conversation_id));
                    // First the page learns which conversation it shows, then the address
                    // follows (so nothing reloads).
                    ctx.active.set(Some(conversation_id));
                    ctx.title.set(title);
                    navigate(&format!("/assistant/{conversation_id}"), NavigateOptions::default());
                }
                ctx.reload_list();
            }
            ChatEvent::Text { text } => pending.update(|p| p.get_or_insert_default().push_str(&text)),
            ChatEvent::Done { message_id } => {
                finish(MessageStatus::Complete, Some(message_id));
                progress.set("The reply is complete.".into());
            }
            ChatEvent::Error { message, kept } => {
                finish(if kept { MessageStatus::Failed } else { MessageStatus::Complete }, None);
                progress.set(String::new());
                problem.set(Some(Problem { message, upgrade: false }));
            }
        };
        let (run, handle) = abortable(stream::run(conversation.get_untracked(), text.clone(), retry, on_event));
        abort.set_value(Some(handle));
        spawn_local(async move {
            // Aborted: Stop already tidied up.
            if let Ok(Err(e)) = run.await {
                if !started.get_value() && !retry {
                    // Refused before anything was stored (the hourly limit, a bad message):
                    // the message goes back into the composer.
                    messages.update(|m| {
                        m.pop();
                    });
                    draft.set(text);
                }
                finish(MessageStatus::Failed, None);
                progress.set(String::new());
                problem.set(Some(e.into()));
            }
        });
    };
    let send = Callback::new({
        let ask = ask.clone();
        move |text: String| ask(text, false)
    });
    let retry = move |_| ask(String::new(), true);
    let stop = Callback::new(move |()| {
        if let Some(handle) = abort.get_value() {
            handle.abort();
        }
        let had_text = pending.with_untracked(|p| p.as_deref().is_some_and(|t| !t.trim().is_empty()));
        finish(MessageStatus::Stopped, None);
        progress.set(if had_text {
            "Stopped. The part of the reply written so far is kept.".into()
        } else {
            "Stopped before the reply started.".into()
        });
        ctx.reload_list();
    });
    let can_retry = move || {
        !streaming.get()
            && conversation.with(Option::is_some)
            && messages.with(|m| m.iter().any(|x| x.role == Speaker::User))
    };
    let empty = move || messages.with(Vec::is_empty) && !streaming.get();

    view! {
        <h2 id="conversation-title" class="break-words text-2xl font-semibold">{move || ctx.title.get()}</h2>
        <Show when=empty>
            <div class="mt-4 rounded-lg border border-dashed border-slate-400 p-6">
                <p class="text-lg font-medium">"Ask for help with a thread, a listing or a letter."</p>
                <p class="mt-1 text-slate-700 dark:text-slate-300">"Try one of these, or write your own:"</p>
                <ul class="mt-3 space-y-2">
                    {EXAMPLES.iter().map(|example| view! {
                        <li>
                            <button type="button" class="min-h-11 w-full rounded-md border border-slate-300 px-3 py-2 text-left hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-700 dark:border-slate-700 dark:hover:bg-slate-800"
                                on:click=move |_| draft.set((*example).to_string())>
                                {*example}
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        </Show>
        // A finished message is announced once; the reply streaming below it is not read out
        // piece by piece.
        <div role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages">
            <ol class="mt-4 flex flex-col gap-3">
                {move || messages.get().into_iter().map(|m| view! { <MessageView message=m/> }).collect_view()}
            </ol>
        </div>
        {move || pending.get().map(|text| view! {
            <div aria-busy="true" class="mt-3 rounded-lg border border-indigo-300 p-3 dark:border-indigo-700">
                <p class="sr-only">"Assistant, writing:"</p>
                {if text.is_empty() {
                    view! { <p class="text-slate-700 motion-safe:animate-pulse dark:text-slate-300">"Thinking…"</p> }.into_any()
                } else {
                    view! { <div class=REPLY inner_html=markdown::render(&text)></div> }.into_any()
                }}
            </div>
        })}
        <p role="status" class="mt-3 min-h-6 text-sm font-medium">{move || progress.get()}</p>
        {move || problem.get().map(|p| view! {
            <div role="alert" class="mt-2 rounded-md border border-red-700 bg-red-50 p-4 text-red-950 dark:bg-red-950 dark:text-red-50">
                <p>{p.message}</p>
                {p.upgrade.then(|| view! { <A href="/pricing" attr:class=TEXT_LINK>"See plans with more requests"</A> })}
            </div>
        })}
        <Show when=can_retry>
            <button type="button" class=format!("mt-3 {BUTTON_SECONDARY}") on:click=retry.clone()>"Retry"</button>
        </Show>
        <Composer draft streaming on_send=send on_stop=stop/>
    }
    .into_any()
}
