//! The marketplace catalogue: sellers (Stripe Connect Express onboarding), categories (a
//! two-level tree in the database), products with photos (checked by content, re-encoded into
//! three sizes, kept in object storage), the public pages and search.
//!
//! Pages: `/sell`, `/sell/new`, `/sell/products/{id}`, `/products/{slug}`, `/c/{category}`,
//! `/sellers/{handle}`, `/search`. The home page shows [`HomeCatalogueSections`].

mod api;
pub mod model;
mod pages;

#[cfg(feature = "ssr")]
pub mod cards;
#[cfg(feature = "ssr")]
pub mod categories;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
mod demo_words;
#[cfg(feature = "ssr")]
pub mod images;
#[cfg(feature = "ssr")]
mod listing_images;
#[cfg(feature = "ssr")]
pub mod listings;
#[cfg(feature = "ssr")]
mod page_cache;
#[cfg(feature = "ssr")]
mod photo_upload;
#[cfg(feature = "ssr")]
mod public;
pub mod search;
#[cfg(feature = "ssr")]
mod search_page;
#[cfg(feature = "ssr")]
pub mod sellers;
#[cfg(feature = "ssr")]
pub mod views;
#[cfg(feature = "ssr")]
mod visitor_pages;

pub use api::{
    ChangeListingStatus, ContinueOnboarding, CreateListing, DeleteImage, DeleteListing, GetCategories, GetCategory,
    GetHomeCatalogue, GetListingForEdit, GetProduct, GetSellDashboard, GetSeller, ReorderImages, StartSelling,
    UpdateListing,
};
pub use pages::{
    CategoryPage, EditListingPage, Grid, HeaderSearch, HomeCatalogueSections, NewListingPage, Photo, ProductPage,
    SearchPage, SellPage, SellerShopPage, json_ld,
};

#[cfg(feature = "ssr")]
pub use page_cache::{FRESH_FOR, PageCache};
#[cfg(feature = "ssr")]
pub use sellers::AccountApplied;
#[cfg(feature = "ssr")]
pub use visitor_pages::serve as visitor_pages;

/// `account.updated` from Stripe (billing's webhook hands it over): the seller's account state,
/// unless a newer one is stored.
#[cfg(feature = "ssr")]
pub async fn apply_connect_account(
    tx: &mut sqlx::PgConnection,
    account: &crate::features::billing::ConnectAccount,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<AccountApplied, sqlx::Error> {
    sellers::apply(tx, account, at).await
}

/// The catalogue's axum routes: Stripe onboarding's return and refresh addresses.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    use axum::routing::get;
    use axum::routing::post;
    axum::Router::new()
        .route(sellers::RETURN_PATH, get(onboarding_return))
        .route(sellers::REFRESH_PATH, get(onboarding_refresh))
        .route(photo_upload::ROUTE, post(photo_upload::upload))
        .route(images::MEDIA_ROUTE, get(images::serve_media))
}

/// Whether a request path streams its own (larger) body: photo uploads.
#[cfg(feature = "ssr")]
pub fn reads_own_body(path: &str) -> bool {
    photo_upload::is_upload(path)
}

/// Back from Stripe's onboarding: read the account now (the webhook may come later).
#[cfg(feature = "ssr")]
async fn onboarding_return(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    member: Option<crate::features::accounts::session::Member>,
) -> axum::response::Redirect {
    use axum::response::Redirect;
    let Some(member) = member else { return Redirect::to("/sign-in?next=/sell") };
    match sellers::refresh(&state, &member).await {
        Ok(_) => Redirect::to("/sell?onboarding=returned"),
        Err(_) => Redirect::to("/sell?onboarding=unavailable"),
    }
}

/// Stripe's link expired or was used: make a new one and go straight back.
#[cfg(feature = "ssr")]
async fn onboarding_refresh(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    member: Option<crate::features::accounts::session::Member>,
) -> axum::response::Redirect {
    use axum::response::Redirect;
    let Some(member) = member else { return Redirect::to("/sign-in?next=/sell") };
    match sellers::continue_onboarding(&state, &member).await {
        Ok(url) => Redirect::to(&url),
        Err(_) => Redirect::to("/sell?onboarding=unavailable"),
    }
}

/// Search for this instance: the embedded index when its folder opens (another instance
/// holding the same folder, or a disk error, leaves it on PostgreSQL's full text, logged).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Search {
    pub service: search::SearchService,
    embedded: bool,
}

#[cfg(feature = "ssr")]
impl Search {
    pub fn open(dir: &std::path::Path, db: sqlx::PgPool) -> Self {
        use std::sync::Arc;
        let fallback: Arc<dyn search::SearchIndex> = Arc::new(search::PostgresSearch::new(db));
        match search::TantivyIndex::open(dir) {
            Ok(index) => Self { service: search::SearchService::new(Arc::new(index), fallback), embedded: true },
            Err(e) => {
                tracing::error!(error = %e, dir = %dir.display(), "search index not opened; searching with PostgreSQL");
                Self { service: search::SearchService::new(fallback.clone(), fallback), embedded: false }
            }
        }
    }
}

/// The catalogue's background work: the search index kept current (built first if need be),
/// product views written every few seconds, deleted photos' files removed every minute.
#[cfg(feature = "ssr")]
pub fn spawn_background(state: crate::server::state::AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let sweeper = state.clone();
    let mut tasks = Vec::new();
    if state.search.embedded {
        let pages = state.pages.clone();
        let applier = state.search.service.clone().on_applied(std::sync::Arc::new(move |ids| pages.forget_many(ids)));
        tasks.push(applier.spawn_applier(state.db.clone()));
    }
    tasks.extend([
        tokio::spawn(views::run(state.db.clone())),
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                if let Err(e) = photo_upload::sweep_orphans(&sweeper).await {
                    tracing::warn!(error = %e, "deleted photos' files not swept; trying again in a minute");
                }
            }
        }),
    ]);
    tasks
}

/// Removes the files of deleted photos now (the background sweep does it every minute).
#[cfg(feature = "ssr")]
pub async fn sweep_deleted_photos(state: &crate::server::state::AppState) -> Result<usize, sqlx::Error> {
    photo_upload::sweep_orphans(state).await
}
