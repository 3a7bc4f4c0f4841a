//! Ratings and reviews: the product page's panel (add to cart, heart, ratings with a star
//! histogram, reviews), the seller's shop ratings, and the buyer's review form on an order.

use leptos::prelude::*;
use uuid::Uuid;

use super::cart::AddToCartForm;
use super::favourites::FavouriteHeart;
use crate::features::commerce::api::{ReplyToReview, ReportReview, ReviewItem, get_product_panel, get_seller_reviews};
use crate::features::commerce::model::{OrderItemView, ProductPanel, RatingSummary, ReviewView};
use crate::ui::day;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, FormError, INPUT};

fn stars(rating: u8) -> String {
    (1..=5).map(|n| if n <= rating { '★' } else { '☆' }).collect()
}

/// Under a product's price: quantity and "Add to cart", the heart, the favourites count, and
/// the ratings with their reviews.
#[component]
pub fn ProductCommerce(product: Uuid, title: String) -> impl IntoView {
    let panel = Resource::new(move || product, get_product_panel);
    let title = StoredValue::new(title);
    view! {
        <Transition fallback=|| view! { <p class="mt-4" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match panel.await {
                    Ok(p) => view! { <Panel p product title=title.get_value()/> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-4">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Panel(p: ProductPanel, product: Uuid, title: String) -> impl IntoView {
    let saved = match p.favourite_count {
        0 => None,
        1 => Some("1 person saved this".to_string()),
        n => Some(format!("{n} people saved this")),
    };
    view! {
        <AddToCartForm product available=p.available own=p.own/>
        {(p.signed_in && !p.own).then(|| view! {
            <crate::features::messaging::MessageButton product label="Message the seller"/>
        })}
        <div class="mt-4 flex items-center gap-3">
            {(!p.own).then(|| view! { <FavouriteHeart product title=title.clone()/> })}
            {saved.map(|s| view! { <p>{s}</p> })}
        </div>
        <Ratings summary=p.ratings heading="Reviews of this item" can_reply=false/>
    }
}

/// A seller's ratings on their shop page.
#[component]
pub fn SellerRatings(handle: String) -> impl IntoView {
    let summary = Resource::new(move || handle.clone(), get_seller_reviews);
    view! {
        <Transition fallback=|| view! { <p class="mt-4" role="status">"Loading reviews…"</p> }>
            {move || Suspend::new(async move {
                summary.await.ok().map(|s| view! { <Ratings summary=s heading="What buyers say" can_reply=false/> })
            })}
        </Transition>
    }
}

#[component]
fn Ratings(summary: RatingSummary, heading: &'static str, can_reply: bool) -> impl IntoView {
    let count = summary.count();
    let average = summary.average_tenths();
    let max = summary.histogram.iter().copied().max().unwrap_or(0).max(1);
    view! {
        <section aria-labelledby="reviews-title" class="mt-8">
            <h2 id="reviews-title" class="text-xl font-semibold">{heading}</h2>
            {match average {
                None => view! { <p class="mt-2">"No reviews yet."</p> }.into_any(),
                Some(avg) => view! {
                    <p class="mt-2 text-lg">
                        {format!("{}.{} out of 5 from {count} review{}", avg / 10, avg % 10, if count == 1 { "" } else { "s" })}
                    </p>
                    <table class="mt-2 w-full max-w-sm text-sm">
                        <caption class="sr-only">"How many reviews gave each number of stars"</caption>
                        <tbody>
                            {(1..=5u8).rev().map(|n| {
                                let c = summary.histogram[usize::from(n - 1)];
                                let width = format!("width: {}%", c * 100 / max);
                                view! {
                                    <tr>
                                        <th scope="row" class="w-16 text-left font-normal">{format!("{n} star{}", if n == 1 { "" } else { "s" })}</th>
                                        <td class="px-2"><div class="h-3 rounded bg-slate-200 dark:bg-slate-700"><div class="h-3 rounded bg-amber-500" style=width></div></div></td>
                                        <td class="w-10 text-right">{c}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <ul class="mt-4 space-y-4">
                {summary.reviews.into_iter().map(|r| view! { <Review r can_reply/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Review(r: ReviewView, can_reply: bool) -> impl IntoView {
    let report = ServerAction::<ReportReview>::new();
    let reply = ServerAction::<ReplyToReview>::new();
    let id = r.id;
    let reported = move || matches!(report.value().get(), Some(Ok(())));
    view! {
        <li class="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <p>
                <span aria-label=format!("{} out of 5 stars", r.rating) class="text-amber-600">{stars(r.rating)}</span>
                {format!(" {} · {}", r.author, day(r.created_at))}
            </p>
            {r.product_title.clone().map(|t| view! { <p class="text-sm text-slate-700 dark:text-slate-300">{t}</p> })}
            {(!r.body.is_empty()).then(|| view! { <p class="mt-1 whitespace-pre-line break-words">{r.body.clone()}</p> })}
            {r.reply.clone().map(|text| view! {
                <div class="mt-2 border-l-4 border-slate-300 pl-3 dark:border-slate-700">
                    <p class="text-sm font-semibold">"The seller replied"</p>
                    <p class="whitespace-pre-line break-words">{text}</p>
                </div>
            })}
            {(can_reply && r.reply.is_none()).then(|| view! {
                <ActionForm action=reply attr:class="mt-2">
                    <input type="hidden" name="review" value=id.to_string()/>
                    <label for=format!("reply-{id}") class="block font-medium">"Your reply"</label>
                    <textarea id=format!("reply-{id}") name="reply" rows="2" maxlength="2000" class=INPUT></textarea>
                    <button type="submit" class=format!("{BUTTON_SECONDARY} mt-2")>"Reply"</button>
                </ActionForm>
                <FormError value=reply.value()/>
            })}
            <details class="mt-2">
                <summary class="inline-flex min-h-11 cursor-pointer items-center text-sm underline">"Report this review"</summary>
                <Show when=move || !reported() fallback=|| view! { <p role="status">"Thank you. An admin will look at it."</p> }>
                    <ActionForm action=report attr:class="mt-2">
                        <input type="hidden" name="review" value=id.to_string()/>
                        <label for=format!("report-{id}") class="block font-medium">"What is wrong with it?"</label>
                        <input id=format!("report-{id}") name="reason" maxlength="500" required class=INPUT/>
                        <button type="submit" class=format!("{BUTTON_SECONDARY} mt-2")>"Send report"</button>
                    </ActionForm>
                </Show>
                <FormError value=report.value()/>
            </details>
        </li>
    }
}

/// Under an order item: the buyer's review of it, or the form to write one once delivered.
#[component]
pub fn ItemReview(item: OrderItemView, review: ServerAction<ReviewItem>, as_seller: bool) -> impl IntoView {
    if let Some(r) = item.review.clone().filter(|_| as_seller) {
        return view! { <ul class="mt-2"><Review r can_reply=true/></ul> }.into_any();
    }
    if let Some(r) = item.review {
        return view! {
            <p class="mt-1 text-sm">
                <span aria-label=format!("You gave it {} out of 5 stars", r.rating) class="text-amber-600">{stars(r.rating)}</span>
                " Your review is published."
            </p>
        }
        .into_any();
    }
    if !item.can_review {
        return ().into_any();
    }
    let id = item.id;
    view! {
        <details class="mt-2">
            <summary class="inline-flex min-h-11 cursor-pointer items-center font-semibold underline">{format!("Review {}", item.title)}</summary>
            <ActionForm action=review attr:class="mt-2">
                <input type="hidden" name="item" value=id.to_string()/>
                <fieldset>
                    <legend class="font-medium">{format!("Your rating of {}", item.title)}</legend>
                    <div class="flex flex-wrap gap-2">
                        {(1..=5).map(|n| {
                            let input_id = format!("rating-{id}-{n}");
                            view! {
                                <div class="flex min-h-11 items-center gap-1">
                                    <input type="radio" id=input_id.clone() name="rating" value=n required class="h-5 w-5"/>
                                    <label for=input_id>{format!("{n} star{}", if n == 1 { "" } else { "s" })}</label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <label for=format!("review-{id}") class="mt-2 block font-medium">{format!("Your review of {} (optional)", item.title)}</label>
                <textarea id=format!("review-{id}") name="body" rows="3" maxlength="2000" class=INPUT></textarea>
                <button type="submit" class=format!("{BUTTON} mt-2")>"Publish review"</button>
            </ActionForm>
            <FormError value=review.value()/>
        </details>
    }
    .into_any()
}
