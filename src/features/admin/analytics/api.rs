//! The analytics server function and the CSV of each chart.

use leptos::prelude::*;

use super::model::Analytics;
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn figures(
    state: &crate::server::state::AppState,
    from: &str,
    to: &str,
    days: &str,
) -> Result<Analytics, AppError> {
    let today = state.clock.now().date_naive();
    let range = super::model::DayRange::parse(from, to, days, today).map_err(AppError::invalid)?;
    Ok(super::compute(&state.db, range).await?)
}

/// The figures and charts of `[from, to]` (dates `YYYY-MM-DD`), or of the `days` before `to`
/// (all empty: the last 30 days).
#[server(prefix = "/api", endpoint = "admin/analytics")]
pub async fn admin_analytics(from: String, to: String, days: String) -> Result<Analytics, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    figures(&state, &from, &to, &days).await
}

#[cfg(feature = "ssr")]
#[derive(Debug, serde::Deserialize)]
pub struct CsvQuery {
    chart: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    days: String,
}

/// `GET /admin/analytics.csv?chart=…&from=…&to=…`: one chart's figures per day.
#[cfg(feature = "ssr")]
pub async fn analytics_csv(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    admin: Result<crate::features::accounts::session::Admin, AppError>,
    axum::extract::Query(q): axum::extract::Query<CsvQuery>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let refuse = |e: AppError| {
        (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.to_string()).into_response()
    };
    if let Err(e) = admin {
        return refuse(e);
    }
    let analytics = match figures(&state, &q.from, &q.to, &q.days).await {
        Ok(a) => a,
        Err(e) => return refuse(e),
    };
    let Some(chart) = analytics.chart(&q.chart) else {
        return refuse(AppError::invalid(format!("There is no chart called “{}”.", q.chart)));
    };
    let name = format!("threadr-{}-{}-{}.csv", chart.id, analytics.range.from(), analytics.range.to());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        chart.csv(),
    )
        .into_response()
}
