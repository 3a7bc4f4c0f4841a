//! Product cards in a grid, their skeleton, and the photo element every page uses: fixed
//! width and height (nothing shifts as photos arrive), `srcset` for the screen, lazy below
//! the fold.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::features::catalogue::model::{ImageRef, ProductCard};
use crate::money::format_minor;

/// A photo at `variant` size with the others in `srcset`; `sizes` says how wide it is shown.
#[component]
pub fn Photo(
    image: ImageRef,
    variant: &'static str,
    sizes: &'static str,
    #[prop(default = true)] lazy: bool,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let (w, h) = match variant {
        "thumb" => image.thumb,
        "card" => image.card,
        _ => image.full,
    };
    view! {
        <img
            src=image.url(variant)
            srcset=image.srcset()
            sizes=sizes
            width=w
            height=h
            alt=image.alt.clone()
            loading=if lazy { "lazy" } else { "eager" }
            decoding="async"
            class=class
        />
    }
}

/// The grey box a card without a photo shows.
#[component]
fn NoPhoto() -> impl IntoView {
    view! {
        <div class="flex aspect-square w-full items-center justify-center rounded-md bg-slate-100 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            "No photo yet"
        </div>
    }
}

#[component]
pub fn Card(card: ProductCard, #[prop(default = true)] lazy: bool) -> impl IntoView {
    let href = format!("/products/{}", card.slug);
    let price = format_minor(card.price_cents, &card.currency);
    let (id, heart_title) = (card.id, card.title.clone());
    view! {
        <li class="group relative flex flex-col rounded-lg border border-slate-200 p-3 focus-within:ring-2 focus-within:ring-indigo-700 dark:border-slate-800">
            {match card.image.clone() {
                Some(image) => view! {
                    <Photo image variant="card" sizes="(min-width: 1024px) 240px, (min-width: 640px) 33vw, 50vw" lazy
                        class="aspect-square w-full rounded-md bg-slate-100 object-cover dark:bg-slate-800"/>
                }.into_any(),
                None => view! { <NoPhoto/> }.into_any(),
            }}
            <h3 class="mt-2 line-clamp-2 font-semibold">
                // The whole card is the link's target area (44 px and more), the title its name.
                <A href=href attr:class="after:absolute after:inset-0 focus:outline-none">{card.title.clone()}</A>
            </h3>
            <p class="mt-1 font-semibold">{price}</p>
            <p class="text-sm text-slate-700 dark:text-slate-300">
                {card.condition.label()} " · " {card.seller_name.clone()}
            </p>
            {(!card.in_stock).then(|| view! { <p class="text-sm font-semibold text-red-800 dark:text-red-300">"Sold out"</p> })}
            // Above the card's link area, so it takes its own clicks.
            <div class="absolute right-4 top-4 z-10">
                <crate::features::commerce::FavouriteHeart product=id title=heart_title/>
            </div>
        </li>
    }
}

/// Cards in a responsive grid, or `empty` when there are none.
#[component]
pub fn Grid(
    cards: Vec<ProductCard>,
    /// What the grid shows, for screen readers ("Newest listings").
    label: String,
    #[prop(into)] empty: String,
    /// The first row loads eagerly (it is usually above the fold).
    #[prop(default = 0)]
    eager: usize,
) -> impl IntoView {
    if cards.is_empty() {
        return view! {
            <p class="mt-4 rounded-md border border-dashed border-slate-400 p-6 text-center">{empty}</p>
        }
        .into_any();
    }
    view! {
        <ul aria-label=label class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
            {cards
                .into_iter()
                .enumerate()
                .map(|(n, card)| {
                    let lazy = n >= eager;
                    view! { <Card card lazy/> }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// A grid of grey cards while listings load.
#[component]
pub fn GridSkeleton(#[prop(default = 8)] cards: usize, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <div role="status" aria-busy="true" class="mt-4">
            <span class="sr-only">{label}</span>
            <ul aria-hidden="true" class="grid grid-cols-2 gap-4 motion-safe:animate-pulse sm:grid-cols-3 lg:grid-cols-4">
                {(0..cards)
                    .map(|_| view! {
                        <li class="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
                            <div class="aspect-square w-full rounded-md bg-slate-200 dark:bg-slate-700"></div>
                            <div class="mt-3 h-4 w-10/12 rounded bg-slate-200 dark:bg-slate-700"></div>
                            <div class="mt-2 h-4 w-5/12 rounded bg-slate-200 dark:bg-slate-700"></div>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
