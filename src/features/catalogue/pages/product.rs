//! `/products/{slug}`: rendered on the server with its title, meta description, Open Graph tags
//! and schema.org `Product` JSON-LD; photos with fixed sizes; the seller's card.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::{components::A, hooks::use_params_map};

use super::card::Photo;
use crate::features::catalogue::api::get_product;
use crate::features::catalogue::model::{ProductDetail, ProductStatus};
use crate::money::format_minor;
use crate::ui::form::TEXT_LINK;
use crate::ui::{day, loaded};

#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let product = Resource::new(slug, get_product);
    view! {
        {loaded(product, 10, "Loading the listing…", |p: ProductDetail| view! { <Product p/> })}
    }
}

/// The first 160 characters of the description, on one line, for search engines and previews.
fn summary(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= 160 {
        return flat;
    }
    let cut: String = flat.chars().take(157).collect();
    format!("{}…", cut.trim_end())
}

/// JSON-LD inside `<script>`: `<`, `>` and `&` escaped so no text can end the element early.
pub fn json_ld(p: &ProductDetail) -> String {
    let availability = if p.stock > 0 { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" };
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.title,
        "description": summary(&p.description),
        "sku": p.id.to_string(),
        "url": format!("{}/products/{}", p.base_url, p.slug),
        "image": p.images.iter().map(|i| format!("{}{}", p.base_url, i.url("full"))).collect::<Vec<_>>(),
        "category": p.category.name,
        "itemCondition": p.condition.schema_org(),
        "brand": { "@type": "Brand", "name": p.seller.name },
        "offers": {
            "@type": "Offer",
            "price": format!("{}.{:02}", p.price_cents / 100, p.price_cents % 100),
            "priceCurrency": p.currency,
            "availability": availability,
            "seller": { "@type": "Organization", "name": p.seller.name },
        },
    });
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

#[component]
fn Product(p: ProductDetail) -> impl IntoView {
    let description = summary(&p.description);
    let og_image = p.images.first().map(|i| format!("{}{}", p.base_url, i.url("full")));
    let url = format!("{}/products/{}", p.base_url, p.slug);
    let price = format_minor(p.price_cents, &p.currency);
    let ld = json_ld(&p);
    let paragraphs: Vec<String> =
        p.description.split("\n\n").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let selected = RwSignal::new(0usize);
    let images = p.images.clone();
    let count = images.len();
    view! {
        <Title text=p.title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Meta property="og:type" content="product"/>
        <Meta property="og:title" content=p.title.clone()/>
        <Meta property="og:description" content=description/>
        <Meta property="og:url" content=url/>
        {og_image.map(|src| view! { <Meta property="og:image" content=src/> })}
        <Meta property="product:price:amount" content=format!("{}.{:02}", p.price_cents / 100, p.price_cents % 100)/>
        <Meta property="product:price:currency" content=p.currency.clone()/>
        <script type="application/ld+json" inner_html=ld></script>
        <nav aria-label="Breadcrumb" class="text-sm">
            <ol class="flex flex-wrap items-center gap-x-2">
                <li><A href="/" attr:class=TEXT_LINK>"Home"</A></li>
                {p.parent_category.clone().map(|c| view! {
                    <li aria-hidden="true">"›"</li>
                    <li><A href=format!("/c/{}", c.slug) attr:class=TEXT_LINK>{c.name}</A></li>
                })}
                <li aria-hidden="true">"›"</li>
                <li><A href=format!("/c/{}", p.category.slug) attr:class=TEXT_LINK>{p.category.name.clone()}</A></li>
            </ol>
        </nav>
        {p.mine.then(|| view! {
            <p role="status" class="mt-4 rounded-md border border-indigo-300 bg-indigo-50 p-3 dark:border-indigo-700 dark:bg-indigo-950">
                {format!("This is your listing ({}). ", p.status.label())}
                {(p.status != ProductStatus::Active).then_some("Only you can see it. ")}
                <A href=format!("/sell/products/{}", p.id) attr:class=TEXT_LINK>"Edit listing"</A>
            </p>
        })}
        <div class="mt-4 grid gap-8 md:grid-cols-2">
            <section aria-label="Photos">
                {if images.is_empty() {
                    view! {
                        <div class="flex aspect-square w-full items-center justify-center rounded-lg bg-slate-100 dark:bg-slate-800">
                            "No photos yet"
                        </div>
                    }.into_any()
                } else {
                    let main = images.clone();
                    view! {
                        {move || {
                            let image = main[selected.get().min(count - 1)].clone();
                            view! {
                                <Photo image variant="full" sizes="(min-width: 768px) 480px, 100vw" lazy=false
                                    class="h-auto w-full rounded-lg bg-slate-100 dark:bg-slate-800"/>
                            }
                        }}
                        {(count > 1).then(|| view! {
                            <ul class="mt-3 flex flex-wrap gap-2" aria-label="More photos">
                                {images.iter().cloned().enumerate().map(|(n, image)| view! {
                                    <li>
                                        <button type="button"
                                            class="min-h-11 min-w-11 rounded-md border-2 border-transparent aria-pressed:border-indigo-700"
                                            aria-pressed=move || (selected.get() == n).to_string()
                                            aria-label=format!("Show photo {} of {count}", n + 1)
                                            on:click=move |_| selected.set(n)>
                                            <Photo image variant="thumb" sizes="64px" class="h-16 w-16 rounded object-cover"/>
                                        </button>
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                    }.into_any()
                }}
            </section>
            <section aria-labelledby="product-title">
                <h1 id="product-title" class="text-3xl font-bold break-words">{p.title.clone()}</h1>
                <p class="mt-3 text-2xl font-semibold">{price}</p>
                <p class="mt-1">{p.condition.label()}</p>
                <p class="mt-1">
                    {if p.stock > 0 { format!("In stock: {} available", p.stock) } else { "Sold out".to_string() }}
                </p>
                {(p.status == ProductStatus::Active).then(|| view! {
                    <crate::features::commerce::ProductCommerce product=p.id title=p.title.clone()/>
                })}
                <div class="mt-6 space-y-3 break-words">
                    {if paragraphs.is_empty() {
                        view! { <p class="text-slate-700 dark:text-slate-300">"The seller has not written a description."</p> }.into_any()
                    } else {
                        paragraphs.into_iter().map(|text| view! { <p class="whitespace-pre-line">{text}</p> }).collect_view().into_any()
                    }}
                </div>
                <aside aria-labelledby="seller-title" class="mt-8 rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                    <h2 id="seller-title" class="text-lg font-semibold">"Sold by " {p.seller.name.clone()}</h2>
                    <p class="mt-1">
                        {p.seller.rating.map_or_else(|| "No reviews yet".to_string(), |r| r.label())}
                    </p>
                    <p class="mt-1">"Member since " {day(p.seller.member_since)}</p>
                    <A href=format!("/sellers/{}", p.seller.handle) attr:class=TEXT_LINK>"See the seller's shop"</A>
                </aside>
            </section>
        </div>
    }
}
