//! The per-minute limit on server functions (`/api/…`): `REQUESTS_PER_MINUTE` per signed-in
//! user, or per client IP when signed out.
//!
//! Counted in this process by default ([`InProcess`]); with `REDIS_URL`, in Redis so that every
//! instance shares one count ([`RedisStore`]), and back in this process while Redis cannot be
//! reached ([`Fallback`]). Plumbing only: it knows sessions and IPs, no feature.

mod fallback;
mod in_process;
mod key;
mod middleware;
mod redis_store;
mod store;

pub use fallback::Fallback;
pub use in_process::InProcess;
pub use key::Key;
pub use middleware::limit_server_functions;
pub use redis_store::RedisStore;
pub use store::{Decision, LimitStore, Unavailable};

use std::sync::Arc;

use crate::server::config::RateLimitConfig;

/// The limiter the server uses, as configured. Cheap to clone.
#[derive(Clone)]
pub struct RateLimiter(Arc<Backend>);

enum Backend {
    InProcess(InProcess),
    Shared(Fallback<RedisStore>),
}

impl RateLimiter {
    pub fn from_config(config: &RateLimitConfig) -> Self {
        let local = InProcess::new(config.requests_per_minute);
        let backend = match &config.redis_url {
            None => Backend::InProcess(local),
            Some(url) => match RedisStore::new(url, config.requests_per_minute) {
                Ok(redis) => Backend::Shared(Fallback::new(redis, local)),
                // Config parsing already accepted the URL; this is a safety net, not a path.
                Err(e) => {
                    tracing::error!(error = %e, "REDIS_URL unusable: per-minute limits are counted in this instance only");
                    Backend::InProcess(local)
                }
            },
        };
        Self(Arc::new(backend))
    }

    /// Forgets `key`'s count in Redis (an admin's "reset rate limits"). A count kept in this
    /// process cannot be cleared one key at a time (governor has no such call); it empties
    /// itself within the minute.
    pub async fn reset(&self, key: &Key) {
        if let Backend::Shared(shared) = &*self.0
            && let Err(e) = shared.primary().reset(key).await
        {
            tracing::warn!(error = %e, "could not clear a per-minute count in Redis");
        }
    }

    /// Whether the shared store (Redis) answers PING now; `None` when there is none (counts
    /// kept in this process). A connection Redis dropped is replaced once before it counts
    /// as down.
    pub async fn ping_shared(&self) -> Option<Result<(), Unavailable>> {
        match &*self.0 {
            Backend::InProcess(_) => None,
            Backend::Shared(shared) => {
                let redis = shared.primary();
                Some(match redis.probe().await {
                    Ok(()) => Ok(()),
                    Err(_) => redis.probe().await,
                })
            }
        }
    }

    /// Counts one request for `key` and says whether it may go ahead.
    pub async fn check(&self, key: &Key) -> Decision {
        match &*self.0 {
            Backend::InProcess(local) => local.count(key),
            Backend::Shared(shared) => shared.check(key).await,
        }
    }
}
