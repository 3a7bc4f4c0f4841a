//! `threadr backup --to FILE` and `threadr restore --from FILE`: pg_dump / pg_restore with a
//! check that the restored database holds exactly the rows the backup held.
//!
//! The backup counts every table's rows inside the very snapshot pg_dump then dumps
//! (`pg_export_snapshot` + `pg_dump --snapshot`), and writes the counts beside the dump
//! (`FILE.counts.json`). The restore runs in one transaction and then compares the counts.
//! The database password reaches the tools through `PGPASSWORD`, never their command line.

use sqlx::{PgConnection, PgPool};
use std::{collections::BTreeMap, path::Path};
use tokio::process::Command;

pub type Counts = BTreeMap<String, i64>;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{tool} failed ({status}): {stderr}")]
    Tool { tool: &'static str, status: String, stderr: String },
    #[error("{0}")]
    Invalid(String),
}

/// Where pg_dump and pg_restore are: `PG_BINDIR` when set, else the PATH.
fn tool(name: &str) -> std::path::PathBuf {
    match std::env::var_os("PG_BINDIR") {
        Some(dir) if !dir.is_empty() => Path::new(&dir).join(name),
        _ => name.into(),
    }
}

/// libpq's environment for `database_url` (host, port, user, password, database, sslmode).
fn libpq_env(database_url: &str) -> Result<Vec<(&'static str, String)>, BackupError> {
    let url = url::Url::parse(database_url).map_err(|_| BackupError::Invalid("DATABASE_URL is not a URL".into()))?;
    let decode = |s: &str| percent_decode(s);
    let mut env = vec![("PGHOST", url.host_str().unwrap_or("localhost").trim_matches(['[', ']']).to_string())];
    env.push(("PGPORT", url.port().unwrap_or(5432).to_string()));
    if !url.username().is_empty() {
        env.push(("PGUSER", decode(url.username())));
    }
    if let Some(password) = url.password() {
        env.push(("PGPASSWORD", decode(password)));
    }
    env.push(("PGDATABASE", decode(url.path().trim_start_matches('/'))));
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "sslmode" => env.push(("PGSSLMODE", value.into_owned())),
            "host" => env[0] = ("PGHOST", value.into_owned()),
            _ => {}
        }
    }
    Ok(env)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Every table's row count (schema-qualified names), read on `conn`.
pub async fn row_counts(conn: &mut PgConnection) -> Result<Counts, sqlx::Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Counts::new();
    for table in tables {
        // The name comes from the catalogue, quoted by format('%I').
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&mut *conn).await?;
        counts.insert(table, n);
    }
    Ok(counts)
}

pub fn counts_path(file: &Path) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".counts.json");
    name.into()
}

/// Dumps the database to `to` (pg_dump's custom format) and its row counts beside it.
pub async fn backup(pool: &PgPool, database_url: &str, to: &Path) -> Result<Counts, BackupError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
    let counts = row_counts(&mut tx).await?;
    let output = Command::new(tool("pg_dump"))
        .envs(libpq_env(database_url)?)
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(to)
        .output()
        .await
        .map_err(|e| {
            BackupError::Invalid(format!(
                "cannot run pg_dump ({e}); install PostgreSQL's client tools or set PG_BINDIR"
            ))
        })?;
    tx.commit().await?;
    if !output.status.success() {
        return Err(BackupError::Tool {
            tool: "pg_dump",
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let json = serde_json::to_vec_pretty(&counts).map_err(|e| BackupError::Invalid(e.to_string()))?;
    tokio::fs::write(counts_path(to), json).await?;
    Ok(counts)
}

/// Restores `from` into the database (replacing what the dump holds, in one transaction) and
/// compares every table's rows with the counts taken at backup. Returns the tables that
/// differ as (table, expected, found); empty when the restore is exact.
pub async fn restore(
    pool: &PgPool,
    database_url: &str,
    from: &Path,
) -> Result<(Counts, Vec<(String, i64, Option<i64>)>), BackupError> {
    let expected: Counts = match tokio::fs::read(counts_path(from)).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| BackupError::Invalid(format!("{} is unreadable: {e}", counts_path(from).display())))?,
        Err(e) => {
            return Err(BackupError::Invalid(format!(
                "{} is missing ({e}); it is written by `threadr backup` and needed to verify the restore",
                counts_path(from).display()
            )));
        }
    };
    if !from.exists() {
        return Err(BackupError::Invalid(format!("{} does not exist", from.display())));
    }
    let output = Command::new(tool("pg_restore"))
        .envs(libpq_env(database_url)?)
        .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"])
        .arg("--dbname")
        .arg(libpq_env(database_url)?.into_iter().find(|(k, _)| *k == "PGDATABASE").map(|(_, v)| v).unwrap_or_default())
        .arg(from)
        .output()
        .await
        .map_err(|e| {
            BackupError::Invalid(format!(
                "cannot run pg_restore ({e}); install PostgreSQL's client tools or set PG_BINDIR"
            ))
        })?;
    if !output.status.success() {
        return Err(BackupError::Tool {
            tool: "pg_restore",
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let mut conn = pool.acquire().await?;
    let found = row_counts(&mut conn).await?;
    let differ = expected
        .iter()
        .filter(|(table, n)| found.get(*table) != Some(n))
        .map(|(table, n)| (table.clone(), *n, found.get(table).copied()))
        .collect();
    Ok((expected, differ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_to_the_environment_decoded() {
        let env = libpq_env("postgres://app:p%40ss%2Fw@db.internal:6543/threadr?sslmode=require").unwrap();
        let get = |k: &str| env.iter().find(|(name, _)| *name == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGHOST"), Some("db.internal"));
        assert_eq!(get("PGPORT"), Some("6543"));
        assert_eq!(get("PGUSER"), Some("app"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss/w"));
        assert_eq!(get("PGDATABASE"), Some("threadr"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
        assert_eq!(counts_path(Path::new("/tmp/x.dump")), Path::new("/tmp/x.dump.counts.json"));
    }
}
