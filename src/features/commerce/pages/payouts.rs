//! `/sell/payouts`: totals, a chart of sales per day drawn as SVG on the server (readable
//! without JavaScript; the table below says the same in numbers), per-order figures and a CSV
//! download (`/sell/payouts.csv`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::features::commerce::api::get_payouts;
use crate::features::commerce::model::{PayoutFigures, Payouts};
use crate::money::format_minor;
use crate::ui::form::{BUTTON_SECONDARY, TEXT_LINK};
use crate::ui::{day, loaded};

/// Days the chart shows.
const CHART_DAYS: i64 = 30;

#[component]
pub fn PayoutsPage() -> impl IntoView {
    let query = use_query_map();
    let payouts = Resource::new(move || query.read().get("currency").unwrap_or_default(), get_payouts);
    view! {
        <Title text="Payouts"/>
        <h1 class="text-3xl font-bold">"Payouts"</h1>
        <p class="mt-1"><A href="/sell/orders" attr:class=TEXT_LINK>"Orders to fulfil"</A></p>
        {loaded(payouts, 10, "Loading your figures…", |p: Payouts| view! { <Figures p/> })}
    }
}

#[component]
fn Figures(p: Payouts) -> impl IntoView {
    let c = p.currency.clone();
    let money = move |cents: i64| format_minor(cents, &c);
    let chart = p.chart(p.today, CHART_DAYS);
    let csv = format!("/sell/payouts.csv?currency={}", p.currency);
    let t = p.totals.clone();
    view! {
        {(!p.other_currencies.is_empty()).then(|| view! {
            <p class="mt-2">"Also sold in: "
                {p.other_currencies.clone().into_iter().map(|other| view! {
                    <A href=format!("/sell/payouts?currency={other}") attr:class=format!("{TEXT_LINK} mr-2")>{other}</A>
                }).collect_view()}
            </p>
        })}
        <section aria-labelledby="totals-title" class="mt-6">
            <h2 id="totals-title" class="text-xl font-semibold">{format!("The last 90 days, in {}", p.currency)}</h2>
            <dl class="mt-3 grid grid-cols-2 gap-4 sm:grid-cols-4">
                <Figure label="Gross sales" value=money(t.gross_cents)/>
                <Figure label="Platform fees" value=money(t.fees_cents)/>
                <Figure label="Refunds" value=money(t.refunds_cents)/>
                <Figure label="Net transferred to you" value=money(t.net_cents)/>
            </dl>
        </section>
        <section aria-labelledby="chart-title" class="mt-8">
            <h2 id="chart-title" class="text-xl font-semibold">"Sales per day, the last 30 days"</h2>
            <SalesChart days=chart.clone() currency=p.currency.clone()/>
            <details class="mt-2">
                <summary class="inline-flex min-h-11 cursor-pointer items-center underline">"The same as a table"</summary>
                <table class="mt-2 w-full max-w-md text-left">
                    <caption class="sr-only">"Gross sales per day"</caption>
                    <thead><tr><th scope="col">"Day"</th><th scope="col" class="text-right">"Gross sales"</th></tr></thead>
                    <tbody>
                        {chart.iter().rev().filter(|(_, g)| *g > 0).map(|(d, g)| view! {
                            <tr><td>{d.format("%-d %B %Y").to_string()}</td><td class="text-right">{format_minor(*g, &p.currency)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
        <section aria-labelledby="orders-title" class="mt-8">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h2 id="orders-title" class="text-xl font-semibold">"Per order"</h2>
                <a href=csv download="payouts.csv" class=BUTTON_SECONDARY>"Download CSV"</a>
            </div>
            {if p.orders.is_empty() {
                view! { <p class="mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center">"No paid orders in the last 90 days."</p> }.into_any()
            } else {
                let cur = p.currency.clone();
                view! {
                    <div class="mt-3 overflow-x-auto">
                        <table class="w-full min-w-[36rem] text-left">
                            <caption class="sr-only">"Money per order"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Order"</th><th scope="col">"Paid"</th>
                                    <th scope="col" class="text-right">"Gross"</th><th scope="col" class="text-right">"Fee"</th>
                                    <th scope="col" class="text-right">"Refunded"</th><th scope="col" class="text-right">"Net to you"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {p.orders.clone().into_iter().map(|o| {
                                    let f: PayoutFigures = o.figures.clone();
                                    view! {
                                        <tr class="border-t border-slate-200 dark:border-slate-800">
                                            <td class="py-2"><A href=format!("/sell/orders/{}", o.number) attr:class=TEXT_LINK>{o.number}</A></td>
                                            <td>{day(o.paid_at)}</td>
                                            <td class="text-right">{format_minor(f.gross_cents, &cur)}</td>
                                            <td class="text-right">{format_minor(f.fees_cents, &cur)}</td>
                                            <td class="text-right">{format_minor(f.refunds_cents, &cur)}</td>
                                            <td class="text-right">{if o.transferred { format_minor(f.net_cents, &cur) } else { "on its way".to_string() }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Figure(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-300 p-3 dark:border-slate-700">
            <dt class="text-sm">{label}</dt>
            <dd class="text-xl font-bold">{value}</dd>
        </div>
    }
}

/// Bars of gross sales per day, scaled to the best day; the title says the figures.
#[component]
fn SalesChart(days: Vec<(chrono::NaiveDate, i64)>, currency: String) -> impl IntoView {
    let (width, height, bar) = (600.0_f64, 160.0_f64, 600.0 / days.len().max(1) as f64);
    let best = days.iter().map(|(_, g)| *g).max().unwrap_or(0).max(1);
    let total: i64 = days.iter().map(|(_, g)| *g).sum();
    let summary = format!(
        "Sales per day over {} days: {} in total, the best day {}.",
        days.len(),
        format_minor(total, &currency),
        format_minor(if total == 0 { 0 } else { best }, &currency)
    );
    view! {
        <svg viewBox=format!("0 0 {width} {}", height + 20.0) role="img" aria-label=summary.clone()
            class="mt-3 h-auto w-full max-w-2xl text-indigo-700 dark:text-indigo-300">
            <title>{summary.clone()}</title>
            <line x1="0" y1=height x2=width y2=height stroke="currentColor" stroke-opacity="0.4"/>
            {days.iter().enumerate().map(|(i, (d, g))| {
                let h = (*g as f64 / best as f64) * (height - 10.0);
                view! {
                    <rect x=format!("{:.1}", i as f64 * bar + 1.0) y=format!("{:.1}", height - h)
                        width=format!("{:.1}", (bar - 2.0).max(1.0)) height=format!("{h:.1}") fill="currentColor">
                        <title>{format!("{}: {}", d.format("%-d %b"), format_minor(*g, &currency))}</title>
                    </rect>
                }
            }).collect_view()}
            <text x="0" y=height + 16.0 font-size="12" fill="currentColor">{days.first().map(|(d, _)| d.format("%-d %b").to_string())}</text>
            <text x=width y=height + 16.0 font-size="12" text-anchor="end" fill="currentColor">{days.last().map(|(d, _)| d.format("%-d %b").to_string())}</text>
        </svg>
    }
}
