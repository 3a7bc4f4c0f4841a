//! `/account/billing`: the plan and where it stands, the next invoice, past invoices (links to
//! Stripe's hosted invoice) and the button to Stripe's customer portal.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::{Notice, money};
use crate::features::accounts::AccountNav;
use crate::features::billing::api::{OpenPortal, get_billing};
use crate::features::billing::model::{BillingOverview, InvoiceRow};
use crate::ui::form::{BUTTON, TEXT_LINK};
use crate::ui::{day, go_to, loaded};

#[component]
pub fn BillingPage() -> impl IntoView {
    let billing = Resource::new(|| (), |_| get_billing());
    let portal_failed = move || use_query_map().read().get("portal").as_deref() == Some("unavailable");
    view! {
        <Title text="Billing"/>
        <AccountNav current="/account/billing"/>
        <h1 class="text-3xl font-bold">"Billing"</h1>
        <Show when=portal_failed>
            <Notice>"Stripe's customer portal could not be opened just now. Please try the button below again in a moment."</Notice>
        </Show>
        {loaded(billing, 8, "Loading your billing…", |b: BillingOverview| view! { <Overview b/> })}
    }
}

#[component]
fn Overview(b: BillingOverview) -> impl IntoView {
    let portal = ServerAction::<OpenPortal>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = portal.value().get() {
            go_to(&url);
        }
    });
    let portal_error = move || match portal.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let next = b.subscription.as_ref().and_then(|s| {
        let amount = s.next_invoice_cents?;
        let when = s.current_period_end?;
        Some(format!("{} on {}", money(amount, &s.currency), day(when)))
    });
    view! {
        <section aria-labelledby="plan-title" class="mt-6 max-w-2xl rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="plan-title" class="text-xl font-semibold">"Your plan: " {b.plan.label()}</h2>
            <p class="mt-2">{b.status.clone()}</p>
            {next.map(|n| view! { <p class="mt-2">"Next invoice: " {n}</p> })}
            <div class="mt-4 flex flex-wrap items-center gap-4">
                {if b.has_portal {
                    view! {
                        <button type="button" class=BUTTON disabled=move || portal.pending().get()
                            on:click=move |_| { portal.dispatch(OpenPortal {}); }>
                            "Manage billing in Stripe"
                        </button>
                    }.into_any()
                } else {
                    ().into_any()
                }}
                <A href="/pricing" attr:class=TEXT_LINK>"See plans"</A>
            </div>
            {b.has_portal.then(|| view! {
                <p class="mt-2 text-sm">"Change plan (prorated), update your card or cancel in Stripe's customer portal."</p>
            })}
            <Show when=move || portal.pending().get()>
                <p role="status" class="mt-2">"Opening Stripe's customer portal…"</p>
            </Show>
            <p role="alert" class="mt-2 font-semibold text-red-800 empty:hidden dark:text-red-300">{portal_error}</p>
        </section>
        <section aria-labelledby="invoices-title" class="mt-8 max-w-2xl">
            <h2 id="invoices-title" class="text-xl font-semibold">"Invoices"</h2>
            {b.invoices_note.clone().map(|note| view! { <Notice>{note}</Notice> })}
            <Invoices invoices=b.invoices.clone()/>
        </section>
    }
}

#[component]
fn Invoices(invoices: Vec<InvoiceRow>) -> impl IntoView {
    if invoices.is_empty() {
        return view! {
            <p class="mt-2 rounded-md border border-dashed border-slate-400 p-6 text-center">"No invoices yet. They appear here after your first payment."</p>
        }
        .into_any();
    }
    view! {
        <div class="mt-2 overflow-x-auto">
            <table class="w-full text-left">
                <caption class="sr-only">"Your invoices, newest first"</caption>
                <thead><tr>
                    <th scope="col" class="py-2 pr-4">"Date"</th>
                    <th scope="col" class="py-2 pr-4">"Amount"</th>
                    <th scope="col" class="py-2 pr-4">"Status"</th>
                    <th scope="col" class="py-2">"Invoice"</th>
                </tr></thead>
                <tbody>
                    {invoices.into_iter().map(|i| {
                        let label = format!("Invoice {}", i.number);
                        view! {
                            <tr class="border-t border-slate-200 dark:border-slate-800">
                                <td class="py-2 pr-4">{day(i.created)}</td>
                                <td class="py-2 pr-4">{money(i.amount_cents, &i.currency)}</td>
                                <td class="py-2 pr-4">{status_label(&i.status)}</td>
                                <td class="py-2">{match i.hosted_url {
                                    Some(url) => view! {
                                        <a href=url class="inline-flex min-h-11 items-center text-indigo-700 underline dark:text-indigo-300" rel="noopener" target="_blank">{label}</a>
                                    }.into_any(),
                                    None => view! { <span>{i.number.clone()}</span> }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn status_label(status: &str) -> &'static str {
    match status {
        "paid" => "Paid",
        "open" => "Unpaid",
        "void" => "Void",
        "uncollectible" => "Uncollectible",
        _ => "Draft",
    }
}
