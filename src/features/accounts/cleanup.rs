//! Hourly housekeeping: expired sessions, the device rows of sessions that expired with
//! them, and sign-in attempts older than any limit window.

use sqlx::PgPool;
use std::time::Duration;
use tower_sessions::ExpiredDeletion;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs until the task is aborted.
pub async fn run(pool: PgPool) {
    let store = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "deleting expired sessions failed");
        }
        if let Err(e) = once(&pool).await {
            tracing::warn!(error = %e, "account housekeeping failed");
        }
    }
}

/// One round of deletions; returns how many rows went.
pub async fn once(pool: &PgPool) -> Result<u64, sqlx::Error> {
    // Sessions live 30 days from the last request; rows are touched every 5 minutes.
    let rows = sqlx::query("DELETE FROM user_sessions WHERE last_seen_at < now() - interval '31 days'")
        .execute(pool)
        .await?
        .rows_affected();
    let attempts = sqlx::query("DELETE FROM auth_attempts WHERE at < now() - interval '1 day'")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(rows + attempts)
}
