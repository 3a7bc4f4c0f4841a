//! Reviews: only the buyer of a delivered order item, once per item; 1–5 stars and up to 2,000
//! characters; the seller replies once; anyone signed in may report one; admins hide them.
//! Product and seller ratings follow the visible reviews (a trigger keeps the totals).

use uuid::Uuid;

use super::model::{RatingSummary, ReviewView};
use crate::error::AppError;
use crate::server::state::AppState;

pub const MAX_BODY: usize = 2000;

/// A review as written: the stars parsed, the text trimmed and checked.
pub struct NewReview {
    pub rating: i16,
    pub body: String,
}

impl NewReview {
    pub fn parse(rating: i32, body: &str) -> Result<Self, AppError> {
        if !(1..=5).contains(&rating) {
            return Err(AppError::invalid("Choose from 1 to 5 stars."));
        }
        let body = body.trim();
        if body.chars().count() > MAX_BODY {
            return Err(AppError::invalid(format!("Keep the review under {MAX_BODY} characters.")));
        }
        Ok(Self { rating: rating as i16, body: body.to_string() })
    }
}

pub async fn create(state: &AppState, buyer: Uuid, item: Uuid, review: NewReview) -> Result<Uuid, AppError> {
    let mut tx = state.db.begin().await?;
    let found: Option<(String, Option<Uuid>, Uuid)> = sqlx::query_as(
        "SELECT o.status::text, i.product_id, o.seller_id FROM order_items i JOIN orders o ON o.id = i.order_id
          WHERE i.id = $1 AND o.buyer_id = $2 FOR UPDATE OF o",
    )
    .bind(item)
    .bind(buyer)
    .fetch_optional(&mut *tx)
    .await?;
    // Someone else's order item, or none: the same answer.
    let (status, product, seller) = found.ok_or(AppError::NotFound)?;
    if status != "delivered" {
        return Err(AppError::invalid("You can review an item once its order has been delivered."));
    }
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO reviews (id, order_item_id, product_id, seller_id, buyer_id, rating, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (order_item_id) DO NOTHING",
    )
    .bind(id)
    .bind(item)
    .bind(product)
    .bind(seller)
    .bind(buyer)
    .bind(review.rating)
    .bind(&review.body)
    .bind(state.clock.now())
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::invalid("You have already reviewed this item."));
    }
    tx.commit().await?;
    if let Some(product) = product {
        super::panel_cache::panel_changed(state, product).await;
    }
    Ok(id)
}

/// The seller answers a review of theirs, once.
pub async fn reply(state: &AppState, seller: Uuid, review: Uuid, text: &str) -> Result<(), AppError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_BODY {
        return Err(AppError::invalid(format!("Write a reply of 1 to {MAX_BODY} characters.")));
    }
    let mine: Option<bool> =
        sqlx::query_scalar("SELECT reply IS NOT NULL FROM reviews WHERE id = $1 AND seller_id = $2")
            .bind(review)
            .bind(seller)
            .fetch_optional(&state.db)
            .await?;
    match mine {
        None => return Err(AppError::NotFound),
        Some(true) => return Err(AppError::invalid("You have already replied to this review.")),
        Some(false) => {}
    }
    let replied: Option<Option<Uuid>> = sqlx::query_scalar(
        "UPDATE reviews SET reply = $3, replied_at = $4 WHERE id = $1 AND seller_id = $2 AND reply IS NULL
         RETURNING product_id",
    )
    .bind(review)
    .bind(seller)
    .bind(text)
    .bind(state.clock.now())
    .fetch_optional(&state.db)
    .await?;
    let Some(product) = replied else {
        return Err(AppError::invalid("You have already replied to this review."));
    };
    if let Some(product) = product {
        super::panel_cache::panel_changed(state, product).await;
    }
    Ok(())
}

/// Anyone signed in reports a review to the admins (once each).
pub async fn report(state: &AppState, reporter: Uuid, review: Uuid, reason: &str) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("Say in up to 500 characters what is wrong with this review."));
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM reviews WHERE id = $1 AND hidden_at IS NULL)")
        .bind(review)
        .fetch_one(&state.db)
        .await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    sqlx::query(
        "INSERT INTO review_reports (review_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (review_id, reporter_id) DO UPDATE SET reason = EXCLUDED.reason",
    )
    .bind(review)
    .bind(reporter)
    .bind(reason)
    .bind(state.clock.now())
    .execute(&state.db)
    .await?;
    Ok(())
}

/// An admin hides (or shows again) a review; the ratings follow.
pub async fn set_hidden(state: &AppState, review: Uuid, hidden: bool, reason: &str) -> Result<(), AppError> {
    let changed: Option<Option<Uuid>> = sqlx::query_scalar(
        "UPDATE reviews SET hidden_at = CASE WHEN $2 THEN COALESCE(hidden_at, $3) END,
                hidden_reason = CASE WHEN $2 THEN $4 END
          WHERE id = $1 RETURNING product_id",
    )
    .bind(review)
    .bind(hidden)
    .bind(state.clock.now())
    .bind(reason.trim())
    .fetch_optional(&state.db)
    .await?;
    let product = changed.ok_or(AppError::NotFound)?;
    if let Some(product) = product {
        super::panel_cache::panel_changed(state, product).await;
    }
    if hidden {
        sqlx::query("UPDATE review_reports SET resolved_at = $2 WHERE review_id = $1 AND resolved_at IS NULL")
            .bind(review)
            .bind(state.clock.now())
            .execute(&state.db)
            .await?;
    }
    Ok(())
}

/// A shop's ratings by its handle (404 for no such shop).
pub async fn shop_summary(state: &AppState, handle: &str) -> Result<RatingSummary, AppError> {
    let seller: Uuid = sqlx::query_scalar("SELECT user_id FROM sellers WHERE handle = $1")
        .bind(handle)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    summary(state, None, Some(seller)).await
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: Uuid,
    rating: i16,
    body: String,
    author: String,
    created_at: chrono::DateTime<chrono::Utc>,
    reply: Option<String>,
    title: String,
}

/// A product's (or with `seller`, a seller's) rating, star histogram and newest visible reviews.
pub async fn summary(state: &AppState, product: Option<Uuid>, seller: Option<Uuid>) -> Result<RatingSummary, AppError> {
    let filter =
        "r.hidden_at IS NULL AND ($1::uuid IS NULL OR r.product_id = $1) AND ($2::uuid IS NULL OR r.seller_id = $2)";
    let counts: Vec<(i16, i64)> =
        sqlx::query_as(&format!("SELECT r.rating, count(*) FROM reviews r WHERE {filter} GROUP BY r.rating"))
            .bind(product)
            .bind(seller)
            .fetch_all(&state.db)
            .await?;
    let mut histogram = [0u32; 5];
    for (rating, n) in counts {
        if let Some(slot) = usize::try_from(rating - 1).ok().and_then(|i| histogram.get_mut(i)) {
            *slot = u32::try_from(n).unwrap_or(u32::MAX);
        }
    }
    let rows: Vec<ReviewRow> = sqlx::query_as(&format!(
        "SELECT r.id, r.rating, r.body, u.display_name AS author, r.created_at, r.reply, i.title
           FROM reviews r JOIN users u ON u.id = r.buyer_id JOIN order_items i ON i.id = r.order_item_id
          WHERE {filter} ORDER BY r.created_at DESC LIMIT 20"
    ))
    .bind(product)
    .bind(seller)
    .fetch_all(&state.db)
    .await?;
    Ok(RatingSummary {
        histogram,
        reviews: rows
            .into_iter()
            .map(|r| ReviewView {
                id: r.id,
                rating: u8::try_from(r.rating).unwrap_or(0),
                body: r.body,
                author: r.author,
                created_at: r.created_at,
                reply: r.reply,
                product_title: Some(r.title),
            })
            .collect(),
    })
}
