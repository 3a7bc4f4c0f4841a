//! Request latency and database connection failures per instance per minute, kept in memory
//! and upserted into `instance_minutes` every [`FLUSH_EVERY`] (the alert evaluator reads
//! them). A flush takes what was counted since the last one and adds it to the rows (the
//! current, unfinished minute included), so flushing more often never counts twice; while
//! the database is away the counts stay in memory and are written when it is back.

use chrono::{DateTime, DurationRound, Utc};
use sqlx::PgPool;
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio_util::sync::CancellationToken;

/// Upper bounds of the latency buckets, in milliseconds. `latency_buckets[i]` counts requests
/// that took at most `LATENCY_BUCKETS_MS[i]` ms and more than the bound before it; the array
/// has one more slot, last, for requests slower than the last bound.
pub const LATENCY_BUCKETS_MS: &[u64] = &[5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000];
/// Slots of `instance_minutes.latency_buckets`: one per bound, plus "above the last bound".
pub const BUCKET_SLOTS: usize = LATENCY_BUCKETS_MS.len() + 1;
/// How often the background task writes the counts.
pub const FLUSH_EVERY: Duration = Duration::from_secs(15);
/// Rows (and counts kept in memory while the database is away) older than this are dropped.
pub const KEEP_FOR: chrono::Duration = chrono::Duration::days(2);
/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The slot of `instance_minutes.latency_buckets` a request of `latency_ms` falls in.
pub fn bucket_of(latency_ms: u64) -> usize {
    LATENCY_BUCKETS_MS.iter().position(|bound| latency_ms <= *bound).unwrap_or(LATENCY_BUCKETS_MS.len())
}

/// The start of the minute `t` falls in.
pub fn minute_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(chrono::Duration::minutes(1)).unwrap_or(t)
}

/// What one minute counted (since the last flush).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinuteCounts {
    pub requests: u64,
    pub latency_buckets: [u64; BUCKET_SLOTS],
    pub db_failures: u32,
}

impl Default for MinuteCounts {
    fn default() -> Self {
        Self { requests: 0, latency_buckets: [0; BUCKET_SLOTS], db_failures: 0 }
    }
}

impl MinuteCounts {
    fn add(&mut self, other: &MinuteCounts) {
        self.requests += other.requests;
        self.db_failures = self.db_failures.saturating_add(other.db_failures);
        for (mine, theirs) in self.latency_buckets.iter_mut().zip(other.latency_buckets) {
            *mine += theirs;
        }
    }
}

/// One instance's counts not written yet, by minute. Cheap to clone (shared).
#[derive(Clone)]
pub struct Minutes {
    instance_id: Arc<str>,
    pending: Arc<Mutex<BTreeMap<DateTime<Utc>, MinuteCounts>>>,
}

impl Minutes {
    pub fn new(instance_id: &str) -> Self {
        Self { instance_id: instance_id.into(), pending: Arc::default() }
    }

    /// The `instance_minutes.instance_id` this aggregate writes.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    fn with_minute(&self, at: DateTime<Utc>, change: impl FnOnce(&mut MinuteCounts)) {
        if let Ok(mut pending) = self.pending.lock() {
            change(pending.entry(minute_of(at)).or_default());
        }
    }

    /// Counts one request answered at `at` after `latency`.
    pub fn record_request(&self, at: DateTime<Utc>, latency: Duration) {
        let slot = bucket_of(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
        self.with_minute(at, |m| {
            m.requests += 1;
            m.latency_buckets[slot] += 1;
        });
    }

    /// Counts one database connection failure at `at`.
    pub fn record_db_failure(&self, at: DateTime<Utc>) {
        self.with_minute(at, |m| m.db_failures = m.db_failures.saturating_add(1));
    }

    /// The counts not written yet, oldest minute first.
    pub fn pending(&self) -> Vec<(DateTime<Utc>, MinuteCounts)> {
        self.pending.lock().map(|p| p.iter().map(|(k, v)| (*k, v.clone())).collect()).unwrap_or_default()
    }

    fn take(&self) -> BTreeMap<DateTime<Utc>, MinuteCounts> {
        self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default()
    }

    /// Puts counts that could not be written back (merged with what was counted meanwhile),
    /// dropping minutes older than [`KEEP_FOR`].
    fn restore(&self, taken: BTreeMap<DateTime<Utc>, MinuteCounts>) {
        let oldest = minute_of(Utc::now() - KEEP_FOR);
        if let Ok(mut pending) = self.pending.lock() {
            for (minute, counts) in taken.into_iter().filter(|(minute, _)| *minute >= oldest) {
                pending.entry(minute).or_default().add(&counts);
            }
        }
    }

    /// Adds everything counted since the last flush to `instance_minutes` (one transaction)
    /// and returns how many minutes were written. On failure the counts stay in memory for the
    /// next flush, and a connection failure is itself counted.
    pub async fn flush(&self, db: &PgPool) -> Result<usize, sqlx::Error> {
        let taken = self.take();
        if taken.is_empty() {
            return Ok(0);
        }
        match write(db, &self.instance_id, &taken).await {
            Ok(()) => Ok(taken.len()),
            Err(e) => {
                if crate::server::error::is_unavailable(&e) {
                    ::metrics::counter!("threadr_db_connection_failures_total").increment(1);
                    self.with_minute(Utc::now(), |m| m.db_failures = m.db_failures.saturating_add(1));
                }
                self.restore(taken);
                Err(e)
            }
        }
    }

    /// Deletes every instance's rows older than [`KEEP_FOR`].
    pub async fn prune(db: &PgPool, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        let done =
            sqlx::query("DELETE FROM instance_minutes WHERE minute < $1").bind(now - KEEP_FOR).execute(db).await?;
        Ok(done.rows_affected())
    }

    /// Flushes every [`FLUSH_EVERY`] and prunes every ten minutes until `stop`, then flushes
    /// once more.
    pub async fn run(self, db: PgPool, stop: CancellationToken) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_prune: Option<tokio::time::Instant> = None;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.cancelled() => break,
            }
            if let Err(e) = self.flush(&db).await {
                tracing::warn!(error = %e, "request minutes not written yet; kept in memory");
            }
            if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                last_prune = Some(tokio::time::Instant::now());
                if let Err(e) = Self::prune(&db, Utc::now()).await {
                    tracing::warn!(error = %e, "old request minutes not pruned");
                }
            }
        }
        if let Err(e) = self.flush(&db).await {
            tracing::warn!(error = %e, "the last request minutes could not be written");
        }
    }
}

async fn write(
    db: &PgPool,
    instance: &str,
    minutes: &BTreeMap<DateTime<Utc>, MinuteCounts>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (minute, counts) in minutes {
        let buckets: Vec<i64> = counts.latency_buckets.iter().map(|n| i64::try_from(*n).unwrap_or(i64::MAX)).collect();
        sqlx::query(
            "INSERT INTO instance_minutes (instance_id, minute, requests, latency_buckets, db_failures)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (instance_id, minute) DO UPDATE SET
                 requests = instance_minutes.requests + EXCLUDED.requests,
                 latency_buckets = ARRAY(
                     SELECT coalesce(old, 0) + coalesce(new, 0)
                       FROM unnest(instance_minutes.latency_buckets, EXCLUDED.latency_buckets)
                            WITH ORDINALITY AS slots(old, new, i)
                      ORDER BY i),
                 db_failures = instance_minutes.db_failures + EXCLUDED.db_failures",
        )
        .bind(instance)
        .bind(minute)
        .bind(i64::try_from(counts.requests).unwrap_or(i64::MAX))
        .bind(buckets)
        .bind(i32::try_from(counts.db_failures).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_upper_bounds_with_one_slot_above_the_last() {
        assert!(LATENCY_BUCKETS_MS.contains(&2000));
        assert!(LATENCY_BUCKETS_MS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(5), 0);
        assert_eq!(bucket_of(6), 1);
        assert_eq!(bucket_of(2000), LATENCY_BUCKETS_MS.iter().position(|b| *b == 2000).unwrap());
        assert_eq!(bucket_of(2001), LATENCY_BUCKETS_MS.iter().position(|b| *b == 2000).unwrap() + 1);
        assert_eq!(bucket_of(u64::MAX), BUCKET_SLOTS - 1);
    }

    #[test]
    fn counts_are_grouped_by_minute_and_kept_until_written() {
        let minutes = Minutes::new("test");
        let t = DateTime::parse_from_rfc3339("2020-01-01T10:15:42Z").unwrap().with_timezone(&Utc);
        minutes.record_request(t, Duration::from_millis(3));
        minutes.record_request(t + chrono::Duration::seconds(10), Duration::from_millis(3000));
        minutes.record_db_failure(t + chrono::Duration::seconds(30));
        let pending = minutes.pending();
        assert_eq!(pending.len(), 2, "10:15 and 10:16");
        assert_eq!(pending[0].0, minute_of(t));
        assert_eq!(pending[0].1.requests, 2);
        assert_eq!(pending[0].1.latency_buckets[0], 1);
        assert_eq!(pending[0].1.latency_buckets[bucket_of(3000)], 1);
        assert_eq!(pending[1].1.db_failures, 1);
        let taken = minutes.take();
        assert!(minutes.pending().is_empty());
        let now = Utc::now();
        minutes.record_request(now, Duration::from_millis(3));
        minutes.restore(taken);
        let pending = minutes.pending();
        assert_eq!(pending.len(), 1, "minutes older than two days are dropped: {pending:?}");
        assert_eq!(pending[0].0, minute_of(now));
    }
}
