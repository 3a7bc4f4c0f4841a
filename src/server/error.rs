//! Server-side error plumbing: how internal failures become [`AppError`]s (logged with the
//! request id, shown without details) and why start-up stops.

use http::{HeaderValue, StatusCode, header::RETRY_AFTER, request::Parts};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::{fmt::Display, time::Duration};

use super::config::ConfigErrors;
use crate::error::AppError;

/// Sets the HTTP status (and `Retry-After`) of the response being built for `error`.
/// Called for every server function error and by the error page during SSR.
pub fn apply_to_response(error: &AppError) {
    let Some(response) = use_context::<ResponseOptions>() else { return };
    response.set_status(StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if let Some(secs) = error.retry_after() {
        response.insert_header(RETRY_AFTER, HeaderValue::from(secs));
    }
}

/// The id of the request being served (set by the request-id middleware), if any.
pub fn current_request_id() -> Option<String> {
    use_context::<Parts>()
        .and_then(|parts| parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string))
}

/// Logs an unexpected failure and returns the user-safe error that names the request id.
pub fn internal(context: &str, error: impl Display) -> AppError {
    let reference = current_request_id().unwrap_or_else(|| "unknown".into());
    tracing::error!(request_id = %reference, error = %error, "{context}");
    AppError::Internal { reference }
}

/// For axum handlers and extractors: the status, Retry-After, and the error as JSON.
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, axum::Json(&self)).into_response();
        if let Some(secs) = self.retry_after() {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            super::observe::note_db_failure();
            tracing::warn!(request_id = ?current_request_id(), error = %error, "database unavailable");
            return AppError::Unavailable;
        }
        match error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => internal("database error", other),
        }
    }
}

/// Errors that mean "the database is not there right now" rather than "this query is wrong".
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception, 57P: operator intervention (shutdown, terminated),
            // 53: insufficient resources.
            code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")
        }),
        _ => false,
    }
}

/// Why the server could not start. Each variant has its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    #[error("site settings (Leptos.toml / LEPTOS_* variables): {0}")]
    Site(String),
    #[error(
        "the database is unreachable: gave up after {attempts} attempts over {:.1} s (DATABASE_CONNECT_TIMEOUT_SECS). Last error: {last_error}",
        waited.as_secs_f64()
    )]
    DatabaseUnreachable { waited: Duration, attempts: u32, last_error: String },
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Input(String),
    #[error("email set-up: {0}")]
    Email(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

impl StartupError {
    /// 2 for configuration mistakes (fix the environment), 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Site(_) | Self::Email(_) | Self::Input(_) => 2,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::ConfigError;

    #[test]
    fn pool_exhaustion_and_io_mean_unavailable() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::Io(std::io::Error::other("reset"))));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::ColumnNotFound("x".into())));
    }

    #[test]
    fn sqlx_errors_map_to_user_safe_errors() {
        assert_eq!(AppError::from(sqlx::Error::PoolTimedOut), AppError::Unavailable);
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::NotFound);
        let e = AppError::from(sqlx::Error::ColumnNotFound("password_hash".into()));
        assert!(matches!(e, AppError::Internal { .. }));
        assert!(!e.to_string().contains("password_hash"), "details must not reach users");
    }

    #[test]
    fn configuration_problems_exit_with_2() {
        let e = StartupError::Config(ConfigErrors(vec![ConfigError { var: "X", problem: "is not set".into() }]));
        assert_eq!(e.exit_code(), 2);
        let e = StartupError::DatabaseUnreachable {
            waited: Duration::from_secs(30),
            attempts: 9,
            last_error: "refused".into(),
        };
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("unreachable"));
    }
}
