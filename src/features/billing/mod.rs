//! Billing on Stripe: the plans (prices in the `plans` table), Checkout for the monthly plans
//! and the 30-day pass, the customer portal, the signed and idempotent webhook that keeps
//! subscriptions, passes and invoices right whatever order Stripe delivers in, the billing
//! emails, and referral commissions. Which plan a member has is `quotas::entitlement`, which
//! reads what this feature writes.
//!
//! Pages: `/pricing`, `/billing/success`, `/account/billing`, `/account/referrals`.

mod api;
pub mod model;
mod pages;

#[cfg(feature = "ssr")]
mod account;
#[cfg(feature = "ssr")]
pub mod admin_cli;
#[cfg(feature = "ssr")]
pub mod checkout;
#[cfg(feature = "ssr")]
mod notices;
#[cfg(feature = "ssr")]
pub mod plans;
#[cfg(feature = "ssr")]
pub mod stripe;
#[cfg(feature = "ssr")]
pub mod webhook;

pub use api::{
    GetBilling, GetCheckoutProgress, GetPricing, GetReferrals, OpenPortal, StartCheckout, get_billing,
    get_checkout_progress, get_pricing, get_referrals, open_portal, start_checkout,
};
pub use model::{BillingOverview, CheckoutProgress, Pricing, Referrals};
pub use pages::{BillingPage, CheckoutSuccessPage, PricingPage, ReferralsPage};

#[cfg(feature = "ssr")]
pub use checkout::{customer_for, stripe_failed};
#[cfg(feature = "ssr")]
pub use stripe::{
    CheckoutStarted, ConnectAccount, Expired, NewConnectAccount, NewPaymentCheckout, NewTransfer, PaymentLine,
    StripeApi, StripeError, StripeHttp,
};

/// A subscription that is still running (active, trialing or past due).
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunningSubscription {
    pub plan: crate::features::quotas::Plan,
    /// It will charge again: not set to end at its period end.
    pub renews: bool,
}

/// The member's running subscription, if any: another one is not sold beside it, pricing
/// marks it, and deleting the account is refused while it still renews.
#[cfg(feature = "ssr")]
pub async fn running_subscription(
    db: &sqlx::PgPool,
    user: uuid::Uuid,
) -> Result<Option<RunningSubscription>, sqlx::Error> {
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT plan, cancel_at_period_end FROM subscriptions
          WHERE user_id = $1 AND status IN ('active', 'trialing', 'past_due') ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(user)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(plan, cancelling)| {
        Some(RunningSubscription { plan: crate::features::quotas::Plan::parse(&plan)?, renews: !cancelling })
    }))
}

/// Billing's axum routes: Stripe's webhook, and the portal link billing emails carry.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/webhooks/stripe", post(webhook::stripe_webhook))
        .route("/account/billing/portal", get(portal_redirect))
}

/// `GET /account/billing/portal`: straight to a fresh Stripe portal session (emails link here;
/// a portal session itself expires within minutes).
#[cfg(feature = "ssr")]
async fn portal_redirect(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    member: Option<crate::features::accounts::session::Member>,
) -> axum::response::Redirect {
    use axum::response::Redirect;
    let Some(member) = member else { return Redirect::to("/sign-in?next=/account/billing/portal") };
    match account::portal(&state, &member).await {
        Ok(url) => Redirect::to(&url),
        Err(_) => Redirect::to("/account/billing?portal=unavailable"),
    }
}
