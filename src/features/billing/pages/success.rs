//! `/billing/success?session_id=…`: Stripe sends the member back here after paying. The plan is
//! granted by the webhook, not by this page: it asks every two seconds until the grant is
//! there, then says so.

use crate::ui::skeleton::{Busy, FailedWithLink};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::features::billing::api::get_checkout_progress;
use crate::features::billing::model::CheckoutProgress;
use crate::ui::day;
use crate::ui::form::{BUTTON, TEXT_LINK};

const POLL_MS: u64 = 2_000;
/// After this many polls (two minutes) the page stops asking and says what to expect.
const POLLS: u32 = 60;

#[component]
pub fn CheckoutSuccessPage() -> impl IntoView {
    let session = use_query_map().read_untracked().get("session_id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let progress = Resource::new(move || tick.get(), move |_| get_checkout_progress(session.clone()));
    // Poll while waiting; the resource's value decides whether to ask again.
    Effect::new(move |_| {
        if let Some(Ok(CheckoutProgress::Waiting | CheckoutProgress::Processing)) = progress.get()
            && tick.get_untracked() < POLLS
        {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_millis(POLL_MS));
        }
    });
    let gave_up = move || tick.get() >= POLLS;
    view! {
        <Title text="Payment received"/>
        <section class="mx-auto max-w-xl" aria-live="polite">
            <h1 class="text-3xl font-bold">"Thank you"</h1>
            <Transition fallback=|| view! { <p role="status" class="mt-4">"Checking your payment with Stripe…"</p> }>
                {move || progress.get().map(|p| match p {
                    Ok(CheckoutProgress::Granted { plan, until }) => view! {
                        <p role="status" class="mt-4 rounded-md border border-emerald-700 bg-emerald-50 p-4 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-50">
                            {match until {
                                Some(until) => format!("Your {} is active until {}.", plan.label(), day(until)),
                                None => format!("You are on the {} plan now.", plan.label()),
                            }}
                        </p>
                        <p class="mt-6 flex flex-wrap gap-4">
                            <A href="/threads/new" attr:class=BUTTON>"Write a thread"</A>
                            <A href="/account/billing" attr:class=TEXT_LINK>"See billing"</A>
                        </p>
                    }.into_any(),
                    Ok(_) if gave_up() => view! {
                        <p role="status" class="mt-4">"Stripe has not confirmed the payment yet. Some payment methods take longer; we will email you a receipt when it arrives, and your plan starts then."</p>
                        <p class="mt-4"><A href="/account/billing" attr:class=TEXT_LINK>"See billing"</A></p>
                    }.into_any(),
                    Ok(CheckoutProgress::Processing) => view! {
                        <p role="status" class="mt-4">"Your payment is being processed by your bank. Your plan starts as soon as it clears; this page updates by itself."</p>
                    }.into_any(),
                    Ok(CheckoutProgress::Waiting) => view! { <Busy text="Waiting for Stripe to confirm your payment…"/> }.into_any(),
                    Err(e) => view! { <FailedWithLink message=e.to_string() href="/pricing" label="Back to pricing"/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
