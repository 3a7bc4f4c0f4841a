//! Google sign-in over real HTTP against a local fake OpenID provider (never Google): start,
//! come back with a code, and what happens to accounts, sessions and the audit log.

use crate::fake_oidc::{CLIENT_ID, CLIENT_SECRET, FakeOidc};
use crate::helpers::{TestApp, config_with, count, session_cookie};
use chrono::{Duration, Utc};
use reqwest::Response;
use sqlx::PgPool;
use std::collections::HashMap;
use threadr::features::accounts::SIGN_IN_FAILED;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

use crate::accounts::PASSWORD;

async fn app_with_google(pool: &PgPool, fake: &FakeOidc) -> TestApp {
    let config = config_with(&[
        ("GOOGLE_CLIENT_ID", CLIENT_ID),
        ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
        ("GOOGLE_ISSUER_URL", &fake.issuer),
    ]);
    TestApp::spawn_with(pool.clone(), config).await
}

fn location(res: &Response) -> String {
    assert_eq!(res.status(), 303, "a redirect");
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn me(app: &TestApp, cookie: &str) -> serde_json::Value {
    app.call_as("accounts/me", &[], Some(cookie)).await.json().await.unwrap()
}

/// A sign-in sent to the provider: the session that remembers it and what was sent.
struct Started {
    cookie: String,
    state: String,
    nonce: String,
    challenge: String,
}

async fn start(app: &TestApp, fake: &FakeOidc) -> Started {
    let res = app.get("/auth/google/start").await;
    let to = url::Url::parse(&location(&res)).unwrap();
    let cookie = session_cookie(&res).expect("the pending sign-in lives in a session");
    assert_eq!(format!("{}{}", to.origin().ascii_serialization(), to.path()), format!("{}/authorize", fake.issuer));
    let q: HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:3000/auth/google/callback", "PUBLIC_URL + callback path");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    assert!(["openid", "email", "profile"].iter().all(|s| scopes.contains(s)), "{scopes:?}");
    for name in ["state", "nonce", "code_challenge"] {
        assert!(q.get(name).is_some_and(|v| v.len() >= 16), "{name} present: {q:?}");
    }
    assert!(!to.as_str().contains(CLIENT_SECRET), "the secret never goes to the browser");
    Started { cookie, state: q["state"].clone(), nonce: q["nonce"].clone(), challenge: q["code_challenge"].clone() }
}

async fn callback(app: &TestApp, cookie: &str, query: &[(&str, &str)]) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    app.client
        .get(app.url(&format!("/auth/google/callback?{query}")))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request sent")
}

/// The whole round trip for a person whose ID token has `claims` (adjusted by `tweak`).
async fn sign_in_with(
    app: &TestApp,
    fake: &FakeOidc,
    sub: &str,
    email: &str,
    tweak: impl FnOnce(&mut crate::fake_oidc::Claims),
) -> (Started, Response) {
    let started = start(app, fake).await;
    let mut claims = fake.claims(&started.nonce, sub, email);
    tweak(&mut claims);
    let code = format!("code-{}", Uuid::new_v4());
    fake.grant(&code, &started.challenge, claims);
    let res = callback(app, &started.cookie, &[("code", &code), ("state", &started.state)]).await;
    (started, res)
}

async fn failure_reasons(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT detail->>'reason' FROM audit_log WHERE event = 'google_sign_in_failed' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Signs up with a password; confirms the email when `confirm`.
async fn password_account(app: &TestApp, pool: &PgPool, email: &str, confirm: bool) -> Uuid {
    if confirm {
        crate::accounts::signed_up_and_confirmed(app, pool, email).await;
    } else {
        assert_eq!(crate::accounts::sign_up(app, email).await.status(), 200);
    }
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn google_sign_in_creates_a_verified_member_and_signs_in_with_a_new_session(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;

    let (started, res) = sign_in_with(&app, &fake, "google-sub-1", "ada@example.com", |_| {}).await;
    assert_eq!(location(&res), "/account");
    let cookie = session_cookie(&res).expect("signed in");
    assert_ne!(cookie, started.cookie, "a new session id at sign-in");
    let user = me(&app, &cookie).await;
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["display_name"], "Ada Lovelace");
    assert_eq!(user["verified"], true);
    assert_eq!(user["role"], "member");
    assert!(me(&app, &started.cookie).await.is_null(), "the pre-sign-in session id signs no one in");

    let (sub, has_password): (Option<String>, bool) =
        sqlx::query_as("SELECT google_sub, password_hash IS NOT NULL FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!((sub.as_deref(), has_password), (Some("google-sub-1"), false));
    assert_eq!(
        count(&pool, "SELECT count(*) FROM audit_log WHERE event = 'sign_in' AND detail->>'method' = 'google'").await,
        1
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE template = 'welcome'").await, 1);

    // No password: password sign-in fails like any wrong password.
    let res = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", "any password at all")]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<threadr::error::AppError>().await.unwrap().to_string(), SIGN_IN_FAILED);

    // Coming back (even with another email at Google) finds the same account by subject.
    let (_, res) = sign_in_with(&app, &fake, "google-sub-1", "ada.lovelace@example.com", |_| {}).await;
    assert_eq!(location(&res), "/account");
    let again = me(&app, &session_cookie(&res).unwrap()).await;
    assert_eq!(again["id"], user["id"]);
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE template = 'welcome'").await, 1, "one welcome");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn google_sign_in_links_an_existing_verified_account_with_the_same_email(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let existing = password_account(&app, &pool, "ada@example.com", true).await;

    let (_, res) = sign_in_with(&app, &fake, "google-sub-2", "ada@EXAMPLE.com", |_| {}).await;
    assert_eq!(location(&res), "/account");
    let user = me(&app, &session_cookie(&res).unwrap()).await;
    assert_eq!(user["id"], existing.to_string(), "the same account");
    assert_eq!(user["display_name"], "Ada", "the name is kept");
    let sub: Option<String> =
        sqlx::query_scalar("SELECT google_sub FROM users WHERE id = $1").bind(existing).fetch_one(&pool).await.unwrap();
    assert_eq!(sub.as_deref(), Some("google-sub-2"));
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE event = 'google_linked'").await, 1);
    let res = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), 200, "the password still works");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn google_sign_in_refuses_to_link_an_unconfirmed_account(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let existing = password_account(&app, &pool, "ada@example.com", false).await;

    let (started, res) = sign_in_with(&app, &fake, "google-sub-3", "ada@example.com", |_| {}).await;
    assert_eq!(location(&res), "/sign-in?error=google_unverified_account");
    let after = session_cookie(&res).unwrap_or_else(|| started.cookie.clone());
    assert_eq!(after, started.cookie, "no new session id");
    assert!(me(&app, &after).await.is_null(), "not signed in");
    let (sub, verified): (Option<String>, bool) =
        sqlx::query_as("SELECT google_sub, email_verified_at IS NOT NULL FROM users WHERE id = $1")
            .bind(existing)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((sub, verified), (None, false), "not linked, not verified");
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 1);
    assert_eq!(failure_reasons(&pool).await, ["unverified_account"]);

    let page = app.get("/sign-in?error=google_unverified_account").await.text().await.unwrap();
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("its address is not confirmed yet"), "the page explains: {page}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_wrong_state_is_refused_and_spends_the_pending_sign_in(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let started = start(&app, &fake).await;
    let claims = fake.claims(&started.nonce, "google-sub-4", "ada@example.com");
    fake.grant("code-4", &started.challenge, claims);

    let res = callback(&app, &started.cookie, &[("code", "code-4"), ("state", "forged-state-value")]).await;
    assert_eq!(location(&res), "/sign-in?error=google_expired");
    assert!(me(&app, &started.cookie).await.is_null());
    let replay = callback(&app, &started.cookie, &[("code", "code-4"), ("state", &started.state)]).await;
    assert_eq!(location(&replay), "/sign-in?error=google_expired", "the pending sign-in was used up");
    assert!(me(&app, &started.cookie).await.is_null());
    assert_eq!(fake.token_requests(), 0, "no code was exchanged");
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 0);
    assert_eq!(failure_reasons(&pool).await, ["state_mismatch", "no_pending_sign_in"]);

    // Junk and missing parameters, without a session: a redirect, never a 500.
    for query in ["", "code=x", "state=", "code=%FF&state=%00", "error=", "state=a&state=b"] {
        let res = app.get(&format!("/auth/google/callback?{query}")).await;
        assert_eq!(res.status(), 303, "{query}");
        assert!(location(&res).starts_with("/sign-in?error=google_"), "{query}");
    }
    let page = app.get("/sign-in?error=google_expired").await.text().await.unwrap();
    assert!(page.contains("Your Google sign-in expired or was started in another tab. Try again."));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_sign_in_left_at_google_for_more_than_ten_minutes_is_refused(pool: PgPool) {
    use threadr::server::clock::ManualClock;
    let fake = FakeOidc::start().await;
    let clock = std::sync::Arc::new(ManualClock::new(Utc::now()));
    let config = config_with(&[
        ("GOOGLE_CLIENT_ID", CLIENT_ID),
        ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
        ("GOOGLE_ISSUER_URL", &fake.issuer),
    ]);
    let app = TestApp::spawn_with_config_and_clock(pool.clone(), config, clock.clone()).await;
    let started = start(&app, &fake).await;
    fake.grant("code-late", &started.challenge, fake.claims(&started.nonce, "google-sub-late", "late@example.com"));
    clock.advance(Duration::minutes(11));
    let res = callback(&app, &started.cookie, &[("code", "code-late"), ("state", &started.state)]).await;
    assert_eq!(location(&res), "/sign-in?error=google_expired");
    assert!(me(&app, &started.cookie).await.is_null());
    assert_eq!(fake.token_requests(), 0, "the code was never exchanged");
    assert_eq!(failure_reasons(&pool).await, ["pending_sign_in_expired"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn cancelling_at_google_comes_back_as_an_error_and_spends_the_pending_sign_in(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let started = start(&app, &fake).await;
    let res = callback(&app, &started.cookie, &[("error", "access_denied"), ("state", &started.state)]).await;
    assert_eq!(location(&res), "/sign-in?error=google_denied");
    let replay = callback(&app, &started.cookie, &[("code", "x"), ("state", &started.state)]).await;
    assert_eq!(location(&replay), "/sign-in?error=google_expired");
    let detail: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE event = 'google_sign_in_failed' ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(detail, serde_json::json!({ "reason": "provider_error", "error": "access_denied" }));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_id_token_with_another_nonce_is_refused(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let (started, res) =
        sign_in_with(&app, &fake, "google-sub-5", "ada@example.com", |c| c.nonce = "someone-elses-nonce".into()).await;
    assert_eq!(location(&res), "/sign-in?error=google_failed");
    assert!(me(&app, &started.cookie).await.is_null());
    assert_eq!(fake.token_requests(), 1, "the code was exchanged, then the token checked");
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 0);
    assert_eq!(failure_reasons(&pool).await, ["nonce_mismatch"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_expired_id_token_is_refused(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let (started, res) = sign_in_with(&app, &fake, "google-sub-6", "ada@example.com", |c| {
        c.iat = Utc::now() - Duration::hours(2);
        c.exp = Utc::now() - Duration::minutes(1);
    })
    .await;
    assert_eq!(location(&res), "/sign-in?error=google_failed");
    assert!(me(&app, &started.cookie).await.is_null());
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 0);
    assert_eq!(failure_reasons(&pool).await, ["id_token_expired"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn id_tokens_for_another_client_or_issuer_are_refused(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let (_, res) = sign_in_with(&app, &fake, "s", "ada@example.com", |c| c.aud = "another-client".into()).await;
    assert_eq!(location(&res), "/sign-in?error=google_failed");
    let (_, res) = sign_in_with(&app, &fake, "s", "ada@example.com", |c| c.iss = "https://evil.example".into()).await;
    assert_eq!(location(&res), "/sign-in?error=google_failed");
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 0);
    assert_eq!(failure_reasons(&pool).await, ["wrong_audience", "wrong_issuer"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_email_google_has_not_verified_is_refused(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let app = app_with_google(&pool, &fake).await;
    let existing = password_account(&app, &pool, "ada@example.com", true).await;
    let (started, res) =
        sign_in_with(&app, &fake, "google-sub-7", "ada@example.com", |c| c.email_verified = false).await;
    assert_eq!(location(&res), "/sign-in?error=google_email_unverified");
    assert!(me(&app, &started.cookie).await.is_null());
    let sub: Option<String> =
        sqlx::query_scalar("SELECT google_sub FROM users WHERE id = $1").bind(existing).fetch_one(&pool).await.unwrap();
    assert_eq!(sub, None, "not linked");
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 1);
    assert_eq!(failure_reasons(&pool).await, ["email_not_verified"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_sign_in_page_offers_google_only_when_configured(pool: PgPool) {
    let off = TestApp::spawn(pool.clone()).await;
    assert_eq!(off.get("/auth/google/start").await.status(), 404);
    assert_eq!(off.get("/auth/google/callback?code=x&state=y").await.status(), 404);
    let methods: serde_json::Value = off.call("accounts/sign-in-methods", &[]).await.json().await.unwrap();
    assert_eq!(methods, serde_json::json!({ "google": false }));
    let page = off.get("/sign-in").await.text().await.unwrap();
    assert!(!page.contains("/auth/google/start") && !page.contains("Continue with Google"));

    let fake = FakeOidc::start().await;
    let on = app_with_google(&pool, &fake).await;
    let methods: serde_json::Value = on.call("accounts/sign-in-methods", &[]).await.json().await.unwrap();
    assert_eq!(methods, serde_json::json!({ "google": true }));
    let page = on.get("/sign-in").await.text().await.unwrap();
    let link = page.find("href=\"/auth/google/start\"").expect("the link is in the server-rendered page");
    assert!(!page[..link].contains("<template"), "rendered in place, not streamed in for JavaScript to insert");
    assert!(page.contains("Continue with Google") && page.contains("rel=\"external\""));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn starting_google_sign_in_is_limited_per_ip(pool: PgPool) {
    let fake = FakeOidc::start().await;
    let config = config_with(&[
        ("GOOGLE_CLIENT_ID", CLIENT_ID),
        ("GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
        ("GOOGLE_ISSUER_URL", &fake.issuer),
        ("AUTH_ATTEMPTS_PER_IP", "3"),
    ]);
    let app = TestApp::spawn_with(pool.clone(), config).await;
    let mut targets = Vec::new();
    for _ in 0..4 {
        let res = app.get("/auth/google/start").await;
        targets.push(location(&res));
    }
    assert!(targets[..3].iter().all(|t| t.starts_with(&fake.issuer)), "{targets:?}");
    assert_eq!(targets[3], "/sign-in?error=google_rate_limited");
    assert_eq!(failure_reasons(&pool).await, ["rate_limited"]);
    let page = app.get("/sign-in?error=google_rate_limited").await.text().await.unwrap();
    assert!(page.contains("Too many sign-in attempts from your network."));
}
