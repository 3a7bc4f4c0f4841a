//! What the index holds for a product, and the SQL that reads it from PostgreSQL: for the
//! products an outbox batch names, and for every active product (a rebuild).
//!
//! Only `active` products are documents; any other status, or a deleted row, is a deletion.

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

use super::{Condition, DocStream, SearchError};

/// A product as the index sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductDoc {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub category_id: i32,
    pub category_slug: String,
    pub category_name: String,
    /// The parent category, when the product sits in a sub-category.
    pub parent: Option<ParentCategory>,
    pub seller_name: String,
    pub price_cents: i64,
    pub condition: Condition,
    pub in_stock: bool,
    /// The seller's reviews: `(total, count)`, `None` before the first review.
    pub rating: Option<(i32, i32)>,
    /// When it went on sale (its creation time if it never had a publication time).
    pub published_at: DateTime<Utc>,
    pub view_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentCategory {
    pub id: i32,
    pub slug: String,
    pub name: String,
}

impl ProductDoc {
    /// The seller's average rating in thousandths of a star, rounded down (`None` without
    /// reviews). A filter "at least r tenths" is exactly `milli >= r * 100`, the same test as
    /// PostgreSQL's `rating_total * 10 >= r * rating_count`.
    pub fn rating_milli(&self) -> Option<u64> {
        let (total, count) = self.rating?;
        if count <= 0 || total < 0 {
            return None;
        }
        Some(u64::try_from(i64::from(total) * 1000 / i64::from(count)).unwrap_or(0))
    }

    /// The category slugs a category filter matches this product by: its own and its parent's.
    pub fn category_slugs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.category_slug.as_str()).chain(self.parent.as_ref().map(|p| p.slug.as_str()))
    }

    /// The category names searched as text (the parent's too: "shoes" finds Clothing → Shoes,
    /// "clothing" finds it as well).
    pub fn category_text(&self) -> String {
        match &self.parent {
            Some(p) => format!("{} {}", self.category_name, p.name),
            None => self.category_name.clone(),
        }
    }
}

/// The row the SQL below returns.
#[derive(FromRow)]
struct DocRow {
    id: Uuid,
    slug: String,
    title: String,
    description: String,
    price_cents: i64,
    stock: i32,
    condition: String,
    view_count: i64,
    published_at: DateTime<Utc>,
    category_id: i32,
    category_slug: String,
    category_name: String,
    parent_id: Option<i32>,
    parent_slug: Option<String>,
    parent_name: Option<String>,
    seller_name: String,
    rating_total: i32,
    rating_count: i32,
}

impl TryFrom<DocRow> for ProductDoc {
    type Error = SearchError;

    fn try_from(r: DocRow) -> Result<Self, SearchError> {
        let condition = Condition::parse(&r.condition)
            .ok_or_else(|| SearchError::BadDocument { id: r.id, reason: format!("condition {:?}", r.condition) })?;
        let parent = match (r.parent_id, r.parent_slug, r.parent_name) {
            (Some(id), Some(slug), Some(name)) => Some(ParentCategory { id, slug, name }),
            _ => None,
        };
        Ok(ProductDoc {
            id: r.id,
            slug: r.slug,
            title: r.title,
            description: r.description,
            category_id: r.category_id,
            category_slug: r.category_slug,
            category_name: r.category_name,
            parent,
            seller_name: r.seller_name,
            price_cents: r.price_cents,
            condition,
            in_stock: r.stock > 0,
            rating: (r.rating_count > 0).then_some((r.rating_total, r.rating_count)),
            published_at: r.published_at,
            view_count: r.view_count,
        })
    }
}

/// The columns of a document; the `WHERE` is added by each query.
const SELECT_DOCS: &str = "
SELECT p.id, p.slug, p.title, p.description, p.price_cents, p.stock, p.condition::text AS condition,
       p.view_count, coalesce(p.published_at, p.created_at) AS published_at,
       c.id AS category_id, c.slug AS category_slug, c.name AS category_name,
       pc.id AS parent_id, pc.slug AS parent_slug, pc.name AS parent_name,
       u.display_name AS seller_name, s.rating_total, s.rating_count
  FROM products p
  JOIN categories c ON c.id = p.category_id
  LEFT JOIN categories pc ON pc.id = c.parent_id
  JOIN sellers s ON s.user_id = p.seller_id
  JOIN users u ON u.id = p.seller_id
 WHERE p.status = 'active'";

/// The current documents of those of `ids` that are active; the others (hidden, draft,
/// removed, deleted) are absent from the result and are to be deleted from the index.
pub async fn load_docs<'e>(db: impl PgExecutor<'e>, ids: &[Uuid]) -> Result<Vec<ProductDoc>, SearchError> {
    let sql = format!("{SELECT_DOCS} AND p.id = ANY($1)");
    let rows: Vec<DocRow> = sqlx::query_as(&sql).bind(ids).fetch_all(db).await?;
    rows.into_iter().map(ProductDoc::try_from).collect()
}

/// Every active product, streamed (run it inside a repeatable-read transaction so the
/// rebuild sees one consistent catalogue; see `sync::reindex`).
pub fn stream_all<'e>(db: impl PgExecutor<'e> + 'e) -> DocStream<'e> {
    sqlx::query_as::<_, DocRow>(SELECT_DOCS)
        .fetch(db)
        .map_err(SearchError::from)
        .and_then(|row| futures::future::ready(ProductDoc::try_from(row)))
        .boxed()
}
