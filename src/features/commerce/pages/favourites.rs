//! The heart on cards and product pages, and `/favourites`. Without JavaScript the heart is a
//! plain form posting to the server function (the browser comes back to the page); with it, it
//! toggles in place. Visitors get a link to sign in instead.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_location};
use uuid::Uuid;

use crate::features::catalogue::model::ProductCard;
use crate::features::commerce::api::{ToggleFavourite, get_favourite_ids, get_favourites};
use crate::ui::form::{BUTTON, FormError};
use crate::ui::loaded;

/// The member's favourite ids, read once per page (`None` for visitors), and the toggles made
/// on this page since.
#[derive(Clone, Copy)]
pub struct Favourites {
    ids: Resource<Result<Option<Vec<Uuid>>, crate::error::AppError>>,
    changed: RwSignal<Vec<(Uuid, bool)>>,
}

pub fn provide_favourites() {
    let ids = Resource::new(|| (), |_| get_favourite_ids());
    provide_context(Favourites { ids, changed: RwSignal::new(Vec::new()) });
}

const HEART: &str = "inline-flex min-h-11 min-w-11 items-center justify-center rounded-full border border-slate-300 bg-white text-xl text-rose-700 hover:bg-rose-50 dark:border-slate-700 dark:bg-slate-900 dark:text-rose-300 dark:hover:bg-slate-800";

#[component]
pub fn FavouriteHeart(product: Uuid, title: String) -> impl IntoView {
    let Some(favourites) = use_context::<Favourites>() else { return ().into_any() };
    let location = use_location();
    let title = StoredValue::new(title);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match favourites.ids.await {
                    Ok(Some(ids)) => {
                        let initial = ids.contains(&product);
                        view! { <HeartForm product title=title.get_value() initial favourites/> }.into_any()
                    }
                    _ => {
                        let next = format!("/sign-in?next={}", location.pathname.get_untracked());
                        view! {
                            <A href=next attr:aria-label=format!("Sign in to save {} to favourites", title.get_value())
                                attr:class=HEART>
                                <span aria-hidden="true">"♡"</span>
                            </A>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn HeartForm(product: Uuid, title: String, initial: bool, favourites: Favourites) -> impl IntoView {
    let toggle = ServerAction::<ToggleFavourite>::new();
    Effect::new(move |_| {
        if let Some(Ok(on)) = toggle.value().get() {
            favourites.changed.update(|c| c.push((product, on)));
        }
    });
    let saved =
        move || favourites.changed.read().iter().rev().find(|(id, _)| *id == product).map_or(initial, |(_, on)| *on);
    let label =
        move || if saved() { format!("Remove {title} from favourites") } else { format!("Save {title} to favourites") };
    view! {
        <ActionForm action=toggle attr:class="inline">
            <input type="hidden" name="product" value=product.to_string()/>
            <button type="submit" aria-label=label aria-pressed=move || saved().to_string() class=HEART>
                <span aria-hidden="true">{move || if saved() { "♥" } else { "♡" }}</span>
            </button>
        </ActionForm>
        <FormError value=toggle.value()/>
    }
}

#[component]
pub fn FavouritesPage() -> impl IntoView {
    let cards = Resource::new(|| (), |_| get_favourites());
    view! {
        <Title text="Your favourites"/>
        <h1 class="text-3xl font-bold">"Your favourites"</h1>
        {loaded(cards, 6, "Loading your favourites…", |cards: Vec<ProductCard>| {
            if cards.is_empty() {
                view! {
                    <div class="mt-6 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                        <p>"Nothing saved yet. Press the heart on a listing to keep it here."</p>
                        <p class="mt-4"><A href="/search" attr:class=BUTTON>"Browse the marketplace"</A></p>
                    </div>
                }.into_any()
            } else {
                view! { <crate::features::catalogue::Grid cards label="Your favourites".to_string() empty=String::new() eager=4/> }.into_any()
            }
        })}
    }
}
