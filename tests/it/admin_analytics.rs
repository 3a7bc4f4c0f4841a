//! Analytics against a fixed data set whose figures were worked out by hand: live from the
//! tables, then from the rollups (the same numbers), a late row caught by the next rollup,
//! the CSV, and what bad ranges get.

use crate::helpers::TestApp;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sqlx::PgPool;
use std::sync::Arc;
use threadr::server::clock::{Clock, ManualClock};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn user(pool: &PgPool, n: &str, created: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, referral_code, created_at) VALUES ($1, $1, $2, $3) RETURNING id",
    )
    .bind(format!("{n}@example.com"))
    .bind(format!("REF{n}"))
    .bind(at(created))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn entitlement(pool: &PgPool, user: Uuid, source: &str, plan: &str, starts: &str) {
    let session = (source == "pass").then(|| format!("cs_{}", Uuid::new_v4()));
    sqlx::query(
        "INSERT INTO entitlements (user_id, plan, source, starts_at, stripe_checkout_session_id, purchased_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE $4 END)",
    )
    .bind(user)
    .bind(plan)
    .bind(source)
    .bind(at(starts))
    .bind(session)
    .execute(pool)
    .await
    .unwrap();
}

async fn subscription(pool: &PgPool, user: Uuid, plan: &str, status: &str, created: &str, ended: Option<&str>) {
    sqlx::query(
        "INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan, status, ended_at, state_as_of, created_at)
         VALUES ($1, $2, 'cus_x', $3, $4, $5, 1, $6)",
    )
    .bind(format!("sub_{}", Uuid::new_v4()))
    .bind(user)
    .bind(plan)
    .bind(status)
    .bind(ended.map(at))
    .bind(at(created))
    .execute(pool)
    .await
    .unwrap();
}

async fn order(pool: &PgPool, seller: Uuid, buyer: Uuid, currency: &str, cents: i64, fee: i64, paid: Option<&str>) {
    let purchase = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO purchases (id, buyer_id, status, currency, total_cents, fee_bps, shipping, hold_expires_at, created_at, paid_at)
         VALUES ($1, $2, CASE WHEN $5::timestamptz IS NULL THEN 'open' ELSE 'paid' END::purchase_status, $3, $4, 500, '{}', now(), now(), $5)",
    )
    .bind(purchase)
    .bind(buyer)
    .bind(currency)
    .bind(cents)
    .bind(paid.map(at))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO orders (id, purchase_id, seller_id, buyer_id, status, currency, subtotal_cents, fee_cents, created_at, paid_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $7::timestamptz IS NULL THEN 'pending' ELSE 'paid' END::order_status, $5, $6, $8, now(), $7)",
    )
    .bind(Uuid::new_v4())
    .bind(purchase)
    .bind(seller)
    .bind(buyer)
    .bind(currency)
    .bind(cents)
    .bind(paid.map(at))
    .bind(fee)
    .execute(pool)
    .await
    .unwrap();
}

async fn ai(pool: &PgPool, provider: &str, kind: &str, outcome: &str, cost: i64, when: &str) {
    sqlx::query(
        "INSERT INTO ai_requests (kind, provider, model, input_tokens, output_tokens, cost_microusd, latency_ms, outcome, created_at)
         VALUES ($1, $2, 'm', 100, 50, $3, 900, $4, $5)",
    )
    .bind(kind)
    .bind(provider)
    .bind(cost)
    .bind(outcome)
    .bind(at(when))
    .execute(pool)
    .await
    .unwrap();
}

async fn email(pool: &PgPool, status: &str, when: &str) {
    sqlx::query(
        "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body, status, sent_at, updated_at)
         VALUES ($1, 'x@example.com', 'welcome', '{}', 's', 'h', 't', $2::email_status, CASE WHEN $2 = 'sent' THEN $3::timestamptz END, $3)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(status)
    .bind(at(when))
    .execute(pool)
    .await
    .unwrap();
}

/// The data set (the range asked for is 8–10 June 2026; "now" is 10 June, 12:00 UTC).
async fn fixture(pool: &PgPool) {
    let old = user(pool, "u0", "2026-05-01T09:00:00Z").await;
    let u1 = user(pool, "u1", "2026-06-08T10:00:00Z").await;
    let u2 = user(pool, "u2", "2026-06-08T10:05:00Z").await;
    let u3 = user(pool, "u3", "2026-06-08T23:59:59Z").await;
    let u4 = user(pool, "u4", "2026-06-08T00:00:00Z").await;
    let u5 = user(pool, "u5", "2026-06-09T08:00:00Z").await;
    user(pool, "u6", "2026-06-09T20:00:00Z").await;
    // Sign-ups: 4 on the 8th, 2 on the 9th, none on the 10th.

    // First payments: u1 on the 8th (subscription), u2 on the 9th (pass). u0 paid first in
    // May, so their pass on the 9th is no conversion; u5's grant is no payment.
    entitlement(pool, old, "subscription", "pro", "2026-05-01T09:30:00Z").await;
    entitlement(pool, u1, "subscription", "starter", "2026-06-08T11:00:00Z").await;
    entitlement(pool, u2, "pass", "pass", "2026-06-09T09:00:00Z").await;
    entitlement(pool, old, "pass", "pass", "2026-06-09T10:00:00Z").await;
    entitlement(pool, u5, "grant", "pro", "2026-06-09T10:00:00Z").await;

    // Subscriptions: u0 Pro since May; u1 Starter from the 8th; u3 Pro from May 20th, ended on
    // the 9th; u4's incomplete one never counts.
    subscription(pool, old, "pro", "active", "2026-05-01T09:30:00Z", None).await;
    subscription(pool, u1, "starter", "active", "2026-06-08T11:00:00Z", None).await;
    subscription(pool, u3, "pro", "canceled", "2026-05-20T00:00:00Z", Some("2026-06-09T15:00:00Z")).await;
    subscription(pool, u4, "starter", "incomplete", "2026-06-08T12:00:00Z", None).await;

    sqlx::query("INSERT INTO sellers (user_id, handle) VALUES ($1, 'shop-zero')")
        .bind(old)
        .execute(pool)
        .await
        .unwrap();
    order(pool, old, u1, "usd", 2500, 125, Some("2026-06-08T13:00:00Z")).await;
    order(pool, old, u2, "usd", 1001, 51, Some("2026-06-09T10:00:00Z")).await;
    order(pool, old, u2, "eur", 4000, 200, Some("2026-06-09T10:00:00Z")).await;
    order(pool, old, u1, "usd", 9999, 500, Some("2026-06-07T23:59:59Z")).await;
    order(pool, old, u1, "usd", 7777, 389, None).await;

    ai(pool, "openai", "thread", "ok", 1000, "2026-06-08T09:00:00Z").await;
    ai(pool, "openai", "thread", "failed", 0, "2026-06-08T09:01:00Z").await;
    ai(pool, "anthropic", "assistant", "ok", 2500, "2026-06-08T10:00:00Z").await;
    ai(pool, "openai", "description", "ok", 500, "2026-06-10T11:00:00Z").await;
    ai(pool, "openai", "thread", "ok", 99_999, "2026-06-07T12:00:00Z").await;

    for _ in 0..3 {
        email(pool, "sent", "2026-06-08T08:00:00Z").await;
    }
    email(pool, "dead", "2026-06-09T08:00:00Z").await;
    email(pool, "sent", "2026-06-11T00:00:00Z").await; // the day after the range
}

fn headline(a: &Value, label: &str) -> String {
    a["headlines"].as_array().unwrap().iter().find(|h| h["label"] == label).unwrap_or_else(|| panic!("{label}: {a}"))
        ["value"]
        .as_str()
        .unwrap()
        .to_string()
}

fn series(a: &Value, chart: &str, name: &str) -> Vec<Value> {
    let c = a["charts"].as_array().unwrap().iter().find(|c| c["id"] == chart).unwrap_or_else(|| panic!("{chart}"));
    c["series"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{chart}/{name}: {c}"))
        ["values"]
        .as_array()
        .unwrap()
        .clone()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn figures_match_the_hand_computed_ones_live_and_from_rollups(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 6, 10, 12, 0, 0).unwrap()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    fixture(&pool).await;
    let range = [("from", "2026-06-08"), ("to", "2026-06-10"), ("days", "")];
    let live: Value = app.call_as("admin/analytics", &range, Some(&admin)).await.json().await.unwrap();

    // Pro 19.99 + Starter 9.99 active at the end; 2 active when the range began (u0, u3), 1 ended.
    assert_eq!(headline(&live, "MRR"), "$29.98");
    assert_eq!(headline(&live, "Active subscriptions"), "2");
    assert_eq!(headline(&live, "Churn"), "50.00%");
    assert_eq!(
        series(&live, "subscriptions", "pro"),
        [2, 1, 1].map(Value::from),
        "u3's Pro ended on the 9th; u0's stays"
    );
    assert_eq!(series(&live, "subscriptions", "starter"), [1, 1, 1].map(Value::from));
    assert_eq!(series(&live, "mrr", "pro"), [3998, 1999, 1999].map(Value::from));
    assert_eq!(series(&live, "churn", "Ended"), [0, 1, 0].map(Value::from));
    assert_eq!(series(&live, "churn", "Started"), [1, 0, 0].map(Value::from), "the incomplete one never started");
    // 6 sign-ups, 2 first payments.
    assert_eq!(headline(&live, "Sign-ups"), "6");
    assert_eq!(headline(&live, "Conversion to paid"), "33.33%");
    assert_eq!(series(&live, "members", "Sign-ups"), [4, 2, 0].map(Value::from));
    assert_eq!(series(&live, "members", "New paying members"), [1, 1, 0].map(Value::from));
    // Orders paid in the range: 2 in USD (25.00 + 10.01), 1 in EUR.
    assert_eq!(headline(&live, "Orders"), "3");
    assert_eq!(headline(&live, "GMV (USD)"), "$35.01");
    assert_eq!(headline(&live, "Platform fees (USD)"), "$1.76");
    assert_eq!(headline(&live, "GMV (EUR)"), "€40.00");
    assert_eq!(series(&live, "gmv-usd", "GMV"), [2500, 1001, 0].map(Value::from));
    assert_eq!(series(&live, "orders", "Orders"), [1, 2, 0].map(Value::from));
    // AI: 4 requests, 1 failed, $0.0040.
    assert_eq!(headline(&live, "AI requests"), "4");
    assert_eq!(headline(&live, "AI failure rate"), "25.00%");
    assert_eq!(headline(&live, "AI cost"), "$0.0040");
    assert_eq!(series(&live, "ai-failures", "openai"), [Value::from(5000), Value::Null, Value::from(0)]);
    assert_eq!(series(&live, "ai-kinds", "thread"), [2, 0, 0].map(Value::from));
    let breakdown = live["ai_breakdown"].as_array().unwrap();
    assert_eq!(breakdown.len(), 3, "anthropic/assistant, openai/description, openai/thread");
    assert_eq!(breakdown[2]["tokens"], 300);
    // Email: 3 sent, 1 given up.
    assert_eq!(headline(&live, "Email delivery rate"), "75.00%");
    assert_eq!(series(&live, "email", "Delivered"), [Value::from(10000), Value::from(0), Value::Null]);

    // The rollup covers every finished day since the first member; reading it gives the same.
    let rolled = threadr::features::admin::analytics::job::roll_due(&pool, clock.now()).await.unwrap();
    assert_eq!(rolled, 40, "1 May to 9 June");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM rollup_members WHERE day BETWEEN '2026-06-08' AND '2026-06-09'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, 2);
    let from_rollups: Value = app.call_as("admin/analytics", &range, Some(&admin)).await.json().await.unwrap();
    assert_eq!(from_rollups, live);

    // One chart as CSV.
    let res = app.get_as("/admin/analytics.csv?chart=gmv-usd&from=2026-06-08&to=2026-06-10", &admin).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"].to_str().unwrap().contains("threadr-gmv-usd-2026-06-08-2026-06-10.csv")
    );
    assert_eq!(
        res.text().await.unwrap(),
        "day,GMV (USD),Platform fees (USD)\n2026-06-08,25.00,1.25\n2026-06-09,10.01,0.51\n2026-06-10,0.00,0.00\n"
    );

    // A row that arrives late for a rolled day shows after the next rollup, which recomputes
    // every day until two days after it ended.
    user(&pool, "late", "2026-06-09T12:00:00Z").await;
    let stale: Value = app.call_as("admin/analytics", &range, Some(&admin)).await.json().await.unwrap();
    assert_eq!(headline(&stale, "Sign-ups"), "6", "read from the rollup");
    use threadr::features::admin::analytics::job::roll_due;
    clock.advance(chrono::Duration::minutes(5));
    assert_eq!(roll_due(&pool, clock.now()).await.unwrap(), 2, "the 8th and 9th: May was rolled after it settled");
    let fresh: Value = app.call_as("admin/analytics", &range, Some(&admin)).await.json().await.unwrap();
    assert_eq!(headline(&fresh, "Sign-ups"), "7");
    clock.advance(chrono::Duration::days(3));
    assert_eq!(roll_due(&pool, clock.now()).await.unwrap(), 5, "the 8th to the 12th (the 8th settles now)");
    assert_eq!(roll_due(&pool, clock.now()).await.unwrap(), 2, "the 11th and 12th stay unsettled");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_ranges_and_charts_are_refused_with_a_reason(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 6, 10, 12, 0, 0).unwrap()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    for (form, says) in [
        (
            [("from", "2026-06-09"), ("to", "2026-06-08"), ("days", "")],
            "The start date must be on or before the end date.",
        ),
        ([("from", ""), ("to", "2026-06-11"), ("days", "")], "The end date cannot be after today (UTC)."),
        ([("from", "09/06/2026"), ("to", ""), ("days", "")], "The start date must look like 2026-11-29."),
        ([("from", "2025-01-01"), ("to", ""), ("days", "")], "Choose at most 366 days."),
        ([("from", ""), ("to", ""), ("days", "1000")], "Choose between 1 and 366 days."),
    ] {
        let res = app.call_as("admin/analytics", &form, Some(&admin)).await;
        assert_eq!(res.status(), 400, "{form:?}");
        assert_eq!(crate::accounts::message(res).await, says);
    }
    let empty: Value = app
        .call_as("admin/analytics", &[("from", ""), ("to", ""), ("days", "7")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["range"]["from"], "2026-06-04");
    assert_eq!(headline(&empty, "Churn"), "—", "no subscriptions: no rate");
    assert_eq!(series(&empty, "members", "Sign-ups").len(), 7);
    let res = app.get_as("/admin/analytics.csv?chart=nope", &admin).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.text().await.unwrap(), "There is no chart called “nope”.");
    let res = app.get_as("/admin/analytics.csv?chart=mrr&to=2030-01-01", &admin).await;
    assert_eq!(res.status(), 400);
}
