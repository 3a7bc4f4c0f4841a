//! Every SQL statement about letters. A status change is one conditional UPDATE (`WHERE
//! status = expected`, so of two concurrent changes only one wins) plus its timeline row, in
//! the caller's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    AgeFilter, Currency, EventKind, LETTERS_PAGE_SIZE, Letter, LetterEvent, LetterForm, LetterInput, LetterList,
    LetterStatus, LetterSummary, LetterType, ReviewQueue, SentBy, Transition,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    status: String,
    letter_type: String,
    sender_name: String,
    sender_address: String,
    sender_email: String,
    recipient_name: String,
    recipient_address: String,
    recipient_email: String,
    facts: String,
    relevant_dates: String,
    amount_minor: Option<i64>,
    currency: String,
    desired_outcome: String,
    deadline: Option<NaiveDate>,
    body: String,
    title: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    generating_started_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    sent_by: Option<String>,
}

const COLUMNS: &str = "id, user_id, status, letter_type, sender_name, sender_address, sender_email, recipient_name,
    recipient_address, recipient_email, facts, relevant_dates, amount_minor, currency, desired_outcome, deadline,
    body, title, created_at, updated_at, generating_started_at, sent_at, sent_by";

impl Row {
    /// The stored row as a letter. The database's checks mirror the form's rules, so a row
    /// always parses; a row that does not is reported as a database error.
    fn into_letter(self) -> Result<Letter, sqlx::Error> {
        let decode = |what: &str, e: String| sqlx::Error::Decode(format!("letter {}: {what}: {e}", self.id).into());
        let status: LetterStatus = self.status.parse().map_err(|e| decode("status", e))?;
        let amount = self.amount_minor.map(|minor| format!("{}.{:02}", minor / 100, minor % 100));
        let input = LetterInput {
            letter_type: self.letter_type.clone(),
            sender_name: self.sender_name,
            sender_address: self.sender_address,
            sender_email: self.sender_email,
            recipient_name: self.recipient_name,
            recipient_address: self.recipient_address,
            recipient_email: self.recipient_email,
            facts: self.facts,
            relevant_dates: self.relevant_dates,
            amount: amount.unwrap_or_default(),
            currency: self.currency,
            desired_outcome: self.desired_outcome,
            deadline: self.deadline.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        };
        let form = LetterForm::parse(&input, None).map_err(|e| decode("form", e.to_string()))?;
        Ok(Letter {
            id: self.id,
            user_id: self.user_id,
            status,
            form,
            body: self.body,
            title: self.title,
            created_at: self.created_at,
            updated_at: self.updated_at,
            generating_started_at: self.generating_started_at,
            sent_at: self.sent_at,
            sent_by: self.sent_by.as_deref().and_then(SentBy::parse),
        })
    }
}

fn letter(row: Option<Row>) -> Result<Option<Letter>, sqlx::Error> {
    row.map(Row::into_letter).transpose()
}

/// Binds the form's columns as $2..$14 after the first parameter.
macro_rules! bind_form {
    ($q:expr, $f:expr, $title:expr) => {{
        let f: &LetterForm = $f;
        $q.bind(f.letter_type.as_str())
            .bind(&f.sender.name)
            .bind(f.sender.address())
            .bind(f.sender.email.clone().unwrap_or_default())
            .bind(&f.recipient.name)
            .bind(f.recipient.address())
            .bind(f.recipient.email.clone().unwrap_or_default())
            .bind(&f.facts)
            .bind(&f.relevant_dates)
            .bind(f.amount.map(|a| a.minor))
            .bind(f.amount.map_or(Currency::USD, |a| a.currency).as_str().to_string())
            .bind(&f.desired_outcome)
            .bind(f.deadline)
            .bind($title)
    }};
}

/// A new draft and its first timeline row.
pub async fn create(db: &PgPool, user: Uuid, form: &LetterForm, now: DateTime<Utc>) -> Result<Letter, sqlx::Error> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "INSERT INTO letters (user_id, letter_type, sender_name, sender_address, sender_email, recipient_name,
                    recipient_address, recipient_email, facts, relevant_dates, amount_minor, currency,
                    desired_outcome, deadline, title, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
             RETURNING {COLUMNS}"
    );
    let title = form.title();
    let row: Row = bind_form!(sqlx::query_as(&sql).bind(user), form, title).bind(now).fetch_one(&mut *tx).await?;
    let created = row.into_letter()?;
    record(&mut tx, created.id, Some(user), EventKind::Status, None, LetterStatus::Draft, "", now).await?;
    tx.commit().await?;
    Ok(created)
}

/// Replaces the form of the owner's letter while it is editable. `None`: no such letter, or
/// it is not editable now (the caller tells which).
pub async fn update_form(
    db: &PgPool,
    user: Uuid,
    id: Uuid,
    form: &LetterForm,
    now: DateTime<Utc>,
) -> Result<Option<Letter>, sqlx::Error> {
    let sql = format!(
        "UPDATE letters SET letter_type = $2, sender_name = $3, sender_address = $4, sender_email = $5,
                recipient_name = $6, recipient_address = $7, recipient_email = $8, facts = $9, relevant_dates = $10,
                amount_minor = $11, currency = $12, desired_outcome = $13, deadline = $14, title = $15,
                updated_at = $16
          WHERE id = $1 AND user_id = $17 AND deleted_at IS NULL AND status IN ('draft', 'ready', 'returned')
          RETURNING {COLUMNS}"
    );
    let title = form.title();
    let row: Option<Row> =
        bind_form!(sqlx::query_as(&sql).bind(id), form, title).bind(now).bind(user).fetch_optional(db).await?;
    letter(row)
}

/// A letter by id (not deleted), with its owner's name and email.
pub async fn get(db: &PgPool, id: Uuid) -> Result<Option<(Letter, String, String)>, sqlx::Error> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM letters WHERE id = $1 AND deleted_at IS NULL"))
            .bind(id)
            .fetch_optional(db)
            .await?;
    let Some(letter) = letter(row)? else { return Ok(None) };
    let (name, email): (String, String) = sqlx::query_as("SELECT display_name, email::text FROM users WHERE id = $1")
        .bind(letter.user_id)
        .fetch_one(db)
        .await?;
    Ok(Some((letter, name, email)))
}

/// at, kind, from, to, actor's name, actor is an admin, comment.
type EventRow = (DateTime<Utc>, String, Option<String>, String, Option<String>, bool, String);

/// The timeline, oldest first.
pub async fn events(db: &PgPool, id: Uuid) -> Result<Vec<LetterEvent>, sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.at, e.kind, e.from_status, e.to_status, u.display_name, coalesce(u.role = 'admin', false), e.comment
           FROM letter_events e LEFT JOIN users u ON u.id = e.actor_id
          WHERE e.letter_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, kind, from, to, actor_name, reviewer, comment)| {
            let kind = match kind.as_str() {
                "comment" => EventKind::Comment,
                "edit" => EventKind::Edit,
                _ => EventKind::Status,
            };
            Some(LetterEvent {
                at,
                kind,
                from_status: from.and_then(|f| f.parse().ok()),
                to_status: to.parse().ok()?,
                actor_name,
                actor_is_reviewer: reviewer,
                comment,
            })
        })
        .collect())
}

fn offset(page: u32) -> i64 {
    i64::from(page.max(1) - 1) * i64::from(LETTERS_PAGE_SIZE)
}

/// One page of the member's letters, most recently changed first.
pub async fn list_own(db: &PgPool, user: Uuid, page: u32) -> Result<LetterList, sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT l.id, l.title, l.letter_type, l.status, u.display_name, l.created_at, l.updated_at
           FROM letters l JOIN users u ON u.id = l.user_id
          WHERE l.user_id = $1 AND l.deleted_at IS NULL
          ORDER BY l.updated_at DESC, l.id LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(i64::from(LETTERS_PAGE_SIZE))
    .bind(offset(page))
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM letters WHERE user_id = $1 AND deleted_at IS NULL")
        .bind(user)
        .fetch_one(db)
        .await?;
    Ok(LetterList { letters: summaries(rows)?, total, page: page.max(1) })
}

type SummaryRow = (Uuid, String, String, String, String, DateTime<Utc>, DateTime<Utc>);

fn summaries(rows: Vec<SummaryRow>) -> Result<Vec<LetterSummary>, sqlx::Error> {
    Ok(rows
        .into_iter()
        .filter_map(|(id, title, letter_type, status, owner_name, created_at, updated_at)| {
            Some(LetterSummary {
                id,
                title,
                letter_type: letter_type.parse::<LetterType>().ok()?,
                status: status.parse().ok()?,
                owner_name,
                created_at,
                updated_at,
            })
        })
        .collect())
}

/// Hides the owner's letter from their history (kept for the record). Not while a reviewer
/// has it or it is being written or sent.
pub async fn delete(db: &PgPool, user: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE letters SET deleted_at = $3
          WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL AND status IN ('draft', 'ready', 'returned', 'sent')",
    )
    .bind(id)
    .bind(user)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Undoes [`delete`] for a minute afterwards.
pub async fn restore(db: &PgPool, user: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE letters SET deleted_at = NULL
          WHERE id = $1 AND user_id = $2 AND deleted_at > $3 - interval '60 seconds'",
    )
    .bind(id)
    .bind(user)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Where a status change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Illegal(#[from] super::model::IllegalTransition),
    /// The letter was no longer in the expected status (another change won).
    #[error("the letter changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What a status change sets besides the status.
#[derive(Clone, Debug, Default)]
pub struct Also {
    /// The new text (generation finished).
    pub body: Option<String>,
    /// How and when it went out (sent).
    pub sent: Option<(SentBy, DateTime<Utc>)>,
    /// Only if generation started at exactly this time (a generation's own result).
    pub generation_started: Option<DateTime<Utc>>,
    /// The quota the generation being started holds (kept with the letter until it ends).
    pub reservation: Option<crate::features::quotas::Reservation>,
}

/// Moves the letter from `expected` by `transition` if it is still in `expected`, and writes
/// the one timeline row for it. Returns the changed letter.
#[allow(clippy::too_many_arguments)]
pub async fn change_status(
    conn: &mut PgConnection,
    id: Uuid,
    expected: LetterStatus,
    transition: Transition,
    actor: Option<Uuid>,
    comment: &str,
    now: DateTime<Utc>,
    also: Also,
) -> Result<Changed, ChangeError> {
    let to = expected.apply(transition)?;
    let (sent_by, sent_at) = match also.sent {
        Some((by, at)) => (Some(by.as_str()), Some(at)),
        None => (None, None),
    };
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE letters SET status = $3, updated_at = $4,
                generating_started_at = CASE WHEN $3 = 'generating' THEN $4 END,
                generation_reservation = CASE WHEN $3 = 'generating' THEN $9 END,
                body = coalesce($5, body),
                sent_by = coalesce($6, sent_by),
                sent_at = coalesce($7, sent_at)
          WHERE id = $1 AND status = $2 AND deleted_at IS NULL
            AND ($8::timestamptz IS NULL OR generating_started_at = $8)
          RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(expected.as_str())
    .bind(to.as_str())
    .bind(now)
    .bind(also.body)
    .bind(sent_by)
    .bind(sent_at)
    .bind(also.generation_started)
    .bind(also.reservation.map(sqlx::types::Json))
    .fetch_optional(&mut *conn)
    .await?;
    let changed = letter(row)?.ok_or(ChangeError::Conflict)?;
    let event = record(conn, id, actor, EventKind::Status, Some(expected), to, comment, now).await?;
    Ok(Changed { letter: changed, event })
}

/// A letter after a status change, and the id of its timeline row.
pub struct Changed {
    pub letter: Letter,
    pub event: i64,
}

/// One timeline row; returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &mut PgConnection,
    id: Uuid,
    actor: Option<Uuid>,
    kind: EventKind,
    from: Option<LetterStatus>,
    to: LetterStatus,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let kind = match kind {
        EventKind::Status => "status",
        EventKind::Comment => "comment",
        EventKind::Edit => "edit",
    };
    sqlx::query_as(
        "INSERT INTO letter_events (letter_id, actor_id, at, kind, from_status, to_status, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(actor)
    .bind(now)
    .bind(kind)
    .bind(from.map(LetterStatus::as_str))
    .bind(to.as_str())
    .bind(comment)
    .fetch_one(&mut *conn)
    .await
    .map(|(id,): (i64,)| id)
}

/// Replaces the text if the letter is in one of `statuses` (and is `owner`'s when given).
pub async fn set_body(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Option<Uuid>,
    statuses: &[LetterStatus],
    body: &str,
    now: DateTime<Utc>,
) -> Result<Option<Letter>, sqlx::Error> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let row: Option<Row> = sqlx::query_as(&format!(
        "UPDATE letters SET body = $3, updated_at = $4
          WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND deleted_at IS NULL AND status = ANY($5)
          RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(owner)
    .bind(body)
    .bind(now)
    .bind(&statuses)
    .fetch_optional(&mut *conn)
    .await?;
    letter(row)
}

/// The review queue: letters in `status` (or every status but draft), unchanged for at least
/// the age filter, oldest first; and the count per status.
pub async fn queue(
    db: &PgPool,
    status: Option<LetterStatus>,
    age: AgeFilter,
    page: u32,
    now: DateTime<Utc>,
    stuck_before: DateTime<Utc>,
) -> Result<ReviewQueue, sqlx::Error> {
    const MATCHING: &str = "l.deleted_at IS NULL
            AND (($1::text IS NULL AND l.status <> 'draft') OR l.status = $1)
            AND l.updated_at <= $2";
    let cutoff = now - chrono::Duration::hours(age.hours());
    let status = status.map(LetterStatus::as_str);
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT l.id, l.title, l.letter_type, l.status, u.display_name, l.created_at, l.updated_at
           FROM letters l JOIN users u ON u.id = l.user_id
          WHERE {MATCHING}
          ORDER BY l.updated_at ASC, l.id LIMIT $3 OFFSET $4"
    ))
    .bind(status)
    .bind(cutoff)
    .bind(i64::from(LETTERS_PAGE_SIZE))
    .bind(offset(page))
    .fetch_all(db)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM letters l WHERE {MATCHING}"))
        .bind(status)
        .bind(cutoff)
        .fetch_one(db)
        .await?;
    let counts = status_counts(db).await?.into_iter().map(|(s, n, _)| (s, n)).collect();
    let stuck: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM letters WHERE status = 'generating' AND generating_started_at < $1 AND deleted_at IS NULL",
    )
    .bind(stuck_before)
    .fetch_one(db)
    .await?;
    Ok(ReviewQueue { letters: summaries(rows)?, total, page: page.max(1), counts, stuck })
}

/// Every status with its number of letters and the oldest last change (deleted ones too:
/// this is the operator's view of the table).
pub async fn status_counts(db: &PgPool) -> Result<Vec<(LetterStatus, i64, Option<DateTime<Utc>>)>, sqlx::Error> {
    let rows: Vec<(String, i64, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT status, count(*), min(updated_at) FROM letters GROUP BY status").fetch_all(db).await?;
    Ok(LetterStatus::ALL
        .into_iter()
        .map(|s| {
            let found = rows.iter().find(|(name, _, _)| name == s.as_str());
            (s, found.map_or(0, |r| r.1), found.and_then(|r| r.2))
        })
        .collect())
}

/// Stores the PDF as sent, once (the database refuses to change it afterwards).
pub async fn store_sent_pdf(conn: &mut PgConnection, id: Uuid, pdf: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE letters SET sent_pdf = $2 WHERE id = $1 AND sent_pdf IS NULL")
        .bind(id)
        .bind(pdf)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The PDF as sent, if the letter was sent.
pub async fn sent_pdf(db: &PgPool, id: Uuid) -> Result<Option<Vec<u8>>, sqlx::Error> {
    Ok(sqlx::query_scalar("SELECT sent_pdf FROM letters WHERE id = $1").bind(id).fetch_optional(db).await?.flatten())
}
