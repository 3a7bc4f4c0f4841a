//! `/admin/products` and `/admin/reviews`: a filter (a GET form, so the address keeps it), the
//! matching items with a checkbox each, and one bulk action for the selected items or for all
//! that match.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeSet;
use uuid::Uuid;

use super::api::{admin_moderate_products, admin_moderate_reviews, admin_products, admin_reviews};
use super::model::{MODERATION_PAGE_SIZE, ModProducts, ModReviews, ProductFilter, REASON_MAX, ReviewFilter};
use crate::error::AppError;
use crate::features::admin::audit::encode;
use crate::features::admin::nav::AdminNav;
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT};
use crate::ui::{day, loaded, page_count, page_param, pager};

const EMPTY: &str = "mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center";

fn query_of(pairs: &[(&str, &str)]) -> String {
    pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

/// What the bulk bar needs from its page: how many match, and the action to run.
#[derive(Clone, Copy)]
struct Bulk {
    selected: RwSignal<BTreeSet<Uuid>>,
    all_matching: RwSignal<bool>,
    outcome: RwSignal<Option<Result<String, AppError>>>,
    busy: RwSignal<bool>,
}

impl Bulk {
    fn new() -> Self {
        Self {
            selected: RwSignal::new(BTreeSet::new()),
            all_matching: RwSignal::new(false),
            outcome: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    fn toggle(&self, id: Uuid, on: bool) {
        self.selected.update(|s| {
            if on {
                s.insert(id);
            } else {
                s.remove(&id);
            }
        });
    }
}

/// A page's bulk selection and its apply callback: the selection empties when the filter or
/// the page changes and after an action succeeds; `act` runs the action on the server
/// (selected ids, "all matching", the filter) and `version` moves on so the list reloads.
fn bulk_for<F, Fut>(
    filter: Memo<F>,
    page: Memo<u32>,
    version: RwSignal<u32>,
    act: impl Fn(String, String, Vec<Uuid>, bool, F) -> Fut + Copy + Send + Sync + 'static,
) -> (Bulk, Callback<(String, String)>)
where
    F: Clone + PartialEq + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<String, AppError>> + 'static,
{
    let bulk = Bulk::new();
    let clear = move || {
        bulk.selected.set(BTreeSet::new());
        bulk.all_matching.set(false);
    };
    Effect::new(move |_| {
        filter.track();
        page.track();
        clear();
    });
    let apply = Callback::new(move |(action, reason): (String, String)| {
        let ids: Vec<Uuid> = bulk.selected.get_untracked().into_iter().collect();
        let all = bulk.all_matching.get_untracked();
        let f = filter.get_untracked();
        bulk.busy.set(true);
        leptos::task::spawn_local(async move {
            let done = act(action, reason, ids, all, f).await;
            if done.is_ok() {
                clear();
                version.update(|v| *v += 1);
            }
            bulk.outcome.set(Some(done));
            bulk.busy.set(false);
        });
    });
    (bulk, apply)
}

/// What the last bulk action answered; outside the list, so it stays when the list reloads
/// (or empties).
#[component]
fn BulkOutcome(bulk: Bulk) -> impl IntoView {
    view! {
        <p role="status" class="mt-3 text-emerald-800 empty:hidden dark:text-emerald-300">{move || bulk.outcome.get().and_then(Result::ok)}</p>
        <p role="alert" class="mt-3 text-red-700 empty:hidden dark:text-red-300">{move || bulk.outcome.get().and_then(Result::err).map(|e| e.to_string())}</p>
    }
}

/// The action bar: action, reason, apply. `actions` lists (value, label).
#[component]
fn BulkBar(
    bulk: Bulk,
    total: i64,
    actions: &'static [(&'static str, &'static str)],
    apply: Callback<(String, String)>,
) -> impl IntoView {
    let action = RwSignal::new(actions[0].0.to_string());
    let reason = RwSignal::new(String::new());
    let count = move || if bulk.all_matching.get() { total as usize } else { bulk.selected.with(BTreeSet::len) };
    view! {
        <section aria-labelledby="bulk-title" class="mt-4 rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="bulk-title" class="text-lg font-semibold">"Act on the selection"</h2>
            <label class="mt-2 inline-flex min-h-11 items-center gap-2">
                <input type="checkbox" prop:checked=move || bulk.all_matching.get()
                    on:change=move |ev| bulk.all_matching.set(event_target_checked(&ev))/>
                {format!("All {total} that match the filter")}
            </label>
            <div class="mt-2 grid gap-3 sm:grid-cols-[auto_1fr_auto] sm:items-end">
                <div>
                    <label for="bulk-action" class="block font-medium">"Action"</label>
                    <select id="bulk-action" class=INPUT on:change=move |ev| action.set(event_target_value(&ev))>
                        {actions.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="bulk-reason" class="block font-medium">"Reason (recorded, and sent to the seller)"</label>
                    <input id="bulk-reason" type="text" maxlength=REASON_MAX class=INPUT
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                </div>
                <button type="button" class=BUTTON disabled=move || bulk.busy.get() || count() == 0
                    on:click=move |_| apply.run((action.get_untracked(), reason.get_untracked()))>
                    {move || format!("Apply to {} selected", count())}
                </button>
            </div>
        </section>
    }
}

#[component]
pub fn AdminProductsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        ProductFilter { q: get("q"), status: get("status"), category: get("category"), seller: get("seller") }
    });
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || (filter.get(), page.get(), version.get()), |(f, p, _)| admin_products(f, Some(p)));
    let (bulk, apply) = bulk_for(filter, page, version, admin_moderate_products);
    view! {
        <Title text="Listings · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Listings"</h1>
        {move || {
            let f = filter.get();
            view! {
                <form method="get" action="/admin/products" class="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-5 lg:items-end" aria-label="Filter listings">
                    <div><label for="mod-q" class="block font-medium">"Title contains"</label>
                        <input id="mod-q" name="q" type="search" maxlength="200" class=INPUT value=f.q.clone()/></div>
                    <div><label for="mod-status" class="block font-medium">"Status"</label>
                        <select id="mod-status" name="status" class=INPUT>
                            {[("", "Any"), ("active", "On sale"), ("hidden", "Hidden"), ("removed", "Removed"), ("draft", "Draft")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=f.status == v>{l}</option> }).collect_view()}
                        </select></div>
                    <div><label for="mod-category" class="block font-medium">"Category (slug)"</label>
                        <input id="mod-category" name="category" type="text" maxlength="60" class=INPUT value=f.category.clone()/></div>
                    <div><label for="mod-seller" class="block font-medium">"Seller (shop handle)"</label>
                        <input id="mod-seller" name="seller" type="text" maxlength="30" class=INPUT value=f.seller.clone()/></div>
                    <div class="flex gap-3">
                        <button type="submit" class=BUTTON>"Filter"</button>
                        <a href="/admin/products" class=BUTTON_SECONDARY>"Clear"</a>
                    </div>
                </form>
            }
        }}
        <BulkOutcome bulk/>
        {loaded(list, 10, "Loading listings…", move |p: ModProducts| {
            let f = filter.get_untracked();
            let base = query_of(&[("q", &f.q), ("status", &f.status), ("category", &f.category), ("seller", &f.seller)]);
            view! { <ProductTable p bulk apply base/> }
        })}
    }
}

#[component]
fn ProductTable(p: ModProducts, bulk: Bulk, apply: Callback<(String, String)>, base: String) -> impl IntoView {
    let pages = page_count(p.total, MODERATION_PAGE_SIZE);
    let on_page: Vec<Uuid> = p.products.iter().map(|x| x.id).collect();
    let all_on_page = {
        let on_page = on_page.clone();
        move || !on_page.is_empty() && bulk.selected.with(|s| on_page.iter().all(|id| s.contains(id)))
    };
    let select_page = move |on: bool| {
        for id in &on_page {
            bulk.toggle(*id, on);
        }
    };
    let noun = if p.total == 1 { "listing matches" } else { "listings match" };
    view! {
        <p role="status" class="mt-4 font-medium">{format!("{} {noun}", p.total)}</p>
        {if p.products.is_empty() {
            view! { <p class=EMPTY>"No listing matches this filter."</p> }.into_any()
        } else {
            view! {
                <BulkBar bulk total=p.total apply actions=&[("hide", "Hide (seller may fix and relist)"), ("remove", "Remove for good"), ("restore", "Restore (back on sale)")]/>
                <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="Listings">
                    <table class="w-full min-w-[44rem] text-left text-sm">
                        <caption class="sr-only">"Listings, newest first"</caption>
                        <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                            <th scope="col" class="w-12 py-2">
                                <label class="inline-flex min-h-11 min-w-11 items-center justify-center">
                                    <span class="sr-only">"Select every listing on this page"</span>
                                    <input type="checkbox" prop:checked=all_on_page on:change=move |ev| select_page(event_target_checked(&ev))/>
                                </label>
                            </th>
                            <th scope="col" class="pr-3">"Title"</th><th scope="col" class="pr-3">"Seller"</th>
                            <th scope="col" class="pr-3">"Status"</th><th scope="col" class="pr-3">"Price"</th><th scope="col">"Listed"</th>
                        </tr></thead>
                        <tbody>
                            {p.products.into_iter().map(|x| {
                                let id = x.id;
                                let label = format!("Select {}", x.title);
                                view! {
                                    <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                        <td>
                                            <label class="inline-flex min-h-11 min-w-11 items-center justify-center">
                                                <span class="sr-only">{label}</span>
                                                <input type="checkbox" prop:checked=move || bulk.selected.with(|s| s.contains(&id))
                                                    on:change=move |ev| bulk.toggle(id, event_target_checked(&ev))/>
                                            </label>
                                        </td>
                                        <td class="py-2 pr-3"><a href=format!("/products/{}", x.slug) class="underline underline-offset-4">{x.title}</a></td>
                                        <td class="pr-3">{x.seller_handle}</td>
                                        <td class="pr-3">{x.status}{x.removed_reason.map(|r| view! { <span class="block text-xs">{format!("Reason: {r}")}</span> })}</td>
                                        <td class="pr-3">{format_minor(x.price_cents, &x.currency)}</td>
                                        <td>{day(x.created_at)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {pager(p.page, pages, move |n| {
            let sep = if base.is_empty() { "" } else { "&" };
            format!("/admin/products?{base}{sep}page={n}")
        })}
    }
}

#[component]
pub fn AdminReviewsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        ReviewFilter { q: get("q"), show: get("show"), rating: get("rating") }
    });
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || (filter.get(), page.get(), version.get()), |(f, p, _)| admin_reviews(f, Some(p)));
    let (bulk, apply) = bulk_for(filter, page, version, admin_moderate_reviews);
    view! {
        <Title text="Reviews · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Reviews"</h1>
        {move || {
            let f = filter.get();
            view! {
                <form method="get" action="/admin/reviews" class="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4 lg:items-end" aria-label="Filter reviews">
                    <div><label for="rev-q" class="block font-medium">"Text contains"</label>
                        <input id="rev-q" name="q" type="search" maxlength="200" class=INPUT value=f.q.clone()/></div>
                    <div><label for="rev-show" class="block font-medium">"Show"</label>
                        <select id="rev-show" name="show" class=INPUT>
                            {[("", "All"), ("reported", "Reported"), ("hidden", "Hidden"), ("shown", "Shown")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=f.show == v>{l}</option> }).collect_view()}
                        </select></div>
                    <div><label for="rev-rating" class="block font-medium">"Stars"</label>
                        <select id="rev-rating" name="rating" class=INPUT>
                            {[("", "Any"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=f.rating == v>{l}</option> }).collect_view()}
                        </select></div>
                    <div class="flex gap-3">
                        <button type="submit" class=BUTTON>"Filter"</button>
                        <a href="/admin/reviews" class=BUTTON_SECONDARY>"Clear"</a>
                    </div>
                </form>
            }
        }}
        <BulkOutcome bulk/>
        {loaded(list, 10, "Loading reviews…", move |r: ModReviews| {
            let f = filter.get_untracked();
            let base = query_of(&[("q", &f.q), ("show", &f.show), ("rating", &f.rating)]);
            view! { <ReviewTable r bulk apply base/> }
        })}
    }
}

#[component]
fn ReviewTable(r: ModReviews, bulk: Bulk, apply: Callback<(String, String)>, base: String) -> impl IntoView {
    let pages = page_count(r.total, MODERATION_PAGE_SIZE);
    let noun = if r.total == 1 { "review matches" } else { "reviews match" };
    view! {
        <p role="status" class="mt-4 font-medium">{format!("{} {noun}", r.total)}</p>
        {if r.reviews.is_empty() {
            view! { <p class=EMPTY>"No review matches this filter."</p> }.into_any()
        } else {
            view! {
                <BulkBar bulk total=r.total apply actions=&[("hide", "Hide"), ("restore", "Show again")]/>
                <ul class="mt-3 space-y-3">
                    {r.reviews.into_iter().map(|x| {
                        let id = x.id;
                        let label = format!("Select the review by {}", x.author);
                        view! {
                            <li class="flex gap-3 rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                                <label class="inline-flex min-h-11 min-w-11 items-start justify-center pt-1">
                                    <span class="sr-only">{label}</span>
                                    <input type="checkbox" prop:checked=move || bulk.selected.with(|s| s.contains(&id))
                                        on:change=move |ev| bulk.toggle(id, event_target_checked(&ev))/>
                                </label>
                                <div class="min-w-0 flex-1">
                                    <p class="font-medium">{format!("{} of 5 stars by {} for {} ({})", x.rating, x.author,
                                        x.product_title.clone().unwrap_or_else(|| "a deleted listing".into()), x.seller_handle)}</p>
                                    <p class="mt-1 break-words">{x.body}</p>
                                    <p class="mt-1 text-sm">{day(x.created_at)}
                                        {(x.open_reports > 0).then(|| format!(" · {} open report(s)", x.open_reports))}
                                        {x.hidden.then(|| format!(" · hidden: {}", x.hidden_reason.clone().unwrap_or_default()))}</p>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {pager(r.page, pages, move |n| {
            let sep = if base.is_empty() { "" } else { "&" };
            format!("/admin/reviews?{base}{sep}page={n}")
        })}
    }
}
