//! What visitors read: a product page, a seller's page, a category's listings, the home page's
//! sections. Only listings on sale are public; a seller also sees their own draft or paused one.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::cards;
use super::listings;
use super::model::{
    Category, CategoryListing, CategoryTree, Condition, HomeCatalogue, ProductDetail, ProductStatus, Rating,
    SellerPage, SellerSummary,
};

/// Grids show this many cards a page.
pub const PAGE_SIZE: u32 = 24;

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: Uuid,
    seller_id: Uuid,
    slug: String,
    title: String,
    description: String,
    price_cents: i64,
    currency: String,
    stock: i32,
    condition: String,
    status: String,
    category_slug: String,
    published_at: Option<DateTime<Utc>>,
    handle: String,
    seller_name: String,
    rating_total: i32,
    rating_count: i32,
    member_since: DateTime<Utc>,
}

/// `/products/{slug}`: on sale, or the viewer's own listing in any state.
pub async fn product(
    db: &PgPool,
    tree: &CategoryTree,
    slug: &str,
    viewer: Option<Uuid>,
) -> Result<Option<ProductDetail>, sqlx::Error> {
    let row: Option<DetailRow> = sqlx::query_as(
        "SELECT p.id, p.seller_id, p.slug, p.title, p.description, p.price_cents, p.currency, p.stock,
                p.condition::text AS condition, p.status::text AS status, c.slug AS category_slug, p.published_at,
                s.handle::text AS handle, u.display_name AS seller_name, s.rating_total, s.rating_count,
                u.created_at AS member_since
           FROM products p
           JOIN categories c ON c.id = p.category_id
           JOIN sellers s ON s.user_id = p.seller_id
           JOIN users u ON u.id = p.seller_id
          WHERE p.slug = $1 AND (p.status = 'active' OR p.seller_id = $2)",
    )
    .bind(slug)
    .bind(viewer)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let Some((category, parent)) = tree.find(&row.category_slug) else { return Ok(None) };
    let mut images = listings::images(db, row.id).await?;
    for (n, image) in images.iter_mut().enumerate() {
        if image.alt.is_empty() {
            image.alt = format!("{} — photo {}", row.title, n + 1);
        }
    }
    Ok(Some(ProductDetail {
        id: row.id,
        slug: row.slug,
        title: row.title,
        description: row.description,
        price_cents: row.price_cents,
        currency: row.currency,
        stock: row.stock,
        condition: Condition::parse(&row.condition).unwrap_or_default(),
        status: ProductStatus::parse(&row.status).unwrap_or(ProductStatus::Draft),
        category: leaf(category),
        parent_category: parent.map(leaf),
        seller: SellerSummary {
            handle: row.handle,
            name: row.seller_name,
            rating: Rating::from_totals(row.rating_total, row.rating_count),
            member_since: row.member_since,
        },
        images,
        published_at: row.published_at,
        mine: viewer == Some(row.seller_id),
        base_url: String::new(),
    }))
}

fn leaf(c: &Category) -> Category {
    Category { id: c.id, slug: c.slug.clone(), name: c.name.clone(), children: Vec::new() }
}

#[derive(sqlx::FromRow)]
struct ShopRow {
    user_id: Uuid,
    handle: String,
    name: String,
    bio: String,
    rating_total: i32,
    rating_count: i32,
    member_since: DateTime<Utc>,
}

/// `/sellers/{handle}`: who they are and what they have on sale.
pub async fn seller(db: &PgPool, handle: &str) -> Result<Option<SellerPage>, sqlx::Error> {
    let row: Option<ShopRow> = sqlx::query_as(
        "SELECT s.user_id, s.handle::text AS handle, u.display_name AS name, u.bio, s.rating_total, s.rating_count,
                u.created_at AS member_since
           FROM sellers s JOIN users u ON u.id = s.user_id WHERE s.handle = $1",
    )
    .bind(handle)
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(SellerPage {
        seller: SellerSummary {
            handle: r.handle,
            name: r.name,
            rating: Rating::from_totals(r.rating_total, r.rating_count),
            member_since: r.member_since,
        },
        bio: r.bio,
        products: cards::of_seller(db, r.user_id, 96).await?,
    }))
}

/// `/c/{slug}?page=N`.
pub async fn category(
    db: &PgPool,
    tree: &CategoryTree,
    slug: &str,
    page: u32,
) -> Result<Option<CategoryListing>, sqlx::Error> {
    let Some((found, parent)) = tree.find(slug) else { return Ok(None) };
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let (products, total) = cards::in_category(db, found.id, i64::from(PAGE_SIZE), offset).await?;
    let pages = u32::try_from(total.div_ceil(u64::from(PAGE_SIZE))).unwrap_or(u32::MAX).max(1);
    Ok(Some(CategoryListing { category: found.clone(), parent: parent.map(leaf), products, total, page, pages }))
}

pub async fn home(db: &PgPool) -> Result<HomeCatalogue, sqlx::Error> {
    Ok(HomeCatalogue { newest: cards::newest(db, 8).await?, popular: cards::popular(db, 8).await? })
}
