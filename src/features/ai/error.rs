//! What can go wrong talking to a model. `Display` is safe to show a person; `class()` is the
//! short name the request log stores; the provider's own words stay in `Debug` only.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// 429 (or a rate-limit error event). `retry_after` is what the provider asked for.
    #[error("The AI service is busy right now. Please try again in a minute.")]
    RateLimited { retry_after: Option<Duration> },
    /// Anthropic's 529 / `overloaded_error`.
    #[error("The AI service is overloaded right now. Please try again in a minute.")]
    Overloaded { retry_after: Option<Duration> },
    /// 5xx (and 408/409, which the providers also ask clients to retry).
    #[error("The AI service had a problem. Please try again.")]
    Server { status: u16, detail: String },
    #[error("The AI service took too long to answer. Please try again.")]
    Timeout,
    #[error("The AI service could not be reached. Please try again later.")]
    Connect { detail: String },
    /// The answer stopped part-way: the connection dropped or the stream ended without its
    /// closing event.
    #[error("The AI service stopped in the middle of its answer. Please try again.")]
    StreamCut { detail: String },
    /// Something that is not the provider's documented wire format.
    #[error("The AI service gave an answer we could not read. Please try again.")]
    BadResponse { detail: String },
    /// 401/403: a wrong or revoked key. An operator problem, so the person is not told more.
    #[error("The AI service is not available right now.")]
    Auth { status: u16 },
    /// The provider account has no credit left (OpenAI `insufficient_quota`).
    #[error("The AI service is not available right now.")]
    ProviderQuota,
    /// 400/404/413/422: our request was refused (unknown model, prompt too long…).
    #[error("The AI service refused this request.")]
    BadRequest { status: u16, detail: String },
    #[error("The request was cancelled.")]
    Cancelled,
}

impl AiError {
    /// The short name the request log stores.
    pub fn class(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Overloaded { .. } => "overloaded",
            Self::Server { .. } => "server_error",
            Self::Timeout => "timeout",
            Self::Connect { .. } => "connect",
            Self::StreamCut { .. } => "stream_cut",
            Self::BadResponse { .. } => "bad_response",
            Self::Auth { .. } => "auth",
            Self::ProviderQuota => "provider_quota",
            Self::BadRequest { .. } => "bad_request",
            Self::Cancelled => "cancelled",
        }
    }

    /// Worth another attempt, provided no text has been streamed yet.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Overloaded { .. }
                | Self::Server { .. }
                | Self::Timeout
                | Self::Connect { .. }
                | Self::StreamCut { .. }
        )
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::Overloaded { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// An error from reqwest while sending or reading.
    pub(super) fn from_transport(error: &reqwest::Error, started: bool) -> Self {
        let detail = chain(error);
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_connect() {
            Self::Connect { detail }
        } else if started || error.is_body() || error.is_decode() {
            Self::StreamCut { detail }
        } else {
            Self::Connect { detail }
        }
    }
}

/// An error and its sources on one line (reqwest hides the useful part in the sources).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_are_retried() {
        assert!(AiError::RateLimited { retry_after: None }.is_retryable());
        assert!(AiError::Overloaded { retry_after: None }.is_retryable());
        assert!(AiError::Server { status: 500, detail: String::new() }.is_retryable());
        assert!(AiError::Connect { detail: String::new() }.is_retryable());
        assert!(!AiError::Auth { status: 401 }.is_retryable());
        assert!(!AiError::BadRequest { status: 400, detail: String::new() }.is_retryable());
        assert!(!AiError::ProviderQuota.is_retryable());
        assert!(!AiError::Cancelled.is_retryable());
    }

    #[test]
    fn display_never_carries_the_providers_words() {
        let e = AiError::BadRequest { status: 400, detail: "model `secret-internal` not found".into() };
        assert!(!e.to_string().contains("secret-internal"));
        assert_eq!(e.class(), "bad_request");
    }
}
