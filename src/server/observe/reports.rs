//! Errors and panics to Sentry when SENTRY_DSN is set. `tracing::error!` events become Sentry
//! events (warnings and info lines their breadcrumbs) through the tracing layer that
//! [`telemetry`](crate::server::telemetry) installs; panics through the panic integration.
//! Each request reports through a hub of its own, tagged with its request id and carrying
//! the request (method, URL, headers) and, once the session names one, the user id. Before
//! anything leaves, [`scrub_event`] replaces passwords, tokens, cookies, authorization
//! headers, API keys and other secrets — by key anywhere in the event, and by pattern in
//! every text (`sk_live_…`, `sk-…`, `Bearer …`, `password=…`, URL passwords).

use regex::Regex;
use sentry::protocol::{Breadcrumb, Event};
use std::{
    borrow::Cow,
    sync::{Arc, LazyLock},
};

use crate::server::config::SentryConfig;

/// What replaces a secret.
pub const FILTERED: &str = "[Filtered]";

/// Sentry's options for this app: the DSN, release (the crate version), environment, no
/// default PII, and the scrubbers.
pub fn client_options(config: &SentryConfig) -> sentry::ClientOptions {
    sentry::ClientOptions {
        dsn: config.dsn.parse().ok(),
        release: Some(Cow::Borrowed(crate::VERSION)),
        environment: Some(Cow::Owned(config.environment.clone())),
        send_default_pii: false,
        attach_stacktrace: false,
        before_send: Some(Arc::new(scrub_event)),
        before_breadcrumb: Some(Arc::new(scrub_breadcrumb)),
        ..Default::default()
    }
}

/// Binds a Sentry client to the process's main hub when SENTRY_DSN is set. Keep the guard
/// until the process ends: dropping it sends what is queued (for up to two seconds).
pub fn init(config: Option<&SentryConfig>) -> Option<sentry::ClientInitGuard> {
    let guard = sentry::init(client_options(config?));
    guard.is_enabled().then_some(guard)
}

/// A client of its own for `config` (with the default integrations: panics, contexts),
/// for a hub that is not the main one (tests give each app its own).
pub fn client(config: &SentryConfig) -> Arc<sentry::Client> {
    Arc::new(sentry::Client::from(sentry::apply_defaults(client_options(config))))
}

/// The tracing layer: error events become Sentry events, warnings and info lines
/// breadcrumbs; spans are not sent (no performance tracing).
pub fn tracing_layer<S>() -> sentry::integrations::tracing::SentryLayer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    sentry::integrations::tracing::layer().span_filter(|_| false)
}

/// Tags the request's hub with its request id and has its events carry the request.
pub(super) fn scope_request(hub: &sentry::Hub, req: &axum::extract::Request) {
    let headers = req.headers();
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let url = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).and_then(|host| {
        let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        sentry::protocol::Url::parse(&format!("http://{host}{path}")).ok()
    });
    let info = sentry::protocol::Request {
        url,
        method: Some(req.method().to_string()),
        query_string: req.uri().query().map(str::to_string),
        headers: headers.iter().filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string()))).collect(),
        ..Default::default()
    };
    hub.configure_scope(|scope| {
        if let Some(id) = &request_id {
            scope.set_tag("request_id", id);
        }
        scope.add_event_processor(move |mut event| {
            if event.request.is_none() {
                event.request = Some(info.clone());
            }
            Some(event)
        });
    });
}

/// Keys whose values are secrets wherever they appear (headers, extra, contexts, data).
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)password|passwd|secret|token|cookie|authorization|api[_-]?key|session|dsn").expect("regex")
});

/// Secrets recognised inside text, and what replaces them.
static SECRET_TEXT: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let key =
        r"[A-Za-z0-9_.-]*(?:password|passwd|secret|token|cookie|authorization|api[_-]?key|session|dsn)[A-Za-z0-9_.-]*";
    [
        // `Bearer abc…`, `Basic abc…` (an Authorization header's value in a message).
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+".to_string(), "${1} [Filtered]"),
        // Stripe, OpenAI, Anthropic and similar keys.
        (r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+".to_string(), FILTERED),
        (r"\bwhsec_[A-Za-z0-9]+".to_string(), FILTERED),
        (r"\bsk-[A-Za-z0-9_-]{8,}".to_string(), FILTERED),
        // password=…, "token": "…", api_key: …, cookie=… (in text, query strings and JSON).
        (format!(r#"(?i)\b({key})(["']?\s*[:=]\s*["']?)[^\s"'&,;]+"#), "${1}${2}[Filtered]"),
        // scheme://user:password@host
        (r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^@\s/]+@".to_string(), "${1}:[Filtered]@"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(&pattern).expect("regex"), replacement))
    .collect()
});

/// `text` with every secret the patterns recognise replaced.
pub fn scrub_text(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, replacement) in SECRET_TEXT.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

/// Replaces, everywhere in `value`, the values of secret-named keys (numbers and booleans
/// such as token counts stay) and the secrets inside strings.
pub fn scrub_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(clean) = scrub_text(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let plain = matches!(item, Value::Number(_) | Value::Bool(_) | Value::Null);
                if !plain && SECRET_KEY.is_match(key) {
                    *item = Value::String(FILTERED.into());
                } else {
                    scrub_value(item);
                }
            }
        }
        _ => {}
    }
}

/// `before_send`: the event with its secrets replaced (dropped if it cannot be cleaned).
pub fn scrub_event(event: Event<'static>) -> Option<Event<'static>> {
    let mut value = serde_json::to_value(&event).ok()?;
    scrub_value(&mut value);
    serde_json::from_value(value).ok()
}

/// `before_breadcrumb`: the same for a breadcrumb.
pub fn scrub_breadcrumb(crumb: Breadcrumb) -> Option<Breadcrumb> {
    let mut value = serde_json::to_value(&crumb).ok()?;
    scrub_value(&mut value);
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_text_are_replaced() {
        let cases = [
            ("charge failed for sk_live_51Habc123XYZ", "charge failed for [Filtered]"),
            ("key sk-proj-AbCdEf123456_x", "key [Filtered]"),
            ("Authorization: Bearer abc.def-ghi", "Authorization: [Filtered] [Filtered]"),
            ("sent Bearer abc.def-ghi upstream", "sent Bearer [Filtered] upstream"),
            ("login password=hunter2&next=/", "login password=[Filtered]&next=/"),
            (r#"{"api_key": "k-123", "n": 1}"#, r#"{"api_key": "[Filtered]", "n": 1}"#),
            ("postgres://app:s3cr3t@db:5432/x", "postgres://app:[Filtered]@db:5432/x"),
            ("whsec_abcdef012345 rejected", "[Filtered] rejected"),
            ("a harmless line", "a harmless line"),
        ];
        for (input, expected) in cases {
            assert_eq!(scrub_text(input), expected, "{input}");
        }
    }

    #[test]
    fn events_lose_secret_values_by_key_and_by_pattern() {
        let mut event = Event {
            message: Some("refused token=abc123 for sk_test_999zzz".into()),
            request: Some(sentry::protocol::Request {
                url: "http://example.test/x?session_id=s1&page=2".parse().ok(),
                query_string: Some("session_id=s1&page=2".into()),
                cookies: Some("threadr_session=abc".into()),
                headers: [
                    ("cookie".to_string(), "threadr_session=abc".to_string()),
                    ("authorization".to_string(), "Bearer xyz".to_string()),
                    ("x-api-key".to_string(), "k1".to_string()),
                    ("accept".to_string(), "text/html".to_string()),
                ]
                .into_iter()
                .collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
        event.extra.insert("password".into(), "hunter2".into());
        event.extra.insert("input_tokens".into(), 42.into());
        event.extra.insert("nested".into(), serde_json::json!({ "client_secret": "cs_1", "ok": "fine" }));
        let clean = scrub_event(event).expect("cleaned");
        let text = serde_json::to_string(&clean).unwrap();
        for secret in ["abc123", "sk_test_999zzz", "s1", "threadr_session=abc", "xyz", "k1", "hunter2", "cs_1"] {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        assert!(text.contains("text/html") && text.contains("fine") && text.contains("42"), "{text}");
        assert!(text.contains("page=2"), "{text}");
    }
}
