//! Seller onboarding against the fake Stripe (Connect Express account once, onboarding links,
//! the return address, signed `account.updated` events in any order), and what a seller may
//! do to listings: their own only (others' are 404 and unchanged), on sale only once Stripe
//! says they can take charges, every bad field refused with its message.

use crate::accounts::{PASSWORD, message, sign_in_cookie, sign_up, signed_up_and_confirmed};
use crate::billing_support::{deliver, spawn, user_id};
use crate::fake_stripe::{self, FakeStripe, event};
use crate::helpers::{TestApp, count};
use serde_json::Value;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

pub async fn signed_in(app: &TestApp, pool: &PgPool, email: &str) -> String {
    signed_up_and_confirmed(app, pool, email).await;
    sign_in_cookie(app, email, PASSWORD).await.expect("signed in")
}

/// Starts selling as `handle` and finishes Stripe's onboarding on the fake's hosted page,
/// then comes back through the return address. Returns the Connect account id.
pub async fn become_seller(app: &TestApp, fake: &FakeStripe, pool: &PgPool, cookie: &str, handle: &str) -> String {
    let res = app.call_as("sell/start", &[("handle", handle)], Some(cookie)).await;
    assert_eq!(res.status(), 200, "start selling");
    let link: String = res.json().await.unwrap();
    let finished = app.client.get(format!("{link}/finish")).send().await.unwrap();
    assert_eq!(finished.status(), 303);
    let back = finished.headers()["location"].to_str().unwrap().to_string();
    assert!(back.ends_with("/sell/onboarding/return"), "{back}");
    let returned = app.get_as("/sell/onboarding/return", cookie).await;
    assert_eq!(returned.headers()["location"], "/sell?onboarding=returned");
    let account: String = sqlx::query_scalar("SELECT stripe_account_id FROM sellers WHERE handle = $1")
        .bind(handle)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fake.account(&account).expect("made at the fake")["charges_enabled"], true);
    account
}

pub fn listing_form(title: &str, price: &str, stock: &str, category: &str) -> Vec<(String, String)> {
    [
        ("form[title]", title),
        ("form[description]", "Solid walnut, oiled. Two drawers."),
        ("form[price]", price),
        ("form[currency]", "USD"),
        ("form[stock]", stock),
        ("form[category]", category),
        ("form[condition]", "good"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub async fn call_owned(app: &TestApp, endpoint: &str, form: &[(String, String)], cookie: &str) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call_as(endpoint, &borrowed, Some(cookie)).await
}

pub async fn create(app: &TestApp, cookie: &str, form: &[(String, String)]) -> Uuid {
    let res = call_owned(app, "sell/create", form, cookie).await;
    assert_eq!(res.status(), 200, "create listing");
    res.json().await.unwrap()
}

pub async fn publish(app: &TestApp, cookie: &str, id: Uuid) -> reqwest::Response {
    let id = id.to_string();
    app.call_as("sell/status", &[("id", id.as_str()), ("change", "publish")], Some(cookie)).await
}

async fn dashboard(app: &TestApp, cookie: &str) -> Value {
    app.call_as("sell/dashboard", &[], Some(cookie)).await.json().await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_member_becomes_a_seller_through_connect_onboarding(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    let ada = user_id(&pool, "ada@example.com").await;

    // Not a seller yet: a suggested shop name from her name or email.
    let d = dashboard(&app, &cookie).await;
    assert!(d["state"]["NotSelling"]["suggested_handle"].as_str().unwrap().len() >= 3, "{d}");
    assert_eq!(d["state"]["NotSelling"]["blocked"], Value::Null);

    let res = app.call_as("sell/start", &[("handle", "Ada-Shop")], Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    let link: String = res.json().await.unwrap();
    assert!(link.contains("/connect/link_"), "{link}");
    let accounts = fake.posts_to("/v1/accounts");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].idempotency_key.as_deref(), Some(format!("threadr-connect-{ada}").as_str()));
    assert_eq!(accounts[0].field("type"), Some("express"));
    assert_eq!(accounts[0].field("capabilities[transfers][requested]"), Some("true"));
    assert_eq!(accounts[0].field("capabilities[card_payments][requested]"), Some("true"));
    assert_eq!(accounts[0].field("metadata[user_id]"), Some(ada.to_string().as_str()));
    let links = fake.posts_to("/v1/account_links");
    assert_eq!(links[0].field("type"), Some("account_onboarding"));
    assert!(links[0].field("return_url").unwrap().ends_with("/sell/onboarding/return"));
    assert!(links[0].field("refresh_url").unwrap().ends_with("/sell/onboarding/refresh"));

    // She leaves before finishing: Stripe's requirements are listed in words.
    let left = app.client.get(format!("{link}/leave")).send().await.unwrap();
    assert_eq!(left.status(), 303);
    assert_eq!(app.get_as("/sell/onboarding/return", &cookie).await.headers()["location"], "/sell?onboarding=returned");
    let d = dashboard(&app, &cookie).await;
    let onboarding = &d["state"]["Onboarding"];
    assert_eq!(onboarding["handle"], "ada-shop");
    let needs: Vec<&str> = onboarding["requirements"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(needs.contains(&"A bank account for payouts"), "{needs:?}");
    assert!(needs.contains(&"An identity document"), "{needs:?}");

    // The used link sends her to refresh, which makes a new link; no second account.
    let reused = app.client.get(&link).send().await.unwrap();
    assert!(reused.headers()["location"].to_str().unwrap().ends_with("/sell/onboarding/refresh"));
    let refreshed = app.get_as("/sell/onboarding/refresh", &cookie).await;
    let fresh = refreshed.headers()["location"].to_str().unwrap().to_string();
    assert!(fresh.contains("/connect/link_") && fresh != link, "{fresh}");
    assert_eq!(fake.posts_to("/v1/accounts").len(), 1, "the account is made once");

    // Finishing on Stripe and returning turns selling on at once (before any webhook).
    let finished = app.client.get(format!("{fresh}/finish")).send().await.unwrap();
    assert_eq!(finished.status(), 303);
    app.get_as("/sell/onboarding/return", &cookie).await;
    let d = dashboard(&app, &cookie).await;
    assert_eq!(d["state"]["Selling"]["handle"], "ada-shop", "{d}");

    // Her public shop page.
    let shop: Value = app.call("catalogue/seller", &[("handle", "ada-shop")]).await.json().await.unwrap();
    assert_eq!(shop["seller"]["name"], "Ada");
    assert_eq!(shop["seller"]["rating"], Value::Null);
    assert_eq!(app.call("catalogue/seller", &[("handle", "nobody")]).await.status(), 404);
    let page = app.get("/sellers/ada-shop").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ada&#x27;s shop") || html.contains("Ada's shop"), "shop heading");
    assert!(html.contains("Member since"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn account_updated_events_apply_in_order_and_only_to_our_sellers(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let cookie = signed_in(&app, &pool, "ada@example.com").await;
    let account = become_seller(&app, &fake, &pool, &cookie, "ada-shop").await;
    let selling = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT charges_enabled AND details_submitted FROM sellers WHERE handle = 'ada-shop'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert!(selling().await);
    let later = chrono::Utc::now().timestamp() + 60;

    // Stripe disables charges (a document expired): selling stops, and /sell says why.
    let mut disabled = fake_stripe::account_object(&account, Some("ada@example.com"), false, later - 3600);
    disabled["requirements"]["currently_due"] = serde_json::json!(["individual.verification.document"]);
    let res = deliver(&app, &event("evt_acct_2", "account.updated", later, disabled)).await;
    assert_eq!(res.status(), 200);
    assert!(!selling().await);
    let d = dashboard(&app, &cookie).await;
    assert!(d["state"]["Onboarding"]["requirements"].to_string().contains("An identity document"), "{d}");

    // An older "enabled" event delivered late changes nothing.
    let enabled = fake_stripe::account_object(&account, Some("ada@example.com"), true, later - 3600);
    deliver(&app, &event("evt_acct_1", "account.updated", later - 30, enabled.clone())).await;
    assert!(!selling().await, "a stale event is ignored");
    let (status, outcome): (String, Option<String>) =
        sqlx::query_as("SELECT status, outcome FROM stripe_events WHERE id = 'evt_acct_1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "ignored", "{outcome:?}");

    // A newer one turns it back on.
    deliver(&app, &event("evt_acct_3", "account.updated", later + 30, enabled)).await;
    assert!(selling().await);

    // Someone else's Connect account is not ours to change.
    let stranger = fake_stripe::account_object("acct_stranger", None, true, later);
    assert_eq!(deliver(&app, &event("evt_acct_4", "account.updated", later, stranger)).await.status(), 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM sellers").await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn who_may_start_selling_and_with_which_name(pool: PgPool) {
    // Payments off: the page says so, and starting is refused.
    let plain = TestApp::spawn(pool.clone()).await;
    let cookie = signed_in(&plain, &pool, "ada@example.com").await;
    let d = dashboard(&plain, &cookie).await;
    assert!(d["state"]["NotSelling"]["blocked"].as_str().unwrap().contains("Payments are not set up"));
    let res = plain.call_as("sell/start", &[("handle", "ada-shop")], Some(&cookie)).await;
    assert_eq!(res.status(), 400);
    drop(plain);

    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    // An unconfirmed member is told to confirm first.
    sign_up(&app, "new@example.com").await;
    let unconfirmed = sign_in_cookie(&app, "new@example.com", PASSWORD).await.unwrap();
    let res = app.call_as("sell/start", &[("handle", "new-shop")], Some(&unconfirmed)).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Confirm your email"));

    for (bad, says) in
        [("ab", "3 to 30"), ("-ada", "hyphens"), ("ada shop", "lowercase"), (&"a".repeat(31) as &str, "3 to 30")]
    {
        let res = app.call_as("sell/start", &[("handle", bad)], Some(&cookie)).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert!(message(res).await.contains(says), "{bad}");
    }
    become_seller(&app, &fake, &pool, &cookie, "ada-shop").await;
    let bob = signed_in(&app, &pool, "bob@example.com").await;
    let res = app.call_as("sell/start", &[("handle", "ada-shop")], Some(&bob)).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("is taken"));
    assert!(fake.posts_to("/v1/accounts").len() == 1, "no account for a refused name");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn listings_belong_to_their_seller_and_go_on_sale_only_when_stripe_allows(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let ada = signed_in(&app, &pool, "ada@example.com").await;
    let bob = signed_in(&app, &pool, "bob@example.com").await;

    // Not a seller: nothing to list yet.
    let res = call_owned(&app, "sell/create", &listing_form("Desk", "120", "1", "furniture"), &ada).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Start selling first"));

    // Onboarding unfinished: drafts yes, on sale no.
    let res = app.call_as("sell/start", &[("handle", "ada-shop")], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let desk = create(&app, &ada, &listing_form("Walnut desk", "120", "1", "furniture")).await;
    let res = publish(&app, &ada, desk).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Finish setting up payments"));
    let status: String = sqlx::query_scalar("SELECT status::text FROM products WHERE id = $1")
        .bind(desk)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "draft");
    // A draft is not public; its seller sees it.
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(desk).fetch_one(&pool).await.unwrap();
    assert!(slug.starts_with("walnut-desk-"), "{slug}");
    assert_eq!(app.call("catalogue/product", &[("slug", &slug)]).await.status(), 404);
    assert_eq!(app.get(&format!("/products/{slug}")).await.status(), 404);
    let own: Value = app.call_as("catalogue/product", &[("slug", &slug)], Some(&ada)).await.json().await.unwrap();
    assert_eq!(own["mine"], true);

    // Finished onboarding: on sale, public.
    let account: String = sqlx::query_scalar("SELECT stripe_account_id FROM sellers WHERE handle = 'ada-shop'")
        .fetch_one(&pool)
        .await
        .unwrap();
    fake.finish_onboarding(&account);
    app.get_as("/sell/onboarding/return", &ada).await;
    assert_eq!(publish(&app, &ada, desk).await.status(), 200);
    assert_eq!(app.call("catalogue/product", &[("slug", &slug)]).await.status(), 200);

    // Bob (a seller too) cannot touch Ada's listing: 404 and nothing changes.
    become_seller(&app, &fake, &pool, &bob, "bob-shop").await;
    let before: (String, i64, String) =
        sqlx::query_as("SELECT title, price_cents, status::text FROM products WHERE id = $1")
            .bind(desk)
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut edit = listing_form("Stolen", "1", "1", "furniture");
    edit.push(("id".into(), desk.to_string()));
    assert_eq!(call_owned(&app, "sell/update", &edit, &bob).await.status(), 404);
    let id = desk.to_string();
    assert_eq!(app.call_as("sell/status", &[("id", &id), ("change", "pause")], Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("sell/delete", &[("id", &id)], Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("sell/listing", &[("id", &id)], Some(&bob)).await.status(), 404);
    let after: (String, i64, String) =
        sqlx::query_as("SELECT title, price_cents, status::text FROM products WHERE id = $1")
            .bind(desk)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(before, after);

    // Ada pauses (gone from public), edits, deletes.
    assert_eq!(app.call_as("sell/status", &[("id", &id), ("change", "pause")], Some(&ada)).await.status(), 200);
    assert_eq!(app.call("catalogue/product", &[("slug", &slug)]).await.status(), 404);
    let mut edit = listing_form("Walnut writing desk", "99.50", "2", "furniture");
    edit.push(("id".into(), id.clone()));
    assert_eq!(call_owned(&app, "sell/update", &edit, &ada).await.status(), 200);
    let (title, price): (String, i64) = sqlx::query_as("SELECT title, price_cents FROM products WHERE id = $1")
        .bind(desk)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((title.as_str(), price), ("Walnut writing desk", 9950));
    assert_eq!(app.call_as("sell/delete", &[("id", &id)], Some(&ada)).await.status(), 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM products").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_bad_field_gets_its_message_and_nothing_is_stored(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let ada = signed_in(&app, &pool, "ada@example.com").await;
    become_seller(&app, &fake, &pool, &ada, "ada-shop").await;
    let long_title = "t".repeat(141);
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (listing_form("Desk", "0", "1", "furniture"), "more than zero"),
        (listing_form("Desk", "-5", "1", "furniture"), "more than zero"),
        (listing_form("Desk", "1000000.01", "1", "furniture"), "1,000,000.00 limit"),
        (listing_form("Desk", "12.345", "1", "furniture"), "at most two decimal places"),
        (listing_form("Desk", "twelve", "1", "furniture"), "as a number"),
        (listing_form("Desk", "12", "-1", "furniture"), "Stock cannot be negative"),
        (listing_form("Desk", "12", "1.5", "furniture"), "whole number"),
        (listing_form(&long_title, "12", "1", "furniture"), "the limit is 140"),
        (listing_form("", "12", "1", "furniture"), "Give the listing a title"),
        (listing_form("Desk", "12", "1", "spaceships"), "That category does not exist"),
        (listing_form("Desk", "12", "1", ""), "Choose a category"),
    ];
    for (form, says) in cases {
        let res = call_owned(&app, "sell/create", &form, &ada).await;
        assert_eq!(res.status(), 400, "{says}");
        let text = message(res).await;
        assert!(text.contains(says), "{says}: {text}");
    }
    let mut bad_currency = listing_form("Desk", "12", "1", "furniture");
    bad_currency[3].1 = "XYZ".into();
    let res = call_owned(&app, "sell/create", &bad_currency, &ada).await;
    assert!(message(res).await.contains("listed currencies"));
    let mut long_description = listing_form("Desk", "12", "1", "furniture");
    long_description[1].1 = "d".repeat(5001);
    let res = call_owned(&app, "sell/create", &long_description, &ada).await;
    assert!(message(res).await.contains("the limit is 5000"));
    assert_eq!(count(&pool, "SELECT count(*) FROM products").await, 0);

    // Markup is kept as text and shown as text everywhere, the JSON-LD included.
    let mut form = listing_form("<b>Bold</b> lamp", "12", "1", "decor");
    form[1].1 = "<script>alert('x')</script> </script><img src=x onerror=alert(1)>".into();
    let lamp = create(&app, &ada, &form).await;
    assert_eq!(publish(&app, &ada, lamp).await.status(), 200);
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(lamp).fetch_one(&pool).await.unwrap();
    let html = app.get(&format!("/products/{slug}")).await.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "no live script");
    assert!(!html.contains("<img src=x"), "no live element");
    assert!(html.contains("&lt;script&gt;alert"), "shown as text");
    let ld_start = html.find("application/ld+json").expect("JSON-LD");
    let ld = &html[ld_start..html[ld_start..].find("</script>").map(|e| ld_start + e).unwrap()];
    assert!(ld.contains("\\u003cscript\\u003e"), "{ld}");
    assert!(!ld.contains("<script>alert"), "{ld}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_product_page_is_rendered_for_search_engines_and_link_previews(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app = spawn(&pool, &fake).await;
    let ada = signed_in(&app, &pool, "ada@example.com").await;
    become_seller(&app, &fake, &pool, &ada, "ada-shop").await;
    let desk = create(&app, &ada, &listing_form("Walnut desk", "120", "3", "furniture")).await;
    publish(&app, &ada, desk).await;
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(desk).fetch_one(&pool).await.unwrap();

    let res = app.get(&format!("/products/{slug}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Walnut desk · Threadr</title>"), "title");
    assert!(html.contains(r#"name="description" content="Solid walnut, oiled. Two drawers.""#), "meta description");
    assert!(html.contains(r#"property="og:title" content="Walnut desk""#), "og:title");
    assert!(html.contains(r#"property="og:type" content="product""#), "og:type");
    assert!(html.contains(&format!("/products/{slug}\"")), "og:url");
    let ld_start = html.find(r#"<script type="application/ld+json">"#).expect("JSON-LD") + 35;
    let ld_end = ld_start + html[ld_start..].find("</script>").unwrap();
    let ld: Value = serde_json::from_str(&html[ld_start..ld_end]).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], "Walnut desk");
    assert_eq!(ld["offers"]["price"], "120.00");
    assert_eq!(ld["offers"]["priceCurrency"], "USD");
    assert_eq!(ld["offers"]["availability"], "https://schema.org/InStock");
    assert!(html.contains("Sold by"), "seller card");
    assert!(html.contains(r#"href="/c/furniture""#), "breadcrumb");

    // The category pages list it, the parent too (children's listings are included).
    let furniture: Value =
        app.call("catalogue/category", &[("slug", "furniture"), ("page", "1")]).await.json().await.unwrap();
    assert_eq!(furniture["total"], 1);
    let home: Value = app.call("catalogue/category", &[("slug", "home"), ("page", "1")]).await.json().await.unwrap();
    assert_eq!(home["total"], 1);
    assert_eq!(home["products"][0]["title"], "Walnut desk");
    let books: Value = app.call("catalogue/category", &[("slug", "books"), ("page", "1")]).await.json().await.unwrap();
    assert_eq!(books["total"], 0);
    assert_eq!(app.call("catalogue/category", &[("slug", "nope"), ("page", "1")]).await.status(), 404);
    assert_eq!(app.get("/c/nope").await.status(), 404);
    let page = app.get("/c/home").await.text().await.unwrap();
    assert!(page.contains("Walnut desk") && page.contains("Furniture"), "listing and sub-category links");

    // The home page shows it as new, without JavaScript.
    let home_page = app.get("/").await.text().await.unwrap();
    assert!(home_page.contains("New in the marketplace") && home_page.contains("Walnut desk"));

    // The categories come from the database.
    let tree: Value = app.call("catalogue/categories", &[]).await.json().await.unwrap();
    let top: Vec<&str> = tree.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(top.len(), 10);
    assert!(top.contains(&"clothing") && top.contains(&"electronics") && top.contains(&"art"));
    assert!(tree[0]["children"].as_array().unwrap().len() >= 3);
    let _ = Uuid::nil();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_listing_is_found_with_typos_once_the_index_has_it(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let app =
        TestApp::spawn_changed(pool.clone(), crate::billing_support::stripe_config(&fake.base_url, &[]), |state| {
            threadr::features::catalogue::spawn_background(state.clone());
            state
        })
        .await;
    let ada = signed_in(&app, &pool, "ada@example.com").await;
    become_seller(&app, &fake, &pool, &ada, "ada-shop").await;
    let desk = create(&app, &ada, &listing_form("Walnut writing desk", "120", "1", "furniture")).await;
    publish(&app, &ada, desk).await;
    create(&app, &ada, &listing_form("Walnut bookshelf draft", "80", "1", "furniture")).await;

    // Two typos and a prefix, from the index once its applier has the change (within seconds).
    let search = |qs: &'static str| {
        let app = &app;
        async move { app.call("catalogue/search", &[("query", qs)]).await }
    };
    let started = std::time::Instant::now();
    loop {
        let found: Value = search("q=walnutt+writting+des").await.json().await.unwrap();
        if found["total"] == 1 && found["fallback"] == false {
            assert_eq!(found["cards"][0]["title"], "Walnut writing desk");
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "not indexed in time: {found}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Filters and counts; drafts are never found.
    let home: Value = search("q=walnut&category=home").await.json().await.unwrap();
    assert_eq!(home["total"], 1);
    assert_eq!(home["categories"][0]["slug"], "home");
    let books: Value = search("q=walnut&category=books").await.json().await.unwrap();
    assert_eq!(books["total"], 0);
    // Bad parameters: 400 with what to fix.
    for (qs, says) in [
        ("min_price=abc", "not a price"),
        ("min_price=50&max_price=10", "above the highest"),
        ("sort=cheapest", "not an order"),
        ("category=spaceships", "not a category"),
        ("page=0", "not a page number"),
    ] {
        let res = search(qs).await;
        assert_eq!(res.status(), 400, "{qs}");
        assert!(message(res).await.contains(says), "{qs}");
    }
    // Suggestions after two characters; the page itself renders without JavaScript.
    let titles: Vec<String> = app.call("catalogue/suggest", &[("text", "wa")]).await.json().await.unwrap();
    assert_eq!(titles, ["Walnut writing desk"]);
    let none: Vec<String> = app.call("catalogue/suggest", &[("text", "w")]).await.json().await.unwrap();
    assert!(none.is_empty());
    let html = app.get("/search?q=walnut").await.text().await.unwrap();
    assert!(html.contains("Walnut writing desk") && html.contains("1 listing"), "server-rendered results");
}
