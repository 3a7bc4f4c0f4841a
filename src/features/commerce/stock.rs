//! Stock and its holds. A started checkout holds its items until it is paid, closed, or its hold
//! expires: a product's available stock is its stock minus what open, unexpired purchases
//! hold. Holds are taken under the product row's lock, so two buyers can never hold the same
//! last unit; the stock itself goes down only when a payment succeeds.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Who a hold count leaves out: the buyer's own checkouts (they replace them when they start a
/// new one), or the purchase being completed.
#[derive(Clone, Copy)]
pub enum Except {
    Buyer,
    Purchase,
}

/// What open, unexpired checkouts hold of product `p`, except the buyer's or the purchase's
/// own (`$now` and the buyer or purchase id are bound by the caller at the given positions).
pub fn held(now: usize, except: Except, id: usize) -> String {
    let column = match except {
        Except::Buyer => "pu.buyer_id",
        Except::Purchase => "pu.id",
    };
    format!(
        "COALESCE((SELECT sum(pi.quantity) FROM purchase_items pi JOIN purchases pu ON pu.id = pi.purchase_id
                    WHERE pi.product_id = p.id AND pu.status = 'open' AND pu.hold_expires_at > ${now}
                      AND {column} <> ${id}), 0)::int"
    )
}

/// Locks the products' rows in id order, so two transactions locking several of them never
/// wait on each other in a circle. Returns the ids sorted, once each.
async fn lock_rows(tx: &mut PgConnection, mut ids: Vec<Uuid>) -> Result<Vec<Uuid>, sqlx::Error> {
    ids.sort();
    ids.dedup();
    sqlx::query("SELECT 1 FROM products WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    Ok(ids)
}

/// A product as checkout meets it, locked until the transaction ends.
#[derive(Debug, sqlx::FromRow)]
pub struct Locked {
    pub id: Uuid,
    pub title: String,
    pub price_cents: i64,
    pub currency: String,
    pub status: String,
    pub seller_id: Uuid,
    pub stock: i32,
    /// Stock minus other buyers' holds.
    pub available: i32,
    pub seller_can_sell: bool,
}

/// Locks the products and reads what each has available for `buyer`.
pub async fn lock(
    tx: &mut PgConnection,
    ids: &[Uuid],
    buyer: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Locked>, sqlx::Error> {
    let ids = lock_rows(tx, ids.to_vec()).await?;
    let sql = format!(
        "SELECT p.id, p.title, p.price_cents, p.currency, p.status::text AS status, p.seller_id, p.stock,
                (p.stock - {held}) AS available,
                (s.charges_enabled AND s.details_submitted) AS seller_can_sell
           FROM products p JOIN sellers s ON s.user_id = p.seller_id
          WHERE p.id = ANY($1) ORDER BY p.id",
        held = held(2, Except::Buyer, 3)
    );
    sqlx::query_as(&sql).bind(&ids).bind(now).bind(buyer).fetch_all(&mut *tx).await
}

/// Takes a paid purchase's quantities out of stock. A purchase whose hold expired competes with
/// the holds other checkouts took since: it gets what is left after them. Returns the products
/// that do not have enough (nothing is changed then): the payment must be refunded.
pub async fn sell(
    tx: &mut PgConnection,
    purchase: Uuid,
    items: &[(Uuid, i32)],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let ids = lock_rows(tx, items.iter().map(|(id, _)| *id).collect()).await?;
    let sql = format!(
        "SELECT p.id, p.stock - {held} FROM products p WHERE p.id = ANY($1)",
        held = held(2, Except::Purchase, 3)
    );
    let available: Vec<(Uuid, i32)> =
        sqlx::query_as(&sql).bind(&ids).bind(now).bind(purchase).fetch_all(&mut *tx).await?;
    let short: Vec<Uuid> = items
        .iter()
        .filter(|(id, q)| available.iter().find(|(p, _)| p == id).is_none_or(|(_, a)| a < q))
        .map(|(id, _)| *id)
        .collect();
    if !short.is_empty() {
        return Ok(short);
    }
    for (id, quantity) in items {
        sqlx::query("UPDATE products SET stock = stock - $2 WHERE id = $1")
            .bind(id)
            .bind(quantity)
            .execute(&mut *tx)
            .await?;
    }
    Ok(Vec::new())
}

/// Puts refunded items back on sale.
pub async fn restock(tx: &mut PgConnection, product: Uuid, quantity: i32) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE products SET stock = stock + $2 WHERE id = $1")
        .bind(product)
        .bind(quantity)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
