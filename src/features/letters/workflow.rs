//! The review workflow on the server: each action checks who may do it, changes the status
//! with its timeline row and queues the member's email, all in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::db::{self, Also, ChangeError, Changed};
use super::document::long_date;
use super::model::{
    EventKind, Letter, LetterForm, LetterStatus, LetterView, SentBy, Transition, parse_body, parse_comment,
};
use crate::error::AppError;
use crate::features::accounts::{
    Role,
    session::{Admin, Member},
};
use crate::features::email::templates::{LetterDelivery, LetterUpdate, LetterUpdateKind};
use crate::server::state::AppState;

impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Illegal(illegal) => AppError::invalid(illegal.to_string()),
            ChangeError::Conflict => {
                AppError::invalid("This letter was changed meanwhile. Reload the page to see where it is now.")
            }
            ChangeError::Database(e) => e.into(),
        }
    }
}

/// Who is looking: the owner, or a reviewer (an admin, past the portal key when one is set).
pub enum Viewer {
    Owner(Member),
    Reviewer(Admin),
}

impl Viewer {
    fn id(&self) -> Uuid {
        match self {
            Self::Owner(m) => m.id,
            Self::Reviewer(a) => a.id,
        }
    }
}

/// The letter if `me` owns it or is a reviewer; everyone else gets 404 (ids are not confirmed).
pub async fn readable(state: &AppState, me: Member, id: Uuid) -> Result<(Viewer, Letter, String, String), AppError> {
    let (letter, name, email) = db::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if letter.user_id == me.id {
        return Ok((Viewer::Owner(me), letter, name, email));
    }
    if me.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    let admin = crate::features::accounts::session::require_admin().await?;
    Ok((Viewer::Reviewer(admin), letter, name, email))
}

/// The owner's letter (reviewers use [`reviewed`]); 404 for anyone else.
pub async fn owned(state: &AppState, me: &Member, id: Uuid) -> Result<Letter, AppError> {
    match db::get(&state.db, id).await? {
        Some((letter, _, _)) if letter.user_id == me.id => Ok(letter),
        _ => Err(AppError::NotFound),
    }
}

/// Any letter, for a reviewer.
pub async fn reviewed(state: &AppState, id: Uuid) -> Result<(Letter, String, String), AppError> {
    db::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub async fn view(
    state: &AppState,
    viewer: &Viewer,
    letter: Letter,
    name: String,
    email: String,
) -> Result<LetterView, AppError> {
    let events = db::events(&state.db, letter.id).await?;
    let reviewer = matches!(viewer, Viewer::Reviewer(_));
    let can_approve = reviewer && letter.user_id != viewer.id() && letter.status == LetterStatus::InReview;
    Ok(LetterView { letter, events, owner_name: name, owner_email: email, can_approve, viewer_is_reviewer: reviewer })
}

pub async fn create(state: &AppState, me: &Member, form: &LetterForm) -> Result<Letter, AppError> {
    Ok(db::create(&state.db, me.id, form, state.clock.now()).await?)
}

pub async fn update(state: &AppState, me: &Member, id: Uuid, form: &LetterForm) -> Result<Letter, AppError> {
    if let Some(letter) = db::update_form(&state.db, me.id, id, form, state.clock.now()).await? {
        return Ok(letter);
    }
    let letter = owned(state, me, id).await?;
    Err(AppError::invalid(format!("A letter that is {} cannot be changed now.", letter.status.label().to_lowercase())))
}

/// The member edits the written letter (ready, or returned to them).
pub async fn save_body(state: &AppState, me: &Member, id: Uuid, body: &str) -> Result<Letter, AppError> {
    let body = parse_body(body).map_err(AppError::invalid)?;
    let mut conn = state.db.acquire().await?;
    let statuses = [LetterStatus::Ready, LetterStatus::Returned];
    if let Some(letter) = db::set_body(&mut conn, id, Some(me.id), &statuses, &body, state.clock.now()).await? {
        return Ok(letter);
    }
    let letter = owned(state, me, id).await?;
    Err(AppError::invalid(format!(
        "A letter that is {} cannot be edited by you now.",
        letter.status.label().to_lowercase()
    )))
}

/// The member sends the letter for review (ready, or returned after changes).
pub async fn submit(state: &AppState, me: &Member, id: Uuid) -> Result<Letter, AppError> {
    let letter = owned(state, me, id).await?;
    if letter.body.trim().is_empty() {
        return Err(AppError::invalid("Generate or write the letter before submitting it."));
    }
    let mut tx = state.db.begin().await?;
    let changed = db::change_status(
        &mut tx,
        id,
        letter.status,
        Transition::Submit,
        Some(me.id),
        "",
        state.clock.now(),
        Also::default(),
    )
    .await?;
    tx.commit().await?;
    Ok(changed.letter)
}

/// A reviewer's comment on the timeline (no status change).
pub async fn comment(state: &AppState, admin: &Admin, id: Uuid, comment: &str) -> Result<(), AppError> {
    let comment = parse_comment(comment, true).map_err(AppError::invalid)?;
    let (letter, _, _) = reviewed(state, id).await?;
    let mut conn = state.db.acquire().await?;
    db::record(
        &mut conn,
        id,
        Some(admin.id),
        EventKind::Comment,
        Some(letter.status),
        letter.status,
        &comment,
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// A reviewer edits the text while reviewing it.
pub async fn reviewer_edit(state: &AppState, admin: &Admin, id: Uuid, body: &str) -> Result<Letter, AppError> {
    let body = parse_body(body).map_err(AppError::invalid)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(letter) = db::set_body(&mut tx, id, None, &[LetterStatus::InReview], &body, now).await? else {
        let (letter, _, _) = reviewed(state, id).await?;
        return Err(AppError::invalid(format!(
            "Only letters in review can be edited by a reviewer; this one is {}.",
            letter.status.label().to_lowercase()
        )));
    };
    db::record(
        &mut tx,
        id,
        Some(admin.id),
        EventKind::Edit,
        Some(letter.status),
        letter.status,
        "Edited the letter.",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(letter)
}

/// Back to the member with what to change.
pub async fn return_to_member(state: &AppState, admin: &Admin, id: Uuid, comment: &str) -> Result<Letter, AppError> {
    let comment = parse_comment(comment, true).map_err(AppError::invalid)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let changed = db::change_status(
        &mut tx,
        id,
        LetterStatus::InReview,
        Transition::Return,
        Some(admin.id),
        &comment,
        now,
        Also::default(),
    )
    .await?;
    notify(state, &mut tx, &changed, LetterUpdateKind::Returned, Some(comment), None).await?;
    tx.commit().await?;
    Ok(changed.letter)
}

/// Approval: a reviewer, never the letter's author (an admin writing their own letter needs
/// another admin). Members cannot reach this at all: the server function takes an [`Admin`].
pub async fn approve(state: &AppState, admin: &Admin, id: Uuid, comment: &str) -> Result<Letter, AppError> {
    let comment = parse_comment(comment, false).map_err(AppError::invalid)?;
    let (letter, _, _) = reviewed(state, id).await?;
    if letter.user_id == admin.id {
        return Err(AppError::invalid("You cannot approve your own letter; another reviewer has to."));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let changed = db::change_status(
        &mut tx,
        id,
        LetterStatus::InReview,
        Transition::Approve,
        Some(admin.id),
        &comment,
        now,
        Also::default(),
    )
    .await?;
    notify(state, &mut tx, &changed, LetterUpdateKind::Approved, None, None).await?;
    tx.commit().await?;
    Ok(changed.letter)
}

/// How a reviewer sends an approved letter.
pub enum Sending {
    Email,
    /// Posted on this date (today or earlier).
    Post(NaiveDate),
}

/// Sends an approved letter: by email to the recipient (from the outbox, in this
/// transaction), or marks it posted on a date. The member is told either way.
pub async fn send(state: &AppState, admin: &Admin, id: Uuid, how: Sending) -> Result<Letter, AppError> {
    let (letter, _, _) = reviewed(state, id).await?;
    let now = state.clock.now();
    let (by, at, how_text) = match how {
        Sending::Email => {
            let Some(to) = letter.form.recipient.email.clone() else {
                return Err(AppError::invalid(
                    "This letter has no recipient email. Send it by post, or ask the member to add the email.",
                ));
            };
            (SentBy::Email, now, format!("by email to {to}"))
        }
        Sending::Post(date) => {
            if date > now.date_naive() {
                return Err(AppError::invalid("The posting date is in the future; enter the day it was posted."));
            }
            let at = date.and_hms_opt(12, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
            (SentBy::Post, at, format!("by post on {}", long_date(date)))
        }
    };
    let mut tx = state.db.begin().await?;
    let also = Also { sent: Some((by, at)), ..Also::default() };
    let changed =
        db::change_status(&mut tx, id, LetterStatus::Approved, Transition::Send, Some(admin.id), &how_text, now, also)
            .await?;
    // The letter as sent, stored once (the database refuses any later change), and attached.
    let pdf = super::printing::store_sent_pdf(&mut tx, &changed.letter).await?;
    if by == SentBy::Email {
        let document = super::document(&changed.letter);
        let delivery = LetterDelivery {
            sender_name: document.sender.name.clone(),
            subject_line: document.subject.clone(),
            date: document.date_line(),
            body: changed.letter.body.clone(),
        };
        let to = changed.letter.form.recipient.email.clone().unwrap_or_default();
        let attachment = crate::features::email::Attachment::new(
            &super::printing::file_name(&changed.letter),
            "application/pdf",
            pdf,
        )
        .map_err(|e| AppError::invalid(e.to_string()))?;
        state
            .mailer
            .enqueue_with_attachments(&mut tx, &to, &delivery, &format!("letter-{id}-delivery"), vec![attachment])
            .await?;
    }
    notify(state, &mut tx, &changed, LetterUpdateKind::Sent, None, Some(how_text)).await?;
    tx.commit().await?;
    Ok(changed.letter)
}

/// Queues the member's email about `changed` (in the caller's transaction).
pub async fn notify(
    state: &AppState,
    conn: &mut PgConnection,
    changed: &Changed,
    kind: LetterUpdateKind,
    comment: Option<String>,
    sent_how: Option<String>,
) -> Result<(), AppError> {
    let (name, email): (String, String) = sqlx::query_as("SELECT display_name, email::text FROM users WHERE id = $1")
        .bind(changed.letter.user_id)
        .fetch_one(&mut *conn)
        .await?;
    let update = LetterUpdate {
        name,
        title: changed.letter.title.clone(),
        letter_id: changed.letter.id.to_string(),
        kind,
        comment,
        sent_how,
    };
    let key = format!("letter-{}-event-{}", changed.letter.id, changed.event);
    state.mailer.enqueue(conn, &email, &update, &key).await?;
    Ok(())
}

/// Resets stuck letters (all older than the limit, or one letter at any age) for a reviewer.
pub async fn reset_stuck(state: &AppState, admin: &Admin, id: Option<Uuid>) -> Result<usize, AppError> {
    let now: DateTime<Utc> = state.clock.now();
    let older_than = if id.is_some() { chrono::Duration::zero() } else { super::stuck::STUCK_AFTER };
    let reset = super::stuck::reset(&state.db, now, older_than, id, Some(admin.id)).await?;
    if id.is_some() && reset.is_empty() {
        return Err(AppError::invalid("That letter is not generating any more; nothing was reset."));
    }
    Ok(reset.len())
}
