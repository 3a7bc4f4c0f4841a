//! Pricing, Checkout, the success page's poll, the billing page and the portal, against the
//! fake Stripe server: what each request sends (idempotency keys from our ids) and what each
//! bad input gets.

use crate::accounts::{PASSWORD, message, sign_in_cookie, sign_up, signed_up_and_confirmed};
use crate::billing_support::*;
use crate::fake_stripe::{self, FakeStripe, PRICE_PRO, event, invoice_object, subscription_object};
use crate::helpers::{TestApp, count};
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

async fn signed_in(app: &TestApp, pool: &PgPool, email: &str) -> String {
    signed_up_and_confirmed(app, pool, email).await;
    sign_in_cookie(app, email, PASSWORD).await.expect("signed in")
}

async fn checkout(app: &TestApp, cookie: &str, plan: &str) -> reqwest::Response {
    app.call_as("billing/checkout", &[("plan", plan)], Some(cookie)).await
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_stripe_the_plans_still_show_and_nothing_can_be_bought(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let pricing: serde_json::Value = app.call("billing/pricing", &[]).await.json().await.unwrap();
    assert_eq!(pricing["payments_ready"], false);
    let plans = pricing["plans"].as_array().unwrap();
    let names: Vec<&str> = plans.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Free", "30-day pass", "Starter", "Pro", "Business"]);
    let cents: Vec<i64> = plans.iter().map(|p| p["amount_cents"].as_i64().unwrap()).collect();
    assert_eq!(cents, [0, 499, 999, 1999, 4999]);
    assert!(plans.iter().all(|p| p["purchasable"] == false));
    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    let res = checkout(&app, &cookie, "pro").await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Payments are not set up"));
    let html = app.get("/pricing").await.text().await.unwrap();
    assert!(html.contains("Payments are not set up on this Threadr yet") && html.contains("$19.99 a month"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_plans_limits_in_the_database_are_the_ones_enforced(pool: PgPool) {
    use threadr::features::quotas::Plan;
    type Limits = (String, i32, Option<i32>, Option<i32>, Option<i32>);
    let rows: Vec<Limits> = sqlx::query_as(
        "SELECT code, ai_requests_per_hour, generations_per_day, generations_per_month, pass_days FROM plans",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 5);
    for (code, per_hour, day, month, pass_days) in rows {
        let plan = if code == "free" { Plan::Free } else { Plan::parse(&code).unwrap() };
        assert_eq!(per_hour as u32, plan.ai_requests_per_hour(), "{code}");
        assert_eq!(day.zip(month).map(|(d, m)| (d as u32, m as u32)), plan.generations(), "{code}");
        if plan == Plan::Pass {
            assert_eq!(i64::from(pass_days.unwrap()), threadr::features::billing::webhook::PASS_DAYS);
        }
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn checkout_makes_the_customer_once_and_keys_every_post_by_our_ids(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    let user = user_id(&pool, "ada@example.com").await;

    let first = checkout(&app, &cookie, "pro").await;
    assert_eq!(first.status(), 200);
    let url: String = first.json().await.unwrap();
    assert!(url.starts_with(&fake.base_url.trim_end_matches('/').to_string()) && url.contains("/pay/cs_"), "{url}");
    // A second press while that checkout is open goes to the same one.
    let again: String = checkout(&app, &cookie, "pro").await.json().await.unwrap();
    assert_eq!(again, url);
    // Another plan is another checkout, for the same customer.
    let pass: String = checkout(&app, &cookie, "pass").await.json().await.unwrap();
    assert_ne!(pass, url);

    let customers = fake.posts_to("/v1/customers");
    assert_eq!(customers.len(), 1, "one customer");
    assert_eq!(customers[0].idempotency_key.as_deref(), Some(format!("threadr-customer-{user}").as_str()));
    assert_eq!(customers[0].field("email"), Some("ada@example.com"));
    let sessions = fake.posts_to("/v1/checkout/sessions");
    assert_eq!(sessions.len(), 2);
    for s in &sessions {
        let key = s.idempotency_key.as_deref().unwrap();
        assert!(key.starts_with("threadr-checkout-"), "{key}");
        assert_eq!(s.field("customer"), customers_id(&fake).as_deref());
        assert_eq!(s.field("client_reference_id"), Some(user.to_string().as_str()));
        assert!(s.field("success_url").unwrap().ends_with("/billing/success?session_id={CHECKOUT_SESSION_ID}"));
    }
    assert_eq!(sessions[0].field("mode"), Some("subscription"));
    assert_eq!(sessions[0].field("line_items[0][price]"), Some(PRICE_PRO));
    assert_eq!(sessions[1].field("mode"), Some("payment"));
    assert!(fake.requests().iter().filter(|r| r.method == "POST").all(|r| r.idempotency_key.is_some()));
}

fn customers_id(fake: &FakeStripe) -> Option<String> {
    fake.customers().first().and_then(|c| c["id"].as_str().map(str::to_string))
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_checkout_requests_get_clear_answers_and_nothing_is_made(pool: PgPool) {
    let fake = FakeStripe::start().await;
    // A price id Stripe does not know.
    let app = TestApp::spawn_with(
        pool.clone(),
        stripe_config(&fake.base_url, &[("STRIPE_PRICE_BUSINESS", "price_unknown_here")]),
    )
    .await;
    assert_eq!(sign_up(&app, "new@example.com").await.status(), 200);
    let unconfirmed = sign_in_cookie(&app, "new@example.com", PASSWORD).await.unwrap();
    let res = checkout(&app, &unconfirmed, "pro").await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Confirm your email address"));
    assert!(fake.requests().is_empty(), "nothing reached Stripe");

    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    for plan in ["free", "platinum", ""] {
        let res = checkout(&app, &cookie, plan).await;
        assert_eq!(res.status(), 400, "{plan}");
    }
    let res = checkout(&app, &cookie, "business").await;
    assert_eq!(res.status(), 503);
    assert!(message(res).await.contains("nothing was charged"));
    assert_eq!(count(&pool, "SELECT count(*) FROM checkout_attempts WHERE status = 'failed'").await, 1);
    // Signed out: sign in first.
    assert_eq!(app.call("billing/checkout", &[("plan", "pro")]).await.status(), 401);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_success_page_waits_for_the_webhook_then_the_plan_and_billing_show(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    let user = user_id(&pool, "ada@example.com").await;
    let url: String = checkout(&app, &cookie, "pro").await.json().await.unwrap();
    let session_id = url.rsplit('/').next().unwrap().to_string();
    let progress = |id: String| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let v: serde_json::Value = app
                .call_as("billing/checkout-progress", &[("session_id", &id)], Some(&cookie))
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    assert_eq!(progress(session_id.clone()).await, serde_json::json!("Waiting"));

    let customer = customers_id(&fake).unwrap();
    let t = now();
    let sub = subscription_object("sub_1", &customer, PRICE_PRO, "active", (t, t + 30 * 86_400), false, t);
    let completed = fake_stripe::checkout_session_object(
        &session_id,
        &customer,
        "subscription",
        PRICE_PRO,
        &user.to_string(),
        Some("sub_1"),
        "paid",
        1999,
        t,
    );
    assert_eq!(deliver(&app, &event("evt_c", "checkout.session.completed", t, completed)).await.status(), 200);
    assert_eq!(deliver(&app, &event("evt_s", "customer.subscription.created", t, sub.clone())).await.status(), 200);
    let granted = progress(session_id.clone()).await;
    assert_eq!(granted["Granted"]["plan"], "pro", "{granted}");
    // Someone else's session is not found.
    assert_eq!(
        app.call_as("billing/checkout-progress", &[("session_id", "cs_other")], Some(&cookie)).await.status(),
        404
    );

    fake.set_subscription(sub);
    fake.add_invoice(invoice_object("in_1", &customer, Some("sub_1"), 1999, "paid", (t, t + 30 * 86_400), t));
    let billing: serde_json::Value = app.call_as("billing/overview", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(billing["plan"], "pro");
    assert_eq!(billing["subscription"]["next_invoice_cents"], 1999);
    assert!(billing["status"].as_str().unwrap().starts_with("Active. Renews on"));
    assert_eq!(billing["invoices"][0]["hosted_url"], "https://invoice.stripe.test/i/in_1");
    assert_eq!(billing["has_portal"], true);

    let portal: String = app.call_as("billing/portal", &[], Some(&cookie)).await.json().await.unwrap();
    assert!(portal.contains("/portal/"), "{portal}");
    let portal_posts = fake.posts_to("/v1/billing_portal/sessions");
    assert!(portal_posts[0].idempotency_key.as_deref().unwrap().starts_with(&format!("threadr-portal-{user}-")));
    assert!(portal_posts[0].field("return_url").unwrap().ends_with("/account/billing"));
    // Subscribed: another subscription is refused, the portal changes plans.
    let res = checkout(&app, &cookie, "business").await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("You already have the Pro plan"));

    // The emailed portal link: a fresh portal session, or sign-in first.
    let res = app.get_as("/account/billing/portal", &cookie).await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().unwrap().contains("/portal/"));
    let res = app.get("/account/billing/portal").await;
    assert_eq!(res.headers()["location"].to_str().unwrap(), "/sign-in?next=/account/billing/portal");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_visitor_who_signs_up_from_pricing_is_sent_back_there(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let form = [("email", "v@example.com"), ("password", PASSWORD), ("display_name", "V"), ("next", "/pricing")];
    assert_eq!(app.call("accounts/sign-up", &form).await.status(), 200);
    let link: String = sqlx::query_scalar("SELECT text_body FROM email_outbox WHERE template = 'verify_email'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(link.contains("&next=%2Fpricing"), "{link}");
    // Somewhere else is never a place to return to.
    let form = [("email", "w@example.com"), ("password", PASSWORD), ("display_name", "W"), ("next", "//evil.example")];
    assert_eq!(app.call("accounts/sign-up", &form).await.status(), 200);
    let other: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE template = 'verify_email' AND recipient = 'w@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!other.contains("next="), "{other}");
}
