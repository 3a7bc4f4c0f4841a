//! Every SQL statement of the tools: a member's saved descriptions and transcripts (the
//! shared history lists them).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, types::Json};
use uuid::Uuid;

use super::model::{DescriptionRequest, ProductDescription, SavedDescription, SavedTranscript, Segment, Transcript};
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

/// The member's saved description (not deleted); `None` for anyone else's.
pub async fn description(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<SavedDescription>, sqlx::Error> {
    let row: Option<(String, String, Json<serde_json::Value>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT title, body, input, created_at FROM descriptions
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(me.id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(title, body, Json(input), created_at)| SavedDescription {
        id,
        request: serde_json::from_value(input).ok(),
        description: ProductDescription::from_body(&title, &body),
        created_at,
    }))
}

/// title, text, segments, duration in ms, created.
type TranscriptRow = (String, String, Json<Vec<Segment>>, Option<i64>, DateTime<Utc>);

/// The member's saved transcript (not deleted); `None` for anyone else's.
pub async fn transcript(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<SavedTranscript>, sqlx::Error> {
    let row: Option<TranscriptRow> = sqlx::query_as(
        "SELECT title, text, segments, duration_ms, created_at FROM transcripts
         WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(me.id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(title, text, Json(segments), duration_ms, created_at)| SavedTranscript {
        transcript: Transcript {
            id: Some(id),
            title,
            text,
            segments,
            duration_ms: duration_ms.and_then(|d| u64::try_from(d).ok()),
        },
        created_at,
    }))
}
