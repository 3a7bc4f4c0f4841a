//! When to try again: jittered exponential backoff, or the provider's `Retry-After`, and how
//! HTTP failures and error events map onto [`AiError`].

use super::AiError;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// The longest `Retry-After` we wait for: a longer one (an hourly or daily limit) fails at
/// once rather than keep a person waiting. Nor do we wait past the total timeout.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// Bounds a parsed header so absurd values cannot overflow a `Duration`.
const RETRY_AFTER_MAX: f64 = 86_400.0;
/// The longest computed backoff.
const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// How long to wait before retry number `retries_done + 1`.
pub(super) fn delay(error: &AiError, retries_done: u32, base: Duration) -> Duration {
    match error.retry_after() {
        Some(asked) => asked,
        None => backoff(retries_done, base),
    }
}

/// "Equal jitter": half the exponential delay fixed, half random, so many clients that
/// failed together do not come back together.
pub fn backoff(retries_done: u32, base: Duration) -> Duration {
    let full = base.saturating_mul(1u32 << retries_done.min(16)).min(BACKOFF_CAP);
    let half = full / 2;
    let jitter = rand::random_range(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter)
}

/// The wait a 429/503/529 asks for: OpenAI's `retry-after-ms`, else `Retry-After` in seconds.
/// An HTTP-date form is ignored (the providers send seconds) and the backoff applies.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> {
        let value = headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok()?;
        (value.is_finite() && value >= 0.0).then_some(value)
    };
    let wait = number("retry-after-ms").map(|ms| ms / 1000.0).or_else(|| number("retry-after"))?;
    Some(Duration::from_secs_f64(wait.min(RETRY_AFTER_MAX)))
}

/// A failed HTTP status with the provider's error `kind` (its error type or code) and message.
pub(super) fn from_status(status: u16, retry_after: Option<Duration>, kind: &str, detail: String) -> AiError {
    match status {
        401 | 403 => AiError::Auth { status },
        429 if kind == "insufficient_quota" => AiError::ProviderQuota,
        429 => AiError::RateLimited { retry_after },
        529 => AiError::Overloaded { retry_after },
        _ if kind == "overloaded_error" => AiError::Overloaded { retry_after },
        408 | 409 | 500..=599 => AiError::Server { status, detail },
        400 | 404 | 413 | 422 => AiError::BadRequest { status, detail },
        _ => AiError::BadResponse { detail: format!("unexpected status {status}: {detail}") },
    }
}

/// An error reported inside a stream (OpenAI `{"error":…}`, Anthropic `event: error`).
pub(super) fn from_error_event(kind: &str, detail: String) -> AiError {
    match kind {
        "overloaded_error" => AiError::Overloaded { retry_after: None },
        "rate_limit_error" | "rate_limit_exceeded" => AiError::RateLimited { retry_after: None },
        "insufficient_quota" => AiError::ProviderQuota,
        "authentication_error" | "permission_error" | "invalid_api_key" => AiError::Auth { status: 401 },
        "invalid_request_error" | "not_found_error" | "request_too_large" => {
            AiError::BadRequest { status: 400, detail }
        }
        "timeout_error" => AiError::Timeout,
        _ => AiError::Server { status: 500, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_with_jitter_and_stays_capped() {
        let base = Duration::from_millis(100);
        for _ in 0..50 {
            let first = backoff(0, base);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first), "{first:?}");
            let third = backoff(2, base);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third), "{third:?}");
            assert!(backoff(30, base) <= BACKOFF_CAP);
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_milliseconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)), "the precise one wins");
        headers.clear();
        headers.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("-3"));
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("99999999999"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn the_asked_wait_wins_over_backoff() {
        let e = AiError::RateLimited { retry_after: Some(Duration::from_secs(3)) };
        assert_eq!(delay(&e, 0, Duration::from_millis(1)), Duration::from_secs(3));
    }

    #[test]
    fn statuses_map_to_classes() {
        let class = |status, kind: &str| from_status(status, None, kind, String::new()).class();
        assert_eq!(class(401, "authentication_error"), "auth");
        assert_eq!(class(403, ""), "auth");
        assert_eq!(class(429, "rate_limit_exceeded"), "rate_limited");
        assert_eq!(class(429, "insufficient_quota"), "provider_quota");
        assert_eq!(class(529, "overloaded_error"), "overloaded");
        assert_eq!(class(503, "overloaded_error"), "overloaded");
        assert_eq!(class(500, "server_error"), "server_error");
        assert_eq!(class(408, ""), "server_error");
        assert_eq!(class(400, "invalid_request_error"), "bad_request");
        assert_eq!(class(404, "not_found_error"), "bad_request");
        assert_eq!(class(302, ""), "bad_response");
        assert_eq!(from_error_event("overloaded_error", String::new()).class(), "overloaded");
        assert_eq!(from_error_event("api_error", String::new()).class(), "server_error");
    }
}
