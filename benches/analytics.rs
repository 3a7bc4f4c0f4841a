//! Admin analytics over a year of generated data (100k members, 20k subscriptions, 1M orders,
//! 1M AI requests, 300k emails): each figure family read live from the tables (what a day
//! without a rollup costs), the rollup backfill, then each family and the whole page from the
//! rollups for 365 and 30 days, against the seed's 1 s admin dashboard budget; then the time
//! of a `/metrics` scrape over loopback HTTP on the same data (its queue gauges count the
//! outbox tables at every scrape). The figures are
//! PostgreSQL's work, so `scripts/bench` may run this in the dev profile. Needs DATABASE_URL (a
//! scratch database; the data is generated once and kept for reruns).

use std::time::{Duration, Instant};

use chrono::Utc;
use leptos::prelude::LeptosOptions;
use threadr::features::admin::analytics::{self, db, job, model::DayRange};
use threadr::server::{config::Config, serve, state::AppState};

mod support;

use support::{ms, percentile};

const GENERATE: &[(&str, &str)] = &[
    (
        "100k members over a year",
        "INSERT INTO users (email, display_name, referral_code, created_at)
         SELECT 'bench' || g || '@analytics.test', 'Bench ' || g, 'BA' || g, now() - random() * interval '365 days'
           FROM generate_series(1, 100000) g",
    ),
    (
        "1k sellers",
        "INSERT INTO sellers (user_id, handle) SELECT id, 'bench-shop-' || n FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM users LIMIT 1000) u",
    ),
    (
        "20k subscriptions (a quarter ended)",
        "INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan, status, ended_at, state_as_of, created_at)
         SELECT 'sub_bench_' || n, id, 'cus_bench', (ARRAY['starter','pro','business'])[1 + n % 3],
                CASE WHEN n % 4 = 0 THEN 'canceled' ELSE 'active' END,
                CASE WHEN n % 4 = 0 THEN least(created_at + interval '40 days', now()) END, 1, created_at + interval '1 hour'
           FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at) n FROM users ORDER BY created_at LIMIT 20000) u",
    ),
    (
        "their entitlements",
        "INSERT INTO entitlements (user_id, plan, source, starts_at) SELECT user_id, plan, 'subscription', created_at FROM subscriptions",
    ),
    (
        "500k purchases",
        "INSERT INTO purchases (id, buyer_id, status, currency, total_cents, fee_bps, shipping, hold_expires_at, created_at, paid_at)
         SELECT gen_random_uuid(), (SELECT array_agg(id) FROM users)[1 + g % 100000], 'paid', 'usd', 5000, 500, '{}', t, t, t
           FROM generate_series(1, 500000) g, LATERAL (SELECT now() - random() * interval '365 days' + g * interval '0 s' AS t) x",
    ),
    (
        "1M orders (two sellers a purchase)",
        "INSERT INTO orders (id, purchase_id, seller_id, buyer_id, status, currency, subtotal_cents, fee_cents, created_at, paid_at)
         SELECT gen_random_uuid(), p.id, (SELECT array_agg(user_id ORDER BY user_id) FROM sellers)[1 + (k + abs(hashtext(p.id::text))) % 1000],
                p.buyer_id, 'paid', 'usd', 2500, 125, p.created_at, p.paid_at
           FROM purchases p, generate_series(0, 1) k",
    ),
    (
        "1M AI requests",
        "INSERT INTO ai_requests (kind, provider, model, input_tokens, output_tokens, cost_microusd, latency_ms, outcome, created_at)
         SELECT (ARRAY['thread','description','letter','assistant','transcription'])[1 + g % 5], (ARRAY['openai','anthropic'])[1 + g % 2],
                'bench', 500, 300, 1200, 900, CASE WHEN g % 37 = 0 THEN 'failed' ELSE 'ok' END, now() - random() * interval '365 days'
           FROM generate_series(1, 1000000) g",
    ),
    (
        "300k emails",
        "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body, status, sent_at, updated_at)
         SELECT 'bench-' || g, 'x@analytics.test', 'welcome', '{}', 's', 'h', 't',
                CASE WHEN g % 50 = 0 THEN 'dead' ELSE 'sent' END::email_status, t, t
           FROM generate_series(1, 300000) g, LATERAL (SELECT now() - random() * interval '365 days' + g * interval '0 s' AS t) x",
    ),
];

fn main() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!("DATABASE_URL unset: skipping the analytics benchmark");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(&url).await.expect("database");
        threadr::server::db::migrate(&pool).await.expect("migrate");
        let have: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&pool).await.expect("count");
        if have < 1_000_000 {
            for (what, sql) in GENERATE {
                let started = Instant::now();
                sqlx::query(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{what}: {e}"));
                println!("  generated {what} in {:.1} s", started.elapsed().as_secs_f64());
            }
            sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
        }
        sqlx::query(
            "TRUNCATE analytics_days, rollup_subscriptions, rollup_members, rollup_orders, rollup_ai, rollup_email",
        )
        .execute(&pool)
        .await
        .expect("no rollups");
        let today = Utc::now().date_naive();
        let year = DayRange::parse("", "", "365", today).expect("range");
        let month = DayRange::parse("", "", "30", today).expect("range");

        println!("  without rollups (every day live from the tables), 365 days:");
        for (i, name) in db::FAMILIES.iter().enumerate() {
            let started = Instant::now();
            db::read_family(&pool, i, year.from(), year.to()).await.expect("read");
            println!("    {name:<14} {:>8.1} ms", ms(started.elapsed()));
        }
        let started = Instant::now();
        let days = job::roll_due(&pool, Utc::now()).await.expect("rollup");
        println!(
            "  rollup backfill: {days} days in {:.1} s (once; then two days every five minutes)",
            started.elapsed().as_secs_f64()
        );
        sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");

        for (label, range) in [("365 days", year), ("30 days", month)] {
            println!("  with rollups, {label} (today live), 10 reads each, p50 / max:");
            for (i, name) in db::FAMILIES.iter().enumerate() {
                let mut times = Vec::new();
                for _ in 0..10 {
                    let started = Instant::now();
                    db::read_family(&pool, i, range.from(), range.to()).await.expect("read");
                    times.push(started.elapsed());
                }
                report(name, &mut times);
            }
            let mut times = Vec::new();
            for _ in 0..10 {
                let started = Instant::now();
                analytics::compute(&pool, range).await.expect("page");
                times.push(started.elapsed());
            }
            report("whole page", &mut times);
        }

        let token = "bench-ops-token-0123456789";
        let vars = [("DATABASE_URL", url.as_str()), ("OPS_TOKEN", token)];
        let config =
            Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).expect("config");
        let site = LeptosOptions::builder()
            .output_name("threadr")
            .site_root("target/site")
            .site_pkg_dir("pkg")
            .hash_files(false)
            .build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listener");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(serve::serve(listener, AppState::new(config, site, pool.clone()), std::future::pending()));
        let client = reqwest::Client::new();
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..50 {
            let started = Instant::now();
            let res = client.get(format!("http://{addr}/metrics")).bearer_auth(token).send().await.expect("scrape");
            assert!(res.status().is_success(), "{}", res.status());
            size = res.text().await.expect("body").len();
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "  GET /metrics (loopback, 50 scrapes, with the queues above): p50 {:.1} ms, max {:.1} ms, {size} bytes",
            ms(percentile(&times, 0.5)),
            ms(times[times.len() - 1])
        );
    });
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let (p50, max) = (percentile(times, 0.5), times[times.len() - 1]);
    let verdict = if max < Duration::from_secs(1) { "within 1 s" } else { "OVER 1 s" };
    println!("    {name:<14} {:>8.1} / {:>8.1} ms  {verdict}", ms(p50), ms(max));
}
