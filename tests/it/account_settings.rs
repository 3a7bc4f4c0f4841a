//! The account pages over HTTP: profile, password and email changes, devices, deletion.

use crate::accounts::{PASSWORD, emailed_token, me, member, message, sign_in_cookie, signed_up_and_confirmed};
use crate::helpers::{TestApp, count, session_cookie};
use sqlx::PgPool;
use threadr::features::accounts::{EMAIL_CHANGE_SENT, LINK_INVALID, WRONG_PASSWORD};
use threadr::server::db::MIGRATOR;

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_profile_is_saved_as_typed_and_shown_inert(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let name = "Ada <script>alert(1)</script> O'Brien";
    let res = app
        .call_as(
            "accounts/update-profile",
            &[("display_name", name), ("bio", "Knits & sells'; DROP TABLE users;--")],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 200);
    let profile: serde_json::Value = app.call_as("accounts/profile", &[], Some(&ada)).await.json().await.unwrap();
    assert_eq!(profile["display_name"], name);
    assert_eq!(profile["bio"], "Knits & sells'; DROP TABLE users;--");
    let page = app.get_as("/account", &ada).await.text().await.unwrap();
    assert!(
        page.contains("Ada &lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien") || page.contains("Ada &lt;script&gt;")
    );
    assert!(!page.contains("<script>alert(1)"), "markup is shown as text");
    assert!(page.contains(">AO<"), "avatar initials");

    for (field_name, bio, expected) in [
        ("", "ok", "Enter your name."),
        (&*"x".repeat(81), "ok", "Your name is too long (80 characters at most)."),
        ("Ada", &*"b".repeat(501), "Your bio is too long (500 characters at most)."),
    ] {
        let res =
            app.call_as("accounts/update-profile", &[("display_name", field_name), ("bio", bio)], Some(&ada)).await;
        assert_eq!(res.status(), 400);
        assert_eq!(message(res).await, expected);
    }
    let stored: String = sqlx::query_scalar("SELECT display_name FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, name, "refused input changed nothing");
    assert_eq!(app.call("accounts/update-profile", &[("display_name", "X"), ("bio", "")]).await.status(), 401);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_devices(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let phone = member(&app, &pool, "ada@example.com").await;
    let laptop = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();

    let wrong = app
        .call_as(
            "accounts/change-password",
            &[("current_password", "nope nope nope"), ("new_password", "a brand new secret")],
            Some(&laptop),
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(message(wrong).await, WRONG_PASSWORD);
    let weak = app
        .call_as(
            "accounts/change-password",
            &[("current_password", PASSWORD), ("new_password", "short")],
            Some(&laptop),
        )
        .await;
    assert_eq!(message(weak).await, "Use at least 10 characters for your password.");
    assert!(!me(&app, &phone).await.is_null(), "refused changes sign nobody out");

    let res = app
        .call_as(
            "accounts/change-password",
            &[("current_password", PASSWORD), ("new_password", "a brand new secret")],
            Some(&laptop),
        )
        .await;
    assert_eq!(res.status(), 200);
    let laptop = session_cookie(&res).expect("this device gets a new session");
    assert_eq!(me(&app, &laptop).await["email"], "ada@example.com");
    assert!(me(&app, &phone).await.is_null(), "the other device is signed out");
    assert!(sign_in_cookie(&app, "ada@example.com", PASSWORD).await.is_none());
    assert!(sign_in_cookie(&app, "ada@example.com", "a brand new secret").await.is_some());
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE template = 'account_notice'").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE event = 'password_changed'").await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn guessing_the_current_password_is_limited(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let form = [("current_password", "a wrong guess!"), ("new_password", "a brand new secret")];
        statuses.push(app.call_as("accounts/change-password", &form, Some(&ada)).await.status().as_u16());
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_email_change_is_confirmed_from_the_new_address(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    signed_up_and_confirmed(&app, &pool, "taken@example.com").await;

    let bad = app
        .call_as("accounts/change-email", &[("new_email", "not-an-email"), ("current_password", PASSWORD)], Some(&ada))
        .await;
    assert_eq!(bad.status(), 400);
    let wrong = app
        .call_as(
            "accounts/change-email",
            &[("new_email", "new@example.com"), ("current_password", "wrong password!")],
            Some(&ada),
        )
        .await;
    assert_eq!(message(wrong).await, WRONG_PASSWORD);

    let taken = app
        .call_as(
            "accounts/change-email",
            &[("new_email", "taken@example.com"), ("current_password", PASSWORD)],
            Some(&ada),
        )
        .await;
    assert_eq!(taken.json::<String>().await.unwrap(), EMAIL_CHANGE_SENT, "the same answer for a taken address");
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE template = 'confirm_new_email'").await, 0);

    let res = app
        .call_as(
            "accounts/change-email",
            &[("new_email", "Ada.New@Example.com"), ("current_password", PASSWORD)],
            Some(&ada),
        )
        .await;
    assert_eq!(res.json::<String>().await.unwrap(), EMAIL_CHANGE_SENT);
    assert_eq!(me(&app, &ada).await["email"], "ada@example.com", "unchanged until confirmed");
    let profile: serde_json::Value = app.call_as("accounts/profile", &[], Some(&ada)).await.json().await.unwrap();
    assert_eq!(profile["pending_email"], "Ada.New@example.com");

    let token = emailed_token(&pool, "Ada.New@example.com", "confirm_new_email", "/account/confirm-email?token=").await;
    let res = app.call("accounts/confirm-email-change", &[("token", &token)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(me(&app, &ada).await["email"], "Ada.New@example.com");
    let notice: String = sqlx::query_scalar("SELECT text_body FROM email_outbox WHERE template = 'account_notice'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(notice.contains("changed to Ada.New@example.com"));
    let to: String = sqlx::query_scalar("SELECT recipient FROM email_outbox WHERE template = 'account_notice'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(to, "ada@example.com", "the old address is told");

    let again = app.call("accounts/confirm-email-change", &[("token", &token)]).await;
    assert_eq!(message(again).await, LINK_INVALID);
    assert!(sign_in_cookie(&app, "Ada.New@example.com", PASSWORD).await.is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_email_change_to_an_address_taken_meanwhile_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let form = [("new_email", "later@example.com"), ("current_password", PASSWORD)];
    app.call_as("accounts/change-email", &form, Some(&ada)).await;
    let token = emailed_token(&pool, "later@example.com", "confirm_new_email", "/account/confirm-email?token=").await;
    signed_up_and_confirmed(&app, &pool, "later@example.com").await;
    let res = app.call("accounts/confirm-email-change", &[("token", &token)]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(me(&app, &ada).await["email"], "ada@example.com");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn devices_are_listed_and_each_can_be_signed_out(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let phone = member(&app, &pool, "ada@example.com").await;
    let laptop = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    let bob = member(&app, &pool, "bob@example.com").await;

    // The confirmation link signed in a third browser.
    let list: Vec<serde_json::Value> = app.call_as("accounts/sessions", &[], Some(&laptop)).await.json().await.unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(list.iter().all(|s| s["ip"] == "127.0.0.1"));
    let current = list.iter().find(|s| s["current"] == true).unwrap()["id"].as_str().unwrap().to_string();
    let others: Vec<String> =
        list.iter().filter(|s| s["current"] == false).map(|s| s["id"].as_str().unwrap().to_string()).collect();

    assert_eq!(app.call_as("accounts/end-session", &[("id", &current)], Some(&laptop)).await.status(), 400);
    assert_eq!(app.call_as("accounts/end-session", &[("id", &others[0])], Some(&bob)).await.status(), 404, "not Bob's");
    assert!(!me(&app, &phone).await.is_null());
    for other in &others {
        assert_eq!(app.call_as("accounts/end-session", &[("id", other)], Some(&laptop)).await.status(), 200);
    }
    assert!(me(&app, &phone).await.is_null(), "the phone is signed out");
    assert!(!me(&app, &laptop).await.is_null());
    let list: Vec<serde_json::Value> = app.call_as("accounts/sessions", &[], Some(&laptop)).await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(app.call_as("accounts/end-session", &[("id", "not-a-uuid")], Some(&laptop)).await.status(), 400);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn deleting_an_account_erases_personal_data_and_keeps_an_anonymous_row(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let other_device = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    let address = [
        ("address[full_name]", "Ada Lovelace"),
        ("address[line1]", "12 St James's Square"),
        ("address[city]", "London"),
        ("address[postal_code]", "SW1Y 4JH"),
        ("address[country]", "GB"),
    ];
    assert_eq!(app.call_as("accounts/save-address", &address, Some(&ada)).await.status(), 200);
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users").fetch_one(&pool).await.unwrap();

    let mistyped = app
        .call_as(
            "accounts/delete-account",
            &[("confirm_email", "ada@example.org"), ("current_password", PASSWORD)],
            Some(&ada),
        )
        .await;
    assert_eq!(mistyped.status(), 400);
    let wrong = app
        .call_as(
            "accounts/delete-account",
            &[("confirm_email", "ada@example.com"), ("current_password", "wrong password")],
            Some(&ada),
        )
        .await;
    assert_eq!(message(wrong).await, WRONG_PASSWORD);
    assert_eq!(count(&pool, "SELECT count(*) FROM users WHERE deleted_at IS NULL").await, 1, "nothing deleted yet");

    let res = app
        .call_as(
            "accounts/delete-account",
            &[("confirm_email", " ADA@example.com "), ("current_password", PASSWORD)],
            Some(&ada),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(me(&app, &ada).await.is_null());
    assert!(me(&app, &other_device).await.is_null(), "signed out everywhere");
    assert!(sign_in_cookie(&app, "ada@example.com", PASSWORD).await.is_none());

    let (email, name, hash, deleted): (String, String, Option<String>, bool) = sqlx::query_as(
        "SELECT email::text, display_name, password_hash, deleted_at IS NOT NULL FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (email, name.as_str(), hash, deleted),
        (format!("deleted-{id}@deleted.invalid"), "Deleted member", None, true)
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM addresses").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM user_sessions").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE recipient = 'ada@example.com'").await, 0);
    let traced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE user_id = $1 AND (email IS NOT NULL OR ip IS NOT NULL OR user_agent IS NOT NULL)",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(traced, 0, "the security log no longer says who from where");
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log WHERE event = 'account_deleted'").await, 1);

    // The address can be used again for a new account.
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    assert_eq!(count(&pool, "SELECT count(*) FROM users").await, 2);
}
