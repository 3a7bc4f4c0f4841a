//! The one error type that crosses the wire: every server function returns `AppError`.
//!
//! Messages are written for the person using the app. Details (SQL errors, stack traces)
//! never travel in it; they are logged on the server next to the request id, and
//! `Internal` carries that id so support can find the log line.

use leptos::server_fn::{
    Bytes,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// The input was refused; the message says what to fix.
    #[error("{message}")]
    Invalid { message: String },
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this page.")]
    Forbidden,
    /// An admin page needs the admin portal key (ADMIN_PORTAL_KEY) once per session.
    #[error("Enter the admin portal key to continue.")]
    StepUpRequired,
    #[error("We could not find what you were looking for.")]
    NotFound,
    #[error("Too many requests. Please try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// A quota or AI request limit: which one, when it resets, and whether a paid plan lifts it.
    #[error("{message}")]
    QuotaExceeded { message: String, retry_after_secs: u64, upgrade: bool },
    #[error("The request is too large.")]
    TooLarge,
    /// A dependency (usually the database) is down; retrying later will help.
    #[error("Threadr is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    /// An outside service (an AI provider) failed; the message says what happened to the request.
    #[error("{message}")]
    Dependency { message: String },
    #[error("Something went wrong on our side. If it keeps happening, quote reference {reference}.")]
    Internal { reference: String },
    /// Raised in the browser when the server could not be reached at all.
    #[error("Could not reach Threadr. Check your connection and try again.")]
    Network,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid { message: message.into() }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::StepUpRequired => 403,
            Self::NotFound => 404,
            Self::TooLarge => 413,
            Self::RateLimited { .. } | Self::QuotaExceeded { .. } => 429,
            Self::Internal { .. } => 500,
            Self::Unavailable | Self::Network | Self::Dependency { .. } => 503,
        }
    }

    /// Seconds until a limited request may be retried (the `Retry-After` header).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } | Self::QuotaExceeded { retry_after_secs, .. } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// A short title for the error page.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "Please check your input",
            Self::Unauthenticated => "Sign in required",
            Self::Forbidden => "No access",
            Self::StepUpRequired => "Admin portal key required",
            Self::NotFound => "Page not found",
            Self::TooLarge => "Too large",
            Self::RateLimited { .. } => "Slow down",
            Self::QuotaExceeded { .. } => "Limit reached",
            Self::Internal { .. } => "Something went wrong",
            Self::Unavailable | Self::Dependency { .. } => "Temporarily unavailable",
            Self::Network => "You appear to be offline",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Network,
            // Arguments that do not decode are the caller's mistake, not ours.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::invalid("The request could not be read. Please reload the page and try again.")
            }
            ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::NotFound,
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::ServerError(_) => Self::Internal { reference: "unknown".into() },
        }
    }

    /// Serialising happens on the server inside the request's reactive owner, so this is the
    /// one place that sees every error a server function returns: it sets the HTTP status
    /// (server_fn answers every error with 500 otherwise).
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        crate::server::error::apply_to_response(self);
        serde_json::to_vec(self)
            .map(Bytes::from)
            .unwrap_or_else(|_| Bytes::from_static(br#"{"kind":"internal","reference":"unknown"}"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_http_meaning() {
        assert_eq!(AppError::invalid("x").status(), 400);
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(AppError::RateLimited { retry_after_secs: 3 }.status(), 429);
        assert_eq!(AppError::Unavailable.status(), 503);
        assert_eq!(AppError::Internal { reference: "r".into() }.status(), 500);
    }

    #[test]
    fn round_trips_through_the_wire_format() {
        for e in [
            AppError::invalid("Title is required"),
            AppError::RateLimited { retry_after_secs: 42 },
            AppError::Internal { reference: "abc".into() },
            AppError::Unavailable,
        ] {
            assert_eq!(AppError::de(e.ser()), e);
        }
    }

    #[test]
    fn transport_failures_become_network_errors_and_bad_args_invalid() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Request("refused".into()));
        assert_eq!(e, AppError::Network);
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn garbage_on_the_wire_is_not_a_panic() {
        let e = AppError::de(Bytes::from_static(b"<html>proxy error</html>"));
        assert!(matches!(e, AppError::Invalid { .. }));
    }

    #[test]
    fn messages_are_for_people() {
        let e = AppError::RateLimited { retry_after_secs: 30 };
        assert_eq!(e.to_string(), "Too many requests. Please try again in 30 seconds.");
        assert!(AppError::Internal { reference: "req-1".into() }.to_string().contains("req-1"));
    }
}
