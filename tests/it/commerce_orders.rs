//! After checkout, against the fake Stripe: delivery confirmed automatically 14 days after
//! shipping, refunds in parts with their reversals (by the seller, by an admin, and when
//! Stripe is down), what the cart and checkout refuse, reviews with replies, reports and
//! hiding, favourites (with and without JavaScript), and the seller's payout figures and CSV.

use crate::accounts::{PASSWORD, sign_in_cookie, sign_up};
use crate::billing_support::emails;
use crate::catalogue_sellers::{call_owned, listing_form};
use crate::commerce_support::{Market, ROOMY, message, order_of, purchase_status, stock_of, usd_total};
use crate::helpers::count;
use serde_json::{Value, json};
use sqlx::PgPool;
use threadr::server::clock::Clock;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

async fn order_status(pool: &PgPool, number: &str) -> String {
    sqlx::query_scalar("SELECT status::text FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(pool)
        .await
        .expect("order")
}

async fn refund(m: &Market, cookie: &str, number: &str, amount: &str) -> reqwest::Response {
    m.app
        .call_as("commerce/refund", &[("number", number), ("amount", amount), ("reason", "Damaged")], Some(cookie))
        .await
}

fn amounts(objects: &[Value]) -> Vec<i64> {
    objects.iter().map(|o| o["amount"].as_i64().unwrap()).collect()
}

/// The cart line of `product`.
fn line(cart: &Value, product: Uuid) -> Value {
    cart["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["lines"].as_array().cloned().unwrap_or_default())
        .find(|l| l["product_id"] == product.to_string())
        .unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------
// Delivery

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_shipped_order_is_delivered_automatically_after_14_days_once(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Brass lamp", "19.99", "3").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 1).await;
    let number = order_of(&pool, purchase).await;
    m.ship(&sally, &number).await;
    assert_eq!(order_status(&pool, &number).await, "shipped");
    let automatic = "SELECT count(*) FROM order_events WHERE note LIKE 'Marked delivered automatically%'";

    // 13 days (and a bit) is not enough.
    m.clock.advance(chrono::Duration::days(13) + chrono::Duration::hours(23));
    m.settle().await;
    assert_eq!(order_status(&pool, &number).await, "shipped");
    assert_eq!(emails(&pool, "order_delivered", "bea@example.com").await, 0);
    assert_eq!(count(&pool, automatic).await, 0);

    // 14 days: delivered, once, however many rounds run.
    m.clock.advance(chrono::Duration::hours(1));
    m.settle().await;
    m.settle().await;
    assert_eq!(order_status(&pool, &number).await, "delivered");
    let delivered_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT delivered_at FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(delivered_at.timestamp(), m.clock.now().timestamp());
    assert_eq!(count(&pool, automatic).await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM order_events WHERE status = 'delivered'").await, 1);
    assert_eq!(emails(&pool, "order_delivered", "bea@example.com").await, 1);
    assert_eq!(emails(&pool, "order_delivered", "sally@example.com").await, 1);
    m.clock.advance(chrono::Duration::days(1));
    m.settle().await;
    assert_eq!(count(&pool, automatic).await, 1);
    assert_eq!(emails(&pool, "order_delivered", "bea@example.com").await, 1);

    // The buyer sees it on the timeline, from Threadr, and may review the item now.
    let order: Value = m
        .app
        .call_as("commerce/order", &[("number", number.as_str()), ("seller", "false")], Some(&bea))
        .await
        .json()
        .await
        .unwrap();
    let last = order["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "Delivered");
    assert_eq!(last["who"], "Threadr");
    assert_eq!(last["note"], "Marked delivered automatically 14 days after shipping.");
    assert_eq!(order["items"][0]["can_review"], true);
}

// ---------------------------------------------------------------------------------------------
// Refunds

#[sqlx::test(migrator = "MIGRATOR")]
async fn partial_refunds_add_up_to_the_order_and_reverse_the_sellers_share(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let tom = m.seller("tom@example.com", "tom-shop").await;
    let lamp = m.listing(&sally, "Standing lamp", "100.00", "5").await;
    let clock_item = m.listing(&sally, "Wall clock", "25.00", "1").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 1).await;
    let number = order_of(&pool, purchase).await;
    let transfer = m.fake.transfers()[0].clone();
    assert_eq!(transfer["amount"], 9500, "100.00 less 5%");

    // Another seller cannot refund it.
    assert_eq!(refund(&m, &tom, &number, "1.00").await.status(), 404);
    // The buyer cannot either (it is not their order to refund).
    assert_eq!(refund(&m, &bea, &number, "1.00").await.status(), 404);

    // Three refunds: a third, a third, and what is left.
    for amount in ["33.33", "33.33"] {
        let res = refund(&m, &sally, &number, amount).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
        assert!(res.json::<bool>().await.unwrap(), "made at Stripe at once");
        assert_eq!(order_status(&pool, &number).await, "partially_refunded");
    }
    let over = refund(&m, &sally, &number, "40.00").await;
    assert_eq!(over.status(), 400);
    assert_eq!(message(over).await, "At most $33.34 is left to refund on this order.");
    let zero = refund(&m, &sally, &number, "0").await;
    assert_eq!(zero.status(), 400);
    let rest = refund(&m, &sally, &number, "33.34").await;
    assert_eq!(rest.status(), 200, "{}", rest.text().await.unwrap_or_default());
    assert_eq!(order_status(&pool, &number).await, "refunded");
    let again = refund(&m, &sally, &number, "0.01").await;
    assert_eq!(again.status(), 400);
    assert_eq!(message(again).await, "This order is already refunded in full.");

    // At the fake: the buyer's money back in three refunds; the seller's transfer reversed in
    // three reversals; what is not reversed is the platform's fee given back, to the cent.
    let refunds = m.fake.refunds();
    assert_eq!(amounts(&refunds), [3333, 3333, 3334]);
    let intent: String = sqlx::query_scalar("SELECT payment_intent_id FROM purchases WHERE id = $1")
        .bind(purchase)
        .fetch_one(&pool)
        .await
        .unwrap();
    for r in &refunds {
        assert_eq!(r["payment_intent"], intent.as_str());
    }
    let reversals = m.fake.reversals();
    assert_eq!(reversals.len(), 3);
    let reversed: i64 = amounts(&reversals).iter().sum();
    let (fee, fee_back, refunded, reversed_ours): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT fee_cents, fee_refunded_cents, refunded_cents, reversed_cents FROM orders WHERE number = $1",
    )
    .bind(&number)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(refunded, 10000);
    assert_eq!(reversed + fee_back, amounts(&refunds).iter().sum::<i64>(), "reversals + fee given back = refunds");
    assert_eq!((reversed, fee_back), (9500, fee), "a full refund takes back the whole transfer and fee");
    assert_eq!(reversed_ours, reversed);
    let at_stripe = m.fake.transfer(transfer["id"].as_str().unwrap()).unwrap();
    assert_eq!(at_stripe["amount_reversed"], 9500);
    // Each refund row matches its reversal at the fake.
    let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT amount_cents, reversal_cents, status, stripe_reversal_id FROM refunds ORDER BY created_at, amount_cents",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    for (amount, reversal, status, reversal_id) in &rows {
        assert_eq!(status, "done");
        let at_fake = reversals.iter().find(|r| r["id"].as_str() == reversal_id.as_deref()).expect("made at the fake");
        assert_eq!(at_fake["amount"].as_i64().unwrap(), *reversal);
        assert!(amount >= reversal);
    }
    for post in m.fake.posts_to("/v1/refunds") {
        assert!(post.idempotency_key.as_deref().unwrap().starts_with("threadr-refund-"));
    }
    assert_eq!(emails(&pool, "order_refunded", "bea@example.com").await, 3);
    assert_eq!(emails(&pool, "order_refunded", "sally@example.com").await, 3);

    // An order not paid yet, then cancelled, has nothing to refund.
    let (cat, cat_address) = m.buyer("cat@example.com").await;
    assert_eq!(m.add(Some(&cat), clock_item, 1).await.status(), 200);
    let (cat_purchase, _) = m.hold(&cat, cat_address, "cat@example.com").await;
    let pending = order_of(&pool, cat_purchase).await;
    let res = refund(&m, &sally, &pending, "1.00").await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "This order is pending and has nothing to refund.");
    m.clock.advance(m.state.config.commerce.stock_hold + chrono::Duration::minutes(1));
    m.settle().await;
    assert_eq!(order_status(&pool, &pending).await, "cancelled");
    let res = refund(&m, &sally, &pending, "1.00").await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "This order is cancelled and has nothing to refund.");
    assert_eq!(m.fake.refunds().len(), 3, "nothing more at Stripe");
    assert_eq!(count(&pool, "SELECT count(*) FROM refunds").await, 3);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_refund_is_audited_and_a_refund_stripe_fails_is_retried(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Standing lamp", "100.00", "5").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 2).await;
    let number = order_of(&pool, purchase).await;
    let admin = m.app.sign_in_admin(&pool, "root@example.com").await;

    // Only admins use the admin route.
    let form = [("number", number.as_str()), ("amount", "10.00"), ("reason", "Goodwill")];
    assert_eq!(m.app.call_as("admin/commerce/refund", &form, Some(&sally)).await.status(), 403);
    assert_eq!(m.app.call_as("admin/commerce/refund", &form, None).await.status(), 401);
    let res = m.app.call_as("admin/commerce/refund", &form, Some(&admin)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert!(res.json::<bool>().await.unwrap());
    assert_eq!(amounts(&m.fake.refunds()), [1000]);
    assert_eq!(order_status(&pool, &number).await, "partially_refunded");
    let (event, detail): (String, Value) =
        sqlx::query_as("SELECT event, detail FROM audit_log WHERE event = 'order_refunded'")
            .fetch_one(&pool)
            .await
            .expect("one audit row");
    assert_eq!(event, "order_refunded");
    assert_eq!(detail["order"], number.as_str());
    assert_eq!(detail["amount_cents"], 1000);
    assert_eq!(detail["reason"], "Goodwill");
    let (actor, actor_id): (String, Option<Uuid>) =
        sqlx::query_as("SELECT actor, actor_id FROM refunds").fetch_one(&pool).await.unwrap();
    let root: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'root@example.com'").fetch_one(&pool).await.unwrap();
    assert_eq!((actor.as_str(), actor_id), ("admin", Some(root)));
    // The timeline names Threadr support to the buyer.
    let order: Value = m
        .app
        .call_as("commerce/order", &[("number", number.as_str()), ("seller", "false")], Some(&bea))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["timeline"].as_array().unwrap().last().unwrap()["who"], "Threadr support");

    // Stripe fails: the refund is recorded, pending, and answered false.
    m.fake.fail_next(500);
    let res = refund(&m, &sally, &number, "5.00").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert!(!res.json::<bool>().await.unwrap(), "not made at Stripe yet");
    let (status, attempts, error): (String, i32, Option<String>) =
        sqlx::query_as("SELECT status, attempts, error FROM refunds WHERE amount_cents = 500")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(error.is_some());
    assert_eq!(m.fake.refunds().len(), 1, "nothing made at the fake");
    assert_eq!(order_status(&pool, &number).await, "partially_refunded", "recorded on the order at once");

    // The next round makes it at Stripe, with its reversal, once.
    m.settle().await;
    let (status, refund_id): (String, Option<String>) =
        sqlx::query_as("SELECT status, stripe_refund_id FROM refunds WHERE amount_cents = 500")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "done");
    let refunds = m.fake.refunds();
    assert_eq!(amounts(&refunds), [1000, 500]);
    assert_eq!(refund_id.as_deref(), refunds[1]["id"].as_str());
    assert_eq!(m.fake.reversals().len(), 2);
    m.settle().await;
    assert_eq!(m.fake.refunds().len(), 2);
    let (refunded, fee_back, reversed): (i64, i64, i64) =
        sqlx::query_as("SELECT refunded_cents, fee_refunded_cents, reversed_cents FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(refunded, 1500);
    assert_eq!(reversed, amounts(&m.fake.reversals()).iter().sum::<i64>());
    assert_eq!(reversed + fee_back, 1500);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_partial_refund_of_a_shipped_order_leaves_it_on_its_way_to_delivery(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Standing lamp", "50.00", "5").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 1).await;
    let number = order_of(&pool, purchase).await;
    m.ship(&sally, &number).await;
    // The parcel is on its way; the seller gives 5.00 back for a scratch.
    let res = refund(&m, &sally, &number, "5.00").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());

    // It is not an order to ship any more, and cannot be shipped twice.
    let to_ship: Value = m
        .app
        .call_as("commerce/orders", &[("seller", "true"), ("filter", "to-ship"), ("page", "1")], Some(&sally))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(to_ship["orders"], json!([]), "a shipped order is not in the seller's to-ship list");
    // It is under "Refunded" for both (money went back), and still under "Shipped".
    for (who, seller) in [(&sally, "true"), (&bea, "false")] {
        for filter in ["refunded", "shipped"] {
            let list: Value = m
                .app
                .call_as("commerce/orders", &[("seller", seller), ("filter", filter), ("page", "1")], Some(who))
                .await
                .json()
                .await
                .unwrap();
            let numbers: Vec<&str> =
                list["orders"].as_array().unwrap().iter().filter_map(|o| o["number"].as_str()).collect();
            assert_eq!(numbers, [number.as_str()], "{filter} list (seller: {seller})");
        }
    }
    let form = [("number", number.as_str()), ("carrier", "UPS"), ("tracking_number", "1Z999")];
    assert_eq!(m.app.call_as("commerce/ship", &form, Some(&sally)).await.status(), 400, "already shipped");

    // It is still delivered automatically 14 days after shipping, and its item can be reviewed.
    m.clock.advance(chrono::Duration::days(14));
    m.settle().await;
    let delivered: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT delivered_at FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(delivered.is_some(), "delivered automatically");
    assert_eq!(emails(&pool, "order_delivered", "bea@example.com").await, 1);
    let item: Uuid = sqlx::query_scalar("SELECT id FROM order_items").fetch_one(&pool).await.unwrap();
    let i = item.to_string();
    let res = m.app.call_as("commerce/review", &[("item", i.as_str()), ("rating", "4")], Some(&bea)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_refund_without_a_reason_does_not_say_the_seller_made_it(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Standing lamp", "50.00", "5").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 1).await;
    let number = order_of(&pool, purchase).await;
    let admin = m.app.sign_in_admin(&pool, "root@example.com").await;
    let form = [("number", number.as_str()), ("amount", "5.00")];
    let res = m.app.call_as("admin/commerce/refund", &form, Some(&admin)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let reason: String = sqlx::query_scalar("SELECT reason FROM refunds").fetch_one(&pool).await.unwrap();
    assert!(!reason.contains("by the seller"), "the seller did not make this refund: {reason}");
    let note: String =
        sqlx::query_scalar("SELECT note FROM order_events ORDER BY id DESC LIMIT 1").fetch_one(&pool).await.unwrap();
    assert!(!note.contains("by the seller"), "{note}");
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_cart_and_checkout_refuse_bad_input_and_change_nothing(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let table = m.listing(&sally, "Side table", "20.00", "3").await;
    let stool = m.listing(&sally, "Pine stool", "10.00", "2").await;
    let bench = m.listing(&sally, "Oak bench", "15.00", "2").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let add = |q: i32| m.add(Some(&bea), table, q);

    // Quantities out of range or over what is in stock: 400, and the cart stays empty.
    let cases = [
        (0, "Choose a quantity of at least 1. To take an item out, press Remove."),
        (-1, "Choose a quantity of at least 1. To take an item out, press Remove."),
        (1000, "At most 999 of one item fit in a cart."),
        (4, "Only 3 of “Side table” are left."),
    ];
    for (quantity, expected) in cases {
        let res = add(quantity).await;
        assert_eq!(res.status(), 400, "quantity {quantity}");
        assert_eq!(message(res).await, expected, "quantity {quantity}");
    }
    assert_eq!(m.cart(Some(&bea)).await["count"], 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM cart_items").await, 0);

    // In the cart, the same for changing the quantity (and adding more than is left).
    assert_eq!(add(1).await.status(), 200);
    let t = table.to_string();
    for (quantity, expected) in cases {
        let q = quantity.to_string();
        let res = m
            .app
            .call_as("commerce/cart-quantity", &[("product", t.as_str()), ("quantity", q.as_str())], Some(&bea))
            .await;
        assert_eq!(res.status(), 400, "quantity {quantity}");
        assert_eq!(message(res).await, expected, "quantity {quantity}");
    }
    let res = add(3).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "Only 3 of “Side table” are left.");
    let cart = m.cart(Some(&bea)).await;
    assert_eq!(cart["count"], 1, "unchanged: {cart}");
    assert_eq!(line(&cart, table)["quantity"], 1);
    // A product not in the cart has no quantity to change.
    let s = stool.to_string();
    let res = m.app.call_as("commerce/cart-quantity", &[("product", s.as_str()), ("quantity", "1")], Some(&bea)).await;
    assert_eq!(res.status(), 404);

    // The seller raises the price: the cart shows what it was, and the old total is refused.
    let mut form = listing_form("Side table", "25.00", "3", "furniture");
    form.insert(0, ("id".to_string(), t.clone()));
    let res = call_owned(&m.app, "sell/update", &form, &sally).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let cart = m.cart(Some(&bea)).await;
    assert_eq!(line(&cart, table)["unit_price_cents"], 2500);
    assert_eq!(line(&cart, table)["price_was_cents"], 2000);
    assert_eq!(cart["has_changes"], true);
    assert_eq!(usd_total(&cart), 2500);
    let res = m.pay(&bea, address, 2000).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("Check the new total"));
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 0, "nothing held");
    assert!(m.fake.posts_to("/v1/checkout/sessions").is_empty());

    // A paused listing in the cart is flagged and named when paying.
    assert_eq!(m.add(Some(&bea), stool, 1).await.status(), 200);
    let res = m.app.call_as("sell/status", &[("id", s.as_str()), ("change", "pause")], Some(&sally)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let cart = m.cart(Some(&bea)).await;
    assert_eq!(line(&cart, stool)["problem"], "Unavailable");
    assert_eq!(usd_total(&cart), 2500, "the paused stool is not in the total");
    let res = m.pay(&bea, address, 2500).await;
    assert_eq!(res.status(), 400);
    let said = message(res).await;
    assert!(said.contains("“Pine stool” is not for sale any more"), "{said}");
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 0);
    // Adding it again is refused too.
    assert_eq!(m.add(Some(&bea), stool, 1).await.status(), 400);
    assert_eq!(m.app.call_as("commerce/cart-remove", &[("product", s.as_str())], Some(&bea)).await.status(), 200);

    // The same for a listing a moderator removed.
    assert_eq!(m.add(Some(&bea), bench, 1).await.status(), 200);
    sqlx::query("UPDATE products SET status = 'removed', removed_reason = 'Counterfeit' WHERE id = $1")
        .bind(bench)
        .execute(&pool)
        .await
        .unwrap();
    let cart = m.cart(Some(&bea)).await;
    assert_eq!(line(&cart, bench)["problem"], "Unavailable");
    let res = m.pay(&bea, address, 2500).await;
    assert_eq!(res.status(), 400);
    let said = message(res).await;
    assert!(said.contains("“Oak bench” is not for sale any more"), "{said}");
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 0);
    let b = bench.to_string();
    assert_eq!(m.app.call_as("commerce/cart-remove", &[("product", b.as_str())], Some(&bea)).await.status(), 200);

    // With the cart as it is now and its new total, paying works.
    let res = m.pay(&bea, address, 2500).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 1);
    let stripe_calls = m.fake.requests().len();

    // A member who has not confirmed their email cannot pay: nothing held, Stripe not called.
    assert_eq!(sign_up(&m.app, "una@example.com").await.status(), 200);
    let una = sign_in_cookie(&m.app, "una@example.com", PASSWORD).await.expect("signed in unconfirmed");
    let address_form = [
        ("address[full_name]", "Una Unconfirmed"),
        ("address[line1]", "2 Low Road"),
        ("address[city]", "Leeds"),
        ("address[postal_code]", "LS1 1AA"),
        ("address[country]", "GB"),
    ];
    assert_eq!(m.app.call_as("accounts/save-address", &address_form, Some(&una)).await.status(), 200);
    let una_address: Uuid = sqlx::query_scalar(
        "SELECT a.id FROM addresses a JOIN users u ON u.id = a.user_id WHERE u.email = 'una@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(m.add(Some(&una), table, 1).await.status(), 200);
    let res = m.pay(&una, una_address, 2500).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, threadr::features::commerce::checkout::CONFIRM_EMAIL_FIRST);
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 1, "nothing held for her");
    assert_eq!(m.fake.requests().len(), stripe_calls, "Stripe not called");

    // An empty cart cannot be paid for.
    let (cat, cat_address) = m.buyer("cat@example.com").await;
    let res = m.pay(&cat, cat_address, 0).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, threadr::features::commerce::checkout::EMPTY);
    let res = m.pay(&cat, cat_address, 2500).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, threadr::features::commerce::checkout::EMPTY);
    assert_eq!(count(&pool, "SELECT count(*) FROM purchases").await, 1);

    // A seller cannot put their own listing in their cart.
    let res = m.add(Some(&sally), table, 1).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "This is your own listing: it cannot go in your cart.");
    assert_eq!(m.cart(Some(&sally)).await["count"], 0);
    assert_eq!(m.fake.requests().len(), stripe_calls);
    assert_eq!(stock_of(&pool, table).await, 3);
}

// ---------------------------------------------------------------------------------------------
// Reviews

async fn panel(m: &Market, product: Uuid, cookie: Option<&str>) -> Value {
    let p = product.to_string();
    m.app.call_as("commerce/product-panel", &[("product", p.as_str())], cookie).await.json().await.unwrap()
}

async fn ratings(pool: &PgPool, product: Uuid) -> (i32, i32) {
    sqlx::query_as("SELECT rating_total, rating_count FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn reply(m: &Market, review: Uuid, cookie: &str, text: &str) -> reqwest::Response {
    let r = review.to_string();
    m.app.call_as("commerce/review-reply", &[("review", r.as_str()), ("reply", text)], Some(cookie)).await
}

async fn report(m: &Market, review: Uuid, cookie: Option<&str>, reason: &str) -> reqwest::Response {
    let r = review.to_string();
    m.app.call_as("commerce/review-report", &[("review", r.as_str()), ("reason", reason)], cookie).await
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_review_gets_one_reply_can_be_reported_and_hidden_by_an_admin(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let tom = m.seller("tom@example.com", "tom-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "2").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (cat, _) = m.buyer("cat@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", desk, 1).await;
    let number = order_of(&pool, purchase).await;
    m.ship(&sally, &number).await;
    assert_eq!(m.app.call_as("commerce/delivered", &[("number", number.as_str())], Some(&bea)).await.status(), 200);
    let item: Uuid = sqlx::query_scalar("SELECT id FROM order_items").fetch_one(&pool).await.unwrap();
    let i = item.to_string();
    let res = m
        .app
        .call_as("commerce/review", &[("item", i.as_str()), ("rating", "4"), ("body", "Solid and square")], Some(&bea))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let review: Uuid = sqlx::query_scalar("SELECT id FROM reviews").fetch_one(&pool).await.unwrap();
    let r = review.to_string();
    assert_eq!(ratings(&pool, desk).await, (4, 1));
    let shown = panel(&m, desk, None).await;
    assert_eq!(shown["ratings"]["histogram"], json!([0, 0, 0, 1, 0]));
    assert_eq!(shown["ratings"]["reviews"][0]["body"], "Solid and square");

    // The seller replies once; another seller's reply finds nothing.
    assert_eq!(reply(&m, review, &tom, "Not mine").await.status(), 404);
    let empty = reply(&m, review, &sally, "   ").await;
    assert_eq!(empty.status(), 400);
    assert_eq!(reply(&m, review, &sally, "Thank you, Bea!").await.status(), 200);
    let twice = reply(&m, review, &sally, "Thanks again").await;
    assert_eq!(twice.status(), 400);
    assert_eq!(message(twice).await, "You have already replied to this review.");
    let stored: Option<String> = sqlx::query_scalar("SELECT reply FROM reviews").fetch_one(&pool).await.unwrap();
    assert_eq!(stored.as_deref(), Some("Thank you, Bea!"));
    assert_eq!(panel(&m, desk, None).await["ratings"]["reviews"][0]["reply"], "Thank you, Bea!");

    // Reports need a reason; signed out, none.
    let res = report(&m, review, Some(&cat), "  ").await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "Say in up to 500 characters what is wrong with this review.");
    assert_eq!(report(&m, review, None, "Spam").await.status(), 401);
    assert_eq!(count(&pool, "SELECT count(*) FROM review_reports").await, 0);
    assert_eq!(report(&m, review, Some(&cat), "It advertises another shop").await.status(), 200);
    assert_eq!(count(&pool, "SELECT count(*) FROM review_reports WHERE resolved_at IS NULL").await, 1);

    // Only an admin hides it; then it no longer counts anywhere.
    let hide = [("review", r.as_str()), ("hidden", "true"), ("reason", "Advertising")];
    assert_eq!(m.app.call_as("admin/commerce/review-hidden", &hide, Some(&sally)).await.status(), 403);
    assert_eq!(ratings(&pool, desk).await, (4, 1));
    let admin = m.app.sign_in_admin(&pool, "root@example.com").await;
    let res = m.app.call_as("admin/commerce/review-hidden", &hide, Some(&admin)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    assert_eq!(ratings(&pool, desk).await, (0, 0));
    let (seller_total, seller_count): (i32, i32) =
        sqlx::query_as("SELECT rating_total, rating_count FROM sellers WHERE handle = 'sally-shop'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((seller_total, seller_count), (0, 0));
    let hidden = panel(&m, desk, Some(&bea)).await;
    assert_eq!(hidden["ratings"]["histogram"], json!([0, 0, 0, 0, 0]));
    assert_eq!(hidden["ratings"]["reviews"], json!([]));
    let shop: Value =
        m.app.call_as("commerce/seller-reviews", &[("handle", "sally-shop")], None).await.json().await.unwrap();
    assert_eq!(shop["reviews"], json!([]));
    let (event, detail): (String, Value) =
        sqlx::query_as("SELECT event, detail FROM audit_log WHERE event = 'review_hidden'")
            .fetch_one(&pool)
            .await
            .expect("one audit row");
    assert_eq!(event, "review_hidden");
    assert_eq!(detail["review"], r.as_str());
    assert_eq!(detail["reason"], "Advertising");
    assert_eq!(count(&pool, "SELECT count(*) FROM review_reports WHERE resolved_at IS NOT NULL").await, 1);
    // A hidden review cannot be reported any more.
    assert_eq!(report(&m, review, Some(&cat), "Still there?").await.status(), 404);
}

// ---------------------------------------------------------------------------------------------
// Favourites

/// A form post as a browser without JavaScript sends it from the product page.
async fn form_post(m: &Market, path: &str, body: &str, cookie: Option<&str>, referer: &str) -> reqwest::Response {
    let mut req = m
        .app
        .client
        .post(m.app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header("origin", format!("http://{}", m.app.addr))
        .header("sec-fetch-site", "same-origin")
        .header("referer", referer)
        .body(body.to_string());
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.expect("request sent")
}

async fn toggle(m: &Market, product: Uuid, cookie: Option<&str>) -> reqwest::Response {
    let p = product.to_string();
    m.app.call_as("commerce/favourite", &[("product", p.as_str())], cookie).await
}

async fn favourite_ids(m: &Market, cookie: Option<&str>) -> Value {
    m.app.call_as("commerce/favourite-ids", &[], cookie).await.json().await.unwrap()
}

async fn favourites(m: &Market, cookie: &str) -> Value {
    m.app.call_as("commerce/favourites", &[], Some(cookie)).await.json().await.unwrap()
}

async fn favourite_count(pool: &PgPool, product: Uuid) -> i32 {
    sqlx::query_scalar("SELECT favourite_count FROM products WHERE id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn favourites_toggle_with_and_without_javascript(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let chair = m.listing(&sally, "Green chair", "60.00", "1").await;
    let (bea, _) = m.buyer("bea@example.com").await;
    let c = chair.to_string();
    // Visitors have no favourites and cannot save one.
    assert_eq!(favourite_ids(&m, None).await, Value::Null);
    assert_eq!(toggle(&m, chair, None).await.status(), 401);
    assert_eq!(favourite_count(&pool, chair).await, 0);

    // Saved, then unsaved.
    let res = toggle(&m, chair, Some(&bea)).await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<bool>().await.unwrap());
    assert_eq!(favourite_count(&pool, chair).await, 1);
    assert_eq!(favourite_ids(&m, Some(&bea)).await, json!([c]));
    let cards = favourites(&m, &bea).await;
    assert_eq!(cards.as_array().unwrap().len(), 1);
    assert_eq!(cards[0]["id"], c.as_str());
    assert_eq!(cards[0]["title"], "Green chair");
    let panel: Value =
        m.app.call_as("commerce/product-panel", &[("product", c.as_str())], Some(&bea)).await.json().await.unwrap();
    assert_eq!((panel["favourite"].clone(), panel["favourite_count"].clone()), (json!(true), json!(1)));
    assert_eq!(favourite_ids(&m, None).await, Value::Null, "still none for visitors");

    let res = toggle(&m, chair, Some(&bea)).await;
    assert!(!res.json::<bool>().await.unwrap());
    assert_eq!(favourite_count(&pool, chair).await, 0);
    assert_eq!(favourite_ids(&m, Some(&bea)).await, json!([]));
    assert_eq!(favourites(&m, &bea).await, json!([]));

    // Without JavaScript the heart is a plain form: the browser comes back to the page (server_fn
    // strips any earlier error from the Referer and leaves its query empty: a trailing `?`).
    let slug: String =
        sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(chair).fetch_one(&pool).await.unwrap();
    let page = m.app.url(&format!("/products/{slug}"));
    let back = format!("{page}?");
    let body = format!("product={c}");
    let res = form_post(&m, "/api/commerce/favourite", &body, Some(&bea), &page).await;
    assert_eq!(res.status(), 302, "{}", res.text().await.unwrap_or_default());
    assert_eq!(res.headers()["location"], back.as_str());
    assert_eq!(favourite_count(&pool, chair).await, 1);
    assert_eq!(favourite_ids(&m, Some(&bea)).await, json!([c]));
    let res = form_post(&m, "/api/commerce/favourite", &body, Some(&bea), &page).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], back.as_str());
    assert_eq!(favourite_count(&pool, chair).await, 0);
    assert_eq!(favourite_ids(&m, Some(&bea)).await, json!([]));

    // Signed out (the page shows visitors a sign-in link, not this form): server_fn points the
    // Location at the page with the error in its query, but the error's own status (401) wins
    // over the redirect, so a browser stays on the error; nothing is saved.
    let res = form_post(&m, "/api/commerce/favourite", &body, None, &page).await;
    assert_eq!(res.status(), 401);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("{back}__path=%2Fapi%2Fcommerce%2Ffavourite&__err=")), "{location}");
    assert_eq!(favourite_count(&pool, chair).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Payouts

#[sqlx::test(migrator = "MIGRATOR")]
async fn payouts_show_gross_fees_refunds_and_net_and_the_csv_agrees(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let lamp = m.listing(&sally, "Brass lamp", "19.99", "5").await;
    let (bea, address) = m.buyer("bea@example.com").await;
    let (purchase, _) = m.buy(&bea, address, "bea@example.com", lamp, 2).await;
    let number = order_of(&pool, purchase).await;
    assert_eq!(purchase_status(&pool, purchase).await, "paid");
    // 39.98: the seller's share 37.98 (5% is 1.999), the platform keeps 2.00.
    assert_eq!(amounts(&m.fake.transfers()), [3798]);
    let res = refund(&m, &sally, &number, "10.00").await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    // 10.00 of 39.98 gives back 0.50 of the fee (2.00 × 10.00 / 39.98 = 0.5002…); 9.50 reversed.
    assert_eq!(amounts(&m.fake.reversals()), [950]);

    let payouts: Value = m.app.call_as("commerce/payouts", &[], Some(&sally)).await.json().await.unwrap();
    assert_eq!(payouts["currency"], "USD");
    let expected = json!({ "gross_cents": 3998, "fees_cents": 150, "refunds_cents": 1000, "net_cents": 2848 });
    assert_eq!(payouts["totals"], expected);
    let orders = payouts["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["number"], number.as_str());
    assert_eq!(orders[0]["figures"], expected);
    assert_eq!(orders[0]["status"], "PartiallyRefunded");
    assert_eq!(orders[0]["transferred"], true);
    // What stays with the seller is what Stripe moved to them, less what it took back.
    let net = m.fake.transfers()[0]["amount"].as_i64().unwrap() - m.fake.reversals()[0]["amount"].as_i64().unwrap();
    assert_eq!(payouts["totals"]["net_cents"], net);
    // The buyer sells nothing.
    let none: Value = m.app.call_as("commerce/payouts", &[], Some(&bea)).await.json().await.unwrap();
    assert_eq!(none["orders"], json!([]));

    // The CSV: one row per order with the same figures.
    let res = m.app.get_as("/sell/payouts.csv", &sally).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("threadr-payouts-USD.csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert_eq!(lines[0], "order,paid_at,status,currency,gross,platform_fee,refunded,net_transferred");
    let row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(row[0], number);
    assert!(chrono::DateTime::parse_from_rfc3339(row[1]).is_ok(), "{}", row[1]);
    assert_eq!(&row[2..], ["partially_refunded", "USD", "39.98", "1.50", "10.00", "28.48"]);

    // Signed out: to sign-in first.
    let res = m.app.get("/sell/payouts.csv").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sign-in?next=/sell/payouts");
}
