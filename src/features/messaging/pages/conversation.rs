//! `/messages/{id}`: the card of what it is about, the messages (newest at the bottom), live
//! updates from the page's connection, editing within 15 minutes, deleting, "seen" under my
//! last message the other person read, a typing indicator, blocking and reporting.

use leptos::prelude::*;
use leptos_meta::Title;

use super::live::{LinkStatus, new_events, use_live};
use crate::features::messaging::api::{
    DeleteMessage, EditMessage, ReportMessage, SendMessage, SetBlocked, get_conversation, mark_read, typing,
};
use crate::features::messaging::model::{ConversationView, LiveEvent, MAX_CHARS, MessageView, Piece, pieces};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, FormError, INPUT, TEXT_LINK};
use crate::ui::{loaded, route_id, when};

#[component]
pub fn ConversationPage() -> impl IntoView {
    let id = route_id();
    let view = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_conversation(id, None).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Title text="Conversation"/>
        <p class="mb-4"><a href="/messages" class=TEXT_LINK>"All messages"</a></p>
        {loaded(view, 8, "Loading the conversation…", |v: ConversationView| view! { <Conversation v/> })}
    }
}

/// Sorted by id; a message seen again (sent here and echoed live) replaces itself.
fn upsert(list: &mut Vec<MessageView>, message: MessageView) {
    match list.binary_search_by_key(&message.id, |m| m.id) {
        Ok(at) => list[at] = message,
        Err(at) => list.insert(at, message),
    }
}

#[component]
fn Conversation(v: ConversationView) -> impl IntoView {
    let conversation = v.id;
    let me = v.me;
    let live = use_live();
    if let Some(live) = live {
        live.resume_from(v.last_event);
    }
    let messages = RwSignal::new(v.messages.clone());
    let their_read = RwSignal::new(v.their_read_through);
    let typing_until = RwSignal::new(None::<f64>);
    let blocked_by_me = RwSignal::new(v.blocked_by_me);
    // "Seen" goes under my newest message the other person has read.
    let seen_id = Memo::new(move |_| {
        let read = their_read.get();
        messages.with(|l| l.iter().filter(|m| m.mine && m.id <= read).map(|m| m.id).max())
    });
    let other = v.other_name.clone();

    // Live events of this conversation.
    let seen = StoredValue::new(0usize);
    Effect::new(move |_| {
        let Some(live) = live else { return };
        let mut at = seen.get_value();
        let fresh = new_events(live, &mut at);
        seen.set_value(at);
        for event in fresh {
            match event {
                LiveEvent::Message { message, .. } if message.conversation == conversation => {
                    if !message.mine {
                        typing_until.set(None);
                    }
                    messages.update(|list| upsert(list, message));
                }
                LiveEvent::Read { conversation: c, through, reader, .. } if c == conversation && reader != me => {
                    their_read.update(|r| *r = (*r).max(through));
                }
                LiveEvent::Typing { conversation: c, .. } if c == conversation => {
                    typing_until.set(Some(now_ms() + 5_000.0));
                    clear_typing_later(typing_until);
                }
                _ => {}
            }
        }
    });

    // What the other person wrote is read once it is on screen.
    Effect::new(move |done: Option<i64>| {
        let newest_theirs = messages.with(|l| l.iter().filter(|m| !m.mine).map(|m| m.id).max()).unwrap_or(0);
        let done = done.unwrap_or(0);
        if newest_theirs > done {
            leptos::task::spawn_local(async move {
                let _ = mark_read(conversation, newest_theirs).await;
            });
        }
        done.max(newest_theirs)
    });

    let send = ServerAction::<SendMessage>::new();
    let draft = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(message)) = send.value().get() {
            messages.update(|list| upsert(list, message));
            draft.set(String::new());
        }
    });
    let last_typing = StoredValue::new(0.0f64);
    let on_input = move |text: String| {
        draft.set(text);
        let now = now_ms();
        if now - last_typing.get_value() > 3_000.0 {
            last_typing.set_value(now);
            leptos::task::spawn_local(async move {
                let _ = typing(conversation).await;
            });
        }
    };
    let block = ServerAction::<SetBlocked>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = block.value().get() {
            blocked_by_me.update(|b| *b = !*b);
        }
    });
    let blocked_by_them = v.blocked_by_them;
    let subject = v.subject.clone();
    let other_for_typing = other.clone();
    let other_for_block = other.clone();
    view! {
        <article aria-labelledby="conversation-title">
            <h1 id="conversation-title" class="text-2xl font-bold">{format!("Conversation with {other}")}</h1>
            <section aria-label="About" class="mt-3 flex items-center gap-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                {subject.image.clone().map(|src| view! {
                    <img src=src alt="" width="64" height="64" class="h-16 w-16 rounded object-cover"/>
                })}
                <p class="font-semibold">
                    {match subject.href.clone() {
                        Some(href) => view! { <a href=href class=TEXT_LINK>{subject.title.clone()}</a> }.into_any(),
                        None => view! { <span>{subject.title.clone()}</span> }.into_any(),
                    }}
                </p>
            </section>
            <div class="mt-3"><LinkStatus/></div>
            {v.more_before.then(|| view! {
                <p class="mt-3 text-sm">"Earlier messages are not shown."</p>
            })}
            <section role="log" aria-label="Messages" aria-live="polite" class="mt-4">
                <ol class="space-y-3">
                    <For each=move || messages.get() key=|m| (m.id, m.edited, m.deleted, m.body.clone()) let:message>
                        <Message message seen_id/>
                    </For>
                </ol>
            </section>
            <Show when=move || messages.with(Vec::is_empty)>
                <p class="mt-4 rounded-md border border-dashed border-slate-400 p-6 text-center">
                    "No messages yet. Say hello: ask about the item, shipping or anything else."
                </p>
            </Show>
            <p role="status" class="mt-2 min-h-6 text-sm italic text-slate-700 dark:text-slate-300">
                {move || typing_until.get().map(|_| format!("{other_for_typing} is typing…"))}
            </p>
            {move || {
                if blocked_by_me.get() {
                    view! { <p role="status" class="mt-4 font-semibold">"You blocked this member: neither of you can send messages here."</p> }.into_any()
                } else if blocked_by_them {
                    view! { <p role="status" class="mt-4 font-semibold">"This member does not take messages from you."</p> }.into_any()
                } else {
                    view! {
                        <ActionForm action=send attr:class="mt-4" attr:aria-label="Write a message">
                            <input type="hidden" name="conversation" value=conversation.to_string()/>
                            <label for="message-text" class="block font-medium">"Message"</label>
                            <textarea id="message-text" name="text" rows="3" maxlength=MAX_CHARS.to_string() required
                                aria-describedby="message-hint"
                                class=format!("{INPUT} py-2")
                                prop:value=move || draft.get()
                                on:input=move |e| on_input(event_target_value(&e))></textarea>
                            <p id="message-hint" class="mt-1 text-sm text-slate-700 dark:text-slate-300">
                                {move || format!("Plain text, {} of {MAX_CHARS} characters.", draft.with(|d| d.chars().count()))}
                            </p>
                            <FormError value=send.value()/>
                            <button type="submit" class=format!("{BUTTON} mt-2") disabled=move || send.pending().get()>
                                {move || if send.pending().get() { "Sending…" } else { "Send" }}
                            </button>
                        </ActionForm>
                    }.into_any()
                }
            }}
            <ActionForm action=block attr:class="mt-8">
                <input type="hidden" name="conversation" value=conversation.to_string()/>
                <input type="hidden" name="blocked" value=move || (!blocked_by_me.get()).to_string()/>
                <button type="submit" class=BUTTON_SECONDARY>
                    {move || if blocked_by_me.get() { format!("Unblock {other_for_block}") } else { format!("Block {other_for_block}") }}
                </button>
            </ActionForm>
            <FormError value=block.value()/>
        </article>
    }
}

/// A message's text: plain text, web addresses as links that pass no referrer trust.
#[component]
fn Body(text: String) -> impl IntoView {
    pieces(&text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => view! { <span>{t}</span> }.into_any(),
            Piece::Link(href) => view! {
                <a href=href.clone() rel="nofollow noopener noreferrer" class=TEXT_LINK>{href.clone()}</a>
            }
            .into_any(),
        })
        .collect_view()
}

#[component]
fn Message(message: MessageView, seen_id: Memo<Option<i64>>) -> impl IntoView {
    let id = message.id;
    let editing = RwSignal::new(false);
    let edit = ServerAction::<EditMessage>::new();
    let delete = ServerAction::<DeleteMessage>::new();
    let report = ServerAction::<ReportMessage>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = edit.value().get() {
            editing.set(false);
        }
    });
    let mine = message.mine;
    let label = if mine { "You".to_string() } else { message.sender_name.clone() };
    let body = message.body.clone();
    let seen = move || seen_id.get() == Some(id);
    view! {
        <li class=if mine { "ml-8 rounded-lg bg-indigo-50 p-3 dark:bg-indigo-950" } else { "mr-8 rounded-lg bg-slate-100 p-3 dark:bg-slate-900" }>
            <p class="text-sm text-slate-700 dark:text-slate-300">
                <span class="font-semibold">{label}</span>" · "{when(message.created_at)}
                {message.edited.then_some(" · edited")}
            </p>
            {if message.deleted {
                view! { <p class="mt-1 italic">"Message deleted"</p> }.into_any()
            } else {
                let (body, draft) = (body.clone(), body.clone());
                view! {
                    <Show when=move || !editing.get() fallback=move || { let draft = draft.clone(); view! {
                        <ActionForm action=edit attr:aria-label="Edit message">
                            <input type="hidden" name="id" value=id.to_string()/>
                            <label for=format!("edit-{id}") class="block font-medium">"Edit message"</label>
                            <textarea id=format!("edit-{id}") name="text" rows="3" maxlength=MAX_CHARS.to_string() class=format!("{INPUT} py-2")>{draft.clone()}</textarea>
                            <FormError value=edit.value()/>
                            <div class="mt-2 flex gap-2">
                                <button type="submit" class=BUTTON>"Save"</button>
                                <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(false)>"Cancel"</button>
                            </div>
                        </ActionForm>
                    } }>
                        <p class="mt-1 whitespace-pre-wrap break-words"><Body text=body.clone()/></p>
                    </Show>
                }.into_any()
            }}
            {(mine && message.editable && !message.deleted).then(|| view! {
                <div class="mt-2 flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| editing.set(true)>"Edit"</button>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <button type="submit" class=BUTTON_SECONDARY>"Delete"</button>
                    </ActionForm>
                </div>
            })}
            {(mine && !message.editable && !message.deleted).then(|| view! {
                <ActionForm action=delete attr:class="mt-2">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" class=BUTTON_SECONDARY>"Delete"</button>
                </ActionForm>
            })}
            <FormError value=delete.value()/>
            {(!mine && !message.deleted).then(|| view! {
                <details class="mt-2">
                    <summary class="inline-flex min-h-11 cursor-pointer items-center text-sm">"Report this message"</summary>
                    <ActionForm action=report>
                        <input type="hidden" name="message" value=id.to_string()/>
                        <label for=format!("report-{id}") class="block font-medium">"What is wrong with it?"</label>
                        <input id=format!("report-{id}") name="reason" maxlength="500" required class=INPUT/>
                        <button type="submit" class=format!("{BUTTON_SECONDARY} mt-2")>"Send report"</button>
                    </ActionForm>
                    <p role="status" class="mt-2 empty:hidden">
                        {move || matches!(report.value().get(), Some(Ok(()))).then_some("Thank you: the admins will look at it.")}
                    </p>
                    <FormError value=report.value()/>
                </details>
            })}
            <Show when=seen>
                <p class="mt-1 text-right text-sm font-medium text-slate-700 dark:text-slate-300">"Seen"</p>
            </Show>
        </li>
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// Hides the typing line when no new typing notice came within its time.
fn clear_typing_later(until: RwSignal<Option<f64>>) {
    set_timeout(
        move || {
            if until.get_untracked().is_some_and(|t| t <= now_ms()) {
                until.set(None);
            }
        },
        std::time::Duration::from_millis(5_100),
    );
}
