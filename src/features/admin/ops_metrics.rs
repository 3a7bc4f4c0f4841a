//! The queue gauges of `/metrics`, read when Prometheus scrapes: the email outbox (waiting,
//! sending, dead), failed Stripe webhook events, the search outbox, letters generating and
//! stuck. One query; each queue's depth and the age of its oldest waiting row.

use sqlx::PgPool;

/// The queues, in the order the query names them.
const QUEUES: [&str; 7] = [
    "email_waiting",
    "email_sending",
    "email_dead",
    "stripe_failed",
    "search_outbox",
    "letters_generating",
    "letters_stuck",
];

/// The queues and their figures, as `(queue label, depth, oldest age in seconds)`.
pub async fn read(db: &PgPool) -> Result<Vec<(&'static str, i64, f64)>, sqlx::Error> {
    let stuck_minutes = crate::features::letters::stuck::STUCK_AFTER.num_minutes();
    // One row per queue: its label, depth and oldest row's age in seconds (0 when empty), all
    // from the database's clock.
    let rows: Vec<(String, i64, f64)> = sqlx::query_as(
        "WITH queues (queue, n, oldest) AS (
             SELECT 'email_waiting', count(*), min(created_at) FROM email_outbox WHERE status IN ('pending', 'failed')
             UNION ALL
             SELECT 'email_sending', count(*), min(updated_at) FROM email_outbox WHERE status = 'sending'
             UNION ALL
             SELECT 'email_dead', count(*), min(updated_at) FROM email_outbox WHERE status = 'dead'
             UNION ALL
             SELECT 'stripe_failed', count(*), min(received_at) FROM stripe_events WHERE status = 'failed'
             UNION ALL
             SELECT 'search_outbox', count(*), min(created_at) FROM search_outbox
             UNION ALL
             SELECT 'letters_generating', count(*), min(generating_started_at) FROM letters
              WHERE status = 'generating' AND deleted_at IS NULL
             UNION ALL
             SELECT 'letters_stuck', count(*), min(generating_started_at) FROM letters
              WHERE status = 'generating' AND deleted_at IS NULL
                AND generating_started_at < now() - make_interval(mins => $1))
         SELECT queue, n, coalesce(extract(epoch FROM now() - oldest), 0)::float8 FROM queues",
    )
    .bind(i32::try_from(stuck_minutes).unwrap_or(10))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(queue, n, age)| QUEUES.iter().find(|q| **q == queue).map(|q| (*q, n, age)))
        .collect())
}

/// Sets `threadr_queue_depth` and `threadr_queue_oldest_age_seconds` for every queue.
pub async fn record(db: &PgPool) -> Result<(), sqlx::Error> {
    for (queue, depth, oldest) in read(db).await? {
        metrics::gauge!("threadr_queue_depth", "queue" => queue).set(depth as f64);
        metrics::gauge!("threadr_queue_oldest_age_seconds", "queue" => queue).set(oldest);
    }
    Ok(())
}
