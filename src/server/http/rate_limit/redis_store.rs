use redis::{AsyncConnectionConfig, ErrorKind, RedisError, Script, aio::MultiplexedConnection};
use std::{
    num::NonZeroU32,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use super::{Decision, Key, LimitStore, Unavailable};

/// Redis is on the path of every server function: a slow or dead one must cost a request
/// at most this much before the in-process limiter takes over.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(250);
const CALL_TIMEOUT: Duration = Duration::from_millis(200);

/// One fixed window per minute of Redis's own clock (`TIME`), so instances whose clocks
/// differ still share windows. INCR and EXPIRE run as one atomic step. The window's key is
/// derived from KEYS[1] inside its `{…}` hash tag, so it stays in KEYS[1]'s cluster slot.
const COUNT_IN_WINDOW: &str = r"
local now = redis.call('TIME')
local secs = tonumber(now[1])
local window = secs - secs % 60
local key = KEYS[1] .. ':' .. window
local count = redis.call('INCR', key)
if count == 1 then
  redis.call('EXPIRE', key, 120)
end
local left_ms = (window + 60 - secs) * 1000 - math.floor(tonumber(now[2]) / 1000)
return {count, left_ms}
";

/// Counts in Redis, shared by every instance with the same `REDIS_URL`.
pub struct RedisStore {
    client: redis::Client,
    limit: u64,
    script: Script,
    /// The connection in use and the attempt that made it; `None` until one succeeds.
    connection: Mutex<Option<(u64, MultiplexedConnection)>>,
    /// One connection attempt at a time; the others wait for its outcome.
    connecting: tokio::sync::Mutex<()>,
    attempts: AtomicU64,
}

impl RedisStore {
    /// Connects lazily: nothing is dialled until the first request.
    pub fn new(url: &str, requests_per_minute: NonZeroU32) -> Result<Self, Unavailable> {
        let client = redis::Client::open(url).map_err(|e| Unavailable(format!("REDIS_URL: {e}")))?;
        Ok(Self {
            client,
            limit: u64::from(requests_per_minute.get()),
            script: Script::new(COUNT_IN_WINDOW),
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            attempts: AtomicU64::new(0),
        })
    }

    fn current(&self) -> Option<(u64, MultiplexedConnection)> {
        self.connection.lock().ok()?.clone()
    }

    /// Drops the connection made by `attempt`, unless another has replaced it already.
    fn forget(&self, attempt: u64) {
        if let Ok(mut connection) = self.connection.lock()
            && connection.as_ref().is_some_and(|(made_by, _)| *made_by == attempt)
        {
            *connection = None;
        }
    }

    async fn connection(&self) -> Result<(u64, MultiplexedConnection), Unavailable> {
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let attempts_before = self.attempts.load(Ordering::SeqCst);
        let _one_at_a_time = self.connecting.lock().await;
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        // Whoever held the lock just failed: that answer is fresh enough for us too.
        if self.attempts.load(Ordering::SeqCst) != attempts_before {
            return Err(Unavailable("cannot connect to Redis".into()));
        }
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT));
        let connection = tokio::time::timeout(
            CONNECT_TIMEOUT * 2,
            self.client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .map_err(|_| Unavailable("connecting to Redis timed out".into()))?
        .map_err(|e| Unavailable(format!("cannot connect to Redis: {e}")))?;
        if let Ok(mut current) = self.connection.lock() {
            *current = Some((attempt, connection.clone()));
        }
        Ok((attempt, connection))
    }

    async fn count(&self, mut connection: MultiplexedConnection, key: &Key) -> Result<Decision, CallError> {
        let invocation = self.script.key(format!("threadr:rpm:{{{key}}}"));
        let call = invocation.invoke_async::<(u64, u64)>(&mut connection);
        let (count, left_ms) = tokio::time::timeout(CALL_TIMEOUT, call).await.map_err(|_| CallError::TimedOut)??;
        Ok(if count <= self.limit {
            Decision::Allowed
        } else {
            Decision::Limited { retry_after: Duration::from_millis(left_ms) }
        })
    }

    async fn counted(&self, key: &Key) -> Result<Decision, Unavailable> {
        let (attempt, connection) = self.connection().await?;
        match self.count(connection, key).await {
            Ok(decision) => Ok(decision),
            Err(CallError::Redis(e)) if e.is_connection_dropped() => {
                // Redis restarted since the last request: a fresh connection before calling it down.
                self.forget(attempt);
                let (attempt, connection) = self.connection().await?;
                self.count(connection, key).await.map_err(|e| self.failed(attempt, e))
            }
            Err(e) => Err(self.failed(attempt, e)),
        }
    }

    /// Deletes `key`'s counts of this minute and the last.
    pub async fn reset(&self, key: &Key) -> Result<(), Unavailable> {
        let (attempt, mut connection) = self.connection().await?;
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let window = secs - secs % 60;
        let keys =
            [format!("threadr:rpm:{{{key}}}:{window}"), format!("threadr:rpm:{{{key}}}:{}", window.saturating_sub(60))];
        let mut del = redis::cmd("DEL");
        del.arg(&keys[..]);
        match tokio::time::timeout(CALL_TIMEOUT, del.query_async::<i64>(&mut connection)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.failed(attempt, CallError::Redis(e))),
            Err(_) => Err(self.failed(attempt, CallError::TimedOut)),
        }
    }

    fn failed(&self, attempt: u64, error: CallError) -> Unavailable {
        // A script error is a bug here, not a broken connection; anything else starts afresh.
        if !matches!(&error, CallError::Redis(e) if matches!(e.kind(), ErrorKind::Server(_))) {
            self.forget(attempt);
        }
        Unavailable(error.to_string())
    }
}

impl LimitStore for RedisStore {
    async fn hit(&self, key: &Key) -> Result<Decision, Unavailable> {
        self.counted(key).await
    }

    async fn probe(&self) -> Result<(), Unavailable> {
        let (attempt, mut connection) = self.connection().await?;
        let ping_cmd = redis::cmd("PING");
        let ping = ping_cmd.query_async::<String>(&mut connection);
        match tokio::time::timeout(CALL_TIMEOUT, ping).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.failed(attempt, CallError::Redis(e))),
            Err(_) => Err(self.failed(attempt, CallError::TimedOut)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("Redis did not answer within {} ms", CALL_TIMEOUT.as_millis())]
    TimedOut,
    #[error("Redis call failed: {0}")]
    Redis(#[from] RedisError),
}
