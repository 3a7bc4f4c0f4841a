//! The connection pool and migrations.

use sqlx::{Connection, PgConnection, PgPool, migrate::Migrator, postgres::PgPoolOptions};
use std::time::{Duration, Instant};

use super::{config::Config, error::StartupError};

/// Migrations are compiled into the binary; `migrate` and `serve` apply them.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A request waits at most this long for a connection, so pages fail fast (503) while the
/// database is down instead of hanging.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(4);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

pub fn pool_options(config: &Config) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(config.database_pool_size)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .idle_timeout(Duration::from_secs(600))
        // A connection killed while the database restarts is noticed and replaced on checkout,
        // which is how the app recovers by itself.
        .test_before_acquire(true)
}

/// Connects, retrying with exponential backoff for `DATABASE_CONNECT_TIMEOUT_SECS`.
/// Each attempt is one plain connection (the pool would retry on its own for its acquire
/// timeout and blur the window); the pool is built once the database answers.
pub async fn connect(config: &Config) -> Result<PgPool, StartupError> {
    let window = config.database_connect_timeout;
    let started = Instant::now();
    let mut delay = FIRST_RETRY;
    let mut attempt = 1u32;
    loop {
        let remaining = window.saturating_sub(started.elapsed()).max(Duration::from_millis(100));
        let error =
            match tokio::time::timeout(remaining.min(ATTEMPT_TIMEOUT), PgConnection::connect_with(&config.database))
                .await
            {
                Ok(Ok(probe)) => {
                    let _ = probe.close().await;
                    match pool_options(config).connect_with(config.database.clone()).await {
                        Ok(pool) => return Ok(pool),
                        Err(e) => e.to_string(),
                    }
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} s", remaining.min(ATTEMPT_TIMEOUT).as_secs_f64()),
            };
        let waited = started.elapsed();
        if waited + delay > window {
            return Err(StartupError::DatabaseUnreachable { waited, attempts: attempt, last_error: error });
        }
        tracing::warn!(attempt, retry_in_ms = delay.as_millis() as u64, error = %error, "database not reachable yet, retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY);
        attempt += 1;
    }
}

pub async fn migrate(pool: &PgPool) -> Result<(), StartupError> {
    MIGRATOR.run(pool).await.map_err(|e| StartupError::Migration(e.to_string()))
}
