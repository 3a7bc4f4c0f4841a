//! Billing's emails, enqueued in the webhook's transaction with keys that make each one go out
//! once however often Stripe delivers the event.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::webhook::{Deps, ProcessError};
use crate::features::email::templates::{PaymentFailed, Receipt, ReferralEarned, SubscriptionCancelled};
use crate::features::quotas::Plan;

async fn member(tx: &mut PgConnection, user: Uuid) -> Result<(String, String), sqlx::Error> {
    sqlx::query_as("SELECT email::text, display_name FROM users WHERE id = $1").bind(user).fetch_one(&mut *tx).await
}

#[allow(clippy::too_many_arguments)]
pub async fn receipt(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    description: &str,
    amount_cents: i64,
    currency: &str,
    paid_at: DateTime<Utc>,
    invoice_url: Option<&str>,
    key: &str,
) -> Result<(), ProcessError> {
    let (email, name) = member(tx, user).await?;
    let receipt = Receipt {
        name,
        description: description.to_string(),
        amount_cents,
        currency: currency.to_string(),
        paid_at,
        invoice_url: invoice_url.map(str::to_string),
    };
    deps.mailer.enqueue(tx, &email, &receipt, key).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn payment_failed(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    plan: Option<Plan>,
    amount_cents: i64,
    currency: &str,
    grace_ends_at: DateTime<Utc>,
    key: &str,
) -> Result<(), ProcessError> {
    let (email, name) = member(tx, user).await?;
    let notice = PaymentFailed {
        name,
        plan: plan.map_or("Threadr", Plan::label).to_string(),
        amount_cents,
        currency: currency.to_string(),
        grace_ends_at: Some(grace_ends_at),
    };
    deps.mailer.enqueue(tx, &email, &notice, key).await?;
    Ok(())
}

pub async fn subscription_cancelled(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    plan: Plan,
    ends_at: DateTime<Utc>,
    ended: bool,
    key: &str,
) -> Result<(), ProcessError> {
    let (email, name) = member(tx, user).await?;
    let notice = SubscriptionCancelled { name, plan: plan.label().to_string(), ends_at, ended };
    deps.mailer.enqueue(tx, &email, &notice, key).await?;
    Ok(())
}

pub async fn referral_earned(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    referrer: Uuid,
    referred: Uuid,
    amount_cents: i64,
    commission_cents: i64,
    currency: &str,
) -> Result<(), ProcessError> {
    let (email, name) = member(tx, referrer).await?;
    let (_, referred_name) = member(tx, referred).await?;
    let notice = ReferralEarned { name, referred_name, amount_cents, commission_cents, currency: currency.to_string() };
    deps.mailer.enqueue(tx, &email, &notice, &format!("referral-earned:{referred}")).await?;
    Ok(())
}
