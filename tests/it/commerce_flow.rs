//! A whole purchase against the fake Stripe: a visitor's cart from two sellers joins their
//! account's cart at sign-in, one Checkout payment for everything, Stripe's signed events,
//! one order per seller, one transfer per seller of their items minus the platform fee, the
//! emails, shipping, delivery, a partial refund with its reversal, and a review.

use crate::accounts::{PASSWORD, signed_up_and_confirmed};
use crate::billing_support::emails;
use crate::commerce_support::{Market, stock_of};
use crate::helpers::session_cookie;
use serde_json::Value;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_cart_from_two_sellers_is_one_payment_then_a_transfer_to_each(pool: PgPool) {
    let m = Market::start(&pool).await;
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let tom = m.seller("tom@example.com", "tom-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "1").await;
    let lamp = m.listing(&sally, "Brass lamp", "19.99", "5").await;
    let chair = m.listing(&tom, "Oak chair", "45.50", "2").await;

    // A visitor's cart lives in their session.
    let res = m.add(None, desk, 1).await;
    assert_eq!(res.status(), 200);
    let visitor = session_cookie(&res).expect("a session for the visitor");
    assert_eq!(m.add(Some(&visitor), lamp, 2).await.status(), 200);
    assert_eq!(m.add(Some(&visitor), chair, 1).await.status(), 200);
    let cart = m.cart(Some(&visitor)).await;
    assert_eq!(cart["count"], 4);
    assert_eq!(cart["groups"].as_array().unwrap().len(), 2, "grouped by seller: {cart}");
    assert_eq!(cart["totals"][0]["total_cents"], 12000 + 2 * 1999 + 4550);
    // More than is in stock is refused, and nothing changes.
    let over = m.add(Some(&visitor), desk, 1).await;
    assert_eq!(over.status(), 400);
    assert!(over.text().await.unwrap().contains("Only 1 of “Walnut desk” is left."));
    assert_eq!(m.cart(Some(&visitor)).await["count"], 4);

    // She signs up and in with the same browser: the cart comes along, into the database.
    signed_up_and_confirmed(&m.app, &pool, "bea@example.com").await;
    let signed = m
        .app
        .call_as("accounts/sign-in", &[("email", "bea@example.com"), ("password", PASSWORD)], Some(&visitor))
        .await;
    let bea = session_cookie(&signed).expect("signed in");
    assert_ne!(bea, visitor, "a new session id at sign-in");
    let cart = m.cart(Some(&bea)).await;
    assert_eq!(cart["count"], 4, "the visitor's cart joined hers: {cart}");
    assert_eq!(crate::helpers::count(&pool, "SELECT count(*) FROM cart_items").await, 3);
    let form = [
        ("address[full_name]", "Bea Buyer"),
        ("address[line1]", "1 High Street"),
        ("address[city]", "London"),
        ("address[postal_code]", "N1 9GU"),
        ("address[country]", "GB"),
    ];
    assert_eq!(m.app.call_as("accounts/save-address", &form, Some(&bea)).await.status(), 200);
    let address: uuid::Uuid = sqlx::query_scalar("SELECT id FROM addresses").fetch_one(&pool).await.unwrap();

    // A total that is not the cart's (a price changed while the page was open) is refused.
    let stale = m.pay(&bea, address, 20000).await;
    assert_eq!(stale.status(), 400);
    assert!(stale.text().await.unwrap().contains("Check the new total"));
    assert_eq!(crate::helpers::count(&pool, "SELECT count(*) FROM purchases").await, 0, "nothing held");

    let total = 12000 + 2 * 1999 + 4550;
    let res = m.pay(&bea, address, total).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let url: String = res.json().await.unwrap();
    assert!(url.contains("/pay/cs_"), "{url}");
    let (purchase, session) = m.session_of("bea@example.com").await;
    // One Checkout session for both sellers, the transfer group and our id on its payment.
    let posts = m.fake.posts_to("/v1/checkout/sessions");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].idempotency_key.as_deref(), Some(format!("threadr-purchase-{purchase}").as_str()));
    assert_eq!(posts[0].field("mode"), Some("payment"));
    assert_eq!(posts[0].field("payment_intent_data[transfer_group]"), Some(format!("purchase_{purchase}").as_str()));
    assert_eq!(posts[0].field("payment_intent_data[metadata][purchase_id]"), Some(purchase.to_string().as_str()));
    assert_eq!(m.fake.checkout_line_items(&session).len(), 3);
    // Held, not sold: the stock is unchanged until the payment succeeds; others see none left.
    assert_eq!(stock_of(&pool, desk).await, 1);
    let (other, other_address) = m.buyer("cat@example.com").await;
    assert_eq!(m.add(Some(&other), desk, 1).await.status(), 400, "the desk is held for Bea");
    let _ = other_address;

    let paid = m.complete(&session).await;
    assert_eq!(paid["payment_status"], "paid");
    assert_eq!(stock_of(&pool, desk).await, 0);
    assert_eq!(stock_of(&pool, lamp).await, 3);
    assert_eq!(stock_of(&pool, chair).await, 1);
    assert_eq!(m.cart(Some(&bea)).await["count"], 0, "what was bought left the cart");

    // One order per seller, each paid; one transfer each of their items minus 5%.
    let numbers = m.order_numbers("bea@example.com").await;
    assert_eq!(numbers.len(), 2);
    let orders: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT status::text, subtotal_cents, fee_cents, transfer_id FROM orders ORDER BY subtotal_cents DESC",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(orders[0].0, "paid");
    assert_eq!((orders[0].1, orders[0].2), (15998, 800), "sally: 159.98, fee 7.9990 → the platform keeps 8.00");
    assert_eq!((orders[1].1, orders[1].2), (4550, 228), "tom: 45.50, fee 2.275 → 2.28");
    let transfers = m.fake.transfers();
    assert_eq!(transfers.len(), 2);
    let mut amounts: Vec<i64> = transfers.iter().map(|t| t["amount"].as_i64().unwrap()).collect();
    amounts.sort();
    assert_eq!(amounts, [4550 - 228, 15998 - 800]);
    for t in &transfers {
        assert_eq!(t["transfer_group"], format!("purchase_{purchase}"));
        assert!(t["source_transaction"].as_str().unwrap().starts_with("ch_"));
    }
    let charged: i64 = total;
    let fees: i64 = orders.iter().map(|o| o.2).sum();
    assert_eq!(charged, amounts.iter().sum::<i64>() + fees, "the buyer's total is transfers plus fees, to the cent");
    // Every transfer POST had a key from our order id; settling again sends nothing new.
    for post in m.fake.posts_to("/v1/transfers") {
        assert!(post.idempotency_key.as_deref().unwrap().starts_with("threadr-transfer-"));
    }
    m.settle().await;
    assert_eq!(m.fake.transfers().len(), 2);

    // Emails: the buyer one per order, each seller theirs.
    assert_eq!(emails(&pool, "order_placed", "bea@example.com").await, 2);
    assert_eq!(emails(&pool, "order_received", "sally@example.com").await, 1);
    assert_eq!(emails(&pool, "order_received", "tom@example.com").await, 1);
    // Stripe delivering the same event again changes nothing.
    let again = m.fake.checkout_session(&session).unwrap();
    let res = crate::billing_support::deliver(
        &m.app,
        &crate::fake_stripe::event(&format!("evt_cs_{session}"), "checkout.session.completed", 1, again),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(emails(&pool, "order_placed", "bea@example.com").await, 2);

    // Both sellers see their order; neither sees the other's.
    let sally_orders: Value = m
        .app
        .call_as("commerce/orders", &[("seller", "true"), ("filter", ""), ("page", "1")], Some(&sally))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sally_orders["orders"].as_array().unwrap().len(), 1);
    let sally_number = sally_orders["orders"][0]["number"].as_str().unwrap().to_string();
    let tom_number = numbers.iter().find(|n| **n != sally_number).unwrap().clone();
    let peek =
        m.app.call_as("commerce/order", &[("number", tom_number.as_str()), ("seller", "true")], Some(&sally)).await;
    assert_eq!(peek.status(), 404, "another seller's order");
    let ship_other = m
        .app
        .call_as(
            "commerce/ship",
            &[("number", tom_number.as_str()), ("carrier", "UPS"), ("tracking_number", "1Z9")],
            Some(&sally),
        )
        .await;
    assert_eq!(ship_other.status(), 404);

    // Sally ships with tracking; Bea confirms delivery and reviews the desk.
    let bad = m
        .app
        .call_as(
            "commerce/ship",
            &[("number", sally_number.as_str()), ("carrier", "UPS"), ("tracking_number", " ")],
            Some(&sally),
        )
        .await;
    assert_eq!(bad.status(), 400, "a tracking number is needed");
    let shipped = m
        .app
        .call_as(
            "commerce/ship",
            &[("number", sally_number.as_str()), ("carrier", "UPS"), ("tracking_number", "1Z999")],
            Some(&sally),
        )
        .await;
    assert_eq!(shipped.status(), 200);
    assert_eq!(emails(&pool, "order_shipped", "bea@example.com").await, 1);
    let item: uuid::Uuid = sqlx::query_scalar(
        "SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.number = $1 AND i.title = 'Walnut desk'",
    )
    .bind(&sally_number)
    .fetch_one(&pool)
    .await
    .unwrap();
    let item_s = item.to_string();
    let early = m
        .app
        .call_as("commerce/review", &[("item", item_s.as_str()), ("rating", "5"), ("body", "Lovely")], Some(&bea))
        .await;
    assert_eq!(early.status(), 400, "not delivered yet");
    assert_eq!(
        m.app.call_as("commerce/delivered", &[("number", sally_number.as_str())], Some(&bea)).await.status(),
        200
    );
    assert_eq!(emails(&pool, "order_delivered", "sally@example.com").await, 1);
    let stranger = m
        .app
        .call_as("commerce/review", &[("item", item_s.as_str()), ("rating", "1"), ("body", "x")], Some(&other))
        .await;
    assert_eq!(stranger.status(), 404, "only the buyer reviews");
    let zero = m.app.call_as("commerce/review", &[("item", item_s.as_str()), ("rating", "0")], Some(&bea)).await;
    assert_eq!(zero.status(), 400);
    let review = m
        .app
        .call_as("commerce/review", &[("item", item_s.as_str()), ("rating", "5"), ("body", "Lovely")], Some(&bea))
        .await;
    assert_eq!(review.status(), 200);
    let twice = m.app.call_as("commerce/review", &[("item", item_s.as_str()), ("rating", "4")], Some(&bea)).await;
    assert_eq!(twice.status(), 400, "one review per item");
    let (total_stars, count): (i32, i32) =
        sqlx::query_as("SELECT rating_total, rating_count FROM sellers WHERE handle = 'sally-shop'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((total_stars, count), (5, 1));

    // Sally refunds 20.00 of her order (and puts it back in stock): the buyer's money back,
    // her transfer reversed by the refund less the fee's share.
    let over = m
        .app
        .call_as(
            "commerce/refund",
            &[("number", sally_number.as_str()), ("amount", "160.00"), ("reason", "Too much")],
            Some(&sally),
        )
        .await;
    assert_eq!(over.status(), 400);
    assert!(over.text().await.unwrap().contains("At most $159.98 is left to refund"));
    let refunded = m
        .app
        .call_as(
            "commerce/refund",
            &[
                ("number", sally_number.as_str()),
                ("amount", "20.00"),
                ("restock", "true"),
                ("reason", "A scratch on the lamp"),
            ],
            Some(&sally),
        )
        .await;
    assert_eq!(refunded.status(), 200, "{}", refunded.text().await.unwrap_or_default());
    assert!(refunded.json::<bool>().await.unwrap(), "made at Stripe at once");
    let refunds = m.fake.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], 2000);
    let reversals = m.fake.reversals();
    assert_eq!(reversals.len(), 1);
    // Fee share of 20.00 out of 159.98 with a fee of 8.00: 1.0001… → 1.00 given back.
    assert_eq!(reversals[0]["amount"], 2000 - 100);
    let status: String = sqlx::query_scalar("SELECT status::text FROM orders WHERE number = $1")
        .bind(&sally_number)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "delivered", "a partial refund leaves a delivered order delivered (the amount shows)");
    assert_eq!(stock_of(&pool, desk).await, 1, "restocked");
    assert_eq!(emails(&pool, "order_refunded", "bea@example.com").await, 1);

    // The timeline shows every step to the buyer.
    let order: Value = m
        .app
        .call_as("commerce/order", &[("number", sally_number.as_str()), ("seller", "false")], Some(&bea))
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<&str> =
        order["timeline"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["Pending", "Paid", "Shipped", "Delivered", "Delivered"]);
    assert!(order["timeline"][4]["note"].as_str().unwrap().starts_with("Refunded $20.00: A scratch on the lamp"));
    assert_eq!(order["refunded_cents"], 2000);
    assert_eq!(order["fee_cents"], Value::Null, "the buyer does not see the seller's fee");
}
