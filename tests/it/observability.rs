//! Operations' view of the app: `/metrics` (Prometheus text behind OPS_TOKEN), the detailed
//! health check (admins or OPS_TOKEN; 503 when a required service is down), the request
//! minutes alerts read (`instance_minutes`), and errors reported to Sentry without secrets.

use crate::accounts::{PASSWORD, sign_in_cookie, signed_up_and_confirmed};
use crate::fake_sentry::FakeSentry;
use crate::helpers::{TestApp, config_with};
use crate::redis_server::RedisServer;
use prometheus_parse::{Sample, Scrape, Value};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::server::{
    config::SentryConfig,
    db::MIGRATOR,
    observe::{LATENCY_BUCKETS_MS, Minutes, Observe, reports},
};

const TOKEN: &str = "ops-token-for-the-tests-0123";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn scrape(app: &TestApp) -> Vec<Sample> {
    let res = app.client.get(app.url("/metrics")).header("authorization", bearer(TOKEN)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let body = res.text().await.unwrap();
    Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text format").samples
}

fn gauge(samples: &[Sample], metric: &str, label: (&str, &str)) -> f64 {
    let sample = samples
        .iter()
        .find(|s| s.metric == metric && s.labels.get(label.0) == Some(label.1))
        .unwrap_or_else(|| panic!("{metric}{{{}={}}} is exported", label.0, label.1));
    match sample.value {
        Value::Gauge(v) | Value::Untyped(v) => v,
        ref other => panic!("{metric} is a gauge: {other:?}"),
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn metrics_need_the_ops_token_and_show_routes_latency_queues_and_the_pool(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), config_with(&[("OPS_TOKEN", TOKEN)])).await;
    assert_eq!(app.get("/metrics").await.status(), 401, "no token");
    let wrong = app.client.get(app.url("/metrics")).header("authorization", bearer("not-the-token-at-all")).send();
    assert_eq!(wrong.await.unwrap().status(), 401, "a wrong token");

    // Rows in the queues: two emails waiting (the oldest for ten minutes), one dead, a failed
    // Stripe event, three search changes.
    for (key, status, age) in [("a", "pending", 600), ("b", "failed", 60), ("c", "dead", 30)] {
        sqlx::query(
            "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body,
                                       text_body, status, created_at)
             VALUES ($1, 'x@example.com', 'welcome', '{}', 's', 'h', 't', $2::email_status, now() - make_interval(secs => $3))",
        )
        .bind(format!("metrics-test-{key}"))
        .bind(status)
        .bind(f64::from(age))
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO stripe_events (id, type, created_at, payload, status, error, attempts, last_attempt_at)
         VALUES ('evt_metrics', 'invoice.paid', now(), '{}', 'failed', 'boom', 1, now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO search_outbox (product_id) SELECT gen_random_uuid() FROM generate_series(1, 3)")
        .execute(&pool)
        .await
        .unwrap();

    // A request before the scrape, on a route of its own, and one no route matches.
    assert_eq!(app.get("/health").await.status(), 200);
    let _ = app.get("/no/such/page/metrics-test").await;

    let samples = scrape(&app).await;
    let health = samples
        .iter()
        .find(|s| {
            s.metric == "threadr_http_requests_total"
                && s.labels.get("route") == Some("/health")
                && s.labels.get("status") == Some("200")
        })
        .expect("the /health request is counted under its route");
    assert!(matches!(health.value, Value::Counter(n) if n >= 1.0), "{:?}", health.value);
    assert!(
        samples.iter().all(|s| s.labels.get("route").is_none_or(|r| !r.contains("metrics-test"))),
        "raw paths never become labels"
    );
    assert!(
        samples.iter().any(|s| s.metric == "threadr_http_requests_total" && s.labels.get("route") == Some("unmatched")),
        "the unmatched request is counted as such"
    );
    let histogram = samples
        .iter()
        .find(|s| s.metric == "threadr_http_request_duration_seconds" && s.labels.get("route") == Some("/health"))
        .expect("a latency histogram for /health");
    let Value::Histogram(buckets) = &histogram.value else { panic!("a histogram: {:?}", histogram.value) };
    assert!(buckets.iter().any(|b| (b.less_than - 2.0).abs() < 1e-9), "a 2 s bucket: {buckets:?}");
    assert!(buckets.iter().any(|b| b.count >= 1.0));

    assert_eq!(gauge(&samples, "threadr_queue_depth", ("queue", "email_waiting")), 2.0);
    assert!(gauge(&samples, "threadr_queue_oldest_age_seconds", ("queue", "email_waiting")) >= 600.0);
    assert_eq!(gauge(&samples, "threadr_queue_depth", ("queue", "email_dead")), 1.0);
    assert_eq!(gauge(&samples, "threadr_queue_depth", ("queue", "stripe_failed")), 1.0);
    assert_eq!(gauge(&samples, "threadr_queue_depth", ("queue", "search_outbox")), 3.0);
    assert_eq!(gauge(&samples, "threadr_queue_depth", ("queue", "letters_stuck")), 0.0);
    assert!(gauge(&samples, "threadr_db_pool_connections", ("state", "size")) >= 1.0);
    assert!(gauge(&samples, "threadr_db_pool_connections", ("state", "max")) >= 1.0);
    gauge(&samples, "threadr_db_pool_connections", ("state", "idle"));
    gauge(&samples, "threadr_db_pool_connections", ("state", "in_use"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_an_ops_token_metrics_do_not_exist(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let res = app.client.get(app.url("/metrics")).header("authorization", bearer(TOKEN)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

async fn detailed(app: &TestApp, token: Option<&str>, cookie: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = app.client.get(app.url("/api/health/detailed"));
    if let Some(token) = token {
        req = req.header("authorization", bearer(token));
    }
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

fn assert_shape(report: &serde_json::Value) {
    for service in ["database", "stripe", "email", "ai", "redis", "search"] {
        let check = &report[service];
        assert!(
            matches!(check["status"].as_str(), Some("healthy" | "degraded" | "down")),
            "{service}: {check} in {report}"
        );
        assert!(check["latency_ms"].is_u64(), "{service}: {check}");
        assert!(check.get("reason").is_some_and(|r| r.is_null() || r.is_string()), "{service}: {check}");
    }
    for key in ["size", "idle", "max"] {
        assert!(report["pool"][key].is_u64(), "pool.{key}: {report}");
    }
    assert!(report["memory"]["rss_bytes"].as_u64().is_some_and(|b| b > 0), "{report}");
    assert!(report["uptime_secs"].is_u64());
    assert_eq!(report["version"], threadr::VERSION);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn detailed_health_is_for_admins_and_the_ops_token(pool: PgPool) {
    let config = config_with(&[("OPS_TOKEN", TOKEN), ("REQUESTS_PER_MINUTE", "10000")]);
    let app = TestApp::spawn_with(pool.clone(), config).await;
    let admin = app.sign_in_admin(&pool, "root@health.test").await;
    signed_up_and_confirmed(&app, &pool, "member@health.test").await;
    let member = sign_in_cookie(&app, "member@health.test", PASSWORD).await.expect("member signed in");

    assert_eq!(detailed(&app, None, None).await.0, 401, "a visitor");
    assert_eq!(detailed(&app, Some("a-wrong-token-of-some-length"), None).await.0, 401, "a wrong token");
    assert_eq!(detailed(&app, None, Some(&member)).await.0, 403, "a member");
    let (status, report) = detailed(&app, None, Some(&admin)).await;
    assert_eq!(status, 200, "an admin: {report}");
    assert_shape(&report);
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 200, "the ops token: {report}");
    assert_shape(&report);
    assert_eq!(report["database"]["status"], "healthy", "{report}");
    assert_eq!(report["redis"]["status"], "healthy", "not configured is not a failure: {report}");
    assert!(report["redis"]["reason"].as_str().unwrap().contains("not configured"));
    assert_eq!(report["stripe"]["reason"], "not configured: payments are off");
    assert_ne!(report["status"], "down");

    // Failures in our own tables show without calling anyone: AI failing, a dead email.
    for outcome in ["failed", "failed", "failed", "failed", "ok"] {
        sqlx::query(
            "INSERT INTO ai_requests (kind, provider, model, input_tokens, output_tokens, tokens_estimated,
                                      cost_microusd, latency_ms, outcome, slow, flagged)
             VALUES ('thread', 'openai', 'gpt-4o-mini', 1, 1, false, 0, 10, $1, false, false)",
        )
        .bind(outcome)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body, status)
         VALUES ('health-dead', 'x@example.com', 'welcome', '{}', 's', 'h', 't', 'dead')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 200, "AI and email are not required: {report}");
    assert_eq!(report["ai"]["status"], "down", "{report}");
    assert!(report["ai"]["reason"].as_str().unwrap().contains("4 of 5"), "{report}");
    assert_eq!(report["email"]["status"], "degraded", "{report}");
    assert_eq!(report["status"], "degraded");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn detailed_health_answers_503_while_the_database_is_away(pool: PgPool) {
    drop(pool);
    // A pool whose server refuses every connection.
    let away = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let app = TestApp::spawn_with(away, config_with(&[("OPS_TOKEN", TOKEN)])).await;
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 503, "{report}");
    assert_shape(&report);
    assert_eq!(report["database"]["status"], "down");
    assert_eq!(report["status"], "down");
    assert!(report["database"]["latency_ms"].as_u64().unwrap() <= 2500, "bounded by the check timeout: {report}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn detailed_health_follows_redis_down_and_back(pool: PgPool) {
    let mut redis = RedisServer::start().await;
    let config = config_with(&[("OPS_TOKEN", TOKEN), ("REDIS_URL", &redis.url())]);
    let app = TestApp::spawn_with(pool, config).await;
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["redis"]["status"], "healthy", "{report}");

    redis.stop();
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 503, "Redis is required once configured: {report}");
    assert_eq!(report["redis"]["status"], "down", "{report}");
    assert!(report["redis"]["reason"].is_string());
    assert_eq!(report["status"], "down");

    redis.restart().await;
    let (status, report) = detailed(&app, Some(TOKEN), None).await;
    assert_eq!(status, 200, "back: {report}");
    assert_eq!(report["redis"]["status"], "healthy", "{report}");
}

/// Sums `instance_minutes` of `instance`: requests, bucket counts, db failures.
async fn written(pool: &PgPool, instance: &str) -> (i64, Vec<i64>, i64) {
    let rows: Vec<(i64, Vec<i64>, i32)> = sqlx::query_as(
        "SELECT requests, latency_buckets, db_failures FROM instance_minutes WHERE instance_id = $1 ORDER BY minute",
    )
    .bind(instance)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut buckets = vec![0; LATENCY_BUCKETS_MS.len() + 1];
    for (_, row, _) in &rows {
        assert_eq!(row.len(), LATENCY_BUCKETS_MS.len() + 1, "one slot per bound and one above");
        for (sum, n) in buckets.iter_mut().zip(row) {
            *sum += n;
        }
    }
    (rows.iter().map(|r| r.0).sum(), buckets, rows.iter().map(|r| i64::from(r.2)).sum())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn request_minutes_are_flushed_additively_and_kept_while_the_database_is_away(pool: PgPool) {
    let minutes = Minutes::new("instance-under-test");
    let observe = Observe::new().with_minutes(minutes.clone());
    let app = TestApp::spawn_changed(pool.clone(), config_with(&[]), |s| s.with_observe(observe)).await;
    for _ in 0..3 {
        assert_eq!(app.get("/health").await.status(), 200);
    }
    assert!(minutes.flush(&pool).await.unwrap() >= 1);
    let (requests, buckets, failures) = written(&pool, "instance-under-test").await;
    assert_eq!(requests, 3);
    assert_eq!(buckets.iter().sum::<i64>(), 3, "each request in one bucket: {buckets:?}");
    assert_eq!(failures, 0);
    assert_eq!(minutes.flush(&pool).await.unwrap(), 0, "nothing new: nothing written");

    // The database away: the counts wait in memory (with the failure), then are added.
    assert_eq!(app.get("/health").await.status(), 200);
    let away = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    assert!(minutes.flush(&away).await.is_err());
    let pending = minutes.pending();
    assert_eq!(pending.iter().map(|(_, c)| c.requests).sum::<u64>(), 1);
    assert!(pending.iter().map(|(_, c)| c.db_failures).sum::<u32>() >= 1, "the failed flush counts: {pending:?}");
    assert!(minutes.flush(&pool).await.unwrap() >= 1);
    let (requests, buckets, failures) = written(&pool, "instance-under-test").await;
    assert_eq!(requests, 4, "added to the rows already written");
    assert_eq!(buckets.iter().sum::<i64>(), 4);
    assert!(failures >= 1);

    // Old rows are pruned; recent ones stay.
    sqlx::query(
        "INSERT INTO instance_minutes (instance_id, minute, requests, latency_buckets)
         VALUES ('old-instance', date_trunc('minute', now() - interval '3 days'), 5, '{5,0,0,0,0,0,0,0,0,0,0,0}')",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(Minutes::prune(&pool, chrono::Utc::now()).await.unwrap(), 1);
    assert_eq!(written(&pool, "instance-under-test").await.0, 4);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_database_failure_in_a_request_is_counted_in_its_minute(pool: PgPool) {
    let away = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let minutes = Minutes::new("instance-without-database");
    let observe = Observe::new().with_minutes(minutes.clone());
    let app = TestApp::spawn_changed(away, config_with(&[]), |s| s.with_observe(observe)).await;
    let res = app.call("accounts/sign-in", &[("email", "who@example.com"), ("password", "whatever it is")]).await;
    assert_eq!(res.status(), 503, "{}", res.text().await.unwrap());
    let pending = minutes.pending();
    assert!(pending.iter().map(|(_, c)| c.db_failures).sum::<u32>() >= 1, "{pending:?}");
    assert!(pending.iter().map(|(_, c)| c.requests).sum::<u64>() >= 1);
    minutes.flush(&pool).await.unwrap();
    assert!(written(&pool, "instance-without-database").await.2 >= 1);
}

/// The app reports to a Sentry hub of its own (the process's main hub stays unbound), and the
/// tracing layer is installed for this test's thread only: other tests report nothing.
#[sqlx::test(migrator = "MIGRATOR")]
async fn errors_reach_sentry_with_request_id_release_and_user_and_without_secrets(pool: PgPool) {
    use tracing_subscriber::prelude::*;
    let sentry = FakeSentry::start().await;
    let client = reports::client(&SentryConfig { dsn: sentry.dsn(), environment: "test".into() });
    let hub = Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(Default::default())));
    let _layer = tracing::subscriber::set_default(tracing_subscriber::registry().with(reports::tracing_layer()));
    let observe = Observe::new().with_sentry_hub(hub.clone());
    let config = config_with(&[("REQUESTS_PER_MINUTE", "10000")]);
    let app = TestApp::spawn_changed(pool.clone(), config, |s| s.with_observe(observe)).await;
    signed_up_and_confirmed(&app, &pool, "reported@sentry.test").await;
    let session = sign_in_cookie(&app, "reported@sentry.test", PASSWORD).await.expect("signed in");
    let session_value = session.split_once('=').unwrap().1.to_string();
    let user: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'reported@sentry.test'").fetch_one(&pool).await.unwrap();

    // The member's saved descriptions cannot be read: an internal error, logged with error!.
    sqlx::query("ALTER TABLE descriptions RENAME TO descriptions_away").execute(&pool).await.unwrap();
    let res = app
        .client
        .post(app.url("/api/tools/description?api_key=QUERYSECRET0042&page=1"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", format!("{session}; theme=dark"))
        .header("authorization", "Bearer sk_live_HEADERSECRET0042")
        .header("x-api-key", "APIKEYSECRET0042")
        .header("x-request-id", "req-sentry-0042")
        .body("id=00000000-0000-0000-0000-000000000000&password=FORMSECRET0042")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    client.flush(Some(Duration::from_secs(5)));
    let event = sentry.wait_for(|e| e["tags"]["request_id"] == "req-sentry-0042").await;
    assert_eq!(event["release"], threadr::VERSION, "{event}");
    assert_eq!(event["environment"], "test");
    assert_eq!(event["user"]["id"], user.to_string(), "{event}");
    assert_eq!(event["request"]["method"], "POST", "{event}");
    assert_eq!(event["request"]["headers"]["cookie"], reports::FILTERED, "{event}");
    assert_eq!(event["request"]["headers"]["authorization"], reports::FILTERED, "{event}");

    // A message naming secrets is cleaned too.
    hub.capture_message(
        "payment retry failed: password=hunter2SECRET0042 key sk-proj-MESSAGESECRET0042 auth Bearer tok_MESSAGE0042",
        sentry::Level::Error,
    );
    client.flush(Some(Duration::from_secs(5)));
    let message = sentry
        .wait_for(|e| {
            let text = serde_json::to_string(e).unwrap();
            text.contains("payment retry failed")
        })
        .await;
    assert!(serde_json::to_string(&message).unwrap().contains(reports::FILTERED), "{message}");

    let everything = sentry.everything_received();
    for secret in [
        session_value.as_str(),
        "QUERYSECRET0042",
        "HEADERSECRET0042",
        "APIKEYSECRET0042",
        "FORMSECRET0042",
        "hunter2SECRET0042",
        "MESSAGESECRET0042",
        "tok_MESSAGE0042",
        PASSWORD,
    ] {
        assert!(!everything.contains(secret), "{secret} reached Sentry: {everything}");
    }
    assert!(everything.contains("page=1"), "the harmless part of the query stays");
}
