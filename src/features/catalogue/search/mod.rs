//! Marketplace search: `/search?q=…` and the header box's suggestions.
//!
//! Everything goes through one [`SearchIndex`] trait. The default implementation is an
//! embedded tantivy index on local disk, one per app instance ([`TantivyIndex`]), built from
//! PostgreSQL (the source of truth) and kept current by [`sync`] from the `search_outbox` the
//! catalogue's triggers write in the same transaction as each product change. PostgreSQL's
//! own full text ([`PostgresSearch`]) answers while an instance's index is empty, stale or
//! being rebuilt ([`SearchService`] routes between them). A search cluster would be one more
//! file implementing the trait: it takes documents and deletions with the outbox id they
//! bring the index to, and answers with product ids (pages load their cards from PostgreSQL).

pub mod query;

#[cfg(feature = "ssr")]
pub mod document;
#[cfg(feature = "ssr")]
pub mod postgres;
#[cfg(feature = "ssr")]
pub mod sync;
#[cfg(feature = "ssr")]
pub mod tantivy_index;

pub use query::{Condition, QueryError, SearchQuery, Sort, Word};

#[cfg(feature = "ssr")]
pub use {
    document::ProductDoc,
    postgres::PostgresSearch,
    sync::{CatchUp, OutboxCursor, SearchService, catch_up_once, prune_outbox, reindex, reindex_dir},
    tantivy_index::TantivyIndex,
};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One page of results: product ids in order (the page loads their cards from PostgreSQL),
/// how many matched in all, and how the matches spread over categories and conditions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub ids: Vec<Uuid>,
    /// Every product that matched, not only this page.
    pub total: u64,
    pub page: u32,
    /// Matches per category id over the whole result. A product counts for its own category
    /// and, when that is a sub-category, for its parent too.
    pub categories: Vec<CategoryCount>,
    /// Matches per condition over the whole result (conditions with none left out).
    pub conditions: Vec<(Condition, u64)>,
    /// Which engine answered: the fallback has no typo tolerance, the page may say so.
    pub engine: Engine,
}

impl SearchPage {
    /// Pages there are (at most [`query::MAX_PAGE`]).
    pub fn page_count(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(query::PAGE_SIZE));
        u32::try_from(pages).unwrap_or(u32::MAX).min(query::MAX_PAGE)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category_id: i32,
    pub count: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    #[default]
    Index,
    /// PostgreSQL full text while the index catches up: exact words and prefixes only.
    Fallback,
}

/// A suggestion for the header box: a product whose title matches what is typed so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub product_id: Uuid,
    pub slug: String,
    pub title: String,
}

/// Suggestions start after this many characters.
pub const SUGGEST_MIN_CHARS: usize = 2;
/// Most suggestions the header box asks for.
pub const SUGGEST_MAX: usize = 10;

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use super::{ProductDoc, SearchPage, SearchQuery, Suggestion};
    use futures::stream::BoxStream;
    use uuid::Uuid;

    /// Documents for a rebuild, streamed from PostgreSQL (a million products do not fit in
    /// one `Vec` comfortably).
    pub type DocStream<'a> = BoxStream<'a, Result<ProductDoc, SearchError>>;

    /// A search engine over the catalogue's active products.
    ///
    /// Writes carry the highest `search_outbox` id they include, and the engine keeps it with
    /// the documents (atomically: a crash leaves both old or both new), so any instance can
    /// resume from [`SearchIndex::applied_through`] after a restart.
    #[async_trait::async_trait]
    pub trait SearchIndex: Send + Sync {
        /// One page of ids for the query, with the total and facet counts.
        async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError>;

        /// Products whose title matches `text` as typed so far (the last word as a prefix).
        async fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError>;

        /// Upserts `docs` (by id), removes `delete` and records `through_outbox_id`, in one
        /// commit. Re-applying the same change is harmless.
        async fn apply(
            &self,
            docs: Vec<ProductDoc>,
            delete: Vec<Uuid>,
            through_outbox_id: i64,
        ) -> Result<(), SearchError>;

        /// The last outbox id this index committed; `None` for an index that was never built
        /// (or whose format changed): it must be rebuilt before it can answer.
        async fn applied_through(&self) -> Result<Option<i64>, SearchError>;

        /// Replaces every document with `docs` and records `through_outbox_id`. Searches keep
        /// seeing the old contents until the new ones are committed.
        async fn rebuild(&self, docs: DocStream<'_>, through_outbox_id: i64) -> Result<u64, SearchError>;
    }

    #[derive(Debug, thiserror::Error)]
    pub enum SearchError {
        #[error("search database query failed: {0}")]
        Database(#[from] sqlx::Error),
        #[error("search index failed: {0}")]
        Index(String),
        #[error("search index directory {path}: {source}")]
        Io { path: String, source: std::io::Error },
        #[error("search index task failed: {0}")]
        Task(String),
        #[error("the search index must be rebuilt (never built, another format, or behind the pruned outbox)")]
        NotBuilt,
        #[error("stored product {id} cannot be indexed: {reason}")]
        BadDocument { id: Uuid, reason: String },
    }

    impl From<tokio::task::JoinError> for SearchError {
        fn from(e: tokio::task::JoinError) -> Self {
            SearchError::Task(e.to_string())
        }
    }
}
