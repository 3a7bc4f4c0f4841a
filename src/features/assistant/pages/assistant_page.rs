//! `/assistant` and `/assistant/:id` (one route, so starting a conversation only changes the
//! address): the conversation list beside the conversation. Members only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

use super::chat_panel::ChatPanel;
use super::conversation_list::ConversationList;
use crate::error::AppError;
use crate::features::accounts::current_user;
use crate::features::assistant::api::{get_conversation, list_conversations};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY};
use crate::ui::{ErrorPage, Skeleton};

/// What the list and the conversation share.
#[derive(Clone, Copy)]
pub struct AssistantCtx {
    /// Bumped to refetch the conversation list.
    pub list_version: RwSignal<u32>,
    /// The conversation on screen (`None`: a new one not sent yet).
    pub active: RwSignal<Option<Uuid>>,
    /// Its title, as the heading shows it.
    pub title: RwSignal<String>,
}

impl AssistantCtx {
    pub fn reload_list(&self) {
        self.list_version.update(|v| *v += 1);
    }
}

#[component]
pub fn AssistantPage() -> impl IntoView {
    view! {
        <Title text="Assistant"/>
        {match current_user() {
            Some(user) => view! {
                <Transition fallback=|| view! { <Skeleton lines=6 label="Loading the assistant…"/> }>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(_)) => view! { <Workspace/> }.into_any(),
                            Ok(None) | Err(AppError::Unauthenticated) => view! { <SignInPrompt/> }.into_any(),
                            Err(error) => view! { <ErrorPage error/> }.into_any(),
                        }
                    })}
                </Transition>
            }
            .into_any(),
            None => view! { <Workspace/> }.into_any(),
        }}
    }
}

#[component]
fn Workspace() -> impl IntoView {
    let params = use_params_map();
    // A malformed id is a conversation that does not exist.
    let param = Memo::new(move |_| params.read().get("id").map(|s| s.parse::<Uuid>().unwrap_or_default()));
    let ctx = AssistantCtx {
        list_version: RwSignal::new(0),
        active: RwSignal::new(param.get_untracked()),
        title: RwSignal::new("New conversation".into()),
    };
    provide_context(ctx);
    // The conversation to load, and a counter so choosing the same one again reloads it.
    let load = RwSignal::new((param.get_untracked(), 0u32));
    // The address changed to another conversation (a link, back, "New conversation"); when it
    // changed because the conversation on screen got its id, nothing is reloaded.
    Effect::new(move |_| {
        let p = param.get();
        if p != ctx.active.get_untracked() {
            ctx.active.set(p);
            load.update(|(id, n)| {
                *id = p;
                *n += 1;
            });
        }
    });
    let list = Resource::new(move || ctx.list_version.get(), |_| list_conversations());
    let conversation = Resource::new(
        move || load.get(),
        |(id, _)| async move {
            match id {
                Some(id) => get_conversation(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold">"Assistant"</h1>
        </div>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "A writing assistant for threads, marketplace listings and letters. Each message counts as one AI request this hour."
        </p>
        <div class="mt-6 grid gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
            <ConversationList list/>
            <section aria-labelledby="conversation-title" class="min-w-0">
                <Transition fallback=|| view! { <Skeleton lines=6 label="Loading the conversation…"/> }>
                    {move || conversation.get().map(|result| match result {
                        Ok(initial) => view! { <ChatPanel initial/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <SignInPrompt/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn SignInPrompt() -> impl IntoView {
    view! {
        <h1 class="text-3xl font-bold">"Assistant"</h1>
        <div class="mt-8 rounded-lg border border-slate-300 p-8 text-center dark:border-slate-700">
            <p class="text-lg">"The assistant is for members: sign in to talk with it and keep your conversations."</p>
            <div class="mt-4 flex flex-wrap justify-center gap-3">
                <A href="/sign-in" attr:class=BUTTON>"Sign in"</A>
                <A href="/sign-up" attr:class=BUTTON_SECONDARY>"Create a free account"</A>
            </div>
        </div>
    }
}
