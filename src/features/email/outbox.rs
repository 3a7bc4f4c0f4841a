//! The outbox table: enqueue inside the caller's transaction, claim for sending, record the
//! outcome. All SQL of the email feature lives here.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::{str::FromStr, time::Duration};
use uuid::Uuid;

use super::attachments::{self, Attachment, AttachmentError};
use super::model::{AttachmentInfo, EmailStatus, MailDetail, MailSummary, OutboxStats};
use super::providers::OutgoingEmail;
use super::templates::{Email, Links, TemplateError, render};

/// The channel the worker listens on; enqueue notifies it (delivered at commit).
pub const CHANNEL: &str = "email_outbox";
const MAX_KEY_LEN: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("invalid recipient address {0:?}")]
    InvalidRecipient(String),
    #[error("the idempotency key must be 1 to {MAX_KEY_LEN} characters")]
    InvalidKey,
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
    #[error("could not store the email: {0}")]
    Database(#[from] sqlx::Error),
}

/// A recipient address that parsed as a real mailbox address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient(String);

impl Recipient {
    pub fn parse(raw: &str) -> Result<Self, EnqueueError> {
        let trimmed = raw.trim();
        lettre::Address::from_str(trimmed)
            .map(|a| Recipient(a.to_string()))
            .map_err(|_| EnqueueError::InvalidRecipient(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    pub id: Uuid,
    /// False when a message with the same idempotency key already existed.
    pub created: bool,
}

/// Enqueues `email` for `to` inside the caller's transaction: the row (and the worker's
/// wake-up) exist only if that transaction commits. Renders now, so bad data fails here.
pub async fn enqueue<E: Email>(
    conn: &mut PgConnection,
    links: &Links,
    to: &str,
    email: &E,
    idempotency_key: &str,
) -> Result<Enqueued, EnqueueError> {
    let data = serde_json::to_value(email)
        .map_err(|e| TemplateError::Data { template: E::TEMPLATE, reason: e.to_string() })?;
    enqueue_json(conn, links, to, E::TEMPLATE, &data, idempotency_key).await
}

/// Like [`enqueue`], with files attached. The attachments are stored in the same
/// transaction; when the idempotency key already exists nothing new is stored.
pub async fn enqueue_with_attachments<E: Email>(
    conn: &mut PgConnection,
    links: &Links,
    to: &str,
    email: &E,
    idempotency_key: &str,
    attachments: &[Attachment],
) -> Result<Enqueued, EnqueueError> {
    attachments::check_total(attachments)?;
    let enqueued = enqueue(conn, links, to, email, idempotency_key).await?;
    if enqueued.created {
        for (position, a) in attachments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO email_attachments (email_id, position, filename, content_type, bytes)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(enqueued.id)
            .bind(position as i32)
            .bind(a.filename())
            .bind(a.content_type())
            .bind(a.bytes())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(enqueued)
}

/// Like [`enqueue`] with the template named at run time and its data as JSON.
pub async fn enqueue_json(
    conn: &mut PgConnection,
    links: &Links,
    to: &str,
    template: &str,
    data: &serde_json::Value,
    idempotency_key: &str,
) -> Result<Enqueued, EnqueueError> {
    let recipient = Recipient::parse(to)?;
    if idempotency_key.is_empty() || idempotency_key.chars().count() > MAX_KEY_LEN {
        return Err(EnqueueError::InvalidKey);
    }
    let rendered = render(template, data, links)?;
    let inserted: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id",
    )
    .bind(idempotency_key)
    .bind(recipient.as_str())
    .bind(template)
    .bind(data)
    .bind(&rendered.subject)
    .bind(&rendered.html)
    .bind(&rendered.text)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = inserted {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *conn).await?;
        return Ok(Enqueued { id, created: true });
    }
    let (id,): (Uuid,) = sqlx::query_as("SELECT id FROM email_outbox WHERE idempotency_key = $1")
        .bind(idempotency_key)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Enqueued { id, created: false })
}

/// A message claimed by a worker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    pub attempts: i32,
    pub claim_token: Uuid,
    /// Whether [`attachments`] has anything to load for this message.
    pub has_attachments: bool,
}

/// Claims up to `limit` due messages (and expired claims of crashed workers) for `lease`.
/// `SKIP LOCKED` lets any number of workers claim side by side without overlap.
pub async fn claim(pool: &PgPool, limit: i64, lease: Duration) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE email_outbox o
            SET status = 'sending', attempts = o.attempts + 1,
                locked_until = now() + make_interval(secs => $2), claim_token = gen_random_uuid()
           FROM (SELECT id FROM email_outbox
                  WHERE (status IN ('pending', 'failed') AND next_attempt_at <= now())
                     OR (status = 'sending' AND locked_until <= now())
                  ORDER BY next_attempt_at
                  LIMIT $1
                  FOR UPDATE SKIP LOCKED) due
          WHERE o.id = due.id
      RETURNING o.id, o.recipient, o.subject, o.html_body, o.text_body, o.attempts, o.claim_token,
                EXISTS (SELECT 1 FROM email_attachments a WHERE a.email_id = o.id) AS has_attachments",
    )
    .bind(limit)
    .bind(lease.as_secs_f64())
    .fetch_all(pool)
    .await
}

/// Records delivery. False when the claim was lost (the lease expired and another worker
/// took the message), in which case nothing is changed.
pub async fn mark_sent(pool: &PgPool, claimed: &Claimed, provider: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE email_outbox
            SET status = 'sent', provider = $3, sent_at = now(), locked_until = NULL, last_error = NULL
          WHERE id = $1 AND claim_token = $2 AND status = 'sending'",
    )
    .bind(claimed.id)
    .bind(claimed.claim_token)
    .bind(provider)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records a failed attempt: `failed` with the next attempt time, or `dead` when `give_up`.
pub async fn mark_failed(
    pool: &PgPool,
    claimed: &Claimed,
    error: &str,
    retry_in: Duration,
    give_up: bool,
) -> Result<Option<EmailStatus>, sqlx::Error> {
    let status = if give_up { EmailStatus::Dead } else { EmailStatus::Failed };
    let row: Option<(EmailStatus,)> = sqlx::query_as(
        "UPDATE email_outbox
            SET status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5), locked_until = NULL
          WHERE id = $1 AND claim_token = $2 AND status = 'sending'
      RETURNING status",
    )
    .bind(claimed.id)
    .bind(claimed.claim_token)
    .bind(status)
    .bind(error)
    .bind(retry_in.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(s,)| s))
}

/// Queue health: counts by status and how long the oldest waiting message has waited.
pub async fn stats(pool: &PgPool) -> Result<OutboxStats, sqlx::Error> {
    let counts: Vec<(EmailStatus, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM email_outbox GROUP BY status").fetch_all(pool).await?;
    let (oldest,): (Option<f64>,) = sqlx::query_as(
        "SELECT extract(epoch FROM now() - min(created_at))::float8
           FROM email_outbox WHERE status IN ('pending', 'failed')",
    )
    .fetch_one(pool)
    .await?;
    let mut stats = OutboxStats { oldest_waiting_secs: oldest, ..OutboxStats::default() };
    for (status, n) in counts {
        match status {
            EmailStatus::Pending => stats.pending = n,
            EmailStatus::Sending => stats.sending = n,
            EmailStatus::Sent => stats.sent = n,
            EmailStatus::Failed => stats.failed = n,
            EmailStatus::Dead => stats.dead = n,
        }
    }
    Ok(stats)
}

const SUMMARY_COLUMNS: &str = "id, recipient, subject, template, status, attempts, last_error, provider, created_at";

/// Newest first, optionally one status, `limit` rows before `before` (keyset pagination).
pub async fn list(
    pool: &PgPool,
    status: Option<EmailStatus>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<MailSummary>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM email_outbox
          WHERE ($1::email_status IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR created_at < $2)
          ORDER BY created_at DESC LIMIT $3"
    ))
    .bind(status)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    summary: MailSummary,
    text_body: String,
    html_body: String,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

/// One message with its bodies (the HTML separately: only the preview frame serves it).
pub async fn detail(pool: &PgPool, id: Uuid) -> Result<Option<(MailDetail, String)>, sqlx::Error> {
    let row: Option<DetailRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS}, text_body, html_body, next_attempt_at, sent_at FROM email_outbox WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let links = super::links_in(&r.text_body);
    let attachments = attachment_list(pool, r.summary.id).await?;
    let detail = MailDetail {
        summary: r.summary,
        text_body: r.text_body,
        next_attempt_at: r.next_attempt_at,
        sent_at: r.sent_at,
        links,
        attachments,
    };
    Ok(Some((detail, r.html_body)))
}

/// A message's attachments, in order, for sending.
pub async fn attachments(pool: &PgPool, email_id: Uuid) -> Result<Vec<Attachment>, sqlx::Error> {
    let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT filename, content_type, bytes FROM email_attachments WHERE email_id = $1 ORDER BY position",
    )
    .bind(email_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(filename, content_type, bytes)| {
            Attachment::new(&filename, &content_type, bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        })
        .collect()
}

/// Names, types and sizes of a message's attachments (not their bytes), for the mailbox.
pub async fn attachment_list(pool: &PgPool, email_id: Uuid) -> Result<Vec<AttachmentInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT position, filename, content_type, octet_length(bytes)::int8 AS size
           FROM email_attachments WHERE email_id = $1 ORDER BY position",
    )
    .bind(email_id)
    .fetch_all(pool)
    .await
}

/// One attachment of a message, for download from the mailbox.
pub async fn attachment(pool: &PgPool, email_id: Uuid, position: i32) -> Result<Option<Attachment>, sqlx::Error> {
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT filename, content_type, bytes FROM email_attachments WHERE email_id = $1 AND position = $2",
    )
    .bind(email_id)
    .bind(position)
    .fetch_optional(pool)
    .await?;
    row.map(|(filename, content_type, bytes)| {
        Attachment::new(&filename, &content_type, bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    })
    .transpose()
}

/// Makes a failed or dead message due again now, with a fresh attempt count.
pub async fn retry(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE email_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
          WHERE id = $1 AND status IN ('failed', 'dead')",
    )
    .bind(id)
    .execute(pool)
    .await?;
    if result.rows_affected() == 1 {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(pool).await?;
    }
    Ok(result.rows_affected() == 1)
}

/// Every failed message due again now (its backoff skipped), or with `dead` every message
/// given up on, from its first attempt. Returns how many.
pub async fn retry_all(pool: &PgPool, dead: bool) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE email_outbox SET status = 'pending', next_attempt_at = now(), last_error = NULL,
                attempts = CASE WHEN status = 'dead' THEN 0 ELSE attempts END
          WHERE status = $1::email_status",
    )
    .bind(if dead { "dead" } else { "failed" })
    .execute(pool)
    .await?;
    if result.rows_affected() > 0 {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(pool).await?;
    }
    Ok(result.rows_affected())
}

/// The admin's email queue: newest first, one status or all, recipient or subject containing
/// `q`, a page of `per_page`. Returns the page and how many match.
pub async fn queue_page(
    pool: &PgPool,
    status: Option<EmailStatus>,
    q: &str,
    page: u32,
    per_page: u32,
) -> Result<(Vec<MailSummary>, i64), sqlx::Error> {
    let pattern = format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let condition = "($1::email_status IS NULL OR status = $1) AND ($2 = '' OR recipient ILIKE $3 OR subject ILIKE $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM email_outbox WHERE {condition}"))
        .bind(status)
        .bind(q)
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    let items = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM email_outbox WHERE {condition} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5"
    ))
    .bind(status)
    .bind(q)
    .bind(&pattern)
    .bind(i64::from(per_page))
    .bind(i64::from(page.saturating_sub(1)) * i64::from(per_page))
    .fetch_all(pool)
    .await?;
    Ok((items, total))
}

/// Failed or dead messages among `ids` made due now (dead ones from their first attempt).
pub async fn retry_many(pool: &PgPool, ids: &[Uuid]) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE email_outbox SET status = 'pending', next_attempt_at = now(), last_error = NULL,
                attempts = CASE WHEN status = 'dead' THEN 0 ELSE attempts END
          WHERE id = ANY($1) AND status IN ('failed', 'dead')",
    )
    .bind(ids)
    .execute(pool)
    .await?;
    if result.rows_affected() > 0 {
        sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(pool).await?;
    }
    Ok(result.rows_affected())
}

/// The dev mailbox provider's delivery: idempotent per outbox message.
pub async fn store_in_dev_mailbox(pool: &PgPool, email: &OutgoingEmail) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let stored = sqlx::query(
        "INSERT INTO dev_mailbox (outbox_id, recipient, subject, html_body, text_body)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (outbox_id) DO NOTHING",
    )
    .bind(email.id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.html)
    .bind(&email.text)
    .execute(&mut *tx)
    .await?;
    if stored.rows_affected() == 1 {
        for (position, a) in email.attachments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO dev_mailbox_attachments (outbox_id, position, filename, content_type, bytes)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(email.id)
            .bind(position as i32)
            .bind(a.filename())
            .bind(a.content_type())
            .bind(a.bytes())
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Gives claimed messages that were never attempted back to the queue (on shutdown).
pub async fn release(pool: &PgPool, claimed: &[Claimed]) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = claimed.iter().map(|c| c.id).collect();
    let tokens: Vec<Uuid> = claimed.iter().map(|c| c.claim_token).collect();
    sqlx::query(
        "UPDATE email_outbox o
            SET status = CASE WHEN o.last_error IS NULL THEN 'pending'::email_status ELSE 'failed'::email_status END,
                attempts = o.attempts - 1, locked_until = NULL, next_attempt_at = now()
           FROM unnest($1::uuid[], $2::uuid[]) AS r(id, token)
          WHERE o.id = r.id AND o.claim_token = r.token AND o.status = 'sending'",
    )
    .bind(&ids)
    .bind(&tokens)
    .execute(pool)
    .await?;
    Ok(())
}
