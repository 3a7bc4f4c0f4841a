//! Stripe behind one trait of ours, so the rest of billing never sees async-stripe's types and
//! tests can count what we ask for. Every POST carries an idempotency key derived from our own
//! ids: the same logical request never makes two Stripe objects, however often it is retried.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use uuid::Uuid;

use super::model::SubscriptionStatus;
use super::webhook::SubscriptionSnapshot;
use crate::server::config::BillingConfig;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error (4xx or 5xx): its own message and the parameter at fault.
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String, param: Option<String> },
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    #[error("Stripe answered something we could not read: {0}")]
    Unreadable(String),
}

impl From<stripe::StripeError> for StripeError {
    fn from(e: stripe::StripeError) -> Self {
        match e {
            stripe::StripeError::Stripe(api, status) => Self::Refused {
                status,
                message: api.message.clone().unwrap_or_else(|| "no message".into()),
                param: api.param.clone(),
            },
            stripe::StripeError::JSONDeserialize(m) => Self::Unreadable(m),
            stripe::StripeError::Timeout => Self::Unreachable("timed out".into()),
            other => Self::Unreachable(other.to_string()),
        }
    }
}

/// Checkout for a subscription or for a one-off payment (the pass).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckoutMode {
    Subscription,
    Payment,
}

pub struct NewCustomer<'a> {
    pub user_id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
}

pub struct NewCheckout<'a> {
    /// Our checkout attempt: its id is the idempotency key.
    pub attempt_id: Uuid,
    pub user_id: Uuid,
    pub customer: &'a str,
    pub price: &'a str,
    pub plan: &'a str,
    pub mode: CheckoutMode,
    pub success_url: String,
    pub cancel_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutStarted {
    pub id: String,
    pub url: String,
}

/// One of the member's invoices as Stripe lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    pub id: String,
    pub number: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub created: DateTime<Utc>,
    pub hosted_url: Option<String>,
}

/// A marketplace seller's Stripe Connect Express account, as we keep it.
pub struct NewConnectAccount<'a> {
    pub user_id: Uuid,
    pub email: &'a str,
}

/// What a Connect account can do and what Stripe still needs from its owner (read from the
/// API or from an `account.updated` event: both carry the account object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectAccount {
    pub id: String,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub details_submitted: bool,
    /// `requirements.currently_due`, then any further `eventually_due` ones.
    pub requirements: Vec<String>,
    pub disabled_reason: Option<String>,
}

impl ConnectAccount {
    /// Read from an account object (an event's `data.object`) by field name.
    pub fn from_json(object: &serde_json::Value) -> Option<Self> {
        let flag = |name: &str| object[name].as_bool().unwrap_or(false);
        let list = |name: &str| -> Vec<String> {
            object["requirements"][name]
                .as_array()
                .map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let requirements = due_then_eventually(list("currently_due"), list("eventually_due"));
        Some(Self {
            id: object["id"].as_str()?.to_string(),
            charges_enabled: flag("charges_enabled"),
            payouts_enabled: flag("payouts_enabled"),
            details_submitted: flag("details_submitted"),
            requirements,
            disabled_reason: object["requirements"]["disabled_reason"].as_str().map(str::to_string),
        })
    }
}

/// What Stripe needs now, then what it will need later, each once (API answers and events
/// carry the same two lists).
fn due_then_eventually(mut due: Vec<String>, later: Vec<String>) -> Vec<String> {
    for key in later {
        if !due.contains(&key) {
            due.push(key);
        }
    }
    due
}

/// One line of a marketplace payment: Stripe shows its name, unit price and quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentLine {
    pub name: String,
    pub unit_amount_cents: i64,
    pub quantity: i64,
}

/// A Checkout payment for a whole marketplace cart (separate charges and transfers: the money
/// lands with the platform, which transfers each seller's share once it is paid).
pub struct NewPaymentCheckout<'a> {
    /// Idempotency key, from our purchase id.
    pub key: String,
    pub purchase_id: Uuid,
    pub buyer_id: Uuid,
    pub customer: &'a str,
    /// ISO code; sent to Stripe in lower case.
    pub currency: &'a str,
    pub lines: Vec<PaymentLine>,
    pub transfer_group: String,
    pub expires_at: DateTime<Utc>,
    pub success_url: String,
    pub cancel_url: String,
}

/// One seller's share of a paid purchase, sent to their Connect account.
pub struct NewTransfer<'a> {
    pub key: String,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub destination: &'a str,
    pub transfer_group: &'a str,
    /// The charge the money came from: the transfer waits for its funds to be available.
    pub source_charge: &'a str,
    pub order_id: Uuid,
}

/// Whether expiring a Checkout session ended it, or it had already finished otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expired {
    Expired,
    /// Already complete (paid) or already expired: Stripe refuses to expire it.
    NotOpen(String),
}

#[async_trait]
pub trait StripeApi: Send + Sync {
    /// An Express account for a seller, created once per member (idempotency key from their id).
    async fn create_connect_account(&self, account: &NewConnectAccount<'_>) -> Result<String, StripeError>;
    /// A single-use onboarding link (Stripe expires it within minutes); `key` from our ids.
    async fn create_account_link(
        &self,
        account: &str,
        refresh_url: &str,
        return_url: &str,
        key: &str,
    ) -> Result<String, StripeError>;
    async fn connect_account(&self, id: &str) -> Result<ConnectAccount, StripeError>;
    async fn create_customer(&self, customer: &NewCustomer<'_>) -> Result<String, StripeError>;
    async fn create_checkout_session(&self, checkout: &NewCheckout<'_>) -> Result<CheckoutStarted, StripeError>;
    /// A customer-portal session for `customer`; `key` is derived from our ids by the caller.
    async fn create_portal_session(&self, customer: &str, return_url: &str, key: &str) -> Result<String, StripeError>;
    async fn subscription(&self, id: &str) -> Result<SubscriptionSnapshot, StripeError>;
    async fn invoices(&self, customer: &str, limit: u8) -> Result<Vec<InvoiceLine>, StripeError>;
    /// A Checkout session in payment mode for a marketplace purchase.
    async fn create_payment_checkout(&self, checkout: &NewPaymentCheckout<'_>) -> Result<CheckoutStarted, StripeError>;
    /// Ends an open Checkout session so it can no longer be paid.
    async fn expire_checkout(&self, session: &str, key: &str) -> Result<Expired, StripeError>;
    /// The charge of a succeeded payment intent (transfers name it as their source).
    async fn payment_charge(&self, payment_intent: &str) -> Result<Option<String>, StripeError>;
    async fn create_transfer(&self, transfer: &NewTransfer<'_>) -> Result<String, StripeError>;
    /// Takes `amount_cents` of a transfer back from the seller's account.
    async fn reverse_transfer(
        &self,
        transfer: &str,
        amount_cents: i64,
        refund_id: Uuid,
        key: &str,
    ) -> Result<String, StripeError>;
    /// Gives `amount_cents` of a payment back to the buyer.
    async fn refund_payment(
        &self,
        payment_intent: &str,
        amount_cents: i64,
        refund_id: Uuid,
        key: &str,
    ) -> Result<String, StripeError>;
}

/// The real thing: async-stripe's client pointed at `STRIPE_API_BASE`.
pub struct StripeHttp {
    client: Client,
}

impl StripeHttp {
    /// `None` when no secret key is configured (payments are off).
    pub fn from_config(config: &BillingConfig) -> Result<Option<Self>, StripeError> {
        let Some(key) = config.stripe_secret_key.as_deref() else { return Ok(None) };
        let client = ClientBuilder::new(key)
            .url(config.stripe_api_base.clone())
            .timeout(Duration::from_secs(20))
            .app_info("Threadr", Some(env!("CARGO_PKG_VERSION").to_string()), None)
            .build()
            .map_err(StripeError::from)?;
        Ok(Some(Self { client }))
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, StripeError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| StripeError::Unreadable(format!("idempotency key {key:?}: {e}")))
}

fn metadata(pairs: &[(&str, String)]) -> std::collections::HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect()
}

/// An ISO code Stripe knows, else an error before anything is sent.
fn currency(code: &str) -> Result<stripe_types::Currency, StripeError> {
    match code.to_ascii_lowercase().parse::<stripe_types::Currency>() {
        Ok(stripe_types::Currency::Unknown(_)) | Err(_) => {
            Err(StripeError::Unreadable(format!("unknown currency {code:?}")))
        }
        Ok(known) => Ok(known),
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

#[async_trait]
impl StripeApi for StripeHttp {
    async fn create_connect_account(&self, a: &NewConnectAccount<'_>) -> Result<String, StripeError> {
        use stripe_connect::account::{
            CreateAccount, CreateAccountCapabilities, CreateAccountCapabilitiesCardPayments,
            CreateAccountCapabilitiesTransfers, CreateAccountType,
        };
        let capabilities = CreateAccountCapabilities {
            card_payments: Some(CreateAccountCapabilitiesCardPayments { requested: Some(true) }),
            transfers: Some(CreateAccountCapabilitiesTransfers { requested: Some(true) }),
            ..Default::default()
        };
        let account = CreateAccount::new()
            .type_(CreateAccountType::Express)
            .email(a.email)
            .capabilities(capabilities)
            .metadata(metadata(&[("user_id", a.user_id.to_string())]))
            .customize()
            .request_strategy(idempotent(&format!("threadr-connect-{}", a.user_id))?)
            .send(&self.client)
            .await?;
        Ok(account.id.to_string())
    }

    async fn create_account_link(
        &self,
        account: &str,
        refresh_url: &str,
        return_url: &str,
        key: &str,
    ) -> Result<String, StripeError> {
        use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
        let link = CreateAccountLink::new(account, CreateAccountLinkType::AccountOnboarding)
            .refresh_url(refresh_url)
            .return_url(return_url)
            .customize()
            .request_strategy(idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(link.url)
    }

    async fn connect_account(&self, id: &str) -> Result<ConnectAccount, StripeError> {
        let a = stripe_connect::account::RetrieveAccount::new(id).send(&self.client).await?;
        let requirements = a.requirements.as_ref();
        let due = due_then_eventually(
            requirements.and_then(|r| r.currently_due.clone()).unwrap_or_default(),
            requirements.and_then(|r| r.eventually_due.clone()).unwrap_or_default(),
        );
        Ok(ConnectAccount {
            id: a.id.to_string(),
            charges_enabled: a.charges_enabled.unwrap_or(false),
            payouts_enabled: a.payouts_enabled.unwrap_or(false),
            details_submitted: a.details_submitted.unwrap_or(false),
            requirements: due,
            disabled_reason: requirements.and_then(|r| r.disabled_reason.as_ref()).map(|d| d.as_str().to_string()),
        })
    }

    async fn create_customer(&self, c: &NewCustomer<'_>) -> Result<String, StripeError> {
        let customer = stripe_core::customer::CreateCustomer::new()
            .email(c.email)
            .name(c.name)
            .metadata(metadata(&[("user_id", c.user_id.to_string())]))
            .customize()
            .request_strategy(idempotent(&format!("threadr-customer-{}", c.user_id))?)
            .send(&self.client)
            .await?;
        Ok(customer.id.to_string())
    }

    async fn create_checkout_session(&self, c: &NewCheckout<'_>) -> Result<CheckoutStarted, StripeError> {
        use stripe_checkout::checkout_session::{
            CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionPaymentIntentData,
            CreateCheckoutSessionSubscriptionData,
        };
        let tags = metadata(&[
            ("user_id", c.user_id.to_string()),
            ("plan", c.plan.to_string()),
            ("attempt_id", c.attempt_id.to_string()),
        ]);
        let line = CreateCheckoutSessionLineItems {
            price: Some(c.price.to_string()),
            quantity: Some(1),
            ..Default::default()
        };
        let mut request = CreateCheckoutSession::new()
            .customer(c.customer)
            .client_reference_id(c.user_id.to_string())
            .line_items(vec![line])
            .success_url(c.success_url.clone())
            .cancel_url(c.cancel_url.clone())
            .metadata(tags.clone());
        request = match c.mode {
            CheckoutMode::Subscription => {
                request.mode(stripe_checkout::CheckoutSessionMode::Subscription).subscription_data(
                    CreateCheckoutSessionSubscriptionData { metadata: Some(tags), ..Default::default() },
                )
            }
            CheckoutMode::Payment => request.mode(stripe_checkout::CheckoutSessionMode::Payment).payment_intent_data(
                CreateCheckoutSessionPaymentIntentData { metadata: Some(tags), ..Default::default() },
            ),
        };
        let session = request
            .customize()
            .request_strategy(idempotent(&format!("threadr-checkout-{}", c.attempt_id))?)
            .send(&self.client)
            .await?;
        let url = session.url.ok_or_else(|| StripeError::Unreadable("the checkout session has no url".into()))?;
        Ok(CheckoutStarted { id: session.id.to_string(), url })
    }

    async fn create_portal_session(&self, customer: &str, return_url: &str, key: &str) -> Result<String, StripeError> {
        let session = stripe_billing::billing_portal_session::CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url)
            .customize()
            .request_strategy(idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(session.url)
    }

    async fn subscription(&self, id: &str) -> Result<SubscriptionSnapshot, StripeError> {
        let s = stripe_billing::subscription::RetrieveSubscription::new(id).send(&self.client).await?;
        let item = s.items.data.first();
        let status = SubscriptionStatus::parse(s.status.as_str())
            .ok_or_else(|| StripeError::Unreadable(format!("unknown subscription status {:?}", s.status.as_str())))?;
        Ok(SubscriptionSnapshot {
            id: s.id.to_string(),
            customer: s.customer.id().to_string(),
            price_id: item.map(|i| i.price.id.to_string()).unwrap_or_default(),
            status,
            current_period_end: item.map(|i| at(i.current_period_end)),
            cancel_at_period_end: s.cancel_at_period_end,
            ended_at: s.ended_at.map(at),
        })
    }

    async fn invoices(&self, customer: &str, limit: u8) -> Result<Vec<InvoiceLine>, StripeError> {
        let list = stripe_billing::invoice::ListInvoice::new()
            .customer(customer)
            .limit(i64::from(limit))
            .send(&self.client)
            .await?;
        Ok(list
            .data
            .into_iter()
            .map(|i| InvoiceLine {
                id: i.id.as_ref().map(ToString::to_string).unwrap_or_default(),
                number: i.number,
                amount_cents: if i.amount_paid > 0 { i.amount_paid } else { i.amount_due },
                currency: i.currency.to_string(),
                status: i.status.map(|s| s.as_str().to_string()).unwrap_or_else(|| "draft".into()),
                created: at(i.created),
                hosted_url: i.hosted_invoice_url,
            })
            .collect())
    }

    async fn create_payment_checkout(&self, c: &NewPaymentCheckout<'_>) -> Result<CheckoutStarted, StripeError> {
        use stripe_checkout::CheckoutSessionMode;
        use stripe_checkout::checkout_session::{
            CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
            CreateCheckoutSessionPaymentIntentData, ProductData,
        };
        let currency = currency(c.currency)?;
        let lines = c
            .lines
            .iter()
            .map(|line| CreateCheckoutSessionLineItems {
                price_data: Some(CreateCheckoutSessionLineItemsPriceData {
                    product_data: Some(ProductData::new(line.name.as_str())),
                    unit_amount: Some(line.unit_amount_cents),
                    ..CreateCheckoutSessionLineItemsPriceData::new(currency.clone())
                }),
                quantity: Some(u64::try_from(line.quantity).unwrap_or(1)),
                ..Default::default()
            })
            .collect::<Vec<_>>();
        let tags = metadata(&[
            ("purchase_id", c.purchase_id.to_string()),
            ("buyer_id", c.buyer_id.to_string()),
            ("kind", "marketplace".to_string()),
        ]);
        let payment = CreateCheckoutSessionPaymentIntentData {
            transfer_group: Some(c.transfer_group.clone()),
            metadata: Some(tags.clone()),
            ..Default::default()
        };
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .customer(c.customer)
            .client_reference_id(c.buyer_id.to_string())
            .line_items(lines)
            .payment_intent_data(payment)
            .metadata(tags)
            .expires_at(c.expires_at.timestamp())
            .success_url(c.success_url.clone())
            .cancel_url(c.cancel_url.clone())
            .customize()
            .request_strategy(idempotent(&c.key)?)
            .send(&self.client)
            .await?;
        let url = session.url.ok_or_else(|| StripeError::Unreadable("the checkout session has no url".into()))?;
        Ok(CheckoutStarted { id: session.id.to_string(), url })
    }

    async fn expire_checkout(&self, session: &str, key: &str) -> Result<Expired, StripeError> {
        use stripe_checkout::checkout_session::{ExpireCheckoutSession, RetrieveCheckoutSession};
        let expired =
            ExpireCheckoutSession::new(session).customize().request_strategy(idempotent(key)?).send(&self.client).await;
        match expired.map_err(StripeError::from) {
            Ok(_) => Ok(Expired::Expired),
            // Stripe refuses to expire a session that is not open: say what it is instead.
            Err(StripeError::Refused { status: 400, .. }) => {
                let found = RetrieveCheckoutSession::new(session).send(&self.client).await?;
                Ok(Expired::NotOpen(found.status.map(|s| s.as_str().to_string()).unwrap_or_default()))
            }
            Err(e) => Err(e),
        }
    }

    async fn payment_charge(&self, payment_intent: &str) -> Result<Option<String>, StripeError> {
        let intent = stripe_core::payment_intent::RetrievePaymentIntent::new(payment_intent).send(&self.client).await?;
        Ok(intent.latest_charge.map(|c| c.id().to_string()))
    }

    async fn create_transfer(&self, t: &NewTransfer<'_>) -> Result<String, StripeError> {
        let transfer = stripe_connect::transfer::CreateTransfer::new(currency(t.currency)?, t.destination)
            .amount(t.amount_cents)
            .transfer_group(t.transfer_group)
            .source_transaction(t.source_charge)
            .metadata(metadata(&[("order_id", t.order_id.to_string())]))
            .customize()
            .request_strategy(idempotent(&t.key)?)
            .send(&self.client)
            .await?;
        Ok(transfer.id.to_string())
    }

    async fn reverse_transfer(
        &self,
        transfer: &str,
        amount_cents: i64,
        refund_id: Uuid,
        key: &str,
    ) -> Result<String, StripeError> {
        let reversal = stripe_connect::transfer_reversal::CreateIdTransferReversal::new(transfer)
            .amount(amount_cents)
            .metadata(metadata(&[("refund_id", refund_id.to_string())]))
            .customize()
            .request_strategy(idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(reversal.id.to_string())
    }

    async fn refund_payment(
        &self,
        payment_intent: &str,
        amount_cents: i64,
        refund_id: Uuid,
        key: &str,
    ) -> Result<String, StripeError> {
        let refund = stripe_core::refund::CreateRefund::new()
            .payment_intent(payment_intent)
            .amount(amount_cents)
            .metadata(metadata(&[("refund_id", refund_id.to_string())]))
            .customize()
            .request_strategy(idempotent(key)?)
            .send(&self.client)
            .await?;
        Ok(refund.id.to_string())
    }
}
