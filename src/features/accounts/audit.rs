//! The security audit log: who did what, from where. Never a password or a token.

use serde_json::Value;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Where a request came from, for the audit log and the attempt limits.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
}

pub async fn record<'e>(
    db: impl PgExecutor<'e>,
    event: &str,
    user: Option<Uuid>,
    email: Option<&str>,
    origin: &Origin,
    detail: Value,
) -> Result<(), sqlx::Error> {
    record_on(db, event, user, email, None, origin, detail).await
}

/// An admin's action on `target` ("user:<id>", "product:<id>", …): `admin` is who acted
/// (None from the command line, where `detail` says `"by": "cli"`).
pub async fn admin_action<'e>(
    db: impl PgExecutor<'e>,
    event: &str,
    admin: Option<&crate::features::accounts::CurrentUser>,
    target: &str,
    origin: &Origin,
    detail: Value,
) -> Result<(), sqlx::Error> {
    record_on(db, event, admin.map(|a| a.id), admin.map(|a| a.email.as_str()), Some(target), origin, detail).await
}

async fn record_on<'e>(
    db: impl PgExecutor<'e>,
    event: &str,
    user: Option<Uuid>,
    email: Option<&str>,
    target: Option<&str>,
    origin: &Origin,
    detail: Value,
) -> Result<(), sqlx::Error> {
    let user_agent: Option<String> = origin.user_agent.as_ref().map(|ua| ua.chars().take(300).collect());
    sqlx::query(
        "INSERT INTO audit_log (event, user_id, email, ip, user_agent, detail, target)
         VALUES ($1, $2, $3, $4::inet, $5, $6, $7)",
    )
    .bind(event)
    .bind(user)
    .bind(email)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .bind(user_agent)
    .bind(detail)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}
