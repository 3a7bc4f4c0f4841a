//! Maintenance mode: one switch in `app_settings` that every instance follows within
//! [`FRESH_FOR`]. While it is on, every page and server function answers 503 with the message
//! and `Retry-After`, except health, metrics, Stripe's webhooks, the assets and signing in;
//! admins keep the whole site (with a banner). `MAINTENANCE_MODE` writes the switch at start.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What visitors read when the admin gave no message.
pub const DEFAULT_MESSAGE: &str = "Threadr is down for maintenance. We will be back shortly.";
pub const MESSAGE_MAX: usize = 500;
/// The `Retry-After` of maintenance answers, in seconds.
pub const RETRY_AFTER_SECS: u64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MaintenanceState {
    pub on: bool,
    pub message: String,
    pub since: Option<DateTime<Utc>>,
}

impl MaintenanceState {
    /// The message to show: the admin's, or [`DEFAULT_MESSAGE`].
    pub fn shown_message(&self) -> &str {
        if self.message.trim().is_empty() { DEFAULT_MESSAGE } else { &self.message }
    }
}

/// The maintenance message as an admin typed it: trimmed, at most [`MESSAGE_MAX`] characters.
pub fn parse_message(raw: &str) -> Result<String, &'static str> {
    let message = raw.trim();
    if message.chars().count() > MESSAGE_MAX {
        return Err("The message can be at most 500 characters.");
    }
    Ok(message.to_string())
}

/// The switch as the admin dashboard shows it.
#[server(prefix = "/api", endpoint = "admin/maintenance")]
pub async fn admin_maintenance() -> Result<MaintenanceState, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(ssr::read(&state.db).await?)
}

/// Turns maintenance on (`on` = "on") or off, with the message visitors read.
#[server(prefix = "/api", endpoint = "admin/maintenance/set")]
pub async fn admin_set_maintenance(on: String, message: String) -> Result<String, AppError> {
    use crate::features::accounts::{audit, session};
    let admin = session::require_admin().await?;
    let on = match on.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::invalid("Choose on or off.")),
    };
    let message = parse_message(&message).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    let saved = ssr::write(&mut tx, on, &message, Some(admin.id), state.clock.now()).await?;
    let detail = serde_json::json!({ "on": on, "message": message });
    audit::admin_action(
        &mut *tx,
        "maintenance_switched",
        Some(admin.user()),
        "maintenance",
        &session::origin().await,
        detail,
    )
    .await?;
    tx.commit().await?;
    state.maintenance.remember(saved);
    Ok(if on {
        "Maintenance mode is on: visitors and members get the message; every instance follows within seconds.".into()
    } else {
        "Maintenance mode is off: the site is open again.".into()
    })
}

/// For the banner: the message while maintenance is on and the caller is an admin.
#[server(prefix = "/api", endpoint = "maintenance-notice")]
pub async fn maintenance_notice() -> Result<Option<String>, AppError> {
    let state = crate::server::state::app_state()?;
    let now = state.maintenance.current(&state.db).await;
    if !now.on {
        return Ok(None);
    }
    let admin = crate::features::accounts::session::current_user()
        .await?
        .is_some_and(|u| u.role == crate::features::accounts::Role::Admin);
    Ok(admin.then(|| now.shown_message().to_string()))
}

/// Shown above every page to admins while maintenance is on.
#[component]
pub fn MaintenanceBanner() -> impl IntoView {
    let banner = Resource::new(|| (), |_| maintenance_notice());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                banner.await.ok().flatten().map(|message| view! {
                    <div role="status" class="bg-amber-200 px-4 py-2 text-center font-medium text-amber-950">
                        "Maintenance mode is on. Visitors see: “" {message} "” "
                        <a href="/admin" class="underline underline-offset-4">"Switch it off in the admin area"</a>
                    </div>
                })
            })}
        </Suspense>
    }
}

#[cfg(feature = "ssr")]
pub use ssr::{Maintenance, apply_startup_switch, gate};

#[cfg(feature = "ssr")]
mod ssr {
    use axum::{
        extract::{OptionalFromRequestParts, Request, State},
        middleware::Next,
        response::{IntoResponse, Response},
    };
    use chrono::{DateTime, Utc};
    use http::{StatusCode, header};
    use sqlx::{PgConnection, PgPool};
    use std::{
        sync::{Arc, RwLock},
        time::{Duration, Instant},
    };
    use uuid::Uuid;

    use super::{MaintenanceState, RETRY_AFTER_SECS};
    use crate::features::accounts::{Role, session::Member};
    use crate::server::state::AppState;

    /// How long an instance trusts what it last read of the switch.
    pub const FRESH_FOR: Duration = Duration::from_secs(2);
    const KEY: &str = "maintenance";

    pub async fn read(db: &PgPool) -> Result<MaintenanceState, sqlx::Error> {
        let value: Option<serde_json::Value> =
            sqlx::query_scalar("SELECT value FROM app_settings WHERE key = $1").bind(KEY).fetch_optional(db).await?;
        Ok(value.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
    }

    pub async fn write(
        conn: &mut PgConnection,
        on: bool,
        message: &str,
        by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<MaintenanceState, sqlx::Error> {
        let state = MaintenanceState { on, message: message.to_string(), since: Some(now) };
        let value = serde_json::to_value(&state).unwrap_or_default();
        sqlx::query(
            "INSERT INTO app_settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at,
                                             updated_by = EXCLUDED.updated_by",
        )
        .bind(KEY)
        .bind(value)
        .bind(now)
        .bind(by)
        .execute(conn)
        .await?;
        Ok(state)
    }

    /// `MAINTENANCE_MODE` (and its message), written as the instance starts.
    pub async fn apply_startup_switch(db: &PgPool, switch: Option<&(bool, Option<String>)>) -> Result<(), sqlx::Error> {
        let Some((on, message)) = switch else { return Ok(()) };
        let mut conn = db.acquire().await?;
        write(&mut conn, *on, message.as_deref().unwrap_or(""), None, Utc::now()).await?;
        tracing::warn!(on, "maintenance mode set from MAINTENANCE_MODE at start");
        Ok(())
    }

    /// This instance's view of the switch, read again when older than [`FRESH_FOR`]. Cheap to
    /// clone.
    #[derive(Clone)]
    pub struct Maintenance(Arc<Inner>);

    struct Inner {
        known: RwLock<Option<(MaintenanceState, Instant)>>,
        reading: tokio::sync::Mutex<()>,
    }

    impl Default for Maintenance {
        fn default() -> Self {
            Self(Arc::new(Inner { known: RwLock::new(None), reading: tokio::sync::Mutex::new(()) }))
        }
    }

    impl Maintenance {
        fn known(&self) -> Option<(MaintenanceState, Instant)> {
            self.0.known.read().ok().and_then(|k| k.clone())
        }

        /// What this instance switched itself: known at once, here.
        pub fn remember(&self, state: MaintenanceState) {
            if let Ok(mut known) = self.0.known.write() {
                *known = Some((state, Instant::now()));
            }
        }

        /// The switch now. One request reads it again when it is stale while the others go on
        /// with the last value; while the database cannot answer, the last value stands.
        pub async fn current(&self, db: &PgPool) -> MaintenanceState {
            let known = self.known();
            if let Some((state, at)) = &known
                && at.elapsed() < FRESH_FOR
            {
                return state.clone();
            }
            let _reading = match (&known, self.0.reading.try_lock()) {
                (_, Ok(guard)) => guard,
                (Some((state, _)), Err(_)) => return state.clone(),
                // Nothing known yet: wait for the first read rather than guess "off".
                (None, Err(_)) => self.0.reading.lock().await,
            };
            if let Some((state, at)) = self.known()
                && at.elapsed() < FRESH_FOR
            {
                return state;
            }
            match tokio::time::timeout(Duration::from_secs(1), read(db)).await {
                Ok(Ok(state)) => {
                    self.remember(state.clone());
                    state
                }
                failed => {
                    if let Ok(Err(e)) = failed {
                        tracing::warn!(error = %e, "maintenance switch unreadable; keeping the last known value");
                    }
                    let last = known.map(|(state, _)| state).unwrap_or_default();
                    // Try again after FRESH_FOR, not on every request.
                    self.remember(last.clone());
                    last
                }
            }
        }
    }

    /// Paths that stay up during maintenance for everyone.
    fn always_open(path: &str) -> bool {
        const EXACT: &[&str] = &[
            "/health",
            "/metrics",
            "/api/health/detailed",
            "/webhooks/stripe",
            "/sign-in",
            "/api/accounts/sign-in",
            "/api/accounts/sign-out",
            "/api/admin/gate",
            "/api/admin/step-up",
            "/api/maintenance-notice",
            "/favicon.ico",
        ];
        EXACT.contains(&path) || path.starts_with("/pkg/") || path.starts_with("/auth/google/")
    }

    /// The middleware: everyone but admins gets 503 while the switch is on.
    pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
        let path = req.uri().path();
        if always_open(path) {
            return next.run(req).await;
        }
        let now = state.maintenance.current(&state.db).await;
        if !now.on {
            return next.run(req).await;
        }
        let api = path.starts_with("/api/");
        let (mut parts, body) = req.into_parts();
        let member = <Member as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await;
        if matches!(member, Ok(Some(ref m)) if m.role == Role::Admin) {
            return next.run(Request::from_parts(parts, body)).await;
        }
        refused(&now, api)
    }

    fn refused(now: &MaintenanceState, api: bool) -> Response {
        let message = now.shown_message();
        let retry = [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()), (header::CACHE_CONTROL, "no-store".into())];
        if api {
            let body = serde_json::json!({ "kind": "dependency", "message": message });
            return (StatusCode::SERVICE_UNAVAILABLE, retry, axum::Json(body)).into_response();
        }
        (StatusCode::SERVICE_UNAVAILABLE, retry, axum::response::Html(page(message))).into_response()
    }

    /// A page of its own (the app's shell is not rendered while it is down).
    fn page(message: &str) -> String {
        let message = html_escape(message);
        format!(
            r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Down for maintenance · Threadr</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:2rem 1rem;background:#f8fafc;color:#0f172a}}
main{{max-width:36rem;margin:0 auto}}a{{color:#3730a3;display:inline-block;min-height:44px;line-height:44px}}
@media (prefers-color-scheme: dark){{body{{background:#0f172a;color:#f1f5f9}}a{{color:#a5b4fc}}}}</style></head>
<body><main><h1>Down for maintenance</h1><p>{message}</p>
<p>This page will work again when we are done; please try again in a few minutes.</p>
<p><a href="/sign-in">Admins: sign in</a></p></main></body></html>"#
        )
    }

    fn html_escape(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn health_webhooks_assets_and_sign_in_stay_open() {
            for open in
                ["/health", "/metrics", "/webhooks/stripe", "/pkg/threadr.wasm", "/sign-in", "/api/accounts/sign-in"]
            {
                assert!(always_open(open), "{open}");
            }
            for closed in ["/", "/products/x", "/api/catalogue/search", "/admin", "/healthz", "/sign-up"] {
                assert!(!always_open(closed), "{closed}");
            }
        }

        #[test]
        fn the_page_shows_the_message_inert() {
            let html = page("<b>back at 5</b> & soon");
            assert!(html.contains("&lt;b&gt;back at 5&lt;/b&gt; &amp; soon"));
        }
    }
}
