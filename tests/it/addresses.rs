//! Shipping addresses over HTTP: validation, the default, ownership and the limit.

use crate::accounts::{member, message};
use crate::helpers::TestApp;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

fn form<'a>(name: &'a str, city: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("address[full_name]", name),
        ("address[line1]", "1 Main Street"),
        ("address[line2]", ""),
        ("address[city]", city),
        ("address[region]", ""),
        ("address[postal_code]", "10115"),
        ("address[country]", "de"),
        ("address[phone]", "+49 30 1234567"),
    ]
}

async fn list(app: &TestApp, cookie: &str) -> Vec<serde_json::Value> {
    app.call_as("accounts/addresses", &[], Some(cookie)).await.json().await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_first_address_is_the_default_and_the_default_can_move(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let res = app.call_as("accounts/save-address", &form("Ada", "Berlin"), Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let first: String = res.json().await.unwrap();
    let second: String =
        app.call_as("accounts/save-address", &form("Ada", "Hamburg"), Some(&ada)).await.json().await.unwrap();
    let all = list(&app, &ada).await;
    assert_eq!(all.len(), 2);
    assert_eq!((all[0]["id"].as_str(), all[0]["is_default"].as_bool()), (Some(first.as_str()), Some(true)));
    assert_eq!(all[0]["country"], "DE", "stored normalised");

    assert_eq!(app.call_as("accounts/default-address", &[("id", &second)], Some(&ada)).await.status(), 200);
    let all = list(&app, &ada).await;
    assert_eq!(all[0]["id"], second.as_str(), "the default comes first");
    assert_eq!(all.iter().filter(|a| a["is_default"] == true).count(), 1);

    let mut edit = form("Ada L.", "Hamburg-Altona");
    edit.push(("id", &second));
    assert_eq!(app.call_as("accounts/save-address", &edit, Some(&ada)).await.status(), 200);
    assert_eq!(list(&app, &ada).await[0]["city"], "Hamburg-Altona");

    assert_eq!(app.call_as("accounts/delete-address", &[("id", &second)], Some(&ada)).await.status(), 200);
    let all = list(&app, &ada).await;
    assert_eq!(
        (all.len(), all[0]["id"].as_str(), all[0]["is_default"].as_bool()),
        (1, Some(first.as_str()), Some(true))
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn each_bad_field_gets_400_with_its_reason_and_nothing_is_stored(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let long_line = "x".repeat(101);
    let cases: Vec<(&str, &str, &str)> = vec![
        ("address[full_name]", "", "Enter the full name."),
        ("address[line1]", &long_line, "The address line 1 is too long (100 characters at most)."),
        ("address[postal_code]", "<b>1</b>", "The postal code may contain only letters, digits, spaces and hyphens."),
        ("address[country]", "ZZ", "Choose a country from the list."),
        ("address[phone]", "'; DROP TABLE x", "The phone number may contain only digits, spaces and + - ( ) ."),
    ];
    for (field, value, expected) in cases {
        let mut f = form("Ada", "Berlin");
        for pair in f.iter_mut() {
            if pair.0 == field {
                pair.1 = value;
            }
        }
        let res = app.call_as("accounts/save-address", &f, Some(&ada)).await;
        assert_eq!(res.status(), 400, "{field}");
        assert_eq!(message(res).await, expected);
    }
    let missing = app.call_as("accounts/save-address", &[("address[full_name]", "Ada")], Some(&ada)).await;
    assert_eq!(missing.status(), 400, "missing fields");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0);

    let markup = form("<img src=x onerror=alert(1)>", "Berlin");
    assert_eq!(app.call_as("accounts/save-address", &markup, Some(&ada)).await.status(), 200);
    let page = app.get_as("/account/addresses", &ada).await.text().await.unwrap();
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.contains("<img src=x"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn members_cannot_touch_each_others_addresses(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let id: String =
        app.call_as("accounts/save-address", &form("Ada", "Berlin"), Some(&ada)).await.json().await.unwrap();
    let mut edit = form("Bob", "Paris");
    edit.push(("id", &id));
    assert_eq!(app.call_as("accounts/save-address", &edit, Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("accounts/delete-address", &[("id", &id)], Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("accounts/default-address", &[("id", &id)], Some(&bob)).await.status(), 404);
    assert!(list(&app, &bob).await.is_empty());
    assert_eq!(list(&app, &ada).await[0]["full_name"], "Ada");
    assert_eq!(app.call("accounts/addresses", &[]).await.status(), 401);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn twenty_five_parallel_adds_store_exactly_twenty(pool: PgPool) {
    let app = std::sync::Arc::new(TestApp::spawn(pool.clone()).await);
    let ada = member(&app, &pool, "ada@example.com").await;
    let tasks: Vec<_> = (0..25)
        .map(|i| {
            let (app, ada) = (app.clone(), ada.clone());
            tokio::spawn(async move {
                let city = format!("City {i}");
                app.call_as("accounts/save-address", &form("Ada", &city), Some(&ada)).await.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 5, "{statuses:?}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 20);
    let defaults: i64 =
        sqlx::query_scalar("SELECT count(*) FROM addresses WHERE is_default").fetch_one(&pool).await.unwrap();
    assert_eq!(defaults, 1, "exactly one default");
}
