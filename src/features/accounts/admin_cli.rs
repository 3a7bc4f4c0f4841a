//! `threadr create-admin`: how the first admin comes to exist.

use sqlx::PgPool;

use super::{audit, db, model::EmailAddress, password};

#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error("{0}")]
    Other(String),
}

/// Creates a verified admin with this email and password, or promotes the existing account
/// (its password is replaced and its sessions end). Returns a line for the operator.
pub async fn create_admin(pool: &PgPool, email: &str, password_input: String) -> Result<String, CreateAdminError> {
    let email = EmailAddress::parse(email).map_err(CreateAdminError::Invalid)?;
    password::check_new_password(&password_input, email.as_str()).map_err(CreateAdminError::Invalid)?;
    let hash = password::hash(password_input).await.map_err(|e| CreateAdminError::Other(e.to_string()))?;
    let name = email.as_str().split('@').next().unwrap_or("Admin").to_string();
    let mut tx = pool.begin().await.map_err(|e| CreateAdminError::Other(e.to_string()))?;
    let (id, created) = db::upsert_admin(&mut tx, email.as_str(), &hash, &name)
        .await
        .map_err(|e| CreateAdminError::Other(e.to_string()))?;
    let event = if created { "admin_created" } else { "role_change" };
    audit::record(
        &mut *tx,
        event,
        Some(id),
        Some(email.as_str()),
        &audit::Origin::default(),
        serde_json::json!({ "role": "admin", "by": "cli" }),
    )
    .await
    .map_err(|e| CreateAdminError::Other(e.to_string()))?;
    tx.commit().await.map_err(|e| CreateAdminError::Other(e.to_string()))?;
    Ok(if created {
        format!("created admin {}", email.as_str())
    } else {
        format!("{} is now an admin (password replaced, other sessions signed out)", email.as_str())
    })
}
