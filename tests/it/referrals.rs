//! Referral capture: `?ref=CODE` is remembered for 30 days and credited at sign-up.

use crate::accounts::{PASSWORD, sign_in_cookie, signed_up_and_confirmed};
use crate::helpers::TestApp;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

async fn referral_code(pool: &PgPool, email: &str) -> String {
    sqlx::query_scalar("SELECT referral_code FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

fn ref_cookie(res: &reqwest::Response) -> Option<String> {
    crate::helpers::set_cookie(res, "threadr_ref")
}

async fn sign_up_with(app: &TestApp, email: &str, cookie: &str) {
    let form = [("email", email), ("password", PASSWORD), ("display_name", "New")];
    assert_eq!(app.call_as("accounts/sign-up", &form, Some(cookie)).await.status(), 200);
}

async fn referrer_of(pool: &PgPool, email: &str) -> Option<uuid::Uuid> {
    sqlx::query_scalar("SELECT referred_by FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_visitor_with_a_referral_link_who_signs_up_is_credited(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let code = referral_code(&pool, "ada@example.com").await;

    let landing = app.get(&format!("/?ref={}", code.to_lowercase())).await;
    assert_eq!(landing.status(), 200);
    let set = ref_cookie(&landing).expect("the referral is remembered");
    assert!(set.contains("Max-Age=2592000") && set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let cookie = set.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with(&format!("threadr_ref={code}.")));

    sign_up_with(&app, "friend@example.com", &cookie).await;
    let ada: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'").fetch_one(&pool).await.unwrap();
    assert_eq!(referrer_of(&pool, "friend@example.com").await, Some(ada));

    let ada_session = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    let profile: serde_json::Value =
        app.call_as("accounts/profile", &[], Some(&ada_session)).await.json().await.unwrap();
    assert_eq!(profile["referred_members"], 1);
    assert!(profile["referral_link"].as_str().unwrap().ends_with(&format!("/?ref={code}")));

    let again = app.get_as(&format!("/?ref={code}"), &cookie).await;
    assert!(ref_cookie(&again).is_none(), "the first referral is kept while it lasts");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn old_unknown_or_malformed_referrals_credit_nobody(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let code = referral_code(&pool, "ada@example.com").await;
    let long_ago = chrono::Utc::now().timestamp() - 31 * 24 * 3600;

    sign_up_with(&app, "late@example.com", &format!("threadr_ref={code}.{long_ago}")).await;
    assert_eq!(referrer_of(&pool, "late@example.com").await, None, "after 30 days");
    sign_up_with(&app, "unknown@example.com", &format!("threadr_ref=ZZZZZZZZ.{}", chrono::Utc::now().timestamp()))
        .await;
    assert_eq!(referrer_of(&pool, "unknown@example.com").await, None);

    let res = app.get("/?ref=%27%3B%20DROP%20TABLE%20users").await;
    assert_eq!(res.status(), 200);
    assert!(ref_cookie(&res).is_none(), "malformed codes are not remembered");
}
