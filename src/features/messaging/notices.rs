//! Email notices of unread messages: a member who has not read a message 10 minutes after it
//! arrived is emailed once, with a link to the conversation; at most one notice per
//! conversation per hour, none for a member who turned them off. Every instance runs this
//! each minute; the notice row and the email's key make each go out once.

use chrono::Duration;
use uuid::Uuid;

use crate::features::email::templates::NewMessage;
use crate::server::state::AppState;

/// How long a message waits unread before its notice.
pub const UNREAD_FOR: Duration = Duration::minutes(10);
/// At most one notice per conversation and member in this time.
pub const AT_MOST_EVERY: Duration = Duration::hours(1);

#[derive(sqlx::FromRow)]
struct Due {
    conversation: Uuid,
    user_id: Uuid,
    email: String,
    name: String,
    sender_name: String,
    newest: i64,
    preview: String,
}

/// Emails what is due now. Returns how many notices were enqueued.
pub async fn send_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let due: Vec<Due> = sqlx::query_as(
        "SELECT c.id AS conversation, r.user_id, u.email::text AS email, u.display_name AS name,
                o.display_name AS sender_name, x.newest,
                (SELECT left(body, 300) FROM messages WHERE id = x.newest) AS preview
           FROM conversations c
           CROSS JOIN LATERAL (VALUES (c.buyer_id, c.buyer_read_through, c.seller_id),
                                      (c.seller_id, c.seller_read_through, c.buyer_id)) r(user_id, read_through, other_id)
           JOIN users u ON u.id = r.user_id AND u.message_emails AND u.deleted_at IS NULL
           JOIN users o ON o.id = r.other_id
           JOIN LATERAL (SELECT max(m.id) AS newest FROM messages m
                          WHERE m.conversation_id = c.id AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
                            AND m.id > r.read_through AND m.created_at <= $1) x ON x.newest IS NOT NULL
           LEFT JOIN message_notices n ON n.conversation_id = c.id AND n.user_id = r.user_id
          WHERE c.last_message_at > $3
            AND (n.sent_at IS NULL OR n.sent_at <= $2)
            AND (n.through_id IS NULL OR x.newest > n.through_id)
          LIMIT 200",
    )
    .bind(now - UNREAD_FOR)
    .bind(now - AT_MOST_EVERY)
    .bind(now - Duration::days(2))
    .fetch_all(&state.db)
    .await?;
    let mut sent = 0;
    for d in due {
        let mut tx = state.db.begin().await?;
        // Another instance may have sent it a moment ago: only the one that moves the row sends.
        let claimed = sqlx::query(
            "INSERT INTO message_notices (conversation_id, user_id, through_id, sent_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (conversation_id, user_id) DO UPDATE SET through_id = EXCLUDED.through_id, sent_at = EXCLUDED.sent_at
              WHERE message_notices.sent_at <= $5 AND message_notices.through_id < EXCLUDED.through_id",
        )
        .bind(d.conversation)
        .bind(d.user_id)
        .bind(d.newest)
        .bind(now)
        .bind(now - AT_MOST_EVERY)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !claimed {
            continue;
        }
        let email = NewMessage {
            name: d.name,
            sender_name: d.sender_name,
            preview: d.preview,
            conversation_id: d.conversation.to_string(),
        };
        let key = format!("message-notice:{}:{}:{}", d.conversation, d.user_id, d.newest);
        if let Err(e) = state.mailer.enqueue(&mut tx, &d.email, &email, &key).await {
            tracing::error!(error = %e, "message notice not enqueued");
            continue;
        }
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Turns a member's notices on or off.
pub async fn set_enabled(state: &AppState, user: Uuid, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET message_emails = $2 WHERE id = $1").bind(user).bind(on).execute(&state.db).await?;
    Ok(())
}

pub async fn enabled(state: &AppState, user: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT message_emails FROM users WHERE id = $1").bind(user).fetch_one(&state.db).await
}
