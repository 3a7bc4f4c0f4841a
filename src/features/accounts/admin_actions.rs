//! What admins do to an account: suspend and restore it, change its role, clear its sign-in
//! attempt limits. Each is one transaction with its audit row; the admin area and the command
//! line call these.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    audit::{self, Origin},
    db,
    model::{CurrentUser, Role},
};

/// What a suspended member reads when they try to sign in.
pub const ACCOUNT_SUSPENDED: &str =
    "This account is suspended. If you think this is a mistake, reply to any email from Threadr.";
/// The longest reason an admin may give for a suspension.
pub const BAN_REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum AdminActionError {
    /// The action makes no sense for this account; the message says why.
    #[error("{0}")]
    Refused(&'static str),
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A suspension's reason: trimmed, 1 to [`BAN_REASON_MAX`] characters.
pub fn parse_ban_reason(raw: &str) -> Result<String, &'static str> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err("Say why the account is suspended (the member is not shown it; admins are).");
    }
    if reason.chars().count() > BAN_REASON_MAX {
        return Err("The reason can be at most 500 characters.");
    }
    Ok(reason.to_string())
}

/// Suspends `user`: every session ends at once (the epoch moves on and the rows go), and sign-in
/// is refused from now on. Admins cannot suspend themselves or another admin (demote first).
pub async fn ban(
    conn: &mut PgConnection,
    admin: Option<&CurrentUser>,
    user: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<CurrentUser, AdminActionError> {
    let target = db::current_user(&mut *conn, user).await?.ok_or(AdminActionError::NotFound)?;
    if admin.is_some_and(|a| a.id == user) {
        return Err(AdminActionError::Refused("You cannot suspend your own account."));
    }
    if target.role == Role::Admin {
        return Err(AdminActionError::Refused("Admins cannot be suspended; change the role to member first."));
    }
    let changed = sqlx::query(
        "UPDATE users SET banned_at = now(), banned_reason = $2 WHERE id = $1 AND banned_at IS NULL AND deleted_at IS NULL",
    )
    .bind(user)
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AdminActionError::Refused("This account is already suspended."));
    }
    db::bump_session_epoch(&mut *conn, user).await?;
    let detail = serde_json::json!({ "reason": reason, "email": target.email, "by": by(admin) });
    audit::admin_action(&mut *conn, "user_banned", admin, &format!("user:{user}"), origin, detail).await?;
    Ok(target)
}

/// Lifts a suspension; the member signs in again as usual.
pub async fn unban(
    conn: &mut PgConnection,
    admin: Option<&CurrentUser>,
    user: Uuid,
    origin: &Origin,
) -> Result<CurrentUser, AdminActionError> {
    let target = db::current_user(&mut *conn, user).await?.ok_or(AdminActionError::NotFound)?;
    let changed =
        sqlx::query("UPDATE users SET banned_at = NULL, banned_reason = NULL WHERE id = $1 AND banned_at IS NOT NULL")
            .bind(user)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(AdminActionError::Refused("This account is not suspended."));
    }
    let detail = serde_json::json!({ "email": target.email, "by": by(admin) });
    audit::admin_action(&mut *conn, "user_unbanned", admin, &format!("user:{user}"), origin, detail).await?;
    Ok(target)
}

/// Makes `user` a member or an admin. Their sessions end (a session's powers come from the
/// role it was started with), and an admin cannot demote themselves.
pub async fn set_role(
    conn: &mut PgConnection,
    admin: Option<&CurrentUser>,
    user: Uuid,
    role: Role,
    origin: &Origin,
) -> Result<CurrentUser, AdminActionError> {
    let target = db::current_user(&mut *conn, user).await?.ok_or(AdminActionError::NotFound)?;
    if admin.is_some_and(|a| a.id == user) {
        return Err(AdminActionError::Refused("You cannot change your own role; ask another admin."));
    }
    if target.role == role {
        return Err(AdminActionError::Refused("The account already has that role."));
    }
    sqlx::query("UPDATE users SET role = $2 WHERE id = $1").bind(user).bind(role).execute(&mut *conn).await?;
    db::bump_session_epoch(&mut *conn, user).await?;
    let role_name = match role {
        Role::Admin => "admin",
        Role::Member => "member",
    };
    let detail = serde_json::json!({ "role": role_name, "email": target.email, "by": by(admin) });
    audit::admin_action(&mut *conn, "user_role_changed", admin, &format!("user:{user}"), origin, detail).await?;
    Ok(target)
}

/// Clears the sign-in attempt limits (15-minute lockouts) of an email address and/or IP
/// addresses, with one audit row; returns how many attempts were forgotten.
pub async fn reset_attempt_limits(
    conn: &mut PgConnection,
    admin: Option<&CurrentUser>,
    email: Option<&str>,
    ips: &[std::net::IpAddr],
    origin: &Origin,
) -> Result<u64, sqlx::Error> {
    let mut keys = Vec::new();
    if let Some(email) = email {
        keys.push(format!("account:{}", email.to_lowercase()));
    }
    keys.extend(ips.iter().map(|ip| format!("ip:{ip}")));
    let forgotten = sqlx::query("DELETE FROM auth_attempts WHERE key = ANY($1)")
        .bind(&keys)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let target = match (email, ips.first()) {
        (Some(email), _) => format!("email:{}", email.to_lowercase()),
        (None, Some(ip)) => format!("ip:{ip}"),
        (None, None) => "none".into(),
    };
    let detail = serde_json::json!({ "keys": keys, "forgotten": forgotten, "by": by(admin) });
    audit::admin_action(&mut *conn, "rate_limits_reset", admin, &target, origin, detail).await?;
    Ok(forgotten)
}

fn by(admin: Option<&CurrentUser>) -> &'static str {
    if admin.is_some() { "admin" } else { "cli" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_reason_is_required_and_bounded() {
        assert!(parse_ban_reason("   ").is_err());
        assert_eq!(parse_ban_reason("  spam listings ").unwrap(), "spam listings");
        assert!(parse_ban_reason(&"x".repeat(BAN_REASON_MAX)).is_ok());
        assert!(parse_ban_reason(&"x".repeat(BAN_REASON_MAX + 1)).is_err());
    }
}
