//! `GET /api/health/detailed`: every service's state for operators — for a signed-in admin
//! (past the portal key) or a caller with `Authorization: Bearer <OPS_TOKEN>`; others get
//! 401 or 403. Each check runs concurrently within two seconds and never calls a paid API:
//! Stripe, email and AI are judged from configuration and our own tables (recent failures,
//! queue ages). 503 when a required service is down (the database; Redis when REDIS_URL is
//! set), else 200. The plain `/health` stays a liveness check that touches nothing.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::features::accounts::session::Admin;
use crate::server::{
    observe::{
        self,
        probes::{self, Finding, Status},
    },
    state::AppState,
};

/// The route.
pub const PATH: &str = "/api/health/detailed";

/// An email due this long ago and still waiting means the worker or the provider is behind.
const EMAIL_DUE_TOO_LONG_SECS: f64 = 15.0 * 60.0;
/// A search outbox row this old that the index has not applied means the applier is stuck.
const SEARCH_BEHIND_SECS: f64 = 5.0 * 60.0;

pub async fn detailed_health(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _body) = req.into_parts();
    if !observe::ops_token_ok(state.config.ops_token.as_deref(), &parts.headers)
        && let Err(e) = <Admin as FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await
    {
        return refused(&e);
    }
    let (status, body) = report(&state).await;
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// 401 or 403 with the error's kind and, for a person at a browser or a script, its message
/// ("Enter the admin portal key to continue.").
fn refused(e: &crate::error::AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::FORBIDDEN);
    let mut body = serde_json::to_value(e).unwrap_or_else(|_| json!({}));
    if let Some(fields) = body.as_object_mut() {
        fields.insert("message".into(), e.to_string().into());
    }
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// The report and its HTTP status.
pub async fn report(state: &AppState) -> (StatusCode, serde_json::Value) {
    let redis_required = state.config.rate_limit.redis_url.is_some();
    let (database, redis, stripe, email, ai, search) = tokio::join!(
        probes::timed(probes::database(&state.db)),
        probes::timed(async {
            probes::redis(&state.rate_limiter).await.unwrap_or_else(|| {
                Finding::note(Status::Healthy, "not configured: per-minute limits are counted by each instance")
            })
        }),
        probes::timed(stripe(state)),
        probes::timed(email(state)),
        probes::timed(ai(state)),
        probes::timed(search(state)),
    );
    let required_down = database.status == Status::Down || (redis_required && redis.status == Status::Down);
    let all = [&database, &redis, &stripe, &email, &ai, &search];
    let overall = if required_down {
        Status::Down
    } else if all.iter().any(|c| c.status != Status::Healthy) {
        Status::Degraded
    } else {
        Status::Healthy
    };
    let body = json!({
        "status": overall,
        "database": database,
        "redis": redis,
        "stripe": stripe,
        "email": email,
        "ai": ai,
        "search": search,
        "pool": probes::pool(&state.db),
        "memory": { "rss_bytes": probes::rss_bytes() },
        "uptime_secs": state.started_at.elapsed().as_secs(),
        "version": crate::VERSION,
        "instance_id": state.observe.minutes.instance_id(),
    });
    let status = if required_down { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (status, body)
}

/// A query's failure as a finding (the database check names the outage itself).
fn unreadable(what: &str, e: &sqlx::Error) -> Finding {
    if crate::server::error::is_unavailable(e) {
        Finding::note(Status::Degraded, format!("{what}: the database is unavailable"))
    } else {
        tracing::warn!(error = %e, "{what} not read for the detailed health check");
        Finding::note(Status::Degraded, format!("{what} could not be read"))
    }
}

/// Keys set, and webhooks failing in the last hour (no call to Stripe).
async fn stripe(state: &AppState) -> Finding {
    if state.stripe.is_none() {
        return Finding::note(Status::Healthy, "not configured: payments are off");
    }
    if state.config.billing.webhook_secrets.is_empty() {
        return Finding::note(Status::Degraded, "STRIPE_WEBHOOK_SECRET is not set: webhooks are refused");
    }
    let counts: Result<(i64, i64), _> = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE received_at > now() - interval '1 hour'), count(*)
           FROM stripe_events WHERE status = 'failed'",
    )
    .fetch_one(&state.db)
    .await;
    match counts {
        Err(e) => unreadable("webhook events", &e),
        Ok((0, 0)) => Finding::healthy(),
        Ok((0, all)) => Finding::note(Status::Healthy, format!("{all} failed webhook events wait for a replay")),
        Ok((recent, all)) => Finding::note(
            Status::Degraded,
            format!("{recent} webhook events failed in the last hour ({all} failed in all)"),
        ),
    }
}

/// A provider configured, no dead mail in the last hour, nothing due for long.
async fn email(state: &AppState) -> Finding {
    let email = &state.config.email;
    let provider = email.resend_api_key.is_some() || email.smtp_url.is_some();
    let counts: Result<(i64, f64), _> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM email_outbox WHERE status = 'dead' AND updated_at > now() - interval '1 hour'),
                coalesce((SELECT extract(epoch FROM now() - min(next_attempt_at)) FROM email_outbox
                           WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()), 0)::float8",
    )
    .fetch_one(&state.db)
    .await;
    let (dead, due_for) = match counts {
        Ok(counts) => counts,
        Err(e) => return unreadable("the email outbox", &e),
    };
    if dead > 0 {
        return Finding::note(Status::Degraded, format!("{dead} emails died in the last hour"));
    }
    if due_for > EMAIL_DUE_TOO_LONG_SECS {
        return Finding::note(
            Status::Degraded,
            format!("an email has been due for {} minutes", (due_for / 60.0) as i64),
        );
    }
    match (provider, state.config.is_production()) {
        (true, _) => Finding::healthy(),
        (false, true) => Finding::note(Status::Degraded, "no provider: mail goes to the dev mailbox"),
        (false, false) => Finding::note(Status::Healthy, "no provider: mail goes to the dev mailbox"),
    }
}

/// The provider configured, and the last hour's failure rate from `ai_requests`.
async fn ai(state: &AppState) -> Finding {
    let provider = state.ai.name();
    let counts: Result<(i64, i64), _> = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE outcome = 'failed')
           FROM ai_requests WHERE created_at > now() - interval '1 hour'",
    )
    .fetch_one(&state.db)
    .await;
    let (total, failed) = match counts {
        Ok(counts) => counts,
        Err(e) => return unreadable("AI requests", &e),
    };
    let rate = if total > 0 { failed as f64 / total as f64 } else { 0.0 };
    let summary = format!("{provider}: {failed} of {total} requests failed in the last hour");
    if total >= 5 && rate >= 0.5 {
        Finding::note(Status::Down, summary)
    } else if total >= 5 && rate >= 0.2 {
        Finding::note(Status::Degraded, summary)
    } else if provider == crate::features::ai::ProviderName::Offline {
        Finding::note(Status::Healthy, "offline provider (no AI_PROVIDER key set)")
    } else {
        Finding::healthy()
    }
}

/// The embedded index caught up, and no outbox row left behind for long.
async fn search(state: &AppState) -> Finding {
    use crate::features::catalogue::search::SearchIndex;
    let applied = state.search.service.applied_through().await.ok().flatten();
    let behind: Result<(i64, f64), _> = sqlx::query_as(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
           FROM search_outbox WHERE id > $1",
    )
    .bind(applied.unwrap_or(0))
    .fetch_one(&state.db)
    .await;
    let (rows, oldest) = match behind {
        Ok(behind) => behind,
        Err(e) => return unreadable("the search outbox", &e),
    };
    if !state.search.service.is_ready() {
        return Finding::note(Status::Degraded, "the index is catching up: PostgreSQL answers searches meanwhile");
    }
    if oldest > SEARCH_BEHIND_SECS {
        return Finding::note(
            Status::Degraded,
            format!("{rows} changes wait; the oldest for {} minutes", (oldest / 60.0) as i64),
        );
    }
    Finding::healthy()
}
