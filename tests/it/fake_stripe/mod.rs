//! A local fake of the Stripe API as the app's client (async-stripe 1.0, API version
//! `2026-09-30.endive`) meets it: form-encoded POST bodies in Stripe's bracket notation
//! (`line_items[0][price]`, `metadata[user_id]`), JSON answers with Stripe's object shapes
//! (every object parses into async-stripe's strict types), errors as
//! `{"error":{"type","code","message","param",…}}`, `Request-Id` on every answer and
//! `Idempotency-Key` handled as Stripe does: the same key with the same parameters replays the
//! first answer (`Idempotent-Replayed: true`), with other parameters it is refused.
//!
//! - `POST /v1/customers`, `GET /v1/customers/{id}`
//! - `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}` for the prices [`PRICE_PASS`]
//!   (one-time), [`PRICE_STARTER`], [`PRICE_PRO`] and [`PRICE_BUSINESS`] (monthly)
//! - `POST /v1/billing_portal/sessions`
//! - `GET /v1/subscriptions/{id}` (what [`FakeStripe::set_subscription`] stored, or what a
//!   payment on the hosted page created) and `GET /v1/invoices?customer=…`
//! - Connect: `POST /v1/accounts`, `GET /v1/accounts/{id}`, `POST /v1/account_links` and the
//!   hosted onboarding page (see [`connect`])
//! - Marketplace payments (see [`payments`]): `POST /v1/checkout/sessions` in `payment` mode with
//!   ad-hoc prices (`line_items[i][price_data]`, `payment_intent_data[transfer_group]`,
//!   `expires_at`), `GET /v1/checkout/sessions/{id}/line_items`,
//!   `POST /v1/checkout/sessions/{id}/expire`, `GET /v1/payment_intents/{id}`,
//!   `GET /v1/charges/{id}`, `POST /v1/transfers`, `GET /v1/transfers/{id}`,
//!   `GET /v1/transfers?transfer_group=…`, `POST /v1/transfers/{id}/reversals`,
//!   `GET /v1/transfers/{id}/reversals`, `POST /v1/refunds`, `GET /v1/refunds/{id}`
//!
//! Every `/v1` request needs `Authorization: Bearer` [`SECRET_KEY`] and is recorded, so tests
//! check what the app sent. The base URL is `http://127.0.0.1:PORT/` (with the slash): the client
//! appends `v1/…` to it as it is.
//!
//! Two pages stand for Stripe's hosted pages, without authentication, as the browser meets them:
//! `GET /pay/{id}` is a successful payment on the Checkout page (the session completes; in
//! subscription mode a subscription and its paid first invoice appear; a session with ad-hoc
//! prices gets a PaymentIntent and a Charge) and a 303 to the session's `success_url` (an expired
//! session's page answers 400); `GET /pay/{id}/cancel` is the page's back link (303 to
//! `cancel_url`); [`FakeStripe::pay`] and [`FakeStripe::fail_payment`] pay (or decline) from a
//! test. `GET /portal/{id}` is the customer portal, a page linking back to the session's
//! `return_url`.
//!
//! The fake sends no webhooks: tests post [`event`]s signed with [`signature_header`] to the app
//! themselves, built from the same object builders the API answers with.
//!
//! `expand` is accepted and ignored: expandable fields stay ids. Customers are not checked to
//! exist (tests seed `cus_…` ids directly).
//!
//! The browser tests use it too: `scripts/test` is to start the ignored test [`serve`] from the
//! built test binary as it starts `fake_transcribe::serve`, read `FAKE_STRIPE_URL=…` from its
//! output and give the app that base URL with [`SECRET_KEY`]; it serves until it is stopped.

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Path, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{Html, IntoResponse, Response},
    routing::{any, get},
};
use hmac::{Hmac, Mac};

mod connect;
mod payments;
pub use connect::account_object;
pub use payments::{charge_object, payment_intent_object, refund_object, transfer_object, transfer_reversal_object};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{SystemTime, UNIX_EPOCH},
};

/// The only API key the fake accepts (as `Authorization: Bearer …`).
pub const SECRET_KEY: &str = "sk_test_threadr_fake";
/// A one-time price: 4.99 USD.
pub const PRICE_PASS: &str = "price_pass_test";
/// Monthly prices: 9.99, 19.99 and 49.99 USD.
pub const PRICE_STARTER: &str = "price_starter_test";
pub const PRICE_PRO: &str = "price_pro_test";
pub const PRICE_BUSINESS: &str = "price_business_test";

/// The version the client pins (`Stripe-Version`) and events carry.
const API_VERSION: &str = "2026-09-30.endive";
/// When the fake's catalog was "created" (2026-01-01): a fixed time keeps prices identical
/// between runs.
const CATALOG_CREATED: i64 = 1_767_225_600;

struct CatalogPrice {
    id: &'static str,
    amount: i64,
    recurring: bool,
    product: &'static str,
    name: &'static str,
}

const CATALOG: [CatalogPrice; 4] = [
    CatalogPrice { id: PRICE_PASS, amount: 499, recurring: false, product: "prod_threadr_pass", name: "Threadr Pass" },
    CatalogPrice {
        id: PRICE_STARTER,
        amount: 999,
        recurring: true,
        product: "prod_threadr_starter",
        name: "Threadr Starter",
    },
    CatalogPrice { id: PRICE_PRO, amount: 1999, recurring: true, product: "prod_threadr_pro", name: "Threadr Pro" },
    CatalogPrice {
        id: PRICE_BUSINESS,
        amount: 4999,
        recurring: true,
        product: "prod_threadr_business",
        name: "Threadr Business",
    },
];

fn catalog(price: &str) -> Option<&'static CatalogPrice> {
    CATALOG.iter().find(|p| p.id == price)
}

/// One API request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Without the query: `/v1/customers`.
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The decoded form body of a POST, the decoded query of a GET, in the order sent.
    pub form: Vec<(String, String)>,
    /// Answered from the idempotency store: nothing was executed again.
    pub replayed: bool,
}

impl Recorded {
    /// The first value sent under `name`, e.g. `metadata[user_id]` or `line_items[0][price]`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A successful answer kept under its idempotency key, to be replayed byte for byte.
struct Saved {
    method: String,
    path: String,
    /// Sorted: Stripe compares parameters, not bytes (a client serialising a map may order
    /// its keys differently on a retry).
    params: Vec<(String, String)>,
    status: StatusCode,
    body: String,
    request_id: String,
}

/// What a checkout session was created with beyond its public object.
struct SessionPlan {
    prices: Vec<&'static CatalogPrice>,
    subscription_metadata: Map<String, Value>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    next_request: u64,
    requests: Vec<Recorded>,
    fail_next: Option<u16>,
    customers: Vec<Value>,
    sessions: HashMap<String, Value>,
    session_plans: HashMap<String, SessionPlan>,
    portal_sessions: HashMap<String, Value>,
    subscriptions: HashMap<String, Value>,
    invoices: Vec<Value>,
    idempotency: HashMap<String, Saved>,
    accounts: HashMap<String, Value>,
    account_links: HashMap<String, connect::Link>,
    payments: payments::Payments,
}

impl Inner {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}fake{:04}", self.next_id)
    }
}

#[derive(Clone)]
pub struct FakeStripe {
    /// `http://127.0.0.1:PORT/`, the form `stripe::ClientBuilder::url` takes.
    pub base_url: String,
    /// `http://127.0.0.1:PORT`, where the hosted pages live.
    origin: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let fake = Self { base_url: format!("{origin}/"), origin, inner: Arc::new(Mutex::new(Inner::default())) };
        let app = Router::new()
            .route("/v1/{*path}", any(api))
            .route("/pay/{id}", get(payments::pay_page))
            .route("/pay/{id}/cancel", get(pay_cancel))
            .route("/portal/{id}", get(portal))
            .route("/connect/{link}", get(connect::onboarding_page))
            .route("/connect/{link}/finish", get(connect::finish))
            .route("/connect/{link}/leave", get(connect::leave))
            .fallback(|| async { not_found_page() })
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    /// A panic elsewhere must not hide what was recorded.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The POSTs to `path` (e.g. `/v1/customers`), replays included and flagged.
    pub fn posts_to(&self, path: &str) -> Vec<Recorded> {
        self.lock().requests.iter().filter(|r| r.method == "POST" && r.path == path).cloned().collect()
    }

    /// The next API request, whatever it is, answers `status` with Stripe's error body
    /// (`api_error` for 5xx, `rate_limit_error` for 429). It stands for a failure before Stripe
    /// executed anything, so nothing is kept under its idempotency key: a retry executes.
    pub fn fail_next(&self, status: u16) {
        self.lock().fail_next = Some(status);
    }

    /// What `GET /v1/subscriptions/{id}` answers from now on, keyed by the object's `id`.
    pub fn set_subscription(&self, subscription: Value) {
        let id = subscription["id"].as_str().expect("a subscription with an id").to_string();
        self.lock().subscriptions.insert(id, subscription);
    }

    /// Listed by `GET /v1/invoices?customer=…` (by its `customer` and `created`).
    pub fn add_invoice(&self, invoice: Value) {
        self.lock().invoices.push(invoice);
    }

    pub fn checkout_session(&self, id: &str) -> Option<Value> {
        self.lock().sessions.get(id).cloned()
    }

    pub fn customers(&self) -> Vec<Value> {
        self.lock().customers.clone()
    }
}

/// Joins JSON objects: Stripe's objects have more fields than one `json!` takes within the
/// default macro recursion limit.
fn object(parts: impl IntoIterator<Item = Value>) -> Value {
    let mut all = Map::new();
    for part in parts {
        if let Value::Object(fields) = part {
            all.extend(fields);
        }
    }
    Value::Object(all)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The same time one calendar month later, as Stripe bills monthly prices.
fn one_month_after(ts: i64) -> i64 {
    chrono::DateTime::from_timestamp(ts, 0)
        .and_then(|t| t.checked_add_months(chrono::Months::new(1)))
        .map(|t| t.timestamp())
        .unwrap_or(ts + 30 * 86_400)
}

/// The part of an id after its type prefix (`sub_fake0004` → `fake0004`), to derive the ids
/// of the objects that belong to it.
fn suffix(id: &str) -> &str {
    id.strip_prefix("cs_test_").or_else(|| id.split_once('_').map(|(_, rest)| rest)).unwrap_or(id)
}

fn price_object(price: &str) -> Value {
    let known = catalog(price);
    let amount = known.map_or(0, |p| p.amount);
    let recurring = known.is_none_or(|p| p.recurring);
    json!({
        "id": price,
        "object": "price",
        "active": true,
        "billing_scheme": "per_unit",
        "created": CATALOG_CREATED,
        "currency": "usd",
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": null,
        "metadata": {},
        "nickname": known.map(|p| p.name),
        "product": known.map_or("prod_unknown", |p| p.product),
        "recurring": if recurring {
            json!({ "interval": "month", "interval_count": 1, "meter": null, "trial_period_days": null, "usage_type": "licensed" })
        } else {
            Value::Null
        },
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": if recurring { "recurring" } else { "one_time" },
        "unit_amount": amount,
        "unit_amount_decimal": amount.to_string(),
    })
}

/// The legacy twin of a recurring price that subscription items still carry.
fn plan_object(price: &str) -> Value {
    let known = catalog(price);
    let amount = known.map_or(0, |p| p.amount);
    json!({
        "id": price,
        "object": "plan",
        "active": true,
        "amount": amount,
        "amount_decimal": amount.to_string(),
        "billing_scheme": "per_unit",
        "created": CATALOG_CREATED,
        "currency": "usd",
        "interval": "month",
        "interval_count": 1,
        "livemode": false,
        "metadata": {},
        "meter": null,
        "nickname": known.map(|p| p.name),
        "product": known.map_or("prod_unknown", |p| p.product),
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

fn customer_object(
    id: &str,
    email: Option<&str>,
    name: Option<&str>,
    metadata: Map<String, Value>,
    created: i64,
) -> Value {
    json!({
        "id": id,
        "object": "customer",
        "address": null,
        "balance": 0,
        "business_name": null,
        "created": created,
        "currency": null,
        "customer_account": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "discount": null,
        "email": email,
        "individual_name": null,
        "invoice_prefix": suffix(id).to_uppercase(),
        "invoice_settings": { "custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null },
        "livemode": false,
        "metadata": metadata,
        "name": name,
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}

/// A subscription with one item of `price` (quantity 1) in USD, as `GET /v1/subscriptions/{id}`
/// and the `customer.subscription.*` events carry it. `period` is the item's current period
/// (`items.data[0].current_period_start/end`: this API version has no period on the
/// subscription itself); the item's id is `si_` and the subscription's id without `sub_`.
/// `cancel_at_period_end` also sets `cancel_at` to the period's end, `canceled` sets `ended_at`,
/// `trialing` makes the period a trial.
pub fn subscription_object(
    id: &str,
    customer: &str,
    price: &str,
    status: &str,
    period: (i64, i64),
    cancel_at_period_end: bool,
    created: i64,
) -> Value {
    let canceled = status == "canceled";
    let item = json!({
        "id": format!("si_{}", suffix(id)),
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": created,
        "current_period_end": period.1,
        "current_period_start": period.0,
        "discounts": [],
        "metadata": {},
        "plan": plan_object(price),
        "price": price_object(price),
        "quantity": 1,
        "subscription": id,
        "tax_rates": [],
    });
    object([
        json!({
            "id": id,
            "object": "subscription",
            "application": null,
            "application_fee_percent": null,
            "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
            "billing_cycle_anchor": period.0,
            "billing_cycle_anchor_config": null,
            "billing_mode": { "flexible": { "proration_discounts": "included" }, "type": "flexible", "updated_at": null },
            "billing_schedules": [],
            "billing_thresholds": null,
            "cancel_at": if cancel_at_period_end { json!(period.1) } else { Value::Null },
            "cancel_at_period_end": cancel_at_period_end,
            "canceled_at": if cancel_at_period_end || canceled { json!(period.0) } else { Value::Null },
            "cancellation_details": {
                "comment": null,
                "feedback": null,
                "reason": if cancel_at_period_end || canceled { json!("cancellation_requested") } else { Value::Null },
            },
            "collection_method": "charge_automatically",
            "created": created,
            "currency": "usd",
            "customer": customer,
        }),
        json!({
            "customer_account": null,
            "days_until_due": null,
            "default_payment_method": null,
            "default_source": null,
            "default_tax_rates": [],
            "description": null,
            "discounts": [],
            "ended_at": if canceled { json!(period.1) } else { Value::Null },
            "invoice_settings": { "account_tax_ids": null, "issuer": { "type": "self" } },
            "items": {
                "object": "list",
                "data": [item],
                "has_more": false,
                "total_count": 1,
                "url": format!("/v1/subscription_items?subscription={id}"),
            },
            "latest_invoice": null,
            "livemode": false,
            "metadata": {},
            "next_pending_invoice_item_invoice": null,
            "on_behalf_of": null,
            "pause_collection": null,
            "payment_settings": { "payment_method_options": null, "payment_method_types": null, "save_default_payment_method": "off" },
            "pending_invoice_item_interval": null,
        }),
        json!({
            "pending_setup_intent": null,
            "pending_update": null,
            "schedule": null,
            "start_date": created,
            "status": status,
            "test_clock": null,
            "transfer_data": null,
            "trial_end": if status == "trialing" { json!(period.1) } else { Value::Null },
            "trial_settings": { "end_behavior": { "missing_payment_method": "create_invoice" } },
            "trial_start": if status == "trialing" { json!(period.0) } else { Value::Null },
        }),
    ])
}

/// A finalized USD invoice of one line of `amount_cents` whose service period is `period`
/// (`lines.data[0].period`; the invoice's own `period_start/end` look back to the previous
/// billing, as Stripe's do, and are `created` here). With a subscription its
/// `parent.subscription_details.subscription` names it and `billing_reason` is
/// `subscription_create` when `created` is the period's start, else `subscription_cycle`;
/// without, it is a `manual` invoice. `paid` is paid in full at `created` after one attempt;
/// `open` is due in full after one failed attempt, retried three days later.
pub fn invoice_object(
    id: &str,
    customer: &str,
    subscription: Option<&str>,
    amount_cents: i64,
    status: &str,
    period: (i64, i64),
    created: i64,
) -> Value {
    let paid = status == "paid";
    let amount_paid = if paid { amount_cents } else { 0 };
    let billing_reason = match subscription {
        Some(_) if created == period.0 => "subscription_create",
        Some(_) => "subscription_cycle",
        None => "manual",
    };
    // Which catalog price the line is for, when the amount says so.
    let price = CATALOG.iter().find(|p| p.amount == amount_cents && p.recurring == subscription.is_some());
    let description = match price {
        Some(p) if p.recurring => format!("1 × {} (at ${:.2} / month)", p.name, p.amount as f64 / 100.0),
        Some(p) => p.name.to_string(),
        None => "Threadr".to_string(),
    };
    let line_parent = match subscription {
        Some(sub) => json!({
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": null,
                "proration": false,
                "proration_details": { "credited_items": null },
                "subscription": sub,
                "subscription_item": format!("si_{}", suffix(sub)),
            },
            "type": "subscription_item_details",
        }),
        None => json!({
            "invoice_item_details": {
                "invoice_item": format!("ii_{}", suffix(id)),
                "proration": false,
                "proration_details": { "credited_items": null },
                "subscription": null,
            },
            "subscription_item_details": null,
            "type": "invoice_item_details",
        }),
    };
    let line = json!({
        "id": format!("il_{}", suffix(id)),
        "object": "line_item",
        "amount": amount_cents,
        "currency": "usd",
        "description": description,
        "discount_amounts": [],
        "discountable": true,
        "discounts": [],
        "invoice": id,
        "livemode": false,
        "metadata": {},
        "parent": line_parent,
        "period": { "end": period.1, "start": period.0 },
        "pretax_credit_amounts": [],
        "pricing": price.map(|p| json!({
            "price_details": { "price": p.id, "product": p.product },
            "type": "price_details",
            "unit_amount_decimal": p.amount.to_string(),
        })),
        "quantity": 1,
        "subtotal": amount_cents,
        "taxes": [],
    });
    object([
        json!({
            "id": id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "Threadr",
            "account_tax_ids": null,
            "amount_due": amount_cents,
            "amount_overpaid": 0,
            "amount_paid": amount_paid,
            "amount_remaining": amount_cents - amount_paid,
            "amount_shipping": 0,
            "application": null,
            "attempt_count": 1,
            "attempted": true,
            "auto_advance": !paid,
            "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null, "provider": null, "status": null },
            "automatically_finalizes_at": null,
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
        }),
        json!({
            "created": created,
            "currency": "usd",
            "custom_fields": null,
            "customer": customer,
            "customer_account": null,
            "customer_address": null,
            "customer_email": null,
            "customer_name": null,
            "customer_phone": null,
            "customer_shipping": null,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": null,
            "default_source": null,
            "default_tax_rates": [],
            "description": null,
            "discounts": [],
            "due_date": null,
        }),
        json!({
            "effective_at": created,
            "ending_balance": 0,
            "footer": null,
            "from_invoice": null,
            "hosted_invoice_url": format!("https://invoice.stripe.test/i/{id}"),
            "invoice_pdf": format!("https://invoice.stripe.test/i/{id}/pdf"),
            "issuer": { "type": "self" },
            "last_finalization_error": null,
            "latest_revision": null,
            "lines": {
                "object": "list",
                "data": [line],
                "has_more": false,
                "total_count": 1,
                "url": format!("/v1/invoices/{id}/lines"),
            },
            "livemode": false,
            "metadata": {},
            "next_payment_attempt": if paid { Value::Null } else { json!(created + 3 * 86_400) },
            "number": format!("{}-0001", suffix(customer).to_uppercase()),
            "on_behalf_of": null,
            "parent": subscription.map(|sub| json!({
                "quote_details": null,
                "subscription_details": { "metadata": {}, "subscription": sub },
                "type": "subscription_details",
            })),
            "payment_settings": { "default_mandate": null, "payment_method_options": null, "payment_method_types": null },
            "period_end": created,
        }),
        json!({
            "period_start": created,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": null,
            "rendering": { "amount_tax_display": null, "pdf": { "page_size": "auto" }, "template": null, "template_version": null },
            "shipping_cost": null,
            "shipping_details": null,
            "starting_balance": 0,
            "statement_descriptor": null,
            "status": status,
            "status_transitions": {
                "finalized_at": created,
                "marked_uncollectible_at": null,
                "paid_at": if paid { json!(created) } else { Value::Null },
                "voided_at": null,
            },
            "subtotal": amount_cents,
            "subtotal_excluding_tax": amount_cents,
            "test_clock": null,
            "total": amount_cents,
            "total_discount_amounts": [],
            "total_excluding_tax": amount_cents,
            "total_pretax_credit_amounts": [],
        }),
        json!({
            "total_taxes": [],
            "webhooks_delivered_at": created,
        }),
    ])
}

/// Everything a checkout session object is made of; the rest is Stripe's defaults.
struct SessionParts<'a> {
    id: &'a str,
    customer: Option<&'a str>,
    customer_email: Option<&'a str>,
    mode: &'a str,
    client_reference_id: Option<&'a str>,
    subscription: Option<&'a str>,
    invoice: Option<&'a str>,
    payment_intent: Option<&'a str>,
    payment_status: &'a str,
    amount_total: i64,
    created: i64,
    metadata: Map<String, Value>,
    success_url: Option<&'a str>,
    cancel_url: Option<&'a str>,
    /// The hosted page, only while the session is open (as Stripe's `url`).
    url: Option<String>,
}

fn session_value(s: SessionParts) -> Value {
    let open = s.payment_status == "unpaid";
    let payment = s.mode == "payment";
    let customer_details = if open {
        Value::Null
    } else {
        json!({
            "address": null,
            "business_name": null,
            "email": s.customer_email,
            "individual_name": null,
            "name": null,
            "phone": null,
            "tax_exempt": "none",
            "tax_ids": [],
        })
    };
    object([
        json!({
            "id": s.id,
            "object": "checkout.session",
            "adaptive_pricing": { "enabled": payment },
            "after_expiration": null,
            "allow_promotion_codes": null,
            "amount_subtotal": s.amount_total,
            "amount_total": s.amount_total,
            "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
            "billing_address_collection": null,
            "cancel_url": s.cancel_url,
            "client_reference_id": s.client_reference_id,
            "client_secret": null,
            "collected_information": if open { Value::Null } else { json!({ "business_name": null, "individual_name": null, "shipping_details": null }) },
            "consent": null,
            "consent_collection": null,
            "created": s.created,
            "currency": "usd",
            "currency_conversion": null,
        }),
        json!({
            "custom_fields": [],
            "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
            "customer": s.customer,
            "customer_account": null,
            "customer_creation": match (s.customer, payment) {
                (Some(_), _) => Value::Null,
                (None, true) => json!("if_required"),
                (None, false) => json!("always"),
            },
            "customer_details": customer_details,
            "customer_email": if s.customer.is_some() { None } else { s.customer_email },
            "discounts": [],
            "expires_at": s.created + 86_400,
            "invoice": s.invoice,
            "invoice_creation": if payment {
                json!({ "enabled": false, "invoice_data": {
                    "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null,
                    "issuer": null, "metadata": {}, "rendering_options": null,
                } })
            } else {
                Value::Null
            },
            "livemode": false,
            "locale": null,
            "metadata": s.metadata,
            "mode": s.mode,
            "origin_context": null,
            "payment_intent": s.payment_intent,
            "payment_link": null,
        }),
        json!({
            "payment_method_collection": if payment { Value::Null } else { json!("always") },
            "payment_method_configuration_details": null,
            "payment_method_options": { "card": { "request_three_d_secure": "automatic" } },
            "payment_method_types": ["card"],
            "payment_status": s.payment_status,
            "permissions": null,
            "phone_number_collection": { "enabled": false },
            "recovered_from": null,
            "saved_payment_method_options": if s.customer.is_some() {
                json!({ "allow_redisplay_filters": ["always"], "payment_method_remove": "disabled", "payment_method_save": null })
            } else {
                Value::Null
            },
            "setup_intent": null,
            "shipping_address_collection": null,
            "shipping_cost": null,
            "shipping_options": [],
            "status": if open { "open" } else { "complete" },
            "submit_type": null,
            "subscription": s.subscription,
            "success_url": s.success_url,
            "total_details": { "amount_discount": 0, "amount_shipping": 0, "amount_tax": 0 },
        }),
        json!({
            "ui_mode": "hosted",
            "url": s.url,
            "wallet_options": null,
        }),
    ])
}

/// A checkout session as the `checkout.session.*` events carry it: `open` while
/// `payment_status` is `unpaid`, else `complete` (no hosted `url` then); `metadata` is
/// `{"user_id": client_reference_id}`; a paid `payment` session has a payment intent
/// `pi_` + the session id's suffix. Webhook payloads hold no line items: `price` only guards the
/// test against a known price that does not fit `mode`.
#[allow(clippy::too_many_arguments)] // the shape other tests call, one argument per field they vary
pub fn checkout_session_object(
    id: &str,
    customer: &str,
    mode: &str,
    price: &str,
    client_reference_id: &str,
    subscription: Option<&str>,
    payment_status: &str,
    amount_total: i64,
    created: i64,
) -> Value {
    if let Some(p) = catalog(price) {
        assert_eq!(p.recurring, mode == "subscription", "{price} does not fit a {mode} session");
    }
    let payment_intent = format!("pi_{}", suffix(id));
    let mut metadata = Map::new();
    metadata.insert("user_id".into(), client_reference_id.into());
    session_value(SessionParts {
        id,
        customer: Some(customer),
        customer_email: None,
        mode,
        client_reference_id: Some(client_reference_id),
        subscription,
        invoice: None,
        payment_intent: (mode == "payment" && payment_status != "unpaid").then_some(payment_intent.as_str()),
        payment_status,
        amount_total,
        created,
        metadata,
        success_url: Some("http://127.0.0.1/billing/success?session_id={CHECKOUT_SESSION_ID}"),
        cancel_url: Some("http://127.0.0.1/billing"),
        url: None,
    })
}

/// A Stripe event as a webhook delivers it (pretty-printed, as Stripe sends it): `kind` is its
/// `type` (`checkout.session.completed`, `customer.subscription.updated`, `invoice.paid`, …),
/// `object` its `data.object`.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    let event = json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": kind,
    });
    serde_json::to_string_pretty(&event).expect("JSON serialises")
}

/// The `Stripe-Signature` header Stripe sends with `payload`: `t={timestamp},v1={hex}` where
/// the hex is the HMAC-SHA256, keyed with the endpoint's signing secret (`whsec_…`, used as
/// it is), of `{timestamp}.{payload}`.
pub fn signature_header(payload: &str, secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// An answer before the common headers are added.
struct Answer {
    status: StatusCode,
    body: Value,
}

fn ok(body: Value) -> Answer {
    Answer { status: StatusCode::OK, body }
}

/// Stripe's error body. `code` also brings Stripe's `doc_url` for it.
fn stripe_error(status: u16, kind: &str, code: Option<&str>, param: Option<&str>, message: &str) -> Answer {
    let mut error = Map::new();
    if let Some(code) = code {
        error.insert("code".into(), code.into());
        error
            .insert("doc_url".into(), format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")).into());
    }
    error.insert("message".into(), message.into());
    if let Some(param) = param {
        error.insert("param".into(), param.into());
    }
    error.insert("type".into(), kind.into());
    Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body: json!({ "error": error }),
    }
}

fn invalid(param: &str, code: Option<&str>, message: &str) -> Answer {
    stripe_error(400, "invalid_request_error", code, Some(param), message)
}

fn missing(param: &str) -> Answer {
    invalid(param, Some("parameter_missing"), &format!("Missing required param: {param}."))
}

fn no_such(object: &str, id: &str, param: &str) -> Answer {
    stripe_error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some(param),
        &format!("No such {object}: '{id}'"),
    )
}

/// Stripe shows a wrong key's prefix and last four characters only.
fn masked(key: &str) -> String {
    let prefix_len =
        ["sk_test_", "sk_live_", "rk_test_", "rk_live_"].iter().find(|p| key.starts_with(*p)).map_or(0, |p| p.len());
    let chars: Vec<char> = key.chars().collect();
    let visible_tail = chars.len().saturating_sub(prefix_len).min(4);
    let hidden = chars.len().saturating_sub(prefix_len + visible_tail);
    let tail: String = chars[chars.len() - visible_tail..].iter().collect();
    format!("{}{}{tail}", &key[..prefix_len], "*".repeat(hidden))
}

fn unauthorized(headers: &HeaderMap) -> Option<Answer> {
    let sent = headers.get(header::AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let Some(sent) = sent.filter(|s| !s.trim().is_empty()) else {
        return Some(stripe_error(
            401,
            "invalid_request_error",
            None,
            None,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using \
             Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication \
             for details, or we can help at https://support.stripe.com/.",
        ));
    };
    let key = sent.strip_prefix("Bearer ").unwrap_or(&sent).trim();
    (key != SECRET_KEY).then(|| {
        stripe_error(401, "invalid_request_error", None, None, &format!("Invalid API Key provided: {}", masked(key)))
    })
}

/// Top-level parameters each endpoint takes, as Stripe's API (and async-stripe's request
/// builders) define them: anything else is refused as Stripe refuses it, so a misspelt
/// parameter fails here rather than being silently dropped.
const CUSTOMER_PARAMS: &[&str] = &[
    "address",
    "balance",
    "business_name",
    "cash_balance",
    "description",
    "email",
    "expand",
    "individual_name",
    "invoice_prefix",
    "invoice_settings",
    "metadata",
    "name",
    "next_invoice_sequence",
    "payment_method",
    "phone",
    "preferred_locales",
    "shipping",
    "source",
    "tax",
    "tax_exempt",
    "tax_id_data",
    "test_clock",
    "validate",
];
const CHECKOUT_PARAMS: &[&str] = &[
    "adaptive_pricing",
    "after_expiration",
    "allow_promotion_codes",
    "allowed_payment_method_types",
    "automatic_tax",
    "billing_address_collection",
    "branding_settings",
    "cancel_url",
    "client_reference_id",
    "consent_collection",
    "currency",
    "custom_fields",
    "custom_text",
    "customer",
    "customer_account",
    "customer_creation",
    "customer_email",
    "customer_update",
    "discounts",
    "excluded_payment_method_types",
    "expand",
    "expires_at",
    "integration_identifier",
    "invoice_creation",
    "line_items",
    "locale",
    "managed_payments",
    "metadata",
    "mode",
    "name_collection",
    "optional_items",
    "origin_context",
    "payment_intent_data",
    "payment_method_collection",
    "payment_method_configuration",
    "payment_method_data",
    "payment_method_options",
    "permissions",
    "phone_number_collection",
    "redirect_on_completion",
    "return_url",
    "saved_payment_method_options",
    "setup_intent_data",
    "shipping_address_collection",
    "shipping_options",
    "submit_type",
    "subscription_data",
    "success_url",
    "tax_id_collection",
    "ui_mode",
    "wallet_options",
];
const PORTAL_PARAMS: &[&str] =
    &["configuration", "customer", "customer_account", "expand", "flow_data", "locale", "on_behalf_of", "return_url"];
const LIST_INVOICE_PARAMS: &[&str] = &[
    "collection_method",
    "created",
    "customer",
    "customer_account",
    "due_date",
    "ending_before",
    "expand",
    "limit",
    "starting_after",
    "status",
    "subscription",
];
const RETRIEVE_PARAMS: &[&str] = &["expand"];

fn unknown_param(params: &[(String, String)], known: &[&str]) -> Option<Answer> {
    params
        .iter()
        .find(|(k, _)| !known.contains(&k.split('[').next().unwrap_or(k)))
        .map(|(k, _)| invalid(k, Some("parameter_unknown"), &format!("Received unknown parameter: {k}")))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// `prefix[key]=value` pairs as a JSON map (`metadata[user_id]` → `{"user_id": …}`); empty
/// values unset a key, as in Stripe.
fn nested(params: &[(String, String)], prefix: &str) -> Map<String, Value> {
    params
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix(prefix)?.strip_prefix('[')?.strip_suffix(']')?;
            (!key.contains('[') && !v.is_empty()).then(|| (key.to_string(), Value::from(v.as_str())))
        })
        .collect()
}

fn url_param(params: &[(String, String)], name: &str) -> Result<Option<String>, Answer> {
    match param(params, name) {
        None => Ok(None),
        Some(v) if url::Url::parse(v).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) => Ok(Some(v.to_string())),
        Some(_) => Err(invalid(name, Some("url_invalid"), "Not a valid URL")),
    }
}

async fn api(State(fake): State<FakeStripe>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let source: &[u8] = if method == Method::POST { &body } else { uri.query().unwrap_or("").as_bytes() };
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(source).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let key = headers.get("idempotency-key").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path = uri.path().to_string();
    let mut inner = fake.lock();
    inner.next_request += 1;
    let request_id = format!("req_fake{:010}", inner.next_request);
    inner.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        idempotency_key: key.clone(),
        form: params.clone(),
        replayed: false,
    });
    let version = headers.get("stripe-version").and_then(|v| v.to_str().ok()).unwrap_or(API_VERSION).to_string();
    let respond = |status: StatusCode, body: String, extra: Vec<(&'static str, String)>| {
        let mut response = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .header("request-id", &request_id)
            .header("stripe-version", &version);
        if let Some(key) = &key {
            response = response.header("idempotency-key", key);
        }
        for (name, value) in extra {
            response = response.header(name, value);
        }
        response.body(Body::from(body)).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    };
    let error_body = |mut answer: Answer| {
        // Every Stripe error points at the request's log in the dashboard.
        if let Some(error) = answer.body.get_mut("error").and_then(Value::as_object_mut) {
            error.insert(
                "request_log_url".into(),
                format!("https://dashboard.stripe.com/test/logs/{request_id}").into(),
            );
        }
        (answer.status, serde_json::to_string_pretty(&answer.body).unwrap_or_default())
    };

    if let Some(status) = inner.fail_next.take() {
        let answer = match status {
            429 => stripe_error(
                429,
                "rate_limit_error",
                Some("rate_limit"),
                None,
                "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            ),
            500.. => stripe_error(
                status,
                "api_error",
                None,
                None,
                "An unknown error occurred while processing your request. Please try again.",
            ),
            _ => stripe_error(status, "invalid_request_error", None, None, "The request failed (simulated)."),
        };
        let (status, body) = error_body(answer);
        return respond(status, body, Vec::new());
    }
    if let Some(answer) = unauthorized(&headers) {
        let (status, body) = error_body(answer);
        return respond(status, body, Vec::new());
    }

    let mut sorted = params.clone();
    sorted.sort();
    // Stripe applies idempotency keys to POSTs only (GET and DELETE are idempotent anyway).
    let key = key.clone().filter(|_| method == Method::POST);
    if let Some(key) = &key
        && let Some(saved) = inner.idempotency.get(key)
    {
        if saved.method == method.as_str() && saved.path == path && saved.params == sorted {
            let (status, body, original) = (saved.status, saved.body.clone(), saved.request_id.clone());
            if let Some(recorded) = inner.requests.last_mut() {
                recorded.replayed = true;
            }
            return respond(status, body, vec![("idempotent-replayed", "true".into()), ("original-request", original)]);
        }
        let answer = stripe_error(
            400,
            "idempotency_error",
            None,
            None,
            &format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. \
                 Try using a key other than '{key}' if you meant to execute a different request."
            ),
        );
        let (status, body) = error_body(answer);
        return respond(status, body, Vec::new());
    }

    let answer = route(&mut inner, &fake.origin, &method, &path, &params);
    if !answer.status.is_success() {
        // Refused requests never started executing: Stripe keeps nothing under their key.
        let (status, body) = error_body(answer);
        return respond(status, body, Vec::new());
    }
    let body = serde_json::to_string_pretty(&answer.body).unwrap_or_default();
    if let Some(key) = key {
        let saved = Saved {
            method: method.to_string(),
            path,
            params: sorted,
            status: answer.status,
            body: body.clone(),
            request_id: request_id.clone(),
        };
        inner.idempotency.insert(key, saved);
    }
    respond(answer.status, body, Vec::new())
}

fn route(inner: &mut Inner, origin: &str, method: &Method, path: &str, params: &[(String, String)]) -> Answer {
    let segments: Vec<&str> = path.trim_start_matches("/v1/").split('/').collect();
    if let Some(answer) = payments::route(inner, origin, method.as_str(), &segments, params) {
        return answer;
    }
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["customers"]) => {
            unknown_param(params, CUSTOMER_PARAMS).unwrap_or_else(|| create_customer(inner, params))
        }
        ("GET", ["customers", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            let customer = inner.customers.iter().find(|c| c["id"] == *id).cloned();
            customer.map_or_else(|| no_such("customer", id, "id"), ok)
        }),
        ("POST", ["checkout", "sessions"]) => {
            unknown_param(params, CHECKOUT_PARAMS).unwrap_or_else(|| create_session(inner, origin, params))
        }
        ("GET", ["checkout", "sessions", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            inner.sessions.get(*id).cloned().map_or_else(|| no_such("checkout.session", id, "session"), ok)
        }),
        ("POST", ["billing_portal", "sessions"]) => {
            unknown_param(params, PORTAL_PARAMS).unwrap_or_else(|| create_portal_session(inner, origin, params))
        }
        ("GET", ["subscriptions", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            inner.subscriptions.get(*id).cloned().map_or_else(|| no_such("subscription", id, "id"), ok)
        }),
        ("POST", ["accounts"]) => {
            unknown_param(params, connect::ACCOUNT_PARAMS).unwrap_or_else(|| connect::create_account(inner, params))
        }
        ("GET", ["accounts", id]) => {
            unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| connect::retrieve_account(inner, id))
        }
        ("POST", ["account_links"]) => unknown_param(params, connect::ACCOUNT_LINK_PARAMS)
            .unwrap_or_else(|| connect::create_link(inner, origin, params)),
        ("GET", ["invoices"]) => {
            unknown_param(params, LIST_INVOICE_PARAMS).unwrap_or_else(|| list_invoices(inner, params))
        }
        _ => stripe_error(
            404,
            "invalid_request_error",
            None,
            None,
            &format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at \
                 https://support.stripe.com/."
            ),
        ),
    }
}

fn create_customer(inner: &mut Inner, params: &[(String, String)]) -> Answer {
    let id = inner.id("cus_");
    let customer =
        customer_object(&id, param(params, "email"), param(params, "name"), nested(params, "metadata"), now());
    inner.customers.push(customer.clone());
    ok(customer)
}

fn create_session(inner: &mut Inner, origin: &str, params: &[(String, String)]) -> Answer {
    let mode = match param(params, "mode") {
        None => return missing("mode"),
        Some(mode @ ("payment" | "subscription")) => mode,
        Some("setup") => {
            return invalid("mode", None, "The fake Stripe supports only `payment` and `subscription` mode.");
        }
        Some(_) => return invalid("mode", None, "Invalid mode: must be one of payment, setup, or subscription"),
    };
    let mut prices = Vec::new();
    let mut amount_total = 0;
    for i in 0.. {
        let item = format!("line_items[{i}]");
        if !params.iter().any(|(k, _)| k.starts_with(&format!("{item}["))) {
            break;
        }
        let price_param = format!("{item}[price]");
        let Some(price_id) = param(params, &price_param) else {
            return missing(&price_param);
        };
        let Some(price) = catalog(price_id) else {
            return invalid(&price_param, Some("resource_missing"), &format!("No such price: '{price_id}'"));
        };
        let quantity_param = format!("{item}[quantity]");
        let quantity = match param(params, &quantity_param).map(str::parse::<i64>) {
            None => return missing(&quantity_param),
            Some(Ok(q)) if q >= 1 => q,
            Some(Ok(_)) => return invalid(&quantity_param, None, "This value must be greater than or equal to 1."),
            Some(Err(_)) => {
                let sent = param(params, &quantity_param).unwrap_or_default();
                return invalid(&quantity_param, None, &format!("Invalid integer: {sent}"));
            }
        };
        prices.push(price);
        amount_total += price.amount * quantity;
    }
    if prices.is_empty() {
        return missing("line_items[0][price]");
    }
    let recurring = prices.iter().any(|p| p.recurring);
    if mode == "payment" && recurring {
        return invalid(
            "line_items",
            None,
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use \
             only one-time prices.",
        );
    }
    if mode == "subscription" && !recurring {
        return invalid(
            "line_items",
            None,
            "You must provide at least one recurring price in `subscription` mode when using prices.",
        );
    }
    let wrong_data = if mode == "payment" { "subscription_data" } else { "payment_intent_data" };
    if params.iter().any(|(k, _)| k.starts_with(&format!("{wrong_data}["))) {
        return invalid(wrong_data, None, &format!("You can not pass `{wrong_data}` in `{mode}` mode."));
    }
    let (success_url, cancel_url) = match (url_param(params, "success_url"), url_param(params, "cancel_url")) {
        (Err(answer), _) | (_, Err(answer)) => return answer,
        (Ok(None), _) => return missing("success_url"),
        (_, Ok(None)) => return missing("cancel_url"),
        (Ok(Some(success)), Ok(Some(cancel))) => (success, cancel),
    };
    let customer = param(params, "customer");
    let customer_email = param(params, "customer_email");
    if customer.is_some() && customer_email.is_some() {
        return invalid("customer", None, "You may only specify one of these parameters: customer, customer_email.");
    }
    let id = inner.id("cs_test_");
    let session = session_value(SessionParts {
        id: &id,
        customer,
        customer_email,
        mode,
        client_reference_id: param(params, "client_reference_id"),
        subscription: None,
        invoice: None,
        payment_intent: None,
        payment_status: "unpaid",
        amount_total,
        created: now(),
        metadata: nested(params, "metadata"),
        success_url: Some(&success_url),
        cancel_url: Some(&cancel_url),
        url: Some(format!("{origin}/pay/{id}")),
    });
    let plan = SessionPlan { prices, subscription_metadata: nested(params, "subscription_data[metadata]") };
    inner.session_plans.insert(id.clone(), plan);
    inner.sessions.insert(id, session.clone());
    ok(session)
}

fn create_portal_session(inner: &mut Inner, origin: &str, params: &[(String, String)]) -> Answer {
    let Some(customer) = param(params, "customer") else {
        return missing("customer");
    };
    let return_url = match url_param(params, "return_url") {
        Ok(url) => url,
        Err(answer) => return answer,
    };
    let id = inner.id("bps_");
    let session = json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": "bpc_fake_default",
        "created": now(),
        "customer": customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": null,
        "on_behalf_of": null,
        "return_url": return_url,
        "url": format!("{origin}/portal/{id}"),
    });
    inner.portal_sessions.insert(id, session.clone());
    ok(session)
}

fn list_invoices(inner: &Inner, params: &[(String, String)]) -> Answer {
    let limit = match param(params, "limit").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(limit @ 1..=100)) => limit,
        Some(Ok(0)) => return invalid("limit", None, "This value must be greater than or equal to 1."),
        Some(Ok(_)) => return invalid("limit", None, "This value must be less than or equal to 100."),
        Some(Err(_)) => {
            return invalid("limit", None, &format!("Invalid integer: {}", param(params, "limit").unwrap_or_default()));
        }
    };
    let field = |name: &str| param(params, name);
    let mut invoices: Vec<&Value> = inner
        .invoices
        .iter()
        .rev()
        .filter(|i| field("customer").is_none_or(|c| i["customer"] == c))
        .filter(|i| field("status").is_none_or(|s| i["status"] == s))
        .filter(|i| field("subscription").is_none_or(|s| i["parent"]["subscription_details"]["subscription"] == s))
        .collect();
    // Newest first; among equal times the one added last, as Stripe lists what it created last.
    invoices.sort_by_key(|i| std::cmp::Reverse(i["created"].as_i64().unwrap_or(0)));
    if let Some(after) = field("starting_after") {
        let Some(position) = invoices.iter().position(|i| i["id"] == after) else {
            return no_such("invoice", after, "starting_after");
        };
        invoices.drain(..=position);
    }
    if let Some(before) = field("ending_before") {
        let Some(position) = invoices.iter().position(|i| i["id"] == before) else {
            return no_such("invoice", before, "ending_before");
        };
        // The page just before the cursor (the newer ones), still newest first.
        invoices.truncate(position);
        let has_more = invoices.len() > limit;
        let page = invoices.split_off(invoices.len().saturating_sub(limit));
        return ok(json!({ "object": "list", "data": page, "has_more": has_more, "url": "/v1/invoices" }));
    }
    let has_more = invoices.len() > limit;
    invoices.truncate(limit);
    ok(json!({ "object": "list", "data": invoices, "has_more": has_more, "url": "/v1/invoices" }))
}

/// A successful payment on the hosted Checkout page: the session completes as Stripe completes
/// it (a subscription session gets its customer, subscription and paid first invoice).
fn complete_session(inner: &mut Inner, id: &str) {
    let Some(session) = inner.sessions.get(id).cloned() else { return };
    if session["status"] != "open" {
        return;
    }
    let text = |name: &str| session[name].as_str().map(str::to_string);
    let mode = text("mode").unwrap_or_default();
    let created = session["created"].as_i64().unwrap_or_else(now);
    let amount_total = session["amount_total"].as_i64().unwrap_or(0);
    let paid_at = now();
    let mut customer = text("customer");
    let customer_email = text("customer_email").or_else(|| {
        inner
            .customers
            .iter()
            .find(|c| Some(&c["id"]) == session.get("customer"))
            .and_then(|c| c["email"].as_str().map(str::to_string))
    });
    let (mut subscription, mut invoice, mut payment_intent) = (None, None, None);
    if mode == "subscription" {
        let customer_id = match customer.clone() {
            Some(existing) => existing,
            None => {
                let new = inner.id("cus_");
                let object = customer_object(&new, customer_email.as_deref(), None, Map::new(), paid_at);
                inner.customers.push(object);
                new
            }
        };
        let price = inner
            .session_plans
            .get(id)
            .and_then(|plan| plan.prices.iter().find(|p| p.recurring))
            .map_or(PRICE_STARTER, |p| p.id);
        let metadata = inner.session_plans.get(id).map(|plan| plan.subscription_metadata.clone()).unwrap_or_default();
        let sub_id = inner.id("sub_");
        let invoice_id = inner.id("in_");
        let period = (paid_at, one_month_after(paid_at));
        let mut sub = subscription_object(&sub_id, &customer_id, price, "active", period, false, paid_at);
        sub["metadata"] = Value::Object(metadata.clone());
        sub["latest_invoice"] = json!(invoice_id);
        let mut first = invoice_object(&invoice_id, &customer_id, Some(&sub_id), amount_total, "paid", period, paid_at);
        first["parent"]["subscription_details"]["metadata"] = Value::Object(metadata);
        inner.subscriptions.insert(sub_id.clone(), sub);
        inner.invoices.push(first);
        customer = Some(customer_id);
        subscription = Some(sub_id);
        invoice = Some(invoice_id);
    } else {
        payment_intent = Some(inner.id("pi_"));
    }
    let metadata = session["metadata"].as_object().cloned().unwrap_or_default();
    let completed = session_value(SessionParts {
        id,
        customer: customer.as_deref(),
        customer_email: customer_email.as_deref(),
        mode: &mode,
        client_reference_id: session["client_reference_id"].as_str(),
        subscription: subscription.as_deref(),
        invoice: invoice.as_deref(),
        payment_intent: payment_intent.as_deref(),
        payment_status: "paid",
        amount_total,
        created,
        metadata,
        success_url: session["success_url"].as_str(),
        cancel_url: session["cancel_url"].as_str(),
        url: None,
    });
    inner.sessions.insert(id.to_string(), completed);
}

fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_else(|_| not_found_page())
}

async fn pay(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let mut inner = fake.lock();
    complete_session(&mut inner, &id);
    let success = inner.sessions.get(&id).and_then(|s| s["success_url"].as_str()).map(str::to_string);
    match success {
        Some(url) => redirect(&url.replace("{CHECKOUT_SESSION_ID}", &id)),
        None => not_found_page(),
    }
}

async fn pay_cancel(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let cancel = fake.lock().sessions.get(&id).and_then(|s| s["cancel_url"].as_str()).map(str::to_string);
    match cancel {
        Some(url) => redirect(&url),
        None => not_found_page(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n\
         <body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
}

fn not_found_page() -> Response {
    let html = page("Not found (fake Stripe)", "<h1>Not found</h1>\n<p>The fake Stripe has no such page.</p>");
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}

async fn portal(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let Some(session) = fake.lock().portal_sessions.get(&id).cloned() else {
        return not_found_page();
    };
    let customer = escape(session["customer"].as_str().unwrap_or_default());
    let back = match session["return_url"].as_str() {
        Some(url) => format!("<p><a href=\"{}\">Return to Threadr</a></p>", escape(url)),
        None => "<p>No return URL was given.</p>".to_string(),
    };
    let body = format!(
        "<h1>Stripe customer portal (test)</h1>\n<p>Billing for customer <code>{customer}</code>: \
         subscriptions, payment methods and invoices would be managed here.</p>\n{back}"
    );
    Html(page("Stripe customer portal (test)", &body)).into_response()
}

/// Not a test: the browser tests' Stripe (see the module documentation).
#[tokio::test]
#[ignore = "a server for the browser tests, started by scripts/test"]
async fn serve() {
    let fake = FakeStripe::start().await;
    println!("FAKE_STRIPE_URL={}", fake.base_url);
    std::future::pending::<()>().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    async fn post(fake: &FakeStripe, path: &str, key: Option<&str>, form: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
        let mut request = client().post(format!("{}{path}", fake.base_url)).bearer_auth(SECRET_KEY).form(form);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        (status, headers, response.json().await.unwrap())
    }

    async fn get(fake: &FakeStripe, path: &str) -> (u16, Value) {
        let response = client().get(format!("{}{path}", fake.base_url)).bearer_auth(SECRET_KEY).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    fn session_form<'a>(mode: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("mode", mode),
            ("line_items[0][price]", price),
            ("line_items[0][quantity]", "1"),
            ("success_url", "http://app.test/billing/done?session_id={CHECKOUT_SESSION_ID}"),
            ("cancel_url", "http://app.test/billing"),
            ("customer", "cus_seeded"),
            ("client_reference_id", "user-7"),
            ("metadata[user_id]", "user-7"),
        ]
    }

    #[tokio::test]
    async fn the_same_key_and_parameters_replay_the_first_answer() {
        let fake = FakeStripe::start().await;
        let form = [("email", "ada@example.com"), ("name", "Ada"), ("metadata[user_id]", "42")];
        let (status, headers, first) = post(&fake, "v1/customers", Some("signup-42"), &form).await;
        assert_eq!(status, 200);
        assert!(first["id"].as_str().unwrap().starts_with("cus_"));
        assert_eq!(
            (first["email"].as_str(), first["metadata"]["user_id"].as_str()),
            (Some("ada@example.com"), Some("42"))
        );
        assert!(headers["request-id"].to_str().unwrap().starts_with("req_"));
        assert_eq!(headers["content-type"], "application/json");

        let (status, headers, again) = post(&fake, "v1/customers", Some("signup-42"), &form).await;
        assert_eq!((status, &again), (200, &first));
        assert_eq!(headers["idempotent-replayed"], "true");
        assert_eq!(fake.customers().len(), 1);

        let posts = fake.posts_to("/v1/customers");
        assert_eq!(posts.iter().map(|r| r.replayed).collect::<Vec<_>>(), [false, true]);
        assert_eq!(posts[1].idempotency_key.as_deref(), Some("signup-42"));
        assert_eq!(posts[1].field("metadata[user_id]"), Some("42"));
        assert_eq!(fake.requests().iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["POST", "POST"]);
    }

    #[tokio::test]
    async fn a_key_reused_with_other_parameters_is_refused() {
        let fake = FakeStripe::start().await;
        let (status, _, _) = post(&fake, "v1/customers", Some("k1"), &[("email", "a@example.com")]).await;
        assert_eq!(status, 200);
        let (status, _, body) = post(&fake, "v1/customers", Some("k1"), &[("email", "b@example.com")]).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["type"], "idempotency_error");
        assert!(body["error"]["message"].as_str().unwrap().contains("other than 'k1'"));
        assert_eq!(fake.customers().len(), 1);
    }

    #[tokio::test]
    async fn unknown_prices_and_prices_of_the_other_mode_are_refused() {
        let fake = FakeStripe::start().await;
        let (status, _, body) = post(&fake, "v1/checkout/sessions", None, &session_form("payment", "price_nope")).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "resource_missing");
        assert_eq!(body["error"]["param"], "line_items[0][price]");
        assert_eq!(body["error"]["message"], "No such price: 'price_nope'");

        let (status, _, body) = post(&fake, "v1/checkout/sessions", None, &session_form("payment", PRICE_PRO)).await;
        assert_eq!(status, 400);
        assert!(body["error"]["message"].as_str().unwrap().contains("passed a recurring price"));
        let (status, _, body) =
            post(&fake, "v1/checkout/sessions", None, &session_form("subscription", PRICE_PASS)).await;
        assert_eq!(status, 400);
        assert!(body["error"]["message"].as_str().unwrap().contains("at least one recurring price"));

        let mut form = session_form("payment", PRICE_PASS);
        form.push(("metadata_user", "x"));
        let (status, _, body) = post(&fake, "v1/checkout/sessions", None, &form).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("parameter_unknown")));
        assert!(fake.checkout_session("cs_test_fake0001").is_none());
    }

    #[tokio::test]
    async fn paying_completes_the_session_and_redirects_to_its_success_url() {
        let fake = FakeStripe::start().await;
        let mut form = session_form("subscription", PRICE_PRO);
        form.push(("subscription_data[metadata][user_id]", "user-7"));
        let (status, _, session) = post(&fake, "v1/checkout/sessions", Some("checkout-1"), &form).await;
        assert_eq!(status, 200);
        let id = session["id"].as_str().unwrap();
        assert_eq!((session["status"].as_str(), session["amount_total"].as_i64()), (Some("open"), Some(1999)));
        assert_eq!(session["url"].as_str().unwrap(), format!("{}pay/{id}", fake.base_url));

        let response = client().get(session["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(
            response.headers()["location"].to_str().unwrap(),
            format!("http://app.test/billing/done?session_id={id}")
        );

        let completed = fake.checkout_session(id).unwrap();
        assert_eq!(
            (completed["status"].as_str(), completed["payment_status"].as_str()),
            (Some("complete"), Some("paid"))
        );
        let subscription = completed["subscription"].as_str().unwrap();
        let (status, sub) = get(&fake, &format!("v1/subscriptions/{subscription}")).await;
        assert_eq!((status, sub["metadata"]["user_id"].as_str()), (200, Some("user-7")));
        assert_eq!(sub["items"]["data"][0]["price"]["id"], PRICE_PRO);
        let (_, invoices) = get(&fake, "v1/invoices?customer=cus_seeded").await;
        assert_eq!(invoices["data"][0]["parent"]["subscription_details"]["subscription"], subscription);
        assert_eq!(invoices["data"][0]["amount_paid"], 1999);
    }

    #[tokio::test]
    async fn a_wrong_or_missing_key_is_refused() {
        let fake = FakeStripe::start().await;
        let response = client()
            .get(format!("{}v1/customers/cus_x", fake.base_url))
            .bearer_auth("sk_test_wrongkey1234")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["message"], "Invalid API Key provided: sk_test_********1234");
        let response = client().get(format!("{}v1/customers/cus_x", fake.base_url)).send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(fake.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_failure_is_answered_once_and_not_kept_under_the_key() {
        let fake = FakeStripe::start().await;
        fake.fail_next(503);
        let (status, _, body) = post(&fake, "v1/customers", Some("retry-me"), &[("email", "a@example.com")]).await;
        assert_eq!((status, body["error"]["type"].as_str()), (503, Some("api_error")));
        let (status, headers, _) = post(&fake, "v1/customers", Some("retry-me"), &[("email", "a@example.com")]).await;
        assert_eq!(status, 200);
        assert!(headers.get("idempotent-replayed").is_none());
        fake.fail_next(429);
        let (status, body) = get(&fake, "v1/invoices").await;
        assert_eq!((status, body["error"]["type"].as_str()), (429, Some("rate_limit_error")));
    }

    #[tokio::test]
    async fn stored_subscriptions_and_invoices_are_served_newest_first() {
        let fake = FakeStripe::start().await;
        let period = (1_780_000_000, 1_782_592_000);
        fake.set_subscription(subscription_object("sub_1", "cus_1", PRICE_STARTER, "active", period, true, period.0));
        let (status, sub) = get(&fake, "v1/subscriptions/sub_1").await;
        assert_eq!((status, sub["cancel_at"].as_i64()), (200, Some(period.1)));
        assert_eq!(sub["items"]["data"][0]["current_period_end"], period.1);
        let (status, body) = get(&fake, "v1/subscriptions/sub_2").await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("resource_missing")));

        fake.add_invoice(invoice_object("in_1", "cus_1", Some("sub_1"), 999, "paid", period, period.0));
        fake.add_invoice(invoice_object("in_2", "cus_1", Some("sub_1"), 999, "open", period, period.0 + 60));
        fake.add_invoice(invoice_object("in_3", "cus_2", None, 499, "paid", period, period.0 + 120));
        let (_, list) = get(&fake, "v1/invoices?customer=cus_1&limit=1").await;
        assert_eq!((list["object"].as_str(), list["has_more"].as_bool()), (Some("list"), Some(true)));
        assert_eq!(list["data"][0]["id"], "in_2");
        assert_eq!(list["data"][0]["amount_remaining"], 999);
        assert_eq!(list["data"][0]["hosted_invoice_url"], "https://invoice.stripe.test/i/in_2");
        assert_eq!(fake.requests().last().unwrap().field("limit"), Some("1"));
        let (_, older) = get(&fake, "v1/invoices?customer=cus_1&starting_after=in_2").await;
        assert_eq!((older["data"][0]["id"].as_str(), older["has_more"].as_bool()), (Some("in_1"), Some(false)));
        let (_, newer) = get(&fake, "v1/invoices?customer=cus_1&ending_before=in_1").await;
        assert_eq!(newer["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(newer["data"][0]["id"], "in_2");
    }

    #[tokio::test]
    async fn the_portal_page_links_back() {
        let fake = FakeStripe::start().await;
        let form = [("customer", "cus_1"), ("return_url", "http://app.test/billing")];
        let (status, _, session) = post(&fake, "v1/billing_portal/sessions", None, &form).await;
        assert_eq!(status, 200);
        let html = client().get(session["url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<h1>Stripe customer portal (test)</h1>"));
        assert!(html.contains("<a href=\"http://app.test/billing\">Return to Threadr</a>"));
    }

    #[test]
    fn events_are_signed_as_stripe_signs_them() {
        let session = checkout_session_object(
            "cs_test_1",
            "cus_1",
            "payment",
            PRICE_PASS,
            "user-7",
            None,
            "paid",
            499,
            1_780_000_000,
        );
        assert_eq!(
            (session["status"].as_str(), session["metadata"]["user_id"].as_str()),
            (Some("complete"), Some("user-7"))
        );
        let payload = event("evt_1", "checkout.session.completed", 1_780_000_000, session);
        let parsed: Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(
            (parsed["type"].as_str(), parsed["data"]["object"]["id"].as_str()),
            (Some("checkout.session.completed"), Some("cs_test_1"))
        );
        // Computed independently: printf '%s' '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature_header(r#"{"id":"evt_1"}"#, "whsec_test", 1_700_000_000),
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
        );
    }
}
