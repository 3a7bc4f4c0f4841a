use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{Decision, InProcess, Key, LimitStore};

/// While the shared store is down, it is tried again at most this often.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// The shared store while it answers; this process's own count while it does not. An outage
/// is logged once when it starts and once when it ends, never per request. Requests do not
/// wait for a down store: a background probe finds out when it is back.
pub struct Fallback<P> {
    primary: Arc<P>,
    backup: InProcess,
    health: Arc<Health>,
}

struct Health {
    down: AtomicBool,
    since: Instant,
    /// Milliseconds after `since` when the next probe is due.
    next_probe: AtomicU64,
}

impl<P: LimitStore> Fallback<P> {
    pub fn new(primary: P, backup: InProcess) -> Self {
        let health = Health { down: AtomicBool::new(false), since: Instant::now(), next_probe: AtomicU64::new(0) };
        Self { primary: Arc::new(primary), backup, health: Arc::new(health) }
    }

    /// The shared store this falls back from.
    pub fn primary(&self) -> &P {
        &self.primary
    }

    /// Counts one request for `key` and says whether it may go ahead.
    pub async fn check(&self, key: &Key) -> Decision {
        if !self.health.down.load(Ordering::SeqCst) {
            match self.primary.hit(key).await {
                Ok(decision) => return decision,
                Err(error) => {
                    self.health.schedule_probe();
                    // Only the request that flips the state logs: one line per outage.
                    if !self.health.down.swap(true, Ordering::SeqCst) {
                        tracing::warn!(
                            %error,
                            "Redis is unreachable: per-minute request limits are counted by each instance alone until it is back"
                        );
                    }
                }
            }
        } else if self.health.claim_probe() {
            self.spawn_probe();
        }
        self.backup.count(key)
    }

    fn spawn_probe(&self) {
        let (primary, health) = (self.primary.clone(), self.health.clone());
        tokio::spawn(async move {
            if primary.probe().await.is_ok() {
                if health.down.swap(false, Ordering::SeqCst) {
                    tracing::info!("Redis is reachable again: per-minute request limits are shared again");
                }
            } else {
                health.schedule_probe();
            }
        });
    }
}

impl Health {
    fn now(&self) -> u64 {
        u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn schedule_probe(&self) {
        self.next_probe.store(self.now().saturating_add(PROBE_EVERY.as_millis() as u64), Ordering::SeqCst);
    }

    /// True for exactly one caller once a probe is due.
    fn claim_probe(&self) -> bool {
        let now = self.now();
        let due = self.next_probe.load(Ordering::SeqCst);
        now >= due
            && self
                .next_probe
                .compare_exchange(
                    due,
                    now.saturating_add(PROBE_EVERY.as_millis() as u64),
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
    }
}
