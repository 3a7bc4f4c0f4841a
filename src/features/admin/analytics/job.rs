//! Keeps the analytics rollups current: every five minutes (and shortly after start) one
//! instance at a time recomputes the finished days that are not settled yet, a month per
//! transaction, so a first run over a year of history does not hold one long transaction.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use super::db;

const EVERY: std::time::Duration = std::time::Duration::from_secs(300);
const CHUNK_DAYS: i64 = 31;

/// Rolls every unsettled finished day; returns how many days it rolled (0 when another
/// instance holds the job, or nothing was due).
pub async fn roll_due(pool: &PgPool, now: DateTime<Utc>) -> sqlx::Result<usize> {
    let Some((first, last)) = db::unsettled(pool, now).await? else { return Ok(0) };
    let mut rolled = 0;
    let mut from = first;
    while from <= last {
        let to = (from + Duration::days(CHUNK_DAYS - 1)).min(last);
        let mut tx = pool.begin().await?;
        let mine: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended('analytics-rollup', 0))")
                .fetch_one(&mut *tx)
                .await?;
        if !mine {
            return Ok(rolled);
        }
        db::roll(&mut tx, from, to, now).await?;
        tx.commit().await?;
        rolled += usize::try_from((to - from).num_days() + 1).unwrap_or(0);
        from = to + Duration::days(1);
    }
    Ok(rolled)
}

pub async fn run(state: crate::server::state::AppState) {
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        let started = std::time::Instant::now();
        match roll_due(&state.db, state.clock.now()).await {
            Ok(0) => {}
            Ok(days) => tracing::info!(days, ms = started.elapsed().as_millis() as u64, "analytics rolled up"),
            Err(e) => tracing::warn!(error = %e, "analytics rollup failed; retrying in five minutes"),
        }
    }
}
