//! The signed-in user, read from the tower-sessions session, and the guards.
//!
//! Code that acts for a user takes a [`Member`] or an [`Admin`]; both can only be made here,
//! by checking the session, so a query about "my addresses" cannot be written without the
//! guard having run. Server functions get them from [`require_user`] / [`require_admin`],
//! axum handlers as extractors.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use leptos::prelude::use_context;
use std::ops::Deref;
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    audit::{self, Origin},
    db,
    model::{CurrentUser, Role},
};
use crate::error::AppError;
use crate::server::{
    error::internal,
    http::scratch::Scratch,
    state::{AppState, app_state},
};

const USER_ID: &str = "user_id";
const EPOCH: &str = "epoch";
/// The `user_sessions` row of this session: the devices list shows it and can delete it.
const SESSION_ROW: &str = "sid";
const LAST_SEEN: &str = "last_seen";

/// Admin sessions end after this long without a request.
pub const ADMIN_IDLE_LIMIT: chrono::Duration = chrono::Duration::minutes(30);

/// A signed-in user whose session was checked just now.
#[derive(Debug, Clone)]
pub struct Member {
    user: CurrentUser,
    session_row: Uuid,
    stepped_up: bool,
}

impl Member {
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    /// Whether this session entered the admin portal key.
    pub fn stepped_up(&self) -> bool {
        self.stepped_up
    }

    /// The id of this session's row in `user_sessions`.
    pub fn session_row(&self) -> Uuid {
        self.session_row
    }
}

impl Deref for Member {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

/// A signed-in admin (and, when ADMIN_PORTAL_KEY is set, one who entered it this session).
#[derive(Debug, Clone)]
pub struct Admin(Member);

impl Deref for Admin {
    type Target = Member;
    fn deref(&self) -> &Member {
        &self.0
    }
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| internal("session missing", e))
}

/// Signs `user` in on this session with a new session id (no session fixation); a suspended
/// account is refused with [`super::admin_actions::ACCOUNT_SUSPENDED`].
pub async fn start(session: &Session, user: Uuid) -> Result<(), AppError> {
    start_with(&app_state()?, session, user, &origin().await).await
}

/// [`start`] for axum handlers, which have the state and the origin at hand.
pub async fn start_with(state: &AppState, session: &Session, user: Uuid, origin: &Origin) -> Result<(), AppError> {
    let (epoch, banned) = db::session_epoch(&state.db, user).await?;
    if banned {
        audit::record(&state.db, "sign_in_refused_banned", Some(user), None, origin, json()).await?;
        return Err(AppError::invalid(super::admin_actions::ACCOUNT_SUSPENDED));
    }
    let row = db::insert_session_row(&state.db, user, origin).await?;
    // A session that was signed in as someone else loses its row.
    if let Some(old) = session.get::<Uuid>(SESSION_ROW).await.map_err(read_error)? {
        db::delete_session_row(&state.db, old).await?;
    }
    session.cycle_id().await.map_err(|e| internal("session cycle", e))?;
    session.insert(USER_ID, user).await.map_err(write_error)?;
    session.insert(EPOCH, epoch).await.map_err(write_error)?;
    session.insert(SESSION_ROW, row).await.map_err(write_error)?;
    session.insert(LAST_SEEN, state.clock.now().timestamp()).await.map_err(write_error)?;
    forget_member(scratch());
    Ok(())
}

/// Signs out: the session and its row are gone.
pub async fn end(session: &Session) -> Result<(), AppError> {
    if let Some(row) = session.get::<Uuid>(SESSION_ROW).await.map_err(read_error)? {
        db::delete_session_row(&app_state()?.db, row).await?;
    }
    forget_member(scratch());
    session.flush().await.map_err(|e| internal("session flush", e))
}

fn read_error(e: tower_sessions::session::Error) -> AppError {
    internal("session read", e)
}

fn write_error(e: tower_sessions::session::Error) -> AppError {
    internal("session write", e)
}

/// The signed-in user, if any. A session of a deleted or signed-out-everywhere user, or
/// whose row was ended from the devices list, counts as none.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(current_member().await?.map(|m| m.user))
}

/// Resolved once per request however many of the page's server functions ask (the header,
/// the cart badge, the hearts and the page itself each do).
pub async fn current_member() -> Result<Option<Member>, AppError> {
    once_per_request(scratch(), || async { resolve(&app_state()?, &session().await?, &origin().await).await }).await
}

/// `resolve` once for the request whose scratch this is (every time without one).
async fn once_per_request<F, Fut>(scratch: Option<Scratch>, resolve: F) -> Result<Option<Member>, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<Member>, AppError>>,
{
    let Some(scratch) = scratch else { return resolve().await };
    let cell = scratch.get_or_insert_with(ResolvedMember::default);
    cell.0.get_or_try_init(resolve).await.cloned()
}

/// This request's member, once worked out.
#[derive(Clone, Default)]
struct ResolvedMember(std::sync::Arc<tokio::sync::OnceCell<Option<Member>>>);

fn scratch() -> Option<Scratch> {
    use_context::<Parts>().and_then(|parts| Scratch::of(&parts))
}

/// Signing in or out, or stepping up, changes who this request is for.
fn forget_member(scratch: Option<Scratch>) {
    if let Some(scratch) = scratch {
        scratch.remove::<ResolvedMember>();
    }
}

async fn resolve(state: &AppState, session: &Session, origin: &Origin) -> Result<Option<Member>, AppError> {
    let (Some(id), Some(row)) = (
        session.get::<Uuid>(USER_ID).await.map_err(read_error)?,
        session.get::<Uuid>(SESSION_ROW).await.map_err(read_error)?,
    ) else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(EPOCH).await.map_err(read_error)?.unwrap_or_default();
    let now = state.clock.now();
    let Some(found) = db::session_user(&state.db, id, epoch, row, now).await? else {
        session.flush().await.map_err(|e| internal("session flush", e))?;
        return Ok(None);
    };
    if found.user.role == Role::Admin {
        // Admins are signed out after 30 minutes without a request.
        let last_seen = session.get::<i64>(LAST_SEEN).await.map_err(read_error)?;
        let idle = last_seen.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| now - t);
        if idle.is_none_or(|idle| idle > ADMIN_IDLE_LIMIT) {
            let user = &found.user;
            audit::record(&state.db, "admin_session_expired", Some(user.id), Some(&user.email), origin, json()).await?;
            db::delete_session_row(&state.db, row).await?;
            session.flush().await.map_err(|e| internal("session flush", e))?;
            return Ok(None);
        }
        session.insert(LAST_SEEN, now.timestamp()).await.map_err(write_error)?;
    }
    crate::server::observe::set_user(found.user.id);
    Ok(Some(Member { user: found.user, session_row: row, stepped_up: found.stepped_up }))
}

fn json() -> serde_json::Value {
    serde_json::json!({})
}

/// The guard for members: 401 without a signed-in user.
pub async fn require_user() -> Result<Member, AppError> {
    current_member().await?.ok_or(AppError::Unauthenticated)
}

/// The guard for admins: 401 signed out, 403 for members, and the portal key first when
/// ADMIN_PORTAL_KEY is set.
pub async fn require_admin() -> Result<Admin, AppError> {
    admin(&app_state()?, require_user().await?)
}

fn admin(state: &AppState, member: Member) -> Result<Admin, AppError> {
    if member.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    if state.config.auth.admin_portal_key.is_some() && !member.stepped_up {
        return Err(AppError::StepUpRequired);
    }
    Ok(Admin(member))
}

/// An admin who has not entered the portal key yet (the step-up form itself needs one).
pub async fn require_admin_before_step_up() -> Result<Member, AppError> {
    let member = require_user().await?;
    if member.role == Role::Admin { Ok(member) } else { Err(AppError::Forbidden) }
}

/// Marks this session as having entered the portal key, with a new session id: the
/// session gained a privilege.
pub async fn step_up(member: &Member) -> Result<(), AppError> {
    let state = app_state()?;
    db::mark_stepped_up(&state.db, member.session_row).await?;
    forget_member(scratch());
    session().await?.cycle_id().await.map_err(|e| internal("session cycle", e))
}

/// The caller's address and browser, for the audit log and the attempt limits.
/// (leptos_axum provides the request's parts, extensions included, as context.)
pub async fn origin() -> Origin {
    use_context::<Parts>().map(|parts| origin_of(&parts)).unwrap_or_default()
}

/// The origin of a request an axum handler is serving: the client address behind
/// `TRUSTED_PROXY_HOPS` proxies (the connection's address without them).
pub fn origin_of(parts: &Parts) -> Origin {
    let ip = crate::server::http::client_ip::ClientIp::of(parts)
        .or_else(|| parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip()));
    let user_agent = parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    Origin { ip, user_agent }
}

async fn member_from_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Member>, AppError> {
    let session = Session::from_request_parts(parts, state).await.map_err(|(_, e)| internal("session missing", e))?;
    let origin = origin_of(parts);
    once_per_request(Scratch::of(parts), || resolve(state, &session, &origin)).await
}

impl FromRequestParts<AppState> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        member_from_parts(parts, state).await?.ok_or(AppError::Unauthenticated)
    }
}

impl OptionalFromRequestParts<AppState> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, AppError> {
        member_from_parts(parts, state).await
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let member = <Member as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        admin(state, member)
    }
}
