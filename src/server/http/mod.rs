//! The axum router: Leptos pages and server functions, health, static assets, and the
//! middleware every response passes through. The client's IP is resolved once per request
//! ([`client_ip::ClientIp`]); server functions are limited per minute ([`rate_limit`]).

mod assets;
pub mod client_ip;
mod health;
pub mod rate_limit;
mod request_id;
pub mod scratch;
pub mod security;

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use super::state::AppState;
use crate::app::{App, shell};

/// The session cookie's name (pages kept for visitors are those asked without it).
pub const SESSION_COOKIE: &str = "threadr_session";

/// Ordinary requests may carry at most this much body; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The app's routes, listed once per process. Listing them renders the app with resource
/// loading suppressed through a process-wide flag (leptos_server 0.8): a page whose resource
/// first polls while another router is being built in the same process waits forever
/// (leptos-rs/leptos#4773). One binary builds one router, but the integration tests build one
/// per test, in parallel, and one of them hung CI that way.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let leptos_options = state.leptos_options.clone();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page_shell = move || shell(leptos_options.clone());
    let fallback_shell = shell;

    let middleware = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(request_id::sanitize))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span).on_response(request_id::on_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        // Outside the panic guard, so a panic counts as the 500 it becomes.
        .layer(axum::middleware::from_fn_with_state(state.observe.clone(), crate::server::observe::track))
        .layer(axum::middleware::from_fn_with_state(
            security::Headers::new(&state.config, &state.leptos_options),
            security::apply,
        ))
        .layer(axum::middleware::from_fn(head_as_get))
        .layer(CatchPanicLayer::custom(security::panic_response))
        // Streamed server-function answers (application/octet-stream, e.g. a thread being
        // written) must reach the page as they are produced; a compressor would hold them back.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream"))),
        )
        .layer(axum::middleware::from_fn(limit_body))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));

    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(crate::server::observe::prometheus::route))
        .route("/admin/mail/{id}/html", get(crate::features::email::html_body_route))
        .route("/admin/mail/{id}/attachments/{position}", get(crate::features::email::attachment_route))
        .route("/letters/{id}/pdf", get(crate::features::letters::printing::pdf_route))
        .merge(crate::features::accounts::google::routes(&state))
        .merge(crate::features::tools::routes())
        .merge(crate::features::billing::routes())
        .merge(crate::features::catalogue::routes())
        .merge(crate::features::commerce::routes())
        .merge(crate::features::messaging::routes())
        .merge(crate::features::admin::routes())
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), assets::pkg_service(&state.leptos_options))
        .leptos_routes_with_context(&state, routes, context.clone(), page_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, fallback_shell))
        .layer(axum::middleware::from_fn_with_state(state.rate_limiter.clone(), rate_limit::limit_server_functions))
        // Inside the sessions layer and the maintenance gate: a kept page still passes both.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::features::catalogue::visitor_pages))
        // Inside the sessions layer: admins pass the gate.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::features::admin::maintenance_gate))
        .layer(sessions(&state))
        .layer(axum::middleware::from_fn({
            let secure = state.config.public_url_is_https();
            move |req, next| crate::features::accounts::referral::capture(secure, req, next)
        }))
        .layer(axum::middleware::from_fn_with_state(
            security::SameOrigin::for_config(&state.config),
            security::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(state.config.trusted_proxy_hops, client_ip::attach))
        .layer(axum::middleware::from_fn(scratch::attach))
        .layer(middleware)
        .with_state(state)
}

/// Routes that stream and count their own (larger) request bodies.
fn reads_its_own_body(path: &str) -> bool {
    path == crate::features::tools::UPLOAD_PATH || crate::features::catalogue::reads_own_body(path)
}

/// Bodies over [`MAX_BODY_BYTES`] get 413 (as tower-http's limit answers), except on routes
/// that read their own body as a stream and enforce their own, larger limit.
async fn limit_body(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    if reads_its_own_body(req.uri().path()) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    }
    next.run(req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES)))).await
}

/// Leptos goes on rendering after axum drops a HEAD response's body, and its resources then
/// panic in background tasks (uptime monitors send HEAD). A HEAD is served as a GET whose body
/// is read to the end here and then left out.
async fn head_as_get(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    if req.method() != http::Method::HEAD {
        return next.run(req).await;
    }
    *req.method_mut() = http::Method::GET;
    let (parts, body) = next.run(req).await.into_parts();
    let _ = axum::body::to_bytes(body, 16 * 1024 * 1024).await;
    axum::response::Response::from_parts(parts, axum::body::Body::empty())
}

/// Sessions in PostgreSQL: an HttpOnly, SameSite=Lax cookie (Secure on https) that lives 30
/// days from the last request.
fn sessions(state: &AppState) -> tower_sessions::SessionManagerLayer<tower_sessions_sqlx_store::PostgresStore> {
    tower_sessions::SessionManagerLayer::new(tower_sessions_sqlx_store::PostgresStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(state.config.public_url_is_https())
        .with_expiry(tower_sessions::Expiry::OnInactivity(tower_sessions::cookie::time::Duration::days(30)))
}

/// Sets the status of the page being rendered on the server (404 page, error page).
pub fn set_page_status(status: u16) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
