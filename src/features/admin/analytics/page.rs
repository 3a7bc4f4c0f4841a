//! The analytics page: a date-range form (a GET form, so it works without JavaScript) with
//! presets, the range's headline figures, then every chart with its table and CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::admin_analytics;
use super::model::{Analytics, MAX_DAYS};
use crate::features::admin::nav::AdminNav;
use crate::ui::chart::{ChartFigure, Unit};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT};
use crate::ui::loaded;

const PRESETS: &[(u32, &str)] =
    &[(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")];

#[component]
pub fn AdminAnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        let q = query.read();
        (q.get("from").unwrap_or_default(), q.get("to").unwrap_or_default(), q.get("days").unwrap_or_default())
    });
    let figures = Resource::new(move || asked.get(), |(from, to, days)| admin_analytics(from, to, days));
    view! {
        <Title text="Analytics · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Analytics"</h1>
        <p class="mt-2 max-w-prose">"Days are UTC. Finished days come from the nightly figures (recomputed until two days after they end); today is counted live."</p>
        {move || {
            let (from, to, _) = asked.get();
            view! { <RangeForm from to/> }
        }}
        {loaded(figures, 12, "Loading the figures…", |a: Analytics| view! { <Figures a/> })}
    }
}

#[component]
fn RangeForm(from: String, to: String) -> impl IntoView {
    view! {
        <form method="get" action="/admin/analytics" class="mt-4 flex flex-wrap items-end gap-3" aria-label="Choose the days">
            <div>
                <label for="analytics-from" class="block font-medium">"From"</label>
                <input id="analytics-from" name="from" type="date" value=from class=INPUT/>
            </div>
            <div>
                <label for="analytics-to" class="block font-medium">"To"</label>
                <input id="analytics-to" name="to" type="date" value=to class=INPUT/>
            </div>
            <button type="submit" class=BUTTON>"Show these days"</button>
        </form>
        <p class="mt-2 text-sm">{format!("At most {MAX_DAYS} days at a time. ")}"Or: "</p>
        <ul class="mt-1 flex flex-wrap gap-2" aria-label="Preset ranges">
            {PRESETS.iter().map(|(days, label)| view! {
                <li><a href=format!("/admin/analytics?days={days}") class=BUTTON_SECONDARY>{*label}</a></li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn Figures(a: Analytics) -> impl IntoView {
    let query = a.range.query();
    let heading = format!("{} to {}", a.range.from().format("%-d %B %Y"), a.range.to().format("%-d %B %Y"));
    view! {
        <section aria-labelledby="range-title" class="mt-6">
            <h2 id="range-title" class="text-xl font-semibold">{heading}</h2>
            <dl class="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                {a.headlines.into_iter().map(|h| view! {
                    <div class="rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                        <dt class="text-sm font-medium">{h.label}</dt>
                        <dd class="mt-1 text-2xl font-semibold">{h.value}</dd>
                        <dd class="mt-1 text-sm text-slate-700 dark:text-slate-300">{h.note}</dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
        <section aria-label="Charts" class="mt-4">
            {a.charts.into_iter().map(|c| {
                let href = format!("/admin/analytics.csv?chart={}&{query}", c.id);
                view! { <ChartFigure chart=c csv_href=href/> }
            }).collect_view()}
        </section>
        <section aria-labelledby="ai-title" class="mt-8">
            <h2 id="ai-title" class="text-xl font-semibold">"AI requests by provider and kind"</h2>
            {if a.ai_breakdown.is_empty() {
                view! { <p class="mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center">"No AI requests in these days."</p> }.into_any()
            } else {
                view! {
                    <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="AI requests by provider and kind">
                        <table class="w-full min-w-[36rem] text-left text-sm">
                            <caption class="sr-only">"AI requests, failures, cost and tokens per provider and kind"</caption>
                            <thead>
                                <tr class="border-b border-slate-300 dark:border-slate-700">
                                    <th scope="col" class="py-2 pr-3">"Provider"</th><th scope="col" class="pr-3">"Kind"</th>
                                    <th scope="col" class="pr-3 text-right">"Requests"</th><th scope="col" class="pr-3 text-right">"Failed"</th>
                                    <th scope="col" class="pr-3 text-right">"Failure rate"</th><th scope="col" class="pr-3 text-right">"Cost"</th>
                                    <th scope="col" class="text-right">"Tokens"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {a.ai_breakdown.into_iter().map(|l| view! {
                                    <tr class="border-b border-slate-200 dark:border-slate-800">
                                        <td class="py-2 pr-3">{l.provider}</td><td class="pr-3">{l.kind}</td>
                                        <td class="pr-3 text-right">{Unit::Count.format(l.requests)}</td>
                                        <td class="pr-3 text-right">{Unit::Count.format(l.failed)}</td>
                                        <td class="pr-3 text-right">{super::model::basis(l.failed, l.requests).map(|b| Unit::Basis.format(b)).unwrap_or_default()}</td>
                                        <td class="pr-3 text-right">{Unit::MicroUsd.format(l.cost_microusd)}</td>
                                        <td class="text-right">{Unit::Count.format(l.tokens)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
