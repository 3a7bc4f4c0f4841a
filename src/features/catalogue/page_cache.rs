//! What visitors' pages read most, kept in memory for a few seconds: a product page's listing
//! (the busiest read of the app) and the whole page (see [`super::visitor_pages`]), search
//! results' cards, the home page's grids and the category tree. Without it each product page
//! asked PostgreSQL three questions before it could render, and each search one.
//!
//! A change made through this instance is seen at once (the writer forgets the product). One
//! made through another instance is forgotten when this instance's search index applies it
//! (within a second, see `search::sync`), and in any case within [`FRESH_FOR`]. Members never
//! read the listing or the page from here: theirs carry their own state (drafts included).

use std::{collections::HashSet, future::Future, sync::Arc, time::Duration};

use moka::future::Cache;
use uuid::Uuid;

use super::model::{CategoryTree, HomeCatalogue, ProductCard, ProductDetail};
use super::visitor_pages::KeptPage;
use crate::error::AppError;

/// How long another instance's change may take to show on a visitor's page.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// Categories change only with a migration (and so a restart).
const CATEGORIES_FOR: Duration = Duration::from_secs(300);
/// Listings and pages kept at most (a few KB and about 15 KB each).
const PRODUCTS_KEPT: u64 = 20_000;
/// Cards kept at most (a few hundred bytes each).
const CARDS_KEPT: u64 = 100_000;
/// Forgetting more products at once than this clears the product caches instead.
const FORGET_ONE_BY_ONE: usize = 1_000;

/// Cheap to clone: the caches are shared.
#[derive(Clone)]
pub struct PageCache {
    products: Cache<String, Arc<ProductDetail>>,
    /// Whole product pages as HTML, by slug (see [`super::visitor_pages`]).
    pages: Cache<String, Arc<KeptPage>>,
    /// Search results' cards, by product (active products only: a card is what a search shows).
    /// (A synchronous cache: forgetting happens right after commits, in any context.)
    cards: moka::sync::Cache<Uuid, ProductCard>,
    home: Cache<(), Arc<HomeCatalogue>>,
    categories: Cache<(), Arc<CategoryTree>>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self {
            products: Cache::builder()
                .max_capacity(PRODUCTS_KEPT)
                .time_to_live(FRESH_FOR)
                .support_invalidation_closures()
                .build(),
            pages: Cache::builder()
                .max_capacity(PRODUCTS_KEPT)
                .time_to_live(FRESH_FOR)
                .support_invalidation_closures()
                .build(),
            cards: moka::sync::Cache::builder().max_capacity(CARDS_KEPT).time_to_live(FRESH_FOR).build(),
            home: Cache::builder().max_capacity(1).time_to_live(FRESH_FOR).build(),
            categories: Cache::builder().max_capacity(1).time_to_live(CATEGORIES_FOR).build(),
        }
    }
}

impl PageCache {
    /// A visitor's view of the listing at `slug`: from memory, or from `load` (once, however
    /// many requests ask at the same moment). A listing that is not found is not remembered.
    pub async fn product<F>(&self, slug: &str, load: F) -> Result<Arc<ProductDetail>, AppError>
    where
        F: Future<Output = Result<ProductDetail, AppError>>,
    {
        self.products.try_get_with(slug.to_string(), async { load.await.map(Arc::new) }).await.map_err(unshare)
    }

    pub async fn home<F>(&self, load: F) -> Result<Arc<HomeCatalogue>, AppError>
    where
        F: Future<Output = Result<HomeCatalogue, AppError>>,
    {
        self.home.try_get_with((), async { load.await.map(Arc::new) }).await.map_err(unshare)
    }

    pub async fn categories<F>(&self, load: F) -> Result<Arc<CategoryTree>, AppError>
    where
        F: Future<Output = Result<CategoryTree, AppError>>,
    {
        self.categories.try_get_with((), async { load.await.map(Arc::new) }).await.map_err(unshare)
    }

    /// The id of the listing kept at `slug`, if it is kept.
    pub(super) async fn cached_product_id(&self, slug: &str) -> Option<Uuid> {
        self.products.get(slug).await.map(|p| p.id)
    }

    pub(super) async fn kept_page(&self, slug: &str) -> Option<Arc<KeptPage>> {
        self.pages.get(slug).await
    }

    pub(super) async fn keep_page(&self, slug: String, page: Arc<KeptPage>) {
        self.pages.insert(slug, page).await;
    }

    /// Cards of active products in the order of `ids`, those not kept read with `load` (once
    /// for all of them). An id with no card (not on sale) is left out.
    pub async fn cards<F, Fut>(&self, ids: &[Uuid], load: F) -> Result<Vec<ProductCard>, AppError>
    where
        F: FnOnce(Vec<Uuid>) -> Fut,
        Fut: Future<Output = Result<Vec<ProductCard>, sqlx::Error>>,
    {
        let mut found: Vec<Option<ProductCard>> = ids.iter().map(|id| self.cards.get(id)).collect();
        let missing: Vec<Uuid> = ids.iter().zip(&found).filter(|(_, c)| c.is_none()).map(|(id, _)| *id).collect();
        if !missing.is_empty() {
            for card in load(missing).await? {
                if let Some(slot) = ids.iter().position(|id| *id == card.id).and_then(|i| found.get_mut(i)) {
                    *slot = Some(card.clone());
                }
                self.cards.insert(card.id, card);
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// Something shown on the listing's page changed here (its reviews, its favourites): the
    /// whole page is rendered again, from data that may still be kept.
    pub fn forget_page(&self, product: Uuid) {
        if self.pages.invalidate_entries_if(move |_, p| p.product == product).is_err() {
            self.pages.invalidate_all();
        }
    }

    /// The listing changed here: its page, data and card (under any slug it had) and the home
    /// grids are read again.
    pub fn forget(&self, product: Uuid) {
        self.forget_many(&[product]);
    }

    /// Listings changed (here, or elsewhere and now applied to this instance's index).
    pub fn forget_many(&self, products: &[Uuid]) {
        if products.is_empty() {
            return;
        }
        self.home.invalidate_all();
        if products.len() > FORGET_ONE_BY_ONE {
            self.products.invalidate_all();
            self.pages.invalidate_all();
            self.cards.invalidate_all();
            return;
        }
        let ids: Arc<HashSet<Uuid>> = Arc::new(products.iter().copied().collect());
        let (data, pages) = (ids.clone(), ids.clone());
        let forgot = self
            .products
            .invalidate_entries_if(move |_, p| data.contains(&p.id))
            .and_then(|_| self.pages.invalidate_entries_if(move |_, p| pages.contains(&p.product)));
        if let Err(e) = forgot {
            // Only when a cache was built without closures; clear all rather than serve old.
            tracing::warn!(error = %e, "product page cache: clearing all");
            self.products.invalidate_all();
            self.pages.invalidate_all();
        }
        for id in ids.iter() {
            self.cards.invalidate(id);
        }
    }
}

fn unshare(e: Arc<AppError>) -> AppError {
    Arc::unwrap_or_clone(e)
}
