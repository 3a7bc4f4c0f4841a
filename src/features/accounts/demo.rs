//! Demo accounts for a fresh development database (`threadr seed-demo`, run by `scripts/run`):
//! an admin and a member with an address, so a newcomer can sign in at once.

use sqlx::PgPool;

use super::{db, password};

pub const DEMO_ADMIN: (&str, &str) = ("admin@demo.threadr.test", "threadr demo operator");
pub const DEMO_MEMBER: (&str, &str) = ("ada@demo.threadr.test", "threadr demo member");

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Hash(#[from] password::HashError),
}

/// Creates the demo accounts when the database has no users; true when it did.
pub async fn seed(pool: &PgPool) -> Result<bool, SeedError> {
    let mut tx = pool.begin().await?;
    // One seeder at a time, and none once real people have signed up.
    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut *tx).await?;
    if users > 0 {
        return Ok(false);
    }
    let admin_hash = password::hash(DEMO_ADMIN.1.to_string()).await?;
    db::upsert_admin(&mut tx, DEMO_ADMIN.0, &admin_hash, "Demo Admin").await?;
    let member_hash = password::hash(DEMO_MEMBER.1.to_string()).await?;
    let member = db::insert_user(&mut tx, DEMO_MEMBER.0, &member_hash, "Ada Lovelace", None).await?;
    if let Some(member) = member {
        db::mark_verified(&mut tx, member).await?;
        sqlx::query("UPDATE users SET bio = $2 WHERE id = $1")
            .bind(member)
            .bind("Writes threads about analytical engines; sells punched-card coasters.")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO addresses (user_id, full_name, line1, city, postal_code, country, is_default)
             VALUES ($1, 'Ada Lovelace', '12 St James''s Square', 'London', 'SW1Y 4JH', 'GB', true)",
        )
        .bind(member)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
