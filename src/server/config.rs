//! Configuration: environment variables only (plus `.env` in development), parsed once into
//! [`Config`]. Every variable the app reads is listed in [`VARS`]; `check-config` and the README
//! table come from that list.

use sqlx::postgres::PgConnectOptions;
use std::{fmt, net::SocketAddr, num::NonZeroU32, str::FromStr, time::Duration};
use url::Url;

/// One environment variable the app understands.
pub struct VarSpec {
    pub name: &'static str,
    pub required: bool,
    pub secret: bool,
    pub default: Option<&'static str>,
    pub description: &'static str,
}

pub const VARS: &[VarSpec] = &[
    VarSpec {
        name: "DATABASE_URL",
        required: true,
        secret: true,
        default: None,
        description: "PostgreSQL connection URL. The run and test scripts start a private PostgreSQL and set it when unset.",
    },
    VarSpec {
        name: "DATABASE_POOL_SIZE",
        required: false,
        secret: false,
        default: Some("20"),
        description: "Maximum database connections per app instance (1–1000).",
    },
    VarSpec {
        name: "DATABASE_CONNECT_TIMEOUT_SECS",
        required: false,
        secret: false,
        default: Some("30"),
        description: "How long start-up retries an unreachable database before giving up (0–600).",
    },
    VarSpec {
        name: "PUBLIC_URL",
        required: false,
        secret: false,
        default: Some("http://127.0.0.1:3000"),
        description: "The address users reach the app at; used in links and, when https, turns on HSTS. Required in production.",
    },
    VarSpec {
        name: "APP_ENV",
        required: false,
        secret: false,
        default: Some("development"),
        description: "`development` or `production`.",
    },
    VarSpec {
        name: "LOG_FORMAT",
        required: false,
        secret: false,
        default: Some("json"),
        description: "`json` (one object a line) or `pretty`.",
    },
    VarSpec {
        name: "RUST_LOG",
        required: false,
        secret: false,
        // sqlx reports "relation already exists, skipping" from migrations as an info notice.
        default: Some("info,sqlx::postgres::notice=warn"),
        description: "Log filter, e.g. `info,threadr=debug`.",
    },
    VarSpec {
        name: "SMTP_URL",
        required: false,
        secret: true,
        default: None,
        description: "SMTP server for email: `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://…:465` (TLS) or `smtp://host:25` (plain).",
    },
    VarSpec {
        name: "RESEND_API_KEY",
        required: false,
        secret: true,
        default: None,
        description: "API key of a Resend-style HTTP email API; tried before SMTP when both are set.",
    },
    VarSpec {
        name: "RESEND_BASE_URL",
        required: false,
        secret: false,
        default: Some("https://api.resend.com/"),
        description: "Base URL of the HTTP email API.",
    },
    VarSpec {
        name: "EMAIL_FROM",
        required: false,
        secret: false,
        default: Some("Threadr <no-reply@threadr.localhost>"),
        description: "Sender of every email. Required in production when a provider is set.",
    },
    VarSpec {
        name: "EMAIL_WORKER_CONCURRENCY",
        required: false,
        secret: false,
        default: Some("4"),
        description: "Mail worker loops per instance (1–64).",
    },
    VarSpec {
        name: "EMAIL_MAX_ATTEMPTS",
        required: false,
        secret: false,
        default: Some("8"),
        description: "Attempts before a message is dead (1–50).",
    },
    VarSpec {
        name: "EMAIL_RETRY_BASE_SECS",
        required: false,
        secret: false,
        default: Some("30"),
        description: "First retry delay; doubles each attempt (with jitter), capped at 6 h (1–3600).",
    },
    VarSpec {
        name: "EMAIL_LEASE_SECS",
        required: false,
        secret: false,
        default: Some("300"),
        description: "A worker's claim on a message expires after this; a crashed worker's messages are then sent by another (1–3600).",
    },
    VarSpec {
        name: "AUTH_ATTEMPTS_PER_ACCOUNT",
        required: false,
        secret: false,
        default: Some("5"),
        description: "Sign-in, magic-link and reset requests allowed per account per 15 minutes.",
    },
    VarSpec {
        name: "AUTH_ATTEMPTS_PER_IP",
        required: false,
        secret: false,
        default: Some("5"),
        description: "The same per client IP address (raise it behind a shared NAT, or for browser tests).",
    },
    VarSpec {
        name: "ADMIN_PORTAL_KEY",
        required: false,
        secret: true,
        default: None,
        description: "When set, admins also enter this key (12+ characters) once per session before any admin page.",
    },
    VarSpec {
        name: "GOOGLE_CLIENT_ID",
        required: false,
        secret: false,
        default: None,
        description: "OAuth client id of Google sign-in; with `GOOGLE_CLIENT_SECRET` it turns on \"Continue with Google\" (redirect URI `{PUBLIC_URL}/auth/google/callback`).",
    },
    VarSpec {
        name: "GOOGLE_CLIENT_SECRET",
        required: false,
        secret: true,
        default: None,
        description: "OAuth client secret of Google sign-in; set both or neither.",
    },
    VarSpec {
        name: "GOOGLE_ISSUER_URL",
        required: false,
        secret: false,
        default: Some("https://accounts.google.com"),
        description: "OpenID Connect issuer that Google sign-in discovers (tests point it at a local fake).",
    },
    VarSpec {
        name: "AI_PROVIDER",
        required: false,
        secret: false,
        default: Some("auto"),
        description: "`auto` (OpenAI if its key is set, else Anthropic if its key is set, else offline; the assistant tries Anthropic first), `openai`, `anthropic` or `offline`.",
    },
    VarSpec {
        name: "OPENAI_API_KEY",
        required: false,
        secret: true,
        default: None,
        description: "OpenAI API key; required when AI_PROVIDER=openai.",
    },
    VarSpec {
        name: "OPENAI_BASE_URL",
        required: false,
        secret: false,
        default: Some("https://api.openai.com/v1"),
        description: "Base URL of the OpenAI (or compatible) API (`POST {base}/chat/completions`).",
    },
    VarSpec {
        name: "OPENAI_MODEL",
        required: false,
        secret: false,
        default: Some("gpt-4o-mini"),
        description: "OpenAI chat model.",
    },
    VarSpec {
        name: "ANTHROPIC_API_KEY",
        required: false,
        secret: true,
        default: None,
        description: "Anthropic API key; required when AI_PROVIDER=anthropic.",
    },
    VarSpec {
        name: "ANTHROPIC_BASE_URL",
        required: false,
        secret: false,
        default: Some("https://api.anthropic.com/v1"),
        description: "Base URL of the Anthropic API (`POST {base}/messages`).",
    },
    VarSpec {
        name: "ANTHROPIC_MODEL",
        required: false,
        secret: false,
        default: Some("claude-haiku-4-5"),
        description: "Anthropic model.",
    },
    VarSpec {
        name: "AI_TIMEOUT_SECS",
        required: false,
        secret: false,
        default: Some("60"),
        description: "Total time for one AI request, retries and the whole streamed answer included (1–3600).",
    },
    VarSpec {
        name: "AI_CONNECT_TIMEOUT_SECS",
        required: false,
        secret: false,
        default: Some("10"),
        description: "Time to open a connection to the AI provider (1–600).",
    },
    VarSpec {
        name: "AI_IDLE_TIMEOUT_SECS",
        required: false,
        secret: false,
        default: Some("30"),
        description: "Longest silence allowed while waiting for the provider's answer or between two streamed pieces of it (1–3600).",
    },
    VarSpec {
        name: "AI_MAX_RETRIES",
        required: false,
        secret: false,
        default: Some("3"),
        description: "Retries of an AI request after 429, 5xx or a connection failure, before any text arrived (0–10).",
    },
    VarSpec {
        name: "AI_OFFLINE_PACE_MS",
        required: false,
        secret: false,
        default: Some("0"),
        description: "The offline provider waits this long before each post (0–10000 ms), so demos and browser tests see posts stream in.",
    },
    VarSpec {
        name: "URL_IMPORT_PORTS",
        required: false,
        secret: false,
        default: Some("80,443"),
        description: "Ports an imported article link may use (comma-separated); every other port is refused.",
    },
    VarSpec {
        name: "REQUESTS_PER_MINUTE",
        required: false,
        secret: false,
        default: Some("100"),
        description: "Server-function calls allowed per minute per signed-in user, or per client IP when signed out (1–1000000); more get 429.",
    },
    VarSpec {
        name: "REDIS_URL",
        required: false,
        secret: true,
        default: None,
        description: "Redis (`redis://[:password@]host:port[/db]`) that shares the per-minute limit between app instances; each instance counts alone while it is unset or unreachable.",
    },
    VarSpec {
        name: "STRIPE_SECRET_KEY",
        required: false,
        secret: true,
        default: None,
        description: "Stripe secret key (`sk_live_…`/`sk_test_…`, or a restricted `rk_…`); without it `/pricing` shows the plans and says payments are not set up.",
    },
    VarSpec {
        name: "STRIPE_WEBHOOK_SECRET",
        required: false,
        secret: true,
        default: None,
        description: "Signing secret(s) of the `/webhooks/stripe` endpoint (`whsec_…`), comma-separated so the old and the new secret both verify while one is rotated.",
    },
    VarSpec {
        name: "STRIPE_API_BASE",
        required: false,
        secret: false,
        default: Some("https://api.stripe.com/"),
        description: "Base URL of Stripe's API (tests point it at a local fake).",
    },
    VarSpec {
        name: "STRIPE_PRICE_PASS",
        required: false,
        secret: false,
        default: None,
        description: "Stripe price id (`price_…`, one-off) of the 30-day pass; a plan without its price cannot be bought.",
    },
    VarSpec {
        name: "STRIPE_PRICE_STARTER",
        required: false,
        secret: false,
        default: None,
        description: "Stripe price id (recurring, monthly) of the Starter plan.",
    },
    VarSpec {
        name: "STRIPE_PRICE_PRO",
        required: false,
        secret: false,
        default: None,
        description: "Stripe price id (recurring, monthly) of the Pro plan.",
    },
    VarSpec {
        name: "STRIPE_PRICE_BUSINESS",
        required: false,
        secret: false,
        default: None,
        description: "Stripe price id (recurring, monthly) of the Business plan.",
    },
    VarSpec {
        name: "REFERRAL_COMMISSION_BPS",
        required: false,
        secret: false,
        default: Some("2000"),
        description: "A referrer's commission on a referred member's first payment, in basis points (0–10000; 2000 = 20%), rounded down to the cent.",
    },
    VarSpec {
        name: "TRUSTED_PROXY_HOPS",
        required: false,
        secret: false,
        default: Some("0"),
        description: "How many proxies in front of the app append to `X-Forwarded-For` (0–16): the client IP is that many addresses from its right; 0 uses the connection's address.",
    },
    VarSpec {
        name: "LEPTOS_SITE_ADDR",
        required: false,
        secret: false,
        default: Some("127.0.0.1:3000"),
        description: "Address and port the server listens on (overrides `Leptos.toml`).",
    },
    VarSpec {
        name: "LEPTOS_SITE_ROOT",
        required: false,
        secret: false,
        default: Some("site"),
        description: "The site folder (the wasm, JS, CSS and public files cargo-leptos built). Default: `target/site` when a Leptos.toml is in the working directory (the source tree), else `site/` in the working directory, else `site/` next to the binary.",
    },
    VarSpec {
        name: "LEPTOS_SITE_PKG_DIR",
        required: false,
        secret: false,
        default: Some("pkg"),
        description: "The site's asset folder, served at `/{LEPTOS_SITE_PKG_DIR}`.",
    },
    VarSpec {
        name: "LEPTOS_OUTPUT_NAME",
        required: false,
        secret: false,
        default: Some("threadr"),
        description: "Base name of the built wasm, JS and CSS files.",
    },
    VarSpec {
        name: "LEPTOS_HASH_FILES",
        required: false,
        secret: false,
        default: Some("true"),
        description: "`true`: the assets carry content hashes in their names, read from the hash file; `false`: plain names (debug binaries without a site build).",
    },
    VarSpec {
        name: "LEPTOS_HASH_FILE_NAME",
        required: false,
        secret: false,
        default: Some("hash.txt"),
        description: "The hash file cargo-leptos writes next to the binary; looked for next to the binary, then in the site folder (an absolute path is used as it is).",
    },
    VarSpec {
        name: "TRANSCRIBE_BASE_URL",
        required: false,
        secret: false,
        default: None,
        description: "Base URL of an OpenAI-compatible transcription API (`POST {base}/audio/transcriptions`); defaults to OPENAI_BASE_URL when OPENAI_API_KEY is set.",
    },
    VarSpec {
        name: "TRANSCRIBE_API_KEY",
        required: false,
        secret: true,
        default: None,
        description: "Key of the transcription API; defaults to OPENAI_API_KEY. Without either, /tools/transcribe says transcription is not configured.",
    },
    VarSpec {
        name: "TRANSCRIBE_MODEL",
        required: false,
        secret: false,
        default: Some("whisper-1"),
        description: "Transcription model (priced per minute in `ai_transcription_prices`).",
    },
    VarSpec {
        name: "TRANSCRIBE_TEMP_DIR",
        required: false,
        secret: false,
        default: None,
        description: "Folder for uploads being transcribed (deleted right after); the system temporary folder when unset.",
    },
    VarSpec {
        name: "MEDIA_DIR",
        required: false,
        secret: false,
        default: Some(".data/media"),
        description: "Folder for marketplace photos when S3_BUCKET is not set.",
    },
    VarSpec {
        name: "S3_BUCKET",
        required: false,
        secret: false,
        default: None,
        description: "Keep marketplace photos in this S3-compatible bucket instead of MEDIA_DIR.",
    },
    VarSpec {
        name: "S3_ENDPOINT",
        required: false,
        secret: false,
        default: None,
        description: "The S3-compatible service's URL (MinIO, R2, …); AWS S3 when unset. http:// is allowed.",
    },
    VarSpec {
        name: "S3_REGION",
        required: false,
        secret: false,
        default: Some("us-east-1"),
        description: "The bucket's region.",
    },
    VarSpec {
        name: "S3_ACCESS_KEY_ID",
        required: false,
        secret: true,
        default: None,
        description: "S3 access key id (with S3_SECRET_ACCESS_KEY); the instance's credentials when both are unset.",
    },
    VarSpec {
        name: "S3_SECRET_ACCESS_KEY",
        required: false,
        secret: true,
        default: None,
        description: "S3 secret access key.",
    },
    VarSpec {
        name: "SEARCH_INDEX_DIR",
        required: false,
        secret: false,
        default: Some(".data/search"),
        description: "This instance's marketplace search index (rebuilt from PostgreSQL when missing or stale).",
    },
    VarSpec {
        name: "PLATFORM_FEE_BPS",
        required: false,
        secret: false,
        default: Some("500"),
        description: "The marketplace's fee on each seller's items, in basis points (0–10000; 500 = 5%); the seller's share is rounded down, the platform keeps the remainder cent.",
    },
    VarSpec {
        name: "STOCK_HOLD_MINUTES",
        required: false,
        secret: false,
        default: Some("30"),
        description: "How long a started checkout holds its items' stock (30–1440 minutes; Stripe's Checkout expires after the same time and allows no less than 30).",
    },
    VarSpec {
        name: "MAINTENANCE_MODE",
        required: false,
        secret: false,
        default: None,
        description: "`true` or `false`: when set, this instance switches maintenance mode on or off for every instance as it starts (unset: the switch in /admin stands). Visitors and members get 503 with the message; admins keep the whole site.",
    },
    VarSpec {
        name: "MAINTENANCE_MESSAGE",
        required: false,
        secret: false,
        default: None,
        description: "The message pages show during maintenance (at most 500 characters), written with MAINTENANCE_MODE.",
    },
    VarSpec {
        name: "ALERT_THRESHOLDS",
        required: false,
        secret: false,
        default: None,
        description: "Alert thresholds over the defaults, as name=number pairs: `payment_failure_rate=5,webhook_failures=10,admin_sign_in_failures=5,p95_latency_ms=2000,email_delivery_rate=95,generation_failure_rate=10,ai_request_cost_usd=0.50,db_connection_failures=3` (those are the defaults). An unknown name or a bad number stops the server at start.",
    },
    VarSpec {
        name: "OPS_TOKEN",
        required: false,
        secret: true,
        default: None,
        description: "Bearer token (16+ characters) for `GET /metrics` and `GET /api/health/detailed` (`Authorization: Bearer …`). Unset: /metrics answers 404 and the detailed health check is for admins only.",
    },
    VarSpec {
        name: "SENTRY_DSN",
        required: false,
        secret: true,
        default: None,
        description: "Sentry project DSN: errors and panics are reported there (secrets scrubbed). Unset: nothing is sent.",
    },
    VarSpec {
        name: "SENTRY_ENVIRONMENT",
        required: false,
        secret: false,
        default: None,
        description: "The environment Sentry files events under (unset: APP_ENV, `development` or `production`).",
    },
    VarSpec {
        name: "PG_BINDIR",
        required: false,
        secret: false,
        default: None,
        description: "The folder holding pg_dump and pg_restore for `threadr backup`/`restore` (unset: found on PATH). Use the version of the database server.",
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone)]
pub struct EmailConfig {
    pub smtp_url: Option<String>,
    pub resend_api_key: Option<String>,
    pub resend_base_url: Url,
    pub from: String,
    pub worker_concurrency: usize,
    pub max_attempts: i32,
    pub retry_base: Duration,
    pub lease: Duration,
}

impl EmailConfig {
    pub fn has_provider(&self) -> bool {
        self.smtp_url.is_some() || self.resend_api_key.is_some()
    }
}

#[derive(Clone)]
pub struct AuthConfig {
    pub attempts_per_account: i64,
    pub attempts_per_ip: i64,
    pub admin_portal_key: Option<String>,
}

impl fmt::Debug for AuthConfig {
    // Hand-written so the portal key never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("attempts_per_account", &self.attempts_per_account)
            .field("attempts_per_ip", &self.attempts_per_ip)
            .field("admin_portal_key", &self.admin_portal_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// The per-minute limit on server functions.
#[derive(Clone)]
pub struct RateLimitConfig {
    pub requests_per_minute: NonZeroU32,
    /// Shared counting between instances; `None` counts in each instance alone.
    pub redis_url: Option<String>,
}

impl fmt::Debug for RateLimitConfig {
    // Hand-written: the Redis URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitConfig")
            .field("requests_per_minute", &self.requests_per_minute)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Stripe billing. Payments are on when the secret key is set; each plan needs its price id.
#[derive(Clone)]
pub struct BillingConfig {
    pub stripe_secret_key: Option<String>,
    /// Every configured signing secret; a webhook verifies against any of them.
    pub webhook_secrets: Vec<String>,
    /// With a trailing slash, as async-stripe joins `v1/…` to it.
    pub stripe_api_base: String,
    pub prices: StripePrices,
    pub referral_commission_bps: u32,
}

impl fmt::Debug for BillingConfig {
    // Hand-written so neither secret can reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingConfig")
            .field("stripe_secret_key", &self.stripe_secret_key.as_ref().map(|_| "<set>"))
            .field("webhook_secrets", &self.webhook_secrets.len())
            .field("stripe_api_base", &self.stripe_api_base)
            .field("prices", &self.prices)
            .field("referral_commission_bps", &self.referral_commission_bps)
            .finish()
    }
}

/// Stripe price ids of the paid plans, from `STRIPE_PRICE_*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StripePrices {
    pub pass: Option<String>,
    pub starter: Option<String>,
    pub pro: Option<String>,
    pub business: Option<String>,
}

/// Google sign-in (OpenID Connect), on when both the client id and secret are set.
#[derive(Clone)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Exactly as configured (no trailing slash added): it must equal the provider's `iss`.
    pub issuer_url: String,
    /// `{PUBLIC_URL}/auth/google/callback`.
    pub redirect_url: String,
}

/// The AI provider every generation uses, chosen once at start-up from `AI_PROVIDER` and the keys.
#[derive(Clone, Debug)]
pub enum AiBackend {
    OpenAi(LlmEndpoint),
    Anthropic(LlmEndpoint),
    Offline,
}

/// Where a hosted model is reached and with which key.
#[derive(Clone)]
pub struct LlmEndpoint {
    pub api_key: String,
    /// Without a trailing slash: endpoints are `{base_url}/chat/completions` and the like.
    pub base_url: String,
    pub model: String,
}

impl fmt::Debug for LlmEndpoint {
    // Hand-written so the API key never reaches a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmEndpoint")
            .field("api_key", &"<set>")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct AiConfig {
    pub backend: AiBackend,
    /// The whole request: every attempt, the waits between them and the streamed answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Longest silence before the answer starts or between two events of it.
    pub idle_timeout: Duration,
    pub max_retries: u32,
    /// First backoff delay (doubled per retry, with jitter). Not a variable: tests shorten it.
    pub retry_base: Duration,
    /// The offline provider's wait before each post (0: all at once).
    pub offline_pace: Duration,
}

/// Transcription (`/tools/transcribe`): an OpenAI-compatible `/audio/transcriptions` API.
#[derive(Clone, Debug, Default)]
pub struct TranscribeConfig {
    /// `None`: no provider configured; the page says so and nothing is uploaded or charged.
    pub endpoint: Option<LlmEndpoint>,
    /// Where uploads are streamed to while they are transcribed (`None`: the system's).
    pub temp_dir: Option<std::path::PathBuf>,
}

/// The default first backoff delay of AI retries.
pub const AI_RETRY_BASE: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Config {
    pub database: PgConnectOptions,
    pub database_pool_size: u32,
    pub database_connect_timeout: Duration,
    pub public_url: Url,
    pub app_env: AppEnv,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub site_addr: Option<SocketAddr>,
    pub email: EmailConfig,
    pub auth: AuthConfig,
    pub google: Option<GoogleConfig>,
    pub ai: AiConfig,
    /// The assistant's provider: like `ai.backend`, but `auto` prefers Anthropic.
    pub assistant_ai: AiBackend,
    pub transcribe: TranscribeConfig,
    /// Ports an imported link may name (never empty).
    pub url_import_ports: Vec<u16>,
    pub rate_limit: RateLimitConfig,
    /// Proxies whose `X-Forwarded-For` entries are believed (see `server::http::client_ip`).
    pub trusted_proxy_hops: usize,
    pub billing: BillingConfig,
    /// Where marketplace photos are kept (a folder, or S3).
    pub media: crate::features::catalogue::images::MediaConfig,
    /// This instance's search index folder.
    pub search_index_dir: std::path::PathBuf,
    pub commerce: CommerceConfig,
    /// MAINTENANCE_MODE / MAINTENANCE_MESSAGE: the switch this instance writes as it starts.
    pub maintenance: Option<(bool, Option<String>)>,
    /// ALERT_THRESHOLDS as given (the admin feature reads the pairs; empty: the defaults).
    pub alert_thresholds: String,
    /// OPS_TOKEN: the bearer token of `/metrics` and the detailed health check.
    pub ops_token: Option<String>,
    /// SENTRY_DSN / SENTRY_ENVIRONMENT: where errors are reported, when set.
    pub sentry: Option<SentryConfig>,
}

/// Error reporting to Sentry (`server::observe::reports`).
#[derive(Clone)]
pub struct SentryConfig {
    pub dsn: String,
    pub environment: String,
}

impl fmt::Debug for SentryConfig {
    // The DSN holds the project's key: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentryConfig").field("environment", &self.environment).finish_non_exhaustive()
    }
}

/// The marketplace's fee and how long a started checkout holds stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommerceConfig {
    pub fee: crate::features::commerce::FeeBps,
    pub stock_hold: chrono::Duration,
}

impl fmt::Debug for Config {
    // Hand-written so the database password can never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_pool_size", &self.database_pool_size)
            .field("public_url", &self.public_url.as_str())
            .field("app_env", &self.app_env)
            .field("ai", &self.ai)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    pub fn public_url_is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses every variable, collecting all problems so one run shows them all.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        let vars = Vars { lookup: &lookup };

        let database = vars.required("DATABASE_URL", &mut errors, |v| {
            PgConnectOptions::from_str(v)
                .map_err(|_| "expected a URL like postgres://user:password@host:5432/db".to_string())
        });
        let database_pool_size = vars
            .parsed("DATABASE_POOL_SIZE", &mut errors, |v| ranged::<u32>(v, 1, 1000, "a whole number of connections"));
        let database_connect_timeout = vars.parsed("DATABASE_CONNECT_TIMEOUT_SECS", &mut errors, |v| {
            ranged::<u64>(v, 0, 600, "a whole number of seconds").map(Duration::from_secs)
        });
        let app_env = vars.parsed("APP_ENV", &mut errors, |v| match v.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(AppEnv::Development),
            "production" | "prod" => Ok(AppEnv::Production),
            _ => Err("expected `development` or `production`".to_string()),
        });
        if app_env == Some(AppEnv::Production) && lookup("PUBLIC_URL").is_none() {
            errors.push(ConfigError::new("PUBLIC_URL", "is required when APP_ENV=production"));
        }
        let public_url = vars.parsed("PUBLIC_URL", &mut errors, |v| {
            let url = Url::parse(v).map_err(|_| "expected an absolute URL like https://threadr.example".to_string())?;
            match url.scheme() {
                "http" | "https" if url.host().is_some() => Ok(url),
                _ => Err("expected an http:// or https:// URL with a host".to_string()),
            }
        });
        let log_format = vars.parsed("LOG_FORMAT", &mut errors, |v| match v.to_ascii_lowercase().as_str() {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            _ => Err("expected `json` or `pretty`".to_string()),
        });
        let log_filter = vars.parsed("RUST_LOG", &mut errors, |v| {
            tracing_subscriber::EnvFilter::try_new(v)
                .map(|_| v.to_string())
                .map_err(|e| format!("not a valid log filter ({e})"))
        });
        let site_addr = match lookup("LEPTOS_SITE_ADDR") {
            None => None,
            Some(v) => match v.trim().parse::<SocketAddr>() {
                Ok(addr) => Some(addr),
                Err(_) => {
                    errors.push(ConfigError::invalid("LEPTOS_SITE_ADDR", &v, "expected host:port like 127.0.0.1:3000"));
                    None
                }
            },
        };

        let email = email_config(&vars, &lookup, app_env, &mut errors);
        let attempts_per_account =
            vars.parsed("AUTH_ATTEMPTS_PER_ACCOUNT", &mut errors, |v| ranged::<i64>(v, 1, 1_000_000, "a whole number"));
        let attempts_per_ip =
            vars.parsed("AUTH_ATTEMPTS_PER_IP", &mut errors, |v| ranged::<i64>(v, 1, 1_000_000, "a whole number"));
        let admin_portal_key = match lookup("ADMIN_PORTAL_KEY").filter(|v| !v.trim().is_empty()) {
            Some(key) if key.chars().count() < 12 => {
                errors.push(ConfigError::new("ADMIN_PORTAL_KEY", "must be at least 12 characters"));
                None
            }
            key => Some(key),
        };
        let auth = attempts_per_account.zip(attempts_per_ip).zip(admin_portal_key).map(
            |((attempts_per_account, attempts_per_ip), admin_portal_key)| AuthConfig {
                attempts_per_account,
                attempts_per_ip,
                admin_portal_key,
            },
        );
        let google = google_config(&vars, &lookup, public_url.as_ref(), &mut errors);
        let (ai, assistant_ai) = ai_config(&vars, &lookup, &mut errors).unzip();
        let transcribe = transcribe_config(&vars, &lookup, &mut errors);
        let url_import_ports = vars.parsed("URL_IMPORT_PORTS", &mut errors, port_list);
        let rate_limit = rate_limit_config(&vars, &lookup, &mut errors);
        let trusted_proxy_hops =
            vars.parsed("TRUSTED_PROXY_HOPS", &mut errors, |v| ranged::<usize>(v, 0, 16, "a whole number of proxies"));
        let billing = billing_config(&vars, &lookup, &mut errors);
        let media = match crate::features::catalogue::images::MediaConfig::from_vars(&lookup) {
            Ok(media) => Some(media),
            Err(e) => {
                let name = match e {
                    crate::features::catalogue::images::MediaConfigError::NoBucket(name) => name,
                    crate::features::catalogue::images::MediaConfigError::HalfAKey => "S3_SECRET_ACCESS_KEY",
                };
                errors.push(ConfigError::new(name, &e.to_string()));
                None
            }
        };
        let fee = vars.parsed("PLATFORM_FEE_BPS", &mut errors, |v| {
            ranged::<u16>(v, 0, 10_000, "basis points")
                .and_then(|bps| crate::features::commerce::FeeBps::new(bps).ok_or_else(|| "at most 10000".to_string()))
        });
        let stock_hold = vars.parsed("STOCK_HOLD_MINUTES", &mut errors, |v| {
            ranged::<i64>(v, 30, 1440, "minutes").map(chrono::Duration::minutes)
        });
        let commerce = fee.zip(stock_hold).map(|(fee, stock_hold)| CommerceConfig { fee, stock_hold });
        let maintenance_on = match lookup("MAINTENANCE_MODE").map(|v| v.trim().to_ascii_lowercase()) {
            None => None,
            Some(v) if v.is_empty() => None,
            Some(v) => match v.as_str() {
                "true" | "1" | "on" | "yes" => Some(true),
                "false" | "0" | "off" | "no" => Some(false),
                _ => {
                    errors.push(ConfigError::invalid("MAINTENANCE_MODE", &v, "expected `true` or `false`"));
                    None
                }
            },
        };
        let maintenance_message = lookup("MAINTENANCE_MESSAGE").map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        if maintenance_message.as_ref().is_some_and(|m| m.chars().count() > 500) {
            errors.push(ConfigError::new("MAINTENANCE_MESSAGE", "must be at most 500 characters"));
        }
        let maintenance = maintenance_on.map(|on| (on, maintenance_message));
        let ops_token = match lookup("OPS_TOKEN").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            Some(token) if token.chars().count() < 16 => {
                errors.push(ConfigError::new("OPS_TOKEN", "must be at least 16 characters"));
                None
            }
            token => token,
        };
        let sentry = match lookup("SENTRY_DSN").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            None => None,
            Some(dsn) if dsn.parse::<sentry::types::Dsn>().is_err() => {
                // The value is a secret: the message does not repeat it.
                errors
                    .push(ConfigError::new("SENTRY_DSN", "is not a Sentry DSN like https://key@o0.ingest.sentry.io/0"));
                None
            }
            Some(dsn) => {
                let environment = lookup("SENTRY_ENVIRONMENT")
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| match app_env {
                        Some(AppEnv::Production) => "production".into(),
                        _ => "development".into(),
                    });
                Some(SentryConfig { dsn, environment })
            }
        };
        let search_index_dir = lookup("SEARCH_INDEX_DIR")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| ".data/search".into())
            .into();

        match (
            database,
            database_pool_size,
            database_connect_timeout,
            public_url,
            app_env,
            log_format,
            log_filter,
            email,
            auth,
            ai,
            url_import_ports,
            rate_limit,
            trusted_proxy_hops,
            billing,
            media,
            commerce,
        ) {
            (
                Some(database),
                Some(database_pool_size),
                Some(database_connect_timeout),
                Some(public_url),
                Some(app_env),
                Some(log_format),
                Some(log_filter),
                Some(email),
                Some(auth),
                Some(ai),
                Some(url_import_ports),
                Some(rate_limit),
                Some(trusted_proxy_hops),
                Some(billing),
                Some(media),
                Some(commerce),
            ) if errors.is_empty() => Ok(Config {
                alert_thresholds: lookup("ALERT_THRESHOLDS").unwrap_or_default(),
                ops_token,
                sentry,
                maintenance,
                billing,
                media,
                commerce,
                search_index_dir,
                ai,
                assistant_ai: assistant_ai.unwrap_or(AiBackend::Offline),
                transcribe,
                google,
                database,
                database_pool_size,
                database_connect_timeout,
                public_url,
                app_env,
                log_format,
                log_filter,
                site_addr,
                email,
                auth,
                url_import_ports,
                rate_limit,
                trusted_proxy_hops,
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

fn email_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    app_env: Option<AppEnv>,
    errors: &mut Vec<ConfigError>,
) -> Option<EmailConfig> {
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let smtp_url = match set("SMTP_URL") {
        None => Some(None),
        Some(v) => vars.parse("SMTP_URL", &v, errors, |v| match Url::parse(v) {
            Ok(u) if matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some() => Ok(Some(v.to_string())),
            _ => Err("expected smtp://host:port or smtps://host:port".to_string()),
        }),
    };
    let resend_api_key = set("RESEND_API_KEY");
    let resend_base_url = vars.parsed("RESEND_BASE_URL", errors, |v| {
        let mut url = Url::parse(v).map_err(|_| "expected an absolute http(s) URL".to_string())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("expected an absolute http(s) URL".to_string());
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(url)
    });
    let has_provider = smtp_url.as_ref().is_some_and(Option::is_some) || resend_api_key.is_some();
    if app_env == Some(AppEnv::Production) && has_provider && set("EMAIL_FROM").is_none() {
        errors.push(ConfigError::new("EMAIL_FROM", "is required when APP_ENV=production and a mail provider is set"));
    }
    let from = vars.parsed("EMAIL_FROM", errors, |v| {
        v.parse::<lettre::message::Mailbox>()
            .map(|m| m.to_string())
            .map_err(|_| "expected an address like `Threadr <no-reply@example.com>`".to_string())
    });
    let worker_concurrency =
        vars.parsed("EMAIL_WORKER_CONCURRENCY", errors, |v| ranged::<usize>(v, 1, 64, "a whole number of loops"));
    let max_attempts =
        vars.parsed("EMAIL_MAX_ATTEMPTS", errors, |v| ranged::<i32>(v, 1, 50, "a whole number of attempts"));
    let retry_base = vars.parsed("EMAIL_RETRY_BASE_SECS", errors, |v| {
        ranged::<u64>(v, 1, 3600, "a whole number of seconds").map(Duration::from_secs)
    });
    let lease = vars.parsed("EMAIL_LEASE_SECS", errors, |v| {
        ranged::<u64>(v, 1, 3600, "a whole number of seconds").map(Duration::from_secs)
    });
    Some(EmailConfig {
        smtp_url: smtp_url?,
        resend_api_key,
        resend_base_url: resend_base_url?,
        from: from?,
        worker_concurrency: worker_concurrency?,
        max_attempts: max_attempts?,
        retry_base: retry_base?,
        lease: lease?,
    })
}

/// Stripe: keys, signing secrets (comma-separated), the API base and the plans' price ids.
fn billing_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    errors: &mut Vec<ConfigError>,
) -> Option<BillingConfig> {
    let set = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let mut ok = true;
    let mut token = |name: &'static str, prefixes: &[&str], what: &str| -> Option<String> {
        let value = set(name)?;
        let shaped = prefixes.iter().any(|p| value.starts_with(p))
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if shaped {
            Some(value)
        } else {
            // The value is a secret or an id: the message names the expected shape, not the value.
            errors.push(ConfigError::new(name, &format!("must look like {what}")));
            ok = false;
            None
        }
    };
    let stripe_secret_key = token(
        "STRIPE_SECRET_KEY",
        &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        "sk_live_… or sk_test_… (or a restricted rk_… key)",
    );
    let prices = StripePrices {
        pass: token("STRIPE_PRICE_PASS", &["price_"], "price_…"),
        starter: token("STRIPE_PRICE_STARTER", &["price_"], "price_…"),
        pro: token("STRIPE_PRICE_PRO", &["price_"], "price_…"),
        business: token("STRIPE_PRICE_BUSINESS", &["price_"], "price_…"),
    };
    let mut webhook_secrets = Vec::new();
    for secret in set("STRIPE_WEBHOOK_SECRET").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if secret.starts_with("whsec_") && secret.bytes().all(|b| b.is_ascii_graphic()) {
            webhook_secrets.push(secret.to_string());
        } else {
            errors.push(ConfigError::new(
                "STRIPE_WEBHOOK_SECRET",
                "must be one or more whsec_… secrets separated by commas",
            ));
            ok = false;
        }
    }
    let stripe_api_base = vars.parsed("STRIPE_API_BASE", errors, |v| match Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(format!("{}/", v.trim_end_matches('/')))
        }
        _ => Err("expected an absolute http(s) URL like https://api.stripe.com/".to_string()),
    });
    let referral_commission_bps =
        vars.parsed("REFERRAL_COMMISSION_BPS", errors, |v| ranged::<u32>(v, 0, 10_000, "basis points"));
    let mut prices_priced =
        [&prices.pass, &prices.starter, &prices.pro, &prices.business].into_iter().flatten().collect::<Vec<_>>();
    prices_priced.sort();
    if prices_priced.windows(2).any(|w| w[0] == w[1]) {
        errors.push(ConfigError::new(
            "STRIPE_PRICE_PASS",
            "and the other STRIPE_PRICE_* must all differ: a price id names one plan",
        ));
        ok = false;
    }
    ok.then_some(())?;
    Some(BillingConfig {
        stripe_secret_key,
        webhook_secrets,
        stripe_api_base: stripe_api_base?,
        prices,
        referral_commission_bps: referral_commission_bps?,
    })
}

/// Google sign-in: both GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, or neither.
fn google_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    public_url: Option<&Url>,
    errors: &mut Vec<ConfigError>,
) -> Option<GoogleConfig> {
    let set = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let issuer_url = vars.parsed("GOOGLE_ISSUER_URL", errors, |v| match Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(v.to_string()),
        _ => Err("expected an absolute http(s) URL like https://accounts.google.com".to_string()),
    });
    match (set("GOOGLE_CLIENT_ID"), set("GOOGLE_CLIENT_SECRET")) {
        (None, None) => None,
        (Some(_), None) => {
            errors.push(ConfigError::new("GOOGLE_CLIENT_SECRET", "is required when GOOGLE_CLIENT_ID is set"));
            None
        }
        (None, Some(_)) => {
            errors.push(ConfigError::new("GOOGLE_CLIENT_ID", "is required when GOOGLE_CLIENT_SECRET is set"));
            None
        }
        (Some(client_id), Some(client_secret)) => Some(GoogleConfig {
            client_id,
            client_secret,
            issuer_url: issuer_url?,
            redirect_url: format!("{}/auth/google/callback", public_url?.as_str().trim_end_matches('/')),
        }),
    }
}

/// The AI provider and its limits, and the assistant's provider. Choosing a hosted provider without its key is an error
/// naming the key; `auto` falls back to offline silently.
fn ai_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    errors: &mut Vec<ConfigError>,
) -> Option<(AiConfig, AiBackend)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Choice {
        Auto,
        OpenAi,
        Anthropic,
        Offline,
    }
    let set = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let choice = vars.parsed("AI_PROVIDER", errors, |v| match v.to_ascii_lowercase().as_str() {
        "auto" => Ok(Choice::Auto),
        "openai" => Ok(Choice::OpenAi),
        "anthropic" => Ok(Choice::Anthropic),
        "offline" => Ok(Choice::Offline),
        _ => Err("expected `auto`, `openai`, `anthropic` or `offline`".to_string()),
    });
    let base_url = |v: &str| match Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(v.trim_end_matches('/').to_string())
        }
        _ => Err("expected an absolute http(s) URL like https://api.example.com/v1".to_string()),
    };
    let model = |v: &str| {
        if v.is_empty() || v.chars().any(char::is_whitespace) {
            Err("expected a model name without spaces".to_string())
        } else {
            Ok(v.to_string())
        }
    };
    let openai_base = vars.parsed("OPENAI_BASE_URL", errors, base_url);
    let openai_model = vars.parsed("OPENAI_MODEL", errors, model);
    let anthropic_base = vars.parsed("ANTHROPIC_BASE_URL", errors, base_url);
    let anthropic_model = vars.parsed("ANTHROPIC_MODEL", errors, model);
    let secs = |min: u64, max: u64| {
        move |v: &str| ranged::<u64>(v, min, max, "a whole number of seconds").map(Duration::from_secs)
    };
    let timeout = vars.parsed("AI_TIMEOUT_SECS", errors, secs(1, 3600));
    let connect_timeout = vars.parsed("AI_CONNECT_TIMEOUT_SECS", errors, secs(1, 600));
    let idle_timeout = vars.parsed("AI_IDLE_TIMEOUT_SECS", errors, secs(1, 3600));
    let max_retries = vars.parsed("AI_MAX_RETRIES", errors, |v| ranged::<u32>(v, 0, 10, "a whole number"));
    let offline_pace = vars.parsed("AI_OFFLINE_PACE_MS", errors, |v| {
        ranged::<u64>(v, 0, 10_000, "a whole number of milliseconds").map(Duration::from_millis)
    });

    // A key is sent as a header value: visible ASCII only (a pasted newline would otherwise
    // fail every request).
    let key = |name: &'static str, errors: &mut Vec<ConfigError>| {
        let key = set(name)?;
        if key.bytes().all(|b| b.is_ascii_graphic()) {
            Some(key)
        } else {
            errors.push(ConfigError::new(name, "must be printable ASCII without spaces"));
            None
        }
    };
    let openai_key = key("OPENAI_API_KEY", errors);
    let anthropic_key = key("ANTHROPIC_API_KEY", errors);
    let chosen = choice?;
    // In `auto` mode generation prefers OpenAI and the assistant Anthropic (the Claude app's
    // job); an explicit AI_PROVIDER applies to both.
    let resolve = |anthropic_first: bool| match chosen {
        Choice::Auto if anthropic_first && anthropic_key.is_some() => Choice::Anthropic,
        Choice::Auto if openai_key.is_some() => Choice::OpenAi,
        Choice::Auto if anthropic_key.is_some() => Choice::Anthropic,
        Choice::Auto => Choice::Offline,
        chosen => chosen,
    };
    let build = |choice: Choice, errors: &mut Vec<ConfigError>| -> Option<AiBackend> {
        Some(match choice {
            Choice::OpenAi => match openai_key.clone() {
                Some(api_key) => AiBackend::OpenAi(LlmEndpoint {
                    api_key,
                    base_url: openai_base.clone()?,
                    model: openai_model.clone()?,
                }),
                None => {
                    errors.push(ConfigError::new("OPENAI_API_KEY", "is required when AI_PROVIDER=openai"));
                    return None;
                }
            },
            Choice::Anthropic => match anthropic_key.clone() {
                Some(api_key) => AiBackend::Anthropic(LlmEndpoint {
                    api_key,
                    base_url: anthropic_base.clone()?,
                    model: anthropic_model.clone()?,
                }),
                None => {
                    errors.push(ConfigError::new("ANTHROPIC_API_KEY", "is required when AI_PROVIDER=anthropic"));
                    return None;
                }
            },
            Choice::Auto | Choice::Offline => AiBackend::Offline,
        })
    };
    let backend = build(resolve(false), errors)?;
    let assistant = if resolve(true) == resolve(false) { backend.clone() } else { build(resolve(true), errors)? };
    Some((
        AiConfig {
            backend,
            timeout: timeout?,
            connect_timeout: connect_timeout?,
            idle_timeout: idle_timeout?,
            max_retries: max_retries?,
            retry_base: AI_RETRY_BASE,
            offline_pace: offline_pace?,
        },
        assistant,
    ))
}

/// Transcription: its own base URL and key, else OpenAI's (only when OPENAI_API_KEY is set,
/// whatever AI_PROVIDER chose). Problems are pushed to `errors`.
fn transcribe_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    errors: &mut Vec<ConfigError>,
) -> TranscribeConfig {
    let set = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let base_url = |v: &str| match Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(v.trim_end_matches('/').to_string())
        }
        _ => Err("expected an absolute http(s) URL like https://api.openai.com/v1".to_string()),
    };
    let model = vars.parsed("TRANSCRIBE_MODEL", errors, |v| {
        if v.is_empty() || v.chars().any(char::is_whitespace) {
            Err("expected a model name without spaces".to_string())
        } else {
            Ok(v.to_string())
        }
    });
    let key_name = if set("TRANSCRIBE_API_KEY").is_some() { "TRANSCRIBE_API_KEY" } else { "OPENAI_API_KEY" };
    let api_key = set(key_name).and_then(|key| {
        if key.bytes().all(|b| b.is_ascii_graphic()) {
            Some(key)
        } else {
            // A bad OPENAI_API_KEY is already reported by the AI settings.
            if key_name == "TRANSCRIBE_API_KEY" {
                errors.push(ConfigError::new(key_name, "must be printable ASCII without spaces"));
            }
            None
        }
    });
    let base = match set("TRANSCRIBE_BASE_URL") {
        Some(v) => vars.parse("TRANSCRIBE_BASE_URL", &v, errors, base_url),
        None => vars.parsed("OPENAI_BASE_URL", &mut Vec::new(), base_url),
    };
    let temp_dir = set("TRANSCRIBE_TEMP_DIR").map(std::path::PathBuf::from);
    let endpoint = match (api_key, base, model) {
        (Some(api_key), Some(base_url), Some(model)) => Some(LlmEndpoint { api_key, base_url, model }),
        _ => None,
    };
    TranscribeConfig { endpoint, temp_dir }
}

fn rate_limit_config<F: Fn(&str) -> Option<String>>(
    vars: &Vars<'_, F>,
    lookup: &F,
    errors: &mut Vec<ConfigError>,
) -> Option<RateLimitConfig> {
    let requests_per_minute = vars.parsed("REQUESTS_PER_MINUTE", errors, |v| {
        ranged::<u32>(v, 1, 1_000_000, "a whole number of requests")
            .and_then(|n| NonZeroU32::new(n).ok_or_else(|| "expected at least 1".to_string()))
    });
    let redis_url = match lookup("REDIS_URL").filter(|v| !v.trim().is_empty()) {
        None => Some(None),
        // The redis crate's own parser: what it accepts here it can connect to later.
        Some(v) => vars.parse("REDIS_URL", &v, errors, |v| {
            redis::Client::open(v)
                .map(|_| Some(v.to_string()))
                .map_err(|_| "expected a URL like redis://127.0.0.1:6379 or redis://:password@host:6379/0".to_string())
        }),
    };
    Some(RateLimitConfig { requests_per_minute: requests_per_minute?, redis_url: redis_url? })
}

struct Vars<'a, F: Fn(&str) -> Option<String>> {
    lookup: &'a F,
}

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    fn spec(name: &str) -> Option<&'static VarSpec> {
        VARS.iter().find(|v| v.name == name)
    }

    fn required<T>(
        &self,
        name: &'static str,
        errors: &mut Vec<ConfigError>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match (self.lookup)(name).filter(|v| !v.trim().is_empty()) {
            None => {
                errors.push(ConfigError::new(name, "is not set"));
                None
            }
            Some(v) => self.parse(name, &v, errors, parse),
        }
    }

    /// An optional variable: its default from [`VARS`] when unset.
    fn parsed<T>(
        &self,
        name: &'static str,
        errors: &mut Vec<ConfigError>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = (self.lookup)(name).or_else(|| Self::spec(name).and_then(|s| s.default).map(str::to_string))?;
        self.parse(name, &value, errors, parse)
    }

    fn parse<T>(
        &self,
        name: &'static str,
        value: &str,
        errors: &mut Vec<ConfigError>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(value.trim()) {
            Ok(v) => Some(v),
            Err(problem) => {
                let secret = Self::spec(name).is_some_and(|s| s.secret);
                let shown = if secret { "(hidden)".to_string() } else { value.to_string() };
                errors.push(ConfigError::invalid(name, &shown, &problem));
                None
            }
        }
    }
}

/// `80,443`: ports 1–65535, at least one, duplicates dropped.
fn port_list(v: &str) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<u16>() {
            Ok(port) if port > 0 => {
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
            _ => return Err(format!("{part:?} is not a port; expected a comma-separated list like 80,443")),
        }
    }
    if ports.is_empty() {
        return Err("expected at least one port, like 80,443".to_string());
    }
    Ok(ports)
}

fn ranged<T: FromStr + PartialOrd + fmt::Display + Copy>(v: &str, min: T, max: T, what: &str) -> Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!("expected {what} from {min} to {max}")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(var: &'static str, problem: &str) -> Self {
        Self { var, problem: problem.to_string() }
    }

    fn invalid(var: &'static str, value: &str, problem: &str) -> Self {
        Self { var, problem: format!("has an invalid value {value:?}: {problem}") }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.var, self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "configuration error{}:", if self.0.len() == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        write!(f, "Run `threadr check-config` to see every variable.")
    }
}

impl std::error::Error for ConfigErrors {}

/// One line of `check-config`: the variable, whether it is set, and its value with secrets masked.
pub fn report(lookup: impl Fn(&str) -> Option<String>) -> Vec<(&'static str, String)> {
    VARS.iter()
        .map(|spec| {
            let shown = match (lookup(spec.name), spec.default) {
                (Some(v), _) if spec.secret => format!("set ({})", mask_secret(&v)),
                (Some(v), _) => format!("set: {v}"),
                (None, Some(d)) => format!("default: {d}"),
                (None, None) if spec.required => "MISSING (required)".to_string(),
                (None, None) => "not set".to_string(),
            };
            (spec.name, shown)
        })
        .collect()
}

/// URLs keep their scheme, host and path so an operator can tell which database is meant;
/// passwords and other secrets show only their length.
pub fn mask_secret(value: &str) -> String {
    match Url::parse(value) {
        Ok(mut url) if url.host().is_some() => {
            if url.password().is_some() {
                let _ = url.set_password(Some("*****"));
            }
            url.set_query(None);
            url.to_string()
        }
        _ => format!("hidden, {} characters", value.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const DB: (&str, &str) = ("DATABASE_URL", "postgres://threadr:pw@127.0.0.1:5432/threadr");

    fn vars_named(e: &ConfigErrors) -> Vec<&'static str> {
        e.0.iter().map(|e| e.var).collect()
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_set() {
        let c = parse(&[DB]).expect("valid");
        assert_eq!(c.database_pool_size, 20);
        assert_eq!(c.database_connect_timeout, Duration::from_secs(30));
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:3000/");
        assert_eq!(c.app_env, AppEnv::Development);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.site_addr, None);
        assert!(!c.public_url_is_https());
    }

    #[test]
    fn good_values_are_parsed() {
        let c = parse(&[
            DB,
            ("DATABASE_POOL_SIZE", "5"),
            ("DATABASE_CONNECT_TIMEOUT_SECS", "2"),
            ("PUBLIC_URL", "https://threadr.example"),
            ("APP_ENV", "Production"),
            ("LOG_FORMAT", "pretty"),
            ("RUST_LOG", "info,threadr=debug"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
        ])
        .expect("valid");
        assert_eq!(c.database_pool_size, 5);
        assert_eq!(c.database_connect_timeout, Duration::from_secs(2));
        assert!(c.public_url_is_https());
        assert!(c.is_production());
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.site_addr, Some("0.0.0.0:8080".parse().unwrap()));
    }

    #[test]
    fn missing_database_url_is_named() {
        let e = parse(&[]).unwrap_err();
        assert_eq!(vars_named(&e), ["DATABASE_URL"]);
        assert!(e.to_string().contains("DATABASE_URL is not set"));
    }

    #[test]
    fn every_malformed_variable_is_named_at_once() {
        let e = parse(&[
            ("DATABASE_URL", "not a url"),
            ("DATABASE_POOL_SIZE", "0"),
            ("DATABASE_CONNECT_TIMEOUT_SECS", "soon"),
            ("PUBLIC_URL", "ftp://x"),
            ("APP_ENV", "staging"),
            ("LOG_FORMAT", "xml"),
            ("LEPTOS_SITE_ADDR", "localhost"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_named(&e),
            [
                "DATABASE_URL",
                "DATABASE_POOL_SIZE",
                "DATABASE_CONNECT_TIMEOUT_SECS",
                "APP_ENV",
                "PUBLIC_URL",
                "LOG_FORMAT",
                "LEPTOS_SITE_ADDR"
            ]
        );
    }

    #[test]
    fn pool_size_bounds() {
        assert!(parse(&[DB, ("DATABASE_POOL_SIZE", "1")]).is_ok());
        assert!(parse(&[DB, ("DATABASE_POOL_SIZE", "1000")]).is_ok());
        assert!(parse(&[DB, ("DATABASE_POOL_SIZE", "1001")]).is_err());
        assert!(parse(&[DB, ("DATABASE_POOL_SIZE", "-3")]).is_err());
    }

    #[test]
    fn production_requires_a_public_url() {
        let e = parse(&[DB, ("APP_ENV", "production")]).unwrap_err();
        assert_eq!(vars_named(&e), ["PUBLIC_URL"]);
    }

    #[test]
    fn secrets_never_appear_in_errors_or_reports() {
        let e = parse(&[("DATABASE_URL", "mysecretpassword")]).unwrap_err();
        assert!(!e.to_string().contains("mysecretpassword"));

        let report = report(|k| (k == "DATABASE_URL").then(|| "postgres://u:hunter2@db.internal:5432/app".to_string()));
        let line = &report.iter().find(|(k, _)| *k == "DATABASE_URL").unwrap().1;
        assert!(!line.contains("hunter2"), "{line}");
        assert!(line.contains("db.internal"), "{line}");
    }

    #[test]
    fn report_marks_missing_required_and_defaults() {
        let report = report(|_| None);
        let get = |name| report.iter().find(|(k, _)| *k == name).unwrap().1.clone();
        assert_eq!(get("DATABASE_URL"), "MISSING (required)");
        assert_eq!(get("DATABASE_POOL_SIZE"), "default: 20");
    }

    #[test]
    fn email_defaults_to_the_dev_mailbox() {
        let c = parse(&[DB]).expect("valid");
        assert!(!c.email.has_provider());
        assert_eq!(c.email.worker_concurrency, 4);
        assert_eq!(c.email.max_attempts, 8);
        assert_eq!(c.email.retry_base, Duration::from_secs(30));
        assert_eq!(c.email.resend_base_url.as_str(), "https://api.resend.com/");
    }

    #[test]
    fn email_providers_and_bad_values() {
        let c = parse(&[
            DB,
            ("SMTP_URL", "smtp://127.0.0.1:2525"),
            ("RESEND_API_KEY", "re_123"),
            ("RESEND_BASE_URL", "http://127.0.0.1:9000/v1"),
            ("EMAIL_FROM", "Shop <shop@example.com>"),
        ])
        .expect("valid");
        assert!(c.email.has_provider());
        assert_eq!(c.email.resend_base_url.as_str(), "http://127.0.0.1:9000/v1/");
        assert_eq!(c.email.from, "Shop <shop@example.com>");

        let e = parse(&[
            DB,
            ("SMTP_URL", "http://mail"),
            ("EMAIL_FROM", "not an address"),
            ("EMAIL_WORKER_CONCURRENCY", "0"),
            ("EMAIL_MAX_ATTEMPTS", "many"),
        ])
        .unwrap_err();
        assert_eq!(vars_named(&e), ["SMTP_URL", "EMAIL_FROM", "EMAIL_WORKER_CONCURRENCY", "EMAIL_MAX_ATTEMPTS"]);
        assert!(!e.to_string().contains("http://mail"), "SMTP_URL is secret");
    }

    #[test]
    fn production_with_a_mail_provider_needs_a_sender() {
        let e = parse(&[DB, ("APP_ENV", "production"), ("PUBLIC_URL", "https://t.example"), ("RESEND_API_KEY", "k")])
            .unwrap_err();
        assert_eq!(vars_named(&e), ["EMAIL_FROM"]);
    }

    #[test]
    fn stripe_is_optional_and_its_values_are_checked_without_echoing_secrets() {
        let off = parse(&[DB]).expect("valid").billing;
        assert!(off.stripe_secret_key.is_none() && off.webhook_secrets.is_empty());
        assert_eq!(off.stripe_api_base, "https://api.stripe.com/");
        assert_eq!(off.referral_commission_bps, 2000);

        let on = parse(&[
            DB,
            ("STRIPE_SECRET_KEY", "sk_test_abc123"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_old, whsec_new"),
            ("STRIPE_API_BASE", "http://127.0.0.1:9000"),
            ("STRIPE_PRICE_PRO", "price_pro1"),
            ("REFERRAL_COMMISSION_BPS", "1500"),
        ])
        .expect("valid")
        .billing;
        assert_eq!(on.webhook_secrets, ["whsec_old", "whsec_new"]);
        assert_eq!(on.stripe_api_base, "http://127.0.0.1:9000/");
        assert_eq!(on.prices.pro.as_deref(), Some("price_pro1"));
        assert_eq!(on.prices.pass, None);
        assert_eq!(on.referral_commission_bps, 1500);
        assert!(!format!("{on:?}").contains("sk_test_abc123") && !format!("{on:?}").contains("whsec_new"));

        let e = parse(&[
            DB,
            ("STRIPE_SECRET_KEY", "pk_test_publishable"),
            ("STRIPE_WEBHOOK_SECRET", "hunter2secret"),
            ("STRIPE_PRICE_STARTER", "prod_x"),
            ("REFERRAL_COMMISSION_BPS", "10001"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_named(&e),
            ["STRIPE_SECRET_KEY", "STRIPE_PRICE_STARTER", "STRIPE_WEBHOOK_SECRET", "REFERRAL_COMMISSION_BPS"]
        );
        assert!(!e.to_string().contains("pk_test_publishable") && !e.to_string().contains("hunter2secret"));

        let e = parse(&[DB, ("STRIPE_PRICE_PRO", "price_same"), ("STRIPE_PRICE_BUSINESS", "price_same")]).unwrap_err();
        assert_eq!(vars_named(&e), ["STRIPE_PRICE_PASS"]);
    }

    #[test]
    fn google_sign_in_needs_both_id_and_secret() {
        assert!(parse(&[DB]).expect("valid").google.is_none(), "off by default");
        let c = parse(&[
            DB,
            ("PUBLIC_URL", "https://threadr.example/"),
            ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
            ("GOOGLE_CLIENT_SECRET", "g-secret"),
        ])
        .expect("valid");
        let google = c.google.expect("on");
        assert_eq!(google.issuer_url, "https://accounts.google.com");
        assert_eq!(google.redirect_url, "https://threadr.example/auth/google/callback");

        let e = parse(&[DB, ("GOOGLE_CLIENT_ID", "id")]).unwrap_err();
        assert_eq!(vars_named(&e), ["GOOGLE_CLIENT_SECRET"]);
        let e = parse(&[DB, ("GOOGLE_CLIENT_SECRET", "hunter2")]).unwrap_err();
        assert_eq!(vars_named(&e), ["GOOGLE_CLIENT_ID"]);
        assert!(!e.to_string().contains("hunter2"));
        let e = parse(&[DB, ("GOOGLE_ISSUER_URL", "accounts.google.com")]).unwrap_err();
        assert_eq!(vars_named(&e), ["GOOGLE_ISSUER_URL"]);
    }

    #[test]
    fn ai_defaults_to_offline_with_sane_limits() {
        let c = parse(&[DB]).expect("valid");
        assert!(matches!(c.ai.backend, AiBackend::Offline));
        assert_eq!(c.ai.timeout, Duration::from_secs(60));
        assert_eq!(c.ai.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.ai.idle_timeout, Duration::from_secs(30));
        assert_eq!(c.ai.max_retries, 3);
    }

    #[test]
    fn ai_auto_prefers_openai_then_anthropic() {
        let c = parse(&[DB, ("OPENAI_API_KEY", "sk-o"), ("ANTHROPIC_API_KEY", "sk-a")]).expect("valid");
        let AiBackend::OpenAi(e) = c.ai.backend else { panic!("expected OpenAI: {:?}", c.ai.backend) };
        assert_eq!(
            (e.api_key.as_str(), e.base_url.as_str(), e.model.as_str()),
            ("sk-o", "https://api.openai.com/v1", "gpt-4o-mini")
        );

        let c = parse(&[DB, ("ANTHROPIC_API_KEY", "sk-a"), ("OPENAI_API_KEY", "  ")]).expect("valid");
        let AiBackend::Anthropic(e) = c.ai.backend else { panic!("expected Anthropic: {:?}", c.ai.backend) };
        assert_eq!(
            (e.api_key.as_str(), e.base_url.as_str(), e.model.as_str()),
            ("sk-a", "https://api.anthropic.com/v1", "claude-haiku-4-5")
        );
    }

    #[test]
    fn the_assistant_prefers_anthropic_in_auto_mode_only() {
        let c = parse(&[DB, ("OPENAI_API_KEY", "sk-o"), ("ANTHROPIC_API_KEY", "sk-a")]).expect("valid");
        assert!(matches!(c.ai.backend, AiBackend::OpenAi(_)), "threads keep OpenAI first");
        assert!(matches!(c.assistant_ai, AiBackend::Anthropic(_)), "{:?}", c.assistant_ai);
        let c = parse(&[DB, ("OPENAI_API_KEY", "sk-o")]).expect("valid");
        assert!(matches!(c.assistant_ai, AiBackend::OpenAi(_)));
        let c = parse(&[DB]).expect("valid");
        assert!(matches!(c.assistant_ai, AiBackend::Offline));
        let c = parse(&[DB, ("AI_PROVIDER", "openai"), ("OPENAI_API_KEY", "sk-o"), ("ANTHROPIC_API_KEY", "sk-a")])
            .expect("valid");
        assert!(matches!(c.assistant_ai, AiBackend::OpenAi(_)), "an explicit choice applies to both");
        let c = parse(&[DB, ("AI_PROVIDER", "offline"), ("ANTHROPIC_API_KEY", "sk-a")]).expect("valid");
        assert!(matches!(c.assistant_ai, AiBackend::Offline));
    }

    #[test]
    fn ai_explicit_choices_and_overrides() {
        let c = parse(&[
            DB,
            ("AI_PROVIDER", "Anthropic"),
            ("OPENAI_API_KEY", "sk-o"),
            ("ANTHROPIC_API_KEY", "sk-a"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/v1/"),
            ("ANTHROPIC_MODEL", "claude-sonnet-4-5"),
            ("AI_TIMEOUT_SECS", "5"),
            ("AI_CONNECT_TIMEOUT_SECS", "2"),
            ("AI_IDLE_TIMEOUT_SECS", "3"),
            ("AI_MAX_RETRIES", "0"),
        ])
        .expect("valid");
        let AiBackend::Anthropic(e) = &c.ai.backend else { panic!("expected Anthropic: {:?}", c.ai.backend) };
        assert_eq!(e.base_url, "http://127.0.0.1:9/v1", "trailing slash dropped");
        assert_eq!(e.model, "claude-sonnet-4-5");
        assert_eq!(
            (c.ai.timeout, c.ai.connect_timeout, c.ai.idle_timeout),
            (Duration::from_secs(5), Duration::from_secs(2), Duration::from_secs(3))
        );
        assert_eq!(c.ai.max_retries, 0);

        let c = parse(&[DB, ("AI_PROVIDER", "offline"), ("OPENAI_API_KEY", "sk-o")]).expect("valid");
        assert!(matches!(c.ai.backend, AiBackend::Offline), "offline wins over a key when chosen");
    }

    #[test]
    fn transcription_defaults_to_the_openai_settings_and_is_off_without_a_key() {
        let c = parse(&[DB]).expect("valid");
        assert!(c.transcribe.endpoint.is_none(), "no key: not configured");
        let c = parse(&[DB, ("OPENAI_API_KEY", "sk-o"), ("OPENAI_BASE_URL", "https://ai.example/v1/")]).expect("valid");
        let e = c.transcribe.endpoint.expect("OpenAI's key and URL");
        assert_eq!(
            (e.api_key.as_str(), e.base_url.as_str(), e.model.as_str()),
            ("sk-o", "https://ai.example/v1", "whisper-1")
        );
        let c = parse(&[
            DB,
            ("OPENAI_API_KEY", "sk-o"),
            ("TRANSCRIBE_API_KEY", "sk-t"),
            ("TRANSCRIBE_BASE_URL", "http://127.0.0.1:9/v1"),
            ("TRANSCRIBE_MODEL", "gpt-4o-mini-transcribe"),
            ("TRANSCRIBE_TEMP_DIR", "/tmp/uploads"),
        ])
        .expect("valid");
        let e = c.transcribe.endpoint.expect("its own settings");
        assert_eq!((e.api_key.as_str(), e.base_url.as_str()), ("sk-t", "http://127.0.0.1:9/v1"));
        assert_eq!(e.model, "gpt-4o-mini-transcribe");
        assert_eq!(c.transcribe.temp_dir.as_deref(), Some(std::path::Path::new("/tmp/uploads")));
        let e = parse(&[DB, ("TRANSCRIBE_API_KEY", "sk-t"), ("TRANSCRIBE_BASE_URL", "ftp://x")]).unwrap_err();
        assert_eq!(vars_named(&e), ["TRANSCRIBE_BASE_URL"]);
    }

    #[test]
    fn ai_chosen_provider_without_its_key_names_the_key() {
        let e = parse(&[DB, ("AI_PROVIDER", "openai"), ("ANTHROPIC_API_KEY", "sk-a")]).unwrap_err();
        assert_eq!(vars_named(&e), ["OPENAI_API_KEY"]);
        let e = parse(&[DB, ("AI_PROVIDER", "anthropic")]).unwrap_err();
        assert_eq!(vars_named(&e), ["ANTHROPIC_API_KEY"]);
        let e = parse(&[DB, ("OPENAI_API_KEY", "sk-one two")]).unwrap_err();
        assert_eq!(vars_named(&e), ["OPENAI_API_KEY"]);
        assert!(!e.to_string().contains("sk-one"));
    }

    #[test]
    fn ai_bad_values_are_named() {
        let e = parse(&[
            DB,
            ("AI_PROVIDER", "gemini"),
            ("OPENAI_BASE_URL", "api.openai.com"),
            ("OPENAI_MODEL", "gpt 4"),
            ("AI_TIMEOUT_SECS", "0"),
            ("AI_CONNECT_TIMEOUT_SECS", "soon"),
            ("AI_IDLE_TIMEOUT_SECS", "-1"),
            ("AI_MAX_RETRIES", "11"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_named(&e),
            [
                "AI_PROVIDER",
                "OPENAI_BASE_URL",
                "OPENAI_MODEL",
                "AI_TIMEOUT_SECS",
                "AI_CONNECT_TIMEOUT_SECS",
                "AI_IDLE_TIMEOUT_SECS",
                "AI_MAX_RETRIES"
            ]
        );
    }

    #[test]
    fn the_offline_pace_is_off_unless_set() {
        assert_eq!(parse(&[DB]).expect("valid").ai.offline_pace, Duration::ZERO);
        let c = parse(&[DB, ("AI_OFFLINE_PACE_MS", "250")]).expect("valid");
        assert_eq!(c.ai.offline_pace, Duration::from_millis(250));
        assert_eq!(vars_named(&parse(&[DB, ("AI_OFFLINE_PACE_MS", "soon")]).unwrap_err()), ["AI_OFFLINE_PACE_MS"]);
    }

    #[test]
    fn ai_keys_never_appear_in_debug_output() {
        let c = parse(&[DB, ("OPENAI_API_KEY", "sk-very-secret-openai")]).expect("valid");
        let shown = format!("{c:?} {:?}", c.ai);
        assert!(!shown.contains("sk-very-secret-openai"), "{shown}");
        assert!(shown.contains("gpt-4o-mini"), "{shown}");
        let c = parse(&[DB, ("ANTHROPIC_API_KEY", "sk-ant-secret")]).expect("valid");
        assert!(!format!("{c:?}").contains("sk-ant-secret"));
    }

    #[test]
    fn url_import_ports() {
        assert_eq!(parse(&[DB]).expect("valid").url_import_ports, [80, 443]);
        let c = parse(&[DB, ("URL_IMPORT_PORTS", " 443, 8443 ,443,")]).expect("valid");
        assert_eq!(c.url_import_ports, [443, 8443]);
        for bad in ["", " , ", "0", "80,http", "65536", "-1"] {
            let e = parse(&[DB, ("URL_IMPORT_PORTS", bad)]).unwrap_err();
            assert_eq!(vars_named(&e), ["URL_IMPORT_PORTS"], "{bad:?}");
        }
    }

    #[test]
    fn rate_limit_defaults_and_values() {
        let c = parse(&[DB]).expect("valid");
        assert_eq!(c.rate_limit.requests_per_minute.get(), 100);
        assert!(c.rate_limit.redis_url.is_none(), "in-process by default");
        assert_eq!(c.trusted_proxy_hops, 0);

        let c = parse(&[
            DB,
            ("REQUESTS_PER_MINUTE", "5"),
            ("REDIS_URL", "redis://:hunter2@127.0.0.1:6390/1"),
            ("TRUSTED_PROXY_HOPS", "2"),
        ])
        .expect("valid");
        assert_eq!(c.rate_limit.requests_per_minute.get(), 5);
        assert_eq!(c.rate_limit.redis_url.as_deref(), Some("redis://:hunter2@127.0.0.1:6390/1"));
        assert_eq!(c.trusted_proxy_hops, 2);
        assert!(!format!("{:?}", c.rate_limit).contains("hunter2"), "Debug hides the Redis URL");

        let e = parse(&[
            DB,
            ("REQUESTS_PER_MINUTE", "0"),
            ("REDIS_URL", "http://:hunter2@cache:6379"),
            ("TRUSTED_PROXY_HOPS", "-1"),
        ])
        .unwrap_err();
        assert_eq!(vars_named(&e), ["REQUESTS_PER_MINUTE", "REDIS_URL", "TRUSTED_PROXY_HOPS"]);
        assert!(!e.to_string().contains("hunter2"), "REDIS_URL is secret");
        assert!(parse(&[DB, ("TRUSTED_PROXY_HOPS", "17")]).is_err());
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../README.md");
        for spec in VARS {
            assert!(readme.contains(&format!("| `{}` |", spec.name)), "README.md lacks {}", spec.name);
        }
    }

    #[test]
    fn mask_secret_hides_plain_secrets() {
        assert_eq!(mask_secret("sk_live_abc"), "hidden, 11 characters");
    }
}
