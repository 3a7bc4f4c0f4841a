//! Stock and its holds against the fake Stripe: the last unit goes to one checkout however
//! many buyers press Pay at once (across two app instances), an abandoned checkout's hold
//! ends with the clock, a payment that arrives after its stock was sold is refunded in full,
//! and Stripe's expired and failed events release the hold once.

use crate::billing_support::emails;
use crate::commerce_support::{Market, ROOMY, message, order_of, order_statuses, purchase_status, stock_of, usd_total};
use crate::helpers::count;
use serde_json::Value;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

const TAKEN: &str = "was just bought or is in another buyer's checkout";

/// How many of the product other buyers may still take (what its page shows a visitor).
async fn available(m: &Market, product: Uuid) -> i64 {
    let p = product.to_string();
    let panel: Value =
        m.app.call_as("commerce/product-panel", &[("product", p.as_str())], None).await.json().await.unwrap();
    panel["available"].as_i64().expect("available")
}

/// Order timeline rows, all orders together.
async fn timeline_rows(pool: &PgPool) -> i64 {
    count(pool, "SELECT count(*) FROM order_events").await
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn fifty_buyers_pressing_pay_for_the_last_unit_on_two_instances_hold_it_once(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let other = m.second_instance().await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Last brass lamp", "40.00", "1").await;

    // Fifty confirmed members, each with an address and the lamp in their cart (one after
    // another: the test database's pool has five connections).
    let mut buyers = Vec::new();
    for i in 0..50 {
        let email = format!("buyer{i:02}@example.com");
        let (cookie, address) = m.buyer(&email).await;
        let res = m.add(Some(&cookie), lamp, 1).await;
        assert_eq!(res.status(), 200, "{email} adds the lamp: {}", res.text().await.unwrap_or_default());
        buyers.push((cookie, address));
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM cart_items").await, 50);

    // All fifty press Pay at once, half of them on each instance.
    let pays = buyers.iter().enumerate().map(|(i, (cookie, address))| {
        let app = if i % 2 == 0 { &m.app } else { &other };
        let (a, c) = (address.to_string(), cookie.clone());
        async move {
            let form = [("address", a.as_str()), ("currency", "USD"), ("total_cents", "4000")];
            app.call_as("commerce/pay", &form, Some(&c)).await
        }
    });
    let answers = futures::future::join_all(pays).await;
    let mut won = 0;
    let mut refused = Vec::new();
    for res in answers {
        match res.status().as_u16() {
            200 => {
                won += 1;
                let url: String = res.json().await.unwrap();
                assert!(url.contains("/pay/cs_"), "Stripe's page: {url}");
            }
            400 => refused.push(message(res).await),
            other => panic!("unexpected answer {other}: {}", res.text().await.unwrap_or_default()),
        }
    }
    assert_eq!(won, 1, "exactly one checkout holds the last unit");
    assert_eq!(refused.len(), 49);
    for refusal in &refused {
        assert!(refusal.contains("“Last brass lamp”") && refusal.contains(TAKEN), "{refusal}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 1, "refusals leave nothing behind");
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases WHERE status = 'open'").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM orders WHERE status = 'pending'").await, 1);
    assert_eq!(m.fake.posts_to("/v1/checkout/sessions").len(), 1, "one Stripe payment page opened");
    assert_eq!(stock_of(&pool, lamp).await, 1, "held, not sold, until paid");
    assert_eq!(available(&m, lamp).await, 0, "nobody else can take it meanwhile");

    // The winner pays: the unit is sold, once.
    let (purchase, session): (Uuid, String) =
        sqlx::query_as("SELECT id, stripe_session_id FROM purchases").fetch_one(&pool).await.unwrap();
    m.complete(&session).await;
    assert_eq!(purchase_status(&pool, purchase).await, "paid");
    assert_eq!(stock_of(&pool, lamp).await, 0);
    assert_eq!(m.fake.transfers().len(), 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_abandoned_checkout_releases_the_last_unit_when_its_hold_expires(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "1").await;
    let (ann, ann_address) = m.buyer("ann@example.com").await;
    let (bob, bob_address) = m.buyer("bob@example.com").await;
    assert_eq!(m.add(Some(&ann), desk, 1).await.status(), 200);
    assert_eq!(m.add(Some(&bob), desk, 1).await.status(), 200);

    // Ann starts paying and walks away; Bob is refused while her hold lasts.
    let (ann_purchase, ann_session) = m.hold(&ann, ann_address, "ann@example.com").await;
    let refused = m.pay(&bob, bob_address, 12000).await;
    assert_eq!(refused.status(), 400);
    assert!(message(refused).await.contains(TAKEN));
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 1);

    // A minute before the hold ends nothing changes.
    let hold = m.state.config.commerce.stock_hold;
    m.clock.advance(hold - chrono::Duration::minutes(1));
    m.settle().await;
    assert_eq!(purchase_status(&pool, ann_purchase).await, "open");
    assert_eq!(m.fake.checkout_session(&ann_session).unwrap()["status"], "open");
    assert_eq!(m.pay(&bob, bob_address, 12000).await.status(), 400, "still held");

    // Past the hold the sweeper closes her checkout, at Stripe too.
    m.clock.advance(chrono::Duration::minutes(2));
    m.settle().await;
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired");
    assert_eq!(order_statuses(&pool, ann_purchase).await, ["cancelled"]);
    assert_eq!(m.fake.checkout_session(&ann_session).unwrap()["status"], "expired");
    let expires = m.fake.posts_to(&format!("/v1/checkout/sessions/{ann_session}/expire"));
    assert_eq!(expires.len(), 1);
    assert_eq!(expires[0].idempotency_key.as_deref(), Some(format!("threadr-expire-{ann_purchase}").as_str()));
    assert_eq!(stock_of(&pool, desk).await, 1);
    assert!(m.fake.pay(&ann_session).is_none(), "her payment page cannot be paid any more");

    // Bob can hold it now, and buy it.
    let (bob_purchase, bob_session) = m.hold(&bob, bob_address, "bob@example.com").await;
    assert_ne!(bob_purchase, ann_purchase);
    m.complete(&bob_session).await;
    assert_eq!(purchase_status(&pool, bob_purchase).await, "paid");
    assert_eq!(order_statuses(&pool, bob_purchase).await, ["paid"]);
    assert_eq!(stock_of(&pool, desk).await, 0);
    // Another round later changes nothing more.
    m.clock.advance(hold * 2);
    m.settle().await;
    assert_eq!(purchase_status(&pool, bob_purchase).await, "paid");
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_payment_for_a_unit_sold_after_its_hold_ended_is_refunded_in_full(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let chair = m.listing(&sally, "Oak chair", "45.50", "1").await;
    let (ann, ann_address) = m.buyer("ann@example.com").await;
    let (bob, bob_address) = m.buyer("bob@example.com").await;
    assert_eq!(m.add(Some(&ann), chair, 1).await.status(), 200);
    assert_eq!(m.add(Some(&bob), chair, 1).await.status(), 200);
    let (ann_purchase, ann_session) = m.hold(&ann, ann_address, "ann@example.com").await;

    // Her hold ends, but Stripe fails when the sweeper expires her session: it stays payable.
    m.clock.advance(m.state.config.commerce.stock_hold + chrono::Duration::minutes(1));
    m.fake.fail_next(500);
    m.settle().await;
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired", "our hold ended anyway");
    assert_eq!(m.fake.checkout_session(&ann_session).unwrap()["status"], "open", "still open at Stripe");

    // Bob buys the unit.
    let (bob_purchase, bob_session) = m.hold(&bob, bob_address, "bob@example.com").await;
    m.complete(&bob_session).await;
    assert_eq!(purchase_status(&pool, bob_purchase).await, "paid");
    assert_eq!(stock_of(&pool, chair).await, 0);

    // Then Ann pays on her still open page: the unit is gone, so her payment goes back in full.
    let paid = m.complete(&ann_session).await;
    let ann_intent = paid["payment_intent"].as_str().unwrap().to_string();
    assert_eq!(purchase_status(&pool, ann_purchase).await, "refunded");
    let (refund_status, refund_id): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT refund_status, refund_id FROM purchases WHERE id = $1")
            .bind(ann_purchase)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(refund_status.as_deref(), Some("done"));
    let refunds = m.fake.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], 4550, "her whole total");
    assert_eq!(refunds[0]["payment_intent"], ann_intent.as_str());
    assert_eq!(refund_id.as_deref(), refunds[0]["id"].as_str());
    let posts = m.fake.posts_to("/v1/refunds");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].idempotency_key.as_deref(), Some(format!("threadr-refund-purchase-{ann_purchase}").as_str()));
    assert_eq!(m.fake.charge(refunds[0]["charge"].as_str().unwrap()).unwrap()["refunded"], true);

    // No transfer for Ann's order; Bob's seller share went out once.
    let transfers = m.fake.transfers();
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0]["transfer_group"], format!("purchase_{bob_purchase}"));
    assert_eq!(stock_of(&pool, chair).await, 0, "never below zero");
    assert_eq!(order_statuses(&pool, ann_purchase).await, ["refunded"]);
    assert_eq!(order_statuses(&pool, bob_purchase).await, ["paid"]);
    let ann_order = order_of(&pool, ann_purchase).await;
    let (transfer, refunded, subtotal): (Option<String>, i64, i64) =
        sqlx::query_as("SELECT transfer_id, refunded_cents, subtotal_cents FROM orders WHERE number = $1")
            .bind(&ann_order)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((transfer, refunded), (None, subtotal));
    assert_eq!(emails(&pool, "order_refunded", "ann@example.com").await, 1);
    assert_eq!(emails(&pool, "order_refunded", "sally@example.com").await, 1);
    assert_eq!(emails(&pool, "order_refunded", "bob@example.com").await, 0);
    assert_eq!(emails(&pool, "order_placed", "ann@example.com").await, 0, "never told it was placed");
    let progress: Value = m
        .app
        .call_as("commerce/purchase-progress", &[("purchase", ann_purchase.to_string().as_str())], Some(&ann))
        .await
        .json()
        .await
        .unwrap();
    assert!(progress["Closed"]["reason"].as_str().unwrap().contains("“Oak chair” sold out"), "{progress}");

    // Stripe delivering her events again, under their ids or new ones, changes nothing.
    let rows = timeline_rows(&pool).await;
    let session = m.fake.checkout_session(&ann_session).unwrap();
    let intent = m.fake.payment_intent(&ann_intent).unwrap();
    for (id, kind, object) in [
        (format!("evt_cs_{ann_session}"), "checkout.session.completed", session.clone()),
        (format!("evt_pi_{ann_intent}"), "payment_intent.succeeded", intent.clone()),
        ("evt_again_cs".to_string(), "checkout.session.completed", session),
        ("evt_again_pi".to_string(), "payment_intent.succeeded", intent),
    ] {
        let res = m.deliver(&id, kind, object).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    }
    m.settle().await;
    assert_eq!(m.fake.refunds().len(), 1);
    assert_eq!(m.fake.transfers().len(), 1);
    assert_eq!(purchase_status(&pool, ann_purchase).await, "refunded");
    assert_eq!(order_statuses(&pool, ann_purchase).await, ["refunded"]);
    assert_eq!(stock_of(&pool, chair).await, 0);
    assert_eq!(timeline_rows(&pool).await, rows);
    assert_eq!(emails(&pool, "order_refunded", "ann@example.com").await, 1);
    assert_eq!(emails(&pool, "order_refunded", "sally@example.com").await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn stripes_expired_and_failed_events_release_the_hold_once(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let vase = m.listing(&sally, "Blue vase", "30.00", "1").await;
    let (ann, ann_address) = m.buyer("ann@example.com").await;
    let (bob, bob_address) = m.buyer("bob@example.com").await;
    let (cat, cat_address) = m.buyer("cat@example.com").await;
    for cookie in [&ann, &bob, &cat] {
        assert_eq!(m.add(Some(cookie), vase, 1).await.status(), 200);
    }

    // Ann's Checkout session expires at Stripe.
    let (ann_purchase, ann_session) = m.hold(&ann, ann_address, "ann@example.com").await;
    assert_eq!(available(&m, vase).await, 0);
    assert_eq!(m.pay(&bob, bob_address, 3000).await.status(), 400, "held for Ann");
    let expired = m.fake.expire_checkout_session(&ann_session).expect("open at the fake");
    let res = m.deliver("evt_expired_1", "checkout.session.expired", expired.clone()).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired");
    assert_eq!(order_statuses(&pool, ann_purchase).await, ["cancelled"]);
    assert_eq!(available(&m, vase).await, 1, "released");
    let rows = timeline_rows(&pool).await;
    // A late duplicate (the same event, or the same object in a new one) does nothing.
    for id in ["evt_expired_1", "evt_expired_2"] {
        assert_eq!(m.deliver(id, "checkout.session.expired", expired.clone()).await.status(), 200);
    }
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired");
    assert_eq!(order_statuses(&pool, ann_purchase).await, ["cancelled"]);
    assert_eq!(timeline_rows(&pool).await, rows);

    // Bob's card is declined.
    let (bob_purchase, bob_session) = m.hold(&bob, bob_address, "bob@example.com").await;
    assert_eq!(available(&m, vase).await, 0);
    let failed = m.fake.fail_payment(&bob_session).expect("open at the fake");
    assert_eq!(failed["status"], "requires_payment_method");
    let res = m.deliver("evt_failed_1", "payment_intent.payment_failed", failed.clone()).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(purchase_status(&pool, bob_purchase).await, "failed");
    assert_eq!(order_statuses(&pool, bob_purchase).await, ["cancelled"]);
    assert_eq!(available(&m, vase).await, 1, "released");
    let rows = timeline_rows(&pool).await;
    for id in ["evt_failed_1", "evt_failed_2"] {
        assert_eq!(m.deliver(id, "payment_intent.payment_failed", failed.clone()).await.status(), 200);
    }
    assert_eq!(purchase_status(&pool, bob_purchase).await, "failed");
    assert_eq!(order_statuses(&pool, bob_purchase).await, ["cancelled"]);
    assert_eq!(timeline_rows(&pool).await, rows);
    assert_eq!(stock_of(&pool, vase).await, 1, "nothing was sold");
    assert!(m.fake.transfers().is_empty() && m.fake.refunds().is_empty());

    // The vase is free for Cat, who buys it.
    let total = usd_total(&m.cart(Some(&cat)).await);
    assert_eq!(total, 3000);
    let (cat_purchase, cat_session) = m.hold(&cat, cat_address, "cat@example.com").await;
    m.complete(&cat_session).await;
    assert_eq!(purchase_status(&pool, cat_purchase).await, "paid");
    assert_eq!(stock_of(&pool, vase).await, 0);
    // The expired and failed purchases stayed closed.
    assert_eq!(purchase_status(&pool, ann_purchase).await, "expired");
    assert_eq!(purchase_status(&pool, bob_purchase).await, "failed");
}
