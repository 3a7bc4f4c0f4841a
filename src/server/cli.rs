//! The `threadr` command line: one binary for the server and for operators' tasks.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use super::{
    config::{self, Config},
    db,
    error::StartupError,
    serve, telemetry,
};
use crate::features::{accounts, email};

#[derive(Parser)]
#[command(name = "threadr", version, about = "Threadr: threads, product descriptions, letters and a marketplace")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone)]
enum Command {
    /// Run the web server (the default): migrate, then listen on LEPTOS_SITE_ADDR.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print every configuration variable (secrets masked) and whether the set is valid.
    CheckConfig,
    /// Send every email that is due now, then exit (for cron, or to drain a backlog).
    ProcessMail,
    /// Create an admin (or make an existing account one). The password is asked for, or read
    /// from the first line of standard input when that is not a terminal.
    CreateAdmin {
        #[arg(long)]
        email: String,
    },
    /// Development only: migrate, then create demo accounts if the database has no users yet
    /// and a demo catalogue if it has no products yet.
    SeedDemo {
        /// Add this many more listings quickly (COPY, no photos): the search benchmark's
        /// catalogue. The search indexes rebuild afterwards.
        #[arg(long)]
        products: Option<usize>,
    },
    /// Give a member paid access for N days (default plan: pro). Audited.
    GrantPremium {
        #[arg(long)]
        email: String,
        #[arg(long)]
        days: u32,
        /// pass, starter, pro or business
        #[arg(long)]
        plan: Option<String>,
    },
    /// Rebuild this instance's marketplace search index (SEARCH_INDEX_DIR) from PostgreSQL.
    /// Stop the instance first (the index folder is locked while it runs); a running instance
    /// rebuilds by itself when its index is missing, of another version or too far behind.
    SearchReindex,
    /// End a member's granted paid access now. Audited.
    RevokePremium {
        #[arg(long)]
        email: String,
    },
    /// Return letters stuck in `generating` to draft (with the reason in their timeline) and
    /// print each one; with --dry-run only print what would change.
    ResetStuck {
        /// How long a letter must have been generating: 10m, 90s, 2h (default 10m).
        #[arg(long, default_value = "10m")]
        older_than: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// Print how many letters are in each status (and the oldest last change).
    LettersStats,
    /// Process stored Stripe webhook events again through the webhook's code path: the events
    /// named with --id, and with --failed-since every event whose processing failed since then.
    /// Exit code 1 if any fails again.
    ReplayWebhook {
        /// A Stripe event id (evt_…); repeat for several.
        #[arg(long)]
        id: Vec<String>,
        /// An age (2h, 30m, 7d) or a date (YYYY-MM-DD, UTC): failed events received since then.
        #[arg(long)]
        failed_since: Option<String>,
    },
    /// Send failed emails again now (their backoff skipped); with --dead, the ones given up on;
    /// with --id, that one message only.
    RetryMail {
        #[arg(long)]
        dead: bool,
        #[arg(long)]
        id: Option<uuid::Uuid>,
    },
    /// Clear the sign-in attempt limits (15-minute lockouts) of an email address or an IP
    /// address, and their per-minute counts in Redis. Audited.
    RateLimitReset {
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        ip: Option<std::net::IpAddr>,
    },
    /// Print connections by state, the longest open transactions, table sizes, the index hit
    /// ratio and the slowest statements (with pg_stat_statements).
    DbStats,
    /// Print the open alerts, the latest episodes and each rule's threshold. With --evaluate,
    /// run the rules first (as the server does each minute; admins are mailed on a change).
    /// Exit code 1 while an alert is open.
    Alerts {
        #[arg(long)]
        evaluate: bool,
    },
    /// End this database's sessions that have been `idle in transaction` longer than the age.
    KillIdleTx {
        /// 5m, 90s, 1h (default 5m).
        #[arg(long, default_value = "5m")]
        older_than: String,
    },
    /// Dump the database to FILE (pg_dump's custom format) with its row counts in
    /// FILE.counts.json, taken in the same snapshot.
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore FILE (written by `backup`) over this database in one transaction, then compare
    /// every table's rows with the backup's counts. Exit code 1 if any differs.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Print X's weighted length of the text on standard input as
    /// {"weighted_length":N,"valid":B} (twitter-text v3 rules).
    XLength {
        /// Each input line is a JSON string; print one object per line.
        #[arg(long)]
        jsonl: bool,
    },
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    load_dotenv();
    let command = cli.command.clone().unwrap_or(Command::Serve);
    if let Command::CheckConfig = command {
        return check_config();
    }
    // Pure text in, numbers out: no configuration or database needed.
    if let Command::XLength { jsonl } = command {
        return x_length(jsonl, std::io::stdin().lock(), std::io::stdout().lock());
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("threadr: {errors}");
            return ExitCode::from(2);
        }
    };
    // Before the logs (whose error events it reports); kept until the command ends, when
    // dropping it sends what is queued.
    let _sentry = super::observe::reports::init(config.sentry.as_ref());
    let sink = if matches!(command, Command::Serve) { telemetry::Sink::Stdout } else { telemetry::Sink::Stderr };
    telemetry::init(config.log_format, &config.log_filter, sink);
    let result = match command {
        Command::Serve | Command::CheckConfig | Command::XLength { .. } => serve::run(config).await,
        Command::Migrate => migrate(config).await,
        Command::ProcessMail => process_mail(config).await,
        Command::CreateAdmin { email } => create_admin(config, &email).await,
        Command::SeedDemo { products } => seed_demo(config, products).await,
        Command::SearchReindex => search_reindex(config).await,
        Command::GrantPremium { email, days, plan } => premium(config, Premium::Grant { email, days, plan }).await,
        Command::RevokePremium { email } => premium(config, Premium::Revoke { email }).await,
        Command::ResetStuck { older_than, dry_run } => reset_stuck(config, &older_than, dry_run).await,
        Command::LettersStats => letters_stats(config).await,
        Command::ReplayWebhook { id, failed_since } => replay_webhook(config, &id, failed_since.as_deref()).await,
        Command::RetryMail { dead, id } => retry_mail(config, dead, id).await,
        Command::RateLimitReset { email, ip } => rate_limit_reset(config, email.as_deref(), ip).await,
        Command::DbStats => db_stats(config).await,
        Command::Alerts { evaluate } => alerts(config, evaluate).await,
        Command::KillIdleTx { older_than } => kill_idle_tx(config, &older_than).await,
        Command::Backup { to } => backup(config, &to).await,
        Command::Restore { from } => restore(config, &from).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "threadr stopped");
            eprintln!("threadr: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// `.env` is a development convenience; production reads the real environment only.
fn load_dotenv() {
    let production =
        std::env::var("APP_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("production") || v.eq_ignore_ascii_case("prod"));
    if !production {
        let _ = dotenvy::dotenv();
    }
}

async fn seed_demo(config: Config, products: Option<usize>) -> Result<(), StartupError> {
    if config.is_production() {
        return Err(StartupError::Input("seed-demo refuses to run with APP_ENV=production".into()));
    }
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let failed = |e: sqlx::Error| StartupError::Serve(std::io::Error::other(e.to_string()));
    if let Some(count) = products {
        let started = std::time::Instant::now();
        let seed = chrono::Utc::now().timestamp_micros().unsigned_abs();
        let added = crate::features::catalogue::demo::bulk(&pool, count, seed).await.map_err(failed)?;
        println!(
            "{added} demo listings added in {:.1} s; search indexes rebuild from them",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let created =
        accounts::demo::seed(&pool).await.map_err(|e| StartupError::Serve(std::io::Error::other(e.to_string())))?;
    let media = crate::features::catalogue::images::MediaStore::from_config(&config.media)
        .map_err(|e| StartupError::Input(format!("marketplace photo storage: {e}")))?;
    let listings = crate::features::catalogue::demo::seed_catalogue(&pool, &media, 200)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e.to_string())))?;
    if listings > 0 {
        println!("demo catalogue created: {listings} listings from 6 sellers, with photos");
    }
    if created {
        let (admin, admin_pw) = accounts::demo::DEMO_ADMIN;
        let (member, member_pw) = accounts::demo::DEMO_MEMBER;
        println!("demo accounts created:\n  admin   {admin} / {admin_pw}\n  member  {member} / {member_pw}");
    } else {
        println!("the database already has accounts; no demo data added");
    }
    Ok(())
}

async fn search_reindex(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let started = std::time::Instant::now();
    let count = crate::features::catalogue::search::reindex_dir(&pool, &config.search_index_dir)
        .await
        .map_err(|e| StartupError::Input(format!("search-reindex: {e}")))?;
    println!(
        "search index in {} rebuilt: {count} listings in {:.1} s",
        config.search_index_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

enum Premium {
    Grant { email: String, days: u32, plan: Option<String> },
    Revoke { email: String },
}

async fn premium(config: Config, what: Premium) -> Result<(), StartupError> {
    use crate::features::quotas::admin_cli::{GrantError, grant_premium, revoke_premium};
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let now = chrono::Utc::now();
    let done = match what {
        Premium::Grant { email, days, plan } => grant_premium(&pool, &email, days, plan.as_deref(), now).await,
        Premium::Revoke { email } => revoke_premium(&pool, &email, now).await,
    };
    match done {
        Ok(line) => {
            println!("{line}");
            Ok(())
        }
        Err(GrantError::Invalid(reason)) => Err(StartupError::Input(reason)),
        Err(GrantError::Database(e)) => Err(StartupError::Serve(std::io::Error::other(e))),
    }
}

/// `threadr reset-stuck`: what the background task does each minute, on demand.
async fn reset_stuck(config: Config, older_than: &str, dry_run: bool) -> Result<(), StartupError> {
    use crate::features::letters::stuck;
    let age = stuck::parse_age(older_than).map_err(|e| StartupError::Input(format!("--older-than: {e}")))?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let now = chrono::Utc::now();
    let letters =
        if dry_run { stuck::find(&pool, now, age).await } else { stuck::reset(&pool, now, age, None, None).await }
            .map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
    let verb = if dry_run { "would reset" } else { "reset" };
    for l in &letters {
        let minutes = (now - l.generating_started_at).num_minutes();
        println!(
            "{verb} {} \"{}\" (generating for {minutes} min, since {})",
            l.id,
            l.title,
            l.generating_started_at.to_rfc3339()
        );
    }
    let n = letters.len();
    let noun = if n == 1 { "letter" } else { "letters" };
    if dry_run {
        println!("{n} {noun} would be reset to draft (dry run: nothing changed)");
    } else {
        println!("{n} {noun} reset to draft");
    }
    Ok(())
}

/// `threadr letters-stats`: the status distribution (the old runbook's `GROUP BY status`).
async fn letters_stats(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let rows = crate::features::letters::db::status_counts(&pool)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
    let now = chrono::Utc::now();
    println!("{:<12} {:>8}  oldest change", "status", "letters");
    let mut total = 0;
    for (status, count, oldest) in rows {
        total += count;
        let age = oldest.map(|t| format_age(now - t)).unwrap_or_else(|| "-".into());
        println!("{:<12} {count:>8}  {age}", status.as_str());
    }
    println!("{:<12} {total:>8}", "total");
    Ok(())
}

async fn replay_webhook(config: Config, ids: &[String], failed_since: Option<&str>) -> Result<(), StartupError> {
    let since = match failed_since {
        None => None,
        Some(raw) => Some(since(raw).map_err(|e| StartupError::Input(format!("--failed-since: {e}")))?),
    };
    if ids.is_empty() && since.is_none() {
        return Err(StartupError::Input("name events with --id, or pass --failed-since 24h".into()));
    }
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let (lines, all_ok) = crate::features::billing::admin_cli::replay(&pool, &config, ids, since)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
    for line in lines {
        println!("{line}");
    }
    if all_ok { Ok(()) } else { Err(StartupError::Serve(std::io::Error::other("some events failed again"))) }
}

/// An age before now (2h, 30m, 7d) or a UTC day (YYYY-MM-DD).
fn since(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(|| "not a day".into());
    }
    let age = crate::features::letters::stuck::parse_age(raw)
        .map_err(|_| format!("{raw:?} is neither an age like 24h nor a date like 2026-11-01"))?;
    Ok(chrono::Utc::now() - age)
}

async fn retry_mail(config: Config, dead: bool, id: Option<uuid::Uuid>) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let failed = |e: sqlx::Error| StartupError::Serve(std::io::Error::other(e));
    match id {
        Some(id) => {
            if email::retry_one(&pool, id).await.map_err(failed)? {
                println!("{id}: queued to send again now");
            } else {
                return Err(StartupError::Input(format!("{id}: no failed or dead message with this id")));
            }
        }
        None => {
            let n = email::retry_all(&pool, dead).await.map_err(failed)?;
            let which = if dead { "dead (given up)" } else { "failed" };
            println!(
                "{n} {which} message(s) queued to send again now; a running instance sends them at once, or run `threadr process-mail`"
            );
        }
    }
    Ok(())
}

async fn rate_limit_reset(
    config: Config,
    email: Option<&str>,
    ip: Option<std::net::IpAddr>,
) -> Result<(), StartupError> {
    if email.is_none() && ip.is_none() {
        return Err(StartupError::Input("name an --email or an --ip".into()));
    }
    let email = match email {
        Some(raw) => {
            Some(accounts::EmailAddress::parse(raw).map_err(|e| StartupError::Input(format!("--email: {e}")))?)
        }
        None => None,
    };
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let failed = |e: sqlx::Error| StartupError::Serve(std::io::Error::other(e));
    let mut tx = pool.begin().await.map_err(failed)?;
    let origin = accounts::audit::Origin::default();
    let forgotten = accounts::admin_actions::reset_attempt_limits(
        &mut tx,
        None,
        email.as_ref().map(|e| e.as_str()),
        ip.as_slice(),
        &origin,
    )
    .await
    .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    let limiter = super::http::rate_limit::RateLimiter::from_config(&config.rate_limit);
    if let Some(ip) = ip {
        limiter.reset(&super::http::rate_limit::Key::ip(ip)).await;
    }
    if let Some(email) = &email
        && let Some(user) = accounts::user_by_email(&pool, email.as_str()).await.map_err(failed)?
    {
        limiter.reset(&super::http::rate_limit::Key::User(user.id)).await;
    }
    let shared = if config.rate_limit.redis_url.is_some() { "; per-minute counts in Redis cleared" } else { "" };
    println!("{forgotten} recorded sign-in attempt(s) forgotten{shared}");
    Ok(())
}

async fn db_stats(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    let report =
        super::ops::db_stats::report(&pool).await.map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
    print!("{report}");
    Ok(())
}

async fn alerts(config: Config, evaluate: bool) -> Result<(), StartupError> {
    crate::features::admin::alerts::Thresholds::parse(&config.alert_thresholds)
        .map_err(|e| StartupError::Input(format!("ALERT_THRESHOLDS: {e}")))?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let (lines, open) = crate::features::admin::alerts::cli_report(&pool, &config, evaluate)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e.to_string())))?;
    print!("{lines}");
    if open == 0 { Ok(()) } else { Err(StartupError::Serve(std::io::Error::other(format!("{open} alert(s) open")))) }
}

async fn kill_idle_tx(config: Config, older_than: &str) -> Result<(), StartupError> {
    let age = crate::features::letters::stuck::parse_age(older_than)
        .map_err(|e| StartupError::Input(format!("--older-than: {e}")))?
        .to_std()
        .map_err(|_| StartupError::Input("--older-than is too large".into()))?;
    let pool = db::connect(&config).await?;
    let ended = super::ops::db_stats::kill_idle_transactions(&pool, age)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
    for (pid, secs, query) in &ended {
        println!("ended pid {pid} (idle in transaction for {secs:.0} s): {query}");
    }
    println!("{} idle transaction(s) ended", ended.len());
    Ok(())
}

fn database_url() -> Result<String, StartupError> {
    std::env::var("DATABASE_URL").map_err(|_| StartupError::Input("DATABASE_URL is not set".into()))
}

async fn backup(config: Config, to: &std::path::Path) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    let started = std::time::Instant::now();
    let counts = super::ops::backup::backup(&pool, &database_url()?, to)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e.to_string())))?;
    let rows: i64 = counts.values().sum();
    println!(
        "backed up {} tables ({rows} rows) to {} in {:.1} s; counts in {}",
        counts.len(),
        to.display(),
        started.elapsed().as_secs_f64(),
        super::ops::backup::counts_path(to).display()
    );
    Ok(())
}

async fn restore(config: Config, from: &std::path::Path) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    let (expected, differ) = super::ops::backup::restore(&pool, &database_url()?, from)
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(e.to_string())))?;
    if differ.is_empty() {
        let rows: i64 = expected.values().sum();
        println!(
            "restored {} tables ({rows} rows) from {}; every table's row count matches the backup",
            expected.len(),
            from.display()
        );
        return Ok(());
    }
    for (table, want, got) in &differ {
        let got = got.map(|n| n.to_string()).unwrap_or_else(|| "missing".into());
        println!("{table}: backup had {want} rows, the database has {got}");
    }
    Err(StartupError::Serve(std::io::Error::other(format!("{} table(s) differ from the backup", differ.len()))))
}

/// "3d 4h", "12m", "40s".
fn format_age(age: chrono::Duration) -> String {
    let secs = age.num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86400 => format!("{}h {}m ago", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h ago", secs / 86400, secs % 86400 / 3600),
    }
}

async fn migrate(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let applied = db::MIGRATOR.iter().count();
    println!("migrations up to date ({applied} known)");
    Ok(())
}

async fn create_admin(config: Config, email: &str) -> Result<(), StartupError> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password for the admin (at least 10 characters): ")
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line.trim_end_matches(['\r', '\n']).to_string())
    }
    .map_err(|e| StartupError::Input(format!("could not read the password: {e}")))?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    match accounts::create_admin(&pool, email, password).await {
        Ok(done) => {
            println!("{done}");
            Ok(())
        }
        Err(accounts::CreateAdminError::Invalid(reason)) => Err(StartupError::Input(reason.to_string())),
        Err(accounts::CreateAdminError::Other(e)) => Err(StartupError::Serve(std::io::Error::other(e))),
    }
}

async fn process_mail(config: Config) -> Result<(), StartupError> {
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    let worker = email::worker_from_config(&config, &pool).map_err(StartupError::Email)?;
    let started = std::time::Instant::now();
    let report = worker.drain().await;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "claimed {}, sent {}, failed (will retry) {}, dead {} in {seconds:.2} s ({:.0} messages/s)",
        report.claimed,
        report.sent,
        report.failed,
        report.dead,
        report.claimed as f64 / seconds.max(1e-9)
    );
    Ok(())
}

fn check_config() -> ExitCode {
    let lookup = |name: &str| std::env::var(name).ok();
    let width = config::VARS.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for (name, status) in config::report(lookup) {
        println!("{name:width$}  {status}");
    }
    match Config::from_lookup(lookup) {
        Ok(_) => {
            println!("\nconfiguration OK");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            println!("\n{errors}");
            ExitCode::from(2)
        }
    }
}

/// `threadr x-length`: X's weighted length of standard input (one trailing line break, as
/// `echo` adds, is not counted), or with `--jsonl` of each line read as a JSON string (so
/// texts may hold line breaks), one JSON object a line. Exit code 2 for input that is not
/// UTF-8 or a line that is not a JSON string.
fn x_length(jsonl: bool, mut input: impl std::io::BufRead, mut output: impl std::io::Write) -> ExitCode {
    use crate::features::threads::xlength::x_length;
    let mut print = |text: &str| match serde_json::to_string(&x_length(text)) {
        Ok(json) => writeln!(output, "{json}").is_ok(),
        Err(_) => false,
    };
    if !jsonl {
        let mut text = String::new();
        if let Err(error) = input.read_to_string(&mut text) {
            eprintln!("threadr x-length: cannot read standard input: {error}");
            return ExitCode::from(2);
        }
        let text = text.strip_suffix('\n').map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
        return if print(text) { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let mut line = String::new();
    for number in 1.. {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                eprintln!("threadr x-length: cannot read line {number}: {error}");
                return ExitCode::from(2);
            }
        }
        let Ok(text) = serde_json::from_str::<String>(line.trim_end_matches(['\n', '\r'])) else {
            eprintln!("threadr x-length: line {number} is not a JSON string");
            return ExitCode::from(2);
        };
        if !print(&text) {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
