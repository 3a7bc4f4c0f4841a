//! `/cart`, the header's cart badge and the product page's "Add to cart".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::features::catalogue::Photo;
use crate::features::commerce::api::{AddToCart, RemoveFromCart, SetCartQuantity, get_cart, get_cart_count};
use crate::features::commerce::model::{Cart, CartLine, LineProblem, MAX_QUANTITY};
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, FormError, INPUT, TEXT_LINK};
use crate::ui::loaded;

/// Bumped whenever the cart changes on this page, so the badge asks again.
#[derive(Clone, Copy)]
pub struct CartVersion(pub RwSignal<u32>);

/// Called once by the app shell: the badge and every cart action share the version.
pub fn provide_cart_version() {
    provide_context(CartVersion(RwSignal::new(0)));
}

/// Tells the badge the cart changed (the success page calls it once a payment empties it).
pub fn bump() {
    if let Some(CartVersion(v)) = use_context::<CartVersion>() {
        v.update(|n| *n += 1);
    }
}

/// The header's cart link with the number of items.
#[component]
pub fn CartBadge() -> impl IntoView {
    let version = use_context::<CartVersion>().map(|v| v.0);
    let count = Resource::new(move || version.map(|v| v.get()), |_| get_cart_count());
    let label = move |n: i32| match n {
        0 => "Cart, empty".to_string(),
        1 => "Cart, 1 item".to_string(),
        n => format!("Cart, {n} items"),
    };
    view! {
        <Transition fallback=move || view! {
            <A href="/cart" attr:class="relative inline-flex min-h-11 min-w-11 items-center justify-center rounded-md border border-slate-300 px-3 text-sm font-medium dark:border-slate-700">"Cart"</A>
        }>
            {move || Suspend::new(async move {
                let n = count.await.unwrap_or(0);
                view! {
                    <A href="/cart" attr:aria-label=label(n)
                        attr:class="relative inline-flex min-h-11 min-w-11 items-center justify-center gap-2 rounded-md border border-slate-300 px-3 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                        "Cart"
                        {(n > 0).then(|| view! {
                            <span aria-hidden="true" class="inline-flex min-w-6 items-center justify-center rounded-full bg-indigo-700 px-1.5 text-xs font-bold text-white">{n}</span>
                        })}
                    </A>
                }
            })}
        </Transition>
    }
}

/// "Add to cart" with a quantity, on a product page. Works as a plain form post too.
#[component]
pub fn AddToCartForm(product: Uuid, available: i32, own: bool) -> impl IntoView {
    let add = ServerAction::<AddToCart>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            bump();
        }
    });
    if own {
        return view! { <p class="mt-4 text-slate-700 dark:text-slate-300">"This is your listing."</p> }.into_any();
    }
    if available <= 0 {
        return view! { <p class="mt-4 font-semibold">"Sold out"</p> }.into_any();
    }
    view! {
        <ActionForm action=add attr:class="mt-4 flex flex-wrap items-end gap-3">
            <input type="hidden" name="product" value=product.to_string()/>
            <div>
                <label for="add-quantity" class="block font-medium">"Quantity"</label>
                <input id="add-quantity" name="quantity" type="number" min="1" max=available.min(MAX_QUANTITY) value="1"
                    inputmode="numeric" class=format!("{INPUT} w-24")/>
            </div>
            <button type="submit" class=BUTTON disabled=move || add.pending().get()>"Add to cart"</button>
        </ActionForm>
        <FormError value=add.value()/>
        <Show when=move || matches!(add.value().get(), Some(Ok(_)))>
            <p role="status" class="mt-2">"Added to your cart. " <A href="/cart" attr:class=TEXT_LINK>"See your cart"</A></p>
        </Show>
    }
    .into_any()
}

#[component]
pub fn CartPage() -> impl IntoView {
    let remove = ServerAction::<RemoveFromCart>::new();
    let quantity = ServerAction::<SetCartQuantity>::new();
    let cart = Resource::new(move || (remove.version().get(), quantity.version().get()), |_| get_cart());
    Effect::new(move |_| {
        let _ = (remove.version().get(), quantity.version().get());
        bump();
    });
    view! {
        <Title text="Your cart"/>
        <h1 class="text-3xl font-bold">"Your cart"</h1>
        <FormError value=quantity.value()/>
        <FormError value=remove.value()/>
        {loaded(cart, 6, "Loading your cart…", move |cart: Cart| view! { <CartBody cart remove quantity/> })}
    }
}

#[component]
fn CartBody(
    cart: Cart,
    remove: ServerAction<RemoveFromCart>,
    quantity: ServerAction<SetCartQuantity>,
) -> impl IntoView {
    if cart.is_empty() {
        return view! {
            <div class="mt-6 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                <p>"Your cart is empty."</p>
                <p class="mt-4"><A href="/search" attr:class=BUTTON>"Browse the marketplace"</A></p>
            </div>
        }
        .into_any();
    }
    let payable = cart.payable();
    view! {
        {cart.has_changes.then(|| view! {
            <p role="status" class="mt-4 rounded-md border border-amber-600 bg-amber-50 p-3 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
                "Some items changed since you added them. Check the notes below before paying."
            </p>
        })}
        <div class="mt-6 space-y-8">
            {cart.groups.into_iter().map(|g| {
                let heading = format!("From {}", g.seller_name);
                let heading_id = format!("seller-{}-{}", g.seller_handle, g.currency);
                view! {
                    <section aria-labelledby=heading_id.clone() class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                        <h2 id=heading_id.clone() class="text-xl font-semibold">
                            <A href=format!("/sellers/{}", g.seller_handle) attr:class=TEXT_LINK>{heading}</A>
                        </h2>
                        <ul class="mt-3 divide-y divide-slate-200 dark:divide-slate-800">
                            {g.lines.into_iter().map(|line| view! { <Line line remove quantity/> }).collect_view()}
                        </ul>
                        <p class="mt-3 text-right font-semibold">
                            {format!("Subtotal from {}: {}", g.seller_name, format_minor(g.subtotal_cents, &g.currency))}
                        </p>
                    </section>
                }
            }).collect_view()}
        </div>
        <section aria-labelledby="total-title" class="mt-8 rounded-lg bg-slate-100 p-4 dark:bg-slate-900">
            <h2 id="total-title" class="text-xl font-semibold">"Total"</h2>
            <ul class="mt-2">
                {cart.totals.iter().map(|t| view! {
                    <li class="text-2xl font-bold">{format_minor(t.total_cents, &t.currency)}</li>
                }).collect_view()}
            </ul>
            {(cart.totals.len() > 1).then(|| view! {
                <p class="mt-2">"Your cart has items in several currencies: each currency is paid separately."</p>
            })}
            <p class="mt-4">
                {if payable {
                    view! { <A href="/checkout" attr:class=BUTTON>"Check out"</A> }.into_any()
                } else {
                    view! { <p>"Nothing in your cart can be bought right now."</p> }.into_any()
                }}
            </p>
        </section>
    }
    .into_any()
}

#[component]
fn Line(
    line: CartLine,
    remove: ServerAction<RemoveFromCart>,
    quantity: ServerAction<SetCartQuantity>,
) -> impl IntoView {
    let id = line.product_id;
    let input_id = format!("quantity-{id}");
    let note = match (&line.problem, line.price_was_cents) {
        (Some(LineProblem::Unavailable), _) => Some("No longer for sale. Remove it to check out the rest.".to_string()),
        (Some(LineProblem::SoldOut), _) => Some("Sold out. Remove it to check out the rest.".to_string()),
        (Some(LineProblem::OnlyLeft(n)), _) => Some(format!("Only {n} left: lower the quantity.")),
        (None, Some(was)) => Some(format!(
            "The price changed from {} to {} since you added it.",
            format_minor(was, &line.currency),
            format_minor(line.unit_price_cents, &line.currency)
        )),
        _ => None,
    };
    let title = line.title.clone();
    let remove_label = format!("Remove {}", line.title);
    let (slug, name) = (line.slug.clone(), line.title.clone());
    view! {
        <li class="flex flex-wrap items-start gap-4 py-3">
            <div class="h-20 w-20 shrink-0">
                {line.image.clone().map(|image| view! {
                    <Photo image variant="thumb" sizes="80px" class="h-20 w-20 rounded object-cover"/>
                })}
            </div>
            <div class="min-w-0 flex-1">
                <A href=format!("/products/{slug}") attr:class=format!("{TEXT_LINK} font-semibold break-words")>{name}</A>
                <p>{format!("{} each", format_minor(line.unit_price_cents, &line.currency))}</p>
                {note.map(|n| view! { <p class="mt-1 font-semibold text-amber-800 dark:text-amber-300">{n}</p> })}
            </div>
            <div class="flex flex-wrap items-end gap-2">
                <ActionForm action=quantity attr:class="flex items-end gap-2">
                    <input type="hidden" name="product" value=id.to_string()/>
                    <div>
                        <label for=input_id.clone() class="block text-sm font-medium">{format!("Quantity of {title}")}</label>
                        <input id=input_id name="quantity" type="number" min="1" max=MAX_QUANTITY value=line.quantity
                            inputmode="numeric" class=format!("{INPUT} w-24")/>
                    </div>
                    <button type="submit" class=BUTTON_SECONDARY>"Update"</button>
                </ActionForm>
                <ActionForm action=remove>
                    <input type="hidden" name="product" value=id.to_string()/>
                    <button type="submit" class=BUTTON_SECONDARY aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// A cart line's total as shown at checkout.
pub fn line_total(line: &CartLine) -> String {
    format_minor(line.line_total_cents(), &line.currency)
}
