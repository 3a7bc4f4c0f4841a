//! Product views for "popular": counted in memory and written in one statement every few
//! seconds, so a product page (the app's busiest read) never writes to the database itself.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

const FLUSH_EVERY: Duration = Duration::from_secs(10);

fn pending() -> &'static Mutex<HashMap<Uuid, i64>> {
    static PENDING: OnceLock<Mutex<HashMap<Uuid, i64>>> = OnceLock::new();
    PENDING.get_or_init(Default::default)
}

pub fn record(product: Uuid) {
    *pending().lock().unwrap_or_else(PoisonError::into_inner).entry(product).or_default() += 1;
}

/// Writes the counted views; they are lost only if the process dies between flushes.
pub async fn flush(db: &PgPool) -> Result<(), sqlx::Error> {
    let batch: HashMap<Uuid, i64> = std::mem::take(&mut *pending().lock().unwrap_or_else(PoisonError::into_inner));
    if batch.is_empty() {
        return Ok(());
    }
    let (ids, counts): (Vec<Uuid>, Vec<i64>) = batch.into_iter().unzip();
    let written = sqlx::query(
        "UPDATE products SET view_count = view_count + v.n
           FROM unnest($1::uuid[], $2::bigint[]) AS v(id, n) WHERE products.id = v.id",
    )
    .bind(&ids)
    .bind(&counts)
    .execute(db)
    .await;
    if written.is_err() {
        let mut again = pending().lock().unwrap_or_else(PoisonError::into_inner);
        for (id, n) in ids.into_iter().zip(counts) {
            *again.entry(id).or_default() += n;
        }
    }
    written.map(|_| ())
}

/// The flush loop the server runs.
pub async fn run(db: PgPool) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = flush(&db).await {
            tracing::warn!(error = %e, "product views not written; kept for the next flush");
        }
    }
}
