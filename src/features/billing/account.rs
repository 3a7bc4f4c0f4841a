//! What a member sees of their billing: plan and status, invoices (Stripe's list, with links to
//! Stripe's hosted invoices), the customer portal, and their referrals.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::checkout::{customer_of, stripe_failed};
use super::model::{BillingOverview, InvoiceRow, ReferralRow, Referrals, SubscriptionStatus, SubscriptionSummary};
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::quotas::{Plan, entitlement, grace_ends_sql};
use crate::server::state::AppState;
use crate::ui::day;

const INVOICES_SHOWN: u8 = 24;

type SubscriptionRow = (String, String, Option<DateTime<Utc>>, bool, Option<DateTime<Utc>>, i32, String);

pub async fn overview(state: &AppState, member: &Member) -> Result<BillingOverview, AppError> {
    let user = member.user().id;
    let now = state.clock.now();
    let plan = entitlement(&state.db, user, now).await?;
    let row: Option<SubscriptionRow> = sqlx::query_as(&format!(
        "SELECT s.plan, s.status, s.current_period_end, s.cancel_at_period_end,
                CASE WHEN s.status = 'past_due' THEN {} END, p.amount_cents, p.currency
           FROM subscriptions s JOIN plans p ON p.code = s.plan
          WHERE s.user_id = $1 ORDER BY (s.status IN ('active', 'trialing', 'past_due')) DESC, s.updated_at DESC LIMIT 1",
        grace_ends_sql()
    ))
    .bind(user)
    .fetch_optional(&state.db)
    .await?;
    let subscription = row.and_then(|(plan, status, end, cancel, grace, amount, currency)| {
        let status = SubscriptionStatus::parse(&status)?;
        let renews =
            matches!(status, SubscriptionStatus::Active | SubscriptionStatus::Trialing | SubscriptionStatus::PastDue)
                && !cancel;
        Some(SubscriptionSummary {
            plan: Plan::parse(&plan)?,
            status,
            current_period_end: end,
            cancel_at_period_end: cancel,
            next_invoice_cents: renews.then_some(i64::from(amount)),
            currency,
            grace_ends_at: grace,
        })
    });
    let (pass_ends_at, grant_ends_at) = entitlement_ends(&state.db, user, now).await?;
    let customer = customer_of(state, user).await?;
    let (invoices, invoices_note) = invoices(state, user, customer.as_deref()).await?;
    Ok(BillingOverview {
        status: status_line(plan, subscription.as_ref(), pass_ends_at, grant_ends_at, now),
        plan,
        subscription,
        pass_ends_at,
        grant_ends_at,
        invoices,
        invoices_note,
        has_portal: customer.is_some() && state.stripe.is_some(),
        payments_ready: state.stripe.is_some(),
    })
}

/// When the member's pass and their admin grant (those in force at `now`) end.
pub async fn entitlement_ends(
    db: &sqlx::PgPool,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "SELECT max(ends_at) FILTER (WHERE source = 'pass'), max(ends_at) FILTER (WHERE source = 'grant')
           FROM entitlements WHERE user_id = $1 AND revoked_at IS NULL AND ends_at > $2",
    )
    .bind(user)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Stripe's invoice list; while Stripe cannot be reached, the invoices our webhooks recorded.
async fn invoices(
    state: &AppState,
    user: Uuid,
    customer: Option<&str>,
) -> Result<(Vec<InvoiceRow>, Option<String>), AppError> {
    if let (Some(stripe), Some(customer)) = (state.stripe.as_deref(), customer) {
        match stripe.invoices(customer, INVOICES_SHOWN).await {
            Ok(lines) => {
                let rows = lines
                    .into_iter()
                    .filter(|l| l.status != "draft")
                    .map(|l| InvoiceRow {
                        number: l.number.unwrap_or(l.id),
                        amount_cents: l.amount_cents,
                        currency: l.currency,
                        status: l.status,
                        created: l.created,
                        hosted_url: l.hosted_url,
                    })
                    .collect();
                return Ok((rows, None));
            }
            Err(e) => tracing::warn!(error = %e, "stripe invoice list failed; showing recorded invoices"),
        }
    }
    let recorded: Vec<InvoiceRow> = sqlx::query_as(
        "SELECT stripe_invoice_id AS number, amount_cents, currency,
                CASE status WHEN 'failed' THEN 'open' ELSE status END AS status,
                COALESCE(paid_at, first_failed_at, created_at) AS created, hosted_invoice_url AS hosted_url
           FROM invoices WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
    )
    .bind(user)
    .bind(i64::from(INVOICES_SHOWN))
    .fetch_all(&state.db)
    .await?;
    let note = (state.stripe.is_some() && customer.is_some())
        .then(|| "Stripe could not be reached just now: these are the invoices Threadr has recorded.".to_string());
    Ok((recorded, note))
}

/// One line about where the member stands.
fn status_line(
    plan: Plan,
    subscription: Option<&SubscriptionSummary>,
    pass_ends_at: Option<DateTime<Utc>>,
    grant_ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    if let Some(s) = subscription {
        match s.status {
            SubscriptionStatus::PastDue => {
                return match s.grace_ends_at {
                    Some(g) if g > now => {
                        format!("Payment failed. Update your card by {} to keep {}.", day(g), s.plan.label())
                    }
                    _ => "Payment failed and the grace period is over: update your card to get your plan back.".into(),
                };
            }
            SubscriptionStatus::Active | SubscriptionStatus::Trialing if s.cancel_at_period_end => {
                return format!(
                    "Cancelled: {} ends on {}.",
                    s.plan.label(),
                    s.current_period_end.map_or("its period end".into(), day)
                );
            }
            SubscriptionStatus::Active | SubscriptionStatus::Trialing => {
                return format!("Active. Renews on {}.", s.current_period_end.map_or("its period end".into(), day));
            }
            _ => {}
        }
    }
    match (plan, pass_ends_at, grant_ends_at) {
        (Plan::Pass, Some(end), _) => format!("30-day pass until {}. It does not renew.", day(end)),
        (_, _, Some(end)) if plan.is_paid() => format!("{} granted by Threadr until {}.", plan.label(), day(end)),
        _ => "Free plan.".to_string(),
    }
}

/// A Stripe customer-portal session for the member (change plan, card, cancel).
pub async fn portal(state: &AppState, member: &Member) -> Result<String, AppError> {
    let stripe = state.stripe.as_deref().ok_or_else(|| AppError::invalid(super::checkout::NOT_SET_UP))?;
    let user = member.user().id;
    let customer = customer_of(state, user).await?.ok_or_else(|| {
        AppError::invalid("You have no payments with Stripe yet: choose a plan on the pricing page first.")
    })?;
    let return_url = state.mailer.links().page("/account/billing");
    // Presses within the same minute get the same session (a double click makes one).
    let key = format!("threadr-portal-{user}-{}", state.clock.now().timestamp() / 60);
    stripe.create_portal_session(&customer, &return_url, &key).await.map_err(|e| stripe_failed("portal", &e))
}

pub async fn referrals(state: &AppState, member: &Member) -> Result<Referrals, AppError> {
    let user = member.user().id;
    let code: String =
        sqlx::query_scalar("SELECT referral_code FROM users WHERE id = $1").bind(user).fetch_one(&state.db).await?;
    let referrals: Vec<ReferralRow> = sqlx::query_as(
        "SELECT u.display_name AS name, u.created_at AS signed_up_at, e.commission_cents,
                COALESCE(e.currency, 'usd') AS currency
           FROM users u LEFT JOIN referral_earnings e ON e.referred_user_id = u.id
          WHERE u.referred_by = $1 ORDER BY u.created_at DESC LIMIT 500",
    )
    .bind(user)
    .fetch_all(&state.db)
    .await?;
    let (paid_count, commission_total_cents): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), sum(commission_cents)::bigint FROM referral_earnings WHERE referrer_id = $1")
            .bind(user)
            .fetch_one(&state.db)
            .await?;
    Ok(Referrals {
        link: state.mailer.links().page(format!("/?ref={code}")),
        referrals,
        paid_count: u32::try_from(paid_count).unwrap_or(u32::MAX),
        commission_total_cents: commission_total_cents.unwrap_or(0),
        commission_bps: state.config.billing.referral_commission_bps,
    })
}
