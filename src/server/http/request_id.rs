//! Request ids: taken from `x-request-id` when the caller (a load balancer) sends a sane one,
//! generated otherwise, put on the log span and returned in the response.

use axum::{extract::Request, middleware::Next, response::Response};
use std::time::Duration;
use tracing::Span;

const HEADER: &str = "x-request-id";
const MAX_LEN: usize = 128;

/// Drops an incoming id that is too long or has odd characters, so logs stay clean
/// and a fresh id is generated instead.
pub async fn sanitize(mut req: Request, next: Next) -> Response {
    let acceptable = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).is_some_and(is_acceptable);
    if !acceptable {
        req.headers_mut().remove(HEADER);
    }
    next.run(req).await
}

pub fn is_acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

pub fn span(req: &http::Request<axum::body::Body>) -> Span {
    let id = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
}

pub fn on_response(res: &http::Response<axum::body::Body>, latency: Duration, _span: &Span) {
    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "response");
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn accepts_uuids_and_common_formats() {
        assert!(is_acceptable("4f1c3c2e-8d6b-4a57-9d0e-1f2a3b4c5d6e"));
        assert!(is_acceptable("lb-7f.2:ab_c"));
    }

    #[test]
    fn refuses_empty_long_or_odd_ids() {
        assert!(!is_acceptable(""));
        assert!(!is_acceptable(&"a".repeat(129)));
        assert!(!is_acceptable("abc def"));
        assert!(!is_acceptable("<script>"));
    }
}
