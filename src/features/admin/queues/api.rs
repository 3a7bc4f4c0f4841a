//! The queues' server functions: Stripe's webhook log (view, replay one or many through the
//! webhook's own code path) and the email outbox (view, retry, resend dead ones, choose the
//! provider tried first).

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{EmailQueue, ReplayReport, WebhookDetail, WebhookPage};
use crate::error::AppError;

/// `status`: received, processed, ignored, failed or empty; `kind`: a Stripe event type or empty.
#[server(prefix = "/api", endpoint = "admin/webhooks")]
pub async fn admin_webhooks(
    #[server(default)] kind: String,
    #[server(default)] status: String,
    page: Option<u32>,
) -> Result<WebhookPage, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(crate::features::billing::webhook::log::page(
        &state.db,
        kind.trim(),
        status.trim(),
        page.unwrap_or(1).clamp(1, 100_000),
    )
    .await?)
}

#[server(prefix = "/api", endpoint = "admin/webhook")]
pub async fn admin_webhook(id: String) -> Result<WebhookDetail, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    crate::features::billing::webhook::log::detail(&state.db, id.trim()).await?.ok_or(AppError::NotFound)
}

/// Replays the events `ids`, or with `all_failed` every failed one (oldest first, at most 500).
#[server(prefix = "/api", endpoint = "admin/webhooks/replay")]
pub async fn admin_replay_webhooks(
    #[server(default)] ids: Vec<String>,
    #[server(default)] all_failed: bool,
) -> Result<ReplayReport, AppError> {
    use crate::features::accounts::{audit, session};
    use crate::features::billing::webhook::{self, Handled};
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let mut ids = if all_failed { webhook::log::failed_ids(&state.db, 500).await? } else { ids };
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::invalid("Select the events to replay, or replay every failed one."));
    }
    if ids.len() > 500 {
        return Err(AppError::invalid("At most 500 events at once."));
    }
    let origin = session::origin().await;
    let mut lines = Vec::new();
    let mut failed_again = 0;
    for id in ids {
        let (line, outcome) = match webhook::run(&state, &id).await {
            Ok(Handled::Processed(what)) => (format!("{id}: processed: {what}"), "processed"),
            Ok(Handled::Ignored(why)) => (format!("{id}: ignored: {why}"), "ignored"),
            Ok(Handled::Duplicate) => (format!("{id}: already processed; nothing done"), "duplicate"),
            Err(e) => {
                failed_again += 1;
                (format!("{id}: failed again: {e}"), "failed")
            }
        };
        let detail = serde_json::json!({ "outcome": outcome });
        audit::admin_action(
            &state.db,
            "webhook_replayed",
            Some(admin.user()),
            &format!("stripe_event:{id}"),
            &origin,
            detail,
        )
        .await?;
        lines.push(line);
    }
    Ok(ReplayReport { lines, failed_again })
}

/// `status`: pending, sending, sent, failed, dead or empty; `q`: part of the recipient or subject.
#[server(prefix = "/api", endpoint = "admin/emails")]
pub async fn admin_emails(
    #[server(default)] status: String,
    #[server(default)] q: String,
    page: Option<u32>,
) -> Result<EmailQueue, AppError> {
    use crate::features::email::{self, EmailStatus};
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let status = match status.trim() {
        "" => None,
        s => Some(
            EmailStatus::ALL
                .into_iter()
                .find(|e| e.label() == s)
                .ok_or_else(|| AppError::invalid("Unknown status."))?,
        ),
    };
    let q: String = q.trim().chars().take(200).collect();
    let page = page.unwrap_or(1).clamp(1, 100_000);
    let (items, total) = email::outbox::queue_page(&state.db, status, &q, page, super::model::QUEUE_PAGE_SIZE).await?;
    let stats = email::outbox::stats(&state.db).await?;
    let providers = email::provider_names(&state.config);
    let preferred = email::preference::read(&state.db).await?;
    Ok(EmailQueue { items, total, page, stats, providers, preferred })
}

/// Makes failed (or dead) messages due now: the ids given, or every dead one with `all_dead`,
/// or every failed one with `all_failed`.
#[server(prefix = "/api", endpoint = "admin/emails/retry")]
pub async fn admin_retry_emails(
    #[server(default)] ids: Vec<Uuid>,
    #[server(default)] all_dead: bool,
    #[server(default)] all_failed: bool,
) -> Result<String, AppError> {
    use crate::features::accounts::{audit, session};
    use crate::features::email;
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let n = if all_dead || all_failed {
        let mut n = 0;
        if all_failed {
            n += email::retry_all(&state.db, false).await?;
        }
        if all_dead {
            n += email::retry_all(&state.db, true).await?;
        }
        n
    } else if ids.is_empty() {
        return Err(AppError::invalid("Select the messages to send again."));
    } else {
        email::outbox::retry_many(&state.db, &ids).await?
    };
    let detail = serde_json::json!({ "ids": ids, "all_dead": all_dead, "all_failed": all_failed, "requeued": n });
    audit::admin_action(
        &state.db,
        "emails_retried",
        Some(admin.user()),
        "email_outbox",
        &session::origin().await,
        detail,
    )
    .await?;
    Ok(match n {
        0 => "Nothing to send again: only failed or dead messages are retried.".into(),
        1 => "1 message queued to send again now.".into(),
        n => format!("{n} messages queued to send again now."),
    })
}

/// Chooses the provider every instance tries first from now on (empty: the configured order).
#[server(prefix = "/api", endpoint = "admin/emails/provider")]
pub async fn admin_set_email_provider(provider: String) -> Result<String, AppError> {
    use crate::features::accounts::{audit, session};
    use crate::features::email;
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let names = email::provider_names(&state.config);
    let preferred = match provider.trim() {
        "" => None,
        name if names.iter().any(|n| n == name) => Some(name.to_string()),
        _ => return Err(AppError::invalid(format!("Choose one of the configured providers: {}.", names.join(", ")))),
    };
    let mut tx = state.db.begin().await?;
    email::preference::write(&mut tx, preferred.as_deref(), Some(admin.id)).await?;
    let detail = serde_json::json!({ "preferred": preferred });
    audit::admin_action(
        &mut *tx,
        "email_provider_switched",
        Some(admin.user()),
        "email_provider",
        &session::origin().await,
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(match preferred {
        Some(name) => format!("{name} is tried first from now on, on every instance within seconds."),
        None => "Providers are tried in their configured order again.".into(),
    })
}
