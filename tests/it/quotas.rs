//! Quotas and AI request limits kept in PostgreSQL: exact under concurrency, windows in UTC,
//! reservations given back, entitlements from grants.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use threadr::error::AppError;
use threadr::features::quotas::{self, Plan, Subject, admin_cli};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn user(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, referral_code, email_verified_at) VALUES ($1, 'Q', $2, now()) RETURNING id",
    )
    .bind(email)
    .bind(format!("ref-{}", Uuid::new_v4().simple()))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn used(pool: &PgPool, metric: &str) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(used), 0)::int8 FROM quota_usage WHERE metric = $1")
        .bind(metric)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn fifty_parallel_generations_with_five_left_let_exactly_five_through(pool: PgPool) {
    let me = Subject::User(user(&pool, "free@example.com").await);
    let now = at("2026-11-28T10:00:00Z");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (pool, me) = (pool.clone(), me.clone());
            tokio::spawn(async move { quotas::reserve(&pool, &me, Plan::Free, now, true).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::QuotaExceeded { message, upgrade, .. }) => {
                assert!(message.contains("today's 5 free generations"), "{message}");
                assert!(upgrade);
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(used(&pool, "generations_day").await, 5);
    assert_eq!(used(&pool, "generations_month").await, 5);
    assert_eq!(used(&pool, "ai_requests_hour").await, 5, "refused requests leave no trace");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_released_reservation_is_given_back(pool: PgPool) {
    let me = Subject::User(user(&pool, "free@example.com").await);
    let now = at("2026-11-28T10:00:00Z");
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(quotas::reserve(&pool, &me, Plan::Free, now, true).await.unwrap());
    }
    assert!(quotas::reserve(&pool, &me, Plan::Free, now, true).await.is_err());
    quotas::release(&pool, &held[0]).await.unwrap();
    let summary = quotas::summary(&pool, &me, Plan::Free, now).await.unwrap();
    assert_eq!(summary.day.as_ref().unwrap().left(), 1);
    assert_eq!(summary.month.as_ref().unwrap().left(), 16);
    assert_eq!(summary.hour.left(), 6);
    quotas::reserve(&pool, &me, Plan::Free, now, true).await.expect("the given-back one can be used");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_release_after_the_hour_turned_gives_back_to_the_hour_it_came_from(pool: PgPool) {
    let me = Subject::User(user(&pool, "free@example.com").await);
    let r = quotas::reserve(&pool, &me, Plan::Free, at("2026-11-28T10:59:59Z"), false).await.unwrap();
    quotas::release(&pool, &r).await.unwrap();
    let rows: Vec<(DateTime<Utc>, i32)> =
        sqlx::query_as("SELECT window_start, used FROM quota_usage").fetch_all(&pool).await.unwrap();
    assert_eq!(rows, [(at("2026-11-28T10:00:00Z"), 0)]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn days_and_months_are_utc_calendar_windows(pool: PgPool) {
    let me = Subject::User(user(&pool, "free@example.com").await);
    // Five a day for four days uses the month's 20.
    for day in 1..=4 {
        let now = at(&format!("2026-11-0{day}T23:30:00Z"));
        for _ in 0..5 {
            quotas::reserve(&pool, &me, Plan::Free, now, true).await.unwrap();
        }
        let e = quotas::reserve(&pool, &me, Plan::Free, now, true).await.unwrap_err();
        assert!(e.to_string().contains("today's 5 free generations. They reset at 00:00 UTC (in 30 min)"), "{e}");
    }
    let e = quotas::reserve(&pool, &me, Plan::Free, at("2026-11-05T08:00:00Z"), true).await.unwrap_err();
    assert!(e.to_string().contains("this month's 20 free generations. They reset on 1 December at 00:00 UTC"), "{e}");
    assert_eq!(e.retry_after(), Some((at("2026-12-01T00:00:00Z") - at("2026-11-05T08:00:00Z")).num_seconds() as u64));
    quotas::reserve(&pool, &me, Plan::Free, at("2026-12-01T00:00:00Z"), true).await.expect("a new month");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn visitors_get_five_ai_requests_an_hour_per_ip(pool: PgPool) {
    let ip = quotas::anon_ip_hash(&pool, "198.51.100.7".parse().unwrap()).await.unwrap();
    let other = quotas::anon_ip_hash(&pool, "198.51.100.8".parse().unwrap()).await.unwrap();
    assert_eq!(ip.len(), 64);
    assert!(!ip.contains("198.51"), "the address is not stored");
    assert_ne!(ip, other);
    let now = at("2026-11-28T10:15:00Z");
    let visitor = Subject::Anonymous(ip);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (pool, v) = (pool.clone(), visitor.clone());
            tokio::spawn(async move { quotas::reserve(&pool, &v, Plan::Anonymous, now, true).await.is_ok() })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 5);
    let e = quotas::reserve(&pool, &visitor, Plan::Anonymous, now, true).await.unwrap_err();
    assert!(e.to_string().starts_with("Visitors can make 5 AI requests an hour"), "{e}");
    assert_eq!(e.retry_after(), Some(45 * 60));
    quotas::reserve(&pool, &Subject::Anonymous(other), Plan::Anonymous, now, true).await.expect("another IP");
    quotas::reserve(&pool, &visitor, Plan::Anonymous, now + Duration::minutes(45), true).await.expect("next hour");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn grants_make_members_paid_until_they_end_or_are_revoked(pool: PgPool) {
    let id = user(&pool, "paid@example.com").await;
    let now = Utc::now();
    assert_eq!(quotas::entitlement(&pool, id, now).await.unwrap(), Plan::Free);

    let line = admin_cli::grant_premium(&pool, "paid@Example.COM", 30, None, now).await.unwrap();
    assert!(line.starts_with("paid@example.com has Pro until"), "{line}");
    assert_eq!(quotas::entitlement(&pool, id, now).await.unwrap(), Plan::Pro);
    assert_eq!(quotas::entitlement(&pool, id, now + Duration::days(31)).await.unwrap(), Plan::Free, "it ends");

    admin_cli::grant_premium(&pool, "paid@example.com", 7, Some("business"), now).await.unwrap();
    assert_eq!(quotas::entitlement(&pool, id, now).await.unwrap(), Plan::Business, "the highest plan wins");
    // Paid members have no generation quota and a bigger hourly limit.
    let me = Subject::User(id);
    for _ in 0..30 {
        quotas::reserve(&pool, &me, Plan::Business, now, true).await.unwrap();
    }
    assert_eq!(used(&pool, "generations_day").await, 0);

    let line = admin_cli::revoke_premium(&pool, "paid@example.com", now).await.unwrap();
    assert_eq!(line, "paid@example.com: 2 grant(s) ended");
    assert_eq!(quotas::entitlement(&pool, id, now + Duration::seconds(1)).await.unwrap(), Plan::Free);
    let audited: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log WHERE target = 'user:' || $1 ORDER BY id")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(audited, ["premium_granted", "premium_granted", "premium_revoked"]);

    let bad = admin_cli::grant_premium(&pool, "nobody@example.com", 30, None, now).await.unwrap_err();
    assert_eq!(bad.to_string(), "no account with the email nobody@example.com");
    let bad = admin_cli::grant_premium(&pool, "paid@example.com", 30, Some("gold"), now).await.unwrap_err();
    assert!(bad.to_string().contains("unknown plan \"gold\""));
    assert!(admin_cli::grant_premium(&pool, "paid@example.com", 0, None, now).await.is_err());
}
