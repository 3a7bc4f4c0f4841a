//! The operators' queues in the admin area: Stripe events replayed through the webhook's own
//! code, emails sent again, and the email provider switched at run time.

use crate::accounts::message;
use crate::email_outbox::enqueue_welcomes;
use crate::fake_mail_api::FakeMailApi;
use crate::helpers::TestApp;
use crate::smtp_sink::SmtpSink;
use sqlx::PgPool;
use std::sync::Arc;
use threadr::features::email::{
    providers::{EmailProvider, HttpApi, Smtp},
    worker::{Worker, WorkerConfig},
};
use threadr::server::db::MIGRATOR;

async fn failed_event(pool: &PgPool, id: &str, kind: &str) {
    let payload = serde_json::json!({
        "id": id, "object": "event", "type": kind, "created": 1_764_000_000, "livemode": false,
        "data": { "object": { "id": "cus_123", "object": "customer" } }
    });
    sqlx::query(
        "INSERT INTO stripe_events (id, type, created_at, payload, status, error, attempts, last_attempt_at)
         VALUES ($1, $2, now() - interval '1 hour', $3, 'failed', 'the database was away', 1, now())",
    )
    .bind(id)
    .bind(kind)
    .bind(payload)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn failed_webhooks_are_listed_viewed_and_replayed_through_the_webhook(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    failed_event(&pool, "evt_a", "customer.created").await;
    failed_event(&pool, "evt_b", "customer.updated").await;
    sqlx::query(
        "INSERT INTO stripe_events (id, type, created_at, payload, status, outcome) VALUES ('evt_ok', 'customer.created', now(), '{}', 'processed', 'done')",
    )
    .execute(&pool)
    .await
    .unwrap();

    let log: serde_json::Value =
        app.call_as("admin/webhooks", &[("status", "failed")], Some(&admin)).await.json().await.unwrap();
    assert_eq!(log["total"], 2);
    assert_eq!(log["failed"], 2);
    assert_eq!(log["kinds"], serde_json::json!(["customer.created", "customer.updated"]));
    let by_type: serde_json::Value =
        app.call_as("admin/webhooks", &[("kind", "customer.created")], Some(&admin)).await.json().await.unwrap();
    assert_eq!(by_type["total"], 2, "the failed and the processed one");
    let detail: serde_json::Value =
        app.call_as("admin/webhook", &[("id", "evt_a")], Some(&admin)).await.json().await.unwrap();
    assert!(detail["payload"].as_str().unwrap().contains("\"cus_123\""));
    assert_eq!(detail["event"]["error"], "the database was away");
    assert_eq!(app.call_as("admin/webhook", &[("id", "evt_nope")], Some(&admin)).await.status(), 404);

    let res = app.call_as("admin/webhooks/replay", &[("ids[0]", "evt_a")], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["failed_again"], 0);
    assert!(report["lines"][0].as_str().unwrap().starts_with("evt_a: "), "{report}");
    let status: String =
        sqlx::query_scalar("SELECT status FROM stripe_events WHERE id = 'evt_a'").fetch_one(&pool).await.unwrap();
    assert_ne!(status, "failed", "processed (or ignored) through the webhook's code path");
    let res = app.call_as("admin/webhooks/replay", &[("all_failed", "true")], Some(&admin)).await;
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["lines"].as_array().unwrap().len(), 1, "only evt_b was still failed: {report}");
    let res = app.call_as("admin/webhooks/replay", &[("all_failed", "true")], Some(&admin)).await;
    assert_eq!(message(res).await, "Select the events to replay, or replay every failed one.");
    let again = app.call_as("admin/webhooks/replay", &[("ids[0]", "evt_ok")], Some(&admin)).await;
    let report: serde_json::Value = again.json().await.unwrap();
    assert_eq!(report["lines"][0], "evt_ok: already processed; nothing done", "a processed event is never run twice");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event = 'webhook_replayed' AND target LIKE 'stripe_event:%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn emails_are_sent_again_by_selection_or_all_dead_and_refused_otherwise(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    enqueue_welcomes(&pool, 4, "queue").await;
    sqlx::query("UPDATE email_outbox SET status = 'dead', attempts = 8, last_error = 'mailbox full' WHERE recipient LIKE '%0@%' OR recipient LIKE '%1@%'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE email_outbox SET status = 'sent' WHERE status = 'pending' AND recipient NOT LIKE '%0@%' AND recipient NOT LIKE '%1@%' AND recipient NOT LIKE '%2@%'")
        .execute(&pool)
        .await
        .unwrap();
    let queue: serde_json::Value =
        app.call_as("admin/emails", &[("status", "dead")], Some(&admin)).await.json().await.unwrap();
    assert_eq!(queue["total"], 2);
    assert_eq!(queue["stats"]["dead"], 2);
    assert_eq!(queue["providers"], serde_json::json!(["dev-mailbox"]));
    let first = queue["items"][0]["id"].as_str().unwrap().to_string();
    let res = app.call_as("admin/emails/retry", &[("ids[0]", &first)], Some(&admin)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "1 message queued to send again now.");
    let sent: String = sqlx::query_scalar("SELECT id::text FROM email_outbox WHERE status = 'sent' LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let res = app.call_as("admin/emails/retry", &[("ids[0]", &sent)], Some(&admin)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "Nothing to send again: only failed or dead messages are retried.");
    let res = app.call_as("admin/emails/retry", &[("all_dead", "true")], Some(&admin)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "1 message queued to send again now.");
    let dead: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE status = 'dead'").fetch_one(&pool).await.unwrap();
    assert_eq!(dead, 0);
    let res = app.call_as("admin/emails/retry", &[], Some(&admin)).await;
    assert_eq!(message(res).await, "Select the messages to send again.");
    let res = app.call_as("admin/emails", &[("status", "lost")], Some(&admin)).await;
    assert_eq!(res.status(), 400);
    let res = app.call_as("admin/emails/provider", &[("provider", "carrier-pigeon")], Some(&admin)).await;
    assert_eq!(message(res).await, "Choose one of the configured providers: dev-mailbox.");
}

/// The provider an admin prefers is tried first by a running worker, without a restart.
#[sqlx::test(migrator = "MIGRATOR")]
async fn switching_the_preferred_provider_changes_who_sends_next(pool: PgPool) {
    let api = FakeMailApi::start().await;
    let sink = SmtpSink::start().await;
    let providers: Vec<Arc<dyn EmailProvider>> = vec![
        Arc::new(HttpApi::new(&api.base_url.parse().unwrap(), "re_test_key").unwrap()),
        Arc::new(Smtp::from_url(&sink.url(), 2, "threadr.example").unwrap()),
    ];
    let worker = Arc::new(Worker::new(
        pool.clone(),
        providers,
        "Threadr <no-reply@threadr.example>".into(),
        WorkerConfig::default(),
    ));
    enqueue_welcomes(&pool, 2, "first").await;
    worker.drain().await;
    let used: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT provider FROM email_outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(used, [Some("http-api".to_string())], "the configured order first");

    let mut conn = pool.acquire().await.unwrap();
    threadr::features::email::preference::write(&mut conn, Some("smtp"), None).await.unwrap();
    drop(conn);
    tokio::time::sleep(threadr::features::email::preference::FRESH_FOR).await;
    sqlx::query("DELETE FROM email_outbox").execute(&pool).await.unwrap();
    enqueue_welcomes(&pool, 2, "second").await;
    worker.drain().await;
    let used: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT provider FROM email_outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(used, [Some("smtp".to_string())], "the same running worker now sends through SMTP first");
}
