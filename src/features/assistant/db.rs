//! Every SQL statement about conversations. Each conversation query takes the member: a
//! conversation is only ever read or changed by its owner.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{ChatMessage, Conversation, ConversationSummary, LIST_LIMIT, MessageStatus, Speaker};
use crate::features::accounts::session::Member;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    title: String,
    updated_at: DateTime<Utc>,
}

impl From<SummaryRow> for ConversationSummary {
    fn from(r: SummaryRow) -> Self {
        Self { id: r.id, title: r.title, updated_at: r.updated_at }
    }
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    role: String,
    content: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl From<MessageRow> for ChatMessage {
    fn from(r: MessageRow) -> Self {
        Self {
            id: r.id,
            role: Speaker::parse(&r.role).unwrap_or(Speaker::Assistant),
            content: r.content,
            status: MessageStatus::parse(&r.status),
            created_at: r.created_at,
        }
    }
}

/// The member's conversations, most recently used first.
pub async fn list(db: &PgPool, me: &Member) -> Result<Vec<ConversationSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT id, title, updated_at FROM assistant_conversations
          WHERE user_id = $1 AND deleted_at IS NULL ORDER BY updated_at DESC, id LIMIT $2",
    )
    .bind(me.id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The conversation if it is the member's and not deleted.
pub async fn find(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<ConversationSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(
        "SELECT id, title, updated_at FROM assistant_conversations
          WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(me.id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn get(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<Conversation>, sqlx::Error> {
    let Some(summary) = find(db, me, id).await? else { return Ok(None) };
    Ok(Some(Conversation { id: summary.id, title: summary.title, messages: messages(db, id).await? }))
}

/// Every message of a conversation, oldest first (the caller has checked the owner).
pub async fn messages(db: &PgPool, conversation: Uuid) -> Result<Vec<ChatMessage>, sqlx::Error> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT id, role, content, status, created_at FROM assistant_messages
          WHERE conversation_id = $1 ORDER BY seq",
    )
    .bind(conversation)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn create(db: &PgPool, me: &Member, title: &str) -> Result<ConversationSummary, sqlx::Error> {
    let row: SummaryRow = sqlx::query_as(
        "INSERT INTO assistant_conversations (user_id, title) VALUES ($1, $2) RETURNING id, title, updated_at",
    )
    .bind(me.id)
    .bind(title)
    .fetch_one(db)
    .await?;
    Ok(row.into())
}

/// Stores a message and marks the conversation as just used (the caller has checked the owner).
pub async fn add_message(
    db: &PgPool,
    conversation: Uuid,
    role: Speaker,
    content: &str,
    status: MessageStatus,
    ai_request_id: Option<Uuid>,
) -> Result<Uuid, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO assistant_messages (conversation_id, role, content, status, ai_request_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conversation)
    .bind(role.as_str())
    .bind(content)
    .bind(status.as_str())
    .bind(ai_request_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE assistant_conversations SET updated_at = now() WHERE id = $1")
        .bind(conversation)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// For a retry: removes the replies after the last question and answers that question, or
/// `None` when the conversation has none.
pub async fn reopen_last_question(db: &PgPool, conversation: Uuid) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let last: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, content FROM assistant_messages
          WHERE conversation_id = $1 AND role = 'user' ORDER BY seq DESC LIMIT 1 FOR UPDATE",
    )
    .bind(conversation)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((seq, content)) = last else { return Ok(None) };
    sqlx::query("DELETE FROM assistant_messages WHERE conversation_id = $1 AND seq > $2")
        .bind(conversation)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(content))
}

pub async fn rename(
    db: &PgPool,
    me: &Member,
    id: Uuid,
    title: &str,
) -> Result<Option<ConversationSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(
        "UPDATE assistant_conversations SET title = $3
          WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING id, title, updated_at",
    )
    .bind(id)
    .bind(me.id)
    .bind(title)
    .fetch_optional(db)
    .await?;
    Ok(row.map(Into::into))
}

pub async fn delete(db: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE assistant_conversations SET deleted_at = now()
          WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(me.id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
