//! A listing's photos in the database: at most eight, in the seller's order. The files
//! themselves are in object storage (`images::MediaStore`); rows deleted here leave an
//! `orphaned_images` row (a trigger) and the sweep removes their files after commit.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::MAX_IMAGES;
use crate::error::AppError;

pub const TOO_MANY: &str = "A listing has at most 8 photos. Delete one to add another.";

/// The variants' sizes of one processed image, as stored.
#[derive(Clone, Copy, Debug)]
pub struct StoredSizes {
    pub thumb: (u32, u32),
    pub card: (u32, u32),
    pub full: (u32, u32),
    pub bytes: u64,
}

/// Locks one of `seller`'s listings for a change to its photos; `None` when it is not theirs.
async fn lock_listing(conn: &mut PgConnection, seller: Uuid, product: Uuid) -> Result<Option<i64>, sqlx::Error> {
    let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM products WHERE id = $1 AND seller_id = $2 FOR UPDATE")
        .bind(product)
        .bind(seller)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Ok(None);
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM product_images WHERE product_id = $1")
        .bind(product)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some(count))
}

/// Whether another photo may be added (checked before the upload is processed, and again,
/// under the listing's lock, when it is recorded).
pub async fn room_for_one(db: &PgPool, seller: Uuid, product: Uuid) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    match lock_listing(&mut tx, seller, product).await? {
        None => Err(AppError::NotFound),
        Some(n) if n >= MAX_IMAGES as i64 => Err(AppError::invalid(TOO_MANY)),
        Some(_) => Ok(()),
    }
}

/// Records a stored image as the listing's last photo.
pub async fn add(
    db: &PgPool,
    seller: Uuid,
    product: Uuid,
    image: Uuid,
    format: &str,
    sizes: StoredSizes,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let count = match lock_listing(&mut tx, seller, product).await? {
        None => return Err(AppError::NotFound),
        Some(n) if n >= MAX_IMAGES as i64 => return Err(AppError::invalid(TOO_MANY)),
        Some(n) => n,
    };
    let px = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query(
        "INSERT INTO product_images (id, product_id, position, format, thumb_width, thumb_height, card_width,
                                     card_height, full_width, full_height, bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(image)
    .bind(product)
    .bind(i16::try_from(count).unwrap_or(0))
    .bind(format)
    .bind(px(sizes.thumb.0))
    .bind(px(sizes.thumb.1))
    .bind(px(sizes.card.0))
    .bind(px(sizes.card.1))
    .bind(px(sizes.full.0))
    .bind(px(sizes.full.1))
    .bind(i64::try_from(sizes.bytes).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?;
    // The listing moves to the top of the seller's list as changed.
    sqlx::query("UPDATE products SET updated_at = now() WHERE id = $1").bind(product).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one photo and closes the gap in the order.
pub async fn remove(db: &PgPool, seller: Uuid, product: Uuid, image: Uuid) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    if lock_listing(&mut tx, seller, product).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let gone = sqlx::query("DELETE FROM product_images WHERE id = $1 AND product_id = $2")
        .bind(image)
        .bind(product)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    renumber(&mut tx, product).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the listing's photos in `order`, which must name each of them once.
pub async fn reorder(db: &PgPool, seller: Uuid, product: Uuid, order: &[Uuid]) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    if lock_listing(&mut tx, seller, product).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let mut current: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM product_images WHERE product_id = $1")
        .bind(product)
        .fetch_all(&mut *tx)
        .await?;
    let mut wanted = order.to_vec();
    current.sort();
    wanted.sort();
    if current != wanted {
        return Err(AppError::invalid(
            "The photos changed while you were arranging them. Reload the page and try again.",
        ));
    }
    // The (product, position) key is checked at commit, so positions may swap freely here.
    sqlx::query(
        "UPDATE product_images SET position = o.n - 1
           FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, n)
          WHERE product_images.product_id = $1 AND product_images.id = o.id",
    )
    .bind(product)
    .bind(order)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE products SET updated_at = now() WHERE id = $1").bind(product).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn renumber(conn: &mut PgConnection, product: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE product_images SET position = r.n - 1
           FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM product_images WHERE product_id = $1) r
          WHERE product_images.id = r.id",
    )
    .bind(product)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Files whose rows are gone, oldest first: `(image id, format)`.
pub async fn orphans(db: &PgPool, limit: i64) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("SELECT image_id, format FROM orphaned_images ORDER BY created_at LIMIT $1")
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn forget_orphan(db: &PgPool, image: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM orphaned_images WHERE image_id = $1").bind(image).execute(db).await?;
    Ok(())
}
