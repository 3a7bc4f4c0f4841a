//! The stored events as the admin's webhook log reads them.

use sqlx::PgPool;

use crate::features::billing::model::{WebhookDetail, WebhookPage, WebhookRow};

const PAGE_SIZE: i64 = 50;
const ROW: &str = "SELECT id, type AS kind, status, outcome, error, attempts, received_at FROM stripe_events";

/// Newest first; `kind` and `status` empty for all.
pub async fn page(pool: &PgPool, kind: &str, status: &str, page: u32) -> Result<WebhookPage, sqlx::Error> {
    let condition = "($1 = '' OR type = $1) AND ($2 = '' OR status = $2)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM stripe_events WHERE {condition}"))
        .bind(kind)
        .bind(status)
        .fetch_one(pool)
        .await?;
    let events: Vec<WebhookRow> =
        sqlx::query_as(&format!("{ROW} WHERE {condition} ORDER BY received_at DESC, id LIMIT $3 OFFSET $4"))
            .bind(kind)
            .bind(status)
            .bind(PAGE_SIZE)
            .bind(i64::from(page.saturating_sub(1)) * PAGE_SIZE)
            .fetch_all(pool)
            .await?;
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT type FROM stripe_events ORDER BY type LIMIT 200").fetch_all(pool).await?;
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM stripe_events WHERE status = 'failed'").fetch_one(pool).await?;
    Ok(WebhookPage { events, total, page, kinds, failed })
}

pub async fn detail(pool: &PgPool, id: &str) -> Result<Option<WebhookDetail>, sqlx::Error> {
    let Some(event): Option<WebhookRow> =
        sqlx::query_as(&format!("{ROW} WHERE id = $1")).bind(id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let payload: serde_json::Value =
        sqlx::query_scalar("SELECT payload FROM stripe_events WHERE id = $1").bind(id).fetch_one(pool).await?;
    let payload = serde_json::to_string_pretty(&payload).unwrap_or_else(|_| payload.to_string());
    Ok(Some(WebhookDetail { event, payload }))
}

/// The failed events, oldest first, at most `limit`.
pub async fn failed_ids(pool: &PgPool, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM stripe_events WHERE status = 'failed' ORDER BY created_at, id LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await
}
