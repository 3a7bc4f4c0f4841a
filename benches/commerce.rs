//! Marketplace commerce benchmark (not a test; `scripts/bench` runs it in release mode and
//! prints figures). The real router on loopback HTTP, Stripe being the fake server the tests
//! use (`tests/it/fake_stripe`, in this process), 100 listings of the demo sellers and 32
//! signed-in buyers with three of them in their carts:
//! - checkout start (`commerce/pay`: lock the products, hold the stock, create Stripe's
//!   Checkout session, store the purchase) with the 32 buyers starting at once, in rounds. From
//!   the second round on, each start also expires the buyer's previous open session at Stripe,
//!   as a buyer who comes back to checkout does; both are reported.
//! - the cart page (`GET /cart`, server-rendered with the member's cart) requests/s with 32
//!   concurrent clients, one per buyer.
//!
//! Needs DATABASE_URL (a scratch database). DURATION (seconds, default 10) sets the cart run;
//! MEDIA_DIR and SEARCH_INDEX_DIR default to a folder under the system's temporary one.

use std::time::{Duration, Instant};

use leptos::prelude::LeptosOptions;
use threadr::server::{config::Config, serve, state::AppState};
use uuid::Uuid;

// The tests' fake Stripe; this benchmark uses a part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/it/fake_stripe/mod.rs"]
mod fake_stripe;
mod support;

use support::{ms, percentile, session_cookie};

const BUYERS: usize = 32;
const PRODUCTS: usize = 100;
const ROUNDS: usize = 10;
const PASSWORD: &str = "bench password for the marketplace";

struct Buyer {
    cookie: String,
    address: Uuid,
    total_cents: i64,
}

fn main() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!("DATABASE_URL unset: skipping the commerce benchmark");
        return;
    };
    let seconds: u64 = std::env::var("DURATION").ok().and_then(|d| d.trim_end_matches('s').parse().ok()).unwrap_or(10);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let fake = fake_stripe::FakeStripe::start().await;
        // The bench's own photo folder and search index, not the development server's.
        let scratch = std::env::temp_dir().join("threadr-bench-commerce");
        let media = std::env::var("MEDIA_DIR").unwrap_or_else(|_| scratch.join("media").display().to_string());
        let index = std::env::var("SEARCH_INDEX_DIR").unwrap_or_else(|_| scratch.join("search").display().to_string());
        let vars = [
            ("DATABASE_URL", url.as_str()),
            ("MEDIA_DIR", media.as_str()),
            ("SEARCH_INDEX_DIR", index.as_str()),
            ("STRIPE_SECRET_KEY", fake_stripe::SECRET_KEY),
            ("STRIPE_API_BASE", fake.base_url.as_str()),
            ("STRIPE_WEBHOOK_SECRET", "whsec_bench_commerce"),
            ("REQUESTS_PER_MINUTE", "1000000"),
            ("AUTH_ATTEMPTS_PER_IP", "100000"),
        ];
        let config = Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(config.database_pool_size)
            .connect(&url)
            .await
            .expect("database");
        threadr::server::db::migrate(&pool).await.expect("migrate");
        let products = listings(&pool).await;
        let site = LeptosOptions::builder().output_name("threadr").site_root("target/site").site_pkg_dir("pkg").hash_files(false).build();
        let state = AppState::new(config, site, pool.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { serve::serve(listener, state, std::future::pending()).await.expect("serve") });
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let base = format!("http://{addr}");

        let mut buyers = Vec::with_capacity(BUYERS);
        for n in 0..BUYERS {
            buyers.push(buyer(&client, &base, &pool, n, &products).await);
        }

        // Checkout starts: all buyers at once, ROUNDS times.
        let mut first = Vec::new();
        let mut again = Vec::new();
        let started = Instant::now();
        for round in 0..ROUNDS {
            let tasks: Vec<_> = buyers
                .iter()
                .map(|b| {
                    let (client, base) = (client.clone(), base.clone());
                    let form = [
                        ("address", b.address.to_string()),
                        ("currency", "USD".to_string()),
                        ("total_cents", b.total_cents.to_string()),
                    ];
                    let cookie = b.cookie.clone();
                    tokio::spawn(async move {
                        let t = Instant::now();
                        let res = post(&client, &base, "commerce/pay", &form, Some(&cookie)).await;
                        let status = res.status();
                        let body = res.text().await.unwrap_or_default();
                        assert_eq!(status, 200, "checkout started: {body}");
                        assert!(body.contains("/pay/cs_"), "Stripe's page: {body}");
                        t.elapsed()
                    })
                })
                .collect();
            for t in tasks {
                let took = t.await.expect("buyer");
                if round == 0 { first.push(took) } else { again.push(took) }
            }
        }
        let wall = started.elapsed();
        let sessions = fake.posts_to("/v1/checkout/sessions").len();
        assert_eq!(sessions, BUYERS * ROUNDS, "one Checkout session per start");
        let open: i64 = sqlx::query_scalar("SELECT count(*) FROM purchases WHERE status = 'open'")
            .fetch_one(&pool)
            .await
            .expect("purchases");
        assert_eq!(open as usize, BUYERS, "each buyer's newest start is the open one");
        first.sort();
        again.sort();
        let mut all: Vec<Duration> = first.iter().chain(again.iter()).copied().collect();
        all.sort();
        println!(
            "checkout start (hold + Stripe session), {BUYERS} buyers at once on {PRODUCTS} products, {ROUNDS} rounds: {:.0} starts/s; all p50 {:.1} ms, p99 {:.1} ms; first start p50 {:.1} ms, p99 {:.1} ms; with the previous session expired p50 {:.1} ms, p99 {:.1} ms",
            all.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
            ms(percentile(&first, 0.5)),
            ms(percentile(&first, 0.99)),
            ms(percentile(&again, 0.5)),
            ms(percentile(&again, 0.99)),
        );

        // The cart page, one client per buyer, for `seconds`.
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let tasks: Vec<_> = buyers
            .iter()
            .map(|b| {
                let (client, base, cookie) = (client.clone(), base.clone(), b.cookie.clone());
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    while Instant::now() < until {
                        let t = Instant::now();
                        let res = client.get(format!("{base}/cart")).header("cookie", &cookie).send().await.expect("cart page");
                        assert_eq!(res.status(), 200);
                        let body = res.text().await.expect("body");
                        assert!(body.contains("Subtotal from"), "the cart page lists the member's items");
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        let mut pages = Vec::new();
        for t in tasks {
            pages.extend(t.await.expect("client"));
        }
        let wall = started.elapsed();
        pages.sort();
        println!(
            "cart page GET /cart (signed in, 3 items from up to 3 sellers), {BUYERS} clients in this process for {seconds} s: {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms",
            pages.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&pages, 0.5)),
            ms(percentile(&pages, 0.99)),
        );
    });
}

/// The demo sellers' first `PRODUCTS` listings, with stock no run can exhaust.
async fn listings(pool: &sqlx::PgPool) -> Vec<Uuid> {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(pool).await.expect("count");
    if (have as usize) < PRODUCTS {
        threadr::features::catalogue::demo::bulk(pool, PRODUCTS - have as usize, 7).await.expect("listings");
    }
    sqlx::query("UPDATE purchases SET status = 'expired' WHERE status = 'open'").execute(pool).await.expect("reset");
    sqlx::query_scalar(
        "UPDATE products SET stock = 1000000, status = 'active'
          WHERE id IN (SELECT id FROM products ORDER BY id LIMIT $1) RETURNING id",
    )
    .bind(PRODUCTS as i64)
    .fetch_all(pool)
    .await
    .expect("listings")
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, String)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let body: String = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
    let mut req = client
        .post(format!("{base}/api/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request sent")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A confirmed member with a default address, signed in, with three listings in the cart.
async fn buyer(client: &reqwest::Client, base: &str, pool: &sqlx::PgPool, n: usize, products: &[Uuid]) -> Buyer {
    let email = format!("bench-buyer-{n}@threadr.test");
    let hash = threadr::features::accounts::password::hash(PASSWORD.to_string()).await.expect("hash");
    let user: Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, password_hash, email_verified_at, referral_code)
         VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id",
    )
    .bind(&email)
    .bind(format!("Buyer {n}"))
    .bind(&hash)
    .bind(format!("BENCHBUY{n}"))
    .fetch_one(pool)
    .await
    .expect("member");
    sqlx::query("DELETE FROM cart_items WHERE user_id = $1").bind(user).execute(pool).await.expect("empty cart");
    let address: Uuid = match sqlx::query_scalar("SELECT id FROM addresses WHERE user_id = $1 LIMIT 1")
        .bind(user)
        .fetch_optional(pool)
        .await
        .expect("address")
    {
        Some(id) => id,
        None => sqlx::query_scalar(
            "INSERT INTO addresses (user_id, full_name, line1, city, postal_code, country, is_default)
             VALUES ($1, 'Bea Buyer', '1 High Street', 'London', 'N1 9GU', 'GB', true) RETURNING id",
        )
        .bind(user)
        .fetch_one(pool)
        .await
        .expect("address"),
    };
    let res =
        post(client, base, "accounts/sign-in", &[("email", email.clone()), ("password", PASSWORD.to_string())], None)
            .await;
    assert_eq!(res.status(), 200, "signed in");
    let cookie = session_cookie(&res);
    for k in 0..3 {
        let product = products[(n * 7 + k * 31) % products.len()];
        let res = post(
            client,
            base,
            "commerce/cart-add",
            &[("product", product.to_string()), ("quantity", "1".to_string())],
            Some(&cookie),
        )
        .await;
        assert_eq!(res.status(), 200, "added: {}", res.text().await.unwrap_or_default());
    }
    let cart: serde_json::Value =
        post(client, base, "commerce/cart", &[], Some(&cookie)).await.json().await.expect("cart");
    let total_cents = cart["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["currency"] == "USD"))
        .and_then(|t| t["total_cents"].as_i64())
        .expect("a USD total");
    Buyer { cookie, address, total_cents }
}
