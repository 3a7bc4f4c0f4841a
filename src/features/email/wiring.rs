//! Building the email pieces from configuration, for `serve`, `process-mail` and tests.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use uuid::Uuid;

use super::attachments::Attachment;
use super::outbox::{self, EnqueueError, Enqueued};
use super::providers::{DevMailbox, EmailProvider, HttpApi, Smtp};
use super::templates::{Email, Links};
use super::worker::{Worker, WorkerConfig};
use crate::error::AppError;
use crate::server::{config::Config, error::internal, state::AppState};

impl From<EnqueueError> for AppError {
    fn from(error: EnqueueError) -> Self {
        match error {
            EnqueueError::InvalidRecipient(_) => {
                AppError::invalid("Enter a valid email address, like name@example.com.")
            }
            EnqueueError::Attachment(e) => AppError::invalid(e.to_string()),
            EnqueueError::Database(e) => AppError::from(e),
            other => internal("enqueue email", other),
        }
    }
}

/// What features use to send mail: renders with the app's public URL and writes the outbox
/// row in the caller's transaction.
#[derive(Clone)]
pub struct Mailer {
    links: Arc<Links>,
}

impl Mailer {
    pub fn new(config: &Config) -> Self {
        Self { links: Arc::new(Links::new(&config.public_url)) }
    }

    pub fn links(&self) -> &Links {
        &self.links
    }

    pub async fn enqueue<E: Email>(
        &self,
        conn: &mut PgConnection,
        to: &str,
        email: &E,
        idempotency_key: &str,
    ) -> Result<Enqueued, EnqueueError> {
        outbox::enqueue(conn, &self.links, to, email, idempotency_key).await
    }

    /// [`Mailer::enqueue`] with files attached (a letter's PDF), stored in the same
    /// transaction. Build each file with [`Attachment::new`], which refuses bad names.
    pub async fn enqueue_with_attachments<E: Email>(
        &self,
        conn: &mut PgConnection,
        to: &str,
        email: &E,
        idempotency_key: &str,
        attachments: Vec<Attachment>,
    ) -> Result<Enqueued, EnqueueError> {
        outbox::enqueue_with_attachments(conn, &self.links, to, email, idempotency_key, &attachments).await
    }

    pub async fn enqueue_json(
        &self,
        conn: &mut PgConnection,
        to: &str,
        template: &str,
        data: &serde_json::Value,
        idempotency_key: &str,
    ) -> Result<Enqueued, EnqueueError> {
        outbox::enqueue_json(conn, &self.links, to, template, data, idempotency_key).await
    }
}

/// The configured providers in fallback order: the HTTP API (it de-duplicates retried sends
/// by idempotency key), then SMTP; the dev mailbox when neither is configured.
pub fn providers_from_config(config: &Config, pool: &PgPool) -> Result<Vec<Arc<dyn EmailProvider>>, String> {
    let email = &config.email;
    let mut providers: Vec<Arc<dyn EmailProvider>> = Vec::new();
    if let Some(key) = &email.resend_api_key {
        providers.push(Arc::new(HttpApi::new(&email.resend_base_url, key)?));
    }
    if let Some(url) = &email.smtp_url {
        let domain = config.public_url.host_str().unwrap_or("localhost");
        providers.push(Arc::new(Smtp::from_url(url, email.worker_concurrency as u32, domain)?));
    }
    if providers.is_empty() {
        providers.push(Arc::new(DevMailbox::new(pool.clone())));
    }
    Ok(providers)
}

/// The names of the providers `providers_from_config` builds, in the same order.
pub fn provider_names(config: &Config) -> Vec<String> {
    let mut names = Vec::new();
    if config.email.resend_api_key.is_some() {
        names.push(super::providers::http_api::NAME.to_string());
    }
    if config.email.smtp_url.is_some() {
        names.push(super::providers::smtp::NAME.to_string());
    }
    if names.is_empty() {
        names.push("dev-mailbox".to_string());
    }
    names
}

pub fn worker_from_config(config: &Config, pool: &PgPool) -> Result<Arc<Worker>, String> {
    let providers = providers_from_config(config, pool)?;
    let worker_config = WorkerConfig {
        concurrency: config.email.worker_concurrency,
        max_attempts: config.email.max_attempts,
        retry_base: config.email.retry_base,
        lease: config.email.lease,
        ..WorkerConfig::default()
    };
    Ok(Arc::new(Worker::new(pool.clone(), providers, config.email.from.clone(), worker_config)))
}

/// `GET /admin/mail/{id}/html`: a message's HTML body for the mailbox page's preview frame.
/// Served sandboxed (no scripts, no same-origin access) and only where the mailbox is open.
pub async fn html_body_route(
    State(state): State<AppState>,
    _admin: crate::features::accounts::session::Admin,
    Path(id): Path<Uuid>,
) -> Response {
    if state.config.is_production() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match outbox::detail(&state.db, id).await {
        Ok(Some((_, html))) => {
            let mut res = html.into_response();
            let headers = res.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            // The security middleware keeps a policy a handler set itself.
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'",
                ),
            );
            res
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "mailbox preview failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// `GET /admin/mail/{id}/attachments/{position}`: one attached file, downloaded (never shown
/// inline, so an attached HTML or SVG file cannot run in the app's origin).
pub async fn attachment_route(
    State(state): State<AppState>,
    _admin: crate::features::accounts::session::Admin,
    Path((id, position)): Path<(Uuid, i32)>,
) -> Response {
    if state.config.is_production() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match outbox::attachment(&state.db, id, position).await {
        Ok(Some(file)) => {
            let disposition = content_disposition(file.filename());
            let content_type = HeaderValue::from_str(file.content_type())
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            let mut res = file.bytes().to_vec().into_response();
            let headers = res.headers_mut();
            headers.insert(header::CONTENT_TYPE, content_type);
            headers.insert(header::CONTENT_DISPOSITION, disposition);
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
            res
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "mailbox attachment download failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): an ASCII
/// fallback for old clients and the exact name for the rest.
fn content_disposition(filename: &str) -> HeaderValue {
    let fallback: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn download_names_are_quoted_safely_and_keep_unicode() {
        assert_eq!(
            content_disposition("Zoë \"x\".pdf").to_str().unwrap(),
            "attachment; filename=\"Zo_ _x_.pdf\"; filename*=UTF-8''Zo%C3%AB%20%22x%22.pdf"
        );
    }
}
