//! SQL of the account pages. Every function acts for a [`Member`]: the guard has run.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::DeviceSession;
use crate::features::accounts::session::Member;

/// Profile fields that are not on [`crate::features::accounts::CurrentUser`].
pub struct ProfileRow {
    pub bio: String,
    pub has_password: bool,
    pub referral_code: String,
    pub referred_members: i64,
    pub pending_email: Option<String>,
}

pub async fn profile(pool: &PgPool, me: &Member) -> Result<ProfileRow, sqlx::Error> {
    let (bio, has_password, referral_code, referred_members, pending_email) = sqlx::query_as(
        "SELECT u.bio, u.password_hash IS NOT NULL, u.referral_code,
                (SELECT count(*) FROM users r WHERE r.referred_by = u.id),
                (SELECT t.new_email::text FROM auth_tokens t
                  WHERE t.user_id = u.id AND t.kind = 'change_email' AND t.used_at IS NULL AND t.expires_at > now()
                  ORDER BY t.created_at DESC LIMIT 1)
           FROM users u WHERE u.id = $1",
    )
    .bind(me.id)
    .fetch_one(pool)
    .await?;
    Ok(ProfileRow { bio, has_password, referral_code, referred_members, pending_email })
}

pub async fn update_profile(pool: &PgPool, me: &Member, name: &str, bio: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET display_name = $2, bio = $3 WHERE id = $1")
        .bind(me.id)
        .bind(name)
        .bind(bio)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn password_hash(pool: &PgPool, me: &Member) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1").bind(me.id).fetch_one(pool).await
}

pub async fn email_taken(pool: &PgPool, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)").bind(email).fetch_one(pool).await
}

/// Moves the account to its confirmed new address; false when another account has it.
pub async fn set_email(conn: &mut PgConnection, user: Uuid, email: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET email = $2, email_verified_at = coalesce(email_verified_at, now())
          WHERE id = $1 AND deleted_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2 AND id <> $1)",
    )
    .bind(user)
    .bind(email)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    created_at: chrono::DateTime<chrono::Utc>,
    last_seen_at: chrono::DateTime<chrono::Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
}

pub async fn sessions(pool: &PgPool, me: &Member) -> Result<Vec<DeviceSession>, sqlx::Error> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, created_at, last_seen_at, host(ip) AS ip, user_agent FROM user_sessions
          WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 100",
    )
    .bind(me.id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeviceSession {
            id: r.id,
            signed_in_at: r.created_at,
            last_seen_at: r.last_seen_at,
            ip: r.ip,
            user_agent: r.user_agent,
            current: r.id == me.session_row(),
        })
        .collect())
}

/// Ends one of the member's own sessions; false when it is not theirs (or already gone).
pub async fn end_session(pool: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM user_sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(me.id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Erases the member's personal data and keeps an anonymous row, so that orders, reviews
/// and payments that point at it stay valid for accounting.
pub async fn anonymise(conn: &mut PgConnection, me: &Member) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', display_name = 'Deleted member', bio = '',
                password_hash = NULL, google_sub = NULL, email_verified_at = NULL, role = 'member',
                session_epoch = session_epoch + 1, deleted_at = now()
          WHERE id = $1",
    )
    .bind(me.id)
    .execute(&mut *conn)
    .await?;
    for statement in [
        "DELETE FROM addresses WHERE user_id = $1",
        "DELETE FROM user_sessions WHERE user_id = $1",
        "DELETE FROM auth_tokens WHERE user_id = $1",
        // The security log keeps what happened, not who from where.
        "UPDATE audit_log SET email = NULL, ip = NULL, user_agent = NULL WHERE user_id = $1",
    ] {
        sqlx::query(statement).bind(me.id).execute(&mut *conn).await?;
    }
    // Mail to the old address that is not being sent right now.
    sqlx::query("DELETE FROM email_outbox WHERE recipient = $1 AND status <> 'sending'")
        .bind(&me.email)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
