use sqlx::PgPool;
use std::time::{Duration, Instant};

use super::model::DatabaseHealth;

/// Give up on a ping quickly: a status widget must not hang the page.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn ping(db: &PgPool) -> DatabaseHealth {
    let started = Instant::now();
    match tokio::time::timeout(PING_TIMEOUT, sqlx::query("SELECT 1").execute(db)).await {
        Ok(Ok(_)) => DatabaseHealth::Reachable { latency_ms: started.elapsed().as_secs_f64() * 1000.0 },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database ping failed");
            DatabaseHealth::Unreachable
        }
        Err(_) => {
            tracing::warn!("database ping timed out");
            DatabaseHealth::Unreachable
        }
    }
}

pub struct Facts {
    pub postgres_version: String,
    pub migrations_applied: i64,
    pub latest_migration: Option<String>,
}

pub async fn facts(db: &PgPool) -> Result<Facts, sqlx::Error> {
    let (postgres_version, migrations_applied, latest_migration): (String, i64, Option<String>) = sqlx::query_as(
        "SELECT current_setting('server_version'),
                (SELECT count(*) FROM _sqlx_migrations WHERE success),
                (SELECT description FROM _sqlx_migrations WHERE success ORDER BY version DESC LIMIT 1)",
    )
    .fetch_one(db)
    .await?;
    Ok(Facts { postgres_version, migrations_applied, latest_migration })
}
