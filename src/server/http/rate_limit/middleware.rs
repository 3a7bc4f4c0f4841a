use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::net::{IpAddr, Ipv4Addr};
use tower_sessions::Session;
use uuid::Uuid;

use super::{Decision, Key, RateLimiter};
use crate::{error::AppError, server::http::client_ip::ClientIp};

/// The session value that names the signed-in user (written by the accounts feature at sign-in).
const SESSION_USER_ID: &str = "user_id";

/// Middleware inside the session layer: every server function call (`/api/…`) counts against
/// the caller's per-minute allowance; over it, 429 with `Retry-After` and the
/// [`AppError::RateLimited`] JSON the UI shows. Pages, assets and `/health` pass untouched.
pub async fn limit_server_functions(State(limiter): State<RateLimiter>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    // Taken out first: a borrowed request (its body is not Sync) may not be held across an await.
    let session = req.extensions().get::<Session>().cloned();
    let ip = req.extensions().get::<ClientIp>().map(|c| c.0);
    match limiter.check(&key_of(session, ip).await).await {
        Decision::Allowed => next.run(req).await,
        Decision::Limited { retry_after } => {
            crate::server::observe::note_rate_limited("server_functions");
            AppError::RateLimited { retry_after_secs: Decision::retry_after_secs(retry_after) }.into_response()
        }
    }
}

/// The signed-in user, else the client IP. A session that cannot be read (database down)
/// counts as signed out: the limit still applies, and the handler reports the outage.
async fn key_of(session: Option<Session>, ip: Option<IpAddr>) -> Key {
    if let Some(session) = session
        && let Ok(Some(user)) = session.get::<Uuid>(SESSION_USER_ID).await
    {
        return Key::User(user);
    }
    Key::ip(ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
}
