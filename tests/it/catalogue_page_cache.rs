//! Visitors' product pages come from memory for a few seconds: a change made through the same
//! instance shows at once, one made through another instance within `FRESH_FOR`; members always
//! read PostgreSQL.

use crate::catalogue_sellers::{call_owned, listing_form};
use crate::commerce_support::{Market, ROOMY};
use crate::helpers::TestApp;
use serde_json::Value;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use threadr::features::catalogue::FRESH_FOR;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

async fn title_for_visitor(app: &TestApp, slug: &str) -> String {
    let res = app.call("catalogue/product", &[("slug", slug)]).await;
    assert_eq!(res.status(), 200, "on sale");
    res.json::<Value>().await.unwrap()["title"].as_str().unwrap().to_string()
}

async fn visitor_panel(app: &TestApp, product: Uuid) -> Value {
    let p = product.to_string();
    app.call("commerce/product-panel", &[("product", p.as_str())]).await.json().await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn visitors_see_a_change_here_at_once_and_from_another_instance_within_seconds(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "3").await;
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(desk).fetch_one(&pool).await.unwrap();
    let other = m.second_instance().await;
    // Visitors on both instances read the page (each instance now keeps it).
    assert_eq!(title_for_visitor(&m.app, &slug).await, "Walnut desk");
    let kept_since = Instant::now();
    assert_eq!(title_for_visitor(&other, &slug).await, "Walnut desk");

    // The seller renames it through the first instance.
    let mut form = listing_form("Oak desk", "120.00", "3", "furniture");
    form.insert(0, ("id".to_string(), desk.to_string()));
    assert_eq!(call_owned(&m.app, "sell/update", &form, &sally).await.status(), 200);
    assert_eq!(title_for_visitor(&m.app, &slug).await, "Oak desk", "this instance forgot its copy");
    assert_eq!(title_for_visitor(&other, &slug).await, "Walnut desk", "the other still answers from memory");
    // A member reads PostgreSQL wherever they are.
    let own: Value = other.call_as("catalogue/product", &[("slug", &slug)], Some(&sally)).await.json().await.unwrap();
    assert_eq!(own["title"], "Oak desk");
    // The other instance's visitors see it within FRESH_FOR.
    while title_for_visitor(&other, &slug).await != "Oak desk" {
        assert!(kept_since.elapsed() < FRESH_FOR + Duration::from_secs(2), "the other instance kept the old title");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(kept_since.elapsed() >= FRESH_FOR - Duration::from_millis(100), "kept for FRESH_FOR");

    // A favourite made here counts on the visitors' panel here at once.
    assert_eq!(visitor_panel(&m.app, desk).await["favourite_count"], 0);
    let (bea, _) = m.buyer("bea@example.com").await;
    let d = desk.to_string();
    assert_eq!(m.app.call_as("commerce/favourite", &[("product", d.as_str())], Some(&bea)).await.status(), 200);
    assert_eq!(visitor_panel(&m.app, desk).await["favourite_count"], 1);

    // Paused: gone for visitors here at once (a missing page is never remembered).
    let res = m.app.call_as("sell/status", &[("id", d.as_str()), ("change", "pause")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(m.app.call("catalogue/product", &[("slug", &slug)]).await.status(), 404);
    assert_eq!(m.app.get(&format!("/products/{slug}")).await.status(), 404);
    let res = m.app.call_as("sell/status", &[("id", d.as_str()), ("change", "publish")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(title_for_visitor(&m.app, &slug).await, "Oak desk");
}
