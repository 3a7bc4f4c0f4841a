//! Reading the audit log with filters.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{AUDIT_PAGE_SIZE, AuditFilter, AuditLine, AuditPage};

const LINE: &str =
    "SELECT id, at, event, email::text AS actor, target, host(ip) AS ip, detail::text AS detail FROM audit_log";

/// The filter with its days parsed: `from` at 00:00 and the day after `to` at 00:00 (UTC).
pub struct Parsed {
    actor: String,
    action: String,
    target: String,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

pub fn parse(filter: &AuditFilter) -> Result<Parsed, &'static str> {
    let day = |raw: &str, what: &'static str| -> Result<Option<NaiveDate>, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(Some).map_err(|_| what)
    };
    let from = day(&filter.from, "Give the first day as a date (YYYY-MM-DD).")?;
    let to = day(&filter.to, "Give the last day as a date (YYYY-MM-DD).")?;
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err("The last day is before the first day.");
    }
    let bounded = |s: &str| s.trim().chars().take(200).collect::<String>();
    Ok(Parsed {
        actor: bounded(&filter.actor),
        action: bounded(&filter.action),
        target: bounded(&filter.target),
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
        until: to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
    })
}

const CONDITION: &str = "($1 = '' OR email::text ILIKE $2)
    AND ($3 = '' OR event = $3 OR event LIKE $4)
    AND ($5 = '' OR target = $5 OR target ILIKE $6)
    AND ($7::timestamptz IS NULL OR at >= $7)
    AND ($8::timestamptz IS NULL OR at < $8)";

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind<'q, O>(query: Query<'q, O>, f: &'q Parsed) -> Query<'q, O> {
    query
        .bind(&f.actor)
        .bind(crate::features::admin::users::like_pattern(&f.actor))
        .bind(&f.action)
        .bind(format!("{}\\_%", f.action.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        .bind(&f.target)
        .bind(crate::features::admin::users::like_pattern(&f.target))
        .bind(f.from)
        .bind(f.until)
}

pub async fn page(pool: &PgPool, f: &Parsed, page: u32) -> Result<AuditPage, sqlx::Error> {
    let count_sql = format!("SELECT count(*) FROM audit_log WHERE {CONDITION}");
    let (total,): (i64,) = bind(sqlx::query_as(&count_sql), f).fetch_one(pool).await?;
    let sql = format!("{LINE} WHERE {CONDITION} ORDER BY at DESC, id DESC LIMIT $9 OFFSET $10");
    let lines = bind(sqlx::query_as(&sql), f)
        .bind(i64::from(AUDIT_PAGE_SIZE))
        .bind(i64::from(page - 1) * i64::from(AUDIT_PAGE_SIZE))
        .fetch_all(pool)
        .await?;
    let events: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE e AS (
             (SELECT event FROM audit_log ORDER BY event LIMIT 1)
             UNION ALL
             SELECT (SELECT event FROM audit_log WHERE event > e.event ORDER BY event LIMIT 1) FROM e WHERE e.event IS NOT NULL
         ) SELECT event FROM e WHERE event IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    Ok(AuditPage { lines, total, page, events })
}

/// Every matching line, newest first, at most `limit` (the CSV export).
pub async fn all(pool: &PgPool, f: &Parsed, limit: i64) -> Result<Vec<AuditLine>, sqlx::Error> {
    let sql = format!("{LINE} WHERE {CONDITION} ORDER BY at DESC, id DESC LIMIT $9");
    bind(sqlx::query_as(&sql), f).bind(limit).fetch_all(pool).await
}

/// The latest lines about an account: what it did and what admins did to it.
pub async fn about_user(pool: &PgPool, user: Uuid, limit: i64) -> Result<Vec<AuditLine>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{LINE} WHERE user_id = $1 OR target = 'user:' || $1::text ORDER BY at DESC, id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The lines as CSV. A cell that a spreadsheet would run as a formula starts with `'`.
pub fn csv(lines: &[AuditLine]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["id", "at", "event", "actor", "target", "ip", "detail"])?;
    for l in lines {
        out.write_record([
            l.id.to_string(),
            l.at.to_rfc3339(),
            inert(&l.event),
            inert(l.actor.as_deref().unwrap_or("")),
            inert(l.target.as_deref().unwrap_or("")),
            l.ip.clone().unwrap_or_default(),
            inert(&l.detail),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Spreadsheets run cells starting with = + - @ (or a tab/return) as formulas.
pub fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked_and_cover_whole_days() {
        let f = AuditFilter { from: "2026-11-01".into(), to: "2026-11-01".into(), ..Default::default() };
        let p = parse(&f).unwrap();
        assert_eq!(p.from.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(p.until.unwrap().to_rfc3339(), "2026-11-02T00:00:00+00:00");
        assert!(parse(&AuditFilter { from: "yesterday".into(), ..Default::default() }).is_err());
        assert!(
            parse(&AuditFilter { from: "2026-11-02".into(), to: "2026-11-01".into(), ..Default::default() }).is_err()
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_inert() {
        let line = AuditLine {
            id: 7,
            at: "2026-11-29T10:00:00Z".parse().unwrap(),
            event: "user_banned".into(),
            actor: Some("=HYPERLINK(\"x\")".into()),
            target: Some("user:1".into()),
            ip: None,
            detail: r#"{"reason":"spam, again"}"#.into(),
        };
        let text = csv(&[line]).unwrap();
        let mut rows = text.lines();
        assert_eq!(rows.next(), Some("id,at,event,actor,target,ip,detail"));
        assert_eq!(
            rows.next(),
            Some(
                r#"7,2026-11-29T10:00:00+00:00,user_banned,"'=HYPERLINK(""x"")",user:1,,"{""reason"":""spam, again""}""#
            )
        );
    }
}
