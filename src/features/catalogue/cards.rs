//! Product cards read from PostgreSQL: one query shape for every grid (home, category, seller,
//! search results by id), with the first image and the seller's name.

use sqlx::PgPool;
use uuid::Uuid;

use super::model::{Condition, ImageRef, ProductCard};

macro_rules! first_image_columns {
    () => {
        "i.id AS image_id, i.format AS image_format, i.alt AS image_alt,
         i.thumb_width, i.thumb_height, i.card_width, i.card_height, i.full_width, i.full_height"
    };
}

macro_rules! first_image_join {
    () => {
        "LEFT JOIN LATERAL (
           SELECT id, format, alt, thumb_width, thumb_height, card_width, card_height, full_width, full_height
             FROM product_images WHERE product_id = p.id ORDER BY position LIMIT 1) i ON true"
    };
}

/// The columns [`ImageColumns`] reads, from the join [`FIRST_IMAGE_JOIN`] (a product `p`'s
/// first photo), for queries of other shapes than a card.
pub const FIRST_IMAGE_COLUMNS: &str = first_image_columns!();
pub const FIRST_IMAGE_JOIN: &str = first_image_join!();

/// The SELECT list and joins every card query shares; callers add WHERE / ORDER BY / LIMIT.
pub const CARD_SELECT: &str = concat!(
    "SELECT p.id, p.slug, p.title, p.price_cents, p.currency, p.stock > 0 AS in_stock, p.condition::text AS condition,
           s.handle::text AS seller_handle, u.display_name AS seller_name, ",
    first_image_columns!(),
    " FROM products p
      JOIN sellers s ON s.user_id = p.seller_id
      JOIN users u ON u.id = p.seller_id ",
    first_image_join!()
);

#[derive(sqlx::FromRow)]
pub struct CardRow {
    id: Uuid,
    slug: String,
    title: String,
    price_cents: i64,
    currency: String,
    in_stock: bool,
    condition: String,
    seller_handle: String,
    seller_name: String,
    #[sqlx(flatten)]
    image: ImageColumns,
}

/// The image columns of a joined row (all NULL when the listing has no photo).
#[derive(sqlx::FromRow)]
pub struct ImageColumns {
    image_id: Option<Uuid>,
    image_format: Option<String>,
    image_alt: Option<String>,
    thumb_width: Option<i32>,
    thumb_height: Option<i32>,
    card_width: Option<i32>,
    card_height: Option<i32>,
    full_width: Option<i32>,
    full_height: Option<i32>,
}

fn size(w: Option<i32>, h: Option<i32>) -> (u32, u32) {
    (w.and_then(|w| u32::try_from(w).ok()).unwrap_or(0), h.and_then(|h| u32::try_from(h).ok()).unwrap_or(0))
}

impl ImageColumns {
    pub fn into_ref(self) -> Option<ImageRef> {
        Some(ImageRef {
            id: self.image_id?,
            ext: ext_of(self.image_format.as_deref()?),
            alt: self.image_alt.unwrap_or_default(),
            thumb: size(self.thumb_width, self.thumb_height),
            card: size(self.card_width, self.card_height),
            full: size(self.full_width, self.full_height),
        })
    }
}

/// The file extension of a stored format.
pub fn ext_of(format: &str) -> String {
    if format == "png" { "png".into() } else { "jpg".into() }
}

impl From<CardRow> for ProductCard {
    fn from(r: CardRow) -> Self {
        let mut image = r.image.into_ref();
        if let Some(image) = image.as_mut()
            && image.alt.is_empty()
        {
            image.alt = r.title.clone();
        }
        Self {
            id: r.id,
            slug: r.slug,
            title: r.title,
            price_cents: r.price_cents,
            currency: r.currency,
            in_stock: r.in_stock,
            condition: Condition::parse(&r.condition).unwrap_or_default(),
            seller_handle: r.seller_handle,
            seller_name: r.seller_name,
            image,
        }
    }
}

/// Active products by id, in the order given (search results keep their ranking).
pub async fn by_ids(db: &PgPool, ids: &[Uuid]) -> Result<Vec<ProductCard>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{CARD_SELECT} WHERE p.id = ANY($1) AND p.status = 'active'");
    let rows: Vec<CardRow> = sqlx::query_as(&sql).bind(ids).fetch_all(db).await?;
    let mut cards: Vec<ProductCard> = rows.into_iter().map(ProductCard::from).collect();
    cards.sort_by_key(|c| ids.iter().position(|id| *id == c.id).unwrap_or(usize::MAX));
    Ok(cards)
}

/// The newest listings on sale.
pub async fn newest(db: &PgPool, limit: i64) -> Result<Vec<ProductCard>, sqlx::Error> {
    let sql = format!("{CARD_SELECT} WHERE p.status = 'active' ORDER BY p.published_at DESC NULLS LAST LIMIT $1");
    let rows: Vec<CardRow> = sqlx::query_as(&sql).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductCard::from).collect())
}

/// The most viewed listings on sale.
pub async fn popular(db: &PgPool, limit: i64) -> Result<Vec<ProductCard>, sqlx::Error> {
    let sql = format!(
        "{CARD_SELECT} WHERE p.status = 'active' ORDER BY p.view_count DESC, p.published_at DESC NULLS LAST LIMIT $1"
    );
    let rows: Vec<CardRow> = sqlx::query_as(&sql).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductCard::from).collect())
}

/// A page of a category's listings (a parent includes its children's), newest first.
pub async fn in_category(
    db: &PgPool,
    category: i32,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ProductCard>, u64), sqlx::Error> {
    let scope = "p.status = 'active' AND p.category_id IN (SELECT id FROM categories WHERE id = $1 OR parent_id = $1)";
    let sql = format!("{CARD_SELECT} WHERE {scope} ORDER BY p.published_at DESC NULLS LAST, p.id LIMIT $2 OFFSET $3");
    let rows: Vec<CardRow> = sqlx::query_as(&sql).bind(category).bind(limit).bind(offset).fetch_all(db).await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM products p WHERE {scope}"))
        .bind(category)
        .fetch_one(db)
        .await?;
    Ok((rows.into_iter().map(ProductCard::from).collect(), u64::try_from(total).unwrap_or(0)))
}

/// A seller's listings on sale, newest first.
pub async fn of_seller(db: &PgPool, seller: Uuid, limit: i64) -> Result<Vec<ProductCard>, sqlx::Error> {
    let sql = format!(
        "{CARD_SELECT} WHERE p.status = 'active' AND p.seller_id = $1 ORDER BY p.published_at DESC NULLS LAST LIMIT $2"
    );
    let rows: Vec<CardRow> = sqlx::query_as(&sql).bind(seller).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductCard::from).collect())
}
