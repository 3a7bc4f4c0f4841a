//! `/sell`: becoming a seller (shop name, then Stripe's onboarding), what Stripe still needs,
//! and the seller's listings with their actions. `/sell/new` and `/sell/products/{id}` edit one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::card::Photo;
use super::listing_form::{FormState, ListingFields, server_error};
use super::photos::PhotoManager;
use crate::features::catalogue::api::{
    ChangeListingStatus, ContinueOnboarding, DeleteListing, StartSelling, create_listing, get_categories,
    get_listing_for_edit, get_sell_dashboard, update_listing,
};
use crate::features::catalogue::model::{
    CategoryTree, EditListing, OwnListing, ProductForm, ProductStatus, SellDashboard, SellerState, StatusChange,
};
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY, FormError, INPUT, TEXT_LINK};
use crate::ui::{go_to, loaded, route_id};

const NOTICE: &str =
    "mt-4 rounded-md border border-indigo-300 bg-indigo-50 p-3 dark:border-indigo-700 dark:bg-indigo-950";

#[component]
pub fn SellPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| get_sell_dashboard());
    let query = use_query_map();
    let notice = move || match query.read().get("onboarding").as_deref() {
        Some("returned") => Some("Welcome back from Stripe. Your shop's status is below."),
        Some("unavailable") => Some("Stripe could not be reached just now. Please try again in a moment."),
        _ => None,
    };
    view! {
        <Title text="Sell"/>
        <h1 class="text-3xl font-bold">"Sell on Threadr"</h1>
        {move || notice().map(|text| view! { <p role="status" class=NOTICE>{text}</p> })}
        {loaded(dashboard, 8, "Loading your shop…", move |d: SellDashboard| view! { <Dashboard d reload=dashboard/> })}
    }
}

#[component]
fn Dashboard(d: SellDashboard, reload: Resource<Result<SellDashboard, crate::error::AppError>>) -> impl IntoView {
    let selling = !matches!(d.state, SellerState::NotSelling { .. });
    view! {
        <ShopState state=d.state.clone()/>
        {selling.then(|| view! {
            <section aria-labelledby="listings-title" class="mt-10">
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <h2 id="listings-title" class="text-xl font-semibold">"Your listings"</h2>
                    <A href="/sell/new" attr:class=BUTTON>"New listing"</A>
                </div>
                <Listings listings=d.listings.clone() reload can_publish=d.state.can_publish()/>
            </section>
        })}
    }
}

#[component]
fn ShopState(state: SellerState) -> impl IntoView {
    match state {
        SellerState::NotSelling { suggested_handle, blocked } => view! { <StartSelling suggested_handle blocked/> }.into_any(),
        SellerState::Onboarding { handle, requirements, disabled_reason } => {
            let resume = ServerAction::<ContinueOnboarding>::new();
            Effect::new(move |_| {
                if let Some(Ok(url)) = resume.value().get() {
                    go_to(&url);
                }
            });
            view! {
                <section aria-labelledby="payments-title" class="mt-6 max-w-2xl rounded-lg border border-amber-400 p-4 dark:border-amber-600">
                    <h2 id="payments-title" class="text-xl font-semibold">"Finish setting up payments"</h2>
                    <p class="mt-2">{format!("Your shop name is {handle}. Stripe pays your sales out to you; before your listings can go on sale, Stripe still needs:")}</p>
                    {disabled_reason.map(|r| view! { <p class="mt-2">{r}</p> })}
                    {if requirements.is_empty() {
                        view! { <p class="mt-2">"Stripe is checking the details you gave. This usually takes a few minutes."</p> }.into_any()
                    } else {
                        view! { <ul class="mt-2 list-disc pl-6">{requirements.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> }.into_any()
                    }}
                    <p class="mt-2">"You can prepare listings as drafts meanwhile."</p>
                    <button type="button" class=format!("{BUTTON} mt-4") disabled=move || resume.pending().get()
                        on:click=move |_| { resume.dispatch(ContinueOnboarding {}); }>"Continue with Stripe"</button>
                    <Show when=move || resume.pending().get()><p role="status" class="mt-2">"Opening Stripe…"</p></Show>
                    <FormError value=resume.value()/>
                </section>
            }.into_any()
        }
        SellerState::Selling { handle } => view! {
            <section aria-labelledby="shop-title" class="mt-6 max-w-2xl rounded-lg border border-emerald-500 p-4 dark:border-emerald-700">
                <h2 id="shop-title" class="text-xl font-semibold">"Your shop is open"</h2>
                <p class="mt-2">"Stripe has everything it needs: your listings can go on sale and you will be paid for each order."</p>
                <A href=format!("/sellers/{handle}") attr:class=TEXT_LINK>"See your public shop page"</A>
            </section>
        }.into_any(),
    }
}

#[component]
fn StartSelling(suggested_handle: String, blocked: Option<String>) -> impl IntoView {
    let start = ServerAction::<StartSelling>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = start.value().get() {
            go_to(&url);
        }
    });
    view! {
        <section aria-labelledby="start-title" class="mt-6 max-w-2xl rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="start-title" class="text-xl font-semibold">"Start selling"</h2>
            <p class="mt-2">"Open a shop in two steps: choose its name here, then tell Stripe, our payments partner, where to pay you. Threadr keeps 5% of each sale."</p>
            {match blocked {
                Some(reason) => view! { <p role="alert" class="mt-4 font-semibold">{reason}</p> }.into_any(),
                None => view! {
                    <ActionForm action=start>
                        <div class="mt-4">
                            <label for="shop-handle" class="block font-medium">"Shop name"</label>
                            <p id="shop-handle-hint" class="text-sm text-slate-700 dark:text-slate-300">
                                "3 to 30 lowercase letters, digits or hyphens. Your shop's address: /sellers/your-name."
                            </p>
                            <input id="shop-handle" name="handle" class=INPUT value=suggested_handle required
                                minlength="3" maxlength="30" autocomplete="off" aria-describedby="shop-handle-hint"/>
                        </div>
                        <button type="submit" class=format!("{BUTTON} mt-4") disabled=move || start.pending().get()>
                            "Start selling"
                        </button>
                    </ActionForm>
                    <Show when=move || start.pending().get()><p role="status" class="mt-2">"Opening Stripe…"</p></Show>
                    <FormError value=start.value()/>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Listings(
    listings: Vec<OwnListing>,
    reload: Resource<Result<SellDashboard, crate::error::AppError>>,
    can_publish: bool,
) -> impl IntoView {
    let status = ServerAction::<ChangeListingStatus>::new();
    let delete = ServerAction::<DeleteListing>::new();
    Effect::new(move |_| {
        if status.version().get() > 0 || delete.version().get() > 0 {
            reload.refetch();
        }
    });
    if listings.is_empty() {
        return view! {
            <p class="mt-4 rounded-md border border-dashed border-slate-400 p-6 text-center">
                "No listings yet. Press New listing to add your first product."
            </p>
        }
        .into_any();
    }
    view! {
        <FormError value=status.value()/>
        <FormError value=delete.value()/>
        <ul aria-label="Your listings" class="mt-4 divide-y divide-slate-200 dark:divide-slate-800">
            {listings.into_iter().map(|l| {
                let id = l.id;
                let title = l.title.clone();
                let delete_label = format!("Delete {}", l.title);
                let confirm_text = format!("Delete “{}”? This cannot be undone.", l.title);
                view! {
                    <li class="flex flex-wrap items-center gap-4 py-3">
                        {match l.image.clone() {
                            Some(image) => view! { <Photo image variant="thumb" sizes="64px" class="h-16 w-16 rounded object-cover"/> }.into_any(),
                            None => view! { <div aria-hidden="true" class="h-16 w-16 rounded bg-slate-100 dark:bg-slate-800"></div> }.into_any(),
                        }}
                        <div class="min-w-0 flex-1">
                            <A href=format!("/sell/products/{id}") attr:class=TEXT_LINK>{l.title.clone()}</A>
                            <p class="text-sm">
                                {format_minor(l.price_cents, &l.currency)} " · " {format!("{} in stock", l.stock)} " · "
                                <span class="font-semibold">{l.status.label()}</span>
                            </p>
                            {l.removed_reason.clone().map(|r| view! { <p class="text-sm">"Reason: " {r}</p> })}
                        </div>
                        <div class="flex flex-wrap gap-2">
                            {match l.status {
                                ProductStatus::Active => view! {
                                    <button type="button" class=BUTTON_SECONDARY aria-label=format!("Pause {title}")
                                        on:click=move |_| { status.dispatch(ChangeListingStatus { id, change: StatusChange::Pause }); }>"Pause"</button>
                                }.into_any(),
                                ProductStatus::Draft | ProductStatus::Hidden if can_publish => view! {
                                    <button type="button" class=BUTTON_SECONDARY aria-label=format!("Put {title} on sale")
                                        on:click=move |_| { status.dispatch(ChangeListingStatus { id, change: StatusChange::Publish }); }>"Put on sale"</button>
                                }.into_any(),
                                _ => ().into_any(),
                            }}
                            {(l.status == ProductStatus::Active).then(|| view! {
                                <A href=format!("/products/{}", l.slug) attr:class=BUTTON_SECONDARY attr:aria-label=format!("View {title}")>"View"</A>
                            })}
                            <button type="button" class=BUTTON_DANGER aria-label=delete_label
                                on:click=move |_| {
                                    if confirmed(&confirm_text) {
                                        delete.dispatch(DeleteListing { id });
                                    }
                                }>"Delete"</button>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The browser's confirmation dialog (always yes on the server, where nothing is clicked).
fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

#[component]
pub fn NewListingPage() -> impl IntoView {
    let categories = Resource::new(|| (), |_| get_categories());
    view! {
        <Title text="New listing"/>
        <A href="/sell" attr:class=TEXT_LINK>"← Back to your listings"</A>
        <h1 class="text-3xl font-bold">"New listing"</h1>
        <p class="mt-2">"Saved as a draft first; add photos next, then put it on sale."</p>
        {loaded(categories, 8, "Loading the form…", |tree: CategoryTree| view! { <NewListing tree/> })}
    }
}

#[component]
fn NewListing(tree: CategoryTree) -> impl IntoView {
    let state = FormState::new(ProductForm::default());
    let create = Action::new(move |form: &ProductForm| create_listing(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            leptos_router::hooks::use_navigate()(&format!("/sell/products/{id}?created=1"), Default::default());
        }
    });
    view! {
        <ListingFields state categories=tree submit="Save draft" pending=create.pending().into()
            on_submit=Callback::new(move |form| { create.dispatch(form); })/>
        <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{move || server_error(create.value().get())}</p>
    }
}

#[component]
pub fn EditListingPage() -> impl IntoView {
    let id = route_id();
    let listing = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_listing_for_edit(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    let categories = Resource::new(|| (), |_| get_categories());
    view! {
        <Title text="Edit listing"/>
        <A href="/sell" attr:class=TEXT_LINK>"← Back to your listings"</A>
        {loaded(listing, 10, "Loading the listing…", move |l: EditListing| view! {
            {loaded(categories, 6, "Loading the form…", move |tree: CategoryTree| {
                let l = l.clone();
                view! { <EditListing l tree reload=listing/> }
            })}
        })}
    }
}

#[component]
fn EditListing(
    l: EditListing,
    tree: CategoryTree,
    reload: Resource<Result<EditListing, crate::error::AppError>>,
) -> impl IntoView {
    let id = l.id;
    let state = FormState::new(l.form.clone());
    let save = Action::new(move |form: &ProductForm| update_listing(id, form.clone()));
    let status = ServerAction::<ChangeListingStatus>::new();
    Effect::new(move |_| {
        if status.version().get() > 0 {
            reload.refetch();
        }
    });
    let created = move || use_query_map().read().get("created").is_some();
    let saved = move || matches!(save.value().get(), Some(Ok(()))).then_some("Changes saved.");
    view! {
        <h1 class="text-3xl font-bold break-words">{l.form.title.clone()}</h1>
        <Show when=created><p role="status" class=NOTICE>"Draft saved. Add photos below, then put it on sale."</p></Show>
        <section aria-labelledby="status-title" class="mt-6 max-w-2xl rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="status-title" class="text-lg font-semibold">"Status: " {l.status.label()}</h2>
            {l.removed_reason.clone().map(|r| view! { <p class="mt-1">"Threadr removed this listing: " {r}</p> })}
            <div class="mt-3 flex flex-wrap items-center gap-3">
                {match l.status {
                    ProductStatus::Active => view! {
                        <button type="button" class=BUTTON_SECONDARY
                            on:click=move |_| { status.dispatch(ChangeListingStatus { id, change: StatusChange::Pause }); }>"Pause listing"</button>
                        <A href=format!("/products/{}", l.slug) attr:class=TEXT_LINK>"View on the marketplace"</A>
                    }.into_any(),
                    ProductStatus::Draft | ProductStatus::Hidden => view! {
                        <button type="button" class=BUTTON
                            on:click=move |_| { status.dispatch(ChangeListingStatus { id, change: StatusChange::Publish }); }>"Put on sale"</button>
                        <A href=format!("/products/{}", l.slug) attr:class=TEXT_LINK>"Preview"</A>
                    }.into_any(),
                    ProductStatus::Removed => ().into_any(),
                }}
            </div>
            {(!l.can_publish && l.status != ProductStatus::Removed).then(|| view! {
                <p class="mt-2">"Finish setting up payments on the " <A href="/sell" attr:class=TEXT_LINK>"Sell page"</A> " before putting it on sale."</p>
            })}
            <FormError value=status.value()/>
        </section>
        <section aria-labelledby="details-title" class="mt-8">
            <h2 id="details-title" class="text-xl font-semibold">"Details"</h2>
            <ListingFields state categories=tree submit="Save changes" pending=save.pending().into()
                on_submit=Callback::new(move |form| { save.dispatch(form); })/>
            <p role="status" class="mt-4 text-emerald-800 empty:hidden dark:text-emerald-300">{saved}</p>
            <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{move || server_error(save.value().get())}</p>
        </section>
        <PhotoManager product=id images=l.images.clone()/>
    }
}
