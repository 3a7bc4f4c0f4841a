use axum::extract::FromRef;
use leptos::prelude::{LeptosOptions, use_context};
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};

use super::{config::Config, error::internal};
use crate::error::AppError;
use crate::features::email::Mailer;

/// Everything a handler or server function may need. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub config: Arc<Config>,
    pub mailer: Mailer,
    pub started_at: Instant,
}

impl AppState {
    pub fn new(config: Config, leptos_options: LeptosOptions, db: PgPool) -> Self {
        let mailer = Mailer::new(&config);
        Self { leptos_options, db, config: Arc::new(config), mailer, started_at: Instant::now() }
    }
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("app state", "AppState missing from context"))
}
