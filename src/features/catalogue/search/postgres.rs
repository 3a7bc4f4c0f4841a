//! The fallback [`SearchIndex`]: PostgreSQL's full text over `products.search_vector` (title
//! weight A, category and seller names B, description C; the `simple` configuration). It
//! answers while an instance's own index is empty, stale or being rebuilt.
//!
//! Same filters, sorts, pages and counts as the index, with what PostgreSQL's text search can
//! do: every word must match exactly and the last one as a prefix (`word:*`), ranked by
//! `ts_rank_cd` over all weights (the index ranks description-only matches by views instead).
//! No typo tolerance, and no accent folding of the stored text (`simple` keeps "café"): a
//! query "café" finds it, a query "cafe" does not.

use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::query::Word;
use super::{
    CategoryCount, Condition, DocStream, Engine, ProductDoc, SearchError, SearchIndex, SearchPage, SearchQuery, Sort,
    Suggestion,
};

/// `ts_rank_cd` weights for D, C, B, A: a title word counts most.
const WEIGHTS: &str = "{0.1, 0.3, 0.6, 1.0}";

#[derive(Clone)]
pub struct PostgresSearch {
    db: PgPool,
}

impl PostgresSearch {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

/// The `to_tsquery('simple', …)` text for the words: each word in its folded form and, when
/// different, as typed (the stored text keeps accents); the last one as a prefix. Words are
/// letters and digits only (the splitter drops everything else), so nothing in them is
/// tsquery syntax; the text is still bound as a parameter, never spliced into SQL.
pub fn tsquery(words: &[Word]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let one = |text: &str, prefix: bool| format!("'{}'{}", text.replace('\'', "''"), if prefix { ":*" } else { "" });
    let parts: Vec<String> = words
        .iter()
        .map(|w| {
            if w.original != w.text {
                format!("({} | {})", one(&w.text, w.prefix), one(&w.original, w.prefix))
            } else {
                one(&w.text, w.prefix)
            }
        })
        .collect();
    Some(parts.join(" & "))
}

/// Appends the `FROM … WHERE …` every query shares: active products matching the text and
/// the filters. Binds `$tsquery` first when there are words.
fn push_from_where<'a>(b: &mut QueryBuilder<'a, Postgres>, q: &'a SearchQuery, ts: Option<&'a String>) {
    b.push(
        " FROM products p JOIN categories c ON c.id = p.category_id JOIN sellers s ON s.user_id = p.seller_id \
         WHERE p.status = 'active'",
    );
    if let Some(ts) = ts {
        b.push(" AND p.search_vector @@ to_tsquery('simple', ").push_bind(ts).push(")");
    }
    if let Some(slug) = &q.category {
        b.push(" AND p.category_id IN (SELECT k.id FROM categories k LEFT JOIN categories kp ON kp.id = k.parent_id WHERE k.slug = ")
            .push_bind(slug)
            .push(" OR kp.slug = ")
            .push_bind(slug)
            .push(")");
    }
    if let Some(lo) = q.min_price_cents {
        b.push(" AND p.price_cents >= ").push_bind(lo);
    }
    if let Some(hi) = q.max_price_cents {
        b.push(" AND p.price_cents <= ").push_bind(hi);
    }
    if !q.conditions.is_empty() {
        let names: Vec<&'static str> = q.conditions.iter().map(|c| c.as_str()).collect();
        b.push(" AND p.condition::text = ANY(").push_bind(names).push(")");
    }
    if q.in_stock {
        b.push(" AND p.stock > 0");
    }
    if let Some(tenths) = q.min_rating_tenths {
        b.push(" AND s.rating_count > 0 AND s.rating_total * 10 >= ")
            .push_bind(i32::from(tenths))
            .push(" * s.rating_count");
    }
}

#[async_trait::async_trait]
impl SearchIndex for PostgresSearch {
    async fn search(&self, q: &SearchQuery) -> Result<SearchPage, SearchError> {
        let ts = tsquery(&q.words());
        let sort = if ts.is_none() && q.sort == Sort::Relevance { Sort::Newest } else { q.sort };

        let mut page = QueryBuilder::new("SELECT p.id");
        push_from_where(&mut page, q, ts.as_ref());
        match (sort, &ts) {
            (Sort::Relevance, Some(ts)) => page
                .push(" ORDER BY ts_rank_cd(")
                .push_bind(WEIGHTS)
                .push("::float4[], p.search_vector, to_tsquery('simple', ")
                .push_bind(ts)
                .push(")) DESC, coalesce(p.published_at, p.created_at) DESC, p.id"),
            (Sort::Relevance | Sort::Newest, _) => {
                page.push(" ORDER BY coalesce(p.published_at, p.created_at) DESC, p.id")
            }
            (Sort::PriceAsc, _) => page.push(" ORDER BY p.price_cents ASC, p.id"),
            (Sort::PriceDesc, _) => page.push(" ORDER BY p.price_cents DESC, p.id"),
        };
        page.push(" LIMIT ").push_bind(q.limit() as i64).push(" OFFSET ").push_bind(q.offset() as i64);

        // Counts: per (category, parent) and per condition in one pass over the matches.
        let mut facets = QueryBuilder::new(
            "SELECT p.category_id, c.parent_id, p.condition::text AS condition, count(*) AS n, \
             GROUPING(p.condition) AS by_category",
        );
        push_from_where(&mut facets, q, ts.as_ref());
        facets.push(" GROUP BY GROUPING SETS ((p.category_id, c.parent_id), (p.condition))");

        let (ids, rows) = tokio::try_join!(
            page.build_query_scalar::<Uuid>().fetch_all(&self.db),
            facets.build_query_as::<(Option<i32>, Option<i32>, Option<String>, i64, i32)>().fetch_all(&self.db),
        )?;

        let mut categories: Vec<CategoryCount> = Vec::new();
        let mut conditions: Vec<(Condition, u64)> = Vec::new();
        let mut total = 0u64;
        let mut bump = |id: i32, n: u64| match categories.iter_mut().find(|c| c.category_id == id) {
            Some(c) => c.count += n,
            None => categories.push(CategoryCount { category_id: id, count: n }),
        };
        for (category, parent, condition, n, by_category) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            if by_category == 1 {
                if let Some(id) = category {
                    bump(id, n);
                }
                if let Some(id) = parent {
                    bump(id, n);
                }
            } else if let Some(c) = condition.as_deref().and_then(Condition::parse) {
                total += n;
                conditions.push((c, n));
            }
        }
        categories.sort_by_key(|c| c.category_id);
        conditions.sort();
        Ok(SearchPage { ids, total, page: q.page, categories, conditions, engine: Engine::Fallback })
    }

    async fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let Some(ts) = tsquery(&super::query::words(text)) else { return Ok(Vec::new()) };
        // The vector narrows to candidates through its index; the title decides.
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "SELECT p.id, p.slug, p.title FROM products p
              WHERE p.status = 'active' AND p.search_vector @@ to_tsquery('simple', $1)
                AND to_tsvector('simple', p.title) @@ to_tsquery('simple', $1)
              ORDER BY ts_rank_cd(to_tsvector('simple', p.title), to_tsquery('simple', $1)) DESC, p.view_count DESC, p.id
              LIMIT $2",
        )
        .bind(&ts)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|(product_id, slug, title)| Suggestion { product_id, slug, title }).collect())
    }

    /// PostgreSQL is the source of truth: there is nothing to apply.
    async fn apply(&self, _docs: Vec<ProductDoc>, _delete: Vec<Uuid>, _through: i64) -> Result<(), SearchError> {
        Ok(())
    }

    /// Always current: the last outbox id there is.
    async fn applied_through(&self) -> Result<Option<i64>, SearchError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM search_outbox").fetch_one(&self.db).await?;
        Ok(Some(id.unwrap_or(0)))
    }

    async fn rebuild(&self, _docs: DocStream<'_>, _through: i64) -> Result<u64, SearchError> {
        Ok(0)
    }
}
