//! Visitors' product panels (the favourite count, ratings and newest reviews), kept in memory
//! as the catalogue keeps visitors' listings: a change made here is seen at once, one made
//! through another instance within [`catalogue::FRESH_FOR`](crate::features::catalogue::FRESH_FOR).
//! What can be bought is never taken from here: the panel's server function reads it live.

use std::{future::Future, sync::Arc};

use moka::future::Cache;
use uuid::Uuid;

use super::model::ProductPanel;
use crate::error::AppError;

const PANELS_KEPT: u64 = 20_000;

#[derive(Clone)]
pub struct PanelCache(Cache<Uuid, Arc<ProductPanel>>);

impl Default for PanelCache {
    fn default() -> Self {
        Self(Cache::builder().max_capacity(PANELS_KEPT).time_to_live(crate::features::catalogue::FRESH_FOR).build())
    }
}

impl PanelCache {
    /// A visitor's panel of `product`: from memory, or from `load` (once for concurrent asks).
    pub async fn get<F>(&self, product: Uuid, load: F) -> Result<Arc<ProductPanel>, AppError>
    where
        F: Future<Output = Result<ProductPanel, AppError>>,
    {
        self.0.try_get_with(product, async { load.await.map(Arc::new) }).await.map_err(Arc::unwrap_or_clone)
    }

    pub async fn forget(&self, product: Uuid) {
        self.0.invalidate(&product).await;
    }
}

/// The product's panel changed here (a favourite, a review, a reply): a visitor's panel and
/// the whole page it is part of are read again.
pub async fn panel_changed(state: &crate::server::state::AppState, product: Uuid) {
    state.panels.forget(product).await;
    state.pages.forget_page(product);
}
