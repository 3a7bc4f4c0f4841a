//! Attempt limits kept in PostgreSQL so every instance shares them: at most `max` attempts
//! per key in a sliding window. Advisory locks make the count exact under concurrency.

use sqlx::PgPool;
use std::time::Duration;

/// Records an attempt for every key, or refuses all of them with the seconds until the
/// oldest attempt in the window of the first exhausted key expires.
pub async fn attempt(
    pool: &PgPool,
    scope: &str,
    keys: &[(String, i64)],
    window: Duration,
) -> Result<Result<(), u64>, sqlx::Error> {
    let mut keys: Vec<&(String, i64)> = keys.iter().collect();
    // The same lock order everywhere: no deadlocks between requests sharing keys.
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    let mut tx = pool.begin().await?;
    for (key, _) in &keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("{scope}:{key}"))
            .execute(&mut *tx)
            .await?;
    }
    let secs = window.as_secs_f64();
    for (key, max) in &keys {
        let (count, retry_after): (i64, Option<f64>) = sqlx::query_as(
            "SELECT count(*), extract(epoch FROM min(at) + make_interval(secs => $3) - now())::float8
               FROM auth_attempts WHERE scope = $1 AND key = $2 AND at > now() - make_interval(secs => $3)",
        )
        .bind(scope)
        .bind(key)
        .bind(secs)
        .fetch_one(&mut *tx)
        .await?;
        if count >= *max {
            tx.rollback().await?;
            return Ok(Err(retry_after.unwrap_or(secs).ceil().max(1.0) as u64));
        }
    }
    for (key, _) in &keys {
        sqlx::query("INSERT INTO auth_attempts (scope, key) VALUES ($1, $2)")
            .bind(scope)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(()))
}
