//! Google sign-in (OpenID Connect: authorization code + PKCE, `state` and `nonce` checked).
//!
//! `GET /auth/google/start` remembers a pending sign-in in the session and sends the browser
//! to Google; `GET /auth/google/callback` takes the pending sign-in out of the session (single
//! use), checks `state`, exchanges the code and checks the ID token, then finds the account
//! (by Google subject, else by email: a verified account is linked, an unverified one is not),
//! or creates one, and signs in. Every failure goes back to `/sign-in?error=<code>`.
//! The routes exist only when `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET` are set.

mod account;
mod db;
mod provider;

use std::fmt::Display;

use axum::{
    Router,
    extract::{RawQuery, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use http::{StatusCode, request::Parts};
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

pub use provider::Google;
use provider::PendingLogin;

use super::{audit, audit::Origin, session, sign_in_methods::google_error};
use crate::server::state::AppState;

/// The session key of the pending sign-in.
const PENDING: &str = "google_login";
/// A pending sign-in must come back within this many seconds.
const PENDING_SECS: i64 = 10 * 60;

pub fn routes(state: &AppState) -> Router<AppState> {
    if state.google.is_none() {
        return Router::new();
    }
    Router::new().route("/auth/google/start", get(start)).route("/auth/google/callback", get(callback))
}

/// Why a Google sign-in did not happen: the code the sign-in page explains, and the reason
/// for the audit log (never a token).
pub struct Refusal {
    code: &'static str,
    reason: &'static str,
    detail: String,
    user: Option<Uuid>,
    email: Option<String>,
}

impl Refusal {
    fn new(code: &'static str, reason: &'static str, detail: impl Into<String>) -> Self {
        Self { code, reason, detail: detail.into(), user: None, email: None }
    }

    pub fn failed(reason: &'static str, detail: impl Into<String>) -> Self {
        Self::new(google_error::FAILED, reason, detail)
    }

    fn expired(reason: &'static str) -> Self {
        Self::new(google_error::EXPIRED, reason, reason)
    }

    pub fn email_unverified(email: Option<String>) -> Self {
        Self { email, ..Self::new(google_error::EMAIL_UNVERIFIED, "email_not_verified", "email_verified is not true") }
    }

    fn internal(error: impl Display) -> Self {
        Self::failed("internal", error.to_string())
    }

    fn about(self, user: Option<Uuid>, email: &str) -> Self {
        Self { user, email: Some(email.to_string()), ..self }
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

async fn start(State(state): State<AppState>, session: Session, parts: Parts) -> Response {
    let Some(google) = state.google.as_ref() else { return StatusCode::NOT_FOUND.into_response() };
    let origin = session::origin_of(&parts);
    // Each start makes a session: limited per IP like the other ways of signing in.
    if let Some(ip) = origin.ip {
        let keys = [(format!("ip:{ip}"), state.config.auth.attempts_per_ip)];
        match super::limits::attempt(&state.db, "google_start", &keys, super::api::WINDOW).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                let refusal = Refusal::new(google_error::RATE_LIMITED, "rate_limited", "too many starts");
                return refused(&state, refusal, &origin).await;
            }
            Err(e) => return refused(&state, Refusal::internal(e), &origin).await,
        }
    }
    let refusal = match google.authorize(state.clock.now()).await {
        Ok((url, pending)) => match session.insert(PENDING, pending).await {
            Ok(()) => return Redirect::to(&url).into_response(),
            Err(e) => Refusal::internal(e),
        },
        Err(e) => Refusal::failed("provider_unavailable", e),
    };
    refused(&state, refusal, &origin).await
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
    parts: Parts,
) -> Response {
    let origin = session::origin_of(&parts);
    match sign_in(&state, &session, query.as_deref().unwrap_or_default(), &origin).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(refusal) => refused(&state, refusal, &origin).await,
    }
}

async fn sign_in(state: &AppState, session: &Session, query: &str, origin: &Origin) -> Result<(), Refusal> {
    let google = state.google.as_ref().ok_or_else(|| Refusal::failed("not_configured", "Google is off"))?;
    let param = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    };
    // Single use: whatever happens next, this pending sign-in is spent.
    let pending = session.remove::<PendingLogin>(PENDING).await.map_err(Refusal::internal)?;
    if let Some(error) = param("error") {
        let error: String = error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
        return Err(Refusal::new(google_error::DENIED, "provider_error", error));
    }
    let pending = pending.ok_or_else(|| Refusal::expired("no_pending_sign_in"))?;
    let age = state.clock.now().timestamp() - pending.started_at;
    if !(0..=PENDING_SECS).contains(&age) {
        return Err(Refusal::expired("pending_sign_in_expired"));
    }
    if !param("state").is_some_and(|s| same(s.as_bytes(), pending.state.as_bytes())) {
        return Err(Refusal::expired("state_mismatch"));
    }
    let code = param("code").filter(|c| !c.is_empty()).ok_or_else(|| Refusal::failed("no_code", "no code"))?;
    let identity = google.identify(code, pending, state.clock.clone()).await?;
    let (user, email) = account::resolve(state, &identity, origin).await?;
    session::start_with(state, session, user, origin).await.map_err(|e| match e {
        crate::error::AppError::Invalid { .. } => Refusal::failed("account_suspended", "the account is suspended"),
        e => Refusal::internal(e),
    })?;
    audit::record(&state.db, "sign_in", Some(user), Some(&email), origin, json!({ "method": "google" })).await?;
    Ok(())
}

/// Logs and audits a refusal, then sends the browser back to the sign-in page with its code.
async fn refused(state: &AppState, refusal: Refusal, origin: &Origin) -> Response {
    if refusal.reason == "internal" {
        tracing::error!(detail = %refusal.detail, "Google sign-in failed");
    } else {
        tracing::warn!(reason = refusal.reason, detail = %refusal.detail, "Google sign-in refused");
    }
    let detail = match refusal.reason {
        "provider_error" => json!({ "reason": refusal.reason, "error": refusal.detail }),
        _ => json!({ "reason": refusal.reason }),
    };
    if let Err(e) =
        audit::record(&state.db, "google_sign_in_failed", refusal.user, refusal.email.as_deref(), origin, detail).await
    {
        tracing::error!(error = %e, "audit of a refused Google sign-in failed");
    }
    Redirect::to(&format!("/sign-in?error={}", refusal.code)).into_response()
}

/// Compares in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_compares_whole_values() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"abc", b"abcd"));
        assert!(!super::same(b"", b"a"));
    }
}
