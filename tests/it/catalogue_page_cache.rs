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

/// A market with Sally's "Walnut desk" on sale: the market, her cookie, the listing, its slug.
async fn walnut_desk_on_sale(pool: &PgPool) -> (Market, String, Uuid, String) {
    let m = Market::start_with(pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "3").await;
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(desk).fetch_one(pool).await.unwrap();
    (m, sally, desk, slug)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn visitors_see_a_change_here_at_once_and_from_another_instance_within_seconds(pool: PgPool) {
    let (m, sally, desk, slug) = walnut_desk_on_sale(&pool).await;
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

/// The nonce a page response's Content-Security-Policy allows.
fn csp_nonce(res: &reqwest::Response) -> String {
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    let start = csp.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_string()
}

/// A visitor's page and the nonce its policy names; every script in it carries that nonce.
async fn visitor_page(app: &TestApp, slug: &str) -> (String, String) {
    let res = app.get(&format!("/products/{slug}")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none(), "a visitor's product page sets no cookie");
    let nonce = csp_nonce(&res);
    let html = res.text().await.unwrap();
    let nonced = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(nonced >= 1, "the page's scripts carry this response's nonce");
    assert_eq!(html.matches("nonce=\"").count(), nonced, "and no other nonce");
    (html, nonce)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn visitors_get_whole_pages_from_memory_each_with_its_own_nonce(pool: PgPool) {
    let (m, sally, desk, slug) = walnut_desk_on_sale(&pool).await;
    let (first, first_nonce) = visitor_page(&m.app, &slug).await;
    assert!(first.contains("Walnut desk"));

    // Changed behind the app's back: visitors keep getting the kept page, each with a nonce of
    // its own, and otherwise the very same bytes.
    sqlx::query("UPDATE products SET title = 'Cedar desk' WHERE id = $1").bind(desk).execute(&pool).await.unwrap();
    let (second, second_nonce) = visitor_page(&m.app, &slug).await;
    assert_ne!(first_nonce, second_nonce);
    assert_eq!(second, first.replace(&first_nonce, &second_nonce), "the kept page, with this response's nonce");
    // A member, or a visitor with a query string, gets a live render.
    let own = m.app.get_as(&format!("/products/{slug}"), &sally).await.text().await.unwrap();
    assert!(own.contains("Cedar desk"));
    let live = m.app.get(&format!("/products/{slug}?from=mail")).await.text().await.unwrap();
    assert!(live.contains("Walnut desk"), "the listing's data is still kept, but the page is rendered again");

    // A favourite made here: the page is rendered again at once (the count is on it).
    assert!(!second.contains("1 person saved this"));
    let (bea, _) = m.buyer("bea@example.com").await;
    let d = desk.to_string();
    assert_eq!(m.app.call_as("commerce/favourite", &[("product", d.as_str())], Some(&bea)).await.status(), 200);
    let (third, _) = visitor_page(&m.app, &slug).await;
    assert!(third.contains("1 person saved this"), "the favourite shows at once");

    // Paused through the app: the page is gone for visitors at once, and back when published.
    let res = m.app.call_as("sell/status", &[("id", d.as_str()), ("change", "pause")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(m.app.get(&format!("/products/{slug}")).await.status(), 404);
    let res = m.app.call_as("sell/status", &[("id", d.as_str()), ("change", "publish")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    let (back, _) = visitor_page(&m.app, &slug).await;
    assert!(back.contains("Cedar desk"), "read again from PostgreSQL");

    // Not found is never kept: a listing published at that address later shows at once.
    assert_eq!(m.app.get("/products/no-such-thing").await.status(), 404);
    assert_eq!(m.app.get("/products/no-such-thing").await.status(), 404);
}

async fn search_titles(app: &TestApp, q: &str) -> (Vec<String>, bool) {
    let res = app.call("catalogue/search", &[("query", q)]).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    let titles = v["cards"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_string()).collect();
    (titles, v["fallback"].as_bool().unwrap())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn another_instance_forgets_a_change_as_soon_as_its_search_index_has_it(pool: PgPool) {
    let (m, sally, desk, slug) = walnut_desk_on_sale(&pool).await;
    let other = m.second_instance_indexing().await;
    let started = Instant::now();
    while search_titles(&other, "q=desk").await != (vec!["Walnut desk".to_string()], false) {
        assert!(started.elapsed() < Duration::from_secs(20), "the other instance's index was built");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The other instance keeps the page and the search card.
    let (page, _) = visitor_page(&other, &slug).await;
    assert!(page.contains("Walnut desk"));
    let kept_at = Instant::now();

    let mut form = listing_form("Oak desk", "120.00", "3", "furniture");
    form.insert(0, ("id".to_string(), desk.to_string()));
    assert_eq!(call_owned(&m.app, "sell/update", &form, &sally).await.status(), 200);
    // Well before FRESH_FOR: forgotten when its index applied the change.
    loop {
        let (page, _) = visitor_page(&other, &slug).await;
        let (cards, _) = search_titles(&other, "q=desk").await;
        if page.contains("Oak desk") && cards == ["Oak desk"] {
            break;
        }
        assert!(kept_at.elapsed() < FRESH_FOR - Duration::from_secs(2), "the other instance kept the old page or card");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
