//! The HTTP baseline every response shares: health, 404, headers, request ids,
//! compression, body limits, static asset caching.

use crate::helpers::{TestApp, config_with, site_options};
use sqlx::PgPool;
use std::time::Duration;
use threadr::server::{db::MIGRATOR, state::AppState};

#[sqlx::test(migrator = "MIGRATOR")]
async fn health_answers_ok_with_an_rfc3339_timestamp(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let ts = body["timestamp"].as_str().expect("timestamp is a string");
    let parsed = chrono::DateTime::parse_from_rfc3339(ts).expect("RFC 3339");
    assert!((chrono::Utc::now() - parsed.to_utc()).num_seconds().abs() < 5);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn home_page_is_server_rendered_with_the_live_status(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Write less. Publish more."));
    // In-order streaming puts the server function's result into the HTML itself.
    assert!(html.contains("Reachable ("), "live status rendered on the server");
    assert!(html.contains(threadr::VERSION));
}

/// Building a router lists the routes with resource loading suppressed process-wide
/// (leptos-rs/leptos#4773): a page whose resource started meanwhile used to wait forever.
/// The integration tests build a router per test, in parallel, which once hung CI.
#[sqlx::test(migrator = "MIGRATOR")]
async fn pages_finish_while_other_routers_are_built(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let builder = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            drop(threadr::server::http::router(AppState::new(config_with(&[]), site_options(), pool.clone())));
        }
    });
    for _ in 0..20 {
        let page = tokio::time::timeout(Duration::from_secs(20), async { app.get("/").await.text().await })
            .await
            .expect("the page finished while routers were being built")
            .unwrap();
        assert!(page.contains("Reachable ("), "the status resource resolved on the server");
    }
    builder.await.unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn unknown_paths_get_the_404_page_with_status_404(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Back to the home page"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn security_headers_are_on_pages_json_and_errors(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/", "/health", "/no/such/page", "/status"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain http");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn page_csp_nonce_is_fresh_and_carried_by_the_hydration_scripts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let res = app.get("/").await;
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP").to_string();
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the CSP nonce");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce per request");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn hsts_is_sent_when_the_public_url_is_https(pool: PgPool) {
    let app = TestApp::spawn_with(pool, config_with(&[("PUBLIC_URL", "https://threadr.example")])).await;
    let res = app.get("/health").await;
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn request_id_is_echoed_or_generated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.client.get(app.url("/health")).header("x-request-id", "lb-1234.abc").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "lb-1234.abc");

    let res = app.get("/health").await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    // An id with spaces/markup is replaced rather than logged and echoed.
    let res = app.client.get(app.url("/health")).header("x-request-id", "<script> x").send().await.unwrap();
    assert_ne!(res.headers()["x-request-id"], "<script> x");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn responses_are_compressed_with_brotli_or_gzip(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let plain = app.get("/").await.bytes().await.unwrap().len();
    for encoding in ["br", "gzip"] {
        let res = app.client.get(app.url("/")).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(res.headers()["content-encoding"], encoding);
        let compressed = res.bytes().await.unwrap().len();
        assert!(compressed < plain / 2, "{encoding}: {compressed} bytes vs {plain} plain");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bodies_over_two_megabytes_get_413_and_smaller_ones_are_read(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let big = vec![b'a'; 2 * 1024 * 1024 + 1];
    let res = app
        .client
        .post(app.url("/api/status/live"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    let res = app.call("status/live", &[]).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["version"], threadr::VERSION);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn server_function_reports_the_database_and_version(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.call("status/live", &[]).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["database"]["Reachable"]["latency_ms"].as_f64().is_some(), "{body}");

    let res = app.call("status/system", &[]).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["migrations_applied"].as_i64().unwrap() >= 1, "{body}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn static_files_and_hashed_assets_have_the_right_caching(pool: PgPool) {
    // Hashed names are only used with hash-files on; a test server serves a temporary pkg dir.
    let dir = std::env::temp_dir().join(format!("threadr-site-{}", uuid_like()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/threadr.abc123.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("robots.txt"), "User-agent: *\n").unwrap();
    let mut site = crate::helpers::site_options();
    site.site_root = dir.to_string_lossy().into();
    site.hash_files = true;
    let state = threadr::server::state::AppState::new(config_with(&[]), site, pool);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(threadr::server::serve::serve(listener, state, std::future::pending()));

    let res = reqwest::get(format!("http://{addr}/pkg/threadr.abc123.js")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    let res = reqwest::get(format!("http://{addr}/robots.txt")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "User-agent: *\n");
    let res = reqwest::get(format!("http://{addr}/pkg/missing.js")).await.unwrap();
    assert_eq!(res.status(), 404);
    let _ = std::fs::remove_dir_all(dir);
}

fn uuid_like() -> String {
    format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn head_requests_get_the_headers_of_a_get_without_a_body(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/", "/status", "/health"] {
        let res = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers().contains_key("content-security-policy"), "{path}");
        assert!(res.bytes().await.unwrap().is_empty(), "{path}");
    }
    assert_eq!(app.client.head(app.url("/nope")).send().await.unwrap().status(), 404);
}
