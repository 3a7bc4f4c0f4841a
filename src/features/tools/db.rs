//! Every SQL statement of the tools: a member's saved descriptions and transcripts (the
//! shared history lists them).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, types::Json};
use uuid::Uuid;

use super::model::{DescriptionRequest, ProductDescription, Segment};
use crate::features::accounts::session::Member;

pub async fn save_description(
    db: &PgPool,
    me: &Member,
    request: &DescriptionRequest,
    description: &ProductDescription,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let title = if description.title.trim().is_empty() { &request.product_name } else { &description.title };
    sqlx::query_scalar(
        "INSERT INTO descriptions (user_id, title, body, input, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(me.id)
    .bind(title.chars().take(200).collect::<String>())
    .bind(description.body())
    .bind(Json(request))
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn save_transcript(
    db: &PgPool,
    me: &Member,
    title: &str,
    text: &str,
    segments: &[Segment],
    duration_ms: Option<u64>,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO transcripts (user_id, title, text, segments, duration_ms, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(me.id)
    .bind(title)
    .bind(text)
    .bind(Json(segments))
    .bind(duration_ms.map(|d| i64::try_from(d).unwrap_or(i64::MAX)))
    .bind(now)
    .fetch_one(db)
    .await
}

/// Micro-dollars per minute of audio for this model, if it is priced.
pub async fn transcription_price(db: &PgPool, provider: &str, model: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT microusd_per_minute FROM ai_transcription_prices WHERE provider = $1 AND model = $2")
        .bind(provider)
        .bind(model)
        .fetch_optional(db)
        .await
}

/// Transcription is priced per minute, not per token: the request log's row gets its cost
/// (and the admin flag) here.
pub async fn set_request_cost(
    db: &PgPool,
    request: Uuid,
    cost_microusd: i64,
    flagged: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE ai_requests SET cost_microusd = $2, flagged = $3 WHERE id = $1")
        .bind(request)
        .bind(cost_microusd)
        .bind(flagged)
        .execute(db)
        .await?;
    Ok(())
}
