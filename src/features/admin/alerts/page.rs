//! The dashboard's "Alerts" section (open episodes, the rules, "check now") and
//! `/admin/alerts`, every episode newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{AdminCheckAlerts, admin_alert_history, admin_alerts};
use super::model::{AlertsNow, Episode, HISTORY_PAGE_SIZE, History};
use crate::features::admin::nav::AdminNav;
use crate::ui::form::{BUTTON_SECONDARY, Outcome, TEXT_LINK};
use crate::ui::{loaded, page_count, page_param, pager, when};

/// How the value reads for each rule (rates in %, money in dollars, latency in ms).
fn value(rule: &str, v: f64) -> String {
    match rule {
        "payment_failure_rate" | "email_delivery_rate" | "generation_failure_rate" => format!("{v:.1}%"),
        "ai_request_cost_usd" => format!("${v:.4}"),
        "p95_latency_ms" if v.is_infinite() => "over 10 s".into(),
        "p95_latency_ms" => format!("{v:.0} ms"),
        _ => format!("{v:.0}"),
    }
}

#[component]
pub fn OpenAlerts() -> impl IntoView {
    let check = ServerAction::<AdminCheckAlerts>::new();
    let now = Resource::new(move || check.version().get(), |_| admin_alerts());
    view! {
        <section aria-labelledby="alerts-title" class="mt-8">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 id="alerts-title" class="text-xl font-semibold">"Alerts"</h2>
                <div class="flex flex-wrap gap-2">
                    <ActionForm action=check>
                        <button type="submit" class=BUTTON_SECONDARY disabled=move || check.pending().get()>"Check alerts now"</button>
                    </ActionForm>
                    <a href="/admin/alerts" class=BUTTON_SECONDARY>"Alert history"</a>
                </div>
            </div>
            <Outcome value=check.value()/>
            {loaded(now, 2, "Loading the alerts…", |a: AlertsNow| view! { <Open a/> })}
        </section>
    }
}

#[component]
fn Open(a: AlertsNow) -> impl IntoView {
    let checked = a
        .evaluated_at
        .map(|t| format!("Rules last checked {}.", when(t)))
        .unwrap_or_else(|| "The rules have not run yet.".into());
    view! {
        {if a.open.is_empty() {
            view! { <p class="mt-3 rounded-lg border border-dashed border-slate-400 p-4">"No open alerts. " {checked.clone()}</p> }.into_any()
        } else {
            view! {
                <p class="mt-2">{checked.clone()}</p>
                <ul class="mt-3 space-y-3" aria-label="Open alerts">
                    {a.open.into_iter().map(|e| view! { <EpisodeCard e/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <details class="mt-3">
            <summary class="inline-flex min-h-11 cursor-pointer items-center underline">"The rules and their thresholds"</summary>
            <ul class="mt-2 list-disc pl-6">
                {a.rules.into_iter().map(|r| view! { <li>{r.title}<span class="ml-2 font-mono text-sm">{format!("({})", r.key)}</span></li> }).collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn EpisodeCard(e: Episode) -> impl IntoView {
    view! {
        <li class="rounded-lg border-2 border-red-700 p-4 dark:border-red-400">
            <p class="font-semibold">{e.title}</p>
            <p class="mt-1">{e.detail}</p>
            <p class="mt-1 text-sm">
                {format!("Since {}. Opened at {}, worst {}, now {}.", when(e.started_at), value(&e.rule, e.opened_value), value(&e.rule, e.worst_value), value(&e.rule, e.last_value))}
            </p>
        </li>
    }
}

#[component]
pub fn AdminAlertsPage() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let history = Resource::new(move || page.get(), |p| admin_alert_history(Some(p)));
    view! {
        <Title text="Alert history · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Alert history"</h1>
        <p class="mt-2 max-w-prose">"Every alert episode, newest first: when its rule crossed the threshold and when it came back. Admins are emailed at both ends. "
            <a href="/admin" class=TEXT_LINK>"Open alerts are on the dashboard."</a></p>
        {loaded(history, 10, "Loading the alert history…", |h: History| view! { <Episodes h/> })}
    }
}

#[component]
fn Episodes(h: History) -> impl IntoView {
    let pages = page_count(h.total, HISTORY_PAGE_SIZE);
    view! {
        <p role="status" class="mt-4 font-medium">{format!("{} {}", h.total, if h.total == 1 { "episode" } else { "episodes" })}</p>
        {if h.episodes.is_empty() {
            view! { <p class="mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center">"No alert has fired yet."</p> }.into_any()
        } else {
            view! {
                <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="Alert episodes">
                    <table class="w-full min-w-[48rem] text-left text-sm">
                        <caption class="sr-only">"Alert episodes, newest first"</caption>
                        <thead>
                            <tr class="border-b border-slate-300 dark:border-slate-700">
                                <th scope="col" class="py-2 pr-3">"Alert"</th><th scope="col" class="pr-3">"Started"</th>
                                <th scope="col" class="pr-3">"Resolved"</th><th scope="col" class="pr-3">"Worst"</th>
                                <th scope="col">"Details"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {h.episodes.into_iter().map(|e| view! {
                                <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                    <td class="py-2 pr-3 font-medium">{e.title.clone()}</td>
                                    <td class="pr-3 whitespace-nowrap">{when(e.started_at)}</td>
                                    <td class="pr-3 whitespace-nowrap">{e.resolved_at.map(when).unwrap_or_else(|| "Still open".into())}</td>
                                    <td class="pr-3">{value(&e.rule, e.worst_value)}</td>
                                    <td>{e.detail}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {pager(h.page, pages, |n| format!("/admin/alerts?page={n}"))}
    }
}
