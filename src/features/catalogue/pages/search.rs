//! `/search?q=…`: the query and filters live in the URL (a plain GET form, so it works without
//! JavaScript and every result page can be shared), results as cards, category counts as
//! links, sorts, pages. The header's box suggests titles after two characters.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{A, Form},
    hooks::use_location,
};

use super::card::{Grid, GridSkeleton};
use crate::features::catalogue::api::{search_products, search_suggestions};
use crate::features::catalogue::model::{Condition, SearchResults};
use crate::features::catalogue::search::{SUGGEST_MIN_CHARS, SearchQuery, Sort, query::format_price};
use crate::ui::ErrorPage;
use crate::ui::form::{BUTTON, INPUT, TEXT_LINK};

fn sort_label(sort: Sort) -> &'static str {
    match sort {
        Sort::Relevance => "Best match",
        Sort::Newest => "Newest first",
        Sort::PriceAsc => "Price: low to high",
        Sort::PriceDesc => "Price: high to low",
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let location = use_location();
    let results = Resource::new(move || location.search.get(), search_products);
    view! {
        <Title text="Search the marketplace"/>
        <h1 class="text-3xl font-bold">"Search the marketplace"</h1>
        <Transition fallback=move || view! { <GridSkeleton label="Searching…"/> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(r) => view! { <Results r/> }.into_any(),
                    Err(error) => view! { <SearchForm query=SearchQuery::default() tree=Default::default()/> <ErrorPage error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Results(r: SearchResults) -> impl IntoView {
    let q = r.query.clone();
    let heading =
        if q.q.trim().is_empty() { "All listings".to_string() } else { format!("Results for “{}”", q.q.trim()) };
    let count = match r.total {
        0 => "No listings found".to_string(),
        1 => "1 listing".to_string(),
        n => format!("{n} listings"),
    };
    let link = move |query: SearchQuery| format!("/search?{}", query.to_query_string());
    let page_link = {
        let q = q.clone();
        move |n: u32| link(q.with_page(n))
    };
    let empty = if q.q.trim().is_empty() {
        "Nothing matches these filters. Remove a filter to see more.".to_string()
    } else {
        "No listings match. Check the spelling, use fewer words, or remove a filter.".to_string()
    };
    view! {
        <Title text=heading.clone()/>
        <SearchForm query=q.clone() tree=r.tree.clone()/>
        <div class="mt-6 flex flex-wrap items-baseline justify-between gap-2">
            <h2 class="text-xl font-semibold">{heading}</h2>
            <p role="status">{count}</p>
        </div>
        {r.fallback.then(|| view! {
            <p class="mt-2 text-sm">"Search is warming up: for a minute only exact words match (no spelling help)."</p>
        })}
        <div class="mt-4 grid gap-6 md:grid-cols-[14rem_1fr]">
            <nav aria-label="Narrow by category">
                {(!r.categories.is_empty()).then(|| view! {
                    <h3 class="font-semibold">"Categories"</h3>
                    <ul class="mt-2">
                        {r.categories.iter().map(|f| {
                            let mut narrowed = q.clone();
                            narrowed.category = Some(f.slug.clone());
                            narrowed.page = 1;
                            let current = q.category.as_deref() == Some(f.slug.as_str());
                            let class = if f.child { "pl-4" } else { "" };
                            view! {
                                <li class=class>
                                    <A href=link(narrowed) attr:class=TEXT_LINK attr:aria-current=current.then_some("true")>
                                        {format!("{} ({})", f.name, f.count)}
                                    </A>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {q.category.is_some().then(|| {
                        let mut all = q.clone();
                        all.category = None;
                        all.page = 1;
                        view! { <A href=link(all) attr:class=TEXT_LINK>"All categories"</A> }
                    })}
                })}
            </nav>
            <div>
                <Grid cards=r.cards label="Search results".to_string() empty eager=4/>
                {crate::ui::pager(r.page, r.pages, page_link)}
            </div>
        </div>
    }
}

/// The filters as a GET form to `/search`: the same URL with or without JavaScript.
#[component]
fn SearchForm(query: SearchQuery, tree: crate::features::catalogue::model::CategoryTree) -> impl IntoView {
    let price = |cents: Option<i64>| cents.map(format_price).unwrap_or_default();
    let rating = query.min_rating_tenths.map(|t| format!("{}", f32::from(t) / 10.0)).unwrap_or_default();
    let chosen = query.category.clone().unwrap_or_default();
    view! {
        <Form method="GET" action="/search" attr:class="mt-4 rounded-lg border border-slate-300 p-4 dark:border-slate-700" attr:role="search" attr:aria-label="Search and filters">
            <div class="flex flex-wrap items-end gap-3">
                <div class="min-w-0 flex-1">
                    <label for="search-q" class="block font-medium">"Search for"</label>
                    <input id="search-q" type="search" name="q" value=query.q.clone() class=INPUT maxlength="200"/>
                </div>
                <button type="submit" class=BUTTON>"Search"</button>
            </div>
            <div class="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                <div>
                    <label for="search-category" class="block font-medium">"Category"</label>
                    <select id="search-category" name="category" class=INPUT>
                        <option value="">"All categories"</option>
                        {tree.0.into_iter().map(|top| {
                            let all = format!("All of {}", top.name);
                            let top_selected = chosen == top.slug;
                            let children = top.children.into_iter().map(|c| {
                                let selected = chosen == c.slug;
                                view! { <option value=c.slug selected=selected>{c.name}</option> }
                            }).collect_view();
                            view! {
                                <optgroup label=top.name>
                                    <option value=top.slug selected=top_selected>{all}</option>
                                    {children}
                                </optgroup>
                            }
                        }).collect_view()}
                    </select>
                </div>
                <div class="grid grid-cols-2 gap-2">
                    <div>
                        <label for="search-min" class="block font-medium">"Min price"</label>
                        <input id="search-min" name="min_price" inputmode="decimal" value=price(query.min_price_cents) class=INPUT/>
                    </div>
                    <div>
                        <label for="search-max" class="block font-medium">"Max price"</label>
                        <input id="search-max" name="max_price" inputmode="decimal" value=price(query.max_price_cents) class=INPUT/>
                    </div>
                </div>
                <div>
                    <label for="search-rating" class="block font-medium">"Seller rating"</label>
                    <select id="search-rating" name="min_rating" class=INPUT>
                        <option value="">"Any"</option>
                        {["4.5", "4", "3"].map(|r| view! { <option value=r selected=rating == r>{format!("{r} stars and up")}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="search-sort" class="block font-medium">"Sort by"</label>
                    <select id="search-sort" name="sort" class=INPUT>
                        {Sort::ALL.map(|s| view! { <option value=s.as_str() selected=query.sort == s>{sort_label(s)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <fieldset class="mt-3 flex flex-wrap items-center gap-x-4">
                <legend class="font-medium">"Condition"</legend>
                {Condition::ALL.map(|c| {
                    let id = format!("search-condition-{}", c.as_str());
                    let label_for = id.clone();
                    let checked = query.conditions.contains(&c);
                    view! {
                        <label for=label_for class="inline-flex min-h-11 items-center gap-2">
                            <input id=id type="checkbox" name="condition" value=c.as_str() checked=checked class="h-5 w-5"/>
                            {c.label()}
                        </label>
                    }
                }).collect_view()}
                <label for="search-stock" class="inline-flex min-h-11 items-center gap-2">
                    <input id="search-stock" type="checkbox" name="in_stock" value="1" checked=query.in_stock class="h-5 w-5"/>
                    "In stock only"
                </label>
            </fieldset>
        </Form>
    }
}

/// The header's search box: a GET form to `/search`, with matching titles suggested (a
/// datalist the browser shows and reads out) once two characters are typed.
#[component]
pub fn HeaderSearch() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let suggestions = Resource::new(
        move || text.get(),
        |typed| async move {
            if typed.trim().chars().count() < SUGGEST_MIN_CHARS {
                return Vec::new();
            }
            search_suggestions(typed).await.unwrap_or_default()
        },
    );
    view! {
        <Form method="GET" action="/search" attr:role="search" attr:aria-label="Marketplace" attr:class="flex items-center gap-2">
            <label for="header-search" class="sr-only">"Search the marketplace"</label>
            <input id="header-search" type="search" name="q" list="header-search-suggestions" autocomplete="off"
                placeholder="Search the marketplace" maxlength="200"
                class="min-h-11 w-full min-w-0 rounded-md border border-slate-400 bg-white px-3 sm:w-56 dark:border-slate-600 dark:bg-slate-900"
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <datalist id="header-search-suggestions">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        suggestions.await.into_iter().map(|title| view! { <option value=title></option> }).collect_view()
                    })}
                </Transition>
            </datalist>
            <button type="submit" class="inline-flex min-h-11 min-w-11 items-center justify-center rounded-md bg-indigo-700 px-3 font-semibold text-white hover:bg-indigo-800">
                "Search"
            </button>
        </Form>
    }
}
