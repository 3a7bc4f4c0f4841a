use axum::{Json, http::header, response::IntoResponse};
use chrono::{SecondsFormat, Utc};
use serde_json::json;

/// Liveness: answers without touching the database so a load balancer keeps the instance
/// while the database is away.
pub async fn health() -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "status": "ok", "timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true) })),
    )
}
