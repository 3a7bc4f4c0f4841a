//! Accounts over HTTP: sign-up, confirmation, sign-in limits, sessions, CSRF.

use crate::helpers::TestApp;
pub(crate) use crate::helpers::session_cookie;
use reqwest::Response;
use sqlx::PgPool;
use threadr::features::accounts::{LINK_INVALID, SIGN_IN_FAILED, SIGN_UP_DONE};
use threadr::server::db::MIGRATOR;

pub(crate) const PASSWORD: &str = "correct horse battery";

/// What the page would show: the error decoded the way the browser decodes it.
pub(crate) async fn message(res: Response) -> String {
    res.json::<threadr::error::AppError>().await.unwrap().to_string()
}

pub(crate) async fn sign_up(app: &TestApp, email: &str) -> Response {
    app.call("accounts/sign-up", &[("email", email), ("password", PASSWORD), ("display_name", "Ada")]).await
}

/// The token in the newest verification email to `email`.
async fn verification_token(pool: &PgPool, email: &str) -> String {
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = $1 AND template = 'verify_email' ORDER BY created_at DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .unwrap();
    let link =
        threadr::features::email::links_in(&text).into_iter().find(|l| l.contains("/verify-email?token=")).unwrap();
    link.split("token=").nth(1).unwrap().to_string()
}

pub(crate) async fn signed_up_and_confirmed(app: &TestApp, pool: &PgPool, email: &str) {
    assert_eq!(sign_up(app, email).await.status(), 200);
    let token = verification_token(pool, email).await;
    assert_eq!(app.call("accounts/confirm-email", &[("token", &token)]).await.status(), 200);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sign_up_stores_a_hashed_password_and_queues_a_confirmation_in_one_go(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let res = sign_up(&app, "  Ada@Example.COM ").await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(&res).is_none(), "not signed in before confirming");
    assert_eq!(res.json::<String>().await.unwrap(), SIGN_UP_DONE);

    let (email, hash, verified): (String, String, bool) =
        sqlx::query_as("SELECT email::text, password_hash, email_verified_at IS NOT NULL FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email, "Ada@example.com");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$") && !hash.contains(PASSWORD));
    assert!(!verified);
    let token = verification_token(&pool, "Ada@example.com").await;
    assert_eq!(token.len(), 64);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))")
            .bind(&token)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, 1, "only the token's hash is stored");
    let events: Vec<String> = sqlx::query_scalar("SELECT event FROM audit_log").fetch_all(&pool).await.unwrap();
    assert_eq!(events, ["sign_up"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn signing_up_with_a_registered_email_looks_the_same_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    assert_eq!(sign_up(&app, "ada@example.com").await.status(), 200);
    let again = sign_up(&app, "ADA@example.com").await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<String>().await.unwrap(), SIGN_UP_DONE);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    let mails: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((users, mails), (1, 1));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_sign_up_input_gets_400_with_the_reason_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let long_name = "x".repeat(81);
    let cases: [(&str, &str, &str, &str); 5] = [
        ("not-an-email", PASSWORD, "Ada", "Enter a valid email address, like name@example.com."),
        ("ada@example.com", "short", "Ada", "Use at least 10 characters for your password."),
        ("ada@example.com", "password123", "Ada", "That password is one of the most common ones. Choose another."),
        ("ada@example.com", PASSWORD, &long_name, "Your name is too long (80 characters at most)."),
        ("ada@example.com", PASSWORD, "   ", "Enter your name."),
    ];
    for (email, password, name, expected) in cases {
        let res =
            app.call("accounts/sign-up", &[("email", email), ("password", password), ("display_name", name)]).await;
        assert_eq!(res.status(), 400, "{email} {password} {name}");
        assert_eq!(message(res).await, expected);
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn names_with_markup_are_stored_as_typed_and_shown_inert(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let name = "<script>alert('x')</script> O'Brien; DROP TABLE users;--";
    let res = app
        .call("accounts/sign-up", &[("email", "ob@example.com"), ("password", PASSWORD), ("display_name", name)])
        .await;
    assert_eq!(res.status(), 200);
    let token = verification_token(&pool, "ob@example.com").await;
    let res = app.call("accounts/confirm-email", &[("token", &token)]).await;
    let cookie = session_cookie(&res).unwrap();
    let page =
        app.client.get(app.url("/account")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<script>alert('x')</script>"));
    assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"), "escaped in the page");
    let stored: String = sqlx::query_scalar("SELECT display_name FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, name);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_confirmation_link_works_once_then_never_again(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    sign_up(&app, "ada@example.com").await;
    let token = verification_token(&pool, "ada@example.com").await;

    let res = app.call("accounts/confirm-email", &[("token", &token)]).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("signed in by the link");
    let me: serde_json::Value = app.call_as("accounts/me", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!((me["email"].as_str(), me["verified"].as_bool()), (Some("ada@example.com"), Some(true)));
    let welcome: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE template = 'welcome'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(welcome, 1, "welcome email after confirmation");

    let again = app.call("accounts/confirm-email", &[("token", &token)]).await;
    assert_eq!(again.status(), 400);
    assert_eq!(message(again).await, LINK_INVALID);
    for bad in ["", "nothex", &"0".repeat(64)] {
        assert_eq!(message(app.call("accounts/confirm-email", &[("token", bad)]).await).await, LINK_INVALID);
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_expired_confirmation_link_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    sign_up(&app, "ada@example.com").await;
    let token = verification_token(&pool, "ada@example.com").await;
    sqlx::query("UPDATE auth_tokens SET expires_at = now() - interval '1 second'").execute(&pool).await.unwrap();
    let res = app.call("accounts/confirm-email", &[("token", &token)]).await;
    assert_eq!(res.status(), 400);
    let verified: bool =
        sqlx::query_scalar("SELECT email_verified_at IS NOT NULL FROM users").fetch_one(&pool).await.unwrap();
    assert!(!verified);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn sign_in_rotates_the_session_and_sign_out_ends_it(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;

    let first = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(first.status(), 200);
    let before = session_cookie(&first).unwrap();
    let second =
        app.call_as("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)], Some(&before)).await;
    let after = session_cookie(&second).unwrap();
    assert_ne!(before, after, "a new session id at sign-in");
    let set_cookie = second.headers()["set-cookie"].to_str().unwrap().to_ascii_lowercase();
    assert!(set_cookie.contains("httponly") && set_cookie.contains("samesite=lax"), "{set_cookie}");
    assert!(!set_cookie.contains("secure"), "not Secure over plain http");

    let me: serde_json::Value = app.call_as("accounts/me", &[], Some(&before)).await.json().await.unwrap();
    assert!(me.is_null(), "the old session id no longer signs anyone in");

    assert_eq!(app.call_as("accounts/sign-out", &[], Some(&after)).await.status(), 200);
    let me: serde_json::Value = app.call_as("accounts/me", &[], Some(&after)).await.json().await.unwrap();
    assert!(me.is_null(), "signed out");
    let page = app.client.get(app.url("/account")).header("cookie", &after).send().await.unwrap();
    assert_eq!(page.status(), 401);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn wrong_passwords_and_unknown_emails_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let wrong = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", "not the password")]).await;
    let unknown = app.call("accounts/sign-in", &[("email", "bob@example.com"), ("password", "not the password")]).await;
    assert_eq!((wrong.status().as_u16(), unknown.status().as_u16()), (400, 400));
    assert!(session_cookie(&wrong).is_none());
    assert_eq!(message(wrong).await, SIGN_IN_FAILED);
    assert_eq!(message(unknown).await, SIGN_IN_FAILED);
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'sign_in_failed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures, 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn twenty_parallel_attempts_on_one_account_let_exactly_five_through(pool: PgPool) {
    let app = std::sync::Arc::new(TestApp::spawn(pool.clone()).await);
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let res = app
                    .call("accounts/sign-in", &[("email", "ada@example.com"), ("password", "not the password")])
                    .await;
                let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
                (res.status().as_u16(), retry_after)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let evaluated = outcomes.iter().filter(|(s, _)| *s == 400).count();
    let limited: Vec<_> = outcomes.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!((evaluated, limited.len()), (5, 15), "{outcomes:?}");
    for (_, retry_after) in limited {
        let secs: u64 = retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=900).contains(&secs));
    }
    // Even the right password is refused until the window passes.
    let res = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), 429);
    assert!(message(res).await.starts_with("Too many requests. Please try again in"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn cross_site_posts_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let post = |origin: Option<&'static str>, site: Option<&'static str>| {
        let mut req = app
            .client
            .post(app.url("/api/accounts/sign-up"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("email=ada%40example.com&password=correct+horse+battery&display_name=Ada");
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        req.send()
    };
    assert_eq!(post(Some("https://evil.example"), None).await.unwrap().status(), 403);
    assert_eq!(post(None, Some("cross-site")).await.unwrap().status(), 403);
    assert_eq!(post(Some("https://evil.example"), Some("same-site")).await.unwrap().status(), 403);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 0, "nothing happened");
    let own_origin: &'static str = Box::leak(format!("http://{}", app.addr).into_boxed_str());
    assert_eq!(post(Some(own_origin), Some("same-origin")).await.unwrap().status(), 200);
}

/// A confirmed member, signed in: their session cookie.
pub(crate) async fn member(app: &TestApp, pool: &PgPool, email: &str) -> String {
    signed_up_and_confirmed(app, pool, email).await;
    sign_in_cookie(app, email, PASSWORD).await.unwrap()
}

/// The token of the newest `template` email to `email`, from the link with `path`.
pub(crate) async fn emailed_token(pool: &PgPool, email: &str, template: &str, path: &str) -> String {
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = $1 AND template = $2 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(email)
    .bind(template)
    .fetch_one(pool)
    .await
    .unwrap();
    let link = threadr::features::email::links_in(&text).into_iter().find(|l| l.contains(path)).unwrap();
    link.split("token=").nth(1).unwrap().to_string()
}

pub(crate) async fn sign_in_cookie(app: &TestApp, email: &str, password: &str) -> Option<String> {
    session_cookie(&app.call("accounts/sign-in", &[("email", email), ("password", password)]).await)
}

pub(crate) async fn me(app: &TestApp, cookie: &str) -> serde_json::Value {
    app.call_as("accounts/me", &[], Some(cookie)).await.json().await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_password_reset_works_once_and_signs_out_other_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let old_session = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();

    let unknown = app.call("accounts/forgot-password", &[("email", "nobody@example.com")]).await;
    let known = app.call("accounts/forgot-password", &[("email", "ada@example.com")]).await;
    assert_eq!(unknown.json::<String>().await.unwrap(), known.json::<String>().await.unwrap(), "same answer");
    let resets: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox WHERE template = 'password_reset'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(resets, 1, "only the real account got a link");
    let token = emailed_token(&pool, "ada@example.com", "password_reset", "/reset-password?token=").await;

    let weak = app.call("accounts/reset-password", &[("token", &token), ("password", "short")]).await;
    assert_eq!(weak.status(), 400);
    assert_eq!(message(weak).await, "Use at least 10 characters for your password.");

    let res = app.call("accounts/reset-password", &[("token", &token), ("password", "a brand new secret")]).await;
    assert_eq!(res.status(), 200, "a refused password did not use the link up");
    assert!(session_cookie(&res).is_some(), "signed in by the reset");
    assert!(me(&app, &old_session).await.is_null(), "other sessions are signed out");
    assert!(sign_in_cookie(&app, "ada@example.com", PASSWORD).await.is_none(), "the old password no longer works");
    assert!(sign_in_cookie(&app, "ada@example.com", "a brand new secret").await.is_some());

    let again = app.call("accounts/reset-password", &[("token", &token), ("password", "another new secret")]).await;
    assert_eq!(message(again).await, LINK_INVALID);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_magic_link_signs_in_once(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    assert_eq!(sign_up(&app, "ada@example.com").await.status(), 200);
    let res = app.call("accounts/magic-link", &[("email", "ada@example.com")]).await;
    assert_eq!(res.status(), 200);
    let token = emailed_token(&pool, "ada@example.com", "magic_link", "/sign-in/link?token=").await;

    let res = app.call("accounts/use-magic-link", &[("token", &token)]).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    let user = me(&app, &cookie).await;
    assert_eq!((user["email"].as_str(), user["verified"].as_bool()), (Some("ada@example.com"), Some(true)));

    let again = app.call("accounts/use-magic-link", &[("token", &token)]).await;
    assert_eq!(again.status(), 400);
    assert_eq!(message(again).await, LINK_INVALID);

    app.call("accounts/magic-link", &[("email", "ada@example.com")]).await;
    let late = emailed_token(&pool, "ada@example.com", "magic_link", "/sign-in/link?token=").await;
    sqlx::query("UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'magic_link'")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(message(app.call("accounts/use-magic-link", &[("token", &late)]).await).await, LINK_INVALID);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn reset_and_magic_link_requests_are_limited_per_account(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    for endpoint in ["accounts/forgot-password", "accounts/magic-link"] {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(app.call(endpoint, &[("email", "someone@example.com")]).await.status().as_u16());
        }
        assert_eq!(statuses, [200, 200, 200, 200, 200, 429], "{endpoint}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn signing_out_everywhere_ends_every_session(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let phone = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    let laptop = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    assert!(!me(&app, &phone).await.is_null() && !me(&app, &laptop).await.is_null());
    assert_eq!(app.call_as("accounts/sign-out-everywhere", &[], Some(&laptop)).await.status(), 200);
    assert!(me(&app, &phone).await.is_null());
    assert!(me(&app, &laptop).await.is_null());
    let res = app.call("accounts/sign-out-everywhere", &[]).await;
    assert_eq!(res.status(), 401, "signed-out callers are refused by the guard");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'sessions_revoked'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_session_idle_for_more_than_30_minutes_is_refused(pool: PgPool) {
    use chrono::Duration;
    use threadr::server::clock::ManualClock;
    let clock = std::sync::Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock.clone()).await;
    threadr::features::accounts::create_admin(&pool, "root@example.com", "a long admin secret".into()).await.unwrap();
    signed_up_and_confirmed(&app, &pool, "member@example.com").await;
    let admin = sign_in_cookie(&app, "root@example.com", "a long admin secret").await.unwrap();
    let member = sign_in_cookie(&app, "member@example.com", PASSWORD).await.unwrap();
    assert_eq!(me(&app, &admin).await["role"], "admin");

    clock.advance(Duration::minutes(29));
    assert_eq!(me(&app, &admin).await["role"], "admin", "activity within 30 minutes keeps the session");
    clock.advance(Duration::minutes(29));
    assert_eq!(me(&app, &admin).await["role"], "admin", "idle time counts from the last request");
    clock.advance(Duration::minutes(31));
    assert!(me(&app, &admin).await.is_null(), "idle for 31 minutes: signed out");
    assert!(me(&app, &admin).await.is_null(), "and stays signed out");
    assert_eq!(me(&app, &member).await["email"], "member@example.com", "members keep their 30-day sessions");
    let expired: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'admin_session_expired'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(expired, 1);
}
