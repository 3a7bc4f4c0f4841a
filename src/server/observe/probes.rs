//! What the detailed health check asks of the plumbing: each check bounded by a timeout and
//! timed, the database and Redis probed, the pool and this process's memory read.

use serde::Serialize;
use std::{
    future::Future,
    time::{Duration, Instant},
};

/// How long any one check may take before it counts as down.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Degraded,
    Down,
}

/// One service's answer: its status, how long finding out took, and why (when not healthy,
/// or to say it is not configured).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub status: Status,
    pub latency_ms: u64,
    pub reason: Option<String>,
}

/// What a check finds, before it is timed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub status: Status,
    pub reason: Option<String>,
}

impl Finding {
    pub fn healthy() -> Self {
        Self { status: Status::Healthy, reason: None }
    }
    pub fn note(status: Status, reason: impl Into<String>) -> Self {
        Self { status, reason: Some(reason.into()) }
    }
}

/// Runs `check` within [`CHECK_TIMEOUT`] and times it; too slow is down.
pub async fn timed(check: impl Future<Output = Finding>) -> Check {
    timed_within(CHECK_TIMEOUT, check).await
}

async fn timed_within(limit: Duration, check: impl Future<Output = Finding>) -> Check {
    let started = Instant::now();
    let finding = tokio::time::timeout(limit, check)
        .await
        .unwrap_or_else(|_| Finding::note(Status::Down, format!("no answer within {} ms", limit.as_millis())));
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Check { status: finding.status, latency_ms, reason: finding.reason }
}

/// A slow-but-working database is degraded above this.
const SLOW_DATABASE: Duration = Duration::from_millis(500);

/// `SELECT 1` through the pool.
pub async fn database(db: &sqlx::PgPool) -> Finding {
    let started = Instant::now();
    match sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(db).await {
        Ok(_) if started.elapsed() > SLOW_DATABASE => {
            Finding::note(Status::Degraded, format!("answered in {} ms", started.elapsed().as_millis()))
        }
        Ok(_) => Finding::healthy(),
        Err(e) => {
            if crate::server::error::is_unavailable(&e) {
                super::note_db_failure();
            }
            Finding::note(Status::Down, database_reason(&e))
        }
    }
}

/// Why the database did not answer, without connection details.
fn database_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::PoolTimedOut => "no connection free within the pool timeout".into(),
        sqlx::Error::PoolClosed => "the pool is closed".into(),
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => "cannot connect".into(),
        sqlx::Error::Database(db) => format!("database error {}", db.code().unwrap_or_default()),
        _ => "query failed".into(),
    }
}

/// Redis (the shared rate-limit store), when REDIS_URL is set: `None` when it is not.
pub async fn redis(limiter: &crate::server::http::rate_limit::RateLimiter) -> Option<Finding> {
    let answer = limiter.ping_shared().await?;
    Some(match answer {
        Ok(()) => Finding::healthy(),
        Err(e) => Finding::note(Status::Down, e.0),
    })
}

/// The pool's connections now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pool {
    pub size: u32,
    pub idle: u32,
    pub in_use: u32,
    pub max: u32,
}

pub fn pool(db: &sqlx::PgPool) -> Pool {
    let size = db.size();
    let idle = u32::try_from(db.num_idle()).unwrap_or(u32::MAX);
    Pool { size, idle, in_use: size.saturating_sub(idle), max: db.options().get_max_connections() }
}

/// This process's resident memory in bytes (`VmRSS` of /proc/self/status), where Linux says.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_read_from_proc_status() {
        assert_eq!(parse_vm_rss("Name:\tthreadr\nVmRSS:\t   12345 kB\nThreads: 4\n"), Some(12345 * 1024));
        assert_eq!(parse_vm_rss("Name:\tthreadr\n"), None);
        if cfg!(target_os = "linux") {
            assert!(rss_bytes().is_some_and(|b| b > 0));
        }
    }

    #[tokio::test]
    async fn a_slow_check_is_down_after_the_timeout() {
        let check = timed_within(Duration::from_millis(20), async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Finding::healthy()
        })
        .await;
        assert_eq!(check.status, Status::Down);
        assert!(check.reason.unwrap().contains("no answer"));
    }
}
