//! `entitlement(user)`: the one place that says whether a member is paid, and on which plan.
//! Billing fills `entitlements` from Stripe later; admins grant it by hand until then.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::model::Plan;

/// The member's plan now: the highest unrevoked entitlement in force, else Free.
pub async fn entitlement(db: &PgPool, user: Uuid, now: DateTime<Utc>) -> Result<Plan, sqlx::Error> {
    let plans: Vec<String> = sqlx::query_scalar(
        "SELECT plan FROM entitlements
          WHERE user_id = $1 AND revoked_at IS NULL AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $2)",
    )
    .bind(user)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(plans.iter().filter_map(|p| Plan::parse(p)).max().unwrap_or(Plan::Free))
}

/// An admin grant of `plan` from `starts_at` until `ends_at`.
pub async fn grant<'e>(
    db: impl PgExecutor<'e>,
    user: Uuid,
    plan: Plan,
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO entitlements (user_id, plan, source, starts_at, ends_at, note) VALUES ($1, $2, 'grant', $3, $4, $5)",
    )
    .bind(user)
    .bind(plan.as_str())
    .bind(starts_at)
    .bind(ends_at)
        .bind(note)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every admin grant of the member that is still in force; returns how many.
pub async fn revoke_grants<'e>(db: impl PgExecutor<'e>, user: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE entitlements SET revoked_at = $2
          WHERE user_id = $1 AND source = 'grant' AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $2)",
    )
    .bind(user)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected())
}
