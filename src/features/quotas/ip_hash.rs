//! Anonymous callers are counted and logged by a salted hash of their IP, never the address.
//! The salt is made by the migration and never leaves the database.

use sqlx::PgPool;
use std::net::IpAddr;

pub async fn anon_ip_hash(db: &PgPool, ip: IpAddr) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT encode(sha256(convert_to(value || '|' || $1, 'UTF8')), 'hex') FROM app_secrets WHERE name = 'ip_hash_salt'",
    )
    .bind(ip.to_string())
    .fetch_one(db)
    .await
}
