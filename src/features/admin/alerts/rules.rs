//! The alert rules with the seeds' thresholds (each can be changed with ALERT_THRESHOLDS), and
//! how each is measured over its window.

use chrono::Duration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    PaymentFailureRate,
    WebhookFailures,
    AdminSignInFailures,
    SlowRequests,
    EmailDeliveryRate,
    GenerationFailureRate,
    CostlyAiRequest,
    DatabaseConnectionFailures,
}

pub const RULES: [Rule; 8] = [
    Rule::PaymentFailureRate,
    Rule::WebhookFailures,
    Rule::AdminSignInFailures,
    Rule::SlowRequests,
    Rule::EmailDeliveryRate,
    Rule::GenerationFailureRate,
    Rule::CostlyAiRequest,
    Rule::DatabaseConnectionFailures,
];

impl Rule {
    /// The name in ALERT_THRESHOLDS and in the episodes table.
    pub fn key(self) -> &'static str {
        match self {
            Rule::PaymentFailureRate => "payment_failure_rate",
            Rule::WebhookFailures => "webhook_failures",
            Rule::AdminSignInFailures => "admin_sign_in_failures",
            Rule::SlowRequests => "p95_latency_ms",
            Rule::EmailDeliveryRate => "email_delivery_rate",
            Rule::GenerationFailureRate => "generation_failure_rate",
            Rule::CostlyAiRequest => "ai_request_cost_usd",
            Rule::DatabaseConnectionFailures => "db_connection_failures",
        }
    }

    pub fn from_key(key: &str) -> Option<Rule> {
        RULES.into_iter().find(|r| r.key() == key)
    }

    pub fn default_threshold(self) -> f64 {
        match self {
            Rule::PaymentFailureRate => 5.0,
            Rule::WebhookFailures => 10.0,
            Rule::AdminSignInFailures => 5.0,
            Rule::SlowRequests => 2000.0,
            Rule::EmailDeliveryRate => 95.0,
            Rule::GenerationFailureRate => 10.0,
            Rule::CostlyAiRequest => 0.50,
            Rule::DatabaseConnectionFailures => 3.0,
        }
    }

    pub fn window(self) -> Duration {
        match self {
            Rule::WebhookFailures | Rule::AdminSignInFailures => Duration::minutes(15),
            Rule::SlowRequests | Rule::DatabaseConnectionFailures => Duration::minutes(5),
            _ => Duration::hours(1),
        }
    }

    /// Whether the alert fires below the threshold (a rate that should stay high).
    pub fn fires_below(self) -> bool {
        self == Rule::EmailDeliveryRate
    }

    pub fn critical(self) -> bool {
        matches!(self, Rule::PaymentFailureRate | Rule::DatabaseConnectionFailures | Rule::WebhookFailures)
    }

    /// "Payment failure rate above 5% in an hour".
    pub fn title(self, threshold: f64) -> String {
        let window = match self.window().num_minutes() {
            60 => "an hour".to_string(),
            m => format!("{m} minutes"),
        };
        match self {
            Rule::PaymentFailureRate => format!("Payment failure rate above {}% in {window}", num(threshold)),
            Rule::WebhookFailures => format!("More than {} Stripe webhook failures in {window}", num(threshold)),
            Rule::AdminSignInFailures => format!("More than {} failed admin sign-ins in {window}", num(threshold)),
            Rule::SlowRequests => format!("p95 response time above {} ms over {window}", num(threshold)),
            Rule::EmailDeliveryRate => format!("Email delivery rate below {}% in {window}", num(threshold)),
            Rule::GenerationFailureRate => format!("AI generation failure rate above {}% in {window}", num(threshold)),
            Rule::CostlyAiRequest => format!("An AI request cost more than ${threshold:.2} in {window}"),
            Rule::DatabaseConnectionFailures => {
                format!("More than {} database connection failures in {window}", num(threshold))
            }
        }
    }

    pub fn crossed(self, value: f64, threshold: f64) -> bool {
        if self.fires_below() { value < threshold } else { value > threshold }
    }
}

/// 5 → "5", 0.5 → "0.5".
fn num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

/// Each rule's threshold: the defaults, with ALERT_THRESHOLDS's `name=number` pairs over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds(Vec<(Rule, f64)>);

impl Default for Thresholds {
    fn default() -> Self {
        Self(RULES.iter().map(|r| (*r, r.default_threshold())).collect())
    }
}

impl Thresholds {
    /// `payment_failure_rate=2,webhook_failures=20`: unknown names and bad numbers are refused.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut t = Self::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').ok_or(format!("“{pair}” should look like name=number"))?;
            let rule = Rule::from_key(name.trim()).ok_or_else(|| {
                format!(
                    "no alert called “{}” (the alerts: {})",
                    name.trim(),
                    RULES.iter().map(|r| r.key()).collect::<Vec<_>>().join(", ")
                )
            })?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or(format!("{name}: “{}” is not a number of 0 or more", value.trim()))?;
            if let Some(slot) = t.0.iter_mut().find(|(r, _)| *r == rule) {
                slot.1 = value;
            }
        }
        Ok(t)
    }

    pub fn get(&self, rule: Rule) -> f64 {
        self.0.iter().find(|(r, _)| *r == rule).map(|(_, v)| *v).unwrap_or(rule.default_threshold())
    }
}

/// A rule's reading over its window: the value compared with the threshold, whether there
/// was anything to measure, and a sentence for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub value: f64,
    /// A rate over no events says nothing: such a reading never fires.
    pub meaningful: bool,
    pub detail: String,
}

#[cfg(feature = "ssr")]
fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// Reads `rule` over the window that ends at `now`.
#[cfg(feature = "ssr")]
pub async fn measure(
    db: &mut sqlx::PgConnection,
    rule: Rule,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Reading> {
    let since = now - rule.window();
    let counts = |sql: &'static str| sqlx::query_as::<_, (i64, i64)>(sql).bind(since).bind(now);
    Ok(match rule {
        Rule::PaymentFailureRate => {
            let (failed, all): (i64, i64) = counts(
                "SELECT f.n, f.n + p.n FROM
                   (SELECT (SELECT count(*) FROM invoices WHERE status = 'failed' AND first_failed_at > $1 AND first_failed_at <= $2)
                         + (SELECT count(*) FROM purchases WHERE status = 'failed' AND closed_at > $1 AND closed_at <= $2) AS n) f,
                   (SELECT (SELECT count(*) FROM invoices WHERE status = 'paid' AND paid_at > $1 AND paid_at <= $2)
                         + (SELECT count(*) FROM purchases WHERE paid_at > $1 AND paid_at <= $2) AS n) p",
            )
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: rate(failed, all),
                meaningful: failed > 0,
                detail: format!("{failed} of {all} payments failed (invoices and marketplace checkouts)."),
            }
        }
        Rule::WebhookFailures => {
            let (failed, types): (i64, i64) = counts(
                "SELECT count(*), count(DISTINCT type) FROM stripe_events
                  WHERE status = 'failed' AND last_attempt_at > $1 AND last_attempt_at <= $2",
            )
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: failed as f64,
                meaningful: true,
                detail: format!(
                    "{failed} Stripe events failed ({types} event types). Replay them from /admin/webhooks."
                ),
            }
        }
        Rule::AdminSignInFailures => {
            let (failed, accounts): (i64, i64) = counts(
                "SELECT count(*), count(DISTINCT u.id) FROM audit_log a
                   JOIN users u ON u.role = 'admin' AND (u.id = a.user_id OR u.email = a.email)
                  WHERE a.at > $1 AND a.at <= $2
                    AND a.event IN ('sign_in_failed', 'google_sign_in_failed', 'admin_step_up_failed')",
            )
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: failed as f64,
                meaningful: true,
                detail: format!(
                    "{failed} failed sign-ins or portal-key entries on {accounts} admin accounts. See the audit log."
                ),
            }
        }
        Rule::SlowRequests => {
            let buckets: Option<Vec<i64>> = sqlx::query_scalar(
                "SELECT array_agg(total ORDER BY i) FROM (
                    SELECT i, sum(b)::bigint AS total
                      FROM instance_minutes, unnest(latency_buckets) WITH ORDINALITY AS u(b, i)
                     WHERE minute >= $1 AND minute < $2 GROUP BY i) t",
            )
            .bind(since)
            .bind(now)
            .fetch_one(&mut *db)
            .await?;
            let buckets = buckets.unwrap_or_default();
            let total: i64 = buckets.iter().sum();
            let p95 = p95_ms(&buckets);
            Reading {
                value: p95,
                meaningful: total > 0,
                detail: format!(
                    "p95 of {total} requests was {} over the window, on every instance.",
                    if p95.is_infinite() {
                        "beyond the slowest bucket".to_string()
                    } else {
                        format!("at most {p95:.0} ms")
                    }
                ),
            }
        }
        Rule::EmailDeliveryRate => {
            let (sent, failing): (i64, i64) = counts(
                "SELECT (SELECT count(*) FROM email_outbox WHERE status = 'sent' AND sent_at > $1 AND sent_at <= $2),
                        (SELECT count(*) FROM email_outbox WHERE status IN ('failed', 'dead') AND updated_at > $1 AND updated_at <= $2)",
            )
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: if sent + failing == 0 { 100.0 } else { rate(sent, sent + failing) },
                meaningful: failing > 0,
                detail: format!("{sent} emails sent, {failing} failing or given up. See /admin/emails."),
            }
        }
        Rule::GenerationFailureRate => {
            let (failed, all): (i64, i64) = counts(
                "SELECT count(*) FILTER (WHERE outcome = 'failed'), count(*) FILTER (WHERE outcome <> 'cancelled')
                   FROM ai_requests WHERE created_at > $1 AND created_at <= $2",
            )
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: rate(failed, all),
                meaningful: failed > 0,
                detail: format!("{failed} of {all} AI requests failed."),
            }
        }
        Rule::CostlyAiRequest => {
            let worst: Option<(i64, String, String, String)> = sqlx::query_as(
                "SELECT cost_microusd, id::text, provider, kind FROM ai_requests
                  WHERE created_at > $1 AND created_at <= $2 ORDER BY cost_microusd DESC LIMIT 1",
            )
            .bind(since)
            .bind(now)
            .fetch_optional(&mut *db)
            .await?;
            match worst {
                Some((cost, id, provider, kind)) => Reading {
                    value: cost as f64 / 1_000_000.0,
                    meaningful: true,
                    detail: format!(
                        "The costliest request ({provider}, {kind}, id {id}) cost ${:.4}.",
                        cost as f64 / 1_000_000.0
                    ),
                },
                None => Reading { value: 0.0, meaningful: true, detail: "No AI requests.".into() },
            }
        }
        Rule::DatabaseConnectionFailures => {
            let failures: i64 = sqlx::query_scalar(
                "SELECT coalesce(sum(db_failures), 0)::bigint FROM instance_minutes WHERE minute >= $1 AND minute < $2",
            )
            .bind(since)
            .bind(now)
            .fetch_one(&mut *db)
            .await?;
            Reading {
                value: failures as f64,
                meaningful: true,
                detail: format!("{failures} database connections failed or timed out, on every instance."),
            }
        }
    })
}

/// The 95th percentile of a latency histogram (counts per bucket of
/// `server::observe::LATENCY_BUCKETS_MS`, the last bucket unbounded), to bucket resolution: the
/// upper bound of the bucket holding it (infinite in the last).
#[cfg(feature = "ssr")]
pub fn p95_ms(buckets: &[i64]) -> f64 {
    let bounds = crate::server::observe::LATENCY_BUCKETS_MS;
    let total: i64 = buckets.iter().sum();
    if total == 0 {
        return 0.0;
    }
    // The smallest bucket whose running count covers 95% of the requests.
    let need = (total * 95 + 99) / 100;
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= need {
            return bounds.get(i).map(|b| *b as f64).unwrap_or(f64::INFINITY);
        }
    }
    f64::INFINITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_default_to_the_seeds_and_take_overrides() {
        let t = Thresholds::default();
        assert_eq!(t.get(Rule::PaymentFailureRate), 5.0);
        assert_eq!(t.get(Rule::CostlyAiRequest), 0.5);
        let t = Thresholds::parse(" webhook_failures = 20, ai_request_cost_usd=1.25 ").unwrap();
        assert_eq!(
            (t.get(Rule::WebhookFailures), t.get(Rule::CostlyAiRequest), t.get(Rule::SlowRequests)),
            (20.0, 1.25, 2000.0)
        );
        assert!(Thresholds::parse("webhook_fails=3").unwrap_err().contains("no alert called"));
        assert!(Thresholds::parse("webhook_failures").unwrap_err().contains("name=number"));
        assert!(Thresholds::parse("webhook_failures=-1").unwrap_err().contains("0 or more"));
        assert!(Thresholds::parse("webhook_failures=NaN").unwrap_err().contains("0 or more"));
        assert_eq!(Thresholds::parse("").unwrap(), Thresholds::default());
    }

    #[test]
    fn rules_cross_in_their_direction_only() {
        assert!(Rule::WebhookFailures.crossed(11.0, 10.0));
        assert!(!Rule::WebhookFailures.crossed(10.0, 10.0));
        assert!(Rule::EmailDeliveryRate.crossed(94.9, 95.0));
        assert!(!Rule::EmailDeliveryRate.crossed(95.0, 95.0));
        assert_eq!(Rule::PaymentFailureRate.title(5.0), "Payment failure rate above 5% in an hour");
        assert_eq!(Rule::CostlyAiRequest.title(0.5), "An AI request cost more than $0.50 in an hour");
        assert_eq!(Rule::WebhookFailures.title(10.0), "More than 10 Stripe webhook failures in 15 minutes");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn p95_is_the_bound_of_the_bucket_that_covers_95_percent() {
        let bounds = crate::server::observe::LATENCY_BUCKETS_MS;
        let at = |ms: u64| bounds.iter().position(|b| *b == ms).unwrap();
        let mut b = vec![0_i64; bounds.len() + 1];
        b[0] = 95;
        b[at(2000) + 1] = 5;
        assert_eq!(p95_ms(&b), bounds[0] as f64, "95 fast of 100: p95 is fast");
        b[0] = 94;
        b[at(2000) + 1] = 6;
        assert!(p95_ms(&b) > 2000.0, "6% above 2 s: p95 is above 2 s");
        assert_eq!(p95_ms(&[]), 0.0);
        let mut last = vec![0_i64; bounds.len() + 1];
        last[bounds.len()] = 1;
        assert!(p95_ms(&last).is_infinite());
    }
}
