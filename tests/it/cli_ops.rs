//! The operators' commands, run as the binary: each answers `--help`, does its one job on a
//! real database, and refuses bad input with exit code 2.

use sqlx::PgPool;
use std::time::Duration;
use threadr::server::db::MIGRATOR;

use crate::cli::{database_url, run, text};

const OPERATOR_COMMANDS: &[&str] = &[
    "create-admin",
    "grant-premium",
    "revoke-premium",
    "process-mail",
    "retry-mail",
    "replay-webhook",
    "reset-stuck",
    "rate-limit-reset",
    "db-stats",
    "alerts",
    "kill-idle-tx",
    "backup",
    "restore",
    "seed-demo",
    "check-config",
    "search-reindex",
];

#[test]
fn every_operator_command_explains_itself() {
    for command in OPERATOR_COMMANDS {
        let out = run(&[command, "--help"], &[]);
        assert!(out.status.success(), "{command} --help: {}", text(&out.stderr));
        let help = text(&out.stdout);
        assert!(help.contains(&format!("Usage: threadr {command}")), "{command}: {help}");
        assert!(help.lines().next().is_some_and(|l| l.len() > 20), "{command} says what it does: {help}");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn retry_mail_requeues_failed_or_dead_messages_and_one_by_id(pool: PgPool) {
    let url = database_url(&pool);
    for (key, status) in [("a", "failed"), ("b", "failed"), ("c", "dead"), ("d", "sent")] {
        sqlx::query(
            "INSERT INTO email_outbox (idempotency_key, recipient, template, template_data, subject, html_body, text_body,
                                       status, attempts, next_attempt_at)
             VALUES ($1, 'x@example.com', 'welcome', '{}', 's', 'h', 't', $2::email_status, 5, now() + interval '1 hour')",
        )
        .bind(key)
        .bind(status)
        .execute(&pool)
        .await
        .unwrap();
    }
    let status = |key: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, i32)>(
                "SELECT status::text, attempts FROM email_outbox WHERE idempotency_key = $1",
            )
            .bind(key)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let out = run(&["retry-mail"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("2 failed message(s) queued"), "{}", text(&out.stdout));
    assert_eq!(status("a").await, ("pending".into(), 5), "failed: due now, its attempts kept");
    assert_eq!(status("c").await.0, "dead", "dead ones wait for --dead");
    assert_eq!(status("d").await.0, "sent");

    let out = run(&["retry-mail", "--dead"], &[("DATABASE_URL", &url)]);
    assert!(text(&out.stdout).starts_with("1 dead (given up) message(s) queued"), "{}", text(&out.stdout));
    assert_eq!(status("c").await, ("pending".into(), 0), "dead: from its first attempt again");

    sqlx::query("UPDATE email_outbox SET status = 'dead' WHERE idempotency_key = 'b'").execute(&pool).await.unwrap();
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM email_outbox WHERE idempotency_key = 'b'").fetch_one(&pool).await.unwrap();
    let out = run(&["retry-mail", "--id", &id.to_string()], &[("DATABASE_URL", &url)]);
    assert!(out.status.success());
    assert_eq!(status("b").await.0, "pending");
    let out = run(&["retry-mail", "--id", &id.to_string()], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2), "a pending message is not retried: {}", text(&out.stderr));
    let out = run(&["retry-mail", "--id", "not-a-uuid"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn rate_limit_reset_forgets_an_accounts_or_an_addresses_attempts_and_is_audited(pool: PgPool) {
    let url = database_url(&pool);
    for key in ["account:ada@example.com", "account:ada@example.com", "ip:192.0.2.7", "account:bob@example.com"] {
        sqlx::query("INSERT INTO auth_attempts (scope, key) VALUES ('sign_in', $1)")
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
    }
    let left = || async {
        sqlx::query_scalar::<_, String>("SELECT key FROM auth_attempts ORDER BY key").fetch_all(&pool).await.unwrap()
    };
    let out = run(&["rate-limit-reset", "--email", "Ada@Example.com"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("2 recorded sign-in attempt(s) forgotten"), "{}", text(&out.stdout));
    assert_eq!(left().await, ["account:bob@example.com", "ip:192.0.2.7"]);
    let out = run(&["rate-limit-reset", "--ip", "192.0.2.7"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success());
    assert_eq!(left().await, ["account:bob@example.com"]);
    let audited: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT event, target FROM audit_log ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(
        audited,
        [
            ("rate_limits_reset".to_string(), Some("email:ada@example.com".to_string())),
            ("rate_limits_reset".to_string(), Some("ip:192.0.2.7".to_string()))
        ]
    );
    let out = run(&["rate-limit-reset"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--email or an --ip"));
    let out = run(&["rate-limit-reset", "--ip", "not-an-ip"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn replay_webhook_needs_ids_or_an_age(pool: PgPool) {
    let url = database_url(&pool);
    let out = run(&["replay-webhook"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--failed-since"), "{}", text(&out.stderr));
    let out = run(&["replay-webhook", "--failed-since", "soon"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["replay-webhook", "--failed-since", "24h"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "no events to replay");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn db_stats_reports_connections_tables_and_hit_ratio(pool: PgPool) {
    let out = run(&["db-stats"], &[("DATABASE_URL", &database_url(&pool))]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for section in
        ["connections (this database", "longest open transactions", "largest tables", "index hit ratio", "slow"]
    {
        assert!(report.contains(section), "{section} missing from:\n{report}");
    }
    assert!(report.contains("users"), "{report}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn kill_idle_tx_ends_only_transactions_idle_longer_than_the_age(pool: PgPool) {
    let url = database_url(&pool);
    // A client that opened a transaction and went quiet (psql, as an operator's forgotten
    // session would be).
    // psql does not know sqlx's own URL parameters.
    let mut idle = std::process::Command::new("psql")
        .arg(url.split('?').next().unwrap_or(&url))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql runs");
    {
        use std::io::Write;
        let stdin = idle.stdin.as_mut().expect("stdin");
        stdin.write_all(b"BEGIN;\nSELECT 1;\n").unwrap();
        stdin.flush().unwrap();
    }
    let idle_in_transaction = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    for _ in 0..50 {
        if idle_in_transaction().await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(idle_in_transaction().await, 1, "psql holds a transaction open");
    let out = run(&["kill-idle-tx", "--older-than", "1h"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0 idle transaction(s) ended"), "{}", text(&out.stdout));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let out = run(&["kill-idle-tx", "--older-than", "1s"], &[("DATABASE_URL", &url)]);
    assert!(text(&out.stdout).contains("1 idle transaction(s) ended"), "{}", text(&out.stdout));
    assert_eq!(idle_in_transaction().await, 0, "its session is gone");
    drop(idle.stdin.take());
    let _ = idle.wait();
    let out = run(&["kill-idle-tx", "--older-than", "soon"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));
}

/// The backup drill: back up, drop the database, create it empty, restore, same rows.
#[sqlx::test(migrator = "MIGRATOR")]
async fn backup_then_drop_then_restore_gives_back_every_row(pool: PgPool) {
    let name = format!("threadr_drill_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    let base = database_url(&pool);
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let out = run(&["migrate"], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drill = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO users (email, display_name, referral_code) SELECT 'u' || g || '@example.com', 'User ' || g, 'R' || g
           FROM generate_series(1, 250) g",
    )
    .execute(&drill)
    .await
    .unwrap();
    sqlx::query("INSERT INTO audit_log (event, detail) SELECT 'drill', jsonb_build_object('n', g) FROM generate_series(1, 40) g")
        .execute(&drill)
        .await
        .unwrap();
    drill.close().await;

    let dir = std::env::temp_dir().join(format!("threadr-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("threadr.dump");
    let out = run(&["backup", "--to", file.to_str().unwrap()], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("backed up "), "{}", text(&out.stdout));
    let counts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("threadr.dump.counts.json")).unwrap()).unwrap();
    assert_eq!(counts["public.users"], 250);
    assert_eq!(counts["public.audit_log"], 40);

    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    let out = run(&["restore", "--from", file.to_str().unwrap()], &[("DATABASE_URL", &url)]);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("every table's row count matches the backup"), "{}", text(&out.stdout));
    let restored = sqlx::PgPool::connect(&url).await.unwrap();
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&restored).await.unwrap();
    assert_eq!(users, 250);
    let migrated: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(&restored).await.unwrap();
    assert_eq!(migrated, MIGRATOR.iter().count() as i64, "the migration history came back too");
    restored.close().await;

    // A restore whose counts do not match says which table and exits non-zero.
    let mut tampered = counts.clone();
    tampered["public.users"] = serde_json::json!(251);
    std::fs::write(dir.join("threadr.dump.counts.json"), serde_json::to_vec(&tampered).unwrap()).unwrap();
    let out = run(&["restore", "--from", file.to_str().unwrap()], &[("DATABASE_URL", &url)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("public.users: backup had 251 rows, the database has 250"),
        "{}",
        text(&out.stdout)
    );
    // No counts file: refused before touching the database.
    let out = run(&["restore", "--from", dir.join("missing.dump").to_str().unwrap()], &[("DATABASE_URL", &url)]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("counts.json is missing"), "{}", text(&out.stderr));
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn alerts_prints_the_state_evaluates_on_request_and_exits_1_while_one_is_open(pool: PgPool) {
    let url = database_url(&pool);
    let quiet = run(&["alerts"], &[("DATABASE_URL", url.as_str())]);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    let report = text(&quiet.stdout);
    assert!(report.contains("last evaluated: never") && report.contains("open alerts: 0"), "{report}");
    assert!(
        report.contains("webhook_failures") && report.contains("More than 10 Stripe webhook failures in 15 minutes"),
        "{report}"
    );
    threadr::features::accounts::create_admin(&pool, "root@example.com", "a long admin secret".into()).await.unwrap();
    for i in 0..11 {
        sqlx::query(
            "INSERT INTO stripe_events (id, type, created_at, payload, status, attempts, last_attempt_at)
             VALUES ($1, 'invoice.paid', now(), '{}', 'failed', 1, now())",
        )
        .bind(format!("evt_{i}"))
        .execute(&pool)
        .await
        .unwrap();
    }
    let open = run(&["alerts", "--evaluate"], &[("DATABASE_URL", url.as_str())]);
    assert_eq!(open.status.code(), Some(1), "an open alert: {}", text(&open.stderr));
    let report = text(&open.stdout);
    assert!(report.contains("evaluated: 1 change(s)") && report.contains("OPEN  webhook_failures"), "{report}");
    let mailed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE template = 'alert' AND recipient = 'root@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mailed, 1);
    let bad = run(&["alerts"], &[("DATABASE_URL", url.as_str()), ("ALERT_THRESHOLDS", "webhook_failures=lots")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("ALERT_THRESHOLDS: webhook_failures: “lots” is not a number of 0 or more"),
        "{}",
        text(&bad.stderr)
    );
}
