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
    let user_agent: Option<String> = origin.user_agent.as_ref().map(|ua| ua.chars().take(300).collect());
    sqlx::query(
        "INSERT INTO audit_log (event, user_id, email, ip, user_agent, detail) VALUES ($1, $2, $3, $4::inet, $5, $6)",
    )
    .bind(event)
    .bind(user)
    .bind(email)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .bind(user_agent)
    .bind(detail)
    .execute(db)
    .await?;
    Ok(())
}
