//! Blocking: a member blocks another from one of their conversations; neither can send the
//! other a message until it is lifted. Reports: a member reports a message of a
//! conversation they are in, for the admins' moderation screen.

use sqlx::PgPool;
use uuid::Uuid;

use crate::error::AppError;
use crate::server::state::AppState;

/// Whether `me` blocked `other`, and whether `other` blocked `me`.
pub async fn between(db: &PgPool, me: Uuid, other: Uuid) -> Result<(bool, bool), sqlx::Error> {
    sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM member_blocks WHERE blocker_id = $1 AND blocked_id = $2),
                EXISTS (SELECT 1 FROM member_blocks WHERE blocker_id = $2 AND blocked_id = $1)",
    )
    .bind(me)
    .bind(other)
    .fetch_one(db)
    .await
}

/// Blocks (or unblocks) the other member of one of my conversations.
pub async fn set(state: &AppState, me: Uuid, conversation: Uuid, blocked: bool) -> Result<(), AppError> {
    let seat = super::conversations::seat(&state.db, me, conversation).await?;
    if blocked {
        sqlx::query(
            "INSERT INTO member_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(me)
        .bind(seat.other)
        .bind(state.clock.now())
        .execute(&state.db)
        .await?;
    } else {
        sqlx::query("DELETE FROM member_blocks WHERE blocker_id = $1 AND blocked_id = $2")
            .bind(me)
            .bind(seat.other)
            .execute(&state.db)
            .await?;
    }
    Ok(())
}

/// Reports someone else's message of one of my conversations (once each; a second report
/// updates the reason).
pub async fn report(state: &AppState, me: Uuid, message: i64, reason: &str) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("Say in up to 500 characters what is wrong with this message."));
    }
    let found: Option<Uuid> = sqlx::query_scalar(
        "SELECT m.sender_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.id = $1 AND $2 IN (c.buyer_id, c.seller_id)",
    )
    .bind(message)
    .bind(me)
    .fetch_optional(&state.db)
    .await?;
    let sender = found.ok_or(AppError::NotFound)?;
    if sender == me {
        return Err(AppError::invalid("This is your own message: edit or delete it instead."));
    }
    sqlx::query(
        "INSERT INTO message_reports (message_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (message_id, reporter_id) DO UPDATE SET reason = EXCLUDED.reason",
    )
    .bind(message)
    .bind(me)
    .bind(reason)
    .bind(state.clock.now())
    .execute(&state.db)
    .await?;
    Ok(())
}
