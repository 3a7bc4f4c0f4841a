//! `/pricing`: the plans side by side, the current one marked, the pass explained, and a
//! button per plan that starts Stripe Checkout (visitors sign up first and come back here).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::{Notice, money};
use crate::features::billing::api::{StartCheckout, get_pricing};
use crate::features::billing::model::{Billing, PlanCard, Pricing, Viewer};
use crate::features::quotas::Plan;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY};
use crate::ui::{day, go_to, loaded};

#[component]
pub fn PricingPage() -> impl IntoView {
    let pricing = Resource::new(|| (), |_| get_pricing());
    let cancelled = move || use_query_map().read().get("checkout").as_deref() == Some("cancelled");
    view! {
        <Title text="Pricing"/>
        <h1 class="text-3xl font-bold">"Plans and pricing"</h1>
        <p class="mt-2 max-w-2xl">"Every plan has the thread editor, history and export. Paid plans lift the generation limits; prices are in US dollars and include everything."</p>
        <Show when=cancelled>
            <Notice>"Checkout was cancelled. Nothing was charged; choose a plan whenever you like."</Notice>
        </Show>
        {loaded(pricing, 10, "Loading the plans…", |p: Pricing| view! { <Plans pricing=p/> })}
    }
}

#[component]
fn Plans(pricing: Pricing) -> impl IntoView {
    let checkout = ServerAction::<StartCheckout>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = checkout.value().get() {
            go_to(&url);
        }
    });
    let error = move || match checkout.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let Pricing { plans, viewer, current, payments_ready, pass_ends_at, subscribed } = pricing;
    let cards = plans
        .into_iter()
        .map(|card| {
            let viewer = viewer.clone();
            view! { <PlanCardView card viewer current subscribed pass_ends_at checkout/> }
        })
        .collect_view();
    view! {
        {(!payments_ready).then(|| view! {
            <Notice>"Payments are not set up on this Threadr yet, so paid plans cannot be bought here. Everything below is what they include."</Notice>
        })}
        {(viewer == Viewer::Unconfirmed).then(|| view! {
            <Notice>"Confirm your email address to buy a plan: open the link we emailed you when you signed up."</Notice>
        })}
        <p role="alert" class="mt-4 font-semibold text-red-800 empty:hidden dark:text-red-300">{error}</p>
        <Show when=move || checkout.pending().get()>
            <p role="status" class="mt-4">"Opening Stripe Checkout…"</p>
        </Show>
        <ul class="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-5" aria-label="Plans">{cards}</ul>
        <section aria-labelledby="pass-title" class="mt-8 max-w-2xl">
            <h2 id="pass-title" class="text-xl font-semibold">"About the 30-day pass"</h2>
            <p class="mt-2">"The pass is paid once and gives everything in Pro for 30 days. It does not renew and nothing is charged again. Buying another adds 30 days from the later of today and the end of the pass you hold."</p>
            {pass_ends_at.map(|end| view! { <p class="mt-2 font-semibold">"Your pass runs until " {day(end)} "."</p> })}
        </section>
    }
}

fn price_line(card: &PlanCard) -> String {
    match card.billing {
        Billing::Free => "Free".into(),
        Billing::OneOff => format!("{} once", money(card.amount_cents, &card.currency)),
        Billing::Monthly => format!("{} a month", money(card.amount_cents, &card.currency)),
    }
}

#[component]
fn PlanCardView(
    card: PlanCard,
    viewer: Viewer,
    current: Plan,
    subscribed: Option<Plan>,
    pass_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    checkout: ServerAction<StartCheckout>,
) -> impl IntoView {
    let is_current = card.plan == current;
    let title_id = format!("plan-{}", card.plan.as_str());
    let name = card.name.clone();
    let action = match (&viewer, card.billing) {
        (Viewer::Visitor, Billing::Free) => view! {
            <A href="/sign-up" attr:class=BUTTON_SECONDARY>"Start free"</A>
        }
        .into_any(),
        (_, Billing::Free) => ().into_any(),
        (Viewer::Visitor, _) => view! {
            <A href="/sign-up?next=/pricing" attr:class=BUTTON>{format!("Choose {name}")}</A>
        }
        .into_any(),
        (_, Billing::Monthly) if subscribed.is_some() => view! {
            <A href="/account/billing" attr:class=BUTTON_SECONDARY>
                {if subscribed == Some(card.plan) { "Manage in billing".to_string() } else { format!("Switch to {name} in billing") }}
            </A>
        }
        .into_any(),
        (viewer, _) => {
            let plan = card.plan.as_str().to_string();
            let label = if card.plan == Plan::Pass && pass_ends_at.is_some() { "Add 30 days".to_string() } else { format!("Choose {name}") };
            let blocked = *viewer != Viewer::Member || !card.purchasable;
            view! {
                <button
                    type="button"
                    class=BUTTON
                    aria-describedby=(!card.purchasable).then(|| format!("{title_id}-unavailable"))
                    disabled=move || blocked || checkout.pending().get()
                    on:click=move |_| { checkout.dispatch(StartCheckout { plan: plan.clone() }); }
                >
                    {label}
                </button>
                {(!card.purchasable).then(|| view! {
                    <p id=format!("{title_id}-unavailable") class="mt-2 text-sm">"Not available to buy here yet."</p>
                })}
            }
            .into_any()
        }
    };
    let limits = match card.generations {
        Some((day, month)) => format!("{day} generations a day, {month} a month"),
        None => "Unlimited generations".into(),
    };
    view! {
        <li
            aria-labelledby=title_id.clone()
            class=if is_current { "flex flex-col rounded-lg border-2 border-indigo-700 p-4" } else { "flex flex-col rounded-lg border border-slate-300 p-4 dark:border-slate-700" }
        >
            <h2 id=title_id.clone() class="text-xl font-semibold">{card.name.clone()}</h2>
            {is_current.then(|| view! { <p class="mt-1 inline-flex w-fit rounded bg-indigo-100 px-2 text-sm font-semibold text-indigo-900 dark:bg-indigo-900 dark:text-indigo-50">"Your plan"</p> })}
            <p class="mt-2 text-2xl font-bold">{price_line(&card)}</p>
            <p class="mt-2">{card.summary.clone()}</p>
            <ul class="mt-3 list-disc space-y-1 pl-5 text-sm">
                <li>{limits}</li>
                <li>{format!("{} AI requests an hour", card.ai_requests_per_hour)}</li>
                {card.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
            </ul>
            <div class="mt-auto pt-4">{action}</div>
        </li>
    }
}
