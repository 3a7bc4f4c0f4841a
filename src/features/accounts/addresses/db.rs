//! SQL of the addresses. Every function acts for a [`Member`] and only on their rows.

use sqlx::PgPool;
use uuid::Uuid;

use super::model::{ADDRESSES_MAX, Address, AddressInput};
use crate::features::accounts::session::Member;

const COLUMNS: &str = "id, full_name, line1, line2, city, region, postal_code, country, phone, is_default";

pub async fn list(pool: &PgPool, me: &Member) -> Result<Vec<Address>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY is_default DESC, created_at, id"
    ))
    .bind(me.id)
    .fetch_all(pool)
    .await
}

pub enum Saved {
    Done(Uuid),
    NotFound,
    TooMany,
}

/// Adds an address (the first one becomes the default) or edits one of the member's own.
/// The member's row is locked first so two tabs cannot pass the limit together.
pub async fn save(
    pool: &PgPool,
    me: &Member,
    id: Option<Uuid>,
    a: &AddressInput,
    make_default: bool,
) -> Result<Saved, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(me.id).execute(&mut *tx).await?;
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1").bind(me.id).fetch_one(&mut *tx).await?;
    if id.is_none() && count >= ADDRESSES_MAX {
        return Ok(Saved::TooMany);
    }
    // One statement for both: edit the member's own address when `id` is given, else add one.
    let saved: Option<Uuid> = sqlx::query_scalar(
        "WITH updated AS (
             UPDATE addresses SET full_name = $3, line1 = $4, line2 = $5, city = $6, region = $7,
                    postal_code = $8, country = $9, phone = $10
              WHERE $1::uuid IS NOT NULL AND id = $1 AND user_id = $2
          RETURNING id
         ), inserted AS (
             INSERT INTO addresses (user_id, full_name, line1, line2, city, region, postal_code, country, phone)
             SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE $1::uuid IS NULL
          RETURNING id
         )
         SELECT id FROM updated UNION ALL SELECT id FROM inserted",
    )
    .bind(id)
    .bind(me.id)
    .bind(&a.full_name)
    .bind(&a.line1)
    .bind(&a.line2)
    .bind(&a.city)
    .bind(&a.region)
    .bind(&a.postal_code)
    .bind(&a.country)
    .bind(&a.phone)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = saved else { return Ok(Saved::NotFound) };
    if make_default || count == 0 {
        set_default_in(&mut tx, me.id, id).await?;
    }
    tx.commit().await?;
    Ok(Saved::Done(id))
}

async fn set_default_in(conn: &mut sqlx::PgConnection, user: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    // Clear first: the unique index allows one default per member at any moment.
    sqlx::query("UPDATE addresses SET is_default = false WHERE user_id = $1 AND is_default AND id <> $2")
        .bind(user)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let set = sqlx::query("UPDATE addresses SET is_default = true WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(conn)
        .await?;
    Ok(set.rows_affected() == 1)
}

/// False when the address is not the member's.
pub async fn set_default(pool: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(me.id).execute(&mut *tx).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM addresses WHERE id = $1 AND user_id = $2)")
        .bind(id)
        .bind(me.id)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Ok(false);
    }
    set_default_in(&mut tx, me.id, id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deletes one of the member's addresses; if it was the default, the oldest remaining one
/// becomes the default. False when it is not theirs.
pub async fn delete(pool: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(me.id).execute(&mut *tx).await?;
    let was_default: Option<bool> =
        sqlx::query_scalar("DELETE FROM addresses WHERE id = $1 AND user_id = $2 RETURNING is_default")
            .bind(id)
            .bind(me.id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(was_default) = was_default else { return Ok(false) };
    if was_default {
        sqlx::query(
            "UPDATE addresses SET is_default = true
              WHERE id = (SELECT id FROM addresses WHERE user_id = $1 ORDER BY created_at, id LIMIT 1)",
        )
        .bind(me.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
