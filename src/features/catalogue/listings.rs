//! A seller's own listings: create, edit, put on sale or pause, delete. Every query names the
//! seller, so another member's listing is simply not found (404) and nothing changes.

use sqlx::PgPool;
use uuid::Uuid;

use super::cards::ImageColumns;
use super::model::{
    EditListing, FieldError, ImageRef, OwnListing, ProductDraft, ProductForm, ProductStatus, StatusChange, price_input,
    slugify,
};
use super::{categories, sellers};
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::server::state::AppState;

pub const START_SELLING_FIRST: &str = "Start selling first: choose a shop name on the Sell page.";
pub const FINISH_ONBOARDING: &str =
    "Finish setting up payments with Stripe before putting listings on sale. Your listing is saved as a draft.";

/// A form refused field by field: the message lists them, and the page shows each by its field.
pub fn form_error(errors: &[FieldError]) -> AppError {
    AppError::invalid(errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))
}

async fn require_seller(db: &PgPool, user: Uuid) -> Result<(), AppError> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sellers WHERE user_id = $1)").bind(user).fetch_one(db).await?;
    if exists { Ok(()) } else { Err(AppError::invalid(START_SELLING_FIRST)) }
}

async fn category_id(db: &PgPool, draft: &ProductDraft) -> Result<i32, AppError> {
    categories::id_of(db, &draft.category).await?.ok_or_else(|| {
        form_error(&[FieldError {
            field: "category".into(),
            message: "That category does not exist. Choose one from the list.".into(),
        }])
    })
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds $1 = listing, $2 = seller and $3–$9 = the form's fields, in the order both the insert
/// and the update name them.
fn bind_draft<'q>(query: PgQuery<'q>, id: Uuid, seller: Uuid, draft: &'q ProductDraft, category: i32) -> PgQuery<'q> {
    query
        .bind(id)
        .bind(seller)
        .bind(&draft.title)
        .bind(&draft.description)
        .bind(draft.price_cents)
        .bind(draft.currency.code())
        .bind(draft.stock)
        .bind(category)
        .bind(draft.condition.as_str())
}

/// A new listing, saved as a draft. Returns its id.
pub async fn create(state: &AppState, member: &Member, form: &ProductForm) -> Result<Uuid, AppError> {
    let user = member.user().id;
    let draft = ProductDraft::parse(form).map_err(|e| form_error(&e))?;
    require_seller(&state.db, user).await?;
    let category = category_id(&state.db, &draft).await?;
    let id = Uuid::new_v4();
    // The title's words plus a piece of the id: readable, unique, and stable when the title
    // is edited later (links keep working).
    let words = slugify(&draft.title, 80);
    let tail = &id.simple().to_string()[..8];
    let slug = if words.is_empty() { tail.to_string() } else { format!("{words}-{tail}") };
    let insert = sqlx::query(
        "INSERT INTO products (id, seller_id, title, description, price_cents, currency, stock, category_id, condition, slug, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::product_condition, $10, $11)",
    );
    bind_draft(insert, id, user, &draft, category).bind(&slug).bind(state.clock.now()).execute(&state.db).await?;
    Ok(id)
}

/// Saves the form over one of the member's listings (its status stays as it is).
pub async fn update(state: &AppState, member: &Member, id: Uuid, form: &ProductForm) -> Result<(), AppError> {
    let draft = ProductDraft::parse(form).map_err(|e| form_error(&e))?;
    let category = category_id(&state.db, &draft).await?;
    let update = sqlx::query(
        "UPDATE products SET title = $3, description = $4, price_cents = $5, currency = $6, stock = $7,
                category_id = $8, condition = $9::product_condition
          WHERE id = $1 AND seller_id = $2",
    );
    let done = bind_draft(update, id, member.user().id, &draft, category).execute(&state.db).await?;
    state.pages.forget(id);
    if done.rows_affected() == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

/// Puts a listing on sale or pauses it. A removed listing stays removed.
pub async fn change_status(
    state: &AppState,
    member: &Member,
    id: Uuid,
    change: StatusChange,
) -> Result<ProductStatus, AppError> {
    let user = member.user().id;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status::text FROM products WHERE id = $1 AND seller_id = $2")
            .bind(id)
            .bind(user)
            .fetch_optional(&state.db)
            .await?;
    let current = current.and_then(|s| ProductStatus::parse(&s)).ok_or(AppError::NotFound)?;
    if current == ProductStatus::Removed {
        return Err(AppError::invalid("Threadr removed this listing; it cannot be put back on sale."));
    }
    let next = match change {
        StatusChange::Publish => {
            if !sellers::can_sell(&state.db, user).await? {
                return Err(AppError::invalid(FINISH_ONBOARDING));
            }
            ProductStatus::Active
        }
        StatusChange::Pause => {
            if current == ProductStatus::Draft {
                return Err(AppError::invalid("A draft is not on sale, so there is nothing to pause."));
            }
            ProductStatus::Hidden
        }
    };
    sqlx::query(
        "UPDATE products SET status = $3::product_status,
                published_at = CASE WHEN $3 = 'active' THEN coalesce(published_at, $4) ELSE published_at END
          WHERE id = $1 AND seller_id = $2 AND status <> 'removed'",
    )
    .bind(id)
    .bind(user)
    .bind(next.as_str())
    .bind(state.clock.now())
    .execute(&state.db)
    .await?;
    state.pages.forget(id);
    Ok(next)
}

/// Deletes one of the member's listings with its images (their files are swept afterwards).
pub async fn delete(state: &AppState, member: &Member, id: Uuid) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM products WHERE id = $1 AND seller_id = $2")
        .bind(id)
        .bind(member.user().id)
        .execute(&state.db)
        .await?;
    state.pages.forget(id);
    if done.rows_affected() == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

#[derive(sqlx::FromRow)]
struct OwnRow {
    id: Uuid,
    slug: String,
    title: String,
    price_cents: i64,
    currency: String,
    stock: i32,
    status: String,
    removed_reason: Option<String>,
    updated_at: chrono::DateTime<chrono::Utc>,
    #[sqlx(flatten)]
    image: ImageColumns,
}

pub async fn own(db: &PgPool, user: Uuid) -> Result<Vec<OwnListing>, sqlx::Error> {
    let rows: Vec<OwnRow> = sqlx::query_as(
        "SELECT p.id, p.slug, p.title, p.price_cents, p.currency, p.stock, p.status::text AS status, p.removed_reason,
                p.updated_at, i.id AS image_id, i.format AS image_format, i.alt AS image_alt,
                i.thumb_width, i.thumb_height, i.card_width, i.card_height, i.full_width, i.full_height
           FROM products p
           LEFT JOIN LATERAL (SELECT * FROM product_images WHERE product_id = p.id ORDER BY position LIMIT 1) i ON true
          WHERE p.seller_id = $1
          ORDER BY p.updated_at DESC",
    )
    .bind(user)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OwnListing {
            id: r.id,
            slug: r.slug,
            title: r.title,
            price_cents: r.price_cents,
            currency: r.currency,
            stock: r.stock,
            status: ProductStatus::parse(&r.status).unwrap_or(ProductStatus::Draft),
            removed_reason: r.removed_reason,
            image: r.image.into_ref(),
            updated_at: r.updated_at,
        })
        .collect())
}

/// A listing's images in the seller's order.
pub async fn images(db: &PgPool, product: Uuid) -> Result<Vec<ImageRef>, sqlx::Error> {
    let rows: Vec<ImageColumns> = sqlx::query_as(
        "SELECT id AS image_id, format AS image_format, alt AS image_alt, thumb_width, thumb_height,
                card_width, card_height, full_width, full_height
           FROM product_images WHERE product_id = $1 ORDER BY position",
    )
    .bind(product)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().filter_map(ImageColumns::into_ref).collect())
}

#[derive(sqlx::FromRow)]
struct EditRow {
    slug: String,
    title: String,
    description: String,
    price_cents: i64,
    currency: String,
    stock: i32,
    category: String,
    condition: String,
    status: String,
    removed_reason: Option<String>,
}

/// The edit page's data for one of the member's listings.
pub async fn for_edit(state: &AppState, member: &Member, id: Uuid) -> Result<EditListing, AppError> {
    let user = member.user().id;
    let row: Option<EditRow> = sqlx::query_as(
        "SELECT p.slug, p.title, p.description, p.price_cents, p.currency, p.stock, c.slug AS category,
                p.condition::text AS condition, p.status::text AS status, p.removed_reason
           FROM products p JOIN categories c ON c.id = p.category_id
          WHERE p.id = $1 AND p.seller_id = $2",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else { return Err(AppError::NotFound) };
    Ok(EditListing {
        id,
        slug: row.slug,
        form: ProductForm {
            title: row.title,
            description: row.description,
            price: price_input(row.price_cents),
            currency: row.currency,
            stock: row.stock.to_string(),
            category: row.category,
            condition: row.condition,
        },
        status: ProductStatus::parse(&row.status).unwrap_or(ProductStatus::Draft),
        removed_reason: row.removed_reason,
        images: images(&state.db, id).await?,
        can_publish: sellers::can_sell(&state.db, user).await?,
    })
}
