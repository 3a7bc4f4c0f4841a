use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{EmailStatus, MailDetail, MailSummary, OutboxStats};
use crate::error::AppError;

/// One page of the mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailList {
    pub items: Vec<MailSummary>,
    pub stats: OutboxStats,
    /// Pass as `before` to get the next page; None on the last page.
    pub next_before: Option<DateTime<Utc>>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::server::state::AppState;

    /// The dev mailbox is for admins in development: in production it does not exist (admins
    /// get the email queue in the admin area).
    pub async fn mailbox_state() -> Result<AppState, AppError> {
        let state = crate::server::state::app_state()?;
        if state.config.is_production() {
            return Err(AppError::NotFound);
        }
        crate::features::accounts::session::require_admin().await?;
        Ok(state)
    }
}

#[server(prefix = "/api", endpoint = "mail/list")]
pub async fn list_mail(status: Option<EmailStatus>, before: Option<DateTime<Utc>>) -> Result<MailList, AppError> {
    use super::outbox;
    const PAGE_SIZE: i64 = 50;
    let state = ssr::mailbox_state().await?;
    let mut items = outbox::list(&state.db, status, before, PAGE_SIZE + 1).await?;
    let next_before = if items.len() as i64 > PAGE_SIZE {
        items.truncate(PAGE_SIZE as usize);
        items.last().map(|m| m.created_at)
    } else {
        None
    };
    let stats = outbox::stats(&state.db).await?;
    Ok(MailList { items, stats, next_before })
}

#[server(prefix = "/api", endpoint = "mail/get")]
pub async fn get_mail(id: Uuid) -> Result<MailDetail, AppError> {
    let state = ssr::mailbox_state().await?;
    super::outbox::detail(&state.db, id).await?.map(|(detail, _html)| detail).ok_or(AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "mail/retry")]
pub async fn retry_mail(id: Uuid) -> Result<(), AppError> {
    let state = ssr::mailbox_state().await?;
    if super::outbox::retry(&state.db, id).await? {
        Ok(())
    } else {
        Err(AppError::invalid("Only failed or dead messages can be retried."))
    }
}

/// Queues a test message to `to`, so an operator can check that mail goes out.
#[server(prefix = "/api", endpoint = "mail/test")]
pub async fn send_test_email(to: String) -> Result<Uuid, AppError> {
    use super::templates::{Alert, Severity};
    let state = ssr::mailbox_state().await?;
    let email = Alert {
        title: "Test email from Threadr".into(),
        detail: "If you can read this, Threadr's email delivery works.".into(),
        severity: Severity::Notice,
    };
    let mut tx = state.db.begin().await?;
    let queued = state.mailer.enqueue(&mut tx, &to, &email, &format!("test:{}", Uuid::new_v4())).await?;
    tx.commit().await?;
    Ok(queued.id)
}
