//! Observability plumbing (no feature knowledge): the HTTP middleware that counts and times
//! every request, the per-minute latency and database-failure aggregate written to
//! `instance_minutes` for alerts ([`minutes`]), the Prometheus exporter behind `/metrics`
//! ([`prometheus`]), Sentry for errors and panics ([`reports`]), and the small probes the
//! detailed health check shares ([`probes`]). The features record their own figures through
//! the `metrics` macros and lend the `/metrics` route their gauges
//! (`crate::features::record_ops_gauges`).

pub mod minutes;
pub mod probes;
pub mod prometheus;
pub mod reports;

pub use minutes::{BUCKET_SLOTS, KEEP_FOR, LATENCY_BUCKETS_MS, MinuteCounts, Minutes, bucket_of, minute_of};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use sentry::SentryFutureExt;
use std::{
    sync::{Arc, OnceLock, RwLock},
    time::Instant,
};

/// This process's id in `instance_minutes` (a random UUID chosen once per process).
pub fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// What the observability middleware needs; one per [`AppState`](crate::server::state::AppState).
#[derive(Clone)]
pub struct Observe {
    /// This instance's per-minute aggregate (flushed to `instance_minutes`).
    pub minutes: Minutes,
    /// The Sentry hub requests report to: `None` is the process's main hub (bound by
    /// [`reports::init`]); tests give their app a hub of its own.
    sentry: Option<Arc<sentry::Hub>>,
}

impl Default for Observe {
    fn default() -> Self {
        Self::new()
    }
}

impl Observe {
    /// The process's instance id, the main Sentry hub; installs the Prometheus recorder.
    pub fn new() -> Self {
        prometheus::install();
        Self { minutes: Minutes::new(instance_id()), sentry: None }
    }

    /// The same, reporting to `hub` instead of the main hub.
    pub fn with_sentry_hub(self, hub: Arc<sentry::Hub>) -> Self {
        Self { sentry: Some(hub), ..self }
    }

    /// The same with another aggregate (tests give each app an instance id of its own).
    pub fn with_minutes(self, minutes: Minutes) -> Self {
        Self { minutes, ..self }
    }

    fn hub(&self) -> Arc<sentry::Hub> {
        self.sentry.clone().unwrap_or_else(sentry::Hub::main)
    }
}

tokio::task_local! {
    /// The aggregate of the instance serving the current request.
    static SERVING: Minutes;
}

/// The aggregate database failures outside any request (background tasks) are counted in:
/// the `serve` process's one app.
static PROCESS_MINUTES: RwLock<Option<Minutes>> = RwLock::new(None);

/// Makes `minutes` the aggregate that failures outside requests count in (`serve` does this).
pub fn set_process_minutes(minutes: Minutes) {
    if let Ok(mut slot) = PROCESS_MINUTES.write() {
        *slot = Some(minutes);
    }
}

/// Counts one database connection failure (pool timeout, connection refused or reset) in
/// the current request's instance, else the process's; and in the Prometheus counter.
pub fn note_db_failure() {
    ::metrics::counter!("threadr_db_connection_failures_total").increment(1);
    let now = chrono::Utc::now();
    if SERVING.try_with(|m| m.record_db_failure(now)).is_err()
        && let Ok(slot) = PROCESS_MINUTES.read()
        && let Some(minutes) = slot.as_ref()
    {
        minutes.record_db_failure(now);
    }
}

/// Counts one refusal by a rate limit (`scope`: which limit said no).
pub fn note_rate_limited(scope: &'static str) {
    ::metrics::counter!("threadr_rate_limited_total", "scope" => scope).increment(1);
}

/// Tells Sentry who the current request is for (called once the session names a user).
pub fn set_user(id: uuid::Uuid) {
    sentry::configure_scope(|scope| {
        scope.set_user(Some(sentry::User { id: Some(id.to_string()), ..Default::default() }));
    });
}

/// Middleware around every request (inside the request id, outside the panic guard): the
/// request's own Sentry hub (tagged with its request id), the Prometheus counter and latency
/// histogram by matched route (`unmatched` for the fallback: raw paths would explode the
/// label set) and the per-minute aggregate. Latency is time to the response head (a
/// streamed body is not waited for).
pub async fn track(State(observe): State<Observe>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let route = route.unwrap_or_else(|| "unmatched".to_string());
    let method = method_label(req.method());
    let parent = observe.hub();
    let res = if parent.client().is_some() {
        let hub = Arc::new(sentry::Hub::new_from_top(parent));
        reports::scope_request(&hub, &req);
        SERVING.scope(observe.minutes.clone(), next.run(req).bind_hub(hub)).await
    } else {
        // Sentry is off: no hub of its own to make.
        SERVING.scope(observe.minutes.clone(), next.run(req)).await
    };
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    prometheus::record_request(route, method, status, elapsed);
    observe.minutes.record_request(chrono::Utc::now(), elapsed);
    res
}

/// Methods as a closed set of labels.
fn method_label(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::POST => "POST",
        http::Method::HEAD => "HEAD",
        http::Method::PUT => "PUT",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Whether `headers` carry `Authorization: Bearer <OPS_TOKEN>`, compared in constant time
/// (digests of equal length, so the token's length does not leak either). Never true while
/// OPS_TOKEN is unset.
pub fn ops_token_ok(expected: Option<&str>, headers: &http::HeaderMap) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let Some(expected) = expected else { return false };
    let Some(given) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
    else {
        return false;
    };
    let (a, b) = (Sha256::digest(given.trim().as_bytes()), Sha256::digest(expected.as_bytes()));
    bool::from(a.ct_eq(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_token_needs_the_exact_bearer_token() {
        let mut headers = http::HeaderMap::new();
        assert!(!ops_token_ok(Some("s3cret-token"), &headers));
        headers.insert(http::header::AUTHORIZATION, "Bearer s3cret-token".parse().unwrap());
        assert!(ops_token_ok(Some("s3cret-token"), &headers));
        assert!(!ops_token_ok(None, &headers), "no token configured: nobody");
        assert!(!ops_token_ok(Some("s3cret-token2"), &headers));
        headers.insert(http::header::AUTHORIZATION, "Basic s3cret-token".parse().unwrap());
        assert!(!ops_token_ok(Some("s3cret-token"), &headers));
    }

    #[test]
    fn methods_are_a_closed_set() {
        assert_eq!(method_label(&http::Method::GET), "GET");
        assert_eq!(method_label(&http::Method::from_bytes(b"PURGE").unwrap()), "other");
    }
}
