//! ADMIN_PORTAL_KEY: admins enter it once per session before any admin page.

use crate::accounts::{PASSWORD, message, sign_in_cookie, signed_up_and_confirmed};
use crate::helpers::{TestApp, config_with, session_cookie};
use sqlx::PgPool;
use threadr::features::accounts::WRONG_PORTAL_KEY;
use threadr::server::db::MIGRATOR;

const KEY: &str = "the admin portal key 42";

async fn kind(res: reqwest::Response) -> String {
    res.json::<serde_json::Value>().await.unwrap()["kind"].as_str().unwrap_or_default().to_string()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admins_enter_the_portal_key_once_per_session(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), config_with(&[("ADMIN_PORTAL_KEY", KEY)])).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;

    let res = app.call_as("mail/list", &[], Some(&admin)).await;
    assert_eq!(res.status(), 403);
    assert_eq!(kind(res).await, "step_up_required");
    let page = app.get_as("/admin/mail", &admin).await;
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("Enter the admin portal key"));
    let gate: bool = app.call_as("admin/gate", &[], Some(&admin)).await.json().await.unwrap();
    assert!(gate, "the gate asks for the key");

    let wrong = app.call_as("admin/step-up", &[("key", "not the key")], Some(&admin)).await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(message(wrong).await, WRONG_PORTAL_KEY);
    assert_eq!(app.call_as("mail/list", &[], Some(&admin)).await.status(), 403, "still locked");

    let res = app.call_as("admin/step-up", &[("key", KEY)], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let stepped = session_cookie(&res).expect("a new session id at the privilege change");
    assert_ne!(stepped, admin);
    assert_eq!(app.call_as("mail/list", &[], Some(&stepped)).await.status(), 200);
    let gate: bool = app.call_as("admin/gate", &[], Some(&stepped)).await.json().await.unwrap();
    assert!(!gate, "asked once per session");
    assert_eq!(app.call_as("mail/list", &[], Some(&admin)).await.status(), 401, "the old session id is gone");

    let second_session = sign_in_cookie(&app, "root@example.com", "a long admin secret").await.unwrap();
    assert_eq!(app.call_as("mail/list", &[], Some(&second_session)).await.status(), 403, "a new session asks again");

    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log WHERE event LIKE 'admin_step_up%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events, ["admin_step_up_failed", "admin_step_up"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn members_cannot_step_up_and_guessing_is_limited(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), config_with(&[("ADMIN_PORTAL_KEY", KEY)])).await;
    signed_up_and_confirmed(&app, &pool, "member@example.com").await;
    let member = sign_in_cookie(&app, "member@example.com", PASSWORD).await.unwrap();
    assert_eq!(app.call_as("admin/step-up", &[("key", KEY)], Some(&member)).await.status(), 403);
    assert_eq!(app.call_as("mail/list", &[], Some(&member)).await.status(), 403);

    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.call_as("admin/step-up", &[("key", "guess guess")], Some(&admin)).await.status().as_u16());
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_a_portal_key_admins_go_straight_in(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let gate: bool = app.call_as("admin/gate", &[], Some(&admin)).await.json().await.unwrap();
    assert!(!gate);
    assert_eq!(app.call_as("mail/list", &[], Some(&admin)).await.status(), 200);
}

#[test]
fn a_short_portal_key_is_a_configuration_error() {
    let err = threadr::server::config::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some("postgres://u@127.0.0.1/db".into()),
        "ADMIN_PORTAL_KEY" => Some("short".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(err.to_string().contains("ADMIN_PORTAL_KEY"), "{err}");
    let ok = crate::helpers::config_with(&[("ADMIN_PORTAL_KEY", KEY)]);
    assert!(!format!("{ok:?}").contains(KEY), "the key never reaches a log line");
}
