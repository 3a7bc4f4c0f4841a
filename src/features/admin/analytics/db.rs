//! The analytics figures in SQL. Each family of figures has one live query over a day range
//! (`live_*`, straight from the tables); the rollup job stores what it returns for finished
//! days, and a read takes stored rows for rolled days and the live query for the rest (today,
//! or days the job has not reached yet), so both paths give the same numbers.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

/// `[from, to]` as one row per day (`day`).
fn days(f: &str, t: &str) -> String {
    format!("(SELECT {f}::date + i AS day FROM generate_series(0, {t}::date - {f}::date) AS i)")
}

/// The instant a UTC day starts.
fn start(d: &str) -> String {
    format!("(({d})::timestamp AT TIME ZONE 'UTC')")
}

/// Subscriptions per monthly plan as they stood at the end of each day: a subscription counts
/// from its creation until it ended (incomplete ones never count); MRR is the plan's monthly
/// price per active subscription.
fn live_subscriptions(f: &str, t: &str) -> String {
    let (day_start, day_end) = (start("d.day"), start("d.day + 1"));
    format!(
        "SELECT d.day, p.code AS plan,
                count(s.plan) FILTER (WHERE s.created_at < {day_end} AND (s.ended_at IS NULL OR s.ended_at >= {day_end}))::int AS active,
                (count(s.plan) FILTER (WHERE s.created_at < {day_end} AND (s.ended_at IS NULL OR s.ended_at >= {day_end})) * p.amount_cents)::bigint AS mrr_cents,
                count(s.plan) FILTER (WHERE s.created_at >= {day_start})::int AS started,
                count(s.plan) FILTER (WHERE s.ended_at >= {day_start} AND s.ended_at < {day_end})::int AS ended
           FROM {days} AS d
          CROSS JOIN plans p
           LEFT JOIN subscriptions s ON s.plan = p.code
                AND s.status NOT IN ('incomplete', 'incomplete_expired')
                AND s.created_at < {day_end} AND (s.ended_at IS NULL OR s.ended_at >= {day_start})
          WHERE p.billing = 'monthly'
          GROUP BY d.day, p.code, p.amount_cents",
        days = days(f, t)
    )
}

/// Sign-ups per day, and members whose first paid entitlement began that day.
fn live_members(f: &str, t: &str) -> String {
    let (from, until) = (start(&format!("{f}::date")), start(&format!("{t}::date + 1")));
    format!(
        "SELECT d.day, coalesce(u.n, 0)::int AS sign_ups, coalesce(p.n, 0)::int AS new_paying
           FROM {days} AS d
           LEFT JOIN (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM users
                       WHERE created_at >= {from} AND created_at < {until} GROUP BY 1) u USING (day)
           LEFT JOIN (SELECT (first AT TIME ZONE 'UTC')::date AS day, count(*) AS n
                        FROM (SELECT min(starts_at) AS first FROM entitlements
                               WHERE source IN ('subscription', 'pass') GROUP BY user_id) firsts
                       WHERE first >= {from} AND first < {until} GROUP BY 1) p USING (day)",
        days = days(f, t)
    )
}

/// Paid orders by the day they were paid (gross: a later refund does not move them).
fn live_orders(f: &str, t: &str) -> String {
    let (from, until) = (start(&format!("{f}::date")), start(&format!("{t}::date + 1")));
    format!(
        "SELECT (paid_at AT TIME ZONE 'UTC')::date AS day, currency, count(*)::int AS orders,
                sum(subtotal_cents)::bigint AS gmv_cents, sum(fee_cents)::bigint AS fee_cents
           FROM orders WHERE paid_at >= {from} AND paid_at < {until} GROUP BY 1, 2"
    )
}

fn live_ai(f: &str, t: &str) -> String {
    let (from, until) = (start(&format!("{f}::date")), start(&format!("{t}::date + 1")));
    format!(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, provider, kind, count(*)::int AS requests,
                (count(*) FILTER (WHERE outcome = 'failed'))::int AS failed,
                sum(cost_microusd)::bigint AS cost_microusd, sum(input_tokens + output_tokens)::bigint AS tokens
           FROM ai_requests WHERE created_at >= {from} AND created_at < {until} GROUP BY 1, 2, 3"
    )
}

/// Emails sent, and emails given up on, by day.
fn live_email(f: &str, t: &str) -> String {
    let (from, until) = (start(&format!("{f}::date")), start(&format!("{t}::date + 1")));
    format!(
        "SELECT d.day, coalesce(s.n, 0)::int AS sent, coalesce(x.n, 0)::int AS failed
           FROM {days} AS d
           LEFT JOIN (SELECT (sent_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM email_outbox
                       WHERE status = 'sent' AND sent_at >= {from} AND sent_at < {until} GROUP BY 1) s USING (day)
           LEFT JOIN (SELECT (updated_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM email_outbox
                       WHERE status = 'dead' AND updated_at >= {from} AND updated_at < {until} GROUP BY 1) x USING (day)",
        days = days(f, t)
    )
}

/// A family: its rollup table, the table's columns, and its live query over a day range.
type Family = (&'static str, &'static str, fn(&str, &str) -> String);

fn families() -> [Family; 5] {
    [
        ("rollup_subscriptions", "day, plan, active, mrr_cents, started, ended", live_subscriptions),
        ("rollup_members", "day, sign_ups, new_paying", live_members),
        ("rollup_orders", "day, currency, orders, gmv_cents, fee_cents", live_orders),
        ("rollup_ai", "day, provider, kind, requests, failed, cost_microusd, tokens", live_ai),
        ("rollup_email", "day, sent, failed", live_email),
    ]
}

/// The families' names, in [`read_family`]'s numbering (for the benchmark).
pub const FAMILIES: [&str; 5] = ["subscriptions", "members", "orders", "ai", "email"];

/// Reads one family over `[from, to]` as the page does; returns its row count.
pub async fn read_family(db: &PgPool, family: usize, from: NaiveDate, to: NaiveDate) -> sqlx::Result<usize> {
    let live = live_from(db, from, to).await?;
    Ok(sqlx::query(&read(family)).bind(from).bind(to).bind(live).fetch_all(db).await?.len())
}

/// Stored rows for `[from, live_from)` and live rows for `[live_from, to]`.
fn read(family: usize) -> String {
    let (table, columns, live) = families()[family];
    format!("SELECT {columns} FROM {table} WHERE day >= $1 AND day < $3 UNION ALL {} ORDER BY 1", live("$3", "$2"))
}

/// The first day of `[from, to]` without a rollup (`to + 1` when every day has one).
pub async fn live_from(db: &PgPool, from: NaiveDate, to: NaiveDate) -> sqlx::Result<NaiveDate> {
    let first: Option<NaiveDate> = sqlx::query_scalar(&format!(
        "SELECT min(d.day) FROM {} AS d WHERE NOT EXISTS (SELECT 1 FROM analytics_days a WHERE a.day = d.day)",
        days("$1", "$2")
    ))
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(first.unwrap_or(to + Duration::days(1)))
}

pub type SubscriptionRow = (NaiveDate, String, i32, i64, i32, i32);
pub type MemberRow = (NaiveDate, i32, i32);
pub type OrderRow = (NaiveDate, String, i32, i64, i64);
pub type AiRow = (NaiveDate, String, String, i32, i32, i64, i64);
pub type EmailRow = (NaiveDate, i32, i32);

/// Every family's rows over `[from, to]`.
pub struct Rows {
    pub subscriptions: Vec<SubscriptionRow>,
    pub members: Vec<MemberRow>,
    pub orders: Vec<OrderRow>,
    pub ai: Vec<AiRow>,
    pub email: Vec<EmailRow>,
}

pub async fn rows(db: &PgPool, from: NaiveDate, to: NaiveDate) -> sqlx::Result<Rows> {
    let live = live_from(db, from, to).await?;
    let (q0, q1, q2, q3, q4) = (read(0), read(1), read(2), read(3), read(4));
    let (subscriptions, members, orders, ai, email) = tokio::try_join!(
        sqlx::query_as(&q0).bind(from).bind(to).bind(live).fetch_all(db),
        sqlx::query_as(&q1).bind(from).bind(to).bind(live).fetch_all(db),
        sqlx::query_as(&q2).bind(from).bind(to).bind(live).fetch_all(db),
        sqlx::query_as(&q3).bind(from).bind(to).bind(live).fetch_all(db),
        sqlx::query_as(&q4).bind(from).bind(to).bind(live).fetch_all(db),
    )?;
    Ok(Rows { subscriptions, members, orders, ai, email })
}

/// Recomputes and stores `[from, to]` for every family, inside the caller's transaction.
pub async fn roll(tx: &mut PgConnection, from: NaiveDate, to: NaiveDate, now: DateTime<Utc>) -> sqlx::Result<()> {
    for (table, columns, live) in families() {
        sqlx::query(&format!("DELETE FROM {table} WHERE day >= $1 AND day <= $2"))
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("INSERT INTO {table} ({columns}) {}", live("$1", "$2")))
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO analytics_days (day, rolled_at) SELECT d.day, $3 FROM {} AS d
         ON CONFLICT (day) DO UPDATE SET rolled_at = EXCLUDED.rolled_at",
        days("$1", "$2")
    ))
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How long after a day ends its rollup is still recomputed (late webhooks, email retries).
pub const SETTLE: Duration = Duration::days(2);
/// How far back the first rollup reaches.
pub const HISTORY: Duration = Duration::days(731);

/// The span of finished days that has no settled rollup yet: from the first such day (not
/// before the first member signed up, nor more than [`HISTORY`] ago) to yesterday.
pub async fn unsettled(db: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Option<(NaiveDate, NaiveDate)>> {
    let yesterday = now.date_naive() - Duration::days(1);
    let earliest: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT min(created_at) FROM users").fetch_one(db).await?;
    let Some(earliest) = earliest else { return Ok(None) };
    let from = earliest.date_naive().max(now.date_naive() - HISTORY);
    if from > yesterday {
        return Ok(None);
    }
    // A day is settled once it was rolled SETTLE (two days) after it ended.
    let first: Option<NaiveDate> = sqlx::query_scalar(&format!(
        "SELECT min(d.day) FROM {} AS d LEFT JOIN analytics_days a USING (day)
          WHERE a.day IS NULL OR a.rolled_at < {}",
        days("$1", "$2"),
        start("d.day + 3")
    ))
    .bind(from)
    .bind(yesterday)
    .fetch_one(db)
    .await?;
    Ok(first.map(|first| (first, yesterday)))
}
