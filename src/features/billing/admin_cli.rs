//! `threadr replay-webhook`: processes stored webhook events again through the webhook's own
//! code path (after fixing what made them fail), one line per event for the operator.

use sqlx::PgPool;

use super::stripe::{StripeApi, StripeHttp};
use super::webhook::{self, Deps, Handled};
use crate::features::email::Mailer;
use crate::server::config::Config;

/// Replays the events `ids`, and with `failed_since` every event received since then whose
/// processing failed (oldest first). Returns one line per event and whether all succeeded.
pub async fn replay(
    pool: &PgPool,
    config: &Config,
    ids: &[String],
    failed_since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(Vec<String>, bool), sqlx::Error> {
    let mut ids = ids.to_vec();
    if let Some(since) = failed_since {
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM stripe_events WHERE status = 'failed' AND received_at >= $1 ORDER BY created_at, id",
        )
        .bind(since)
        .fetch_all(pool)
        .await?;
        ids.extend(stored);
    }
    let stripe = StripeHttp::from_config(&config.billing).ok().flatten();
    let mailer = Mailer::new(config);
    let mut lines = Vec::new();
    let mut all_ok = true;
    for id in ids {
        let deps = Deps {
            stripe: stripe.as_ref().map(|s| s as &dyn StripeApi),
            config: &config.billing,
            mailer: &mailer,
            now: chrono::Utc::now(),
        };
        lines.push(match webhook::run_with(pool, &deps, &id).await {
            Ok(Handled::Processed(what)) => format!("{id}: processed: {what}"),
            Ok(Handled::Ignored(why)) => format!("{id}: ignored: {why}"),
            Ok(Handled::Duplicate) => format!("{id}: already processed; nothing done"),
            Err(e) => {
                all_ok = false;
                format!("{id}: failed: {e}")
            }
        });
    }
    if lines.is_empty() {
        lines.push("no events to replay".to_string());
    }
    Ok((lines, all_ok))
}
