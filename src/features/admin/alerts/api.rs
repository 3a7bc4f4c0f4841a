//! The alerts' server functions: what is open now, the history, and "check now".

use leptos::prelude::*;

use super::model::{AlertsNow, History};
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::super::model::{AlertsNow, Episode, HISTORY_PAGE_SIZE, History, RuleLine};
    use super::super::rules::{RULES, Rule, Thresholds};
    use chrono::{DateTime, Utc};
    use sqlx::PgPool;
    use uuid::Uuid;

    /// ALERT_THRESHOLDS over the defaults (checked when the server starts).
    pub fn thresholds(config: &crate::server::config::Config) -> Thresholds {
        Thresholds::parse(&config.alert_thresholds).unwrap_or_default()
    }

    type Row = (Uuid, String, f64, DateTime<Utc>, Option<DateTime<Utc>>, f64, f64, f64, String, DateTime<Utc>);
    const COLUMNS: &str =
        "id, rule, threshold, started_at, resolved_at, opened_value, worst_value, last_value, detail, last_seen_at";

    fn episode(r: Row) -> Episode {
        let title = Rule::from_key(&r.1).map(|rule| rule.title(r.2)).unwrap_or_else(|| r.1.clone());
        Episode {
            id: r.0,
            rule: r.1,
            title,
            started_at: r.3,
            resolved_at: r.4,
            opened_value: r.5,
            worst_value: r.6,
            last_value: r.7,
            detail: r.8,
            last_seen_at: r.9,
        }
    }

    pub async fn now(db: &PgPool, thresholds: &Thresholds) -> sqlx::Result<AlertsNow> {
        let open: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM alert_episodes WHERE resolved_at IS NULL ORDER BY started_at DESC"
        ))
        .fetch_all(db)
        .await?;
        let evaluated_at: Option<DateTime<Utc>> =
            sqlx::query_scalar("SELECT updated_at FROM app_settings WHERE key = 'alerts_evaluated_at'")
                .fetch_optional(db)
                .await?;
        Ok(AlertsNow {
            open: open.into_iter().map(episode).collect(),
            evaluated_at,
            rules: RULES
                .iter()
                .map(|r| RuleLine { key: r.key().to_string(), title: r.title(thresholds.get(*r)) })
                .collect(),
        })
    }

    pub async fn history(db: &PgPool, page: u32) -> sqlx::Result<History> {
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_episodes").fetch_one(db).await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM alert_episodes ORDER BY started_at DESC, id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(HISTORY_PAGE_SIZE))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(HISTORY_PAGE_SIZE))
        .fetch_all(db)
        .await?;
        Ok(History { episodes: rows.into_iter().map(episode).collect(), total, page })
    }
}

/// The open alerts, when the rules last ran, and each rule with its threshold.
#[server(prefix = "/api", endpoint = "admin/alerts")]
pub async fn admin_alerts() -> Result<AlertsNow, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(ssr::now(&state.db, &ssr::thresholds(&state.config)).await?)
}

/// Every episode, newest first.
#[server(prefix = "/api", endpoint = "admin/alerts/history")]
pub async fn admin_alert_history(page: Option<u32>) -> Result<History, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(ssr::history(&state.db, page.unwrap_or(1).clamp(1, 100_000)).await?)
}

/// Runs the rules now instead of at the next minute; says what changed.
#[server(prefix = "/api", endpoint = "admin/alerts/check")]
pub async fn admin_check_alerts() -> Result<String, AppError> {
    use super::evaluate::{Change, evaluate};
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let thresholds = ssr::thresholds(&state.config);
    let Some(changes) = evaluate(&state.db, &state.mailer, &thresholds, state.clock.now()).await? else {
        return Ok("Another instance is checking the alerts right now; look again in a moment.".into());
    };
    let origin = crate::features::accounts::session::origin().await;
    let detail = serde_json::json!({
        "started": changes.iter().filter_map(|c| match c { Change::Started(r) => Some(r.key()), _ => None }).collect::<Vec<_>>(),
        "resolved": changes.iter().filter_map(|c| match c { Change::Resolved(r) => Some(r.key()), _ => None }).collect::<Vec<_>>(),
    });
    crate::features::accounts::audit::admin_action(
        &state.db,
        "alerts_checked",
        Some(admin.user()),
        "alerts",
        &origin,
        detail,
    )
    .await?;
    Ok(match changes.len() {
        0 => "Checked: nothing changed.".to_string(),
        1 => "Checked: 1 alert changed.".to_string(),
        n => format!("Checked: {n} alerts changed."),
    })
}

/// `threadr alerts [--evaluate]`: the report it prints, and how many alerts are open.
#[cfg(feature = "ssr")]
pub async fn cli_report(
    db: &sqlx::PgPool,
    config: &crate::server::config::Config,
    evaluate: bool,
) -> Result<(String, usize), AppError> {
    use std::fmt::Write;
    let thresholds = ssr::thresholds(config);
    let mut out = String::new();
    if evaluate {
        let mailer = crate::features::email::Mailer::new(config);
        match super::evaluate::evaluate(db, &mailer, &thresholds, chrono::Utc::now()).await? {
            Some(changes) => {
                let _ = writeln!(out, "evaluated: {} change(s)", changes.len());
            }
            None => {
                let _ = writeln!(out, "another instance is evaluating; showing the last state");
            }
        }
    }
    let now = ssr::now(db, &thresholds).await?;
    let checked = now.evaluated_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into());
    let _ = writeln!(out, "last evaluated: {checked}");
    let _ = writeln!(out, "open alerts: {}", now.open.len());
    for e in &now.open {
        let _ = writeln!(
            out,
            "  OPEN  {}  since {}  now {}  ({})",
            e.rule,
            e.started_at.to_rfc3339(),
            e.last_value,
            e.detail
        );
    }
    let history = ssr::history(db, 1).await?;
    let resolved: Vec<_> = history.episodes.iter().filter(|e| e.resolved_at.is_some()).take(10).collect();
    let _ = writeln!(out, "recently resolved: {}", resolved.len());
    for e in resolved {
        let _ = writeln!(
            out,
            "  {}  {} → {}  worst {}",
            e.rule,
            e.started_at.to_rfc3339(),
            e.resolved_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            e.worst_value
        );
    }
    let _ = writeln!(out, "rules:");
    for r in &now.rules {
        let _ = writeln!(out, "  {:<24} {}", r.key, r.title);
    }
    Ok((out, now.open.len()))
}
