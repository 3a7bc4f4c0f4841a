//! The accounts feature's SQL.

use rand::Rng;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    audit::Origin,
    model::{CurrentUser, Role},
};

const CURRENT_USER: &str =
    "SELECT id, email::text AS email, display_name, role, email_verified_at IS NOT NULL AS verified FROM users";

/// A referral code people can read out: 8 characters without look-alikes.
pub fn referral_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

/// Creates a member; None when the email is taken.
pub async fn insert_user(
    conn: &mut PgConnection,
    email: &str,
    password_hash: &str,
    name: &str,
    referred_by: Option<Uuid>,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, display_name, referral_code, referred_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(name)
    .bind(referral_code())
    .bind(referred_by)
    .fetch_optional(conn)
    .await
}

pub async fn credentials(pool: &PgPool, email: &str) -> Result<Option<(Uuid, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1").bind(email).fetch_optional(pool).await
}

pub async fn current_user<'e>(db: impl sqlx::PgExecutor<'e>, id: Uuid) -> Result<Option<CurrentUser>, sqlx::Error> {
    sqlx::query_as(&format!("{CURRENT_USER} WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// A session's user and whether the session entered the admin portal key.
pub struct SessionUser {
    pub user: CurrentUser,
    pub stepped_up: bool,
}

/// The user of a session, if the session's row still exists, the session's epoch is still
/// the user's and the account is not deleted. Notes the time seen, at most every 5 minutes.
pub async fn session_user(
    pool: &PgPool,
    id: Uuid,
    epoch: i32,
    row: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let found: Option<(Uuid, String, String, Role, bool, bool)> = sqlx::query_as(
        "WITH touched AS (
             UPDATE user_sessions SET last_seen_at = $4
              WHERE id = $3 AND user_id = $1 AND last_seen_at < $4 - interval '5 minutes'
         )
         SELECT u.id, u.email::text, u.display_name, u.role, u.email_verified_at IS NOT NULL,
                s.stepped_up_at IS NOT NULL
           FROM users u JOIN user_sessions s ON s.user_id = u.id
          WHERE u.id = $1 AND u.session_epoch = $2 AND s.id = $3 AND u.deleted_at IS NULL AND u.banned_at IS NULL",
    )
    .bind(id)
    .bind(epoch)
    .bind(row)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(found.map(|(id, email, display_name, role, verified, stepped_up)| SessionUser {
        user: CurrentUser { id, email, display_name, role, verified },
        stepped_up,
    }))
}

pub async fn insert_session_row(pool: &PgPool, user: Uuid, origin: &Origin) -> Result<Uuid, sqlx::Error> {
    let user_agent: Option<String> = origin.user_agent.as_ref().map(|ua| ua.chars().take(300).collect());
    sqlx::query_scalar("INSERT INTO user_sessions (user_id, ip, user_agent) VALUES ($1, $2::inet, $3) RETURNING id")
        .bind(user)
        .bind(origin.ip.map(|ip| ip.to_string()))
        .bind(user_agent)
        .fetch_one(pool)
        .await
}

pub async fn delete_session_row(pool: &PgPool, row: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_sessions WHERE id = $1").bind(row).execute(pool).await?;
    Ok(())
}

pub async fn mark_stepped_up(pool: &PgPool, row: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_sessions SET stepped_up_at = now() WHERE id = $1").bind(row).execute(pool).await?;
    Ok(())
}

/// The user's session epoch, and whether the account is suspended.
pub async fn session_epoch(pool: &PgPool, id: Uuid) -> Result<(i32, bool), sqlx::Error> {
    sqlx::query_as("SELECT session_epoch, banned_at IS NOT NULL FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Ends every session of the user (they carry the old epoch, and their rows go).
pub async fn bump_session_epoch(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM user_sessions WHERE user_id = $1").bind(id).execute(conn).await?;
    Ok(())
}

pub async fn user_by_email(pool: &PgPool, email: &str) -> Result<Option<CurrentUser>, sqlx::Error> {
    sqlx::query_as(&format!("{CURRENT_USER} WHERE email = $1")).bind(email).fetch_optional(pool).await
}

/// Creates a verified admin, or makes an existing account one (new password, verified).
/// Returns the user and whether it was created.
pub async fn upsert_admin(
    conn: &mut PgConnection,
    email: &str,
    password_hash: &str,
    name: &str,
) -> Result<(Uuid, bool), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO users (email, password_hash, display_name, referral_code, role, email_verified_at)
         VALUES ($1, $2, $3, $4, 'admin', now())
         ON CONFLICT (email) DO UPDATE
            SET role = 'admin', password_hash = EXCLUDED.password_hash,
                email_verified_at = coalesce(users.email_verified_at, now()),
                session_epoch = users.session_epoch + 1
         RETURNING id, xmax = 0",
    )
    .bind(email)
    .bind(password_hash)
    .bind(name)
    .bind(referral_code())
    .fetch_one(conn)
    .await
}

pub async fn set_password(conn: &mut PgConnection, id: Uuid, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(hash).execute(conn).await?;
    Ok(())
}

/// Marks the email verified; true only the first time.
pub async fn mark_verified(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE users SET email_verified_at = now() WHERE id = $1 AND email_verified_at IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
