//! Conversations and their messages in PostgreSQL. Every query that reads or changes one
//! names the member: someone else's conversation is simply not found (404).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    ConversationSummary, ConversationView, EDIT_MINUTES, MessageText, MessageView, PER_MINUTE, Subject,
};
use crate::error::AppError;
use crate::server::state::AppState;

/// Messages a conversation page shows at first (older ones on request).
pub const PAGE: i64 = 50;

/// The two members of a conversation, as seen by one of them.
#[derive(Clone, Copy, Debug)]
pub struct Seat {
    pub conversation: Uuid,
    pub me: Uuid,
    pub other: Uuid,
    /// Whether I am the buyer (my read state is `buyer_read_through`).
    pub buyer: bool,
}

impl Seat {
    fn my_read_column(&self) -> &'static str {
        if self.buyer { "buyer_read_through" } else { "seller_read_through" }
    }
}

/// The member's seat in a conversation, or 404.
pub async fn seat(db: &PgPool, me: Uuid, conversation: Uuid) -> Result<Seat, AppError> {
    let row: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT buyer_id, seller_id FROM conversations WHERE id = $1 AND $2 IN (buyer_id, seller_id)")
            .bind(conversation)
            .bind(me)
            .fetch_optional(db)
            .await?;
    let (buyer, seller) = row.ok_or(AppError::NotFound)?;
    Ok(Seat { conversation, me, other: if buyer == me { seller } else { buyer }, buyer: buyer == me })
}

/// What a member starts a conversation about.
pub enum About {
    Product(Uuid),
    /// By the order's number (buyer or seller of it).
    Order(String),
}

/// Opens the conversation about a product (with its seller) or an order (with the other
/// party), or the one that exists already. Returns its id.
pub async fn start(state: &AppState, me: Uuid, about: About) -> Result<Uuid, AppError> {
    let (buyer, seller, product, order, subject): (Uuid, Uuid, Option<Uuid>, Option<Uuid>, String) = match about {
        About::Product(product) => {
            let found: Option<(Uuid, String)> =
                sqlx::query_as("SELECT seller_id, title FROM products WHERE id = $1 AND status = 'active'")
                    .bind(product)
                    .fetch_optional(&state.db)
                    .await?;
            let (seller, title) = found.ok_or(AppError::NotFound)?;
            if seller == me {
                return Err(AppError::invalid("This is your own listing: buyers message you about it."));
            }
            (me, seller, Some(product), None, title)
        }
        About::Order(number) => {
            let found: Option<(Uuid, Uuid, Uuid)> = sqlx::query_as(
                "SELECT id, buyer_id, seller_id FROM orders
                  WHERE number = $1 AND $2 IN (buyer_id, seller_id) AND status <> 'pending'",
            )
            .bind(&number)
            .bind(me)
            .fetch_optional(&state.db)
            .await?;
            let (order, buyer, seller) = found.ok_or(AppError::NotFound)?;
            (buyer, seller, None, Some(order), format!("Order {number}"))
        }
    };
    if let Some(id) = existing(&state.db, buyer, seller, product, order).await? {
        return Ok(id);
    }
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO conversations (id, buyer_id, seller_id, product_id, order_id, subject, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(buyer)
    .bind(seller)
    .bind(product)
    .bind(order)
    .bind(&subject)
    .bind(state.clock.now())
    .fetch_optional(&state.db)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        // Started at the same moment elsewhere: that one.
        None => existing(&state.db, buyer, seller, product, order).await?.ok_or(AppError::NotFound),
    }
}

/// The conversation of these two about the order, or (without one) about the product.
async fn existing(
    db: &PgPool,
    buyer: Uuid,
    seller: Uuid,
    product: Option<Uuid>,
    order: Option<Uuid>,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM conversations
          WHERE buyer_id = $1 AND seller_id = $2
            AND (($4::uuid IS NOT NULL AND order_id = $4) OR ($4::uuid IS NULL AND order_id IS NULL AND product_id = $3))",
    )
    .bind(buyer)
    .bind(seller)
    .bind(product)
    .bind(order)
    .fetch_optional(db)
    .await
}

/// A message `x` of conversation `c` that member `$1` has not read.
const UNREAD_BY_ME: &str = "x.sender_id <> $1 AND x.deleted_at IS NULL
    AND x.id > CASE WHEN c.buyer_id = $1 THEN c.buyer_read_through ELSE c.seller_read_through END";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    other_name: String,
    subject: String,
    last_text: Option<String>,
    last_deleted: Option<bool>,
    last_at: Option<DateTime<Utc>>,
    unread: i64,
}

/// The member's conversations, the most recent first.
pub async fn list(db: &PgPool, me: Uuid) -> Result<Vec<ConversationSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT c.id, u.display_name AS other_name, c.subject, m.body AS last_text, m.deleted_at IS NOT NULL AS last_deleted,
                c.last_message_at AS last_at,
                (SELECT count(*) FROM messages x WHERE x.conversation_id = c.id AND {UNREAD_BY_ME}) AS unread
           FROM conversations c
           JOIN users u ON u.id = CASE WHEN c.buyer_id = $1 THEN c.seller_id ELSE c.buyer_id END
           LEFT JOIN LATERAL (SELECT body, deleted_at FROM messages WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) m ON true
          WHERE $1 IN (c.buyer_id, c.seller_id)
          ORDER BY c.last_message_at DESC NULLS LAST, c.created_at DESC
          LIMIT 200"
    ))
    .bind(me)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ConversationSummary {
            id: r.id,
            other_name: r.other_name,
            subject: r.subject,
            last_text: match r.last_deleted {
                Some(true) => Some("Message deleted".to_string()),
                _ => r.last_text,
            },
            last_at: r.last_at,
            unread: r.unread,
        })
        .collect())
}

/// How many messages the member has not read, over all conversations (the header's badge).
pub async fn unread_total(db: &PgPool, me: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT count(*) FROM conversations c JOIN messages x ON x.conversation_id = c.id
          WHERE $1 IN (c.buyer_id, c.seller_id) AND {UNREAD_BY_ME}"
    ))
    .bind(me)
    .fetch_one(db)
    .await?)
}

/// The newest event id (a stream that starts now resumes after it).
pub async fn last_event(db: &PgPool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM message_events").fetch_one(db).await?)
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: i64,
    conversation_id: Uuid,
    sender_id: Uuid,
    sender_name: String,
    body: String,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
}

pub(super) const MESSAGE_SELECT: &str = "SELECT m.id, m.conversation_id, m.sender_id, u.display_name AS sender_name,
        m.body, m.created_at, m.edited_at, m.deleted_at
   FROM messages m JOIN users u ON u.id = m.sender_id";

impl MessageRow {
    pub(super) fn view(self, me: Uuid, now: DateTime<Utc>) -> MessageView {
        let mine = self.sender_id == me;
        let deleted = self.deleted_at.is_some();
        MessageView {
            id: self.id,
            conversation: self.conversation_id,
            mine,
            sender_name: self.sender_name,
            body: if deleted { String::new() } else { self.body },
            created_at: self.created_at,
            edited: self.edited_at.is_some(),
            deleted,
            editable: mine && !deleted && now - self.created_at <= chrono::Duration::minutes(EDIT_MINUTES),
        }
    }
}

/// One message as `me` sees it.
pub async fn message(state: &AppState, me: Uuid, id: i64) -> Result<MessageView, AppError> {
    let row: MessageRow = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(row.view(me, state.clock.now()))
}

/// A conversation page: the card, the newest [`PAGE`] messages before `before` (all the
/// newest when `None`), read state, and the event to resume the live stream after.
pub async fn view(
    state: &AppState,
    me: Uuid,
    conversation: Uuid,
    before: Option<i64>,
) -> Result<ConversationView, AppError> {
    let seat = seat(&state.db, me, conversation).await?;
    #[derive(sqlx::FromRow)]
    struct Head {
        subject: String,
        other_name: String,
        slug: Option<String>,
        product_status: Option<String>,
        image: Option<Uuid>,
        image_format: Option<String>,
        number: Option<String>,
        buyer_id: Uuid,
        their_read_through: i64,
        last_event: i64,
    }
    let head: Head = sqlx::query_as(
        "SELECT c.subject, u.display_name AS other_name, p.slug, p.status::text AS product_status,
                i.id AS image, i.format AS image_format, o.number, c.buyer_id,
                CASE WHEN c.buyer_id = $2 THEN c.seller_read_through ELSE c.buyer_read_through END AS their_read_through,
                COALESCE((SELECT max(id) FROM message_events), 0) AS last_event
           FROM conversations c
           JOIN users u ON u.id = $3
           LEFT JOIN products p ON p.id = c.product_id
           LEFT JOIN LATERAL (SELECT id, format FROM product_images WHERE product_id = p.id ORDER BY position LIMIT 1) i ON true
           LEFT JOIN orders o ON o.id = c.order_id
          WHERE c.id = $1",
    )
    .bind(conversation)
    .bind(me)
    .bind(seat.other)
    .fetch_one(&state.db)
    .await?;
    let href = match (&head.number, &head.slug, head.product_status.as_deref()) {
        (Some(number), ..) => {
            Some(if head.buyer_id == me { format!("/orders/{number}") } else { format!("/sell/orders/{number}") })
        }
        (None, Some(slug), Some("active")) => Some(format!("/products/{slug}")),
        _ => None,
    };
    let image = match (head.image, head.image_format.as_deref()) {
        (Some(id), Some(format)) => {
            Some(format!("/media/products/{id}/thumb.{}", crate::features::catalogue::cards::ext_of(format)))
        }
        _ => None,
    };
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} WHERE m.conversation_id = $1 AND ($2::bigint IS NULL OR m.id < $2) ORDER BY m.id DESC LIMIT $3"
    ))
    .bind(conversation)
    .bind(before)
    .bind(PAGE + 1)
    .fetch_all(&state.db)
    .await?;
    let more_before = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    rows.reverse();
    let now = state.clock.now();
    let (blocked_by_me, blocked_by_them) = super::blocks::between(&state.db, me, seat.other).await?;
    Ok(ConversationView {
        id: conversation,
        me,
        subject: Subject { title: head.subject, href, image },
        other_name: head.other_name,
        blocked_by_me,
        blocked_by_them,
        messages: rows.into_iter().map(|r| r.view(me, now)).collect(),
        more_before,
        their_read_through: head.their_read_through,
        last_event: head.last_event,
    })
}

/// The lock that makes event ids commit in order (see `live`).
const EVENT_ORDER_LOCK: i64 = 715_001;

/// Records an event (the trigger tells every instance). Call it last before the commit: it
/// takes the ordering lock, held until then.
pub(super) async fn event(
    tx: &mut PgConnection,
    conversation: Uuid,
    kind: &str,
    message: Option<i64>,
    actor: Uuid,
    at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENT_ORDER_LOCK).execute(&mut *tx).await?;
    sqlx::query_scalar(
        "INSERT INTO message_events (conversation_id, kind, message_id, actor_id, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conversation)
    .bind(kind)
    .bind(message)
    .bind(actor)
    .bind(at)
    .fetch_one(&mut *tx)
    .await
}

/// Sends a message: not to or from a blocked member, at most [`PER_MINUTE`] a minute.
pub async fn send(state: &AppState, me: Uuid, conversation: Uuid, text: &MessageText) -> Result<MessageView, AppError> {
    let seat = seat(&state.db, me, conversation).await?;
    let (by_me, by_them) = super::blocks::between(&state.db, me, seat.other).await?;
    if by_me {
        return Err(AppError::invalid("You blocked this member. Unblock them to send messages again."));
    }
    if by_them {
        return Err(AppError::invalid("This member does not take messages from you."));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // One member's sends queue here, so the count below cannot be raced past.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))").bind(me).execute(&mut *tx).await?;
    let recent: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE sender_id = $1 AND created_at > $2")
        .bind(me)
        .bind(now - chrono::Duration::minutes(1))
        .fetch_one(&mut *tx)
        .await?;
    if recent >= PER_MINUTE {
        crate::server::observe::note_rate_limited("messages");
        return Err(AppError::RateLimited { retry_after_secs: 60 });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, sender_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conversation)
    .bind(me)
    .bind(text.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // The sender has read their own message (and everything before it).
    sqlx::query(&format!(
        "UPDATE conversations SET last_message_at = $2, {read} = GREATEST({read}, $3) WHERE id = $1",
        read = seat.my_read_column()
    ))
    .bind(conversation)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    event(&mut tx, conversation, "sent", Some(id), me, now).await?;
    tx.commit().await?;
    message(state, me, id).await
}

/// Edits one of my messages within [`EDIT_MINUTES`]; the text before is kept for moderation.
pub async fn edit(state: &AppState, me: Uuid, id: i64, text: &MessageText) -> Result<MessageView, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    #[derive(sqlx::FromRow)]
    struct Mine {
        conversation_id: Uuid,
        body: String,
        created_at: DateTime<Utc>,
        deleted_at: Option<DateTime<Utc>>,
    }
    let found: Option<Mine> = sqlx::query_as(
        "SELECT conversation_id, body, created_at, deleted_at FROM messages WHERE id = $1 AND sender_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(me)
    .fetch_optional(&mut *tx)
    .await?;
    // Someone else's message, or none: the same answer.
    let Mine { conversation_id: conversation, body: before, created_at, deleted_at } =
        found.ok_or(AppError::NotFound)?;
    if deleted_at.is_some() {
        return Err(AppError::invalid("This message was deleted."));
    }
    if now - created_at > chrono::Duration::minutes(EDIT_MINUTES) {
        return Err(AppError::invalid("A message can be edited for 15 minutes after sending; this one no longer."));
    }
    if before == text.as_str() {
        return message(state, me, id).await;
    }
    rewrite(&mut tx, id, &before, Some(text.as_str()), now).await?;
    event(&mut tx, conversation, "edited", Some(id), me, now).await?;
    tx.commit().await?;
    message(state, me, id).await
}

/// Keeps what a message said (for moderation), then gives it its new text, or none when it
/// is deleted.
async fn rewrite(
    tx: &mut PgConnection,
    id: i64,
    before: &str,
    after: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO message_versions (message_id, body, replaced_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(before)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let change = match after {
        Some(_) => "UPDATE messages SET body = $2, edited_at = $3 WHERE id = $1",
        None => "UPDATE messages SET body = coalesce($2, ''), deleted_at = $3 WHERE id = $1",
    };
    sqlx::query(change).bind(id).bind(after).bind(now).execute(&mut *tx).await?;
    Ok(())
}

/// Deletes one of my messages (shown as "message deleted"; its text kept for moderation).
pub async fn delete(state: &AppState, me: Uuid, id: i64) -> Result<MessageView, AppError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let found: Option<(Uuid, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT conversation_id, body, deleted_at FROM messages WHERE id = $1 AND sender_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(me)
    .fetch_optional(&mut *tx)
    .await?;
    let (conversation, before, deleted_at) = found.ok_or(AppError::NotFound)?;
    if deleted_at.is_none() {
        rewrite(&mut tx, id, &before, None, now).await?;
        event(&mut tx, conversation, "deleted", Some(id), me, now).await?;
    }
    tx.commit().await?;
    message(state, me, id).await
}

/// An admin deletes a reported message inside their transaction: shown as "message deleted"
/// to both members (live), its text kept in its versions. Nothing when it is already deleted.
pub async fn moderator_delete(tx: &mut PgConnection, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let found: Option<(Uuid, Uuid, String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT conversation_id, sender_id, body, deleted_at FROM messages WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((conversation, sender, before, None)) = found {
        rewrite(tx, id, &before, None, now).await?;
        event(tx, conversation, "deleted", Some(id), sender, now).await?;
    }
    Ok(())
}

/// Marks everything up to `through` read by me (never backwards).
pub async fn mark_read(state: &AppState, me: Uuid, conversation: Uuid, through: i64) -> Result<(), AppError> {
    let seat = seat(&state.db, me, conversation).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let moved: Option<i64> = sqlx::query_scalar(&format!(
        "UPDATE conversations SET {read} = LEAST($2, (SELECT COALESCE(max(id), 0) FROM messages WHERE conversation_id = $1))
          WHERE id = $1 AND {read} < LEAST($2, (SELECT COALESCE(max(id), 0) FROM messages WHERE conversation_id = $1))
          RETURNING {read}",
        read = seat.my_read_column()
    ))
    .bind(conversation)
    .bind(through)
    .fetch_optional(&mut *tx)
    .await?;
    // A read event carries how far (in its message column).
    if let Some(through) = moved {
        event(&mut tx, conversation, "read", Some(through), me, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
