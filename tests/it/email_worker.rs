//! Delivery: real SMTP, a local HTTP API, fallback, backoff, dead letters, crashes and
//! several workers on one database.

use crate::email_outbox::enqueue_welcomes;
use crate::fake_mail_api::FakeMailApi;
use crate::helpers::config_with;
use crate::smtp_sink::SmtpSink;
use sqlx::PgPool;
use std::{
    collections::HashMap,
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};
// Async processes: the sink and fake API run on this test's runtime and must keep serving
// while a child process talks to them.
use threadr::features::email::{
    providers::{DevMailbox, EmailProvider, HttpApi, Smtp},
    worker::{Worker, WorkerConfig},
    worker_from_config,
};
use threadr::server::db::MIGRATOR;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

const FROM: &str = "Threadr <no-reply@threadr.example>";

fn fast() -> WorkerConfig {
    WorkerConfig {
        concurrency: 2,
        retry_base: Duration::from_millis(200),
        poll_interval: Duration::from_millis(200),
        ..WorkerConfig::default()
    }
}

fn worker(pool: &PgPool, providers: Vec<Arc<dyn EmailProvider>>, config: WorkerConfig) -> Arc<Worker> {
    Arc::new(Worker::new(pool.clone(), providers, FROM.into(), config))
}

fn http(api: &FakeMailApi) -> Arc<dyn EmailProvider> {
    Arc::new(HttpApi::new(&api.base_url.parse().unwrap(), "re_test_key").unwrap())
}

fn smtp(sink: &SmtpSink) -> Arc<dyn EmailProvider> {
    Arc::new(Smtp::from_url(&sink.url(), 2, "threadr.example").unwrap())
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    status: String,
    attempts: i32,
    provider: Option<String>,
    last_error: Option<String>,
    wait_ms: f64,
}

async fn row(pool: &PgPool, key: &str) -> Row {
    sqlx::query_as(
        "SELECT status::text AS status, attempts, provider, last_error,
                extract(epoch FROM next_attempt_at - updated_at)::float8 * 1000 AS wait_ms
           FROM email_outbox WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn statuses(pool: &PgPool) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT status::text, count(*) FROM email_outbox GROUP BY status")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Waits until `due` messages are due again (their backoff passed).
async fn wait_until_due(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let due: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM email_outbox WHERE status IN ('pending', 'failed') AND next_attempt_at > now()",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if due == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "backoff did not pass");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn smtp_delivers_recipient_subject_and_both_bodies(pool: PgPool) {
    let sink = SmtpSink::start().await;
    enqueue_welcomes(&pool, 3, "smtp").await;
    let report = worker(&pool, vec![smtp(&sink)], fast()).drain().await;
    assert_eq!((report.claimed, report.sent), (3, 3));

    let messages = sink.messages().await;
    assert_eq!(messages.len(), 3);
    let mut recipients = Vec::new();
    for raw in &messages {
        let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("parsable message");
        assert_eq!(parsed.subject(), Some("Welcome to Threadr"));
        let to = parsed.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_string();
        let text = parsed.body_text(0).unwrap();
        let html = parsed.body_html(0).unwrap();
        assert!(text.contains("Your email is verified"), "{text}");
        assert!(html.contains("<h1") && html.contains("Your email is verified"), "{html}");
        assert!(parsed.message_id().unwrap().ends_with("@threadr.example"));
        recipients.push(to);
    }
    recipients.sort();
    assert_eq!(recipients, ["user0@example.com", "user1@example.com", "user2@example.com"]);
    assert_eq!(statuses(&pool).await.get("sent"), Some(&3));
    assert_eq!(row(&pool, "smtp-0").await.provider.as_deref(), Some("smtp"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn http_api_failures_back_off_then_the_message_is_sent(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.fail_next(3);
    enqueue_welcomes(&pool, 1, "http").await;
    let w = worker(&pool, vec![http(&api)], fast());

    let mut waits = Vec::new();
    for attempt in 1..=3 {
        let report = w.drain().await;
        assert_eq!((report.claimed, report.failed), (1, 1), "attempt {attempt}");
        let r = row(&pool, "http-0").await;
        assert_eq!((r.status.as_str(), r.attempts), ("failed", attempt));
        assert!(r.last_error.unwrap().contains("HTTP 500"));
        waits.push(r.wait_ms);
        // Not due yet: an immediate pass leaves it alone.
        assert_eq!(w.drain().await.claimed, 0);
        wait_until_due(&pool).await;
    }
    // Exponential with equal jitter: 100–200 ms, 200–400 ms, 400–800 ms.
    assert!((90.0..=210.0).contains(&waits[0]), "{waits:?}");
    assert!(waits[1] >= waits[0] && (190.0..=410.0).contains(&waits[1]), "{waits:?}");
    assert!(waits[2] >= waits[1] && (390.0..=810.0).contains(&waits[2]), "{waits:?}");

    let report = w.drain().await;
    assert_eq!(report.sent, 1);
    let r = row(&pool, "http-0").await;
    assert_eq!((r.status.as_str(), r.attempts, r.provider.as_deref()), ("sent", 4, Some("http-api")));
    assert_eq!(r.last_error, None);

    let requests = api.requests();
    assert_eq!(requests.len(), 4);
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert!(requests.iter().all(|r| r.idempotency_key == id.to_string()), "the outbox id is the idempotency key");
    assert!(requests.iter().all(|r| r.authorization == "Bearer re_test_key"));
    let body = &requests[3].body;
    assert_eq!(body["to"][0], "user0@example.com");
    assert_eq!(body["from"], FROM);
    assert_eq!(body["subject"], "Welcome to Threadr");
    assert!(body["html"].as_str().unwrap().contains("<h1"));
    assert!(body["text"].as_str().unwrap().contains("Welcome, User 0!"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failing_provider_falls_back_to_the_next_for_that_message(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.always(503);
    let sink = SmtpSink::start().await;
    enqueue_welcomes(&pool, 2, "fb").await;
    let report = worker(&pool, vec![http(&api), smtp(&sink)], fast()).drain().await;
    assert_eq!(report.sent, 2);
    assert_eq!(api.requests().len(), 2, "the HTTP API was tried first");
    assert_eq!(sink.messages().await.len(), 2, "then SMTP delivered");
    let r = row(&pool, "fb-0").await;
    assert_eq!((r.status.as_str(), r.attempts, r.provider.as_deref()), ("sent", 1, Some("smtp")));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn after_max_attempts_the_message_is_dead(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.always(500);
    enqueue_welcomes(&pool, 1, "dead").await;
    let w = worker(&pool, vec![http(&api)], WorkerConfig { max_attempts: 3, ..fast() });
    for _ in 0..2 {
        assert_eq!(w.drain().await.failed, 1);
        wait_until_due(&pool).await;
    }
    assert_eq!(w.drain().await.dead, 1);
    let r = row(&pool, "dead-0").await;
    assert_eq!((r.status.as_str(), r.attempts), ("dead", 3));
    wait_until_due(&pool).await;
    assert_eq!(w.drain().await.claimed, 0, "dead messages are not tried again");
    assert_eq!(api.requests().len(), 3);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_permanent_rejection_is_dead_at_once(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.always(422);
    enqueue_welcomes(&pool, 1, "perm").await;
    let report = worker(&pool, vec![http(&api)], fast()).drain().await;
    assert_eq!(report.dead, 1);
    let r = row(&pool, "perm-0").await;
    assert_eq!((r.status.as_str(), r.attempts), ("dead", 1));
    assert!(r.last_error.unwrap().contains("422"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_dev_mailbox_keeps_the_rendered_message(pool: PgPool) {
    enqueue_welcomes(&pool, 2, "dev").await;
    let report = worker(&pool, vec![Arc::new(DevMailbox::new(pool.clone()))], fast()).drain().await;
    assert_eq!(report.sent, 2);
    let (subject, text): (String, String) =
        sqlx::query_as("SELECT subject, text_body FROM dev_mailbox WHERE recipient = 'user1@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(subject, "Welcome to Threadr");
    assert!(text.contains("https://threadr.example/"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_new_email_wakes_the_running_worker_at_once(pool: PgPool) {
    let sink = SmtpSink::start().await;
    // Polling every minute: only LISTEN/NOTIFY can deliver within the deadline below.
    let config = WorkerConfig { poll_interval: Duration::from_secs(60), ..fast() };
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker(&pool, vec![smtp(&sink)], config).run(stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await; // listener connected, loops idle

    let started = Instant::now();
    enqueue_welcomes(&pool, 1, "wake").await;
    while sink.messages().await.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "not woken by NOTIFY");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    running.await.unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_workers_over_1000_messages_deliver_each_exactly_once(pool: PgPool) {
    let api = FakeMailApi::start().await;
    enqueue_welcomes(&pool, 1000, "many").await;
    let config = WorkerConfig { concurrency: 4, ..fast() };
    let (a, b) = (worker(&pool, vec![http(&api)], config.clone()), worker(&pool, vec![http(&api)], config));
    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    assert_eq!(ra.sent + rb.sent, 1000);
    assert!(ra.sent > 0 && rb.sent > 0, "both workers took part: {ra:?} {rb:?}");

    let requests = api.requests();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for r in &requests {
        *per_key.entry(r.idempotency_key.clone()).or_default() += 1;
    }
    assert_eq!(requests.len(), 1000, "no message was sent twice");
    assert_eq!(per_key.len(), 1000);
    assert!(per_key.values().all(|n| *n == 1));
    assert_eq!(statuses(&pool).await.get("sent"), Some(&1000));
}

/// Runs `threadr process-mail` against the test database.
fn process_mail(pool: &PgPool, env: &[(&str, &str)]) -> Command {
    use sqlx::ConnectOptions;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadr"));
    cmd.arg("process-mail")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", pool.connect_options().to_url_lossy().to_string())
        .env("APP_ENV", "production")
        .env("PUBLIC_URL", "https://threadr.example")
        .env("EMAIL_FROM", FROM)
        .env("LEPTOS_HASH_FILES", "false");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(pool: PgPool) {
    let sink = SmtpSink::start().await;
    sink.set_data_delay(Duration::from_secs(30)).await;
    enqueue_welcomes(&pool, 5, "crash").await;
    let env = [("SMTP_URL", sink.url()), ("EMAIL_LEASE_SECS", "1".into()), ("EMAIL_WORKER_CONCURRENCY", "1".into())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = process_mail(&pool, &env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.data_started() == 0 {
        assert!(Instant::now() < deadline, "the worker never started sending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap(); // SIGKILL: no clean-up of any kind
    assert_eq!(sink.messages().await.len(), 0, "the interrupted message was not delivered");
    let sending: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE status = 'sending'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(sending >= 1, "the crashed worker left claimed messages behind");

    sink.set_data_delay(Duration::ZERO).await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // the lease runs out
    let out = process_mail(&pool, &env).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent 5"), "{}", String::from_utf8_lossy(&out.stdout));

    let messages = sink.messages().await;
    assert_eq!(messages.len(), 5, "each message exactly once");
    let mut ids: Vec<String> = messages
        .iter()
        .map(|raw| {
            mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap().message_id().unwrap().to_string()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert_eq!(statuses(&pool).await.get("sent"), Some(&5));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_worker_killed_while_the_api_answers_is_deduplicated_by_idempotency_key(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.set_delay(Duration::from_secs(30));
    enqueue_welcomes(&pool, 3, "crash-http").await;
    let env = [
        ("RESEND_API_KEY", "re_test_key".to_string()),
        ("RESEND_BASE_URL", api.base_url.clone()),
        ("EMAIL_LEASE_SECS", "1".into()),
        ("EMAIL_WORKER_CONCURRENCY", "1".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = process_mail(&pool, &env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.requests().is_empty() {
        assert!(Instant::now() < deadline, "the worker never called the API");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap();

    api.set_delay(Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = process_mail(&pool, &env).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(api.requests().len() > 3, "the interrupted send was retried");
    assert_eq!(api.delivered().len(), 3, "but every message was delivered once");
    assert_eq!(statuses(&pool).await.get("sent"), Some(&3));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_configured_worker_uses_the_dev_mailbox_without_providers(pool: PgPool) {
    enqueue_welcomes(&pool, 1, "cfg").await;
    let report = worker_from_config(&config_with(&[]), &pool).unwrap().drain().await;
    assert_eq!(report.sent, 1);
    assert_eq!(row(&pool, "cfg-0").await.provider.as_deref(), Some("dev-mailbox"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_email_enqueued_in_a_rolled_back_transaction_is_never_sent(pool: PgPool) {
    use threadr::features::email::{outbox, templates::Welcome};
    let sink = SmtpSink::start().await;
    let mut tx = pool.begin().await.unwrap();
    let links = crate::email_outbox::links();
    outbox::enqueue(&mut tx, &links, "ada@example.com", &Welcome { name: "Ada".into() }, "rolled-back").await.unwrap();
    tx.rollback().await.unwrap();
    let report = worker(&pool, vec![smtp(&sink)], fast()).drain().await;
    assert_eq!(report.claimed, 0);
    assert!(sink.messages().await.is_empty());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn shutdown_finishes_the_message_in_hand_and_gives_back_the_rest(pool: PgPool) {
    let api = FakeMailApi::start().await;
    api.set_delay(Duration::from_millis(700));
    enqueue_welcomes(&pool, 5, "stop").await;
    let stop = CancellationToken::new();
    let config = WorkerConfig { concurrency: 1, ..fast() };
    let running = tokio::spawn(worker(&pool, vec![http(&api)], config).run(stop.clone()));
    while api.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("stops promptly").unwrap();

    let counts = statuses(&pool).await;
    assert_eq!(counts.get("sent"), Some(&1), "the message in hand was finished: {counts:?}");
    assert_eq!(counts.get("pending"), Some(&4), "the others went back to the queue: {counts:?}");
    assert_eq!(counts.get("sending"), None);
    let attempts: i64 = sqlx::query_scalar("SELECT sum(attempts) FROM email_outbox WHERE status = 'pending'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 0, "released messages lose no attempt");
}
