//! `threadr db-stats` and `threadr kill-idle-tx`: what the old runbooks typed into psql when
//! the database was slow or out of connections.

use sqlx::PgPool;
use std::fmt::Write;

/// A printable report: connections by state, the longest open transactions, table sizes,
/// the index hit ratio, and the slowest statements when `pg_stat_statements` is installed.
pub async fn report(pool: &PgPool) -> Result<String, sqlx::Error> {
    let mut out = String::new();
    let states: Vec<(String, i64)> = sqlx::query_as(
        "SELECT coalesce(state, 'background'), count(*) FROM pg_stat_activity
          WHERE datname = current_database() GROUP BY 1 ORDER BY 2 DESC",
    )
    .fetch_all(pool)
    .await?;
    let max: String = sqlx::query_scalar("SHOW max_connections").fetch_one(pool).await?;
    let _ = writeln!(out, "connections (this database; server max_connections {max})");
    for (state, n) in &states {
        let _ = writeln!(out, "  {state:<32} {n:>6}");
    }

    let long: Vec<(i32, Option<String>, f64, String)> = sqlx::query_as(
        "SELECT pid, state, extract(epoch FROM now() - xact_start)::float8,
                left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 100)
           FROM pg_stat_activity
          WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
          ORDER BY xact_start LIMIT 5",
    )
    .fetch_all(pool)
    .await?;
    let _ = writeln!(out, "\nlongest open transactions");
    if long.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (pid, state, secs, query) in &long {
        let _ = writeln!(out, "  pid {pid:<8} {:<20} {secs:>9.1} s  {query}", state.as_deref().unwrap_or("-"));
    }

    let tables: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.relname::text, pg_total_relation_size(c.oid), pg_relation_size(c.oid),
                coalesce(s.n_live_tup, 0)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
          WHERE c.relkind = 'r' AND n.nspname = 'public'
          ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 15",
    )
    .fetch_all(pool)
    .await?;
    let _ = writeln!(out, "\nlargest tables            total      table       rows (estimate)");
    for (name, total, table, rows) in &tables {
        let _ = writeln!(out, "  {name:<22} {:>9} {:>9} {rows:>12}", size(*total), size(*table));
    }

    let ratio: Option<f64> = sqlx::query_scalar(
        "SELECT sum(idx_blks_hit)::float8 / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0) FROM pg_statio_user_indexes",
    )
    .fetch_one(pool)
    .await?;
    let _ = writeln!(
        out,
        "\nindex hit ratio: {}",
        ratio
            .map(|r| format!("{:.2}% (below 99% the working set does not fit in shared_buffers)", r * 100.0))
            .unwrap_or_else(|| "no index reads yet".into())
    );

    let statements: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')")
            .fetch_one(pool)
            .await?;
    if statements {
        let slow: Result<Vec<(f64, i64, String)>, sqlx::Error> = sqlx::query_as(
            "SELECT mean_exec_time, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 100)
               FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 10",
        )
        .fetch_all(pool)
        .await;
        let _ = writeln!(out, "\nslowest statements (mean ms, calls)");
        match slow {
            Ok(slow) => {
                for (ms, calls, query) in slow {
                    let _ = writeln!(out, "  {ms:>10.2} {calls:>8}  {query}");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  unreadable: {e} (is pg_stat_statements in shared_preload_libraries?)");
            }
        }
    } else {
        let _ = writeln!(
            out,
            "\nslow statements: pg_stat_statements is not installed (CREATE EXTENSION pg_stat_statements)"
        );
    }
    Ok(out)
}

/// Ends sessions of this database that have sat `idle in transaction` for longer than `older`;
/// returns (pid, idle seconds, query) of each.
pub async fn kill_idle_transactions(
    pool: &PgPool,
    older: std::time::Duration,
) -> Result<Vec<(i32, f64, String)>, sqlx::Error> {
    // The candidates are chosen first (a materialised CTE): in one WHERE clause PostgreSQL may
    // call pg_terminate_backend before the other conditions, on every session of the server.
    sqlx::query_as(
        "WITH idle AS MATERIALIZED (
             SELECT pid, extract(epoch FROM now() - state_change)::float8 AS secs,
                    left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 100) AS query
               FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND state IN ('idle in transaction', 'idle in transaction (aborted)')
                AND state_change < now() - make_interval(secs => $1)
         )
         SELECT pid, secs, query FROM idle WHERE pg_terminate_backend(pid)",
    )
    .bind(older.as_secs_f64())
    .fetch_all(pool)
    .await
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{} kB", b / 1024),
    }
}
