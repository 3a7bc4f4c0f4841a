//! Billing's server functions: the pricing page (public), starting Checkout, the success page's
//! poll, the billing page, the customer portal and the referrals page (members).

use leptos::prelude::*;

use super::model::{BillingOverview, CheckoutProgress, Pricing, Referrals};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::features::quotas::Plan;

/// The plans, what the viewer has, and whether they can buy.
#[server(prefix = "/api", endpoint = "billing/pricing")]
pub async fn get_pricing() -> Result<Pricing, AppError> {
    use super::model::Viewer;
    use crate::features::accounts::session;
    let state = crate::server::state::app_state()?;
    let plans = super::plans::all(&state.db, &state.config.billing).await?;
    let payments_ready = state.stripe.is_some();
    let Some(member) = session::current_member().await? else {
        return Ok(Pricing {
            plans,
            viewer: Viewer::Visitor,
            current: Plan::Anonymous,
            payments_ready,
            pass_ends_at: None,
            subscribed: None,
        });
    };
    let now = state.clock.now();
    let current = crate::features::quotas::entitlement(&state.db, member.id, now).await?;
    let (pass_ends_at, _) = super::account::entitlement_ends(&state.db, member.id, now).await?;
    let subscribed = super::running_subscription(&state.db, member.id).await?.map(|s| s.plan);
    Ok(Pricing {
        plans,
        viewer: if member.user().verified { Viewer::Member } else { Viewer::Unconfirmed },
        current,
        payments_ready,
        pass_ends_at,
        subscribed,
    })
}

/// Starts Stripe Checkout for `plan`; answers the URL to send the member to.
#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn start_checkout(plan: String) -> Result<String, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let plan =
        Plan::parse(plan.trim()).ok_or_else(|| AppError::invalid("Choose one of the plans on the pricing page."))?;
    let state = crate::server::state::app_state()?;
    super::checkout::start(&state, &member, plan).await
}

/// Whether the payment of checkout `session_id` has been granted yet (the success page asks).
#[server(prefix = "/api", endpoint = "billing/checkout-progress")]
pub async fn get_checkout_progress(session_id: String) -> Result<CheckoutProgress, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let session_id = session_id.trim();
    if !session_id.starts_with("cs_") || session_id.len() > 255 {
        return Err(AppError::invalid("That is not a Stripe Checkout session."));
    }
    let state = crate::server::state::app_state()?;
    super::checkout::progress(&state, &member, session_id).await
}

#[server(prefix = "/api", endpoint = "billing/overview")]
pub async fn get_billing() -> Result<BillingOverview, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::account::overview(&state, &member).await
}

/// A Stripe customer-portal session's URL.
#[server(prefix = "/api", endpoint = "billing/portal")]
pub async fn open_portal() -> Result<String, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::account::portal(&state, &member).await
}

#[server(prefix = "/api", endpoint = "billing/referrals")]
pub async fn get_referrals() -> Result<Referrals, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::account::referrals(&state, &member).await
}
