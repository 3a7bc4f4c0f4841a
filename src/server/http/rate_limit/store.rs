use std::{future::Future, time::Duration};

use super::Key;

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Over the limit until `retry_after` from now.
    Limited {
        retry_after: Duration,
    },
}

impl Decision {
    /// Whole seconds for `Retry-After`, rounded up and at least 1 (0 would invite a retry storm).
    pub fn retry_after_secs(retry_after: Duration) -> u64 {
        (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1)
    }
}

/// A store could not answer (Redis down, slow or refusing): the caller counts elsewhere.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// Where requests are counted.
pub trait LimitStore: Send + Sync + 'static {
    /// Counts one request for `key` and says whether it may go ahead.
    fn hit(&self, key: &Key) -> impl Future<Output = Result<Decision, Unavailable>> + Send;

    /// Checks that the store answers, counting nothing.
    fn probe(&self) -> impl Future<Output = Result<(), Unavailable>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds_of_at_least_one() {
        assert_eq!(Decision::retry_after_secs(Duration::from_millis(11_200)), 12);
        assert_eq!(Decision::retry_after_secs(Duration::from_secs(12)), 12);
        assert_eq!(Decision::retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(Decision::retry_after_secs(Duration::ZERO), 1);
    }
}
