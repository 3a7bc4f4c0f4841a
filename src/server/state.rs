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
    /// The AI provider the configuration chose (offline by default).
    pub ai: Arc<dyn crate::features::ai::Provider>,
    /// The assistant's provider (`auto` prefers Anthropic; see `Config::assistant_ai`).
    #[from_ref(skip)]
    pub assistant: Arc<dyn crate::features::ai::Provider>,
    /// Fetches articles for thread generation behind the SSRF guard.
    pub importer: crate::features::threads::import::Importer,
    /// The per-minute limit on server functions (in-process, or shared through Redis).
    pub rate_limiter: RateLimiter,
    /// Stripe, when `STRIPE_SECRET_KEY` is set (payments are off otherwise).
    #[from_ref(skip)]
    pub stripe: Option<Arc<dyn crate::features::billing::StripeApi>>,
    /// Marketplace photos (a folder or an S3 bucket).
    pub media: crate::features::catalogue::images::MediaStore,
    /// Marketplace search: this instance's index, PostgreSQL until it has caught up.
    #[from_ref(skip)]
    pub search: crate::features::catalogue::Search,
    /// What visitors' pages read most, kept for a few seconds.
    #[from_ref(skip)]
    pub pages: crate::features::catalogue::PageCache,
    /// Visitors' product panels (what can be bought, ratings), kept the same way.
    #[from_ref(skip)]
    pub panels: crate::features::commerce::PanelCache,
    /// Messaging's fan-out of live notices to this instance's connected pages.
    #[from_ref(skip)]
    pub messaging: crate::features::messaging::Hub,
    /// This instance's view of the maintenance switch (kept in PostgreSQL for every instance).
    #[from_ref(skip)]
    pub maintenance: crate::features::admin::Maintenance,
    /// Request metrics, the per-minute aggregate for alerts and the Sentry hub requests report to.
    #[from_ref(skip)]
    pub observe: crate::server::observe::Observe,
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
        let ai = ai_provider(&config.ai);
        let assistant =
            ai_provider(&crate::server::config::AiConfig { backend: config.assistant_ai.clone(), ..config.ai.clone() });
        let importer = crate::features::threads::import::Importer::from_config(&config);
        let rate_limiter = RateLimiter::from_config(&config.rate_limit);
        let stripe = match crate::features::billing::StripeHttp::from_config(&config.billing) {
            Ok(stripe) => stripe.map(|s| Arc::new(s) as Arc<dyn crate::features::billing::StripeApi>),
            Err(e) => {
                tracing::error!(error = %e, "payments are off: the Stripe client could not be built");
                None
            }
        };
        let media = crate::features::catalogue::images::MediaStore::from_config(&config.media).unwrap_or_else(|e| {
            // `serve` checks the store before it builds the state; this only guards tests and tools.
            tracing::error!(error = %e, "the media store could not be opened; photos go to the temporary folder");
            let fallback = std::env::temp_dir().join("threadr-media");
            crate::features::catalogue::images::MediaStore::local(&fallback)
                .or_else(|_| crate::features::catalogue::images::MediaStore::local(&std::env::temp_dir()))
                .unwrap_or_else(|_| crate::features::catalogue::images::MediaStore::in_memory())
        });
        let search = crate::features::catalogue::Search::open(&config.search_index_dir, db.clone());
        Self {
            pages: Default::default(),
            panels: Default::default(),
            messaging: crate::features::messaging::Hub::new(db.clone()),
            maintenance: Default::default(),
            observe: crate::server::observe::Observe::new(),
            search,
            media,
            stripe,
            ai,
            assistant,
            importer,
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

    /// The same state with another AI provider (tests use fakes of the hosted APIs).
    pub fn with_ai(self, ai: Arc<dyn crate::features::ai::Provider>) -> Self {
        Self { ai, ..self }
    }

    /// The same state with another assistant provider (tests use fakes of the hosted APIs).
    pub fn with_assistant(self, assistant: Arc<dyn crate::features::ai::Provider>) -> Self {
        Self { assistant, ..self }
    }

    /// The same state with another article importer (tests inject resolver and connector).
    pub fn with_importer(self, importer: crate::features::threads::import::Importer) -> Self {
        Self { importer, ..self }
    }

    /// The same state with another observability handle (tests give an app its own Sentry hub
    /// or instance id).
    pub fn with_observe(self, observe: crate::server::observe::Observe) -> Self {
        Self { observe, ..self }
    }

    /// The same state with another time source (tests move time forward with it).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }
}

/// The configured provider; the offline one when its HTTP client cannot be built.
fn ai_provider(config: &crate::server::config::AiConfig) -> Arc<dyn crate::features::ai::Provider> {
    use crate::features::{ai, offline_writer};
    match ai::http_client(config) {
        Ok(http) => ai::from_config(config, http, offline_writer()),
        Err(e) => {
            tracing::error!(error = %e, "AI provider HTTP client could not be built; using the offline provider");
            Arc::new(ai::OfflineProvider::new(offline_writer()))
        }
    }
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("app state", "AppState missing from context"))
}
