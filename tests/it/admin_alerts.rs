//! Alerts: each rule crossed by generated data at a clock the test sets opens exactly one
//! episode and one email per admin, stays quiet while it lasts, resolves with one more email
//! when the data ages out of its window; two instances evaluating at once still open one
//! episode; thresholds come from ALERT_THRESHOLDS.

use crate::helpers::{TestApp, config_with};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use threadr::features::admin::alerts::{
    RULES, Thresholds,
    evaluate::{Change, evaluate},
};
use threadr::features::email::Mailer;
use threadr::server::clock::ManualClock;
use threadr::server::db::MIGRATOR;
use threadr::server::observe::LATENCY_BUCKETS_MS;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 10, 12, 0, 0).unwrap()
}

async fn admin(pool: &PgPool, email: &str) {
    threadr::features::accounts::create_admin(pool, email, "a long admin secret".into()).await.unwrap();
}

async fn member(pool: &PgPool) -> uuid::Uuid {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, referral_code) VALUES ('m@example.com', 'M', 'RM') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn failing_webhooks(pool: &PgPool, n: usize, at: DateTime<Utc>, tag: &str) {
    for i in 0..n {
        sqlx::query(
            "INSERT INTO stripe_events (id, type, created_at, payload, status, error, attempts, last_attempt_at)
             VALUES ($1, 'invoice.paid', $2, '{}', 'failed', 'boom', 1, $2)",
        )
        .bind(format!("evt_{tag}_{i}"))
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Data that crosses every rule in the hour before `now`.
async fn everything_failing(pool: &PgPool, now: DateTime<Utc>) {
    let m = member(pool).await;
    let recent = now - Duration::minutes(2);
    // Payments: 1 failed invoice of 10 → 10% > 5%.
    for i in 0..10 {
        let failed = i == 0;
        sqlx::query(
            "INSERT INTO invoices (stripe_invoice_id, user_id, status, amount_cents, currency, first_failed_at, paid_at)
             VALUES ($1, $2, $3, 999, 'usd', $4, $5)",
        )
        .bind(format!("in_{i}"))
        .bind(m)
        .bind(if failed { "failed" } else { "paid" })
        .bind(failed.then_some(recent))
        .bind((!failed).then_some(recent))
        .execute(pool)
        .await
        .unwrap();
    }
    failing_webhooks(pool, 11, recent, "a").await;
    for _ in 0..6 {
        sqlx::query(
            "INSERT INTO audit_log (at, event, email, detail) VALUES ($1, 'sign_in_failed', 'root@example.com', '{}')",
        )
        .bind(recent)
        .execute(pool)
        .await
        .unwrap();
    }
    // 100 requests, 6 slower than 2 s → p95 above 2 s; and 4 database connection failures.
    let mut buckets = vec![0_i64; LATENCY_BUCKETS_MS.len() + 1];
    buckets[0] = 94;
    buckets[LATENCY_BUCKETS_MS.iter().position(|b| *b == 2000).unwrap() + 1] = 6;
    sqlx::query(
        "INSERT INTO instance_minutes (instance_id, minute, requests, latency_buckets, db_failures) VALUES ('i-1', $1, 100, $2, 4)",
    )
    .bind(now - Duration::minutes(3))
    .bind(&buckets)
    .execute(pool)
    .await
    .unwrap();
    // Email: 9 sent, 1 given up → 90% < 95%.
    for i in 0..10 {
        sqlx::query(
            "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body, status, sent_at, updated_at)
             VALUES ($1, 'x@example.com', 'welcome', '{}', 's', 'h', 't', $2::email_status, $3, $4)",
        )
        .bind(format!("fixture-{i}"))
        .bind(if i == 0 { "dead" } else { "sent" })
        .bind((i != 0).then_some(recent))
        .bind(recent)
        .execute(pool)
        .await
        .unwrap();
    }
    // AI: 2 failed of 10 → 20% > 10%; one request cost $0.60.
    for i in 0..10 {
        sqlx::query(
            "INSERT INTO ai_requests (kind, provider, model, cost_microusd, latency_ms, outcome, created_at)
             VALUES ('thread', 'openai', 'm', $1, 800, $2, $3)",
        )
        .bind(if i == 5 { 600_000_i64 } else { 1_000 })
        .bind(if i < 2 { "failed" } else { "ok" })
        .bind(recent)
        .execute(pool)
        .await
        .unwrap();
    }
}

async fn alert_emails(pool: &PgPool, phase: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT recipient, subject FROM email_outbox WHERE template = 'alert' AND idempotency_key LIKE '%:' || $1 || ':%' ORDER BY subject, recipient",
    )
    .bind(phase)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_rule_opens_one_episode_mails_once_and_resolves_once(pool: PgPool) {
    admin(&pool, "root@example.com").await;
    admin(&pool, "ops@example.com").await;
    let mailer = Mailer::new(&config_with(&[]));
    let t = Thresholds::default();
    let now = noon();
    everything_failing(&pool, now).await;

    let changes = evaluate(&pool, &mailer, &t, now).await.unwrap().unwrap();
    assert_eq!(changes, RULES.iter().map(|r| Change::Started(*r)).collect::<Vec<_>>(), "every rule fires");
    let started = alert_emails(&pool, "started").await;
    assert_eq!(started.len(), 16, "8 alerts × 2 admins: {started:?}");
    assert!(started.iter().any(|(to, s)| to == "ops@example.com"
        && s == "[Threadr Critical] More than 10 Stripe webhook failures in 15 minutes"));
    assert!(started.iter().any(|(_, s)| s == "[Threadr Warning] An AI request cost more than $0.50 in an hour"));
    assert!(started.iter().any(|(_, s)| s == "[Threadr Warning] p95 response time above 2000 ms over 5 minutes"));
    let detail: String = sqlx::query_scalar("SELECT detail FROM alert_episodes WHERE rule = 'payment_failure_rate'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(detail, "1 of 10 payments failed (invoices and marketplace checkouts).");

    // A minute later nothing new: the episodes stay open and nobody is mailed again.
    let later = now + Duration::minutes(1);
    assert_eq!(evaluate(&pool, &mailer, &t, later).await.unwrap().unwrap(), vec![]);
    assert_eq!(alert_emails(&pool, "started").await.len(), 16);
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_episodes WHERE resolved_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(open, 8);

    // Two hours on, every window is empty again: each episode resolves, with one email each.
    let after = now + Duration::hours(2);
    let changes = evaluate(&pool, &mailer, &t, after).await.unwrap().unwrap();
    assert_eq!(changes, RULES.iter().map(|r| Change::Resolved(*r)).collect::<Vec<_>>());
    let resolved = alert_emails(&pool, "resolved").await;
    assert_eq!(resolved.len(), 16);
    assert!(resolved.iter().all(|(_, s)| s.starts_with("[Threadr Notice] Resolved: ")), "{resolved:?}");
    assert_eq!(evaluate(&pool, &mailer, &t, after + Duration::minutes(1)).await.unwrap().unwrap(), vec![]);
    assert_eq!(alert_emails(&pool, "resolved").await.len(), 16);
    let history: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT rule, started_at, resolved_at FROM alert_episodes WHERE rule = 'webhook_failures'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(history, vec![("webhook_failures".to_string(), now, Some(after))]);

    // A new crossing is a new episode.
    failing_webhooks(&pool, 11, after, "b").await;
    let again = evaluate(&pool, &mailer, &t, after + Duration::minutes(2)).await.unwrap().unwrap();
    assert_eq!(again, vec![Change::Started(threadr::features::admin::alerts::Rule::WebhookFailures)]);
    let episodes: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_episodes WHERE rule = 'webhook_failures'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(episodes, 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn rates_over_nothing_and_values_at_the_threshold_do_not_fire(pool: PgPool) {
    admin(&pool, "root@example.com").await;
    let mailer = Mailer::new(&config_with(&[]));
    let now = noon();
    // Exactly 10 webhook failures: "more than 10" is not crossed. No payments, AI requests or
    // emails at all: their rates say nothing.
    failing_webhooks(&pool, 10, now - Duration::minutes(1), "a").await;
    assert_eq!(evaluate(&pool, &mailer, &Thresholds::default(), now).await.unwrap().unwrap(), vec![]);
    // Failures older than the window do not count either.
    failing_webhooks(&pool, 5, now - Duration::minutes(16), "old").await;
    assert_eq!(evaluate(&pool, &mailer, &Thresholds::default(), now).await.unwrap().unwrap(), vec![]);
    // A lower threshold from ALERT_THRESHOLDS fires on the same data.
    let strict = Thresholds::parse("webhook_failures=9").unwrap();
    let changes = evaluate(&pool, &mailer, &strict, now).await.unwrap().unwrap();
    assert_eq!(changes, vec![Change::Started(threadr::features::admin::alerts::Rule::WebhookFailures)]);
    assert_eq!(
        alert_emails(&pool, "started").await,
        vec![(
            "root@example.com".to_string(),
            "[Threadr Critical] More than 9 Stripe webhook failures in 15 minutes".to_string()
        )]
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_instances_evaluating_together_open_one_episode_and_send_one_email(pool: PgPool) {
    admin(&pool, "root@example.com").await;
    let now = noon();
    failing_webhooks(&pool, 11, now - Duration::minutes(1), "a").await;
    let (a, b) = (Mailer::new(&config_with(&[])), Mailer::new(&config_with(&[])));
    let t = Thresholds::default();
    for round in 0..5 {
        let at = now + Duration::seconds(round);
        let (x, y) = tokio::join!(evaluate(&pool, &a, &t, at), evaluate(&pool, &b, &t, at));
        let (x, y) = (x.unwrap(), y.unwrap());
        let started = [&x, &y].iter().filter_map(|c| c.as_ref()).flatten().count();
        assert!(started <= 1, "round {round}: {x:?} {y:?}");
    }
    let episodes: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_episodes").fetch_one(&pool).await.unwrap();
    assert_eq!(episodes, 1);
    assert_eq!(alert_emails(&pool, "started").await.len(), 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admins_see_open_alerts_check_now_and_read_the_history(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(noon()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock.clone()).await;
    let cookie = app.sign_in_admin(&pool, "root@example.com").await;
    let quiet: serde_json::Value = app.call_as("admin/alerts", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(quiet["open"], serde_json::json!([]));
    assert_eq!(quiet["rules"].as_array().unwrap().len(), 8);
    failing_webhooks(&pool, 11, noon() - Duration::minutes(1), "a").await;
    let res = app.call_as("admin/alerts/check", &[], Some(&cookie)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "Checked: 1 alert changed.");
    let now: serde_json::Value = app.call_as("admin/alerts", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(now["open"][0]["title"], "More than 10 Stripe webhook failures in 15 minutes");
    assert_eq!(now["open"][0]["last_value"], 11.0);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'alerts_checked' AND target = 'alerts'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    let page = app.get_as("/admin", &cookie).await.text().await.unwrap();
    assert!(page.contains("More than 10 Stripe webhook failures in 15 minutes"), "the dashboard shows the open alert");
    clock.advance(Duration::minutes(20));
    let res = app.call_as("admin/alerts/check", &[], Some(&cookie)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "Checked: 1 alert changed.");
    let history: serde_json::Value =
        app.call_as("admin/alerts/history", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(history["total"], 1);
    assert!(history["episodes"][0]["resolved_at"].is_string());
    let page = app.get_as("/admin/alerts", &cookie).await.text().await.unwrap();
    assert!(page.contains("Alert history") && page.contains("More than 10 Stripe webhook failures"));
}
