//! Enqueueing: inside the caller's transaction, idempotent, and refusing bad input at once.

use serde_json::json;
use sqlx::PgPool;
use threadr::features::email::{
    outbox::{self, EnqueueError},
    templates::{Links, VerifyEmail, Welcome},
};
use threadr::server::db::MIGRATOR;
use url::Url;

pub fn links() -> Links {
    Links::new(&Url::parse("https://threadr.example").unwrap())
}

pub async fn count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox").fetch_one(pool).await.unwrap()
}

/// Enqueues `n` welcome emails in one committed transaction.
pub async fn enqueue_welcomes(pool: &PgPool, n: usize, prefix: &str) {
    let mut tx = pool.begin().await.unwrap();
    for i in 0..n {
        let to = format!("user{i}@example.com");
        outbox::enqueue(&mut tx, &links(), &to, &Welcome { name: format!("User {i}") }, &format!("{prefix}-{i}"))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_rolled_back_transaction_leaves_no_email(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    outbox::enqueue(&mut tx, &links(), "ada@example.com", &Welcome { name: "Ada".into() }, "welcome:ada")
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(&pool).await, 0);

    let mut tx = pool.begin().await.unwrap();
    outbox::enqueue(&mut tx, &links(), "ada@example.com", &Welcome { name: "Ada".into() }, "welcome:ada")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&pool).await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_same_idempotency_key_keeps_one_row(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let first =
        outbox::enqueue(&mut conn, &links(), "ada@example.com", &Welcome { name: "Ada".into() }, "k1").await.unwrap();
    let again =
        outbox::enqueue(&mut conn, &links(), "ada@example.com", &Welcome { name: "Ada".into() }, "k1").await.unwrap();
    assert!(first.created);
    assert!(!again.created);
    assert_eq!(first.id, again.id);
    assert_eq!(count(&pool).await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_enqueues_of_one_key_keep_one_row(pool: PgPool) {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                let r = outbox::enqueue(&mut tx, &links(), "ada@example.com", &Welcome { name: "Ada".into() }, "once")
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                r
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    assert_eq!(ids.iter().filter(|r| r.created).count(), 1);
    assert!(ids.iter().all(|r| r.id == ids[0].id));
    assert_eq!(count(&pool).await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_row_holds_everything_the_worker_needs(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let email = VerifyEmail { name: "Ada".into(), token: "t0k".into(), next: None };
    let queued = outbox::enqueue(&mut conn, &links(), "  Ada@Example.com ", &email, "verify:1").await.unwrap();
    let (recipient, template, data, subject, text, status, attempts): (String, String, serde_json::Value, String, String, String, i32) =
        sqlx::query_as(
            "SELECT recipient, template, template_data, subject, text_body, status::text, attempts FROM email_outbox WHERE id = $1",
        )
        .bind(queued.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recipient, "Ada@Example.com", "trimmed");
    assert_eq!(template, "verify_email");
    assert_eq!(data, json!({ "name": "Ada", "token": "t0k" }));
    assert_eq!(subject, "Confirm your email address");
    assert!(text.contains("https://threadr.example/verify-email?token=t0k"));
    assert_eq!((status.as_str(), attempts), ("pending", 0));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_invalid_recipient_is_refused_at_enqueue(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    for bad in ["", "not-an-email", "a@", "@example.com", "two@@example.com", "ada@example.com\r\nBcc: x@y.z"] {
        let e = outbox::enqueue(&mut conn, &links(), bad, &Welcome { name: "Ada".into() }, &format!("bad:{bad}"))
            .await
            .unwrap_err();
        assert!(matches!(e, EnqueueError::InvalidRecipient(_)), "{bad:?}: {e}");
        assert!(e.to_string().contains("invalid recipient"));
    }
    assert_eq!(count(&pool).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn missing_template_data_fails_at_enqueue_not_in_the_worker(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let e =
        outbox::enqueue_json(&mut conn, &links(), "ada@example.com", "verify_email", &json!({ "name": "Ada" }), "v:1")
            .await
            .unwrap_err();
    assert!(e.to_string().contains("missing field `token`"), "{e}");
    let e = outbox::enqueue_json(&mut conn, &links(), "ada@example.com", "no_such_template", &json!({}), "v:2")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown email template"), "{e}");
    let e = outbox::enqueue_json(&mut conn, &links(), "ada@example.com", "welcome", &json!({ "name": "A" }), "")
        .await
        .unwrap_err();
    assert!(matches!(e, EnqueueError::InvalidKey));
    assert_eq!(count(&pool).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn stats_count_by_status_and_age_the_oldest_waiting(pool: PgPool) {
    enqueue_welcomes(&pool, 3, "s").await;
    sqlx::query("UPDATE email_outbox SET created_at = now() - interval '90 seconds' WHERE idempotency_key = 's-0'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE email_outbox SET status = 'dead' WHERE idempotency_key = 's-2'").execute(&pool).await.unwrap();
    let stats = outbox::stats(&pool).await.unwrap();
    assert_eq!((stats.pending, stats.dead, stats.sent), (2, 1, 0));
    let oldest = stats.oldest_waiting_secs.unwrap();
    assert!((89.0..120.0).contains(&oldest), "{oldest}");
}
