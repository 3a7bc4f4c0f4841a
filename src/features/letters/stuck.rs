//! Stuck jobs: a letter left in `generating` (a crashed instance, a lost connection) goes back
//! to draft with the reason in its timeline. Every instance runs [`run`] each minute; the
//! claim is one statement with `FOR UPDATE SKIP LOCKED` and `WHERE status = 'generating'`,
//! so however many run at once, each letter is reset exactly once — and the quota its
//! generation held is given back exactly once (the generation, if it is still alive, finds the
//! letter reset and gives nothing back itself).

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, types::Json};
use std::sync::Arc;
use uuid::Uuid;

use crate::features::quotas::{self, Reservation};
use crate::server::clock::Clock;

/// A letter generating for longer than this is stuck.
pub const STUCK_AFTER: Duration = Duration::minutes(10);
/// How often each instance looks.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The reason written to the timeline.
pub const REASON: &str = "The letter was still generating after 10 minutes, so it went back to draft. Nothing was \
                          written; generate it again.";

/// A letter that was (or, in a dry run, would be) reset.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StuckLetter {
    pub id: Uuid,
    pub title: String,
    pub generating_started_at: DateTime<Utc>,
}

/// Runs until the task is aborted, with the system clock.
pub async fn run(pool: PgPool, clock: Arc<dyn Clock>) {
    run_every(pool, clock, EVERY).await
}

/// [`run`] at another pace (tests).
pub async fn run_every(pool: PgPool, clock: Arc<dyn Clock>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match reset(&pool, clock.now(), STUCK_AFTER, None, None).await {
            Ok(reset) if !reset.is_empty() => {
                for letter in &reset {
                    tracing::warn!(letter = %letter.id, since = %letter.generating_started_at, "stuck letter reset to draft");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "resetting stuck letters failed"),
        }
    }
}

/// id, title, generating since, the quota its generation held.
type ResetRow = (Uuid, String, DateTime<Utc>, Option<Json<Reservation>>);

/// Resets every letter generating since before `now - older_than` (only `only` when given),
/// writing one timeline row each and giving back the quota each generation held, all in one
/// transaction; `actor` is the admin who asked (`None`: the system).
pub async fn reset(
    db: &PgPool,
    now: DateTime<Utc>,
    older_than: Duration,
    only: Option<Uuid>,
    actor: Option<Uuid>,
) -> Result<Vec<StuckLetter>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let rows: Vec<ResetRow> = sqlx::query_as(
        "WITH stuck AS (
             SELECT id, title, generating_started_at, generation_reservation FROM letters
              WHERE status = 'generating' AND generating_started_at < $1 AND deleted_at IS NULL
                AND ($4::uuid IS NULL OR id = $4)
              ORDER BY generating_started_at
              FOR UPDATE SKIP LOCKED
         ), moved AS (
             UPDATE letters l SET status = 'draft', generating_started_at = NULL, generation_reservation = NULL,
                    updated_at = $2
               FROM stuck WHERE l.id = stuck.id AND l.status = 'generating'
             RETURNING l.id
         ), logged AS (
             INSERT INTO letter_events (letter_id, actor_id, at, kind, from_status, to_status, comment)
             SELECT id, $5, $2, 'status', 'generating', 'draft', $3 FROM moved
         )
         SELECT stuck.id, stuck.title, stuck.generating_started_at, stuck.generation_reservation
           FROM stuck JOIN moved USING (id)
          ORDER BY stuck.generating_started_at",
    )
    .bind(now - older_than)
    .bind(now)
    .bind(REASON)
    .bind(only)
    .bind(actor)
    .fetch_all(&mut *tx)
    .await?;
    let mut reset = Vec::with_capacity(rows.len());
    for (id, title, generating_started_at, reservation) in rows {
        if let Some(Json(reservation)) = reservation {
            quotas::release_in(&mut tx, &reservation).await?;
        }
        reset.push(StuckLetter { id, title, generating_started_at });
    }
    tx.commit().await?;
    Ok(reset)
}

/// What [`reset`] would reset, changing nothing.
pub async fn find(db: &PgPool, now: DateTime<Utc>, older_than: Duration) -> Result<Vec<StuckLetter>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title, generating_started_at FROM letters
          WHERE status = 'generating' AND generating_started_at < $1 AND deleted_at IS NULL
          ORDER BY generating_started_at",
    )
    .bind(now - older_than)
    .fetch_all(db)
    .await
}

/// "10m", "90s", "2h", "1d" or plain seconds.
pub fn parse_age(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (number, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let n: i64 = number.parse().map_err(|_| format!("{raw:?} is not an age like 10m, 90s or 2h"))?;
    let age = match unit {
        "" | "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    };
    age.filter(|a| *a > Duration::zero()).ok_or_else(|| format!("{raw:?} is not an age like 10m, 90s or 2h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_with_units() {
        assert_eq!(parse_age("10m"), Ok(Duration::minutes(10)));
        assert_eq!(parse_age("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_age("90"), Ok(Duration::seconds(90)));
        assert_eq!(parse_age("2h"), Ok(Duration::hours(2)));
        assert_eq!(parse_age("1d"), Ok(Duration::days(1)));
        assert!(parse_age("0m").is_err());
        assert!(parse_age("ten").is_err());
        assert!(parse_age("5y").is_err());
    }
}
