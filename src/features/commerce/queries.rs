//! What the order pages read. Every query names the member as the order's buyer or seller,
//! so someone else's order is simply not found (404).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{
    OrderDetail, OrderFilter, OrderItemView, OrderList, OrderStatus, OrderSummary, PurchaseProgress, ReviewView,
    TimelineRow,
};
use super::notices::address_lines;
use crate::error::AppError;
use crate::server::state::AppState;

pub const PAGE_SIZE: i64 = 20;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    number: String,
    status: String,
    created_at: DateTime<Utc>,
    other_party: String,
    currency: String,
    subtotal_cents: i64,
    items: i64,
    first_title: String,
}

fn status(s: &str) -> OrderStatus {
    OrderStatus::parse(s).unwrap_or(OrderStatus::Pending)
}

/// The member's orders as buyer, or as seller, newest first.
pub async fn list(
    state: &AppState,
    user: Uuid,
    as_seller: bool,
    filter: OrderFilter,
    page: u32,
) -> Result<OrderList, AppError> {
    let (mine, other) = if as_seller { ("o.seller_id", "o.buyer_id") } else { ("o.buyer_id", "o.seller_id") };
    let statuses: Vec<String> = filter.statuses().iter().map(|s| (*s).to_string()).collect();
    // A checkout still open shows to its buyer (awaiting payment), never to the seller.
    let pending = if as_seller { "AND o.status <> 'pending'" } else { "" };
    // "Refunded" is any order with money given back, shipped and partly refunded ones too.
    let refunded = if filter == OrderFilter::Refunded { "OR o.refunded_cents > 0" } else { "" };
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM orders o WHERE {mine} = $1 AND (o.status::text = ANY($2) {refunded}) {pending}"
    ))
    .bind(user)
    .bind(&statuses)
    .fetch_one(&state.db)
    .await?;
    let pages = u32::try_from((total + PAGE_SIZE - 1) / PAGE_SIZE).unwrap_or(1).max(1);
    let page = page.clamp(1, pages);
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT o.number, o.status::text AS status, o.created_at, u.display_name AS other_party, o.currency,
                o.subtotal_cents, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS items,
                (SELECT title FROM order_items i WHERE i.order_id = o.id ORDER BY title LIMIT 1) AS first_title
           FROM orders o JOIN users u ON u.id = {other}
          WHERE {mine} = $1 AND (o.status::text = ANY($2) {refunded}) {pending}
          ORDER BY o.created_at DESC, o.number DESC LIMIT $3 OFFSET $4"
    ))
    .bind(user)
    .bind(&statuses)
    .bind(PAGE_SIZE)
    .bind(i64::from(page - 1) * PAGE_SIZE)
    .fetch_all(&state.db)
    .await?;
    Ok(OrderList {
        filter,
        page,
        pages,
        orders: rows
            .into_iter()
            .map(|r| OrderSummary {
                number: r.number,
                status: status(&r.status),
                created_at: r.created_at,
                other_party: r.other_party,
                currency: r.currency,
                subtotal_cents: r.subtotal_cents,
                items: r.items,
                first_title: r.first_title,
            })
            .collect(),
    })
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: Uuid,
    number: String,
    status: String,
    created_at: DateTime<Utc>,
    currency: String,
    subtotal_cents: i64,
    refunded_cents: i64,
    fee_cents: i64,
    buyer_name: String,
    seller_name: String,
    seller_handle: String,
    shipping: serde_json::Value,
    carrier: Option<String>,
    tracking_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    title: String,
    slug: Option<String>,
    quantity: i32,
    unit_price_cents: i64,
    review_id: Option<Uuid>,
    rating: Option<i16>,
    body: Option<String>,
    reply: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
}

/// One order for its buyer (`as_seller` false) or its seller; anyone else gets 404.
pub async fn detail(state: &AppState, user: Uuid, number: &str, as_seller: bool) -> Result<OrderDetail, AppError> {
    let mine = if as_seller { "o.seller_id" } else { "o.buyer_id" };
    let row: DetailRow = sqlx::query_as(&format!(
        "SELECT o.id, o.number, o.status::text AS status, o.created_at, o.currency, o.subtotal_cents, o.refunded_cents,
                o.fee_cents, b.display_name AS buyer_name, s.display_name AS seller_name,
                se.handle::text AS seller_handle, p.shipping, o.carrier, o.tracking_number
           FROM orders o JOIN purchases p ON p.id = o.purchase_id
           JOIN users b ON b.id = o.buyer_id JOIN users s ON s.id = o.seller_id JOIN sellers se ON se.user_id = o.seller_id
          WHERE o.number = $1 AND {mine} = $2"
    ))
    .bind(number)
    .bind(user)
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let order_status = status(&row.status);
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT i.id, i.title, p.slug, i.quantity, i.unit_price_cents, r.id AS review_id, r.rating, r.body, r.reply,
                r.created_at AS reviewed_at
           FROM order_items i LEFT JOIN products p ON p.id = i.product_id LEFT JOIN reviews r ON r.order_item_id = i.id
          WHERE i.order_id = $1 ORDER BY i.title",
    )
    .bind(row.id)
    .fetch_all(&state.db)
    .await?;
    let events: Vec<(DateTime<Utc>, String, String, String)> =
        sqlx::query_as("SELECT at, actor, status::text, note FROM order_events WHERE order_id = $1 ORDER BY at, id")
            .bind(row.id)
            .fetch_all(&state.db)
            .await?;
    let reviewable = order_status == OrderStatus::Delivered && !as_seller;
    Ok(OrderDetail {
        number: row.number,
        status: order_status,
        created_at: row.created_at,
        currency: row.currency,
        subtotal_cents: row.subtotal_cents,
        refunded_cents: row.refunded_cents,
        fee_cents: as_seller.then_some(row.fee_cents),
        buyer_name: row.buyer_name.clone(),
        seller_name: row.seller_name.clone(),
        seller_handle: row.seller_handle,
        ship_to: address_lines(&row.shipping),
        carrier: row.carrier,
        tracking_number: row.tracking_number,
        items: items
            .into_iter()
            .map(|i| OrderItemView {
                can_review: reviewable && i.review_id.is_none(),
                review: i.review_id.map(|id| ReviewView {
                    id,
                    rating: u8::try_from(i.rating.unwrap_or(0)).unwrap_or(0),
                    body: i.body.unwrap_or_default(),
                    author: row.buyer_name.clone(),
                    created_at: i.reviewed_at.unwrap_or(row.created_at),
                    reply: i.reply,
                    product_title: Some(i.title.clone()),
                }),
                id: i.id,
                title: i.title,
                slug: i.slug,
                quantity: i.quantity,
                unit_price_cents: i.unit_price_cents,
            })
            .collect(),
        timeline: events
            .into_iter()
            .map(|(at, actor, s, note)| TimelineRow {
                at,
                who: match actor.as_str() {
                    "buyer" if !as_seller => "You".to_string(),
                    "buyer" => row.buyer_name.clone(),
                    "seller" if as_seller => "You".to_string(),
                    "seller" => row.seller_name.clone(),
                    "admin" => "Threadr support".to_string(),
                    "stripe" => "Stripe".to_string(),
                    _ => "Threadr".to_string(),
                },
                status: status(&s),
                note,
            })
            .collect(),
        as_seller,
    })
}

/// Where the member's purchase stands (the success page asks until it is settled).
pub async fn progress(state: &AppState, buyer: Uuid, purchase: Uuid) -> Result<PurchaseProgress, AppError> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT status::text, closed_reason FROM purchases WHERE id = $1 AND buyer_id = $2")
            .bind(purchase)
            .bind(buyer)
            .fetch_optional(&state.db)
            .await?;
    let (status, reason) = row.ok_or(AppError::NotFound)?;
    Ok(match status.as_str() {
        "open" => PurchaseProgress::Waiting,
        "paid" => PurchaseProgress::Paid {
            orders: sqlx::query_scalar("SELECT number FROM orders WHERE purchase_id = $1 ORDER BY number")
                .bind(purchase)
                .fetch_all(&state.db)
                .await?,
        },
        _ => PurchaseProgress::Closed {
            reason: reason.unwrap_or_else(|| "The checkout closed without a payment.".into()),
        },
    })
}

/// How many of a product a visitor could buy now: its stock less what open checkouts hold.
pub async fn available(state: &AppState, product: Uuid) -> Result<i32, AppError> {
    use super::stock::{Except, held};
    let sql = format!(
        "SELECT GREATEST(p.stock - {held}, 0) FROM products p WHERE p.id = $1",
        held = held(2, Except::Buyer, 3)
    );
    sqlx::query_scalar(&sql)
        .bind(product)
        .bind(state.clock.now())
        .bind(Uuid::nil())
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A product page's panel: what can be bought, whether the member saved it, its ratings.
pub async fn product_panel(
    state: &AppState,
    product: Uuid,
    user: Option<Uuid>,
) -> Result<super::model::ProductPanel, AppError> {
    use super::stock::{Except, held};
    let sql = format!(
        "SELECT p.seller_id, p.favourite_count, GREATEST(p.stock - {held}, 0) FROM products p WHERE p.id = $1",
        held = held(2, Except::Buyer, 3)
    );
    let (seller, favourite_count, available): (Uuid, i32, i32) = sqlx::query_as(&sql)
        .bind(product)
        .bind(state.clock.now())
        .bind(user.unwrap_or_default())
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let favourite = match user {
        Some(user) => {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM favourites WHERE user_id = $1 AND product_id = $2)")
                .bind(user)
                .bind(product)
                .fetch_one(&state.db)
                .await?
        }
        None => false,
    };
    Ok(super::model::ProductPanel {
        available,
        own: user == Some(seller),
        signed_in: user.is_some(),
        favourite,
        favourite_count,
        ratings: super::reviews::summary(state, Some(product), None).await?,
    })
}
