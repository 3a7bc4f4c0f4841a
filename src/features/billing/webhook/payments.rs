//! Money in: checkouts (the pass, or the start of a subscription), paid and failed invoices,
//! and the referral commission on a member's first payment.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::event::{CheckoutObject, Event, InvoiceObject};
use super::process::{Deps, Outcome, ProcessError, user_for_customer};
use crate::features::billing::notices;
use crate::features::quotas::{PAST_DUE_GRACE_DAYS, Plan};
use crate::ui::day;

/// Days a pass lasts (the `plans` row says the same; a test checks both agree).
pub const PASS_DAYS: i64 = 30;

pub async fn checkout_paid(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    event: &Event,
    checkout: &CheckoutObject,
) -> Result<Outcome, ProcessError> {
    let Some(customer) = checkout.customer.as_deref() else {
        return Ok(Outcome::Ignored("the checkout session has no customer".into()));
    };
    let Some(user) = user_for_customer(tx, customer).await? else {
        tracing::warn!(customer, "checkout for a customer Threadr did not create");
        return Ok(Outcome::Ignored(format!("customer {customer} is not a Threadr member")));
    };
    if checkout.client_reference_id.as_deref().is_some_and(|r| r != user.to_string()) {
        return Err(ProcessError::Malformed(format!(
            "checkout {} names another member than its customer's",
            checkout.id
        )));
    }
    let plan: Option<String> = sqlx::query_scalar("SELECT plan FROM checkout_attempts WHERE stripe_session_id = $1")
        .bind(&checkout.id)
        .fetch_optional(&mut *tx)
        .await?;
    let plan = plan.or_else(|| event.object.pointer("/metadata/plan").and_then(|p| p.as_str()).map(str::to_string));
    let Some(plan) = plan.as_deref().and_then(Plan::parse) else {
        return Ok(Outcome::Ignored(format!("checkout {} is not a Threadr plan purchase", checkout.id)));
    };
    sqlx::query("UPDATE checkout_attempts SET status = 'completed', completed_at = $2 WHERE stripe_session_id = $1")
        .bind(&checkout.id)
        .bind(deps.now)
        .execute(&mut *tx)
        .await?;
    if checkout.payment_status != "paid" {
        return Ok(Outcome::Done(format!("checkout {} complete; its payment is still processing", checkout.id)));
    }
    match checkout.mode.as_str() {
        "subscription" => Ok(Outcome::Done(format!(
            "checkout {} complete; subscription {} follows its own events",
            checkout.id,
            checkout.subscription.as_deref().unwrap_or("(none)")
        ))),
        "payment" if plan == Plan::Pass => {
            let Some(until) = grant_pass(tx, user, &checkout.id, event.created_at()).await? else {
                return Ok(Outcome::Done(format!("pass of checkout {} already granted", checkout.id)));
            };
            let description = format!("30-day pass, until {}", day(until));
            let key = format!("receipt:{}", checkout.id);
            notices::receipt(
                tx,
                deps,
                user,
                &description,
                checkout.amount_total,
                &checkout.currency,
                event.created_at(),
                None,
                &key,
            )
            .await?;
            earn_referral(tx, deps, user, &checkout.id, checkout.amount_total, &checkout.currency, event.created_at())
                .await?;
            Ok(Outcome::Done(format!("pass granted until {until}")))
        }
        other => {
            Err(ProcessError::Malformed(format!("checkout {} of plan {} in mode {other}", checkout.id, plan.as_str())))
        }
    }
}

pub async fn checkout_failed(tx: &mut PgConnection, checkout: &CheckoutObject) -> Result<Outcome, ProcessError> {
    sqlx::query("UPDATE checkout_attempts SET status = 'failed' WHERE stripe_session_id = $1 AND status = 'open'")
        .bind(&checkout.id)
        .execute(&mut *tx)
        .await?;
    Ok(Outcome::Done(format!("the payment of checkout {} failed; nothing granted", checkout.id)))
}

/// Adds a pass bought at `purchased_at`; returns when the member's passes now end, or `None` if
/// this checkout's pass was already there. Each pass starts at the later of its purchase and
/// the end of the ones bought before it, recomputed in purchase order so that a late webhook
/// lands in its place.
async fn grant_pass(
    tx: &mut PgConnection,
    user: Uuid,
    checkout: &str,
    purchased_at: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ProcessError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('pass:' || $1::text, 0))")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let added = sqlx::query(
        "INSERT INTO entitlements (user_id, plan, source, starts_at, ends_at, stripe_checkout_session_id, purchased_at, note)
         VALUES ($1, 'pass', 'pass', $3, $3 + make_interval(days => $4), $2, $3, '30-day pass')
         ON CONFLICT (stripe_checkout_session_id) DO NOTHING",
    )
    .bind(user)
    .bind(checkout)
    .bind(purchased_at)
    .bind(PASS_DAYS as i32)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added == 0 {
        return Ok(None);
    }
    let passes: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, purchased_at FROM entitlements
          WHERE user_id = $1 AND source = 'pass' AND revoked_at IS NULL ORDER BY purchased_at, id",
    )
    .bind(user)
    .fetch_all(&mut *tx)
    .await?;
    let mut end: Option<DateTime<Utc>> = None;
    for (id, bought) in passes {
        let start = end.map_or(bought, |e| e.max(bought));
        let this_end = start + Duration::days(PASS_DAYS);
        sqlx::query("UPDATE entitlements SET starts_at = $2, ends_at = $3 WHERE id = $1")
            .bind(id)
            .bind(start)
            .bind(this_end)
            .execute(&mut *tx)
            .await?;
        end = Some(this_end);
    }
    Ok(end)
}

pub async fn invoice_paid(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    event: &Event,
    user: Uuid,
    invoice: &InvoiceObject,
) -> Result<Outcome, ProcessError> {
    let paid_at = event.created_at();
    sqlx::query(
        "INSERT INTO invoices (stripe_invoice_id, user_id, stripe_subscription_id, status, amount_cents, currency,
                period_start, period_end, hosted_invoice_url, paid_at)
         VALUES ($1, $2, $3, 'paid', $4, $5, $6, $7, $8, $9)
         ON CONFLICT (stripe_invoice_id) DO UPDATE
            SET status = 'paid', amount_cents = EXCLUDED.amount_cents, paid_at = COALESCE(invoices.paid_at, EXCLUDED.paid_at),
                hosted_invoice_url = COALESCE(EXCLUDED.hosted_invoice_url, invoices.hosted_invoice_url),
                period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end",
    )
    .bind(&invoice.id)
    .bind(user)
    .bind(&invoice.subscription)
    .bind(invoice.amount_paid.max(0))
    .bind(&invoice.currency)
    .bind(invoice.period.map(|p| p.0))
    .bind(invoice.period.map(|p| p.1))
    .bind(&invoice.hosted_invoice_url)
    .bind(paid_at)
    .execute(&mut *tx)
    .await?;
    if invoice.amount_paid <= 0 {
        return Ok(Outcome::Done(format!("invoice {} paid (nothing charged)", invoice.id)));
    }
    let plan = subscription_plan(tx, invoice.subscription.as_deref()).await?;
    let description = match (plan, invoice.period) {
        (Some(plan), Some((from, to))) => {
            format!("{} plan, {} to {}", plan.label(), day(from), day(to))
        }
        (Some(plan), None) => format!("{} plan", plan.label()),
        (None, _) => "Threadr subscription".to_string(),
    };
    let key = format!("receipt:{}", invoice.id);
    notices::receipt(
        tx,
        deps,
        user,
        &description,
        invoice.amount_paid,
        &invoice.currency,
        paid_at,
        invoice.hosted_invoice_url.as_deref(),
        &key,
    )
    .await?;
    earn_referral(tx, deps, user, &invoice.id, invoice.amount_paid, &invoice.currency, paid_at).await?;
    Ok(Outcome::Done(format!("invoice {} paid", invoice.id)))
}

pub async fn invoice_failed(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    event: &Event,
    user: Uuid,
    invoice: &InvoiceObject,
) -> Result<Outcome, ProcessError> {
    // A paid invoice stays paid: a late "failed" about an earlier attempt changes nothing but
    // the record of when it first failed (kept whatever the order, as the grace uses it).
    let (first_failed_at, status): (Option<DateTime<Utc>>, String) = sqlx::query_as(
        "INSERT INTO invoices (stripe_invoice_id, user_id, stripe_subscription_id, status, amount_cents, currency,
                period_start, period_end, hosted_invoice_url, first_failed_at)
         VALUES ($1, $2, $3, 'failed', $4, $5, $6, $7, $8, $9)
         ON CONFLICT (stripe_invoice_id) DO UPDATE
            SET first_failed_at = LEAST(invoices.first_failed_at, EXCLUDED.first_failed_at)
         RETURNING first_failed_at, status",
    )
    .bind(&invoice.id)
    .bind(user)
    .bind(&invoice.subscription)
    .bind(invoice.amount_due.max(0))
    .bind(&invoice.currency)
    .bind(invoice.period.map(|p| p.0))
    .bind(invoice.period.map(|p| p.1))
    .bind(&invoice.hosted_invoice_url)
    .bind(event.created_at())
    .fetch_one(&mut *tx)
    .await?;
    let (Some(first_failed_at), "failed") = (first_failed_at, status.as_str()) else {
        return Ok(Outcome::Ignored(format!("invoice {} is already paid", invoice.id)));
    };
    let grace_ends_at = first_failed_at + Duration::days(i64::from(PAST_DUE_GRACE_DAYS));
    let plan = subscription_plan(tx, invoice.subscription.as_deref()).await?;
    let key = format!("payment-failed:{}", event.id);
    notices::payment_failed(tx, deps, user, plan, invoice.amount_due, &invoice.currency, grace_ends_at, &key).await?;
    Ok(Outcome::Done(format!("invoice {} failed; paid access until {grace_ends_at}", invoice.id)))
}

async fn subscription_plan(tx: &mut PgConnection, subscription: Option<&str>) -> Result<Option<Plan>, sqlx::Error> {
    let Some(id) = subscription else { return Ok(None) };
    let plan: Option<String> = sqlx::query_scalar("SELECT plan FROM subscriptions WHERE stripe_subscription_id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(plan.as_deref().and_then(Plan::parse))
}

/// A commission in cents: `amount × bps / 10 000`, rounded down (the platform keeps the rest).
pub fn commission(amount_cents: i64, bps: u32) -> i64 {
    let exact = i128::from(amount_cents.max(0)) * i128::from(bps.min(10_000)) / 10_000;
    i64::try_from(exact).unwrap_or(0)
}

/// The first payment of a referred member earns their referrer a commission, once.
async fn earn_referral(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    payment_ref: &str,
    amount_cents: i64,
    currency: &str,
    paid_at: DateTime<Utc>,
) -> Result<(), ProcessError> {
    let referrer: Option<Uuid> = sqlx::query_scalar("SELECT referred_by FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    let Some(referrer) = referrer else { return Ok(()) };
    let bps = deps.config.referral_commission_bps;
    let earned = commission(amount_cents, bps);
    let inserted = sqlx::query(
        "INSERT INTO referral_earnings (referred_user_id, referrer_id, payment_ref, amount_cents, commission_bps,
                commission_cents, currency, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(referrer)
    .bind(payment_ref)
    .bind(amount_cents)
    .bind(bps as i32)
    .bind(earned)
    .bind(currency)
    .bind(paid_at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        notices::referral_earned(tx, deps, referrer, user, amount_cents, earned, currency).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::commission;
    use proptest::prelude::*;

    #[test]
    fn commissions_round_down_to_the_cent() {
        assert_eq!(commission(999, 2000), 199);
        assert_eq!(commission(499, 2000), 99);
        assert_eq!(commission(4999, 2000), 999);
        assert_eq!(commission(1, 2000), 0);
        assert_eq!(commission(999, 0), 0);
        assert_eq!(commission(999, 10_000), 999);
    }

    proptest! {
        #[test]
        fn a_commission_never_exceeds_its_share(amount in 0i64..1_000_000_000, bps in 0u32..=10_000) {
            let c = commission(amount, bps);
            prop_assert!(c >= 0 && c <= amount);
            // Rounded down: adding a cent would overshoot the exact share.
            prop_assert!(i128::from(c) * 10_000 <= i128::from(amount) * i128::from(bps));
            prop_assert!(i128::from(c + 1) * 10_000 > i128::from(amount) * i128::from(bps));
        }
    }
}
