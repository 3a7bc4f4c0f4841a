//! The Prometheus exporter: one `metrics` recorder per process (tests run many apps in one
//! process; the first installs it, the rest share it), rendered as text by `GET /metrics` for
//! callers with `Authorization: Bearer <OPS_TOKEN>`. Without OPS_TOKEN the route answers 404:
//! it does not exist until an operator turns it on.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Duration};

use super::minutes::LATENCY_BUCKETS_MS;
use crate::server::state::AppState;

/// The HTTP latency histogram's name (buckets: [`LATENCY_BUCKETS_MS`] in seconds).
pub const HTTP_DURATION: &str = "threadr_http_request_duration_seconds";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder once; `None` when another recorder was installed first
/// (then `/metrics` has nothing of ours to show).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let seconds: Vec<f64> = LATENCY_BUCKETS_MS.iter().map(|ms| *ms as f64 / 1000.0).collect();
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_string()), &seconds)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    describe();
                    Some(handle)
                }
                Err(_) => {
                    tracing::warn!("another metrics recorder was installed first: /metrics shows nothing");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("threadr_http_requests_total", "HTTP requests by matched route, method and status.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to the response head by matched route.");
    describe_counter!("threadr_ai_requests_total", "AI requests by provider, kind and outcome.");
    describe_counter!("threadr_ai_tokens_total", "AI tokens by provider and direction (input, output).");
    describe_counter!("threadr_ai_cost_microusd_total", "AI cost in micro-dollars by provider.");
    describe_counter!("threadr_stripe_webhooks_total", "Stripe webhook deliveries by event type and outcome.");
    describe_counter!("threadr_rate_limited_total", "Requests refused by a rate limit, by scope.");
    describe_counter!("threadr_db_connection_failures_total", "Database connection failures (pool timeouts, refused).");
    describe_gauge!("threadr_db_pool_connections", "Database pool connections by state (size, idle, in_use, max).");
    describe_gauge!("threadr_queue_depth", "Rows waiting in each queue (read at scrape time).");
    describe_gauge!("threadr_queue_oldest_age_seconds", "Age of each queue's oldest waiting row (0 when empty).");
    describe_gauge!("threadr_uptime_seconds", "Seconds since this instance started.");
    describe_gauge!("threadr_build_info", "Always 1; the version label names the build.");
}

/// Counts one HTTP request and its latency.
pub fn record_request(route: String, method: &'static str, status: u16, latency: Duration) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!("threadr_http_requests_total", "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "route" => route, "method" => method, "status_class" => class)
        .record(latency.as_secs_f64());
}

/// Sets the pool gauges from `db`.
pub fn record_pool(db: &sqlx::PgPool) {
    let size = db.size();
    let idle = u32::try_from(db.num_idle()).unwrap_or(u32::MAX);
    let gauge = |state: &'static str, value: u32| {
        metrics::gauge!("threadr_db_pool_connections", "state" => state).set(f64::from(value));
    };
    gauge("size", size);
    gauge("idle", idle);
    gauge("in_use", size.saturating_sub(idle));
    gauge("max", db.options().get_max_connections());
}

/// `GET /metrics`: 404 while OPS_TOKEN is unset, 401 without the right bearer token, else the
/// Prometheus text. Gauges that need the database (queue depths) are read now, by one query
/// the features lend; when it fails the rest is still served (and the failure logged).
pub async fn route(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.ops_token.as_deref() else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    if !super::ops_token_ok(Some(token), &headers) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A valid ops token is required.")
            .into_response();
    }
    let Some(handle) = install() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder unavailable").into_response();
    };
    // Gauges are process-wide: two scrapes of two apps in one process (tests) take turns.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    record_pool(&state.db);
    metrics::gauge!("threadr_uptime_seconds").set(state.started_at.elapsed().as_secs_f64());
    metrics::gauge!("threadr_build_info", "version" => crate::VERSION).set(1.0);
    match tokio::time::timeout(Duration::from_secs(5), crate::features::record_ops_gauges(&state)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "queue gauges not read for /metrics"),
        Err(_) => tracing::warn!("queue gauges timed out for /metrics"),
    }
    handle.run_upkeep();
    let body = handle.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}
