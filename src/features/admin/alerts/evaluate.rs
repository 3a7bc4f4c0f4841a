//! One evaluation: every rule is measured; a rule that crosses its threshold opens an episode
//! (and admins are mailed), an open episode whose rule no longer crosses resolves (and admins
//! are mailed again). One instance evaluates at a time (an advisory lock; a second instance
//! that finds it taken skips that minute), and the open-episode index and the emails'
//! idempotency keys keep even a racing pair to one episode and one email per admin.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rules::{RULES, Reading, Rule, Thresholds, measure};
use crate::error::AppError;
use crate::features::email::Mailer;
use crate::features::email::templates::{Alert, Severity};
use crate::server::state::AppState;
use sqlx::{Connection, PgPool};

/// What one evaluation changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Started(Rule),
    Resolved(Rule),
}

/// Evaluates every rule at `now`. `None` when another instance is evaluating.
pub async fn evaluate(
    db: &PgPool,
    mailer: &Mailer,
    thresholds: &Thresholds,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Change>>, AppError> {
    let mut tx = db.begin().await?;
    let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended('alerts-evaluate', 0))")
        .fetch_one(&mut *tx)
        .await?;
    if !mine {
        return Ok(None);
    }
    let admins: Vec<String> =
        sqlx::query_scalar("SELECT email::text FROM users WHERE role = 'admin' AND banned_at IS NULL ORDER BY email")
            .fetch_all(&mut *tx)
            .await?;
    let mut changes = Vec::new();
    for rule in RULES {
        let threshold = thresholds.get(rule);
        // A rule that cannot be measured keeps its state this minute; its savepoint keeps the
        // failure from aborting the other rules.
        let mut savepoint = tx.begin().await?;
        let reading = match measure(&mut savepoint, rule, now).await {
            Ok(r) => {
                savepoint.commit().await?;
                r
            }
            Err(e) => {
                savepoint.rollback().await?;
                tracing::warn!(rule = rule.key(), error = %e, "alert rule could not be measured");
                continue;
            }
        };
        let firing = reading.meaningful && rule.crossed(reading.value, threshold);
        let open: Option<(Uuid, f64)> = sqlx::query_as(
            "SELECT id, threshold FROM alert_episodes WHERE rule = $1 AND resolved_at IS NULL FOR UPDATE",
        )
        .bind(rule.key())
        .fetch_optional(&mut *tx)
        .await?;
        match (firing, open) {
            (true, None) => {
                let id: Uuid = sqlx::query_scalar(
                    "INSERT INTO alert_episodes (rule, threshold, started_at, opened_value, worst_value, last_value, detail, last_seen_at)
                     VALUES ($1, $2, $3, $4, $4, $4, $5, $3) RETURNING id",
                )
                .bind(rule.key())
                .bind(threshold)
                .bind(now)
                .bind(reading.value)
                .bind(&reading.detail)
                .fetch_one(&mut *tx)
                .await?;
                mail(mailer, &mut tx, &admins, id, rule, threshold, &reading, true).await?;
                changes.push(Change::Started(rule));
            }
            (true, Some((id, _))) => {
                let worst = if rule.fires_below() { "least" } else { "greatest" };
                sqlx::query(&format!(
                    "UPDATE alert_episodes SET worst_value = {worst}(worst_value, $2), last_value = $2, detail = $3, last_seen_at = $4
                      WHERE id = $1"
                ))
                .bind(id)
                .bind(reading.value)
                .bind(&reading.detail)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            (false, Some((id, opened_threshold))) => {
                sqlx::query("UPDATE alert_episodes SET resolved_at = $2, last_value = $3 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .bind(reading.value)
                    .execute(&mut *tx)
                    .await?;
                mail(mailer, &mut tx, &admins, id, rule, opened_threshold, &reading, false).await?;
                changes.push(Change::Resolved(rule));
            }
            (false, None) => {}
        }
    }
    sqlx::query(
        "INSERT INTO app_settings (key, value, updated_at) VALUES ('alerts_evaluated_at', to_jsonb($1::timestamptz), $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(changes))
}

#[allow(clippy::too_many_arguments)]
async fn mail(
    mailer: &Mailer,
    tx: &mut sqlx::PgConnection,
    admins: &[String],
    episode: Uuid,
    rule: Rule,
    threshold: f64,
    reading: &Reading,
    started: bool,
) -> Result<(), AppError> {
    let title = rule.title(threshold);
    let email = if started {
        Alert {
            title: title.clone(),
            detail: reading.detail.clone(),
            severity: if rule.critical() { Severity::Critical } else { Severity::Warning },
        }
    } else {
        Alert {
            title: format!("Resolved: {title}"),
            detail: format!("Back within the threshold. Now: {}", reading.detail),
            severity: Severity::Notice,
        }
    };
    let phase = if started { "started" } else { "resolved" };
    for admin in admins {
        mailer.enqueue(&mut *tx, admin, &email, &format!("alert:{episode}:{phase}:{admin}")).await?;
    }
    Ok(())
}

/// Evaluates each minute, on the minute, for as long as the server runs.
pub async fn run(state: AppState, thresholds: Thresholds) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match evaluate(&state.db, &state.mailer, &thresholds, state.clock.now()).await {
            Ok(Some(changes)) if !changes.is_empty() => tracing::warn!(?changes, "alerts changed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "alerts could not be evaluated"),
        }
    }
}
