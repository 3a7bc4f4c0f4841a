//! `POST /webhooks/stripe`: the signature is checked before anything in the body is read; the
//! event is stored once by its id (a duplicate answers 200 and does nothing); processing runs
//! in one transaction with the event row locked, so twenty parallel deliveries of one event do
//! its work once. A processing error answers 500 (Stripe retries for three days) and is kept
//! with the event in `stripe_events` for the admin area to show and replay through [`run`].

mod event;
pub mod log;
mod payments;
mod process;
pub mod signature;
mod subscriptions;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use sqlx::PgPool;

pub use event::{Event, SubscriptionSnapshot};
pub use payments::PASS_DAYS;
pub use process::{Deps, Outcome, ProcessError};

use crate::server::state::AppState;

/// What a delivery came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    Processed(String),
    Ignored(String),
    /// Already processed (or ignored) before: nothing done.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Process(#[from] ProcessError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("no stored event {0}")]
    Unknown(String),
}

pub async fn stripe_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = state.clock.now().timestamp();
    if let Err(e) = signature::verify(header, &body, &state.config.billing.webhook_secrets, now) {
        tracing::warn!(reason = %e, "stripe webhook refused");
        webhook_metric("unverified", "refused");
        return (StatusCode::BAD_REQUEST, format!("Webhook refused: {e}.")).into_response();
    }
    let event = match Event::parse(&body) {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(reason = %e, "signed stripe webhook with an unreadable body");
            webhook_metric("unreadable", "refused");
            return (StatusCode::BAD_REQUEST, format!("Webhook refused: {e}.")).into_response();
        }
    };
    match ingest(&state, &event).await {
        Ok(handled) => {
            let outcome = match &handled {
                Handled::Processed(what) => what.clone(),
                Handled::Ignored(why) => why.clone(),
                Handled::Duplicate => "duplicate: already handled".to_string(),
            };
            let result = match &handled {
                Handled::Processed(_) => "processed",
                Handled::Ignored(_) => "ignored",
                Handled::Duplicate => "duplicate",
            };
            webhook_metric(&event.kind, result);
            tracing::info!(event = %event.id, kind = %event.kind, outcome = %outcome, "stripe webhook");
            Json(serde_json::json!({ "received": true, "outcome": outcome })).into_response()
        }
        Err(e) => {
            tracing::error!(event = %event.id, kind = %event.kind, error = %e, "stripe webhook failed");
            webhook_metric(&event.kind, "failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "The event could not be processed; Stripe will retry it.")
                .into_response()
        }
    }
}

/// Counts one delivery in `threadr_stripe_webhooks_total` (signed event types only: an
/// unsigned body never names a label).
fn webhook_metric(kind: &str, outcome: &'static str) {
    metrics::counter!("threadr_stripe_webhooks_total", "type" => kind.to_string(), "outcome" => outcome).increment(1);
}

/// Stores `event` once and processes it unless that was done before, in one transaction: a
/// parallel delivery of the same event waits on the new row, then finds it processed.
pub async fn ingest(state: &AppState, event: &Event) -> Result<Handled, IngestError> {
    let deps = deps(state);
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO stripe_events (id, type, created_at, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created_at())
    .bind(&event.raw)
    .execute(&mut *tx)
    .await?;
    locked(&state.db, tx, &deps, &event.id, Some(event)).await
}

/// Processes the stored event `id` unless it was processed already: the admin area's (and
/// `threadr replay-webhook`'s) replay of a failed event goes through here.
pub async fn run(state: &AppState, id: &str) -> Result<Handled, IngestError> {
    run_with(&state.db, &deps(state), id).await
}

pub async fn run_with(db: &PgPool, deps: &Deps<'_>, id: &str) -> Result<Handled, IngestError> {
    let tx = db.begin().await?;
    locked(db, tx, deps, id, None).await
}

fn deps(state: &AppState) -> Deps<'_> {
    Deps {
        stripe: state.stripe.as_deref(),
        config: &state.config.billing,
        mailer: &state.mailer,
        now: state.clock.now(),
    }
}

/// Locks the event row and processes it once; a failure is recorded after the rollback (with
/// the event itself when this delivery brought it, as its row was rolled back too).
async fn locked(
    db: &PgPool,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    deps: &Deps<'_>,
    id: &str,
    delivered: Option<&Event>,
) -> Result<Handled, IngestError> {
    let row: Option<(String, serde_json::Value)> =
        sqlx::query_as("SELECT status, payload FROM stripe_events WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((status, payload)) = row else { return Err(IngestError::Unknown(id.to_string())) };
    if matches!(status.as_str(), "processed" | "ignored") {
        tx.commit().await?;
        return Ok(Handled::Duplicate);
    }
    let parsed;
    let event = match delivered {
        Some(event) => event,
        None => {
            parsed = Event::from_value(payload).map_err(ProcessError::Malformed)?;
            &parsed
        }
    };
    match process::process(&mut tx, deps, event).await {
        Ok(outcome) => {
            let (status, text) = match &outcome {
                Outcome::Done(what) => ("processed", what),
                Outcome::Ignored(why) => ("ignored", why),
            };
            sqlx::query(
                "UPDATE stripe_events SET status = $2, outcome = $3, error = NULL, attempts = attempts + 1,
                        last_attempt_at = $4, processed_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(text)
            .bind(deps.now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(match outcome {
                Outcome::Done(what) => Handled::Processed(what),
                Outcome::Ignored(why) => Handled::Ignored(why),
            })
        }
        Err(e) => {
            tx.rollback().await?;
            sqlx::query(
                "INSERT INTO stripe_events (id, type, created_at, payload, status, error, attempts, last_attempt_at)
                 VALUES ($1, $2, $3, $4, 'failed', $5, 1, $6)
                 ON CONFLICT (id) DO UPDATE SET status = 'failed', error = EXCLUDED.error,
                        attempts = stripe_events.attempts + 1, last_attempt_at = EXCLUDED.last_attempt_at
                  WHERE stripe_events.status NOT IN ('processed', 'ignored')",
            )
            .bind(id)
            .bind(&event.kind)
            .bind(event.created_at())
            .bind(&event.raw)
            .bind(e.to_string())
            .bind(deps.now)
            .execute(db)
            .await?;
            Err(e.into())
        }
    }
}
