//! Stripe webhook ingest benchmark (not a test; `scripts/bench` runs it in release mode and
//! prints figures): 8 concurrent senders post signed `invoice.payment_succeeded` events over
//! loopback HTTP to the real router; each is verified, stored once, processed (invoice row,
//! receipt email in the outbox) in its transaction. Needs DATABASE_URL (a scratch database).

use std::time::Instant;

use leptos::prelude::LeptosOptions;
use threadr::features::billing::webhook::signature::sign;
use threadr::server::{config::Config, serve, state::AppState};

const SENDERS: usize = 8;
const PER_SENDER: usize = 500;
const SECRET: &str = "whsec_bench_secret";

mod support;

use support::{ms, percentile};

fn event(id: &str, customer: &str, created: i64) -> String {
    serde_json::json!({
        "id": id, "object": "event", "api_version": "2026-09-30.endive", "created": created,
        "type": "invoice.payment_succeeded", "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "data": {"object": {
            "id": format!("in_{id}"), "object": "invoice", "customer": customer, "amount_paid": 1999,
            "amount_due": 1999, "currency": "usd", "status": "paid",
            "hosted_invoice_url": format!("https://invoice.stripe.test/i/{id}"),
            "parent": {"subscription_details": {"subscription": "sub_bench"}},
            "lines": {"data": [{"period": {"start": created, "end": created + 2_592_000}}]}
        }}
    })
    .to_string()
}

fn main() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!("DATABASE_URL unset: skipping the webhook benchmark");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let vars = [("DATABASE_URL", url.as_str()), ("STRIPE_WEBHOOK_SECRET", SECRET), ("DATABASE_POOL_SIZE", "32")];
        let config = Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(32).connect(&url).await.expect("database");
        threadr::server::db::migrate(&pool).await.expect("migrate");
        let user: uuid::Uuid = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, referral_code, email_verified_at) VALUES ('bench-billing@threadr.test', 'Bench', 'BENCHBILL', now())
             ON CONFLICT (email) DO UPDATE SET display_name = 'Bench' RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .expect("member");
        sqlx::query("INSERT INTO billing_customers (user_id, stripe_customer_id) VALUES ($1, 'cus_bench') ON CONFLICT DO NOTHING")
            .bind(user)
            .execute(&pool)
            .await
            .expect("customer");
        let site = LeptosOptions::builder().output_name("threadr").site_root("target/site").site_pkg_dir("pkg").hash_files(false).build();
        let state = AppState::new(config, site, pool.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { serve::serve(listener, state, std::future::pending()).await.expect("serve") });
        let client = reqwest::Client::builder().no_proxy().build().expect("client");
        let run = uuid::Uuid::new_v4().simple().to_string();

        let started = Instant::now();
        let senders: Vec<_> = (0..SENDERS)
            .map(|s| {
                let client = client.clone();
                let run = run.clone();
                tokio::spawn(async move {
                    let mut times = Vec::with_capacity(PER_SENDER);
                    for n in 0..PER_SENDER {
                        let now = chrono::Utc::now().timestamp();
                        let payload = event(&format!("evt_{run}_{s}_{n}"), "cus_bench", now);
                        let t = Instant::now();
                        let res = client
                            .post(format!("http://{addr}/webhooks/stripe"))
                            .header("stripe-signature", sign(payload.as_bytes(), SECRET, now))
                            .header("content-type", "application/json")
                            .body(payload)
                            .send()
                            .await
                            .expect("delivery");
                        assert_eq!(res.status(), 200);
                        times.push(t.elapsed());
                    }
                    times
                })
            })
            .collect();
        let mut all = Vec::new();
        for s in senders {
            all.extend(s.await.expect("sender"));
        }
        let wall = started.elapsed();
        all.sort();
        let processed: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events WHERE id LIKE $1 AND status = 'processed'")
            .bind(format!("evt_{run}_%"))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(processed as usize, SENDERS * PER_SENDER, "every event processed once");
        println!(
            "signed webhook ingest (invoice.payment_succeeded: verify, store, process, receipt email), {SENDERS} senders × {PER_SENDER}: {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms",
            all.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
        );
    });
}
