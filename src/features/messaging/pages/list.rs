//! `/messages`: the member's conversations (the other person, what it is about, the last
//! message, when, unread count), updated live; the email-notice setting. The header's badge.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::live::{LinkStatus, use_live};
use crate::features::messaging::api::{SetMessageEmails, StartConversation, get_conversations, get_message_emails};
use crate::features::messaging::model::ConversationSummary;
use crate::ui::form::{BUTTON_SECONDARY, FormError};
use crate::ui::{loaded, when};

#[component]
pub fn MessagesPage() -> impl IntoView {
    let live = use_live();
    let list = Resource::new(move || live.map_or(0, |l| l.stored_count()), |_| get_conversations());
    view! {
        <Title text="Messages"/>
        <h1 class="text-3xl font-bold">"Messages"</h1>
        <div class="mt-3"><LinkStatus/></div>
        {loaded(list, 6, "Loading your conversations…", |list: Vec<ConversationSummary>| {
            if list.is_empty() {
                view! {
                    <div class="mt-6 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                        <p>"No conversations yet."</p>
                        <p class="mt-2">"Message a seller from a product page, or a buyer from one of your orders."</p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <ul aria-label="Conversations" class="mt-6 divide-y divide-slate-200 dark:divide-slate-800">
                        {list.into_iter().map(|c| view! { <Row c/> }).collect_view()}
                    </ul>
                }.into_any()
            }
        })}
        <EmailSetting/>
    }
}

#[component]
fn Row(c: ConversationSummary) -> impl IntoView {
    let unread = c.unread;
    let name = if unread > 0 {
        format!("{} about {}, {unread} unread", c.other_name, c.subject)
    } else {
        format!("{} about {}", c.other_name, c.subject)
    };
    view! {
        <li class="py-3">
            <A href=format!("/messages/{}", c.id) attr:class="flex min-h-11 flex-col gap-1 rounded-md p-2 hover:bg-slate-100 dark:hover:bg-slate-900" attr:aria-label=name>
                <span class="flex flex-wrap items-center justify-between gap-2">
                    <span class="font-semibold">{c.other_name.clone()}</span>
                    <span class="text-sm text-slate-700 dark:text-slate-300">{c.last_at.map(when)}</span>
                </span>
                <span class="text-sm">{c.subject.clone()}</span>
                <span class="truncate text-slate-700 dark:text-slate-300">{c.last_text.clone().unwrap_or_else(|| "No messages yet".into())}</span>
                {(unread > 0).then(|| view! {
                    <span class="w-fit rounded-full bg-indigo-700 px-2 text-sm font-semibold text-white">{format!("{unread} unread")}</span>
                })}
            </A>
        </li>
    }
}

#[component]
fn EmailSetting() -> impl IntoView {
    let save = ServerAction::<SetMessageEmails>::new();
    let on = Resource::new(move || save.version().get(), |_| get_message_emails());
    view! {
        <section aria-labelledby="notices-title" class="mt-10 max-w-xl border-t border-slate-200 pt-6 dark:border-slate-800">
            <h2 id="notices-title" class="text-xl font-semibold">"Email notices"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let on = on.await.unwrap_or(true);
                    view! {
                        <p class="mt-2">{if on {
                            "We email you when a message waits unread for 10 minutes (at most once an hour per conversation)."
                        } else {
                            "Email notices of unread messages are off."
                        }}</p>
                        <ActionForm action=save attr:class="mt-3">
                            <input type="hidden" name="on" value=(!on).to_string()/>
                            <button type="submit" class=BUTTON_SECONDARY>{if on { "Turn email notices off" } else { "Turn email notices on" }}</button>
                        </ActionForm>
                    }
                })}
            </Transition>
            <FormError value=save.value()/>
        </section>
    }
}

/// "Messages" in the header for members, with the unread count, kept current by the live
/// connection.
#[component]
pub fn MessagesBadge(class: &'static str) -> impl IntoView {
    let Some(live) = use_live() else { return ().into_any() };
    let start = live.start;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match start.await {
                    Ok(Some(s)) => {
                        let label = match s.unread {
                            0 => "Messages".to_string(),
                            1 => "Messages, 1 unread".to_string(),
                            n => format!("Messages, {n} unread"),
                        };
                        Some(view! {
                            <li>
                                <A href="/messages" attr:class=class attr:aria-label=label>
                                    "Messages"
                                    {(s.unread > 0).then(|| view! {
                                        <span aria-hidden="true" class="ml-1 rounded-full bg-indigo-700 px-2 text-sm font-semibold text-white">{s.unread}</span>
                                    })}
                                </A>
                            </li>
                        })
                    }
                    _ => None,
                }
            })}
        </Transition>
    }
    .into_any()
}

/// "Message the seller" (a product page) or "Message the buyer/seller" (an order page): opens
/// the conversation, made if need be.
#[component]
pub fn MessageButton(
    #[prop(optional)] product: Option<Uuid>,
    #[prop(optional, into)] order: Option<String>,
    label: &'static str,
) -> impl IntoView {
    let start = ServerAction::<StartConversation>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = start.value().get() {
            navigate(&format!("/messages/{id}"), Default::default());
        }
    });
    view! {
        <ActionForm action=start attr:class="mt-3">
            {product.map(|p| view! { <input type="hidden" name="product" value=p.to_string()/> })}
            {order.map(|o| view! { <input type="hidden" name="order" value=o/> })}
            <button type="submit" class=BUTTON_SECONDARY disabled=move || start.pending().get()>{label}</button>
        </ActionForm>
        <FormError value=start.value()/>
    }
}
