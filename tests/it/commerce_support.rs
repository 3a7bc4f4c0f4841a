//! What the commerce tests share: an app with the fake Stripe and a hand-moved clock (and its
//! state, to run the background round), sellers with listings on sale, buyers with an address,
//! a cart, a checkout paid on the fake's page and Stripe's signed events for it.

use crate::billing_support::{WEBHOOK_SECRET, deliver_signed, stripe_config};
use crate::catalogue_sellers::{become_seller, create, listing_form, publish, signed_in};
use crate::fake_stripe::{FakeStripe, event, signature_header};
use crate::helpers::TestApp;
use serde_json::Value;
use sqlx::PgPool;
use std::sync::Arc;
use threadr::server::clock::{Clock, ManualClock};
use threadr::server::state::AppState;
use uuid::Uuid;

pub struct Market {
    pub app: TestApp,
    pub fake: FakeStripe,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub pool: PgPool,
    /// The configuration beyond Stripe's, which a second instance gets too.
    extra: Vec<(String, String)>,
}

/// Limits raised for tests that sign many members in from one address in a minute.
pub const ROOMY: &[(&str, &str)] =
    &[("REQUESTS_PER_MINUTE", "100000"), ("AUTH_ATTEMPTS_PER_IP", "10000"), ("AUTH_ATTEMPTS_PER_ACCOUNT", "1000")];

impl Market {
    pub async fn start(pool: &PgPool) -> Self {
        Self::start_with(pool, &[]).await
    }

    pub async fn start_with(pool: &PgPool, extra: &[(&str, &str)]) -> Self {
        let fake = FakeStripe::start().await;
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let mut captured = None;
        let config = stripe_config(&fake.base_url, extra);
        let app = TestApp::spawn_changed(pool.clone(), config, |state| {
            let state = state.with_clock(clock.clone());
            captured = Some(state.clone());
            state
        })
        .await;
        let extra = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Self { app, fake, clock, state: captured.expect("state"), pool: pool.clone(), extra }
    }

    /// A second app instance on the same database, Stripe, clock and configuration.
    pub async fn second_instance(&self) -> TestApp {
        let extra: Vec<(&str, &str)> = self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let config = stripe_config(&self.fake.base_url, &extra);
        let clock = self.clock.clone();
        TestApp::spawn_changed(self.pool.clone(), config, move |state| state.with_clock(clock)).await
    }

    /// Another instance that also keeps its own search index current from the outbox (the
    /// catalogue's background work), as `threadr serve` does.
    pub async fn second_instance_indexing(&self) -> TestApp {
        let extra: Vec<(&str, &str)> = self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let config = stripe_config(&self.fake.base_url, &extra);
        let clock = self.clock.clone();
        TestApp::spawn_changed(self.pool.clone(), config, move |state| {
            let state = state.with_clock(clock);
            threadr::features::catalogue::spawn_background(state.clone());
            state
        })
        .await
    }

    /// A confirmed seller with Stripe onboarding done. Returns their cookie.
    pub async fn seller(&self, email: &str, handle: &str) -> String {
        let cookie = signed_in(&self.app, &self.pool, email).await;
        become_seller(&self.app, &self.fake, &self.pool, &cookie, handle).await;
        cookie
    }

    /// A listing on sale.
    pub async fn listing(&self, seller: &str, title: &str, price: &str, stock: &str) -> Uuid {
        let id = create(&self.app, seller, &listing_form(title, price, stock, "furniture")).await;
        assert_eq!(publish(&self.app, seller, id).await.status(), 200, "on sale");
        id
    }

    /// A confirmed member with one address. Returns their cookie and the address id.
    pub async fn buyer(&self, email: &str) -> (String, Uuid) {
        let cookie = signed_in(&self.app, &self.pool, email).await;
        let form = [
            ("address[full_name]", "Bea Buyer"),
            ("address[line1]", "1 High Street"),
            ("address[city]", "London"),
            ("address[postal_code]", "N1 9GU"),
            ("address[country]", "GB"),
        ];
        let res = self.app.call_as("accounts/save-address", &form, Some(&cookie)).await;
        assert_eq!(res.status(), 200, "address saved");
        let address =
            sqlx::query_scalar("SELECT a.id FROM addresses a JOIN users u ON u.id = a.user_id WHERE u.email = $1")
                .bind(email)
                .fetch_one(&self.pool)
                .await
                .expect("address");
        (cookie, address)
    }

    pub async fn add(&self, cookie: Option<&str>, product: Uuid, quantity: i32) -> reqwest::Response {
        let (p, q) = (product.to_string(), quantity.to_string());
        self.app.call_as("commerce/cart-add", &[("product", p.as_str()), ("quantity", q.as_str())], cookie).await
    }

    pub async fn cart(&self, cookie: Option<&str>) -> Value {
        self.app.call_as("commerce/cart", &[], cookie).await.json().await.expect("cart")
    }

    /// Starts paying for the cart's USD items; the answer is Stripe's page (or a refusal).
    pub async fn pay(&self, cookie: &str, address: Uuid, total_cents: i64) -> reqwest::Response {
        let (a, t) = (address.to_string(), total_cents.to_string());
        self.app
            .call_as(
                "commerce/pay",
                &[("address", a.as_str()), ("currency", "USD"), ("total_cents", t.as_str())],
                Some(cookie),
            )
            .await
    }

    /// The Checkout session of the buyer's newest purchase.
    pub async fn session_of(&self, buyer_email: &str) -> (Uuid, String) {
        sqlx::query_as(
            "SELECT p.id, p.stripe_session_id FROM purchases p JOIN users u ON u.id = p.buyer_id
              WHERE u.email = $1 ORDER BY p.created_at DESC LIMIT 1",
        )
        .bind(buyer_email)
        .fetch_one(&self.pool)
        .await
        .expect("a purchase with a session")
    }

    /// The buyer pays on Stripe's page; Stripe's `checkout.session.completed` and
    /// `payment_intent.succeeded` arrive (in that order); the background round settles.
    pub async fn complete(&self, session: &str) -> Value {
        let paid = self.fake.pay(session).expect("the fake's session is open");
        let res = self.deliver(&format!("evt_cs_{session}"), "checkout.session.completed", paid.clone()).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        let intent_id = paid["payment_intent"].as_str().expect("paid session has its payment intent");
        let intent = self.fake.payment_intent(intent_id).expect("intent");
        let res = self.deliver(&format!("evt_pi_{intent_id}"), "payment_intent.succeeded", intent).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        self.settle().await;
        paid
    }

    /// Delivers a Stripe event about `object`, made and signed at the app's clock's time (the
    /// webhook checks the signature's time against that clock).
    pub async fn deliver(&self, id: &str, kind: &str, object: Value) -> reqwest::Response {
        let at = self.clock.now().timestamp();
        let payload = event(id, kind, at, object);
        deliver_signed(&self.app, &payload, Some(signature_header(&payload, WEBHOOK_SECRET, at))).await
    }

    /// Adds `quantity` of `product` to the buyer's cart, pays the cart's USD total and
    /// completes the payment at the fake. Returns the purchase and its Checkout session.
    pub async fn buy(&self, cookie: &str, address: Uuid, email: &str, product: Uuid, quantity: i32) -> (Uuid, String) {
        let res = self.add(Some(cookie), product, quantity).await;
        assert_eq!(res.status(), 200, "added: {}", res.text().await.unwrap_or_default());
        let (purchase, session) = self.hold(cookie, address, email).await;
        self.complete(&session).await;
        assert_eq!(purchase_status(&self.pool, purchase).await, "paid");
        (purchase, session)
    }

    /// Starts paying for the cart's USD total (its items are held). Returns the purchase and
    /// its Checkout session.
    pub async fn hold(&self, cookie: &str, address: Uuid, email: &str) -> (Uuid, String) {
        let total = usd_total(&self.cart(Some(cookie)).await);
        let res = self.pay(cookie, address, total).await;
        assert_eq!(res.status(), 200, "checkout started: {}", res.text().await.unwrap_or_default());
        self.session_of(email).await
    }

    /// The seller marks the order shipped.
    pub async fn ship(&self, seller: &str, number: &str) {
        let form = [("number", number), ("carrier", "Royal Mail"), ("tracking_number", "RM123456789GB")];
        let res = self.app.call_as("commerce/ship", &form, Some(seller)).await;
        assert_eq!(res.status(), 200, "shipped: {}", res.text().await.unwrap_or_default());
    }

    /// One round of the marketplace's background work, with the timed chores.
    pub async fn settle(&self) {
        threadr::features::commerce::run_once(&self.state, true).await;
    }

    pub async fn order_numbers(&self, buyer_email: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT o.number FROM orders o JOIN users u ON u.id = o.buyer_id WHERE u.email = $1 ORDER BY o.number",
        )
        .bind(buyer_email)
        .fetch_all(&self.pool)
        .await
        .expect("orders")
    }
}

pub async fn stock_of(pool: &PgPool, product: Uuid) -> i32 {
    sqlx::query_scalar("SELECT stock FROM products WHERE id = $1").bind(product).fetch_one(pool).await.expect("stock")
}

/// The cart's total in USD as the checkout page shows it.
pub fn usd_total(cart: &Value) -> i64 {
    cart["totals"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["currency"] == "USD"))
        .and_then(|t| t["total_cents"].as_i64())
        .unwrap_or(0)
}

pub async fn purchase_status(pool: &PgPool, purchase: Uuid) -> String {
    sqlx::query_scalar("SELECT status::text FROM purchases WHERE id = $1")
        .bind(purchase)
        .fetch_one(pool)
        .await
        .expect("purchase")
}

/// The statuses of a purchase's orders.
pub async fn order_statuses(pool: &PgPool, purchase: Uuid) -> Vec<String> {
    sqlx::query_scalar("SELECT status::text FROM orders WHERE purchase_id = $1 ORDER BY number")
        .bind(purchase)
        .fetch_all(pool)
        .await
        .expect("orders")
}

/// The number of the purchase's (only) order.
pub async fn order_of(pool: &PgPool, purchase: Uuid) -> String {
    sqlx::query_scalar("SELECT number FROM orders WHERE purchase_id = $1")
        .bind(purchase)
        .fetch_one(pool)
        .await
        .expect("one order")
}

/// The message of an error answer, as the page shows it.
pub async fn message(res: reqwest::Response) -> String {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    match serde_json::from_str::<threadr::error::AppError>(&body) {
        Ok(e) => e.to_string(),
        Err(_) => panic!("an error answer ({status}) expected, got {body}"),
    }
}
