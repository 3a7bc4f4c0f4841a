//! The public listing pages: `/c/{category}` (a parent includes its children's listings, with
//! links to the children), `/sellers/{handle}`, and the home page's newest and popular rows.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::card::{Grid, GridSkeleton};
use crate::features::catalogue::api::{get_category, get_home_catalogue, get_seller};
use crate::features::catalogue::model::{CategoryListing, HomeCatalogue, SellerPage};
use crate::ui::form::TEXT_LINK;
use crate::ui::{day, loaded_or, page_param, pager};

/// A grid-shaped loading state (`loaded` draws lines; listings look like cards).
fn with_grid<T, V>(
    resource: Resource<Result<T, crate::error::AppError>>,
    label: &'static str,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    loaded_or(resource, move || view! { <GridSkeleton label/> }, render)
}

#[component]
pub fn CategoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || (params.read().get("slug").unwrap_or_default(), page_param(query.read().get("page")));
    let listing = Resource::new(key, |(slug, page)| get_category(slug, page));
    with_grid(listing, "Loading listings…", |c: CategoryListing| view! { <Category c/> })
}

#[component]
fn Category(c: CategoryListing) -> impl IntoView {
    let slug = c.category.slug.clone();
    let count = match c.total {
        1 => "1 listing".to_string(),
        n => format!("{n} listings"),
    };
    view! {
        <Title text=c.category.name.clone()/>
        <Meta name="description" content=format!("{} for sale on Threadr: {count}.", c.category.name)/>
        <nav aria-label="Breadcrumb" class="text-sm">
            <ol class="flex flex-wrap items-center gap-x-2">
                <li><A href="/" attr:class=TEXT_LINK>"Home"</A></li>
                {c.parent.clone().map(|p| view! {
                    <li aria-hidden="true">"›"</li>
                    <li><A href=format!("/c/{}", p.slug) attr:class=TEXT_LINK>{p.name}</A></li>
                })}
            </ol>
        </nav>
        <h1 class="text-3xl font-bold">{c.category.name.clone()}</h1>
        <p class="mt-1">{count}</p>
        {(!c.category.children.is_empty()).then(|| {
            let children = c.category.children.clone();
            view! {
            <nav aria-label="Sub-categories" class="mt-4">
                <ul class="flex flex-wrap gap-2">
                    {children.into_iter().map(|child| view! {
                        <li>
                            <A href=format!("/c/{}", child.slug)
                                attr:class="inline-flex min-h-11 items-center rounded-full border border-slate-400 px-4 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
                                {child.name}
                            </A>
                        </li>
                    }).collect_view()}
                </ul>
            </nav>
        }})}
        <Grid cards=c.products label=format!("Listings in {}", c.category.name)
            empty="Nothing is on sale in this category yet." eager=4/>
        {pager(c.page, c.pages, move |n| format!("/c/{slug}?page={n}"))}
    }
}

#[component]
pub fn SellerShopPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let seller = Resource::new(handle, get_seller);
    with_grid(seller, "Loading the shop…", |s: SellerPage| view! { <Shop s/> })
}

#[component]
fn Shop(s: SellerPage) -> impl IntoView {
    let name = s.seller.name.clone();
    let handle = s.seller.handle.clone();
    view! {
        <Title text=format!("{name}'s shop")/>
        <Meta name="description" content=format!("{name} sells on Threadr: {} listings.", s.products.len())/>
        <h1 class="text-3xl font-bold break-words">{format!("{name}'s shop")}</h1>
        <p class="mt-2">{s.seller.rating.map_or_else(|| "No reviews yet".to_string(), |r| r.label())}</p>
        <p class="mt-1">"Member since " {day(s.seller.member_since)}</p>
        {(!s.bio.is_empty()).then(|| view! { <p class="mt-3 max-w-2xl whitespace-pre-line break-words">{s.bio.clone()}</p> })}
        <h2 class="mt-8 text-xl font-semibold">"On sale"</h2>
        <Grid cards=s.products label=format!("{name}'s listings") empty="Nothing on sale right now." eager=4/>
        <crate::features::commerce::SellerRatings handle/>
    }
}

/// The home page's catalogue: newest and most viewed listings.
#[component]
pub fn HomeCatalogueSections() -> impl IntoView {
    let catalogue = Resource::new(|| (), |_| get_home_catalogue());
    view! {
        <section aria-labelledby="newest-title" class="py-6">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="newest-title" class="text-2xl font-semibold">"New in the marketplace"</h2>
                <A href="/search?sort=newest" attr:class=TEXT_LINK>"See all new listings"</A>
            </div>
            {with_grid(catalogue, "Loading new listings…", |c: HomeCatalogue| view! {
                <Grid cards=c.newest label="Newest listings".to_string()
                    empty="No listings yet. Sellers' first products appear here." eager=4/>
                <h2 id="popular-title" class="mt-10 text-2xl font-semibold">"Popular right now"</h2>
                <Grid cards=c.popular label="Most viewed listings".to_string() empty="Nothing has been viewed yet."/>
            })}
        </section>
    }
}
