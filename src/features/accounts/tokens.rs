//! Single-use tokens for emailed links. The link carries 32 random bytes; only their SHA-256
//! is stored, and using a token marks it used in the same statement that checks it.

use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "auth_token_kind", rename_all = "snake_case")]
pub enum TokenKind {
    VerifyEmail,
    PasswordReset,
    MagicLink,
    ChangeEmail,
}

impl TokenKind {
    pub fn lifetime(self) -> Duration {
        match self {
            Self::VerifyEmail | Self::ChangeEmail => Duration::hours(24),
            Self::PasswordReset => Duration::hours(1),
            Self::MagicLink => Duration::minutes(15),
        }
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Creates a token for `user` inside the caller's transaction and returns its secret.
pub async fn issue(conn: &mut PgConnection, kind: TokenKind, user: Uuid) -> Result<String, sqlx::Error> {
    insert(conn, kind, user, None).await
}

/// A token that moves `user` to `new_email` when used (it is sent to that address).
pub async fn issue_email_change(conn: &mut PgConnection, user: Uuid, new_email: &str) -> Result<String, sqlx::Error> {
    // Only the newest request counts.
    sqlx::query("DELETE FROM auth_tokens WHERE user_id = $1 AND kind = 'change_email' AND used_at IS NULL")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    insert(conn, TokenKind::ChangeEmail, user, Some(new_email)).await
}

async fn insert(
    conn: &mut PgConnection,
    kind: TokenKind,
    user: Uuid,
    new_email: Option<&str>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query(
        "INSERT INTO auth_tokens (token_hash, kind, user_id, expires_at, new_email)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)",
    )
    .bind(digest(&token))
    .bind(kind)
    .bind(user)
    .bind(kind.lifetime().num_seconds() as f64)
    .bind(new_email)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Uses an email-change token inside the caller's transaction: its user and new address.
pub async fn redeem_email_change(conn: &mut PgConnection, token: &str) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    sqlx::query_as(
        "UPDATE auth_tokens SET used_at = now()
          WHERE token_hash = $1 AND kind = 'change_email' AND used_at IS NULL AND expires_at > now()
      RETURNING user_id, new_email::text",
    )
    .bind(digest(token))
    .fetch_optional(conn)
    .await
}

/// The user of a usable token, without using it up.
pub async fn peek(pool: &PgPool, kind: TokenKind, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT user_id FROM auth_tokens WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now()")
        .bind(digest(token))
        .bind(kind)
        .fetch_optional(pool)
        .await
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Uses a token: the user it belongs to, once, while it has not expired.
pub async fn redeem(pool: &PgPool, kind: TokenKind, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "UPDATE auth_tokens SET used_at = now()
          WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now()
      RETURNING user_id",
    )
    .bind(digest(token))
    .bind(kind)
    .fetch_optional(pool)
    .await
}
