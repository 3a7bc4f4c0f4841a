use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use super::config::LogFormat;

/// Where log lines go: the server logs to stdout; one-off commands keep stdout for their
/// result and log to stderr.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    Stdout,
    Stderr,
}

/// Structured logs. Safe to call more than once (later calls are ignored).
pub fn init(format: LogFormat, filter: &str, sink: Sink) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Error events go to Sentry too (when SENTRY_DSN bound a client; a no-op otherwise).
    let registry = tracing_subscriber::registry().with(filter).with(super::observe::reports::tracing_layer());
    let writer = move || -> Box<dyn std::io::Write> {
        match sink {
            Sink::Stdout => Box::new(std::io::stdout()),
            Sink::Stderr => Box::new(std::io::stderr()),
        }
    };
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(writer))
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().with_writer(writer)).try_init(),
    };
}
