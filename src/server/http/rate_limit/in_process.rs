use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use super::{Decision, Key, LimitStore, Unavailable};

/// How often keys that are back to a full allowance are dropped, so memory follows the
/// number of recent clients rather than every client ever seen.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Counts in this process: a keyed GCRA limiter (`governor`) that allows the full minute's
/// requests at once and then one more every 60/N seconds.
pub struct InProcess {
    limiter: RateLimiter<Key, DefaultKeyedStateStore<Key>, DefaultClock>,
    created: Instant,
    /// Milliseconds after `created` when the next sweep is due.
    next_sweep: AtomicU64,
}

impl InProcess {
    pub fn new(requests_per_minute: NonZeroU32) -> Self {
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(requests_per_minute)),
            created: Instant::now(),
            next_sweep: AtomicU64::new(millis(SWEEP_EVERY)),
        }
    }

    /// Counts one request for `key`; never fails.
    pub fn count(&self, key: &Key) -> Decision {
        self.sweep_now_and_then();
        match self.limiter.check_key(key) {
            Ok(()) => Decision::Allowed,
            Err(not_until) => Decision::Limited { retry_after: not_until.wait_time_from(self.limiter.clock().now()) },
        }
    }

    fn sweep_now_and_then(&self) {
        let now = millis(self.created.elapsed());
        let due = self.next_sweep.load(Ordering::Relaxed);
        // Whoever wins the exchange sweeps; everyone else goes on.
        if now >= due
            && self
                .next_sweep
                .compare_exchange(due, now + millis(SWEEP_EVERY), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

impl LimitStore for InProcess {
    async fn hit(&self, key: &Key) -> Result<Decision, Unavailable> {
        Ok(self.count(key))
    }

    async fn probe(&self) -> Result<(), Unavailable> {
        Ok(())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_minutes_requests_then_limits_each_key_alone() {
        let limiter = InProcess::new(NonZeroU32::new(3).unwrap());
        let a = Key::ip("192.0.2.1".parse().unwrap());
        let b = Key::ip("192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(limiter.count(&a), Decision::Allowed);
        }
        let Decision::Limited { retry_after } = limiter.count(&a) else { panic!("the 4th is limited") };
        // One request comes back every 20 s.
        assert!(retry_after > Duration::from_secs(15) && retry_after <= Duration::from_secs(20), "{retry_after:?}");
        assert_eq!(limiter.count(&b), Decision::Allowed, "another key has its own allowance");
    }
}
