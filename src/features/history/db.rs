//! One query over every feature's saved items: their `HISTORY_SQL` selects joined with
//! `UNION ALL`, filtered by member, kind and search, newest first.

use sqlx::PgPool;
use uuid::Uuid;

use super::model::{HISTORY_PAGE_SIZE, HistoryItem, HistoryKind, HistoryPage};
use crate::features::{letters, threads, tools};

/// Every feature's rows. Each select names the same columns, in this order:
/// `kind, id, user_id, title, body, detail, created_at, updated_at, deleted_at` (`body` is
/// what search reads besides the title; `detail` is shown by kind).
fn sources() -> [&'static str; 4] {
    [threads::HISTORY_SQL, letters::HISTORY_SQL, tools::DESCRIPTIONS_HISTORY_SQL, tools::TRANSCRIPTS_HISTORY_SQL]
}

/// The member's items of the kind (all when none) whose title or text holds the pattern.
const MATCHING: &str = "user_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR kind = $2)
            AND ($3 = '%' OR title ILIKE $3 OR body ILIKE $3)";

pub async fn list(
    db: &PgPool,
    user: Uuid,
    kind: Option<HistoryKind>,
    query: &str,
    page: u32,
) -> Result<HistoryPage, sqlx::Error> {
    let pattern = format!("%{}%", escape_like(query.trim()));
    let page = page.max(1);
    let offset = i64::from((page - 1) * HISTORY_PAGE_SIZE);
    let items = sources().join("\nUNION ALL\n");
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "WITH items AS ({items})
         SELECT kind, id, title, detail, created_at, updated_at, count(*) OVER () FROM items
          WHERE {MATCHING}
          ORDER BY updated_at DESC, id LIMIT $4 OFFSET $5"
    ))
    .bind(user)
    .bind(kind.map(HistoryKind::slug))
    .bind(&pattern)
    .bind(i64::from(HISTORY_PAGE_SIZE))
    .bind(offset)
    .fetch_all(db)
    .await?;
    let total = match rows.first() {
        Some(row) => row.6.max(0) as u64,
        // Past the last page the window count is not there: count on its own.
        None if page > 1 => {
            let n: i64 =
                sqlx::query_scalar(&format!("WITH items AS ({items}) SELECT count(*) FROM items WHERE {MATCHING}"))
                    .bind(user)
                    .bind(kind.map(HistoryKind::slug))
                    .bind(&pattern)
                    .fetch_one(db)
                    .await?;
            n.max(0) as u64
        }
        None => 0,
    };
    let items = rows
        .into_iter()
        .filter_map(|(kind, id, title, detail, created_at, updated_at, _)| {
            let kind = kind.parse().ok()?;
            Some(HistoryItem { kind, id, title, detail: detail.unwrap_or_default(), created_at, updated_at })
        })
        .collect();
    Ok(HistoryPage { items, total, page, per_page: HISTORY_PAGE_SIZE })
}

/// kind, id, title, detail, created, updated, total matches.
type Row = (String, Uuid, String, Option<String>, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, i64);

/// `%`, `_` and `\` match themselves in a search.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
