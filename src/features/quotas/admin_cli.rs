//! `threadr grant-premium` and `threadr revoke-premium`: paid access by hand until billing
//! fills entitlements. Both are audited.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

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
    entitlement::grant(&mut *tx, user.id, plan, ends_at, "granted with threadr grant-premium").await?;
    let detail = serde_json::json!({ "plan": plan.as_str(), "days": days, "ends_at": ends_at, "by": "cli" });
    audit::record(&mut *tx, "premium_granted", Some(user.id), Some(&user.email), &audit::Origin::default(), detail)
        .await?;
    tx.commit().await?;
    Ok(format!("{} has {} until {}", user.email, plan.label(), ends_at.format("%Y-%m-%d %H:%M UTC")))
}

/// Ends the member's admin grants now.
pub async fn revoke_premium(pool: &PgPool, email: &str, now: DateTime<Utc>) -> Result<String, GrantError> {
    let user = find(pool, email).await?;
    let mut tx = pool.begin().await?;
    let ended = entitlement::revoke_grants(&mut *tx, user.id, now).await?;
    let detail = serde_json::json!({ "grants_ended": ended, "by": "cli" });
    audit::record(&mut *tx, "premium_revoked", Some(user.id), Some(&user.email), &audit::Origin::default(), detail)
        .await?;
    tx.commit().await?;
    Ok(match ended {
        0 => format!("{} had no grant in force; nothing changed", user.email),
        n => format!("{}: {n} grant(s) ended", user.email),
    })
}

async fn find(pool: &PgPool, email: &str) -> Result<accounts::CurrentUser, GrantError> {
    let parsed = accounts::EmailAddress::parse(email).map_err(|e| GrantError::Invalid(e.to_string()))?;
    accounts::user_by_email(pool, parsed.as_str())
        .await?
        .ok_or_else(|| GrantError::Invalid(format!("no account with the email {}", parsed.as_str())))
}
