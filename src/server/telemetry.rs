use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use super::config::LogFormat;

/// Structured logs to stdout. Safe to call more than once (later calls are ignored).
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry.with(fmt::layer().json().with_current_span(true).with_span_list(false)).try_init(),
        LogFormat::Pretty => registry.with(fmt::layer()).try_init(),
    };
}
