//! What visitors' pages read most, kept in memory for a few seconds: a product page's listing
//! (the busiest read of the app), the home page's grids and the category tree. Without it each
//! product page asked PostgreSQL three questions before it could render.
//!
//! A change made through this instance is seen at once (the writer forgets the product); one
//! made through another instance within [`FRESH_FOR`]. Members never read it: their pages carry
//! their own state (their listing, drafts included).

use std::{future::Future, sync::Arc, time::Duration};

use moka::future::Cache;
use uuid::Uuid;

use super::model::{CategoryTree, HomeCatalogue, ProductDetail};
use crate::error::AppError;

/// How long another instance's change may take to show on a visitor's page.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// Categories change only with a migration (and so a restart).
const CATEGORIES_FOR: Duration = Duration::from_secs(300);
/// Listings kept at most (a few KB each).
const PRODUCTS_KEPT: u64 = 20_000;

/// Cheap to clone: the caches are shared.
#[derive(Clone)]
pub struct PageCache {
    products: Cache<String, Arc<ProductDetail>>,
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

    /// The listing changed here: its page (under any slug it had) and the home grids are read
    /// again.
    pub fn forget(&self, product: Uuid) {
        if let Err(e) = self.products.invalidate_entries_if(move |_, p| p.id == product) {
            // Only when the cache was built without closures; clear it all rather than serve old.
            tracing::warn!(error = %e, "product page cache: clearing all");
            self.products.invalidate_all();
        }
        self.home.invalidate_all();
    }
}

fn unshare(e: Arc<AppError>) -> AppError {
    Arc::unwrap_or_clone(e)
}
