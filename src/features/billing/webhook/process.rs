//! What each event type does, inside the transaction that marks the event processed: either
//! all of its effects (state, emails, earnings) happen once, or none do and Stripe retries.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::event::{CheckoutObject, Event, InvoiceObject, SubscriptionSnapshot};
use super::{payments, subscriptions};
use crate::features::billing::stripe::{StripeApi, StripeError};
use crate::features::email::Mailer;
use crate::features::quotas::Plan;
use crate::server::config::BillingConfig;

/// Everything processing needs, borrowed from the app state (or built by a test).
pub struct Deps<'a> {
    pub stripe: Option<&'a dyn StripeApi>,
    pub config: &'a BillingConfig,
    pub mailer: &'a Mailer,
    pub now: DateTime<Utc>,
}

impl Deps<'_> {
    /// Which plan a Stripe price is, by `STRIPE_PRICE_*`.
    pub fn plan_for_price(&self, price: &str) -> Result<Plan, ProcessError> {
        let p = &self.config.prices;
        [(&p.pass, Plan::Pass), (&p.starter, Plan::Starter), (&p.pro, Plan::Pro), (&p.business, Plan::Business)]
            .into_iter()
            .find(|(id, _)| id.as_deref() == Some(price))
            .map(|(_, plan)| plan)
            .ok_or_else(|| ProcessError::Config(format!("price {price} is not one of the STRIPE_PRICE_* settings")))
    }
}

/// The event was handled (`Done`), or deliberately left alone (`Ignored`, with why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done(String),
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("malformed event: {0}")]
    Malformed(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Stripe(#[from] StripeError),
    #[error("email: {0}")]
    Email(#[from] crate::features::email::outbox::EnqueueError),
}

pub async fn process(tx: &mut PgConnection, deps: &Deps<'_>, event: &Event) -> Result<Outcome, ProcessError> {
    let o = &event.object;
    // Marketplace purchases (their objects name a purchase) and refunds and reversals.
    if crate::features::commerce::events::handles(&event.kind, o) {
        use crate::features::commerce::events::{Applied, EventError, apply};
        return match apply(tx, deps.mailer, deps.now, &event.kind, o).await {
            Ok(Applied::Done(what)) => Ok(Outcome::Done(what)),
            Ok(Applied::Ignored(why)) => Ok(Outcome::Ignored(why)),
            Err(EventError::Malformed(m)) => Err(ProcessError::Malformed(m)),
            Err(EventError::Database(e)) => Err(ProcessError::Database(e)),
            Err(EventError::Email(e)) => Err(ProcessError::Email(e)),
        };
    }
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let checkout = CheckoutObject::from_object(o).map_err(ProcessError::Malformed)?;
            payments::checkout_paid(tx, deps, event, &checkout).await
        }
        "checkout.session.async_payment_failed" => {
            let checkout = CheckoutObject::from_object(o).map_err(ProcessError::Malformed)?;
            payments::checkout_failed(tx, &checkout).await
        }
        "customer.subscription.created" | "customer.subscription.updated" | "customer.subscription.deleted" => {
            let snapshot = SubscriptionSnapshot::from_object(o).map_err(ProcessError::Malformed)?;
            let Some(user) = user_for_customer(tx, &snapshot.customer).await? else {
                return Ok(unknown_customer(&snapshot.customer));
            };
            Ok(Outcome::Done(subscriptions::apply(tx, deps, user, snapshot, event.created).await?))
        }
        "invoice.payment_succeeded" => {
            let invoice = InvoiceObject::from_object(o).map_err(ProcessError::Malformed)?;
            let Some(user) = user_for_customer(tx, &invoice.customer).await? else {
                return Ok(unknown_customer(&invoice.customer));
            };
            payments::invoice_paid(tx, deps, event, user, &invoice).await
        }
        "invoice.payment_failed" => {
            let invoice = InvoiceObject::from_object(o).map_err(ProcessError::Malformed)?;
            let Some(user) = user_for_customer(tx, &invoice.customer).await? else {
                return Ok(unknown_customer(&invoice.customer));
            };
            payments::invoice_failed(tx, deps, event, user, &invoice).await
        }
        "payment_intent.succeeded" => Ok(Outcome::Ignored("a payment that is not a marketplace purchase".into())),
        "account.updated" => {
            let account = crate::features::billing::ConnectAccount::from_json(o)
                .ok_or_else(|| ProcessError::Malformed("account.updated without an account id".into()))?;
            let at = DateTime::from_timestamp(event.created, 0).unwrap_or(deps.now);
            Ok(match crate::features::catalogue::apply_connect_account(tx, &account, at).await? {
                crate::features::catalogue::AccountApplied::Applied { selling } => {
                    Outcome::Done(if selling { "seller can sell".into() } else { "seller still onboarding".into() })
                }
                crate::features::catalogue::AccountApplied::Stale => {
                    Outcome::Ignored("an older account state than the one stored".into())
                }
                crate::features::catalogue::AccountApplied::UnknownAccount => {
                    Outcome::Ignored(format!("account {} is not a Threadr seller", account.id))
                }
            })
        }
        other => Ok(Outcome::Ignored(format!("{other} is not an event Threadr acts on"))),
    }
}

fn unknown_customer(customer: &str) -> Outcome {
    tracing::warn!(customer, "stripe event for a customer Threadr did not create");
    Outcome::Ignored(format!("customer {customer} is not a Threadr member"))
}

pub async fn user_for_customer(tx: &mut PgConnection, customer: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM billing_customers WHERE stripe_customer_id = $1")
        .bind(customer)
        .fetch_optional(&mut *tx)
        .await
}
