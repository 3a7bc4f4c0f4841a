//! What the billing tests share: the app configured for the fake Stripe, signed webhook
//! deliveries, and a member with a Stripe customer.

use crate::fake_stripe::{self, FakeStripe};
use crate::helpers::{TestApp, config_with};
use reqwest::Response;
use sqlx::PgPool;
use threadr::server::config::Config;
use uuid::Uuid;

pub const WEBHOOK_SECRET: &str = "whsec_test_current";
pub const OLD_WEBHOOK_SECRET: &str = "whsec_test_previous";

/// Stripe on (the fake at `base`), both webhook secrets, every plan priced.
pub fn stripe_config(base: &str, extra: &[(&str, &str)]) -> Config {
    let secrets = format!("{OLD_WEBHOOK_SECRET},{WEBHOOK_SECRET}");
    let mut vars = vec![
        ("STRIPE_SECRET_KEY", fake_stripe::SECRET_KEY),
        ("STRIPE_API_BASE", base),
        ("STRIPE_WEBHOOK_SECRET", secrets.as_str()),
        ("STRIPE_PRICE_PASS", fake_stripe::PRICE_PASS),
        ("STRIPE_PRICE_STARTER", fake_stripe::PRICE_STARTER),
        ("STRIPE_PRICE_PRO", fake_stripe::PRICE_PRO),
        ("STRIPE_PRICE_BUSINESS", fake_stripe::PRICE_BUSINESS),
    ];
    vars.extend_from_slice(extra);
    config_with(&vars)
}

pub async fn spawn(pool: &PgPool, fake: &FakeStripe) -> TestApp {
    TestApp::spawn_with(pool.clone(), stripe_config(&fake.base_url, &[])).await
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Delivers `payload` as Stripe would, signed with `secret` at `t`.
pub async fn deliver_signed(app: &TestApp, payload: &str, header: Option<String>) -> Response {
    let mut req = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(payload.to_string());
    if let Some(h) = header {
        req = req.header("stripe-signature", h);
    }
    req.send().await.expect("webhook delivery")
}

pub async fn deliver(app: &TestApp, payload: &str) -> Response {
    deliver_signed(app, payload, Some(fake_stripe::signature_header(payload, WEBHOOK_SECRET, now()))).await
}

pub async fn user_id(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.expect("user")
}

/// A confirmed member whose Stripe customer is `customer` (as if a checkout had made it).
pub async fn member_with_customer(app: &TestApp, pool: &PgPool, email: &str, customer: &str) -> Uuid {
    crate::accounts::signed_up_and_confirmed(app, pool, email).await;
    let id = user_id(pool, email).await;
    sqlx::query("INSERT INTO billing_customers (user_id, stripe_customer_id) VALUES ($1, $2)")
        .bind(id)
        .bind(customer)
        .execute(pool)
        .await
        .expect("customer row");
    id
}

pub async fn plan_of(pool: &PgPool, user: Uuid, at: chrono::DateTime<chrono::Utc>) -> threadr::features::quotas::Plan {
    threadr::features::quotas::entitlement(pool, user, at).await.expect("entitlement")
}

pub async fn emails(pool: &PgPool, template: &str, to: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE template = $1 AND recipient = $2")
        .bind(template)
        .bind(to)
        .fetch_one(pool)
        .await
        .expect("count")
}

pub async fn event_status(pool: &PgPool, id: &str) -> Option<(String, i32, Option<String>)> {
    sqlx::query_as("SELECT status, attempts, error FROM stripe_events WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .expect("event row")
}

/// A checkout session object for a Threadr plan purchase (our checkouts carry the plan in
/// their metadata, as `billing::stripe` sends it).
pub fn plan_checkout(
    id: &str,
    customer: &str,
    plan: &str,
    user: Uuid,
    subscription: Option<&str>,
    created: i64,
) -> serde_json::Value {
    let (mode, price, cents) = match plan {
        "pass" => ("payment", fake_stripe::PRICE_PASS, 499),
        "starter" => ("subscription", fake_stripe::PRICE_STARTER, 999),
        "pro" => ("subscription", fake_stripe::PRICE_PRO, 1999),
        _ => ("subscription", fake_stripe::PRICE_BUSINESS, 4999),
    };
    let mut o = fake_stripe::checkout_session_object(
        id,
        customer,
        mode,
        price,
        &user.to_string(),
        subscription,
        "paid",
        cents,
        created,
    );
    o["metadata"]["plan"] = serde_json::json!(plan);
    o
}
