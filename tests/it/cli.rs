//! The binary as an operator runs it: exit codes, messages, graceful shutdown.

use sqlx::{ConnectOptions, PgPool};
use std::{
    io::{Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};
use threadr::server::db::MIGRATOR;

/// A working directory with Leptos.toml and no `.env`, so a developer's `.env` cannot leak in.
fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threadr-cli-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"), dir.join("Leptos.toml")).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn threadr(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_threadr"));
    cmd.args(args).current_dir(workdir()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("LEPTOS_HASH_FILES", "false").env("LOG_FORMAT", "json");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub(crate) fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    threadr(args, env).output().expect("binary runs")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn database_url(pool: &PgPool) -> String {
    pool.connect_options().to_url_lossy().to_string()
}

#[test]
fn version_flag_prints_the_version() {
    let out = run(&["--version"], &[]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).trim(), format!("threadr {}", threadr::VERSION));
}

#[test]
fn check_config_lists_what_is_missing_and_exits_2() {
    let out = run(&["check-config"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("DATABASE_URL") && stdout.contains("MISSING (required)"), "{stdout}");
    assert!(stdout.contains("DATABASE_POOL_SIZE") && stdout.contains("default: 20"), "{stdout}");
}

#[test]
fn check_config_masks_secrets() {
    let out = run(&["check-config"], &[("DATABASE_URL", "postgres://app:s3cr3tpass@db.internal:5432/threadr")]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("s3cr3tpass"), "{stdout}");
    assert!(stdout.contains("db.internal") && stdout.contains("configuration OK"), "{stdout}");
}

#[test]
fn a_malformed_variable_stops_start_up_with_exit_2_naming_it() {
    let out = run(&["serve"], &[("DATABASE_URL", "postgres://x@127.0.0.1:1/x"), ("DATABASE_POOL_SIZE", "lots")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("DATABASE_POOL_SIZE"), "{stderr}");
    assert!(!stderr.contains("DATABASE_URL "), "only the bad variable is named: {stderr}");
}

#[test]
fn a_missing_database_url_stops_start_up_with_exit_2() {
    let out = run(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DATABASE_URL is not set"));
}

#[test]
fn an_unreachable_database_gives_up_after_the_retry_window_with_a_clear_message() {
    let port = free_port();
    let started = Instant::now();
    let url = format!("postgres://threadr@127.0.0.1:{port}/threadr");
    let out = run(&["serve"], &[("DATABASE_URL", &url), ("DATABASE_CONNECT_TIMEOUT_SECS", "2")]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("database is unreachable") && stderr.contains("DATABASE_CONNECT_TIMEOUT_SECS"), "{stderr}");
    assert!(
        elapsed >= Duration::from_millis(1500) && elapsed < Duration::from_secs(10),
        "retried for the window: {elapsed:?}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("retrying"), "each retry is logged: {stdout}");
}

#[sqlx::test(migrations = false)]
async fn migrate_applies_migrations_and_is_idempotent(pool: PgPool) {
    let url = database_url(&pool);
    for _ in 0..2 {
        let out = run(&["migrate"], &[("DATABASE_URL", &url)]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("migrations up to date"));
    }
    let (applied,): (i64,) = sqlx::query_as("SELECT count(*) FROM _sqlx_migrations").fetch_one(&pool).await.unwrap();
    assert_eq!(applied as usize, MIGRATOR.iter().count());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sigterm_lets_the_in_flight_request_finish_then_exits_0(pool: PgPool) {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = threadr(&["serve"], &[("DATABASE_URL", &database_url(&pool)), ("LEPTOS_SITE_ADDR", &addr)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    wait_until_healthy(&addr, &mut child);

    // Start a request and stop half-way through its body: it is in flight.
    let mut stream = TcpStream::connect(&addr).unwrap();
    let body = b"check=1234";
    write!(
        stream,
        "POST /api/status/live HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "still serving the in-flight request");

    stream.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(threadr::VERSION));

    let status = wait_for_exit(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_until_healthy(addr: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = TcpStream::connect(addr) {
            let _ = write!(s, "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            if r.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited early: {status}");
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn create_admin(url: &str, email: &str, password: &str) -> Output {
    let mut child = threadr(&["create-admin", "--email", email], &[("DATABASE_URL", url)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn create_admin_makes_a_verified_admin_or_promotes_an_account(pool: PgPool) {
    let url = database_url(&pool);
    let out = create_admin(&url, "Root@Example.com", "a long admin secret");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "created admin Root@example.com");
    let (role, verified, hash): (String, bool, String) =
        sqlx::query_as("SELECT role::text, email_verified_at IS NOT NULL, password_hash FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((role.as_str(), verified), ("admin", true));
    assert!(hash.starts_with("$argon2id$"));

    let out = create_admin(&url, "root@example.com", "another admin secret");
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("is now an admin"));
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 1);
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(events, ["admin_created", "role_change"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn create_admin_refuses_bad_input_with_exit_2(pool: PgPool) {
    let url = database_url(&pool);
    let out = create_admin(&url, "root@example.com", "short");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("at least 10 characters"), "{}", text(&out.stderr));
    let out = create_admin(&url, "not-an-email", "a long admin secret");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("valid email address"));
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn seed_demo_fills_an_empty_database_once_and_never_runs_in_production(pool: PgPool) {
    use threadr::features::accounts::demo::{DEMO_ADMIN, DEMO_MEMBER};
    let url = database_url(&pool);
    let out =
        run(&["seed-demo"], &[("DATABASE_URL", &url), ("APP_ENV", "production"), ("PUBLIC_URL", "https://x.example")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("APP_ENV=production"));

    let media = tempfile::tempdir().unwrap();
    let media_dir = media.path().display().to_string();
    let env = [("DATABASE_URL", url.as_str()), ("MEDIA_DIR", media_dir.as_str())];
    let out = run(&["seed-demo"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("{} / {}", DEMO_MEMBER.0, DEMO_MEMBER.1)));
    assert!(text(&out.stdout).contains("demo catalogue created: 200 listings from 6 sellers"));
    let out = run(&["seed-demo"], &env);
    assert!(text(&out.stdout).contains("no demo data added"));
    let users: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE email NOT IN (SELECT handle || '@demo.threadr.test' FROM sellers)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(users, 2, "the two demo accounts, beside the six demo sellers");
    let (listings, photos): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM products WHERE status = 'active'), (SELECT count(*) FROM product_images)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((listings, photos), (200, 200), "listed once, each with a photo");
    let stored = std::fs::read_dir(media.path().join("products")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(stored, 200, "every photo's files are in MEDIA_DIR");

    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    for (email, password) in [DEMO_ADMIN, DEMO_MEMBER] {
        let res = app.call("accounts/sign-in", &[("email", email), ("password", password)]).await;
        assert_eq!(res.status(), 200, "{email} signs in with the printed password");
    }
    let addresses: i64 =
        sqlx::query_scalar("SELECT count(*) FROM addresses WHERE is_default").fetch_one(&pool).await.unwrap();
    assert_eq!(addresses, 1);
}

/// Runs `threadr x-length …` with `input` on standard input (and no DATABASE_URL).
fn x_length(args: &[&str], input: &str) -> Output {
    let mut child = threadr(args, &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn x_length_counts_standard_input_as_x_does_without_a_database() {
    let out = x_length(&["x-length"], "Hello 漢字 https://example.com/a/very/long/path/indeed 👨‍👩‍👧‍👦\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "{\"weighted_length\":37,\"valid\":true}\n");

    let out = x_length(&["x-length"], &"a".repeat(281));
    assert_eq!(text(&out.stdout), "{\"weighted_length\":281,\"valid\":false}\n");
}

#[test]
fn x_length_jsonl_answers_each_line_and_texts_may_hold_line_breaks() {
    let input = "\"two\\nlines\"\n\"\"\n\"see example.com.\"\n\"🇺🇸🇬🇧\"\n";
    let out = x_length(&["x-length", "--jsonl"], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"weighted_length\":9,\"valid\":true}\n{\"weighted_length\":0,\"valid\":false}\n\
         {\"weighted_length\":28,\"valid\":true}\n{\"weighted_length\":4,\"valid\":true}\n"
    );
}

#[test]
fn x_length_jsonl_names_the_line_that_is_not_a_json_string_and_exits_2() {
    let out = x_length(&["x-length", "--jsonl"], "\"fine\"\n{\"text\": \"an object\"}\n\"never read\"\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line 2 is not a JSON string"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "{\"weighted_length\":4,\"valid\":true}\n", "lines before it are answered");
}
