//! `/admin/webhooks` (Stripe's events: filter, payload, replay) and `/admin/emails` (the
//! outbox: filter, retry, resend dead ones, the provider tried first).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeSet;
use uuid::Uuid;

use super::api::{
    AdminSetEmailProvider, admin_emails, admin_replay_webhooks, admin_retry_emails, admin_webhook, admin_webhooks,
};
use super::model::{EmailQueue, QUEUE_PAGE_SIZE, ReplayReport, WebhookDetail, WebhookPage};
use crate::error::AppError;
use crate::features::admin::audit::encode;
use crate::features::admin::nav::AdminNav;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT, Outcome, TEXT_LINK};
use crate::ui::{loaded, page_count, page_param, pager, when};

const EMPTY: &str = "mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center";
const WRAP: &str = "mt-3 overflow-x-auto";

fn checkbox_cell(
    label: String,
    checked: impl Fn() -> bool + Send + Sync + 'static,
    on: impl Fn(bool) + 'static,
) -> impl IntoView {
    view! {
        <td>
            <label class="inline-flex min-h-11 min-w-11 items-center justify-center">
                <span class="sr-only">{label}</span>
                <input type="checkbox" prop:checked=checked on:change=move |ev| on(event_target_checked(&ev))/>
            </label>
        </td>
    }
}

#[component]
pub fn AdminWebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let kind = Memo::new(move |_| query.read().get("kind").unwrap_or_default());
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let version = RwSignal::new(0u32);
    let log = Resource::new(
        move || (kind.get(), status.get(), page.get(), version.get()),
        |(k, s, p, _)| admin_webhooks(k, s, Some(p)),
    );
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let report: RwSignal<Option<Result<ReplayReport, AppError>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let replay = move |all_failed: bool| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let done = admin_replay_webhooks(ids, all_failed).await;
            if done.is_ok() {
                selected.set(BTreeSet::new());
                version.update(|v| *v += 1);
            }
            report.set(Some(done));
            busy.set(false);
        });
    };
    view! {
        <Title text="Stripe webhooks · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Stripe webhooks"</h1>
        <p class="mt-2 max-w-prose">"Every event Stripe sent, with what processing did. A failed event can be replayed after fixing its cause: it runs through the webhook's own code, once."</p>
        {loaded(log, 10, "Loading events…", move |p: WebhookPage| {
            let pages = page_count(p.total, QUEUE_PAGE_SIZE);
            let (k, s) = (kind.get_untracked(), status.get_untracked());
            let base: String = [("kind", k.as_str()), ("status", s.as_str())].iter().filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| format!("{n}={}", encode(v))).collect::<Vec<_>>().join("&");
            view! {
                <form method="get" action="/admin/webhooks" class="mt-4 flex flex-wrap items-end gap-3" aria-label="Filter events">
                    <div><label for="wh-kind" class="block font-medium">"Type"</label>
                        <select id="wh-kind" name="kind" class=INPUT>
                            <option value="">"Any type"</option>
                            {p.kinds.iter().map(|t| view! { <option value=t.clone() selected=*t == k>{t.clone()}</option> }).collect_view()}
                        </select></div>
                    <div><label for="wh-status" class="block font-medium">"Outcome"</label>
                        <select id="wh-status" name="status" class=INPUT>
                            {[("", "Any"), ("failed", "Failed"), ("processed", "Processed"), ("ignored", "Ignored"), ("received", "Received")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=s == v>{l}</option> }).collect_view()}
                        </select></div>
                    <button type="submit" class=BUTTON>"Filter"</button>
                </form>
                <div class="mt-4 flex flex-wrap gap-3">
                    <button type="button" class=BUTTON disabled=move || busy.get() || selected.with(BTreeSet::is_empty) on:click=move |_| replay(false)>
                        {move || format!("Replay {} selected", selected.with(BTreeSet::len))}
                    </button>
                    <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() || p.failed == 0 on:click=move |_| replay(true)>
                        {format!("Replay all {} failed", p.failed)}
                    </button>
                </div>
                <div role="status" class="mt-3 empty:hidden">
                    {move || report.get().and_then(Result::ok).map(|r| view! {
                        <p class="font-medium">{if r.failed_again == 0 { "Replayed.".to_string() } else { format!("{} failed again.", r.failed_again) }}</p>
                        <ul class="mt-1 list-disc pl-6 text-sm">{r.lines.into_iter().map(|l| view! { <li class="break-all">{l}</li> }).collect_view()}</ul>
                    })}
                </div>
                <p role="alert" class="mt-3 text-red-700 empty:hidden dark:text-red-300">{move || report.get().and_then(Result::err).map(|e| e.to_string())}</p>
                <p class="mt-4 font-medium">{format!("{} events", p.total)}</p>
                {if p.events.is_empty() {
                    view! { <p class=EMPTY>"No events match."</p> }.into_any()
                } else {
                    view! {
                        <div class=WRAP tabindex="0" role="region" aria-label="Stripe events">
                            <table class="w-full min-w-[48rem] text-left text-sm">
                                <caption class="sr-only">"Stripe events, newest first"</caption>
                                <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                                    <th scope="col" class="w-12"><span class="sr-only">"Select"</span></th>
                                    <th scope="col" class="py-2 pr-3">"Received"</th><th scope="col" class="pr-3">"Type"</th>
                                    <th scope="col" class="pr-3">"Outcome"</th><th scope="col" class="pr-3">"Tries"</th><th scope="col">"Event"</th>
                                </tr></thead>
                                <tbody>
                                    {p.events.into_iter().map(|e| {
                                        let id = e.id.clone();
                                        let (a, b) = (id.clone(), id.clone());
                                        view! {
                                            <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                                {checkbox_cell(format!("Select {}", e.id), move || selected.with(|s| s.contains(&a)),
                                                    move |on| selected.update(|s| { if on { s.insert(b.clone()); } else { s.remove(&b); } }))}
                                                <td class="py-2 pr-3 whitespace-nowrap">{when(e.received_at)}</td>
                                                <td class="pr-3 font-mono">{e.kind.clone()}</td>
                                                <td class="pr-3">{e.status.clone()}
                                                    {e.error.clone().map(|err| view! { <span class="block text-xs text-red-800 dark:text-red-300">{err}</span> })}
                                                    {e.outcome.clone().map(|o| view! { <span class="block text-xs">{o}</span> })}</td>
                                                <td class="pr-3">{e.attempts}</td>
                                                <td><a href=format!("/admin/webhooks/{}", e.id) class=TEXT_LINK>{e.id.clone()}</a></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
                {pager(p.page, pages, move |n| { let sep = if base.is_empty() { "" } else { "&" }; format!("/admin/webhooks?{base}{sep}page={n}") })}
            }
        })}
    }
}

#[component]
pub fn AdminWebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let version = RwSignal::new(0u32);
    let event = Resource::new(move || (id.get(), version.get()), |(id, _)| admin_webhook(id));
    let report: RwSignal<Option<Result<ReplayReport, AppError>>> = RwSignal::new(None);
    let replay = move |_| {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            report.set(Some(admin_replay_webhooks(vec![id], false).await));
            version.update(|v| *v += 1);
        });
    };
    view! {
        <Title text="Stripe event · Admin"/>
        <AdminNav/>
        <p><a href="/admin/webhooks" class=TEXT_LINK>"← All events"</a></p>
        {loaded(event, 8, "Loading the event…", move |d: WebhookDetail| view! {
            <h1 class="mt-2 text-2xl font-bold break-all">{d.event.id.clone()}</h1>
            <dl class="mt-3 grid grid-cols-[auto_1fr] gap-x-6 gap-y-1">
                <dt class="font-medium">"Type"</dt><dd class="font-mono">{d.event.kind.clone()}</dd>
                <dt class="font-medium">"Outcome"</dt><dd>{d.event.status.clone()}</dd>
                <dt class="font-medium">"Error"</dt><dd>{d.event.error.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt class="font-medium">"Tries"</dt><dd>{d.event.attempts}</dd>
                <dt class="font-medium">"Received"</dt><dd>{when(d.event.received_at)}</dd>
            </dl>
            <button type="button" class=format!("mt-4 {BUTTON}") on:click=replay>"Replay this event"</button>
            <div role="status" class="mt-2 empty:hidden">{move || report.get().and_then(Result::ok).map(|r| r.lines.join("\n"))}</div>
            <p role="alert" class="mt-2 text-red-700 empty:hidden dark:text-red-300">{move || report.get().and_then(Result::err).map(|e| e.to_string())}</p>
            <h2 class="mt-6 text-xl font-semibold">"Payload"</h2>
            <pre tabindex="0" aria-label="The event's payload" class="mt-2 max-h-[32rem] overflow-auto rounded-lg bg-slate-100 p-3 text-xs dark:bg-slate-900">{d.payload}</pre>
        })}
    }
}

#[component]
pub fn AdminEmailsPage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let version = RwSignal::new(0u32);
    let switch = ServerAction::<AdminSetEmailProvider>::new();
    let queue = Resource::new(
        move || (status.get(), q.get(), page.get(), version.get(), switch.version().get()),
        |(s, q, p, _, _)| admin_emails(s, q, Some(p)),
    );
    let selected = RwSignal::new(BTreeSet::<Uuid>::new());
    let outcome: RwSignal<Option<Result<String, AppError>>> = RwSignal::new(None);
    let retry = move |(all_dead, all_failed): (bool, bool)| {
        let ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        leptos::task::spawn_local(async move {
            let done = admin_retry_emails(ids, all_dead, all_failed).await;
            if done.is_ok() {
                selected.set(BTreeSet::new());
                version.update(|v| *v += 1);
            }
            outcome.set(Some(done));
        });
    };
    view! {
        <Title text="Email queue · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Email queue"</h1>
        {loaded(queue, 10, "Loading the queue…", move |e: EmailQueue| {
            let pages = page_count(e.total, QUEUE_PAGE_SIZE);
            let (s, qq) = (status.get_untracked(), q.get_untracked());
            let base: String = [("status", s.as_str()), ("q", qq.as_str())].iter().filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| format!("{n}={}", encode(v))).collect::<Vec<_>>().join("&");
            let stats = e.stats.clone();
            let preferred = e.preferred.clone().unwrap_or_default();
            view! {
                <dl class="mt-4 grid gap-3 sm:grid-cols-5">
                    {[("Waiting", stats.pending), ("Sending", stats.sending), ("Sent", stats.sent), ("Failed (will retry)", stats.failed), ("Dead (given up)", stats.dead)]
                        .into_iter().map(|(l, n)| view! {
                            <div class="rounded-lg border border-slate-300 p-3 dark:border-slate-700"><dt class="text-sm">{l}</dt><dd class="text-2xl font-semibold">{n}</dd></div>
                        }).collect_view()}
                </dl>
                <p class="mt-2 text-sm">{stats.oldest_waiting_secs.map(|s| format!("The oldest waiting message has waited {:.0} s.", s)).unwrap_or_else(|| "Nothing is waiting.".into())}</p>
                <ActionForm action=switch attr:class="mt-4 flex flex-wrap items-end gap-3">
                    <div><label for="email-provider" class="block font-medium">"Provider tried first"</label>
                        <select id="email-provider" name="provider" class=INPUT>
                            <option value="" selected=preferred.is_empty()>"The configured order"</option>
                            {e.providers.iter().map(|p| view! { <option value=p.clone() selected=*p == preferred>{p.clone()}</option> }).collect_view()}
                        </select></div>
                    <button type="submit" class=BUTTON_SECONDARY>"Switch provider"</button>
                </ActionForm>
                <Outcome value=switch.value()/>
                <form method="get" action="/admin/emails" class="mt-6 flex flex-wrap items-end gap-3" aria-label="Filter messages">
                    <div><label for="email-status" class="block font-medium">"Status"</label>
                        <select id="email-status" name="status" class=INPUT>
                            {[("", "Any"), ("pending", "Waiting"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed"), ("dead", "Dead")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=s == v>{l}</option> }).collect_view()}
                        </select></div>
                    <div><label for="email-q" class="block font-medium">"Recipient or subject"</label>
                        <input id="email-q" name="q" type="search" maxlength="200" class=INPUT value=qq.clone()/></div>
                    <button type="submit" class=BUTTON>"Filter"</button>
                </form>
                <div class="mt-4 flex flex-wrap gap-3">
                    <button type="button" class=BUTTON disabled=move || selected.with(BTreeSet::is_empty) on:click=move |_| retry((false, false))>
                        {move || format!("Send {} selected again", selected.with(BTreeSet::len))}
                    </button>
                    <button type="button" class=BUTTON_SECONDARY disabled=stats.failed == 0 on:click=move |_| retry((false, true))>"Retry all failed now"</button>
                    <button type="button" class=BUTTON_SECONDARY disabled=stats.dead == 0 on:click=move |_| retry((true, false))>"Resend all dead"</button>
                </div>
                <p role="status" class="mt-3 text-emerald-800 empty:hidden dark:text-emerald-300">{move || outcome.get().and_then(Result::ok)}</p>
                <p role="alert" class="mt-3 text-red-700 empty:hidden dark:text-red-300">{move || outcome.get().and_then(Result::err).map(|e| e.to_string())}</p>
                {if e.items.is_empty() {
                    view! { <p class=EMPTY>"No message matches."</p> }.into_any()
                } else {
                    view! {
                        <div class=WRAP tabindex="0" role="region" aria-label="Messages">
                            <table class="w-full min-w-[48rem] text-left text-sm">
                                <caption class="sr-only">"Messages, newest first"</caption>
                                <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                                    <th scope="col" class="w-12"><span class="sr-only">"Select"</span></th>
                                    <th scope="col" class="py-2 pr-3">"Queued"</th><th scope="col" class="pr-3">"To"</th>
                                    <th scope="col" class="pr-3">"Subject"</th><th scope="col" class="pr-3">"Status"</th><th scope="col">"Last error"</th>
                                </tr></thead>
                                <tbody>
                                    {e.items.into_iter().map(|m| {
                                        let id = m.id;
                                        view! {
                                            <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                                {checkbox_cell(format!("Select the message to {}", m.recipient), move || selected.with(|s| s.contains(&id)),
                                                    move |on| selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } }))}
                                                <td class="py-2 pr-3 whitespace-nowrap">{when(m.created_at)}</td>
                                                <td class="pr-3 break-all">{m.recipient.clone()}</td>
                                                <td class="pr-3">{m.subject.clone()}</td>
                                                <td class="pr-3">{format!("{} ({} tries{})", m.status.label(), m.attempts, m.provider.clone().map(|p| format!(", {p}")).unwrap_or_default())}</td>
                                                <td class="break-all">{m.last_error.clone().unwrap_or_default()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
                {pager(e.page, pages, move |n| { let sep = if base.is_empty() { "" } else { "&" }; format!("/admin/emails?{base}{sep}page={n}") })}
            }
        })}
    }
}
