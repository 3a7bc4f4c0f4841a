//! `POST /webhooks/stripe`: signatures, duplicates, concurrency, unknown customers and types,
//! and what each handled event grants, emails and earns.

use crate::billing_support::*;
use crate::fake_stripe::{
    self, FakeStripe, PRICE_PRO, PRICE_STARTER, event, invoice_object, signature_header, subscription_object,
};
use crate::helpers::{TestApp, count};
use chrono::{Duration, Utc};
use sqlx::PgPool;
use threadr::features::quotas::Plan;
use threadr::server::db::MIGRATOR;

fn paid_invoice(id: &str, customer: &str, sub: &str, cents: i64) -> serde_json::Value {
    let t = now();
    invoice_object(id, customer, Some(sub), cents, "paid", (t, t + 30 * 86_400), t)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_correctly_signed_deliveries_are_processed(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let t = now();
    let payload = |id: &str| event(id, "ping.unknown", t, serde_json::json!({"id": "x"}));

    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("evt_valid", Some(signature_header(&payload("evt_valid"), WEBHOOK_SECRET, t)), 200),
        ("evt_wrong_secret", Some(signature_header(&payload("evt_wrong_secret"), "whsec_someone_else", t)), 400),
        ("evt_expired", Some(signature_header(&payload("evt_expired"), WEBHOOK_SECRET, t - 301)), 400),
        ("evt_missing", None, 400),
        ("evt_rotated", Some(signature_header(&payload("evt_rotated"), OLD_WEBHOOK_SECRET, t)), 200),
    ];
    for (id, header, status) in cases {
        let res = deliver_signed(&app, &payload(id), header).await;
        assert_eq!(res.status(), status, "{id}");
    }
    // Tampered: signed for one body, another delivered.
    let signed = signature_header(&payload("evt_tampered"), WEBHOOK_SECRET, t);
    let res = deliver_signed(
        &app,
        &payload("evt_tampered").replace("ping.unknown", "invoice.payment_succeeded"),
        Some(signed),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("no v1 signature matches"));
    // Several v1 values, one of them valid.
    let good = signature_header(&payload("evt_several"), WEBHOOK_SECRET, t);
    let good_v1 = good.split("v1=").nth(1).unwrap();
    let several = format!("t={t},v1={},v1={good_v1}", "ab".repeat(32));
    assert_eq!(deliver_signed(&app, &payload("evt_several"), Some(several)).await.status(), 200);

    let stored: Vec<String> =
        sqlx::query_scalar("SELECT id FROM stripe_events ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(stored, ["evt_rotated", "evt_several", "evt_valid"], "only verified events are stored");
    let (status, attempts, _) = event_status(&pool, "evt_valid").await.unwrap();
    assert_eq!((status.as_str(), attempts), ("ignored", 1), "unknown types are stored and acknowledged");
    let stored: serde_json::Value =
        sqlx::query_scalar("SELECT payload FROM stripe_events WHERE id = 'evt_valid'").fetch_one(&pool).await.unwrap();
    assert_eq!(
        stored,
        serde_json::from_str::<serde_json::Value>(&payload("evt_valid")).unwrap(),
        "kept whole, as sent"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_malformed_body_with_a_valid_signature_is_refused_and_not_stored(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    for body in
        ["not json at all", r#"{"object":"customer","id":"cus_1"}"#, r#"{"object":"event","id":"evt_x","type":"a"}"#]
    {
        let res = deliver(&app, body).await;
        assert_eq!(res.status(), 400, "{body}");
        assert!(res.text().await.unwrap().starts_with("Webhook refused:"));
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM stripe_events").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_same_event_twenty_times_in_parallel_is_processed_once_with_one_email(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let payload =
        event("evt_paid_1", "invoice.payment_succeeded", now(), paid_invoice("in_1", "cus_ada", "sub_1", 1999));
    let deliveries = (0..20).map(|_| deliver(&app, &payload));
    let statuses: Vec<u16> = futures::future::join_all(deliveries).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(emails(&pool, "receipt", "ada@example.com").await, 1);
    let (status, attempts, _) = event_status(&pool, "evt_paid_1").await.unwrap();
    assert_eq!((status.as_str(), attempts), ("processed", 1));
    assert_eq!(count(&pool, "SELECT count(*) FROM invoices WHERE status = 'paid'").await, 1);
    let _ = user;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn events_for_an_unknown_customer_grant_nothing_and_say_why(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let t = now();
    let sub = subscription_object("sub_x", "cus_stranger", PRICE_PRO, "active", (t, t + 86_400 * 30), false, t);
    let res = deliver(&app, &event("evt_stranger", "customer.subscription.created", t, sub)).await;
    assert_eq!(res.status(), 200);
    let (status, _, _) = event_status(&pool, "evt_stranger").await.unwrap();
    assert_eq!(status, "ignored");
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM stripe_events WHERE id = 'evt_stranger'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(outcome.contains("cus_stranger is not a Threadr member"), "{outcome}");
    assert_eq!(count(&pool, "SELECT count(*) FROM subscriptions").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_unknown_price_fails_the_event_for_a_retry_and_grants_nothing(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let t = now();
    let sub = subscription_object("sub_1", "cus_ada", "price_not_ours", "active", (t, t + 86_400 * 30), false, t);
    let payload = event("evt_odd_price", "customer.subscription.created", t, sub);
    assert_eq!(deliver(&app, &payload).await.status(), 500, "Stripe retries");
    let (status, attempts, error) = event_status(&pool, "evt_odd_price").await.unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap().contains("price_not_ours is not one of the STRIPE_PRICE_*"));
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Free);
    // Stripe's retry is processed again (and fails again), counted.
    assert_eq!(deliver(&app, &payload).await.status(), 500);
    assert_eq!(event_status(&pool, "evt_odd_price").await.unwrap().1, 2);

    // The operator adds the price and replays what failed (`threadr replay-webhook --failed-since 1d`).
    let fixed = stripe_config(&fake.base_url, &[("STRIPE_PRICE_BUSINESS", "price_not_ours")]);
    let (lines, all_ok) =
        threadr::features::billing::admin_cli::replay(&pool, &fixed, &[], Some(chrono::DateTime::UNIX_EPOCH))
            .await
            .unwrap();
    assert!(all_ok, "{lines:?}");
    assert_eq!(lines, ["evt_odd_price: processed: subscription sub_1 stored: business active"]);
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Business);
    let (lines, _) = threadr::features::billing::admin_cli::replay(&pool, &fixed, &["evt_odd_price".to_string()], None)
        .await
        .unwrap();
    assert_eq!(lines, ["evt_odd_price: already processed; nothing done"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_subscription_grants_its_plan_and_a_failed_payment_keeps_it_for_three_days(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let clock = std::sync::Arc::new(threadr::server::clock::ManualClock::new(Utc::now()));
    let app =
        TestApp::spawn_with_config_and_clock(pool.clone(), stripe_config(&fake.base_url, &[]), clock.clone()).await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let t = now();
    let period = (t, t + 30 * 86_400);
    let active = subscription_object("sub_1", "cus_ada", PRICE_STARTER, "active", period, false, t);
    assert_eq!(deliver(&app, &event("evt_1", "customer.subscription.created", t, active)).await.status(), 200);
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Starter);

    let failed = invoice_object("in_2", "cus_ada", Some("sub_1"), 999, "open", period, t + 1);
    assert_eq!(deliver(&app, &event("evt_2", "invoice.payment_failed", t + 1, failed)).await.status(), 200);
    let past_due = subscription_object("sub_1", "cus_ada", PRICE_STARTER, "past_due", period, false, t);
    assert_eq!(deliver(&app, &event("evt_3", "customer.subscription.updated", t + 2, past_due)).await.status(), 200);
    let failed_at = chrono::DateTime::from_timestamp(t + 1, 0).unwrap();
    assert_eq!(plan_of(&pool, user, failed_at + Duration::days(3) - Duration::minutes(1)).await, Plan::Starter);
    assert_eq!(plan_of(&pool, user, failed_at + Duration::days(3) + Duration::minutes(1)).await, Plan::Free);
    assert_eq!(emails(&pool, "payment_failed", "ada@example.com").await, 1);
    let body: String = sqlx::query_scalar("SELECT text_body FROM email_outbox WHERE template = 'payment_failed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(body.contains("/account/billing/portal"), "{body}");
    assert!(body.contains(&(failed_at + Duration::days(3)).format("%-d %B %Y").to_string()), "{body}");

    // Paid after all: the late "failed" about the same invoice changes nothing.
    let paid = invoice_object("in_2", "cus_ada", Some("sub_1"), 999, "paid", period, t + 1);
    assert_eq!(deliver(&app, &event("evt_4", "invoice.payment_succeeded", t + 5, paid)).await.status(), 200);
    let again = invoice_object("in_2", "cus_ada", Some("sub_1"), 999, "open", period, t + 1);
    assert_eq!(deliver(&app, &event("evt_5", "invoice.payment_failed", t + 3, again)).await.status(), 200);
    assert_eq!(event_status(&pool, "evt_5").await.unwrap().0, "ignored");
    assert_eq!(emails(&pool, "payment_failed", "ada@example.com").await, 1);
    assert_eq!(emails(&pool, "receipt", "ada@example.com").await, 1);
    clock.advance(Duration::hours(1));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_cancellation_at_period_end_keeps_the_plan_until_then_and_tells_the_member(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let t = now();
    let period = (t - 86_400, t + 10 * 86_400);
    let sub = |status: &str, cancel: bool| {
        subscription_object("sub_1", "cus_ada", PRICE_PRO, status, period, cancel, t - 86_400)
    };
    deliver(&app, &event("evt_1", "customer.subscription.created", t - 100, sub("active", false))).await;
    deliver(&app, &event("evt_2", "customer.subscription.updated", t - 50, sub("active", true))).await;
    let end = chrono::DateTime::from_timestamp(period.1, 0).unwrap();
    assert_eq!(plan_of(&pool, user, end - Duration::minutes(1)).await, Plan::Pro);
    assert_eq!(plan_of(&pool, user, end + Duration::minutes(1)).await, Plan::Free, "no renewal after the end");
    assert_eq!(emails(&pool, "subscription_cancelled", "ada@example.com").await, 1);
    deliver(&app, &event("evt_3", "customer.subscription.deleted", t - 10, sub("canceled", true))).await;
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Free);
    assert_eq!(emails(&pool, "subscription_cancelled", "ada@example.com").await, 2, "and once when it ended");
    // A late "updated" from before the deletion cannot bring it back.
    deliver(&app, &event("evt_4", "customer.subscription.updated", t - 5, sub("active", false))).await;
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Free);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_second_pass_extends_from_the_later_of_now_and_the_current_end(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let t = now();
    let pass = |id: &str| plan_checkout(id, "cus_ada", "pass", user, None, t);
    // The second purchase's webhook arrives first.
    deliver(&app, &event("evt_b", "checkout.session.completed", t + 100, pass("cs_b"))).await;
    deliver(&app, &event("evt_a", "checkout.session.completed", t, pass("cs_a"))).await;
    deliver(&app, &event("evt_a2", "checkout.session.completed", t, pass("cs_a"))).await;
    let ends: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(ends_at) FROM entitlements WHERE source = 'pass'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        ends,
        chrono::DateTime::from_timestamp(t + 60 * 86_400, 0),
        "two passes bought within the first: 60 days"
    );
    assert_eq!(plan_of(&pool, user, Utc::now() + Duration::days(59)).await, Plan::Pass);
    assert_eq!(plan_of(&pool, user, Utc::now() + Duration::days(61)).await, Plan::Free);
    assert_eq!(emails(&pool, "receipt", "ada@example.com").await, 2);

    // Two more passes, each delivered four times, all at once: still one 30 days each.
    let more = ["cs_c", "cs_d"].iter().flat_map(|cs| {
        let payload = event(&format!("evt_{cs}"), "checkout.session.completed", t + 200, pass(cs));
        std::iter::repeat_n(payload, 4)
    });
    let deliveries: Vec<String> = more.collect();
    for r in futures::future::join_all(deliveries.iter().map(|p| deliver(&app, p))).await {
        assert_eq!(r.status(), 200);
    }
    let ends: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(ends_at) FROM entitlements WHERE source = 'pass'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(ends, chrono::DateTime::from_timestamp(t + 120 * 86_400, 0));
    assert_eq!(count(&pool, "SELECT count(*) FROM entitlements WHERE source = 'pass'").await, 4);
    assert_eq!(emails(&pool, "receipt", "ada@example.com").await, 4);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_referred_members_first_payment_earns_the_referrer_once(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    crate::accounts::signed_up_and_confirmed(&app, &pool, "ref@example.com").await;
    let referrer = user_id(&pool, "ref@example.com").await;
    let user = member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    sqlx::query("UPDATE users SET referred_by = $1 WHERE id = $2")
        .bind(referrer)
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();

    deliver(&app, &event("evt_1", "invoice.payment_succeeded", now(), paid_invoice("in_1", "cus_ada", "sub_1", 1999)))
        .await;
    deliver(&app, &event("evt_2", "invoice.payment_succeeded", now(), paid_invoice("in_2", "cus_ada", "sub_1", 1999)))
        .await;
    let earned: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT amount_cents, commission_cents, payment_ref FROM referral_earnings")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(earned, [(1999, 399, "in_1".to_string())], "20% of the first payment, rounded down");
    assert_eq!(emails(&pool, "referral_earned", "ref@example.com").await, 1);

    let cookie = crate::accounts::sign_in_cookie(&app, "ref@example.com", crate::accounts::PASSWORD).await.unwrap();
    let page: serde_json::Value = app.call_as("billing/referrals", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(page["paid_count"], 1);
    assert_eq!(page["commission_total_cents"], 399);
    assert_eq!(page["referrals"][0]["commission_cents"], 399);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_instances_receiving_interleaved_events_agree_on_the_final_state(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let a = spawn(&pool, &fake).await;
    let b = spawn(&pool, &fake).await;
    let user = member_with_customer(&a, &pool, "ada@example.com", "cus_ada").await;
    let t = now();
    let period = (t, t + 30 * 86_400);
    let snap = |status: &str, price: &str| subscription_object("sub_1", "cus_ada", price, status, period, false, t);
    let events = [
        event("evt_1", "customer.subscription.created", t - 40, snap("incomplete", PRICE_STARTER)),
        event("evt_2", "customer.subscription.updated", t - 30, snap("active", PRICE_STARTER)),
        event("evt_3", "customer.subscription.updated", t - 20, snap("active", PRICE_PRO)),
        event("evt_4", "customer.subscription.updated", t - 10, snap("past_due", PRICE_PRO)),
        event("evt_5", "customer.subscription.updated", t, snap("active", PRICE_PRO)),
    ];
    // Newest first, alternating instances, all at once.
    let deliveries =
        events.iter().rev().enumerate().map(|(i, e)| if i % 2 == 0 { deliver(&a, e) } else { deliver(&b, e) });
    for r in futures::future::join_all(deliveries).await {
        assert_eq!(r.status(), 200);
    }
    let row: (String, String) =
        sqlx::query_as("SELECT plan, status FROM subscriptions").fetch_one(&pool).await.unwrap();
    assert_eq!(row, ("pro".to_string(), "active".to_string()));
    assert_eq!(plan_of(&pool, user, Utc::now()).await, Plan::Pro);
    let _ = fake_stripe::PRICE_BUSINESS;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_account_with_a_renewing_subscription_cannot_be_deleted_until_it_is_cancelled(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    member_with_customer(&app, &pool, "ada@example.com", "cus_ada").await;
    let cookie = crate::accounts::sign_in_cookie(&app, "ada@example.com", crate::accounts::PASSWORD).await.unwrap();
    let t = now();
    let sub =
        |cancel: bool| subscription_object("sub_1", "cus_ada", PRICE_PRO, "active", (t, t + 30 * 86_400), cancel, t);
    deliver(&app, &event("evt_1", "customer.subscription.created", t - 10, sub(false))).await;
    let form = [("confirm_email", "ada@example.com"), ("current_password", crate::accounts::PASSWORD)];
    let res = app.call_as("accounts/delete-account", &form, Some(&cookie)).await;
    assert_eq!(res.status(), 400);
    assert!(crate::accounts::message(res).await.contains("Your Pro subscription still renews"));
    assert_eq!(count(&pool, "SELECT count(*) FROM users WHERE email = 'ada@example.com'").await, 1, "nothing changed");

    // Cancelled at period end: nothing will be charged again, so the account can go.
    deliver(&app, &event("evt_2", "customer.subscription.updated", t - 5, sub(true))).await;
    assert_eq!(app.call_as("accounts/delete-account", &form, Some(&cookie)).await.status(), 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM users WHERE email = 'ada@example.com'").await, 0);
}
