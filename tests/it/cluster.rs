//! Two instances of the binary behind haproxy, started by `scripts/cluster` as an operator
//! would, with this test's database, its own Redis and an SMTP sink: a session made on one
//! instance is good on the other, the maintenance switch thrown on one is followed by the other
//! within seconds, and after a `kill -9` of one instance the balancer keeps serving and its
//! claimed emails are sent by the survivor once their lease ran out, each exactly once.

use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    path::PathBuf,
    process::Output,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use threadr::server::db::MIGRATOR;

use crate::cli::{database_url, text};
use crate::helpers::session_cookie;
use crate::redis_server::RedisServer;
use crate::smtp_sink::SmtpSink;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cluster");
/// `scripts/cluster` exits with this when haproxy is missing and cannot be installed.
const NO_HAPROXY: i32 = 4;
/// A claim on an email expires after this (EMAIL_LEASE_SECS): longer than a batch takes here,
/// held answers included, so only a dead instance's claims ever expire.
const LEASE_SECS: u64 = 10;
const EMAILS: usize = 80;

/// The running cluster: `scripts/cluster stop` (and a `kill -9` of anything it left) when
/// dropped, whatever the test's outcome.
struct Cluster {
    dir: PathBuf,
    env: Vec<(String, String)>,
    balancer: u16,
}

impl Cluster {
    /// Starts the cluster; `None` (the test is skipped) only when haproxy cannot be installed.
    async fn start(pool: &PgPool, redis: &RedisServer, sink: &SmtpSink) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("threadr-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let balancer = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let env: Vec<(String, String)> = [
            ("THREADR_BIN", env!("CARGO_BIN_EXE_threadr").to_string()),
            ("CLUSTER_DIR", dir.display().to_string()),
            ("CLUSTER_PORT", balancer.to_string()),
            ("STARTUP_TIMEOUT_SECS", "25".into()),
            ("DATABASE_URL", database_url(pool)),
            // Two instances beside the other tests' databases on one server.
            ("DATABASE_POOL_SIZE", "10".into()),
            ("REDIS_URL", redis.url()),
            // Production reads no .env: a developer's file in the repository cannot leak in.
            ("APP_ENV", "production".into()),
            ("EMAIL_FROM", "Threadr <no-reply@threadr.example>".into()),
            ("SMTP_URL", sink.url()),
            ("EMAIL_LEASE_SECS", LEASE_SECS.to_string()),
            ("EMAIL_WORKER_CONCURRENCY", "2".into()),
            // The debug binary has no site build of its own: plain asset names.
            ("LEPTOS_HASH_FILES", "false".into()),
            ("LOG_FORMAT", "json".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let cluster = Self { dir, env, balancer };
        let out = cluster.script("start").await;
        if out.status.code() == Some(NO_HAPROXY) {
            eprintln!("SKIPPED: haproxy is not installed and could not be installed:\n{}", text(&out.stderr));
            return None;
        }
        assert!(out.status.success(), "scripts/cluster start failed:\n{}", text(&out.stderr));
        Some(cluster)
    }

    fn command(&self, action: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(SCRIPT).arg(action).env_clear();
        for name in ["PATH", "HOME", "CARGO_TARGET_DIR"] {
            if let Some(value) = std::env::var_os(name) {
                cmd.env(name, value);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    async fn script(&self, action: &str) -> Output {
        tokio::process::Command::from(self.command(action)).output().await.expect("bash runs scripts/cluster")
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default().trim().to_string()
    }

    fn url(&self, instance: &str, path: &str) -> String {
        let port = if instance == "lb" { self.balancer.to_string() } else { self.file(&format!("{instance}.port")) };
        format!("http://127.0.0.1:{port}{path}")
    }

    fn kill_9(&self, instance: &str) {
        let pid = self.file(&format!("{instance}.pid"));
        assert!(!pid.is_empty(), "no pid file for {instance}");
        let status = std::process::Command::new("kill").args(["-9", &pid]).status().unwrap();
        assert!(status.success(), "kill -9 {pid}");
    }

    fn logs(&self) -> String {
        ["app1.log", "app2.log", "haproxy.log"]
            .iter()
            .map(|name| {
                let log = self.file(name);
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                format!("---- {name}\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        let _ = self.command("stop").output();
        // Whatever `stop` could not stop (it failed, or the pid files were lost).
        for name in ["haproxy", "app1", "app2"] {
            let pid = self.file(&format!("{name}.pid"));
            if !pid.is_empty() {
                let _ = std::process::Command::new("kill").args(["-9", &pid]).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn client() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A server function called as the browser calls it.
async fn call(client: &Client, url: String, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    let mut req = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish());
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request sent")
}

async fn get(client: &Client, url: String, cookie: Option<&str>) -> Response {
    let mut req = client.get(url);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request sent")
}

/// Polls `url` until it answers `want`; returns how long that took (panics after `within`).
async fn until_status(client: &Client, url: String, want: StatusCode, within: Duration) -> (Duration, String) {
    let started = Instant::now();
    loop {
        let res = get(client, url.clone(), None).await;
        if res.status() == want {
            return (started.elapsed(), res.text().await.unwrap_or_default());
        }
        assert!(started.elapsed() < within, "{url} did not answer {want} within {within:?} (last: {})", res.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_instances_behind_haproxy_share_sessions_and_maintenance_and_survive_a_kill(pool: PgPool) {
    let redis = RedisServer::start().await;
    let sink = SmtpSink::start().await;
    let started = Instant::now();
    let Some(cluster) = Cluster::start(&pool, &redis, &sink).await else { return };
    eprintln!("cluster up in {:.1} s", started.elapsed().as_secs_f64());
    let client = client();

    // Every wait below is bounded too; this bounds their sum (start-up: STARTUP_TIMEOUT_SECS).
    let phases = async {
        signed_in_on_one_instance_is_signed_in_on_the_other(&cluster, &client, &pool).await;
        maintenance_thrown_on_one_instance_is_followed_by_the_other(&cluster, &client, &pool).await;
        a_killed_instance_costs_no_request_and_no_email(&cluster, &client, &pool, &sink).await;
    };
    tokio::time::timeout(Duration::from_secs(60), phases).await.expect("the cluster test's phases took over 60 s");
    eprintln!("cluster test done in {:.1} s", started.elapsed().as_secs_f64());
    let out = cluster.script("status").await;
    assert_eq!(out.status.code(), Some(3), "status reports the killed instance: {}", text(&out.stdout));
    let status = text(&out.stdout);
    assert!(status.lines().any(|l| l.starts_with("app1") && l.contains("down")), "{status}");
    assert!(status.lines().any(|l| l.starts_with("app2") && l.contains("up")), "{status}");
}

/// (a) Sessions live in PostgreSQL: a member who signed in through app1 is signed in on app2
/// and through the balancer (which alternates between them).
async fn signed_in_on_one_instance_is_signed_in_on_the_other(cluster: &Cluster, client: &Client, pool: &PgPool) {
    const EMAIL: &str = "ada@cluster.example";
    const PASSWORD: &str = "correct horse battery";
    let res = call(
        client,
        cluster.url("app1", "/api/accounts/sign-up"),
        &[("email", EMAIL), ("password", PASSWORD), ("display_name", "Ada")],
        None,
    )
    .await;
    assert_eq!(res.status(), 200, "sign-up on app1");
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = $1 AND template = 'verify_email' ORDER BY created_at DESC LIMIT 1",
    )
    .bind(EMAIL)
    .fetch_one(pool)
    .await
    .unwrap();
    let link = threadr::features::email::links_in(&text).into_iter().find(|l| l.contains("token=")).unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let res = call(client, cluster.url("app2", "/api/accounts/confirm-email"), &[("token", token)], None).await;
    assert_eq!(res.status(), 200, "the emailed link works on app2");

    let res =
        call(client, cluster.url("app1", "/api/accounts/sign-in"), &[("email", EMAIL), ("password", PASSWORD)], None)
            .await;
    assert_eq!(res.status(), 200, "sign-in on app1");
    let cookie = session_cookie(&res).expect("a session cookie");
    for instance in ["app2", "app1", "lb", "lb", "lb", "lb"] {
        let res = call(client, cluster.url(instance, "/api/accounts/me"), &[], Some(&cookie)).await;
        assert_eq!(res.status(), 200, "{instance}");
        let me = res.text().await.unwrap();
        assert!(me.contains(EMAIL), "signed in on {instance}: {me}");
    }
    let res = call(client, cluster.url("app2", "/api/accounts/me"), &[], None).await;
    assert_eq!(res.text().await.unwrap().trim(), "null", "and nobody without the cookie");
}

/// (b) Maintenance switched on through app1's admin server function: app2 answers 503 with the
/// message within seconds (each instance re-reads the shared switch every 2 s); switched off
/// through app2, app1 opens again.
async fn maintenance_thrown_on_one_instance_is_followed_by_the_other(
    cluster: &Cluster,
    client: &Client,
    pool: &PgPool,
) {
    const ADMIN: &str = "root@cluster.example";
    const PASSWORD: &str = "a long admin secret";
    const MESSAGE: &str = "Back after the cluster drill.";
    threadr::features::accounts::create_admin(pool, ADMIN, PASSWORD.into()).await.expect("admin created");
    let res =
        call(client, cluster.url("app1", "/api/accounts/sign-in"), &[("email", ADMIN), ("password", PASSWORD)], None)
            .await;
    assert_eq!(res.status(), 200, "admin signs in on app1");
    let admin = session_cookie(&res).expect("admin session");
    // Both instances have read the switch (off) before it is thrown.
    until_status(client, cluster.url("app2", "/"), StatusCode::OK, Duration::from_secs(10)).await;

    let res = call(
        client,
        cluster.url("app1", "/api/admin/maintenance/set"),
        &[("on", "on"), ("message", MESSAGE)],
        Some(&admin),
    )
    .await;
    assert_eq!(res.status(), 200, "switched on through app1: {}", res.text().await.unwrap_or_default());
    let (after, page) =
        until_status(client, cluster.url("app2", "/"), StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(10)).await;
    eprintln!("app2 followed the maintenance switch after {:.1} s", after.as_secs_f64());
    assert!(after < Duration::from_secs(5), "app2 followed within seconds: {after:?}");
    assert!(page.contains(MESSAGE), "with the message: {page}");
    assert_eq!(get(client, cluster.url("lb", "/"), None).await.status(), 503, "through the balancer too");
    assert_eq!(get(client, cluster.url("app2", "/"), Some(&admin)).await.status(), 200, "admins keep the site");

    let res = call(
        client,
        cluster.url("app2", "/api/admin/maintenance/set"),
        &[("on", "off"), ("message", "")],
        Some(&admin),
    )
    .await;
    assert_eq!(res.status(), 200, "switched off through app2");
    until_status(client, cluster.url("app1", "/"), StatusCode::OK, Duration::from_secs(10)).await;
    until_status(client, cluster.url("lb", "/"), StatusCode::OK, Duration::from_secs(10)).await;
}

/// One request of the load: when it started and ended, and whether it got a 2xx.
struct Sample {
    started: Instant,
    ended: Instant,
    ok: bool,
    what: String,
}

/// `workers` clients requesting a page until `stop`, counting the requests `done`.
fn load(
    client: &Client,
    url: String,
    workers: usize,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<Vec<Sample>>> {
    (0..workers)
        .map(|_| {
            let (client, url, stop, done) = (client.clone(), url.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let (ok, what) = match client.get(&url).send().await {
                        Ok(res) => {
                            let status = res.status();
                            // The whole body: a connection cut mid-page is a failure too.
                            match res.bytes().await {
                                Ok(_) => (status.is_success(), status.to_string()),
                                Err(e) => (false, format!("{status}, body cut: {e}")),
                            }
                        }
                        Err(e) => (false, e.to_string()),
                    };
                    samples.push(Sample { started, ended: Instant::now(), ok, what });
                    done.fetch_add(1, Ordering::SeqCst);
                }
                samples
            })
        })
        .collect()
}

/// Message-ID (`<outbox id@host>`) → how many times the sink accepted it.
async fn delivered(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for raw in sink.messages().await {
        let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("a parsable message");
        if let Some(id) = message.message_id() {
            *ids.entry(id.split('@').next().unwrap_or_default().to_string()).or_insert(0) += 1;
        }
    }
    ids
}

async fn outbox_rows(pool: &PgPool) -> Vec<(String, String, i32)> {
    sqlx::query_as(
        "SELECT id::text, status::text, attempts FROM email_outbox WHERE idempotency_key LIKE 'cluster-%' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// (c) Under load through the balancer and while both instances' mail workers send, app1 is
/// killed with SIGKILL. The balancer retries what app1 could not answer on app2, so only
/// requests in flight at that instant may fail; app2 sends app1's claimed emails once their
/// lease has run out, and every email reaches the SMTP server exactly once.
///
/// The kill lands while every mail loop waits for the sink's answer to its DATA (the sink holds
/// its 250 for a while): app1's messages in hand are then undelivered (the sink sees the
/// connection die before answering), so the one window where a kill makes a duplicate — after
/// the server's 250, before the row is marked sent — is closed here by construction. That window
/// is real in production: SMTP has no idempotency key, so delivery is at least once, and each
/// message carries its outbox id as Message-ID for the receiving side to recognise a repeat.
async fn a_killed_instance_costs_no_request_and_no_email(
    cluster: &Cluster,
    client: &Client,
    pool: &PgPool,
    sink: &SmtpSink,
) {
    // Slow enough that the kill finds work in every mail loop.
    sink.set_data_delay(Duration::from_millis(50)).await;
    crate::email_outbox::enqueue_welcomes(pool, EMAILS, "cluster").await;
    let ids: Vec<String> = outbox_rows(pool).await.into_iter().map(|(id, ..)| id).collect();
    assert_eq!(ids.len(), EMAILS);
    let ours = |counts: &HashMap<String, usize>| ids.iter().filter(|id| counts.contains_key(*id)).count();

    let deadline = Instant::now() + Duration::from_secs(20);
    while ours(&delivered(sink).await) < EMAILS / 5 {
        assert!(Instant::now() < deadline, "the instances' mail workers did not start sending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (stop, done) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let workers = 4;
    let load = load(client, cluster.url("lb", "/"), workers, stop.clone(), done.clone());
    // From now on every DATA waits 3 s for its answer; the ones answered already are recorded.
    sink.set_data_delay(Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let claimed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE idempotency_key LIKE 'cluster-%' AND status = 'sending'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(claimed > 0, "both instances hold claimed emails");

    cluster.kill_9("app1");
    let killed_at = Instant::now();
    sink.set_data_delay(Duration::ZERO).await;

    // A few hundred requests after the kill, through the balancer (bounded in time).
    let at_kill = done.load(Ordering::SeqCst);
    let load_deadline = Instant::now() + Duration::from_secs(30);
    while done.load(Ordering::SeqCst) < at_kill + 300 + workers && Instant::now() < load_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut samples: Vec<Sample> = Vec::new();
    for handle in load {
        samples.extend(handle.await.unwrap());
    }
    let after_kill = samples.iter().filter(|s| s.started >= killed_at).count();
    let in_flight = samples.iter().filter(|s| s.started < killed_at && s.ended >= killed_at).count();
    let failed_later: Vec<&str> =
        samples.iter().filter(|s| s.started >= killed_at && !s.ok).map(|s| s.what.as_str()).collect();
    let failed_in_flight: Vec<&str> = samples
        .iter()
        .filter(|s| s.started < killed_at && s.ended >= killed_at && !s.ok)
        .map(|s| s.what.as_str())
        .collect();
    eprintln!(
        "load: {} requests, {after_kill} after the kill, {in_flight} in flight at it (failed: {failed_in_flight:?}), {} failed later",
        samples.len(),
        failed_later.len()
    );
    assert!(after_kill >= 100, "only {after_kill} requests after the kill");
    assert!(failed_later.is_empty(), "requests made after the kill failed: {failed_later:?}");
    assert!(failed_in_flight.len() <= workers, "at most the requests in flight at the kill fail");
    assert!(samples.iter().filter(|s| s.started < killed_at && s.ended < killed_at).all(|s| s.ok), "before the kill");

    // Every email is sent by the survivor, app1's claims once their lease ran out.
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS + 20);
    loop {
        let rows = outbox_rows(pool).await;
        if rows.iter().all(|(_, status, _)| status == "sent") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every email was sent: {:?}",
            rows.iter().filter(|(_, s, _)| s != "sent").collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rows = outbox_rows(pool).await;
    let taken_over = rows.iter().filter(|(_, _, attempts)| *attempts > 1).count();
    assert!(taken_over > 0, "app1's claimed emails were sent by app2 after the lease");
    let counts = delivered(sink).await;
    let missing: Vec<&String> = ids.iter().filter(|id| !counts.contains_key(*id)).collect();
    let twice: Vec<(&String, usize)> =
        ids.iter().filter_map(|id| counts.get(id).filter(|n| **n > 1).map(|n| (id, *n))).collect();
    assert!(missing.is_empty(), "emails never delivered: {missing:?}");
    assert!(twice.is_empty(), "emails delivered more than once: {twice:?}");
    eprintln!("{EMAILS} emails sent exactly once; {taken_over} of them after app1's lease expired");
}
