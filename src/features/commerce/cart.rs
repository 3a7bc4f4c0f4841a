//! The cart: a member's in the database, a visitor's in their session. The visitor's cart joins
//! the member's on the first cart request after signing in (the session keeps its data when
//! its id changes at sign-in), quantities capped by what is available.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use super::model::{Cart, CartLine, LineProblem, SellerRef, parse_quantity};
use super::stock::{Except, held};
use crate::error::AppError;
use crate::features::catalogue::cards::{FIRST_IMAGE_COLUMNS, FIRST_IMAGE_JOIN, ImageColumns};
use crate::server::error::internal;
use crate::server::state::AppState;

const SESSION_KEY: &str = "commerce.cart";
/// A visitor's cart holds at most this many different products (the session stays small).
const MAX_LINES: usize = 100;

/// A cart line as stored: in `cart_items`, or in the visitor's session.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow)]
pub struct Saved {
    pub product_id: Uuid,
    pub quantity: i32,
    pub price_cents_seen: i64,
    pub currency_seen: String,
    pub added_at: DateTime<Utc>,
}

/// Whose cart a request works on.
pub enum Owner {
    Member(Uuid),
    Visitor(Session),
}

impl Owner {
    /// The caller's cart; a signed-in member's visitor cart is merged into theirs first.
    pub async fn current(state: &AppState) -> Result<Owner, AppError> {
        let session = crate::features::accounts::session::session().await?;
        match crate::features::accounts::session::current_member().await? {
            Some(member) => {
                let user = member.user().id;
                merge(state, user, &session).await?;
                Ok(Owner::Member(user))
            }
            None => Ok(Owner::Visitor(session)),
        }
    }

    fn buyer(&self) -> Uuid {
        match self {
            Owner::Member(id) => *id,
            Owner::Visitor(_) => Uuid::nil(),
        }
    }

    pub async fn saved(&self, db: &PgPool) -> Result<Vec<Saved>, AppError> {
        match self {
            Owner::Member(user) => Ok(sqlx::query_as(
                "SELECT product_id, quantity, price_cents_seen, currency_seen, added_at
                   FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id",
            )
            .bind(user)
            .fetch_all(db)
            .await?),
            Owner::Visitor(session) => session_lines(session).await,
        }
    }

    async fn put(&self, db: &PgPool, line: Saved) -> Result<(), AppError> {
        match self {
            Owner::Member(user) => {
                sqlx::query(
                    "INSERT INTO cart_items (user_id, product_id, quantity, price_cents_seen, currency_seen, added_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (user_id, product_id) DO UPDATE
                        SET quantity = EXCLUDED.quantity, price_cents_seen = EXCLUDED.price_cents_seen,
                            currency_seen = EXCLUDED.currency_seen",
                )
                .bind(user)
                .bind(line.product_id)
                .bind(line.quantity)
                .bind(line.price_cents_seen)
                .bind(&line.currency_seen)
                .bind(line.added_at)
                .execute(db)
                .await?;
                Ok(())
            }
            Owner::Visitor(session) => {
                let mut lines = session_lines(session).await?;
                let full = lines.len() >= MAX_LINES;
                match lines.iter_mut().find(|l| l.product_id == line.product_id) {
                    Some(existing) => *existing = line,
                    None if full => {
                        return Err(AppError::invalid(format!(
                            "A cart holds at most {MAX_LINES} different items. Sign in to keep a bigger one."
                        )));
                    }
                    None => lines.push(line),
                }
                save_session_lines(session, &lines).await
            }
        }
    }

    /// Takes products out of the cart (after they were bought, or when asked).
    pub async fn remove(&self, db: &PgPool, products: &[Uuid]) -> Result<(), AppError> {
        match self {
            Owner::Member(user) => {
                sqlx::query("DELETE FROM cart_items WHERE user_id = $1 AND product_id = ANY($2)")
                    .bind(user)
                    .bind(products)
                    .execute(db)
                    .await?;
                Ok(())
            }
            Owner::Visitor(session) => {
                let mut lines = session_lines(session).await?;
                lines.retain(|l| !products.contains(&l.product_id));
                save_session_lines(session, &lines).await
            }
        }
    }
}

async fn session_lines(session: &Session) -> Result<Vec<Saved>, AppError> {
    Ok(session.get::<Vec<Saved>>(SESSION_KEY).await.map_err(|e| internal("session read", e))?.unwrap_or_default())
}

async fn save_session_lines(session: &Session, lines: &[Saved]) -> Result<(), AppError> {
    if lines.is_empty() {
        session.remove_value(SESSION_KEY).await.map_err(|e| internal("session write", e))?;
        return Ok(());
    }
    session.insert(SESSION_KEY, lines).await.map_err(|e| internal("session write", e))
}

/// Moves a visitor cart in the session into the member's, capped by what is available; the
/// session's copy is gone afterwards. A product in both keeps the larger quantity, never the
/// sum: two requests right after sign-in (the page and its badge) may both find the session's
/// copy, and merging twice must not double anything.
async fn merge(state: &AppState, user: Uuid, session: &Session) -> Result<(), AppError> {
    let lines = session_lines(session).await?;
    if lines.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    let prices: Vec<i64> = lines.iter().map(|l| l.price_cents_seen).collect();
    let currencies: Vec<String> = lines.iter().map(|l| l.currency_seen.clone()).collect();
    let added: Vec<DateTime<Utc>> = lines.iter().map(|l| l.added_at).collect();
    // A member's own listings never enter their cart; what is not for sale stays out too.
    let sql = format!(
        "INSERT INTO cart_items (user_id, product_id, quantity, price_cents_seen, currency_seen, added_at)
         SELECT $1, v.product_id, GREATEST(LEAST(v.quantity, p.stock - {held}, 999), 1), v.price, v.currency, v.added_at
           FROM unnest($2::uuid[], $3::int[], $4::bigint[], $5::text[], $6::timestamptz[])
                AS v(product_id, quantity, price, currency, added_at)
           JOIN products p ON p.id = v.product_id
          WHERE p.seller_id <> $1 AND p.status = 'active'
         ON CONFLICT (user_id, product_id) DO UPDATE
            SET quantity = GREATEST(cart_items.quantity, EXCLUDED.quantity)",
        held = held(7, Except::Buyer, 1)
    );
    sqlx::query(&sql)
        .bind(user)
        .bind(&ids)
        .bind(&quantities)
        .bind(&prices)
        .bind(&currencies)
        .bind(&added)
        .bind(now)
        .execute(&state.db)
        .await?;
    save_session_lines(session, &[]).await
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Uuid,
    slug: String,
    title: String,
    price_cents: i64,
    currency: String,
    status: String,
    available: i32,
    seller_id: Uuid,
    seller_handle: String,
    seller_name: String,
    #[sqlx(flatten)]
    image: ImageColumns,
}

async fn products(state: &AppState, ids: &[Uuid], buyer: Uuid) -> Result<Vec<ProductRow>, AppError> {
    let sql = format!(
        "SELECT p.id, p.slug, p.title, p.price_cents, p.currency, p.status::text AS status,
                GREATEST(p.stock - {held}, 0) AS available,
                p.seller_id, s.handle::text AS seller_handle, u.display_name AS seller_name, {FIRST_IMAGE_COLUMNS}
           FROM products p JOIN sellers s ON s.user_id = p.seller_id JOIN users u ON u.id = p.seller_id
           {FIRST_IMAGE_JOIN}
          WHERE p.id = ANY($1)",
        held = held(2, Except::Buyer, 3)
    );
    Ok(sqlx::query_as(&sql).bind(ids).bind(state.clock.now()).bind(buyer).fetch_all(&state.db).await?)
}

/// The cart as the page shows it: grouped by seller, each line checked against the listing
/// as it is now.
pub async fn view(state: &AppState, owner: &Owner) -> Result<Cart, AppError> {
    let saved = owner.saved(&state.db).await?;
    if saved.is_empty() {
        return Ok(Cart::default());
    }
    let ids: Vec<Uuid> = saved.iter().map(|l| l.product_id).collect();
    let mut found = products(state, &ids, owner.buyer()).await?;
    let mut lines = Vec::with_capacity(saved.len());
    let mut gone = Vec::new();
    for s in saved {
        let Some(i) = found.iter().position(|p| p.id == s.product_id) else {
            gone.push(s.product_id);
            continue;
        };
        let p = found.swap_remove(i);
        let problem = if p.status != "active" {
            Some(LineProblem::Unavailable)
        } else if p.available <= 0 {
            Some(LineProblem::SoldOut)
        } else if p.available < s.quantity {
            Some(LineProblem::OnlyLeft(p.available))
        } else {
            None
        };
        let changed = s.price_cents_seen != p.price_cents || s.currency_seen != p.currency;
        let mut image = p.image.into_ref();
        if let Some(image) = image.as_mut()
            && image.alt.is_empty()
        {
            image.alt = p.title.clone();
        }
        let seller = SellerRef { id: p.seller_id, name: p.seller_name, handle: p.seller_handle };
        lines.push((
            seller,
            CartLine {
                product_id: p.id,
                slug: p.slug,
                title: p.title,
                image,
                quantity: s.quantity,
                unit_price_cents: p.price_cents,
                currency: p.currency,
                price_was_cents: changed.then_some(s.price_cents_seen),
                problem,
            },
        ));
    }
    // Deleted listings leave a visitor's session cart quietly (a member's rows cascade).
    if !gone.is_empty() {
        owner.remove(&state.db, &gone).await?;
    }
    Ok(Cart::from_lines(lines))
}

/// Adds `quantity` of a product (to what the cart already has of it).
pub async fn add(state: &AppState, owner: &Owner, product: Uuid, quantity: i32) -> Result<Cart, AppError> {
    let quantity = parse_quantity(quantity).map_err(AppError::invalid)?;
    let found = products(state, &[product], owner.buyer()).await?;
    let Some(p) = found.into_iter().next().filter(|p| p.status == "active") else {
        return Err(AppError::invalid("This listing is not for sale any more."));
    };
    if p.seller_id == owner.buyer() {
        return Err(AppError::invalid("This is your own listing: it cannot go in your cart."));
    }
    let saved = owner.saved(&state.db).await?;
    let existing = saved.iter().find(|l| l.product_id == product);
    let wanted = existing.map_or(0, |l| l.quantity).saturating_add(quantity);
    check_available(&p, wanted)?;
    let wanted = parse_quantity(wanted).map_err(AppError::invalid)?;
    owner
        .put(
            &state.db,
            Saved {
                product_id: product,
                quantity: wanted,
                // Added again from the product page: the price seen now is the current one.
                price_cents_seen: p.price_cents,
                currency_seen: p.currency.clone(),
                added_at: existing.map_or_else(|| state.clock.now(), |l| l.added_at),
            },
        )
        .await?;
    view(state, owner).await
}

/// Sets a line's quantity (1–999, at most what is available).
pub async fn set_quantity(state: &AppState, owner: &Owner, product: Uuid, quantity: i32) -> Result<Cart, AppError> {
    let quantity = parse_quantity(quantity).map_err(AppError::invalid)?;
    let saved = owner.saved(&state.db).await?;
    let Some(existing) = saved.into_iter().find(|l| l.product_id == product) else {
        return Err(AppError::NotFound);
    };
    let found = products(state, &[product], owner.buyer()).await?;
    let Some(p) = found.into_iter().next().filter(|p| p.status == "active") else {
        return Err(AppError::invalid("This listing is not for sale any more. Remove it from your cart."));
    };
    check_available(&p, quantity)?;
    owner.put(&state.db, Saved { quantity, ..existing }).await?;
    view(state, owner).await
}

fn check_available(p: &ProductRow, wanted: i32) -> Result<(), AppError> {
    match p.available {
        0 => Err(AppError::invalid(format!("“{}” is sold out.", p.title))),
        n if wanted > n => {
            Err(AppError::invalid(format!("Only {n} of “{}” {} left.", p.title, if n == 1 { "is" } else { "are" })))
        }
        _ => Ok(()),
    }
}

/// How many items the cart holds (the header's badge).
pub async fn count(state: &AppState, owner: &Owner) -> Result<i32, AppError> {
    Ok(owner.saved(&state.db).await?.iter().map(|l| l.quantity).sum())
}
