//! `entitlement(user)`: the one place that says whether a member is paid, and on which plan.
//! Paid is any of: an admin grant or a 30-day pass in force (`entitlements`); a subscription
//! that is `active` or `trialing` (one cancelled at period end until that end); a `past_due`
//! one for [`PAST_DUE_GRACE_DAYS`] after its first unpaid failure. Billing keeps the tables
//! up to date from Stripe's webhooks.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::model::Plan;

/// How long a subscription whose payment failed stays paid.
pub const PAST_DUE_GRACE_DAYS: i32 = 3;

/// When the grace of a past_due subscription `s` ends: [`PAST_DUE_GRACE_DAYS`] after the
/// earliest failure of its unpaid invoices, else after its latest failure (the failed invoice
/// was paid and Stripe's "active" is on its way); NULL while no failure is known yet (the
/// `invoice.payment_failed` event has not arrived), which counts as still in grace. Only
/// facts about invoices are used, so the answer does not depend on the order events came in.
/// SQL over `s` (a subscriptions row).
pub fn grace_ends_sql() -> String {
    format!(
        "(COALESCE(
            (SELECT min(i.first_failed_at) FROM invoices i
              WHERE i.stripe_subscription_id = s.stripe_subscription_id AND i.status = 'failed'),
            (SELECT max(i.first_failed_at) FROM invoices i
              WHERE i.stripe_subscription_id = s.stripe_subscription_id)) + make_interval(days => {PAST_DUE_GRACE_DAYS}))"
    )
}

/// The member's plan now: the highest of their grants, passes and subscriptions in force,
/// else Free.
pub async fn entitlement(db: &PgPool, user: Uuid, now: DateTime<Utc>) -> Result<Plan, sqlx::Error> {
    let plans: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT plan FROM entitlements
          WHERE user_id = $1 AND revoked_at IS NULL AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $2)
         UNION ALL
         SELECT s.plan FROM subscriptions s
          WHERE s.user_id = $1
            AND ((s.status IN ('active', 'trialing')
                  AND NOT (s.cancel_at_period_end AND s.current_period_end IS NOT NULL AND s.current_period_end <= $2))
              OR (s.status = 'past_due' AND COALESCE({}, $2 + interval '1 second') > $2))",
        grace_ends_sql()
    ))
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
