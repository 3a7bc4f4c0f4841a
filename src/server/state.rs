use axum::extract::FromRef;
use leptos::prelude::{LeptosOptions, use_context};
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};

use super::{
    clock::{Clock, SystemClock},
    config::Config,
    error::internal,
    http::rate_limit::RateLimiter,
};
use crate::error::AppError;
use crate::features::email::Mailer;

/// Everything a handler or server function may need. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub config: Arc<Config>,
    pub mailer: Mailer,
    pub clock: Arc<dyn Clock>,
    pub started_at: Instant,
    /// Google sign-in, when configured.
    pub google: Option<Arc<crate::features::accounts::google::Google>>,
    /// The per-minute limit on server functions (in-process, or shared through Redis).
    pub rate_limiter: RateLimiter,
}

impl AppState {
    pub fn new(config: Config, leptos_options: LeptosOptions, db: PgPool) -> Self {
        let mailer = Mailer::new(&config);
        let google = config.google.clone().and_then(|g| match crate::features::accounts::google::Google::new(g) {
            Ok(google) => Some(Arc::new(google)),
            Err(e) => {
                tracing::error!(error = %e, "Google sign-in is off: its HTTP client could not be built");
                None
            }
        });
        let rate_limiter = RateLimiter::from_config(&config.rate_limit);
        Self {
            rate_limiter,
            leptos_options,
            db,
            config: Arc::new(config),
            mailer,
            clock: Arc::new(SystemClock),
            started_at: Instant::now(),
            google,
        }
    }

    /// The same state with another time source (tests move time forward with it).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("app state", "AppState missing from context"))
}
