//! Security headers on every response, and the per-request Content-Security-Policy of pages.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{
    HeaderName, HeaderValue, StatusCode,
    header::{
        CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
        X_FRAME_OPTIONS,
    },
    request::Parts,
};
use leptos::{
    nonce::Nonce,
    prelude::{LeptosOptions, provide_context, use_context},
};
use std::{any::Any, sync::Arc};

use crate::server::config::Config;

/// Responses that are not pages (JSON, files, errors) may load nothing and be framed nowhere.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const HSTS: &str = "max-age=63072000; includeSubDomains";

#[derive(Clone)]
pub struct Headers {
    hsts: bool,
    live_reload_port: Option<u32>,
}

impl Headers {
    pub fn new(config: &Config, options: &LeptosOptions) -> Self {
        // `cargo leptos watch` sets LEPTOS_WATCH and injects a live-reload websocket script.
        let live_reload_port = std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_port);
        Self { hsts: config.public_url_is_https(), live_reload_port }
    }
}

/// This request's CSP nonce, made by the middleware before the handler runs; the page shell
/// hands it to Leptos so its scripts carry it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

pub async fn apply(State(policy): State<Headers>, mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(CspNonce(nonce.as_inner().clone()));
    let mut res = next.run(req).await;
    let is_page =
        res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let csp = if is_page {
        HeaderValue::from_str(&page_csp(&nonce, policy.live_reload_port))
            .unwrap_or(HeaderValue::from_static(NON_PAGE_CSP))
    } else {
        HeaderValue::from_static(NON_PAGE_CSP)
    };
    let headers = res.headers_mut();
    // A handler that set its own policy (a sandboxed preview) keeps it.
    headers.entry(CONTENT_SECURITY_POLICY).or_insert(csp);
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.entry(X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(self)"),
    );
    if policy.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

/// The policy of an HTML page: scripts only from us or carrying this request's nonce
/// (Leptos puts it on its hydration scripts), no inline styles, no framing.
pub fn page_csp(nonce: &str, live_reload_port: Option<u32>) -> String {
    let connect = match live_reload_port {
        Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src {connect}; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called by the page shell during SSR: makes Leptos use the middleware's nonce for its
/// scripts (it would otherwise make its own, which the policy does not name).
pub fn provide_request_nonce() {
    let nonce = use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(Nonce::from_value(value));
    }
}

/// Cross-site request forgery guard: a state-changing request that a browser says came from
/// another site (`Sec-Fetch-Site`), or whose `Origin` is not ours, is refused with 403.
/// Requests without either header (curl, server-to-server) are not from a browser page.
#[derive(Clone)]
pub struct SameOrigin {
    public_origin: String,
}

impl SameOrigin {
    pub fn for_config(config: &Config) -> Self {
        Self { public_origin: config.public_url.origin().ascii_serialization() }
    }
}

pub async fn same_origin_only(State(ours): State<SameOrigin>, req: Request, next: Next) -> Response {
    let safe_method = matches!(*req.method(), http::Method::GET | http::Method::HEAD | http::Method::OPTIONS);
    // Webhooks are signed by their sender and come from other sites by design.
    if safe_method || req.uri().path().starts_with("/webhooks/") {
        return next.run(req).await;
    }
    // Computed in a block: a borrow of the request must not live across the await below.
    let (fetch_site_ok, origin_ok, origin) = {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let fetch_site_ok = header("sec-fetch-site").is_none_or(|site| matches!(site, "same-origin" | "none"));
        let host = header("host").unwrap_or_default();
        let origin = header("origin").map(str::to_string);
        let origin_ok = origin.as_deref().is_none_or(|origin| {
            origin == ours.public_origin || origin == format!("http://{host}") || origin == format!("https://{host}")
        });
        (fetch_site_ok, origin_ok, origin)
    };
    if fetch_site_ok && origin_ok {
        next.run(req).await
    } else {
        tracing::warn!(origin = ?origin, "cross-site request refused");
        (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response()
    }
}

/// A panic in a handler becomes a plain 500 instead of a dropped connection.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.").into_response()
}

#[cfg(test)]
mod tests {
    use super::page_csp;

    #[test]
    fn page_policy_allows_only_nonced_inline_scripts() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("connect-src 'self';"));
    }

    #[test]
    fn live_reload_websocket_is_allowed_only_when_asked() {
        assert!(page_csp("n", Some(3001)).contains("ws://127.0.0.1:3001"));
        assert!(!page_csp("n", None).contains("ws://"));
    }
}
