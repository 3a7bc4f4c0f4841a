//! What the commerce tests share: an app with the fake Stripe and a hand-moved clock (and its
//! state, to run the background round), sellers with listings on sale, buyers with an address,
//! a cart, a checkout paid on the fake's page and Stripe's signed events for it.

use crate::billing_support::{deliver, stripe_config};
use crate::catalogue_sellers::{become_seller, create, listing_form, publish, signed_in};
use crate::fake_stripe::{FakeStripe, event};
use crate::helpers::TestApp;
use serde_json::Value;
use sqlx::PgPool;
use std::sync::Arc;
use threadr::server::clock::ManualClock;
use threadr::server::state::AppState;
use uuid::Uuid;

pub struct Market {
    pub app: TestApp,
    pub fake: FakeStripe,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub pool: PgPool,
}

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
        Self { app, fake, clock, state: captured.expect("state"), pool: pool.clone() }
    }

    /// A second app instance on the same database, Stripe and clock.
    pub async fn second_instance(&self) -> TestApp {
        let config = stripe_config(&self.fake.base_url, &[]);
        let clock = self.clock.clone();
        TestApp::spawn_changed(self.pool.clone(), config, move |state| state.with_clock(clock)).await
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
        let created = chrono::Utc::now().timestamp();
        let res = deliver(
            &self.app,
            &event(&format!("evt_cs_{session}"), "checkout.session.completed", created, paid.clone()),
        )
        .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        let intent_id = paid["payment_intent"].as_str().expect("paid session has its payment intent");
        let intent = self.fake.payment_intent(intent_id).expect("intent");
        let res =
            deliver(&self.app, &event(&format!("evt_pi_{intent_id}"), "payment_intent.succeeded", created, intent))
                .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        self.settle().await;
        paid
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
