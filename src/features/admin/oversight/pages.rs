//! `/admin/reports` (reported messages), `/admin/orders` (search and refund) and
//! `/admin/referrals` (commissions).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{AdminResolveReport, admin_orders, admin_referrals, admin_reports};
use super::model::{OVERSIGHT_PAGE_SIZE, OrderList, Referrals, ReportedMessage};
use crate::features::admin::audit::encode;
use crate::features::admin::nav::AdminNav;
use crate::features::commerce::AdminRefundOrder;
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY, INPUT, Outcome};
use crate::ui::{day, loaded, page_count, page_param, pager, when};

const EMPTY: &str = "mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center";
const CARD: &str = "rounded-lg border border-slate-300 p-4 dark:border-slate-700";

#[component]
pub fn AdminReportsPage() -> impl IntoView {
    let query = use_query_map();
    let all = Memo::new(move |_| query.read().get("all").is_some_and(|v| v == "1"));
    let resolve = ServerAction::<AdminResolveReport>::new();
    let reports = Resource::new(move || (all.get(), resolve.version().get()), |(all, _)| admin_reports(all));
    view! {
        <Title text="Reported messages · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Reported messages"</h1>
        <p class="mt-2"><a href=move || if all.get() { "/admin/reports" } else { "/admin/reports?all=1" } class="underline underline-offset-4">
            {move || if all.get() { "Show open reports only" } else { "Show resolved reports too" }}</a></p>
        <Outcome value=resolve.value()/>
        {loaded(reports, 6, "Loading reports…", move |list: Vec<ReportedMessage>| {
            if list.is_empty() {
                return view! { <p class=EMPTY>"No open reports. Members report messages from a conversation."</p> }.into_any();
            }
            view! {
                <ul class="mt-4 space-y-3">
                    {list.into_iter().map(|r| view! {
                        <li class=CARD>
                            <p class="text-sm">{format!("From {} · reported by {} on {}", r.sender_email, r.reporter_email, when(r.reported_at))}</p>
                            <blockquote class="mt-2 border-l-4 border-slate-300 pl-3 break-words">{if r.body.is_empty() { "(empty)".to_string() } else { r.body.clone() }}</blockquote>
                            <p class="mt-2">{format!("Reason: {}", r.reason)}{r.deleted.then_some(" · deleted")}{r.resolved.then_some(" · resolved")}</p>
                            <div class="mt-3 flex flex-wrap gap-3">
                                <a href=format!("/admin/users/{}", r.sender_id) class=BUTTON_SECONDARY>"Open the sender's account"</a>
                                {(!r.resolved).then(|| view! {
                                    <ActionForm action=resolve>
                                        <input type="hidden" name="message" value=r.message_id/>
                                        <input type="hidden" name="action" value="dismiss"/>
                                        <button type="submit" class=BUTTON_SECONDARY>"Dismiss"</button>
                                    </ActionForm>
                                    <ActionForm action=resolve>
                                        <input type="hidden" name="message" value=r.message_id/>
                                        <input type="hidden" name="action" value="delete"/>
                                        <button type="submit" class=BUTTON_DANGER>"Delete the message"</button>
                                    </ActionForm>
                                })}
                            </div>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}

#[component]
pub fn AdminOrdersPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let refund = ServerAction::<AdminRefundOrder>::new();
    let orders = Resource::new(
        move || (q.get(), status.get(), page.get(), refund.version().get()),
        |(q, s, p, _)| admin_orders(q, s, Some(p)),
    );
    view! {
        <Title text="Orders · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Orders"</h1>
        <form method="get" action="/admin/orders" class="mt-4 flex flex-wrap items-end gap-3" aria-label="Find orders">
            <div><label for="orders-q" class="block font-medium">"Order number, buyer email or shop"</label>
                <input id="orders-q" name="q" type="search" maxlength="200" class=INPUT value=move || q.get()/></div>
            <div><label for="orders-status" class="block font-medium">"Status"</label>
                <select id="orders-status" name="status" class=INPUT>
                    {[("", "Any"), ("paid", "Paid"), ("shipped", "Shipped"), ("delivered", "Delivered"), ("refunded", "Refunded"),
                      ("partially_refunded", "Partly refunded"), ("cancelled", "Cancelled"), ("pending", "Pending")]
                        .into_iter().map(|(v, l)| view! { <option value=v selected=move || status.get() == v>{l}</option> }).collect_view()}
                </select></div>
            <button type="submit" class=BUTTON>"Search"</button>
        </form>
        <section aria-labelledby="refund-title" class=format!("mt-6 max-w-xl {CARD}")>
            <h2 id="refund-title" class="text-lg font-semibold">"Refund an order"</h2>
            <p class="mt-1 text-sm">"The seller's transfer and the platform fee are reversed in proportion. More than what is left is refused."</p>
            <ActionForm action=refund attr:novalidate=true>
                <label for="refund-number" class="mt-2 block font-medium">"Order number"</label>
                <input id="refund-number" name="number" type="text" maxlength="20" class=INPUT/>
                <label for="refund-amount" class="mt-2 block font-medium">"Amount (e.g. 12.50)"</label>
                <input id="refund-amount" name="amount" type="text" inputmode="decimal" maxlength="14" class=INPUT/>
                <label class="mt-2 inline-flex min-h-11 items-center gap-2"><input type="checkbox" name="restock" value="true"/>"Put the items back in stock"</label>
                <label for="refund-reason" class="mt-2 block font-medium">"Reason (the buyer and seller read it)"</label>
                <input id="refund-reason" name="reason" type="text" maxlength="500" class=INPUT/>
                <button type="submit" class=format!("mt-3 {BUTTON_DANGER}")>"Refund"</button>
            </ActionForm>
            <p role="status" class="mt-2 text-emerald-800 empty:hidden dark:text-emerald-300">
                {move || refund.value().get().and_then(Result::ok).map(|_| "Refunded.")}</p>
            <p role="alert" class="mt-2 text-red-700 empty:hidden dark:text-red-300">
                {move || refund.value().get().and_then(Result::err).map(|e| e.to_string())}</p>
        </section>
        {loaded(orders, 8, "Loading orders…", move |o: OrderList| {
            let pages = page_count(o.total, OVERSIGHT_PAGE_SIZE as u32);
            let base: String = [("q", q.get_untracked()), ("status", status.get_untracked())].iter().filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| format!("{n}={}", encode(v))).collect::<Vec<_>>().join("&");
            view! {
                <p role="status" class="mt-6 font-medium">{format!("{} orders", o.total)}</p>
                {if o.orders.is_empty() {
                    view! { <p class=EMPTY>"No order matches."</p> }.into_any()
                } else {
                    view! {
                        <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="Orders">
                            <table class="w-full min-w-[48rem] text-left text-sm">
                                <caption class="sr-only">"Orders, newest first"</caption>
                                <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                                    <th scope="col" class="py-2 pr-3">"Order"</th><th scope="col" class="pr-3">"Placed"</th><th scope="col" class="pr-3">"Status"</th>
                                    <th scope="col" class="pr-3">"Buyer"</th><th scope="col" class="pr-3">"Shop"</th>
                                    <th scope="col" class="pr-3 text-right">"Amount"</th><th scope="col" class="pr-3 text-right">"Fee"</th><th scope="col" class="text-right">"Refunded"</th>
                                </tr></thead>
                                <tbody>
                                    {o.orders.into_iter().map(|x| view! {
                                        <tr class="border-b border-slate-200 dark:border-slate-800">
                                            <td class="py-2 pr-3 font-mono">{x.number.clone()}</td><td class="pr-3">{day(x.created_at)}</td>
                                            <td class="pr-3">{x.status.clone()}</td><td class="pr-3 break-all">{x.buyer_email.clone()}</td>
                                            <td class="pr-3">{x.seller_handle.clone()}</td>
                                            <td class="pr-3 text-right">{format_minor(x.subtotal_cents, &x.currency)}</td>
                                            <td class="pr-3 text-right">{format_minor(x.fee_cents, &x.currency)}</td>
                                            <td class="text-right">{format_minor(x.refunded_cents, &x.currency)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
                {pager(o.page, pages, move |n| { let sep = if base.is_empty() { "" } else { "&" }; format!("/admin/orders?{base}{sep}page={n}") })}
            }
        })}
    }
}

#[component]
pub fn AdminReferralsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_referrals());
    view! {
        <Title text="Referrals · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Referrals and commissions"</h1>
        {loaded(data, 6, "Loading commissions…", |r: Referrals| view! {
            <section aria-labelledby="top-title" class="mt-6">
                <h2 id="top-title" class="text-xl font-semibold">"Top referrers"</h2>
                {if r.top.is_empty() {
                    view! { <p class=EMPTY>"No commission earned yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="mt-3 w-full max-w-2xl text-left text-sm">
                            <caption class="sr-only">"Referrers by commission earned"</caption>
                            <thead><tr><th scope="col">"Referrer"</th><th scope="col">"Paying referrals"</th><th scope="col" class="text-right">"Commission"</th></tr></thead>
                            <tbody>{r.top.into_iter().map(|t| view! {
                                <tr><td class="break-all">{t.referrer_email.clone()}</td><td>{t.referrals}</td><td class="text-right">{format_minor(t.commission_cents, &t.currency)}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section aria-labelledby="recent-title" class="mt-8">
                <h2 id="recent-title" class="text-xl font-semibold">"Latest commissions"</h2>
                {if r.recent.is_empty() {
                    view! { <p class=EMPTY>"None yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="Latest commissions">
                            <table class="w-full min-w-[40rem] text-left text-sm">
                                <caption class="sr-only">"Commissions, newest first"</caption>
                                <thead><tr><th scope="col">"Paid"</th><th scope="col">"Referrer"</th><th scope="col">"Referred"</th>
                                    <th scope="col" class="text-right">"Payment"</th><th scope="col" class="text-right">"Commission"</th></tr></thead>
                                <tbody>{r.recent.into_iter().map(|c| view! {
                                    <tr><td>{day(c.paid_at)}</td><td class="break-all">{c.referrer_email.clone()}</td><td class="break-all">{c.referred_email.clone()}</td>
                                        <td class="text-right">{format_minor(c.amount_cents, &c.currency)}</td><td class="text-right">{format_minor(c.commission_cents, &c.currency)}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>
        })}
    }
}
