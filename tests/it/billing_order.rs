//! Stripe delivers webhooks late, twice and in any order for three days. Property: for a
//! realistic history of one member (checkout, subscription created, invoices paid, an upgrade,
//! a failed renewal, past due, paid again, cancelled at period end, deleted; and a pass bought
//! twice), any prefix of it delivered shuffled with duplicates ends in the same entitlement,
//! plan, status and period end as the same prefix delivered in order.

use crate::billing_support::{plan_checkout, stripe_config};
use crate::fake_stripe::{FakeStripe, PRICE_PRO, PRICE_STARTER, event, invoice_object, subscription_object};
use crate::helpers::site_options;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use rand::{SeedableRng, seq::SliceRandom};
use sqlx::PgPool;
use std::collections::HashMap;
use threadr::features::billing::webhook::{self, Event};
use threadr::features::quotas::{Plan, entitlement};
use threadr::server::{db::MIGRATOR, state::AppState};
use uuid::Uuid;

const CASES: u32 = 1000;
const DAY: i64 = 86_400;

/// One member's ids, so every case has its own customer, subscription and events.
struct Ids {
    tag: String,
    user: Uuid,
}

impl Ids {
    fn customer(&self) -> String {
        format!("cus_{}", self.tag)
    }
    fn sub(&self) -> String {
        format!("sub_{}", self.tag)
    }
}

/// The history in Stripe's order: (event type, created, object). `base` is ten days ago.
fn history(ids: &Ids, base: i64) -> Vec<(String, i64, serde_json::Value)> {
    let (cus, sub) = (ids.customer(), ids.sub());
    let first = (base + 100, base + 100 + 30 * DAY);
    let second = (base + 300, base + 300 + 30 * DAY);
    let snap = |status: &str, price: &str, period: (i64, i64), cancel: bool| {
        subscription_object(&sub, &cus, price, status, period, cancel, base + 100)
    };
    let invoice = |n: u32, cents: i64, status: &str, period: (i64, i64), at: i64| {
        invoice_object(&format!("in_{}_{n}", ids.tag), &cus, Some(&sub), cents, status, period, at)
    };
    let s = |kind: &str, at: i64, o: serde_json::Value| (kind.to_string(), at, o);
    vec![
        s(
            "checkout.session.completed",
            base + 100,
            plan_checkout(&format!("cs_{}_s", ids.tag), &cus, "starter", ids.user, Some(&sub), base + 90),
        ),
        s("customer.subscription.created", base + 100, snap("incomplete", PRICE_STARTER, first, false)),
        // Same second as `created`: only Stripe can say which is current.
        s("customer.subscription.updated", base + 100, snap("active", PRICE_STARTER, first, false)),
        s("invoice.payment_succeeded", base + 101, invoice(1, 999, "paid", first, base + 100)),
        s("customer.subscription.updated", base + 200, snap("active", PRICE_PRO, first, false)),
        s("invoice.payment_succeeded", base + 201, invoice(2, 1000, "paid", first, base + 200)),
        s("invoice.payment_failed", base + 300, invoice(3, 1999, "open", second, base + 300)),
        s("customer.subscription.updated", base + 300, snap("past_due", PRICE_PRO, second, false)),
        s("invoice.payment_succeeded", base + 400, invoice(3, 1999, "paid", second, base + 300)),
        s("customer.subscription.updated", base + 400, snap("active", PRICE_PRO, second, false)),
        s("customer.subscription.updated", base + 500, snap("active", PRICE_PRO, second, true)),
        s("customer.subscription.deleted", base + 600, snap("canceled", PRICE_PRO, second, true)),
        s(
            "checkout.session.completed",
            base + 700,
            plan_checkout(&format!("cs_{}_p1", ids.tag), &cus, "pass", ids.user, None, base + 690),
        ),
        s(
            "checkout.session.completed",
            base + 800,
            plan_checkout(&format!("cs_{}_p2", ids.tag), &cus, "pass", ids.user, None, base + 790),
        ),
    ]
}

/// Where a member ends up, compared between the two deliveries.
#[derive(Debug, PartialEq, Eq)]
struct Final {
    plans: Vec<Plan>,
    subscription: Option<(String, String, Option<DateTime<Utc>>, bool)>,
    pass_ends_at: Option<DateTime<Utc>>,
}

async fn member(pool: &PgPool, tag: &str) -> Ids {
    let user: Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, referral_code, email_verified_at) VALUES ($1, 'M', $2, now()) RETURNING id",
    )
    .bind(format!("{tag}@example.com"))
    .bind(tag.to_uppercase())
    .fetch_one(pool)
    .await
    .unwrap();
    let ids = Ids { tag: tag.to_string(), user };
    sqlx::query("INSERT INTO billing_customers (user_id, stripe_customer_id) VALUES ($1, $2)")
        .bind(user)
        .bind(ids.customer())
        .execute(pool)
        .await
        .unwrap();
    ids
}

/// Delivers `events` (indexes into the history) through the webhook's own ingest.
async fn deliver(state: &AppState, fake: &FakeStripe, ids: &Ids, base: i64, prefix: usize, order: &[usize]) -> Final {
    let h = history(ids, base);
    // Stripe's answer to "what is this subscription now": the newest snapshot sent so far.
    if let Some((_, _, latest)) = h[..prefix].iter().rev().find(|(k, _, _)| k.starts_with("customer.subscription")) {
        fake.set_subscription(latest.clone());
    }
    for (n, i) in order.iter().enumerate() {
        let (kind, created, object) = &h[*i];
        // A redelivery keeps its event id; the n-th delivery of event i is still event i.
        let payload = event(&format!("evt_{}_{i}", ids.tag), kind, *created, object.clone());
        let parsed = Event::parse(payload.as_bytes()).unwrap();
        webhook::ingest(state, &parsed).await.unwrap_or_else(|e| panic!("delivery {n} (event {i}) failed: {e}"));
    }
    let now = Utc::now();
    let mut plans = Vec::new();
    for days in [0, 25, 40, 70] {
        plans.push(entitlement(&state.db, ids.user, now + Duration::days(days)).await.unwrap());
    }
    let subscription = sqlx::query_as(
        "SELECT plan, status, current_period_end, cancel_at_period_end FROM subscriptions WHERE user_id = $1",
    )
    .bind(ids.user)
    .fetch_optional(&state.db)
    .await
    .unwrap();
    let pass_ends_at =
        sqlx::query_scalar("SELECT max(ends_at) FROM entitlements WHERE user_id = $1 AND source = 'pass'")
            .bind(ids.user)
            .fetch_one(&state.db)
            .await
            .unwrap();
    Final { plans, subscription, pass_ends_at }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn any_order_and_any_repetition_of_the_events_ends_in_the_ordered_state(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let state = AppState::new(stripe_config(&fake.base_url, &[]), site_options(), pool.clone());
    let base = Utc::now().timestamp() - 10 * DAY;

    // Each prefix delivered in order, once.
    let mut expected: HashMap<usize, Final> = HashMap::new();
    for prefix in 1..=14 {
        let ids = member(&pool, &format!("o{prefix}")).await;
        let ordered: Vec<usize> = (0..prefix).collect();
        expected.insert(prefix, deliver(&state, &fake, &ids, base, prefix, &ordered).await);
    }

    let strategy = (1usize..=14, prop::collection::vec(1u8..=3, 14), any::<u64>());
    let mut runner = TestRunner::new(RunnerConfig { cases: CASES, ..RunnerConfig::default() });
    let cases: Vec<(u32, usize, Vec<usize>)> = (0..CASES)
        .map(|case| {
            let (prefix, copies, seed) = strategy.new_tree(&mut runner).unwrap().current();
            let mut order: Vec<usize> =
                (0..prefix).flat_map(|i| std::iter::repeat_n(i, usize::from(copies[i]))).collect();
            order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
            (case, prefix, order)
        })
        .collect();
    // Cases are independent members: several run at once (as Stripe's deliveries would).
    let (state, fake, pool, expected) = (&state, &fake, &pool, &expected);
    futures::stream::iter(cases)
        .for_each_concurrent(8, |(case, prefix, order)| async move {
            let ids = member(pool, &format!("c{case}")).await;
            let got = deliver(state, fake, &ids, base, prefix, &order).await;
            assert_eq!(got, expected[&prefix], "case {case}: prefix {prefix}, delivered in the order {order:?}");
        })
        .await;
    // The history exercised every branch: a pass bought twice is 60 days from the first.
    let full = &expected[&14];
    assert_eq!(full.pass_ends_at, DateTime::from_timestamp(base + 700 + 60 * DAY, 0));
    assert_eq!(full.subscription.as_ref().map(|s| s.1.as_str()), Some("canceled"));
    assert_eq!(expected.get(&10).map(|f| f.plans[0]), Some(Plan::Pro));
}
