//! The signed-in user, read from the tower-sessions session, and the guards every server
//! function that needs a user or an admin starts with.

use leptos::prelude::use_context;
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    audit::Origin,
    db,
    model::{CurrentUser, Role},
};
use crate::error::AppError;
use crate::server::{error::internal, state::app_state};

const USER_ID: &str = "user_id";
const EPOCH: &str = "epoch";
const LAST_SEEN: &str = "last_seen";

/// Admin sessions end after this long without a request.
pub const ADMIN_IDLE_LIMIT: chrono::Duration = chrono::Duration::minutes(30);

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| internal("session missing", e))
}

/// Starts a signed-in session with a new id (no session fixation).
pub async fn start(session: &Session, user: Uuid) -> Result<(), AppError> {
    start_with(&app_state()?, session, user).await
}

/// [`start`] for plain axum handlers, which have the state but no Leptos context.
pub async fn start_with(state: &crate::server::state::AppState, session: &Session, user: Uuid) -> Result<(), AppError> {
    let epoch = db::session_epoch(&state.db, user).await?;
    session.cycle_id().await.map_err(|e| internal("session cycle", e))?;
    session.insert(USER_ID, user).await.map_err(|e| internal("session insert", e))?;
    session.insert(EPOCH, epoch).await.map_err(|e| internal("session insert", e))?;
    let now = state.clock.now().timestamp();
    session.insert(LAST_SEEN, now).await.map_err(|e| internal("session insert", e))
}

pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(|e| internal("session flush", e))
}

/// The signed-in user, if any (a session of a deleted user counts as none).
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let Some(id) = session.get::<Uuid>(USER_ID).await.map_err(|e| internal("session read", e))? else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(EPOCH).await.map_err(|e| internal("session read", e))?.unwrap_or_default();
    let state = app_state()?;
    let Some(user) = db::session_user(&state.db, id, epoch).await? else {
        return Ok(None);
    };
    if user.role == Role::Admin {
        // Admins are signed out after 30 minutes without a request.
        let now = state.clock.now();
        let last_seen = session.get::<i64>(LAST_SEEN).await.map_err(|e| internal("session read", e))?;
        let idle = last_seen.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| now - t);
        if idle.is_none_or(|idle| idle > ADMIN_IDLE_LIMIT) {
            super::audit::record(
                &state.db,
                "admin_session_expired",
                Some(user.id),
                Some(&user.email),
                &origin().await,
                serde_json::json!({}),
            )
            .await?;
            end(&session).await?;
            return Ok(None);
        }
        session.insert(LAST_SEEN, now.timestamp()).await.map_err(|e| internal("session write", e))?;
    }
    Ok(Some(user))
}

/// The guard for members: 401 without a signed-in user.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The guard for admins: 401 signed out, 403 for members.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role == Role::Admin { Ok(user) } else { Err(AppError::Forbidden) }
}

/// The caller's address and browser, for the audit log and the attempt limits.
pub async fn origin() -> Origin {
    let ip = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|c| c.0.ip());
    let user_agent = use_context::<http::request::Parts>()
        .and_then(|p| p.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string));
    Origin { ip, user_agent }
}
