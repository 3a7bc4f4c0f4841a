//! `ai_requests`: one row per AI request — who (a member, or a salted hash of a visitor's IP),
//! what, which provider and model, tokens, cost from the price table, latency, time to first
//! token and outcome. Prompts and outputs are never stored.

use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// A request slower than this is logged as slow.
pub const SLOW: Duration = Duration::from_secs(1);
/// A request costing more than this ($0.50) is flagged for admins.
pub const FLAG_MICROUSD: i64 = 500_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    #[default]
    Ok,
    Failed,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct NewRequest {
    pub user_id: Option<Uuid>,
    pub anon_ip_hash: Option<String>,
    pub kind: &'static str,
    pub provider: String,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub tokens_estimated: bool,
    pub latency: Duration,
    pub time_to_first_token: Option<Duration>,
    pub outcome: Outcome,
    pub error_class: Option<&'static str>,
}

/// Cost in micro-dollars: tokens × price per million, rounded up to the next micro-dollar.
pub fn cost_microusd(input_tokens: u64, output_tokens: u64, input_price: i64, output_price: i64) -> i64 {
    let part = |tokens: u64, price: i64| i128::from(tokens).checked_mul(i128::from(price.max(0)));
    let total =
        part(input_tokens, input_price).zip(part(output_tokens, output_price)).and_then(|(a, b)| a.checked_add(b));
    total.and_then(|t| t.checked_add(999_999)).and_then(|t| i64::try_from(t / 1_000_000).ok()).unwrap_or(i64::MAX)
}

/// Writes the row (cost from `ai_model_prices`; an unknown model costs 0 and is warned about)
/// and the structured log line. Returns the row id.
pub async fn record(db: &PgPool, r: &NewRequest) -> Result<Uuid, sqlx::Error> {
    let price: Option<(i64, i64)> = sqlx::query_as(
        "SELECT input_microusd_per_mtok, output_microusd_per_mtok FROM ai_model_prices WHERE provider = $1 AND model = $2",
    )
    .bind(&r.provider)
    .bind(&r.model)
    .fetch_optional(db)
    .await?;
    if price.is_none() {
        tracing::warn!(provider = %r.provider, model = %r.model, "no price for this model in ai_model_prices; cost logged as 0");
    }
    let (input_price, output_price) = price.unwrap_or((0, 0));
    let cost = cost_microusd(r.input_tokens, r.output_tokens, input_price, output_price);
    let slow = r.latency > SLOW;
    let flagged = cost > FLAG_MICROUSD;
    let latency_ms = i32::try_from(r.latency.as_millis()).unwrap_or(i32::MAX);
    let ttft_ms = r.time_to_first_token.map(|t| i32::try_from(t.as_millis()).unwrap_or(i32::MAX));
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO ai_requests (user_id, anon_ip_hash, kind, provider, model, input_tokens, output_tokens,
                tokens_estimated, cost_microusd, latency_ms, ttft_ms, outcome, error_class, slow, flagged)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(r.user_id)
    .bind(&r.anon_ip_hash)
    .bind(r.kind)
    .bind(&r.provider)
    .bind(&r.model)
    .bind(i64::try_from(r.input_tokens).unwrap_or(i64::MAX))
    .bind(i64::try_from(r.output_tokens).unwrap_or(i64::MAX))
    .bind(r.tokens_estimated)
    .bind(cost)
    .bind(latency_ms)
    .bind(ttft_ms)
    .bind(r.outcome.as_str())
    .bind(r.error_class)
    .bind(slow)
    .bind(flagged)
    .fetch_one(db)
    .await?;
    record_metrics(r, cost);
    if slow || flagged {
        tracing::warn!(
            ai_request = %id, kind = r.kind, provider = %r.provider, model = %r.model, latency_ms, ttft_ms,
            cost_microusd = cost, slow, flagged, outcome = r.outcome.as_str(), "AI request slow or costly"
        );
    } else {
        tracing::info!(
            ai_request = %id, kind = r.kind, provider = %r.provider, model = %r.model, latency_ms, ttft_ms,
            cost_microusd = cost, outcome = r.outcome.as_str(), "AI request"
        );
    }
    Ok(id)
}

/// The Prometheus counters of one AI request: by provider, kind and outcome; tokens; cost.
fn record_metrics(r: &NewRequest, cost_microusd: i64) {
    let provider = r.provider.clone();
    metrics::counter!("threadr_ai_requests_total", "provider" => provider.clone(), "kind" => r.kind, "outcome" => r.outcome.as_str())
        .increment(1);
    metrics::counter!("threadr_ai_tokens_total", "provider" => provider.clone(), "direction" => "input")
        .increment(r.input_tokens);
    metrics::counter!("threadr_ai_tokens_total", "provider" => provider.clone(), "direction" => "output")
        .increment(r.output_tokens);
    metrics::counter!("threadr_ai_cost_microusd_total", "provider" => provider)
        .increment(u64::try_from(cost_microusd).unwrap_or(0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_to_the_micro_dollar() {
        // gpt-4o-mini: $0.15 / $0.60 per million tokens.
        assert_eq!(cost_microusd(1_000_000, 0, 150_000, 600_000), 150_000);
        assert_eq!(cost_microusd(1000, 500, 150_000, 600_000), 150 + 300);
        assert_eq!(cost_microusd(1, 0, 150_000, 600_000), 1, "a part of a micro-dollar is charged as one");
        assert_eq!(cost_microusd(0, 0, 150_000, 600_000), 0);
        assert_eq!(cost_microusd(u64::MAX, u64::MAX, i64::MAX, i64::MAX), i64::MAX, "no overflow");
    }

    #[test]
    fn flag_threshold_is_fifty_cents() {
        // claude-sonnet: $15 per million output tokens → 34,000 tokens is $0.51.
        assert!(cost_microusd(0, 34_000, 3_000_000, 15_000_000) > FLAG_MICROUSD);
        assert!(cost_microusd(0, 33_000, 3_000_000, 15_000_000) <= FLAG_MICROUSD);
    }
}
