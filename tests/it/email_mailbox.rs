//! The dev mailbox over HTTP: server functions, pages and the sandboxed HTML preview.

use crate::accounts::{PASSWORD, sign_in_cookie, signed_up_and_confirmed};
use crate::email_outbox::enqueue_welcomes;
use crate::helpers::{TestApp, config_with};
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_test_email_is_queued_and_listed(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let res = app.call_as("mail/test", &[("to", "ops@example.com")], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let id: uuid::Uuid = res.json().await.unwrap();

    let res = app.call_as("mail/list", &[], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let list: serde_json::Value = res.json().await.unwrap();
    assert_eq!(list["items"][0]["id"], id.to_string());
    assert_eq!(list["items"][0]["recipient"], "ops@example.com");
    assert_eq!(list["items"][0]["status"], "pending");
    assert_eq!(list["stats"]["pending"], 1);

    let html = app.get_as("/admin/mail", &admin).await.text().await.unwrap();
    assert!(html.contains("[Threadr Notice] Test email from Threadr"));
    assert!(html.contains("ops@example.com"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_bad_recipient_gets_400_with_a_clear_message_and_nothing_is_queued(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    for bad in ["", "nobody", "a b@example.com"] {
        let res = app.call_as("mail/test", &[("to", bad)], Some(&admin)).await;
        assert_eq!(res.status(), 400, "{bad:?}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "invalid");
        assert_eq!(body["message"], "Enter a valid email address, like name@example.com.");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(n, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_message_page_shows_its_links_and_a_sandboxed_html_preview(pool: PgPool) {
    enqueue_welcomes(&pool, 1, "page").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_outbox").fetch_one(&pool).await.unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;

    let res = app.get_as(&format!("/admin/mail/{id}"), &admin).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Welcome to Threadr"));
    assert!(html.contains("href=\"https://threadr.example/\""), "links from the text body are listed");

    let res = app.get_as(&format!("/admin/mail/{id}/html"), &admin).await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.starts_with("sandbox"), "{csp}");
    assert!(!csp.contains("allow-scripts") && !csp.contains("allow-same-origin"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(res.text().await.unwrap().contains("Welcome, User 0!"));

    assert_eq!(app.get_as(&format!("/admin/mail/{}", uuid::Uuid::nil()), &admin).await.status(), 404);
    assert_eq!(app.get_as("/admin/mail/not-a-uuid", &admin).await.status(), 404);
    assert_eq!(app.get_as(&format!("/admin/mail/{}/html", uuid::Uuid::nil()), &admin).await.status(), 404);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn retrying_is_only_for_failed_or_dead_messages(pool: PgPool) {
    enqueue_welcomes(&pool, 1, "retry").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_outbox").fetch_one(&pool).await.unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let res = app.call_as("mail/retry", &[("id", &id.to_string())], Some(&admin)).await;
    assert_eq!(res.status(), 400, "a pending message cannot be retried");

    sqlx::query("UPDATE email_outbox SET status = 'dead', attempts = 8, last_error = 'x'")
        .execute(&pool)
        .await
        .unwrap();
    let res = app.call_as("mail/retry", &[("id", &id.to_string())], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status::text, attempts FROM email_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((status.as_str(), attempts), ("pending", 0));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_mailbox_does_not_exist_in_production(pool: PgPool) {
    enqueue_welcomes(&pool, 1, "prod").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_outbox").fetch_one(&pool).await.unwrap();
    let config = config_with(&[("APP_ENV", "production"), ("PUBLIC_URL", "https://threadr.example")]);
    let app = TestApp::spawn_with(pool.clone(), config).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    assert_eq!(app.get_as("/admin/mail", &admin).await.status(), 404);
    assert_eq!(app.get_as(&format!("/admin/mail/{id}/html"), &admin).await.status(), 404);
    assert_eq!(app.call_as("mail/list", &[], Some(&admin)).await.status(), 404);
    assert_eq!(app.call_as("mail/test", &[("to", "ops@example.com")], Some(&admin)).await.status(), 404);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_admins_see_the_mailbox(pool: PgPool) {
    enqueue_welcomes(&pool, 1, "guard").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_outbox").fetch_one(&pool).await.unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "member@example.com").await;
    let member = sign_in_cookie(&app, "member@example.com", PASSWORD).await.unwrap();

    assert_eq!(app.call("mail/list", &[]).await.status(), 401);
    assert_eq!(app.get("/admin/mail").await.status(), 401);
    assert_eq!(app.get(&format!("/admin/mail/{id}/html")).await.status(), 401);
    assert_eq!(app.call_as("mail/list", &[], Some(&member)).await.status(), 403);
    assert_eq!(app.call_as("mail/test", &[("to", "x@example.com")], Some(&member)).await.status(), 403);
    assert_eq!(app.get_as(&format!("/admin/mail/{id}/html"), &member).await.status(), 403);
    let body = app.get_as(&format!("/admin/mail/{id}"), &member).await.text().await.unwrap();
    assert!(!body.contains("Welcome, User 0"), "no message content for members");
}
