use leptos::prelude::*;

use super::model::{LiveStatus, SystemStatus};
use crate::error::AppError;

/// Version and database reachability. Never fails because the database is down: it says so.
#[server(prefix = "/api", endpoint = "status/live")]
pub async fn get_live_status() -> Result<LiveStatus, AppError> {
    let state = crate::server::state::app_state()?;
    Ok(LiveStatus {
        version: crate::VERSION.to_string(),
        database: super::db::ping(&state.db).await,
        checked_at: chrono::Utc::now(),
    })
}

/// Database facts for `/status`; `Unavailable` (503) when the database cannot be reached.
#[server(prefix = "/api", endpoint = "status/system")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    let state = crate::server::state::app_state()?;
    let facts = super::db::facts(&state.db).await?;
    Ok(SystemStatus {
        version: crate::VERSION.to_string(),
        uptime_secs: state.started_at.elapsed().as_secs(),
        postgres_version: facts.postgres_version,
        migrations_applied: facts.migrations_applied,
        latest_migration: facts.latest_migration,
        pool_size: state.db.size(),
        pool_idle: state.db.num_idle() as u32,
    })
}
