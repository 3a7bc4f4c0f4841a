//! Server functions of the catalogue: the public pages' data (visitors too), and the seller's
//! `/sell` actions (members; each listing query names the seller, so others' are 404).
//! Photo uploads are an axum route (`images::upload`): they stream a file to disk.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{
    CategoryListing, CategoryTree, EditListing, HomeCatalogue, ImageRef, ProductDetail, ProductForm, ProductStatus,
    SearchResults, SellDashboard, SellerPage, StatusChange,
};
use crate::error::AppError;

/// The category tree (every form and filter reads it from here).
#[server(prefix = "/api", endpoint = "catalogue/categories")]
pub async fn get_categories() -> Result<CategoryTree, AppError> {
    let state = crate::server::state::app_state()?;
    Ok(super::categories::cached(&state).await?.as_ref().clone())
}

/// The home page's newest and most viewed listings.
#[server(prefix = "/api", endpoint = "catalogue/home")]
pub async fn get_home_catalogue() -> Result<HomeCatalogue, AppError> {
    let state = crate::server::state::app_state()?;
    let home = state.pages.home(async { Ok(super::public::home(&state.db).await?) }).await?;
    Ok(home.as_ref().clone())
}

/// A product page: on sale, or the viewer's own listing. Anything else is 404.
#[server(prefix = "/api", endpoint = "catalogue/product")]
pub async fn get_product(slug: String) -> Result<ProductDetail, AppError> {
    let state = crate::server::state::app_state()?;
    let viewer = crate::features::accounts::session::current_user().await?.map(|u| u.id);
    let load = async {
        let tree = super::categories::cached(&state).await?;
        let mut product = super::public::product(&state.db, &tree, &slug, viewer).await?.ok_or(AppError::NotFound)?;
        product.base_url = state.config.public_url.as_str().trim_end_matches('/').to_string();
        Ok(product)
    };
    // A visitor's page may come from memory; a member's may show their own draft.
    let product = match viewer {
        None => state.pages.product(&slug, load).await?.as_ref().clone(),
        Some(_) => load.await?,
    };
    if !product.mine {
        super::views::record(product.id);
    }
    Ok(product)
}

/// A seller's public page.
#[server(prefix = "/api", endpoint = "catalogue/seller")]
pub async fn get_seller(handle: String) -> Result<SellerPage, AppError> {
    let state = crate::server::state::app_state()?;
    super::public::seller(&state.db, &handle).await?.ok_or(AppError::NotFound)
}

/// A page of a category's listings (a parent category includes its children's).
#[server(prefix = "/api", endpoint = "catalogue/category")]
pub async fn get_category(slug: String, page: u32) -> Result<CategoryListing, AppError> {
    let state = crate::server::state::app_state()?;
    let tree = super::categories::cached(&state).await?;
    super::public::category(&state.db, &tree, &slug, page).await?.ok_or(AppError::NotFound)
}

/// `/search?…`: the query string as the page has it. Bad parameters answer 400 with what to
/// fix; a query the index cannot answer is answered by PostgreSQL.
#[server(prefix = "/api", endpoint = "catalogue/search")]
pub async fn search_products(query: String) -> Result<SearchResults, AppError> {
    let state = crate::server::state::app_state()?;
    let query = super::search::SearchQuery::parse_query_string(&query).map_err(|e| AppError::invalid(e.to_string()))?;
    super::search_page::results(&state, query).await
}

/// Titles for the header's search box, after 2 characters.
#[server(prefix = "/api", endpoint = "catalogue/suggest")]
pub async fn search_suggestions(text: String) -> Result<Vec<String>, AppError> {
    use super::search::{SUGGEST_MAX, SUGGEST_MIN_CHARS, SearchIndex};
    let text: String = text.chars().take(super::search::query::MAX_QUERY_CHARS).collect();
    if text.trim().chars().count() < SUGGEST_MIN_CHARS {
        return Ok(Vec::new());
    }
    let state = crate::server::state::app_state()?;
    let found = state
        .search
        .service
        .suggest(&text, SUGGEST_MAX)
        .await
        .map_err(|e| crate::server::error::internal("search suggestions", e))?;
    let mut titles: Vec<String> = Vec::new();
    for s in found {
        if !titles.contains(&s.title) {
            titles.push(s.title);
        }
    }
    Ok(titles)
}

/// `/sell`: where the member stands as a seller, and their listings.
#[server(prefix = "/api", endpoint = "sell/dashboard")]
pub async fn get_sell_dashboard() -> Result<SellDashboard, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let seller_state = super::sellers::state_of(&state, &member).await?;
    let listings = super::listings::own(&state.db, member.user().id).await?;
    Ok(SellDashboard { state: seller_state, listings })
}

/// "Start selling": the shop name, then Stripe's onboarding page (the URL to go to).
#[server(prefix = "/api", endpoint = "sell/start")]
pub async fn start_selling(handle: String) -> Result<String, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::sellers::start(&state, &member, &handle).await
}

/// A fresh Stripe onboarding link for a seller who has not finished.
#[server(prefix = "/api", endpoint = "sell/continue-onboarding")]
pub async fn continue_onboarding() -> Result<String, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::sellers::continue_onboarding(&state, &member).await
}

/// A new listing, saved as a draft; returns its id (the edit page adds photos).
#[server(prefix = "/api", endpoint = "sell/create")]
pub async fn create_listing(form: ProductForm) -> Result<Uuid, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listings::create(&state, &member, &form).await
}

#[server(prefix = "/api", endpoint = "sell/listing")]
pub async fn get_listing_for_edit(id: Uuid) -> Result<EditListing, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listings::for_edit(&state, &member, id).await
}

#[server(prefix = "/api", endpoint = "sell/update")]
pub async fn update_listing(id: Uuid, form: ProductForm) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listings::update(&state, &member, id, &form).await
}

/// Put on sale (needs Stripe onboarding finished) or pause.
#[server(prefix = "/api", endpoint = "sell/status")]
pub async fn change_listing_status(id: Uuid, change: StatusChange) -> Result<ProductStatus, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listings::change_status(&state, &member, id, change).await
}

#[server(prefix = "/api", endpoint = "sell/delete")]
pub async fn delete_listing(id: Uuid) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listings::delete(&state, &member, id).await
}

/// Puts a listing's photos in the given order; returns them as stored.
#[server(prefix = "/api", endpoint = "sell/reorder-images")]
pub async fn reorder_images(product: Uuid, order: Vec<Uuid>) -> Result<Vec<ImageRef>, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listing_images::reorder(&state.db, member.user().id, product, &order).await?;
    state.pages.forget(product);
    Ok(super::listings::images(&state.db, product).await?)
}

#[server(prefix = "/api", endpoint = "sell/delete-image")]
pub async fn delete_image(product: Uuid, image: Uuid) -> Result<Vec<ImageRef>, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::listing_images::remove(&state.db, member.user().id, product, image).await?;
    state.pages.forget(product);
    Ok(super::listings::images(&state.db, product).await?)
}
