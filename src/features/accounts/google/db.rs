//! Google sign-in's SQL: users by Google subject, linking, and accounts created by Google.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// An account with the email Google vouched for.
#[derive(sqlx::FromRow)]
pub struct ByEmail {
    pub id: Uuid,
    pub verified: bool,
    pub google_sub: Option<String>,
}

pub async fn user_by_subject(pool: &PgPool, subject: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE google_sub = $1").bind(subject).fetch_optional(pool).await
}

pub async fn user_by_email(pool: &PgPool, email: &str) -> Result<Option<ByEmail>, sqlx::Error> {
    sqlx::query_as("SELECT id, email_verified_at IS NOT NULL AS verified, google_sub FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await
}

/// Links the Google subject to a verified account that has none yet; false otherwise.
pub async fn link(conn: &mut PgConnection, id: Uuid, subject: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET google_sub = $2
         WHERE id = $1 AND google_sub IS NULL AND email_verified_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM users WHERE google_sub = $2)",
    )
    .bind(id)
    .bind(subject)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Creates a verified member without a password; None when the email or subject is taken.
pub async fn insert_user(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
    subject: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, referral_code, email_verified_at, google_sub)
         VALUES ($1, NULL, $2, $3, now(), $4)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(super::super::db::referral_code())
    .bind(subject)
    .fetch_optional(conn)
    .await
}
