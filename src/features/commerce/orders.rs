//! Orders after checkout: each change of status is one timeline row (when, who, what, a note)
//! that buyer and seller both see. Status changes are conditional updates, so a change that
//! races another (two tabs, the auto-delivery task) happens once.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Who changed an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Buyer(Uuid),
    Seller(Uuid),
    Admin(Uuid),
    System,
    Stripe,
}

impl Actor {
    fn parts(self) -> (&'static str, Option<Uuid>) {
        match self {
            Actor::Buyer(id) => ("buyer", Some(id)),
            Actor::Seller(id) => ("seller", Some(id)),
            Actor::Admin(id) => ("admin", Some(id)),
            Actor::System => ("system", None),
            Actor::Stripe => ("stripe", None),
        }
    }
}

/// Adds a timeline row: the order's status after the change, and a note.
pub async fn log(
    tx: &mut PgConnection,
    order: Uuid,
    at: DateTime<Utc>,
    actor: Actor,
    status: &str,
    note: &str,
) -> Result<(), sqlx::Error> {
    let (kind, id) = actor.parts();
    sqlx::query(
        "INSERT INTO order_events (order_id, at, actor, actor_id, status, note) VALUES ($1, $2, $3, $4, $5::order_status, $6)",
    )
    .bind(order)
    .bind(at)
    .bind(kind)
    .bind(id)
    .bind(status)
    .bind(note)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Days after shipping when an order counts as delivered without the buyer saying so.
pub const AUTO_DELIVER_DAYS: i64 = 14;

/// Orders shipped `AUTO_DELIVER_DAYS` ago or more become delivered (the background task, each
/// minute); each once. Returns the orders it delivered.
pub async fn deliver_overdue(tx: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<Uuid>, sqlx::Error> {
    let delivered: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET status = 'delivered', delivered_at = $1
          WHERE id IN (SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= $2
                        ORDER BY shipped_at LIMIT 200 FOR UPDATE SKIP LOCKED)
          RETURNING id",
    )
    .bind(now)
    .bind(now - Duration::days(AUTO_DELIVER_DAYS))
    .fetch_all(&mut *tx)
    .await?;
    for order in &delivered {
        log(
            tx,
            *order,
            now,
            Actor::System,
            "delivered",
            &format!("Marked delivered automatically {AUTO_DELIVER_DAYS} days after shipping."),
        )
        .await?;
    }
    Ok(delivered)
}
