//! Starting Stripe Checkout for a member: their Stripe customer made once and reused, a second
//! press while a checkout is open sent to the same one, and the success page's question "has
//! the webhook granted it yet?".

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::model::CheckoutProgress;
use super::plans;
use super::stripe::{CheckoutMode, NewCheckout, NewCustomer, StripeApi, StripeError};
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::quotas::Plan;
use crate::server::{error::internal, state::AppState};

/// A checkout opened this recently is offered again instead of a new one.
const REUSE_OPEN_CHECKOUT_MINUTES: i64 = 30;

pub const NOT_SET_UP: &str =
    "Payments are not set up on this Threadr yet, so plans cannot be bought. Nothing was charged.";
pub const CONFIRM_FIRST: &str =
    "Confirm your email address before buying a plan: open the link we emailed you when you signed up.";

/// The Stripe Checkout URL to send the member to for `plan`.
pub async fn start(state: &AppState, member: &Member, plan: Plan) -> Result<String, AppError> {
    let stripe = state.stripe.as_deref().ok_or_else(|| AppError::invalid(NOT_SET_UP))?;
    let user = member.user();
    if !user.verified {
        return Err(AppError::invalid(CONFIRM_FIRST));
    }
    let mode = match plan {
        Plan::Pass => CheckoutMode::Payment,
        Plan::Starter | Plan::Pro | Plan::Business => CheckoutMode::Subscription,
        Plan::Free | Plan::Anonymous => return Err(AppError::invalid("The free plan needs no payment.")),
    };
    let price = plans::price_of(&state.config.billing, plan).ok_or_else(|| {
        AppError::invalid(format!("The {} plan cannot be bought here yet. Nothing was charged.", plan.label()))
    })?;
    if mode == CheckoutMode::Subscription
        && let Some(current) = super::running_subscription(&state.db, user.id).await?
    {
        return Err(AppError::invalid(format!(
            "You already have the {} plan. Change or cancel it from Billing, in Stripe's customer portal.",
            current.plan.label()
        )));
    }
    let customer = customer_for(state, stripe, member).await?;

    let mut tx = state.db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('checkout:' || $1::text, 0))")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let open: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT id, url FROM checkout_attempts
          WHERE user_id = $1 AND plan = $2 AND status = 'open' AND created_at > $3
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user.id)
    .bind(plan.as_str())
    .bind(state.clock.now() - Duration::minutes(REUSE_OPEN_CHECKOUT_MINUTES))
    .fetch_optional(&mut *tx)
    .await?;
    let attempt = match open {
        Some((_, Some(url))) => return Ok(url),
        Some((id, None)) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO checkout_attempts (user_id, plan, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(user.id)
            .bind(plan.as_str())
            .bind(state.clock.now())
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;

    let links = state.mailer.links();
    let request = NewCheckout {
        attempt_id: attempt,
        user_id: user.id,
        customer: &customer,
        price,
        plan: plan.as_str(),
        mode,
        success_url: links.page("/billing/success?session_id={CHECKOUT_SESSION_ID}"),
        cancel_url: links.page("/pricing?checkout=cancelled"),
    };
    match stripe.create_checkout_session(&request).await {
        Ok(started) => {
            sqlx::query("UPDATE checkout_attempts SET stripe_session_id = $2, url = $3 WHERE id = $1")
                .bind(attempt)
                .bind(&started.id)
                .bind(&started.url)
                .execute(&state.db)
                .await?;
            Ok(started.url)
        }
        Err(e) => {
            // A refusal will not change on a retry with the same key: the next press starts anew.
            if matches!(e, StripeError::Refused { status: 400..=499, .. }) {
                sqlx::query("UPDATE checkout_attempts SET status = 'failed' WHERE id = $1")
                    .bind(attempt)
                    .execute(&state.db)
                    .await?;
            }
            Err(stripe_failed("checkout", &e))
        }
    }
}

/// A Stripe failure as the member reads it; the details go to the log.
pub fn stripe_failed(what: &str, e: &StripeError) -> AppError {
    tracing::error!(error = %e, what, "stripe request failed");
    match e {
        StripeError::Refused { status: 400..=499, .. } => AppError::Dependency {
            message: "Stripe refused to start the payment, so nothing was charged. We have been told; please try again later."
                .into(),
        },
        _ => AppError::Dependency {
            message: "Stripe could not be reached, so nothing was charged. Please try again in a moment.".into(),
        },
    }
}

/// The member's Stripe customer: made once (its idempotency key is the member's id), then reused.
pub async fn customer_for(state: &AppState, stripe: &dyn StripeApi, member: &Member) -> Result<String, AppError> {
    let user = member.user();
    if let Some(id) = customer_of(state, user.id).await? {
        return Ok(id);
    }
    let created = stripe
        .create_customer(&NewCustomer { user_id: user.id, email: &user.email, name: &user.display_name })
        .await
        .map_err(|e| stripe_failed("customer", &e))?;
    sqlx::query("INSERT INTO billing_customers (user_id, stripe_customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user.id)
        .bind(&created)
        .execute(&state.db)
        .await?;
    customer_of(state, user.id).await?.ok_or_else(|| internal("billing customer", "not stored"))
}

pub async fn customer_of(state: &AppState, user: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT stripe_customer_id FROM billing_customers WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&state.db)
        .await
}

/// Whether the webhook has granted what checkout `session` bought.
pub async fn progress(state: &AppState, member: &Member, session: &str) -> Result<CheckoutProgress, AppError> {
    let user = member.user().id;
    let attempt: Option<(String, String)> =
        sqlx::query_as("SELECT plan, status FROM checkout_attempts WHERE stripe_session_id = $1 AND user_id = $2")
            .bind(session)
            .bind(user)
            .fetch_optional(&state.db)
            .await?;
    let Some((plan, status)) = attempt else { return Err(AppError::NotFound) };
    let plan = Plan::parse(&plan).ok_or_else(|| internal("checkout progress", "stored plan"))?;
    let now = state.clock.now();
    if plan == Plan::Pass {
        let until: Option<chrono::DateTime<Utc>> = sqlx::query_scalar(
            "SELECT max(e.ends_at) FROM entitlements e
              WHERE e.user_id = $1 AND e.source = 'pass' AND e.revoked_at IS NULL
                AND EXISTS (SELECT 1 FROM entitlements p WHERE p.stripe_checkout_session_id = $2)",
        )
        .bind(user)
        .bind(session)
        .fetch_one(&state.db)
        .await?;
        return Ok(match until {
            Some(until) => CheckoutProgress::Granted { plan, until: Some(until) },
            None if status == "completed" => CheckoutProgress::Processing,
            None => CheckoutProgress::Waiting,
        });
    }
    let granted = crate::features::quotas::entitlement(&state.db, user, now).await?;
    let subscribed: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE user_id = $1 AND plan = $2 AND status IN ('active', 'trialing'))",
    )
    .bind(user)
    .bind(plan.as_str())
    .fetch_one(&state.db)
    .await?;
    Ok(if subscribed && granted >= plan {
        CheckoutProgress::Granted { plan: granted, until: None }
    } else {
        CheckoutProgress::Waiting
    })
}
