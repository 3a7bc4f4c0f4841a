//! The audit log's server function and its CSV export.

use leptos::prelude::*;

use super::model::{AuditFilter, AuditPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn admin_audit(filter: AuditFilter, page: Option<u32>) -> Result<AuditPage, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let parsed = super::db::parse(&filter).map_err(AppError::invalid)?;
    Ok(super::db::page(&state.db, &parsed, page.unwrap_or(1).clamp(1, 100_000)).await?)
}

/// `GET /admin/audit.csv?actor=…&action=…&target=…&from=…&to=…`: the filtered log as CSV.
#[cfg(feature = "ssr")]
pub async fn audit_csv(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    admin: Result<crate::features::accounts::session::Admin, AppError>,
    axum::extract::Query(filter): axum::extract::Query<AuditFilter>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let status = |e: &AppError| StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let admin = match admin {
        Ok(admin) => admin,
        Err(e) => return (status(&e), e.to_string()).into_response(),
    };
    let parsed = match super::db::parse(&filter) {
        Ok(parsed) => parsed,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let lines = match super::db::all(&state.db, &parsed, super::model::AUDIT_CSV_MAX).await {
        Ok(lines) => lines,
        Err(e) => {
            let e = AppError::from(e);
            return (status(&e), e.to_string()).into_response();
        }
    };
    let body = match super::db::csv(&lines) {
        Ok(body) => body,
        Err(e) => {
            let e = crate::server::error::internal("audit csv", e);
            return (status(&e), e.to_string()).into_response();
        }
    };
    let detail = serde_json::json!({ "filter": filter.query(), "rows": lines.len() });
    let origin = crate::features::accounts::audit::Origin::default();
    if let Err(e) = crate::features::accounts::audit::admin_action(
        &state.db,
        "audit_exported",
        Some(admin.user()),
        "audit_log",
        &origin,
        detail,
    )
    .await
    {
        tracing::warn!(error = %e, "the audit export could not be audited");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"threadr-audit.csv\""),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response()
}
