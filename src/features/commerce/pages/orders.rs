//! `/orders` and `/orders/{number}` for buyers; `/sell/orders` and `/sell/orders/{number}` for
//! sellers (ship, refund). One list and one order view serve both, told which side they show.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::features::commerce::api::{ConfirmDelivery, RefundOrder, ShipOrder, get_order, get_orders};
use crate::features::commerce::model::{OrderDetail, OrderFilter, OrderList, OrderStatus};
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, FormError, INPUT, TEXT_LINK};
use crate::ui::{day, loaded, page_param, pager};

fn base(seller: bool) -> &'static str {
    if seller { "/sell/orders" } else { "/orders" }
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    view! { <Orders seller=false/> }
}

#[component]
pub fn SellerOrdersPage() -> impl IntoView {
    view! { <Orders seller=true/> }
}

#[component]
fn Orders(seller: bool) -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        let q = query.read();
        (q.get("status").unwrap_or_default(), page_param(q.get("page")))
    };
    let list = Resource::new(key, move |(filter, page)| get_orders(seller, filter, page));
    let title = if seller { "Orders to fulfil" } else { "Your orders" };
    view! {
        <Title text=title/>
        <h1 class="text-3xl font-bold">{title}</h1>
        {seller.then(|| view! { <p class="mt-1"><A href="/sell/payouts" attr:class=TEXT_LINK>"See your payouts"</A></p> })}
        {loaded(list, 8, "Loading orders…", move |l: OrderList| view! { <List l seller/> })}
    }
}

#[component]
fn List(l: OrderList, seller: bool) -> impl IntoView {
    let current = l.filter;
    let empty = match (current, seller) {
        (OrderFilter::All, false) => "You have not ordered anything yet.",
        (OrderFilter::All, true) => "No orders yet. They appear here as soon as a buyer pays.",
        _ => "No orders match this filter.",
    };
    view! {
        <nav aria-label="Filter orders" class="mt-4">
            <ul class="flex flex-wrap gap-2">
                {OrderFilter::ALL.into_iter().map(|f| {
                    let href = if f == OrderFilter::All { base(seller).to_string() } else { format!("{}?status={}", base(seller), f.as_str()) };
                    view! {
                        <li>
                            <A href=href attr:aria-current=(f == current).then_some("page")
                                attr:class="inline-flex min-h-11 items-center rounded-full border border-slate-400 px-4 aria-[current=page]:bg-indigo-700 aria-[current=page]:text-white dark:border-slate-600">
                                {f.label()}
                            </A>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
        {if l.orders.is_empty() {
            view! { <p class="mt-6 rounded-lg border border-dashed border-slate-400 p-8 text-center">{empty}</p> }.into_any()
        } else {
            view! {
                <ul aria-label="Orders" class="mt-4 divide-y divide-slate-200 dark:divide-slate-800">
                    {l.orders.into_iter().map(|o| {
                        let who = if seller { format!("Buyer: {}", o.other_party) } else { format!("Seller: {}", o.other_party) };
                        let what = if o.items > 1 { format!("{} and {} more", o.first_title, o.items - 1) } else { o.first_title.clone() };
                        view! {
                            <li class="flex flex-wrap items-center justify-between gap-3 py-3">
                                <div class="min-w-0">
                                    <A href=format!("{}/{}", base(seller), o.number) attr:class=format!("{TEXT_LINK} font-semibold")>
                                        {format!("Order {}", o.number)}
                                    </A>
                                    <p class="break-words">{what}</p>
                                    <p class="text-sm text-slate-700 dark:text-slate-300">{format!("{} · {}", day(o.created_at), who)}</p>
                                </div>
                                <div class="text-right">
                                    <p class="font-semibold">{format_minor(o.subtotal_cents, &o.currency)}</p>
                                    <p>{o.status.label()}</p>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {pager(l.page, l.pages, move |n| format!("{}?status={}&page={n}", base(seller), current.as_str()))}
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    view! { <Order seller=false/> }
}

#[component]
pub fn SellerOrderPage() -> impl IntoView {
    view! { <Order seller=true/> }
}

#[component]
fn Order(seller: bool) -> impl IntoView {
    let params = use_params_map();
    let ship = ServerAction::<ShipOrder>::new();
    let refund = ServerAction::<RefundOrder>::new();
    let delivered = ServerAction::<ConfirmDelivery>::new();
    let review = ServerAction::<crate::features::commerce::api::ReviewItem>::new();
    let order = Resource::new(
        move || {
            (
                params.read().get("number").unwrap_or_default(),
                ship.version().get() + refund.version().get() + delivered.version().get() + review.version().get(),
            )
        },
        move |(number, _)| get_order(number, seller),
    );
    view! {
        <Title text="Order"/>
        <p><A href=base(seller) attr:class=TEXT_LINK>{if seller { "All orders to fulfil" } else { "All your orders" }}</A></p>
        {loaded(order, 10, "Loading the order…", move |o: OrderDetail| view! { <OrderView o ship refund delivered review/> })}
    }
}

#[component]
fn OrderView(
    o: OrderDetail,
    ship: ServerAction<ShipOrder>,
    refund: ServerAction<RefundOrder>,
    delivered: ServerAction<ConfirmDelivery>,
    review: ServerAction<crate::features::commerce::api::ReviewItem>,
) -> impl IntoView {
    let number = o.number.clone();
    let currency = o.currency.clone();
    let as_seller = o.as_seller;
    view! {
        <h1 class="mt-2 text-3xl font-bold">{format!("Order {}", o.number)}</h1>
        <p class="mt-1 text-lg" role="status">{o.status.label()}</p>
        <p class="text-slate-700 dark:text-slate-300">
            {format!("Placed {} · ", day(o.created_at))}
            {if o.as_seller {
                format!("Buyer: {}", o.buyer_name).into_any()
            } else {
                let (handle, name) = (o.seller_handle.clone(), o.seller_name.clone());
                view! { "Seller: " <A href=format!("/sellers/{handle}") attr:class=TEXT_LINK>{name}</A> }.into_any()
            }}
        </p>
        {(o.status != OrderStatus::Pending).then(|| view! {
            <crate::features::messaging::MessageButton order=o.number.clone()
                label=if as_seller { "Message the buyer" } else { "Message the seller" }/>
        })}
        <div class="mt-6 grid gap-8 md:grid-cols-2">
            <section aria-labelledby="items-title">
                <h2 id="items-title" class="text-xl font-semibold">"Items"</h2>
                <ul class="mt-2 divide-y divide-slate-200 dark:divide-slate-800">
                    {o.items.iter().cloned().map(|i| {
                        let (slug, title) = (i.slug.clone(), i.title.clone());
                        view! {
                        <li class="py-2">
                            <div class="flex justify-between gap-4">
                                <span class="break-words">{format!("{} × ", i.quantity)}
                                    {match slug {
                                        Some(slug) => view! { <A href=format!("/products/{slug}") attr:class=TEXT_LINK>{title}</A> }.into_any(),
                                        None => title.into_any(),
                                    }}
                                </span>
                                <span>{format_minor(i.unit_price_cents * i64::from(i.quantity), &currency)}</span>
                            </div>
                            <super::reviews::ItemReview item=i review as_seller/>
                        </li>
                    }}).collect_view()}
                </ul>
                <dl class="mt-3 space-y-1">
                    <div class="flex justify-between"><dt class="font-semibold">"Total"</dt><dd class="font-semibold">{format_minor(o.subtotal_cents, &o.currency)}</dd></div>
                    {(o.refunded_cents > 0).then(|| view! {
                        <div class="flex justify-between"><dt>"Refunded"</dt><dd>{format_minor(o.refunded_cents, &o.currency)}</dd></div>
                    })}
                    {o.fee_cents.map(|fee| view! {
                        <div class="flex justify-between"><dt>"Platform fee"</dt><dd>{format_minor(fee, &o.currency)}</dd></div>
                        <div class="flex justify-between"><dt>"You receive"</dt><dd>{format_minor(o.subtotal_cents - fee, &o.currency)}</dd></div>
                    })}
                </dl>
            </section>
            <section aria-labelledby="ship-title">
                <h2 id="ship-title" class="text-xl font-semibold">"Shipping"</h2>
                <address class="mt-2 not-italic">{o.ship_to.iter().map(|l| view! { <span class="block">{l.clone()}</span> }).collect_view()}</address>
                {o.tracking_number.clone().map(|t| view! {
                    <p class="mt-2">{format!("{}: tracking number {t}", o.carrier.clone().unwrap_or_default())}</p>
                })}
                {o.can_ship().then(|| view! { <ShipForm number=number.clone() ship/> })}
                {o.can_confirm_delivery().then(|| {
                    let number = number.clone();
                    view! {
                        <ActionForm action=delivered attr:class="mt-4">
                            <input type="hidden" name="number" value=number/>
                            <button type="submit" class=BUTTON>"It arrived"</button>
                        </ActionForm>
                        <FormError value=delivered.value()/>
                    }
                })}
            </section>
        </div>
        {o.can_refund().then(|| view! { <RefundForm number=number.clone() left=o.left_to_refund_cents() currency=o.currency.clone() refund/> })}
        <section aria-labelledby="timeline-title" class="mt-8">
            <h2 id="timeline-title" class="text-xl font-semibold">"Timeline"</h2>
            <ol class="mt-2 space-y-3 border-l-2 border-slate-300 pl-4 dark:border-slate-700">
                {o.timeline.into_iter().map(|t| view! {
                    <li>
                        <p class="font-semibold">{t.status.label()}</p>
                        <p class="text-sm text-slate-700 dark:text-slate-300">
                            <time datetime=t.at.to_rfc3339()>{t.at.format("%-d %B %Y, %H:%M UTC").to_string()}</time>
                            {format!(" · {}", t.who)}
                        </p>
                        {(!t.note.is_empty()).then(|| view! { <p class="break-words">{t.note}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn ShipForm(number: String, ship: ServerAction<ShipOrder>) -> impl IntoView {
    view! {
        <ActionForm action=ship attr:class="mt-4 rounded-lg border border-slate-300 p-3 dark:border-slate-700">
            <h3 class="font-semibold">"Mark as shipped"</h3>
            <input type="hidden" name="number" value=number/>
            <label for="ship-carrier" class="mt-2 block font-medium">"Carrier"</label>
            <input id="ship-carrier" name="carrier" class=INPUT maxlength="60" required autocomplete="off"/>
            <label for="ship-tracking" class="mt-2 block font-medium">"Tracking number"</label>
            <input id="ship-tracking" name="tracking_number" class=INPUT maxlength="60" required autocomplete="off"/>
            <button type="submit" class=format!("{BUTTON} mt-3") disabled=move || ship.pending().get()>"Mark shipped"</button>
        </ActionForm>
        <FormError value=ship.value()/>
    }
}

#[component]
fn RefundForm(number: String, left: i64, currency: String, refund: ServerAction<RefundOrder>) -> impl IntoView {
    let left_text = format_minor(left, &currency);
    let whole = format!("{}.{:02}", left / 100, left % 100);
    let outcome = move || match refund.value().get() {
        Some(Ok(true)) => Some("Refunded. The buyer gets the money back within 5 to 10 business days."),
        Some(Ok(false)) => Some("Refund recorded. Stripe is asked again in a minute; the buyer is emailed either way."),
        _ => None,
    };
    view! {
        <section aria-labelledby="refund-title" class="mt-8 rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="refund-title" class="text-xl font-semibold">"Refund"</h2>
            <p class="mt-1">{format!("Up to {left_text} is left to refund. Your payout is reduced by the refund, less the platform fee's share, which the platform gives back.")}</p>
            <ActionForm action=refund attr:class="mt-3">
                <input type="hidden" name="number" value=number/>
                <label for="refund-amount" class="block font-medium">{format!("Amount ({currency})")}</label>
                <input id="refund-amount" name="amount" class=format!("{INPUT} max-w-40") inputmode="decimal" value=whole required/>
                <label for="refund-reason" class="mt-2 block font-medium">"Reason (the buyer sees it)"</label>
                <input id="refund-reason" name="reason" class=INPUT maxlength="500"/>
                <div class="mt-3 flex min-h-11 items-center gap-3">
                    <input type="checkbox" id="refund-restock" name="restock" value="true" class="h-5 w-5"/>
                    <label for="refund-restock">"Put the items back in stock"</label>
                </div>
                <button type="submit" class=format!("{BUTTON_SECONDARY} mt-3") disabled=move || refund.pending().get()>"Refund"</button>
            </ActionForm>
            <FormError value=refund.value()/>
            <p role="status" class="mt-2 empty:hidden">{outcome}</p>
        </section>
    }
}
