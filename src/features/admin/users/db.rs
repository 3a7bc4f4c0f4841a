//! The SQL behind the admin's user screens (reads across features' tables; changes go
//! through the accounts and quotas features).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{
    GrantLine, LetterLine, OrderLine, SessionLine, USERS_PAGE_SIZE, UserDetail, UserFilter, UserList, UserRow,
};

const USER_ROW: &str = "SELECT id, email::text AS email, display_name, role, email_verified_at IS NOT NULL AS verified,
                               banned_at, created_at FROM users";

/// `%`, `_` and `\` in a search are the characters themselves.
pub fn like_pattern(q: &str) -> String {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn search(pool: &PgPool, q: &str, filter: UserFilter, page: u32) -> Result<UserList, sqlx::Error> {
    let condition = "deleted_at IS NULL
        AND ($1 = '' OR email::text ILIKE $2 OR display_name ILIKE $2)
        AND CASE $3 WHEN 'admins' THEN role = 'admin'
                    WHEN 'suspended' THEN banned_at IS NOT NULL
                    WHEN 'unconfirmed' THEN email_verified_at IS NULL
                    ELSE true END";
    let pattern = like_pattern(q);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM users WHERE {condition}"))
        .bind(q)
        .bind(&pattern)
        .bind(filter.as_str())
        .fetch_one(pool)
        .await?;
    let users: Vec<UserRow> =
        sqlx::query_as(&format!("{USER_ROW} WHERE {condition} ORDER BY created_at DESC, id LIMIT $4 OFFSET $5"))
            .bind(q)
            .bind(&pattern)
            .bind(filter.as_str())
            .bind(i64::from(USERS_PAGE_SIZE))
            .bind(i64::from(page - 1) * i64::from(USERS_PAGE_SIZE))
            .fetch_all(pool)
            .await?;
    Ok(UserList { users, total, page })
}

pub async fn detail(
    pool: &PgPool,
    id: Uuid,
    viewer: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<UserDetail>, sqlx::Error> {
    let Some(user): Option<UserRow> = sqlx::query_as(&format!("{USER_ROW} WHERE id = $1 AND deleted_at IS NULL"))
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let banned_reason: Option<String> =
        sqlx::query_scalar("SELECT banned_reason FROM users WHERE id = $1").bind(id).fetch_one(pool).await?;
    let plan = crate::features::quotas::entitlement(pool, id, now).await?.label().to_string();
    let grants: Vec<GrantLine> = sqlx::query_as(
        "SELECT plan, source, starts_at, ends_at, revoked_at FROM entitlements WHERE user_id = $1
          ORDER BY created_at DESC LIMIT 20",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let sessions: Vec<SessionLine> = sqlx::query_as(
        "SELECT created_at, last_seen_at, host(ip) AS ip, user_agent FROM user_sessions WHERE user_id = $1
          ORDER BY last_seen_at DESC LIMIT 20",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let orders: Vec<OrderLine> = sqlx::query_as(
        "SELECT number, status::text AS status, currency, subtotal_cents, created_at,
                CASE WHEN buyer_id = $1 THEN 'bought' ELSE 'sold' END AS side
           FROM orders WHERE buyer_id = $1 OR seller_id = $1 ORDER BY created_at DESC LIMIT 20",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let letters: Vec<LetterLine> = sqlx::query_as(
        "SELECT id, title, status, updated_at FROM letters WHERE user_id = $1 AND deleted_at IS NULL
          ORDER BY updated_at DESC LIMIT 20",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let audit = crate::features::admin::audit::about_user(pool, id, 30).await?;
    let default_until = (now + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    Ok(Some(UserDetail {
        user,
        banned_reason,
        plan,
        grants,
        sessions,
        orders,
        letters,
        audit,
        is_me: id == viewer,
        default_until,
    }))
}

/// The account's email and the addresses its recent sessions came from.
pub async fn email_and_recent_ips(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<(String, Vec<std::net::IpAddr>)>, sqlx::Error> {
    let Some(email): Option<String> =
        sqlx::query_scalar("SELECT email::text FROM users WHERE id = $1").bind(id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let ips: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT host(ip) FROM user_sessions WHERE user_id = $1 AND ip IS NOT NULL
         UNION SELECT DISTINCT host(ip) FROM audit_log WHERE user_id = $1 AND ip IS NOT NULL AND at > now() - interval '1 day'",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Some((email, ips.iter().filter_map(|ip| ip.parse().ok()).collect())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_wildcards_are_literal() {
        assert_eq!(super::like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
