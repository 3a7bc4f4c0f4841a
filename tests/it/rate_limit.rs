//! The per-minute limit on server functions over real HTTP: in-process, shared by two
//! instances through a real Redis, and through a Redis outage and its return.

use crate::{
    helpers::{TestApp, config_with},
    redis_server::RedisServer,
};
use reqwest::Response;
use serde_json::json;
use sqlx::PgPool;
use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use threadr::server::db::MIGRATOR;
use tokio::task::JoinSet;

const LIMIT: usize = 5;
const ENDPOINT: &str = "/api/status/live";

/// Limit 5 a minute, one trusted proxy so X-Forwarded-For sets the client IP.
fn config(redis_url: Option<&str>) -> threadr::server::config::Config {
    let mut vars = vec![("REQUESTS_PER_MINUTE", "5"), ("TRUSTED_PROXY_HOPS", "1")];
    if let Some(url) = redis_url {
        vars.push(("REDIS_URL", url));
    }
    config_with(&vars)
}

/// Calls a public server function as client `ip` (behind the one trusted proxy).
async fn call(app: &TestApp, ip: &str, cookie: Option<&str>) -> Response {
    let mut req = app
        .client
        .post(app.url(ENDPOINT))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-for", ip);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request sent")
}

/// Statuses of `n` calls as `ip`, one after the other.
async fn statuses(app: &TestApp, ip: &str, cookie: Option<&str>, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(call(app, ip, cookie).await.status().as_u16());
    }
    out
}

fn ok_count(statuses: &[u16]) -> usize {
    statuses.iter().filter(|s| **s == 200).count()
}

/// A 429 carries `Retry-After` and the error JSON the UI shows; returns the seconds.
async fn assert_rate_limited(res: Response, at_most_secs: u64) -> u64 {
    assert_eq!(res.status(), 429);
    let retry_after: u64 =
        res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().expect("whole seconds");
    assert!((1..=at_most_secs).contains(&retry_after), "Retry-After {retry_after}");
    let body: serde_json::Value = res.json().await.expect("JSON body");
    assert_eq!(body, json!({ "kind": "rate_limited", "retry_after_secs": retry_after }));
    retry_after
}

/// Redis counts in fixed minutes of its clock (this machine's): start a run of requests
/// only when at least `room` is left in the current minute, so no reset falls inside it.
async fn wait_for_minute_with(room: Duration) {
    let into_minute = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() % 60_000;
    let left = Duration::from_millis(60_000 - into_minute as u64);
    if left < room {
        tokio::time::sleep(left + Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn over_the_limit_a_server_function_answers_429_with_retry_after(pool: PgPool) {
    let app = TestApp::spawn_with(pool, config_with(&[("REQUESTS_PER_MINUTE", "5")])).await;
    for i in 0..LIMIT {
        assert_eq!(app.call("status/live", &[]).await.status(), 200, "call {}", i + 1);
    }
    // In-process, one request comes back every 60/5 = 12 s.
    assert_rate_limited(app.call("status/live", &[]).await, 12).await;
    assert_eq!(app.call("status/system", &[]).await.status(), 429, "every server function shares the allowance");

    for _ in 0..2 * LIMIT {
        assert_eq!(app.get("/health").await.status(), 200, "health is not limited");
    }
    assert_eq!(app.get("/").await.status(), 200, "pages are not limited");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn clients_are_counted_apart_by_ip_and_signed_in_users_by_account(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), config(None)).await;
    // Signs in without X-Forwarded-For: counted against the proxy's own address.
    let cookie = app.sign_in_admin(&pool, "limits@threadr.test").await;

    assert_eq!(ok_count(&statuses(&app, "203.0.113.1", None, LIMIT + 2).await), LIMIT);
    assert_eq!(call(&app, "203.0.113.1", None).await.status(), 429);
    assert_eq!(ok_count(&statuses(&app, "203.0.113.2", None, LIMIT + 2).await), LIMIT, "another IP counts alone");
    // A forged entry left of the proxy's is not the client.
    assert_eq!(call(&app, "203.0.113.2, 203.0.113.9", None).await.status(), 200);

    // The member on the exhausted IP has an allowance of their own…
    assert_eq!(ok_count(&statuses(&app, "203.0.113.1", Some(&cookie), LIMIT + 2).await), LIMIT);
    // …which follows them to another address, where signed-out callers are still fresh.
    assert_rate_limited(call(&app, "203.0.113.3", Some(&cookie)).await, 12).await;
    assert_eq!(call(&app, "203.0.113.3", None).await.status(), 200);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_instances_share_one_count_through_redis(pool: PgPool) {
    let redis = RedisServer::start().await;
    let a = TestApp::spawn_with(pool.clone(), config(Some(&redis.url()))).await;
    let b = TestApp::spawn_with(pool, config(Some(&redis.url()))).await;
    wait_for_minute_with(Duration::from_secs(15)).await;

    let mut seen = Vec::new();
    for i in 0..2 * LIMIT {
        let app = if i % 2 == 0 { &a } else { &b };
        seen.push(call(app, "198.51.100.1", None).await.status().as_u16());
    }
    assert_eq!(seen, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429], "5 across both instances");
    // In Redis the window is a calendar minute: the wait is until it ends.
    assert_rate_limited(call(&b, "198.51.100.1", None).await, 60).await;

    // 40 at once, half on each instance: exactly 5 go through.
    let mut calls = JoinSet::new();
    for i in 0..40 {
        let (client, url) =
            if i % 2 == 0 { (a.client.clone(), a.url(ENDPOINT)) } else { (b.client.clone(), b.url(ENDPOINT)) };
        calls.spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-forwarded-for", "198.51.100.2")
                .send()
                .await
                .expect("request sent");
            res.status().as_u16()
        });
    }
    let statuses: Vec<u16> = calls.join_all().await;
    assert_eq!(ok_count(&statuses), LIMIT, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_redis_each_instance_limits_alone_and_sharing_resumes_when_it_returns(pool: PgPool) {
    let logs = Logs::default();
    let _capture = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish(),
    );
    const OUTAGE: &str = "Redis is unreachable";
    const BACK: &str = "Redis is reachable again";

    let mut redis = RedisServer::start().await;
    let a = TestApp::spawn_with(pool.clone(), config(Some(&redis.url()))).await;
    let b = TestApp::spawn_with(pool, config(Some(&redis.url()))).await;
    // Both instances hold a connection when Redis goes away.
    assert_eq!(call(&a, "192.0.2.1", None).await.status(), 200);
    assert_eq!(call(&b, "192.0.2.1", None).await.status(), 200);

    redis.stop();
    let started = Instant::now();
    let during = statuses(&a, "192.0.2.50", None, LIMIT + 3).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a dead Redis does not stall requests: {:?}",
        started.elapsed()
    );
    assert_eq!(during, [200, 200, 200, 200, 200, 429, 429, 429], "served and limited in-process");
    assert_rate_limited(call(&a, "192.0.2.50", None).await, 12).await;
    // Past a probe interval: the failed probes and more requests log nothing new.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(ok_count(&statuses(&a, "192.0.2.51", None, 3).await), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(logs.count(OUTAGE), 1, "one warning per outage:\n{}", logs.text());
    assert_eq!(logs.count(BACK), 0);

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while logs.count(BACK) == 0 {
        assert!(Instant::now() < deadline, "instance A did not return to Redis:\n{}", logs.text());
        call(&a, "192.0.2.52", None).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Shared again: 5 across both instances (in-process each would allow 5).
    wait_for_minute_with(Duration::from_secs(10)).await;
    let mut seen = Vec::new();
    for i in 0..2 * LIMIT {
        let app = if i % 2 == 0 { &a } else { &b };
        seen.push(call(app, "192.0.2.60", None).await.status().as_u16());
    }
    assert_eq!(ok_count(&seen), LIMIT, "{seen:?}");
    assert_eq!(&seen[LIMIT..], [429; LIMIT]);
    assert_eq!(logs.count(OUTAGE), 1, "B reconnected without an outage:\n{}", logs.text());
    assert_eq!(logs.count(BACK), 1);
}

/// Log lines written while the test's subscriber is the default (sqlx tests run on one
/// thread, so the servers' tasks log here too).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn count(&self, needle: &str) -> usize {
        self.text().lines().filter(|line| line.contains(needle)).count()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
