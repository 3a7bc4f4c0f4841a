//! `threadr grant-premium` and `threadr revoke-premium`: paid access by hand until billing
//! fills entitlements. Both are audited.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{entitlement, model::Plan};
use crate::features::accounts::{self, audit};

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Grants `plan` (default Pro) for `days` days from `now`; returns a line for the operator.
pub async fn grant_premium(
    pool: &PgPool,
    email: &str,
    days: u32,
    plan: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, GrantError> {
    if !(1..=3660).contains(&days) {
        return Err(GrantError::Invalid("--days must be from 1 to 3660".into()));
    }
    let plan = match plan {
        None => Plan::Pro,
        Some(p) => Plan::parse(&p.to_ascii_lowercase())
            .ok_or_else(|| GrantError::Invalid(format!("unknown plan {p:?}: use pass, starter, pro or business")))?,
    };
    let user = find(pool, email).await?;
    let ends_at = now + Duration::days(i64::from(days));
    let mut tx = pool.begin().await?;
    let line = grant_until(&mut tx, None, user.id, plan, now, ends_at, &audit::Origin::default()).await?;
    tx.commit().await?;
    Ok(line)
}

/// Grants `plan` to `user` from `now` until `ends_at`, audited as done by `admin` (None: the
/// command line).
pub async fn grant_until(
    conn: &mut PgConnection,
    admin: Option<&accounts::CurrentUser>,
    user: Uuid,
    plan: Plan,
    now: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    origin: &audit::Origin,
) -> Result<String, GrantError> {
    let email: String = sqlx::query_scalar("SELECT email::text FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| GrantError::Invalid("no such account".into()))?;
    let by = if admin.is_some() { "admin" } else { "cli" };
    let note = if admin.is_some() { "granted in the admin area" } else { "granted with threadr grant-premium" };
    entitlement::grant(&mut *conn, user, plan, (now, ends_at), note).await?;
    let days = (ends_at - now).num_days();
    let detail =
        serde_json::json!({ "plan": plan.as_str(), "days": days, "ends_at": ends_at, "email": email, "by": by });
    audit::admin_action(&mut *conn, "premium_granted", admin, &format!("user:{user}"), origin, detail).await?;
    Ok(format!("{email} has {} until {}", plan.label(), ends_at.format("%Y-%m-%d %H:%M UTC")))
}

/// Ends the member's admin grants now.
pub async fn revoke_premium(pool: &PgPool, email: &str, now: DateTime<Utc>) -> Result<String, GrantError> {
    let user = find(pool, email).await?;
    let mut tx = pool.begin().await?;
    let line = revoke_for(&mut tx, None, user.id, now, &audit::Origin::default()).await?;
    tx.commit().await?;
    Ok(line)
}

/// Ends `user`'s admin grants now, audited as done by `admin` (None: the command line).
pub async fn revoke_for(
    conn: &mut PgConnection,
    admin: Option<&accounts::CurrentUser>,
    user: Uuid,
    now: DateTime<Utc>,
    origin: &audit::Origin,
) -> Result<String, GrantError> {
    let email: String = sqlx::query_scalar("SELECT email::text FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| GrantError::Invalid("no such account".into()))?;
    let ended = entitlement::revoke_grants(&mut *conn, user, now).await?;
    let by = if admin.is_some() { "admin" } else { "cli" };
    let detail = serde_json::json!({ "grants_ended": ended, "email": email, "by": by });
    audit::admin_action(&mut *conn, "premium_revoked", admin, &format!("user:{user}"), origin, detail).await?;
    Ok(match ended {
        0 => format!("{email} had no grant in force; nothing changed"),
        n => format!("{email}: {n} grant(s) ended"),
    })
}

async fn find(pool: &PgPool, email: &str) -> Result<accounts::CurrentUser, GrantError> {
    let parsed = accounts::EmailAddress::parse(email).map_err(|e| GrantError::Invalid(e.to_string()))?;
    accounts::user_by_email(pool, parsed.as_str())
        .await?
        .ok_or_else(|| GrantError::Invalid(format!("no account with the email {}", parsed.as_str())))
}
