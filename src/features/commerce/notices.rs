//! The marketplace's emails, enqueued in the transaction that made the change, with keys that
//! make each go out once however often the change is retried.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::features::email::Mailer;
use crate::features::email::outbox::EnqueueError;
use crate::features::email::templates::{
    OrderDelivered, OrderItem, OrderPlaced, OrderReceived, OrderRefunded, OrderShipped,
};

#[derive(sqlx::FromRow)]
struct Parties {
    number: String,
    currency: String,
    subtotal_cents: i64,
    fee_cents: i64,
    buyer_email: String,
    buyer_name: String,
    seller_email: String,
    seller_name: String,
    shipping: serde_json::Value,
    carrier: Option<String>,
    tracking_number: Option<String>,
}

async fn parties(tx: &mut PgConnection, order: Uuid) -> Result<Parties, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.number, o.currency, o.subtotal_cents, o.fee_cents, b.email::text AS buyer_email,
                b.display_name AS buyer_name, s.email::text AS seller_email, s.display_name AS seller_name,
                p.shipping, o.carrier, o.tracking_number
           FROM orders o JOIN purchases p ON p.id = o.purchase_id
           JOIN users b ON b.id = o.buyer_id JOIN users s ON s.id = o.seller_id
          WHERE o.id = $1",
    )
    .bind(order)
    .fetch_one(&mut *tx)
    .await
}

async fn items(tx: &mut PgConnection, order: Uuid) -> Result<Vec<OrderItem>, sqlx::Error> {
    let rows: Vec<(String, i32, i64)> =
        sqlx::query_as("SELECT title, quantity, unit_price_cents FROM order_items WHERE order_id = $1 ORDER BY title")
            .bind(order)
            .fetch_all(&mut *tx)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(title, quantity, unit_price_cents)| OrderItem {
            title,
            quantity: u32::try_from(quantity).unwrap_or(0),
            unit_price_cents,
        })
        .collect())
}

/// The shipping address as printed on a parcel: the snapshot checkout stored, printed as the
/// member's address book prints it.
pub fn address_lines(shipping: &serde_json::Value) -> Vec<String> {
    let field = |name: &str| shipping[name].as_str().unwrap_or_default().trim().to_string();
    crate::features::accounts::Address {
        id: Uuid::nil(),
        full_name: field("full_name"),
        line1: field("line1"),
        line2: field("line2"),
        city: field("city"),
        region: field("region"),
        postal_code: field("postal_code"),
        country: field("country"),
        phone: field("phone"),
        is_default: false,
    }
    .lines()
}

/// Order paid: the buyer's confirmation and the seller's "please ship it".
pub async fn order_placed(tx: &mut PgConnection, mailer: &Mailer, order: Uuid) -> Result<(), EnqueueError> {
    let p = parties(tx, order).await?;
    let items = items(tx, order).await?;
    let placed = OrderPlaced {
        name: p.buyer_name.clone(),
        order_number: p.number.clone(),
        currency: p.currency.clone(),
        total_cents: p.subtotal_cents,
        items: items.clone(),
    };
    mailer.enqueue(tx, &p.buyer_email, &placed, &format!("order-placed-{order}")).await?;
    let received = OrderReceived {
        name: p.seller_name,
        order_number: p.number,
        currency: p.currency,
        subtotal_cents: p.subtotal_cents,
        payout_cents: p.subtotal_cents - p.fee_cents,
        items,
        ship_to: address_lines(&p.shipping),
    };
    mailer.enqueue(tx, &p.seller_email, &received, &format!("order-received-{order}")).await?;
    Ok(())
}

pub async fn order_shipped(tx: &mut PgConnection, mailer: &Mailer, order: Uuid) -> Result<(), EnqueueError> {
    let p = parties(tx, order).await?;
    let shipped = OrderShipped {
        name: p.buyer_name,
        order_number: p.number,
        carrier: p.carrier,
        tracking_number: p.tracking_number,
    };
    mailer.enqueue(tx, &p.buyer_email, &shipped, &format!("order-shipped-{order}")).await?;
    Ok(())
}

pub async fn order_delivered(
    tx: &mut PgConnection,
    mailer: &Mailer,
    order: Uuid,
    automatic: bool,
) -> Result<(), EnqueueError> {
    let p = parties(tx, order).await?;
    for (email, name, for_seller) in [(p.buyer_email, p.buyer_name, false), (p.seller_email, p.seller_name, true)] {
        let delivered = OrderDelivered { name, order_number: p.number.clone(), for_seller, automatic };
        let who = if for_seller { "seller" } else { "buyer" };
        mailer.enqueue(tx, &email, &delivered, &format!("order-delivered-{order}-{who}")).await?;
    }
    Ok(())
}

/// Money back to the buyer: `refund` names a partial or full refund a seller or admin made;
/// `None` is the whole order (a payment that arrived after its stock was sold).
pub async fn order_refunded(
    tx: &mut PgConnection,
    mailer: &Mailer,
    order: Uuid,
    refund: Option<(Uuid, i64)>,
    reason: &str,
) -> Result<(), EnqueueError> {
    let p = parties(tx, order).await?;
    let (key, amount_cents) = match refund {
        Some((id, amount)) => (id.to_string(), amount),
        None => ("whole".to_string(), p.subtotal_cents),
    };
    let full = amount_cents == p.subtotal_cents;
    for (email, name, for_seller) in [(p.buyer_email, p.buyer_name, false), (p.seller_email, p.seller_name, true)] {
        let refunded = OrderRefunded {
            name,
            order_number: p.number.clone(),
            currency: p.currency.clone(),
            amount_cents,
            full,
            reason: reason.to_string(),
            for_seller,
        };
        let who = if for_seller { "seller" } else { "buyer" };
        mailer.enqueue(tx, &email, &refunded, &format!("order-refunded-{order}-{key}-{who}")).await?;
    }
    Ok(())
}
