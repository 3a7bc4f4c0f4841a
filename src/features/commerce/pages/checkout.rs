//! `/checkout`: where to ship, a summary by seller, then one payment on Stripe's page for the
//! whole cart (in one currency). `/checkout/success?purchase=…`: back from Stripe, the page
//! asks until the payment is confirmed by Stripe's webhook.

use crate::ui::skeleton::{Busy, FailedWithLink};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use super::cart::line_total;
use crate::features::accounts::{AddressForm, SaveAddress};
use crate::features::commerce::api::{StartPurchase, get_checkout, get_purchase_progress};
use crate::features::commerce::model::{CheckoutView, PurchaseProgress};
use crate::money::format_minor;
use crate::ui::form::{BUTTON, FormError, TEXT_LINK};
use crate::ui::{go_to, loaded};

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let query = use_query_map();
    let cancelled = move || query.read().get("cancelled").is_some();
    // A new address saved on this page reloads the checkout, which then ships to it.
    let save = ServerAction::<SaveAddress>::new();
    let view = Resource::new(move || save.version().get(), |_| get_checkout());
    view! {
        <Title text="Checkout"/>
        <h1 class="text-3xl font-bold">"Checkout"</h1>
        <Show when=cancelled>
            <p role="status" class="mt-4 rounded-md border border-slate-400 p-3">
                "You left Stripe's page, so nothing was charged. Your cart is as you left it."
            </p>
        </Show>
        {loaded(view, 8, "Loading your checkout…", move |v: CheckoutView| view! { <Checkout v save/> })}
    }
}

#[component]
fn Checkout(v: CheckoutView, save: ServerAction<SaveAddress>) -> impl IntoView {
    if !v.cart.payable() {
        return view! {
            <div class="mt-6 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                <p>"Your cart has nothing to pay for."</p>
                <p class="mt-4"><A href="/cart" attr:class=BUTTON>"Back to your cart"</A></p>
            </div>
        }
        .into_any();
    }
    let pay = ServerAction::<StartPurchase>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = pay.value().get() {
            go_to(&url);
        }
    });
    let currencies: Vec<_> = v.cart.totals.iter().filter(|t| t.total_cents > 0).cloned().collect();
    let currency = RwSignal::new(currencies.first().map(|t| t.currency.clone()).unwrap_or_default());
    let total_of = {
        let currencies = currencies.clone();
        move |c: &str| currencies.iter().find(|t| t.currency == c).map_or(0, |t| t.total_cents)
    };
    let total_of = StoredValue::new(total_of);
    let just_added = save.value().get_untracked().and_then(Result::ok);
    let default_address = just_added
        .filter(|id| v.addresses.iter().any(|a| a.id == *id))
        .or_else(|| v.addresses.iter().find(|a| a.is_default).or(v.addresses.first()).map(|a| a.id));
    let blocked = if !v.payments_on {
        Some("Payments are not set up on this Threadr yet, so nothing can be bought.")
    } else if !v.verified {
        Some(
            "Confirm your email address before paying: we send your receipt and the sellers' updates there. Look for our email, or ask for a new one under Account.",
        )
    } else if v.addresses.is_empty() {
        Some("Add an address to ship to first.")
    } else {
        None
    };
    let groups = v.cart.groups.clone();
    view! {
        <div class="mt-6 grid gap-8 md:grid-cols-[1fr_20rem]">
            <div>
                <section aria-labelledby="ship-title">
                    <h2 id="ship-title" class="text-xl font-semibold">"Ship to"</h2>
                    {if v.addresses.is_empty() {
                        view! {
                            <p class="mt-2">"Where should your order go? Add an address and it is saved to your account for next time."</p>
                            <AddressForm save address=None/>
                        }.into_any()
                    } else {
                        view! {
                            <fieldset class="mt-2">
                                <legend class="sr-only">"Shipping address"</legend>
                                {v.addresses.iter().map(|a| {
                                    let id = format!("address-{}", a.id);
                                    let checked = Some(a.id) == default_address;
                                    let lines = a.lines().join(", ");
                                    view! {
                                        <div class="mt-2 flex min-h-11 items-start gap-3 rounded-md border border-slate-300 p-3 dark:border-slate-700">
                                            <input type="radio" id=id.clone() name="address" value=a.id.to_string() checked=checked form="pay-form" class="mt-1 h-5 w-5"/>
                                            <label for=id class="flex-1">{lines}</label>
                                        </div>
                                    }
                                }).collect_view()}
                            </fieldset>
                            <details class="mt-3 rounded-md border border-slate-300 p-3 dark:border-slate-700">
                                <summary class="flex min-h-11 cursor-pointer items-center font-medium">"Ship to a new address"</summary>
                                <AddressForm save address=None/>
                            </details>
                            <p class="mt-2"><A href="/account/addresses" attr:class=TEXT_LINK>"Edit or remove addresses"</A></p>
                        }.into_any()
                    }}
                </section>
                <section aria-labelledby="summary-title" class="mt-8">
                    <h2 id="summary-title" class="text-xl font-semibold">"Your order"</h2>
                    <p class="mt-1 text-slate-700 dark:text-slate-300">"One payment for everything; each seller ships their part and you get one order per seller."</p>
                    {groups.into_iter().filter(|g| g.subtotal_cents > 0).map(|g| view! {
                        <div class="mt-4 rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                            <h3 class="font-semibold">{format!("From {}", g.seller_name)}</h3>
                            <ul class="mt-2 space-y-1">
                                {g.lines.iter().filter(|l| l.payable_quantity() > 0).map(|l| view! {
                                    <li class="flex justify-between gap-4">
                                        <span class="break-words">{format!("{} × {}", l.payable_quantity(), l.title)}
                                            {l.price_was_cents.map(|was| view! {
                                                <span class="block text-sm font-semibold text-amber-800 dark:text-amber-300">
                                                    {format!("Price changed from {}", format_minor(was, &l.currency))}
                                                </span>
                                            })}
                                        </span>
                                        <span>{line_total(l)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <p class="mt-2 text-right">{format!("Subtotal: {}", format_minor(g.subtotal_cents, &g.currency))}</p>
                        </div>
                    }).collect_view()}
                </section>
            </div>
            <aside aria-labelledby="pay-title" class="h-fit rounded-lg bg-slate-100 p-4 dark:bg-slate-900">
                <h2 id="pay-title" class="text-xl font-semibold">"Pay"</h2>
                <ActionForm action=pay attr:id="pay-form">
                    {(currencies.len() > 1).then(|| view! {
                        <div class="mt-2">
                            <label for="pay-currency" class="block font-medium">"Currency to pay now"</label>
                            <select id="pay-currency" name="currency" class="mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:bg-slate-900"
                                bind:value=currency>
                                {currencies.iter().map(|t| view! { <option value=t.currency.clone()>{t.currency.clone()}</option> }).collect_view()}
                            </select>
                            <p class="mt-1 text-sm">"The items in other currencies stay in your cart."</p>
                        </div>
                    })}
                    {(currencies.len() <= 1).then(|| view! { <input type="hidden" name="currency" value=move || currency.get()/> })}
                    <input type="hidden" name="total_cents" value=move || total_of.with_value(|f| f(&currency.get())).to_string()/>
                    <p class="mt-3 text-2xl font-bold">
                        {move || format_minor(total_of.with_value(|f| f(&currency.get())), &currency.get())}
                    </p>
                    {blocked.map(|why| view! { <p role="alert" class="mt-3 font-semibold">{why}</p> })}
                    <button type="submit" class=format!("{BUTTON} mt-4 w-full") disabled=move || blocked.is_some() || pay.pending().get()>
                        "Pay with Stripe"
                    </button>
                    <Show when=move || pay.pending().get()>
                        <p role="status" class="mt-2">"Holding your items and opening Stripe…"</p>
                    </Show>
                </ActionForm>
                <FormError value=pay.value()/>
                <p class="mt-3 text-sm">"Your items are held for you while you pay. Nothing is charged until you confirm on Stripe's page."</p>
            </aside>
        </div>
    }
    .into_any()
}

const POLL_MS: u64 = 2_000;
const POLLS: u32 = 60;

#[component]
pub fn PurchaseSuccessPage() -> impl IntoView {
    let purchase = use_query_map().read_untracked().get("purchase").and_then(|p| p.parse::<Uuid>().ok());
    let tick = RwSignal::new(0u32);
    let progress = Resource::new(
        move || tick.get(),
        move |_| async move {
            match purchase {
                Some(p) => get_purchase_progress(p).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    Effect::new(move |_| match progress.get() {
        Some(Ok(PurchaseProgress::Waiting)) if tick.get_untracked() < POLLS => {
            set_timeout(move || tick.update(|t| *t += 1), std::time::Duration::from_millis(POLL_MS));
        }
        // What was bought left the cart: the badge asks again.
        Some(Ok(PurchaseProgress::Paid { .. })) => super::cart::bump(),
        _ => {}
    });
    view! {
        <Title text="Thank you for your order"/>
        <section class="mx-auto max-w-xl" aria-live="polite">
            <h1 class="text-3xl font-bold">"Thank you"</h1>
            <Transition fallback=|| view! { <p role="status" class="mt-4">"Checking your payment with Stripe…"</p> }>
                {move || progress.get().map(|p| match p {
                    Ok(PurchaseProgress::Paid { orders }) => view! {
                        <p role="status" class="mt-4 rounded-md border border-emerald-700 bg-emerald-50 p-4 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-50">
                            {match orders.len() {
                                1 => format!("Your payment is confirmed: order {}.", orders[0]),
                                n => format!("Your payment is confirmed: {n} orders, one per seller ({}).", orders.join(", ")),
                            }}
                        </p>
                        <p class="mt-6"><A href="/orders" attr:class=BUTTON>"See your orders"</A></p>
                    }.into_any(),
                    Ok(PurchaseProgress::Closed { reason }) => view! {
                        <p role="alert" class="mt-4 font-semibold">{reason}</p>
                        <p class="mt-4"><A href="/cart" attr:class=TEXT_LINK>"Back to your cart"</A></p>
                    }.into_any(),
                    Ok(PurchaseProgress::Waiting) if tick.get() >= POLLS => view! {
                        <p role="status" class="mt-4">"Stripe has not confirmed the payment yet. We will email you as soon as it does."</p>
                        <p class="mt-4"><A href="/orders" attr:class=TEXT_LINK>"See your orders"</A></p>
                    }.into_any(),
                    Ok(PurchaseProgress::Waiting) => view! { <Busy text="Waiting for Stripe to confirm your payment…"/> }.into_any(),
                    Err(e) => view! { <FailedWithLink message=e.to_string() href="/orders" label="See your orders"/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
