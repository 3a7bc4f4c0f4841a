//! Check-and-reserve: every counter a request needs is taken in one transaction by a
//! conditional upsert, so 50 parallel requests against 5 left let exactly 5 through, on any
//! number of app instances. A failed or cancelled generation gives its reservation back.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{LimitLeft, Plan, UsageSummary};
use crate::error::AppError;

/// Whose counters: a member, or an anonymous caller by salted IP hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    User(Uuid),
    Anonymous(String),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::Anonymous(hash) => format!("ip:{hash}"),
        }
    }

    /// Who asked, as the AI request log stores it.
    pub fn requester(&self) -> crate::features::ai::Requester {
        match self {
            Self::User(id) => crate::features::ai::Requester::member(*id),
            Self::Anonymous(hash) => crate::features::ai::Requester { user_id: None, anon_ip_hash: Some(hash.clone()) },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Metric {
    AiRequestsHour,
    GenerationsDay,
    GenerationsMonth,
}

impl Metric {
    fn as_str(self) -> &'static str {
        match self {
            Self::AiRequestsHour => "ai_requests_hour",
            Self::GenerationsDay => "generations_day",
            Self::GenerationsMonth => "generations_month",
        }
    }

    /// The UTC window `now` falls in: its start and when the next one starts.
    fn window(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let midnight = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).single().unwrap_or(now);
        match self {
            Self::AiRequestsHour => {
                let start =
                    now.with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
                (start, start + Duration::hours(1))
            }
            Self::GenerationsDay => {
                let start = midnight(now.year(), now.month(), now.day());
                (start, start + Duration::days(1))
            }
            Self::GenerationsMonth => {
                let start = midnight(now.year(), now.month(), 1);
                let next = if now.month() == 12 {
                    midnight(now.year() + 1, 1, 1)
                } else {
                    midnight(now.year(), now.month() + 1, 1)
                };
                (start, next)
            }
        }
    }
}

/// What a request holds until it finishes; give it back with [`release`] if it failed. It can
/// be stored (as JSON) with work that outlives the request, so whoever ends that work
/// releases it — a letter's generation reset by the stuck-job recovery, for one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reservation {
    subject: String,
    taken: Vec<(Metric, DateTime<Utc>)>,
}

/// The counters a request takes, in one fixed order (no deadlocks between requests).
fn counters(plan: Plan, generation: bool) -> Vec<(Metric, u32)> {
    let mut list = vec![(Metric::AiRequestsHour, plan.ai_requests_per_hour())];
    if generation && let Some((day, month)) = plan.generations() {
        list.push((Metric::GenerationsDay, day));
        list.push((Metric::GenerationsMonth, month));
    }
    list
}

/// Takes one AI request (and, for a generation, one generation) from every limit that applies,
/// or none of them: over any limit the answer is [`AppError::QuotaExceeded`] naming it.
pub async fn reserve(
    db: &PgPool,
    subject: &Subject,
    plan: Plan,
    now: DateTime<Utc>,
    generation: bool,
) -> Result<Reservation, AppError> {
    let key = subject.key();
    let mut tx = db.begin().await?;
    let mut taken = Vec::new();
    for (metric, limit) in counters(plan, generation) {
        let (start, resets_at) = metric.window(now);
        let used: Option<i32> = sqlx::query_scalar(
            "INSERT INTO quota_usage (subject, metric, window_start, used) VALUES ($1, $2, $3, 1)
             ON CONFLICT (subject, metric, window_start) DO UPDATE SET used = quota_usage.used + 1
             WHERE quota_usage.used < $4
             RETURNING used",
        )
        .bind(&key)
        .bind(metric.as_str())
        .bind(start)
        .bind(limit as i32)
        .fetch_optional(&mut *tx)
        .await?;
        if used.is_none() {
            tx.rollback().await?;
            return Err(exceeded(metric, plan, limit, now, resets_at));
        }
        taken.push((metric, start));
    }
    tx.commit().await?;
    Ok(Reservation { subject: key, taken })
}

/// Gives a reservation back (the generation failed or was cancelled before any output).
pub async fn release(db: &PgPool, reservation: &Reservation) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    release_in(&mut tx, reservation).await?;
    tx.commit().await?;
    Ok(())
}

/// [`release`] inside the caller's transaction (with the change that ends the work).
pub async fn release_in(conn: &mut sqlx::PgConnection, reservation: &Reservation) -> Result<(), sqlx::Error> {
    for (metric, start) in &reservation.taken {
        sqlx::query(
            "UPDATE quota_usage SET used = used - 1
              WHERE subject = $1 AND metric = $2 AND window_start = $3 AND used > 0",
        )
        .bind(&reservation.subject)
        .bind(metric.as_str())
        .bind(start)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What is left this hour, today and this month.
pub async fn summary(db: &PgPool, subject: &Subject, plan: Plan, now: DateTime<Utc>) -> Result<UsageSummary, AppError> {
    let key = subject.key();
    let mut left = Vec::new();
    for (metric, limit) in counters(plan, true) {
        let (start, resets_at) = metric.window(now);
        let used: Option<i32> =
            sqlx::query_scalar("SELECT used FROM quota_usage WHERE subject = $1 AND metric = $2 AND window_start = $3")
                .bind(&key)
                .bind(metric.as_str())
                .bind(start)
                .fetch_optional(db)
                .await?;
        left.push(LimitLeft { used: used.unwrap_or(0).max(0) as u32, limit, resets_at });
    }
    let mut left = left.into_iter();
    let hour = left.next().ok_or_else(|| AppError::Internal { reference: "quota summary".into() })?;
    Ok(UsageSummary { plan, hour, day: left.next(), month: left.next() })
}

fn exceeded(metric: Metric, plan: Plan, limit: u32, now: DateTime<Utc>, resets_at: DateTime<Utc>) -> AppError {
    let wait = resets_at - now;
    let retry_after_secs = wait.num_seconds().max(1) as u64;
    let when = match metric {
        Metric::GenerationsMonth => resets_at.format("on %-d %B at 00:00 UTC").to_string(),
        _ => resets_at.format("at %H:%M UTC").to_string(),
    };
    let message = match (metric, plan) {
        (Metric::AiRequestsHour, Plan::Anonymous) => format!(
            "Visitors can make {limit} AI requests an hour, and you have used them. More {when} ({}). Create a free account or choose a plan for more.",
            in_words(wait)
        ),
        (Metric::AiRequestsHour, _) => format!(
            "You have used this hour's {limit} AI requests on the {} plan. More {when} ({}).",
            plan.label(),
            in_words(wait)
        ),
        (Metric::GenerationsDay, _) => format!(
            "You have used today's {limit} free generations. They reset {when} ({}). A paid plan has no daily limit.",
            in_words(wait)
        ),
        (Metric::GenerationsMonth, _) => format!(
            "You have used this month's {limit} free generations. They reset {when} ({}). A paid plan has no monthly limit.",
            in_words(wait)
        ),
    };
    AppError::QuotaExceeded { message, retry_after_secs, upgrade: !plan.is_paid() }
}

/// "in 3 h 12 min", "in 2 h", "in 45 min", "in 2 days". Up to an hour reads in minutes,
/// so the hourly limit's wait (rounded up) never shows as "1 h 0 min".
fn in_words(wait: Duration) -> String {
    let minutes = (wait.num_seconds() + 59) / 60;
    match minutes {
        m if m >= 48 * 60 => format!("in {} days", m / (24 * 60)),
        m if m > 60 && m % 60 == 0 => format!("in {} h", m / 60),
        m if m > 60 => format!("in {} h {} min", m / 60, m % 60),
        m => format!("in {} min", m.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn windows_are_utc_calendar_units() {
        let now = at("2026-12-31T23:59:30Z");
        assert_eq!(Metric::AiRequestsHour.window(now), (at("2026-12-31T23:00:00Z"), at("2027-01-01T00:00:00Z")));
        assert_eq!(Metric::GenerationsDay.window(now), (at("2026-12-31T00:00:00Z"), at("2027-01-01T00:00:00Z")));
        assert_eq!(Metric::GenerationsMonth.window(now), (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")));
        let feb = at("2028-02-29T12:00:00Z");
        assert_eq!(Metric::GenerationsMonth.window(feb).1, at("2028-03-01T00:00:00Z"));
    }

    #[test]
    fn waits_read_naturally() {
        let words = |secs| in_words(Duration::seconds(secs));
        assert_eq!(words(0), "in 1 min");
        assert_eq!(words(59 * 60 + 1), "in 60 min");
        assert_eq!(words(3_600), "in 60 min");
        assert_eq!(words(3_601), "in 1 h 1 min");
        assert_eq!(words(2 * 3_600), "in 2 h");
        assert_eq!(words(3 * 3_600 + 12 * 60), "in 3 h 12 min");
        assert_eq!(words(2 * 86_400), "in 2 days");
    }

    #[test]
    fn messages_say_which_limit_and_when_it_resets() {
        let now = at("2026-11-28T20:48:00Z");
        let e = exceeded(Metric::GenerationsDay, Plan::Free, 5, now, at("2026-11-29T00:00:00Z"));
        let AppError::QuotaExceeded { message, retry_after_secs, upgrade } = e else { panic!() };
        assert_eq!(
            message,
            "You have used today's 5 free generations. They reset at 00:00 UTC (in 3 h 12 min). A paid plan has no daily limit."
        );
        assert_eq!(retry_after_secs, 3 * 3600 + 12 * 60);
        assert!(upgrade);
        let e = exceeded(Metric::AiRequestsHour, Plan::Business, 1000, now, at("2026-11-28T21:00:00Z"));
        assert!(matches!(e, AppError::QuotaExceeded { upgrade: false, .. }));
        assert!(e.to_string().contains("1000 AI requests on the Business plan. More at 21:00 UTC (in 12 min)"), "{e}");
    }

    #[test]
    fn generations_count_only_where_limited() {
        assert_eq!(counters(Plan::Free, true).len(), 3);
        assert_eq!(counters(Plan::Free, false).len(), 1);
        assert_eq!(counters(Plan::Pro, true).len(), 1);
        assert_eq!(counters(Plan::Anonymous, true).len(), 1);
    }
}
