//! Keeping an instance's index current, and routing searches while it is not.
//!
//! Every product change writes a `search_outbox` row in its own transaction (triggers) and
//! wakes every instance with `NOTIFY search_outbox` at commit. Each instance's applier reads
//! the rows above the last id its index committed, loads those products' current documents
//! (not active or gone: delete) and commits them with the new id, so a restart resumes where
//! the index stopped. An index that was never built, has another format, or stopped below
//! what was pruned from the outbox, is rebuilt from the products table in the background
//! while [`SearchService`] answers from PostgreSQL.
//!
//! Outbox ids are drawn when a row is inserted, not when its transaction commits, so a row
//! can become visible after a higher one. Rows are applied as soon as they are seen, but the
//! committed "through" id only moves past a missing id once no transaction that could still
//! commit it is running (see [`OutboxCursor`]); until then the rows above it are kept in
//! memory as applied.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::PgListener;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::document::{load_docs, stream_all};
use super::{DocStream, ProductDoc, SearchError, SearchIndex, SearchPage, SearchQuery, Suggestion};

/// Outbox rows read per batch.
const BATCH: i64 = 2_000;
/// The safety poll when no notification arrives (a lost notification costs at most this).
const POLL: Duration = Duration::from_secs(5);
/// How soon to look again while a missing id may still be committed.
const GAP_RETRY: Duration = Duration::from_millis(100);
/// Outbox rows older than this are pruned; an index that was behind them rebuilds.
pub const OUTBOX_KEEP: Duration = Duration::from_secs(24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// A rebuild waits at most this long for transactions that may still write outbox rows.
const REBUILD_SETTLE: Duration = Duration::from_secs(60);
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(2);

/// Told the products an applied batch changed.
pub type AppliedHook = Arc<dyn Fn(&[Uuid]) + Send + Sync>;

/// Searches the index once it has caught up, PostgreSQL until then (and whenever the index
/// fails a search). Cheap to clone; the app keeps one in its state.
#[derive(Clone)]
pub struct SearchService {
    index: Arc<dyn SearchIndex>,
    fallback: Arc<dyn SearchIndex>,
    ready: Arc<AtomicBool>,
    /// Told the products each applied batch changed (the catalogue forgets what it keeps of
    /// them, so another instance's change shows here as soon as search has it).
    on_applied: Option<AppliedHook>,
}

impl SearchService {
    /// Starts on the fallback; [`SearchService::set_ready`] (the applier) switches.
    pub fn new(index: Arc<dyn SearchIndex>, fallback: Arc<dyn SearchIndex>) -> Self {
        Self { index, fallback, ready: Arc::new(AtomicBool::new(false)), on_applied: None }
    }

    /// This service, telling `hook` which products every batch it applies changed.
    pub fn on_applied(mut self, hook: AppliedHook) -> Self {
        self.on_applied = Some(hook);
        self
    }

    /// Whether searches go to the index (true) or PostgreSQL.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    pub fn index(&self) -> &Arc<dyn SearchIndex> {
        &self.index
    }

    /// Starts the applier for this instance: builds or catches up the index in the
    /// background, switches searches to it, then applies every change as it is notified.
    pub fn spawn_applier(&self, db: PgPool) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move { run_applier(db, service).await })
    }
}

#[async_trait::async_trait]
impl SearchIndex for SearchService {
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, SearchError> {
        if self.is_ready() {
            match self.index.search(query).await {
                Ok(page) => return Ok(page),
                Err(e) => tracing::error!(error = %e, "search index failed, answering from PostgreSQL"),
            }
        }
        self.fallback.search(query).await
    }

    async fn suggest(&self, text: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        if self.is_ready() {
            match self.index.suggest(text, limit).await {
                Ok(s) => return Ok(s),
                Err(e) => tracing::error!(error = %e, "search index failed, suggesting from PostgreSQL"),
            }
        }
        self.fallback.suggest(text, limit).await
    }

    async fn apply(&self, docs: Vec<ProductDoc>, delete: Vec<Uuid>, through: i64) -> Result<(), SearchError> {
        let changed: Vec<Uuid> = match &self.on_applied {
            Some(_) => docs.iter().map(|d| d.id).chain(delete.iter().copied()).collect(),
            None => Vec::new(),
        };
        self.index.apply(docs, delete, through).await?;
        if let Some(hook) = &self.on_applied {
            hook(&changed);
        }
        Ok(())
    }

    async fn applied_through(&self) -> Result<Option<i64>, SearchError> {
        self.index.applied_through().await
    }

    async fn rebuild(&self, docs: DocStream<'_>, through: i64) -> Result<u64, SearchError> {
        self.index.rebuild(docs, through).await
    }
}

/// Where an applier stands beyond what its index committed (memory only: after a restart the
/// rows above the committed id are simply applied again, which is harmless).
#[derive(Debug, Default)]
pub struct OutboxCursor {
    /// Rows above the committed id already applied (seen while a lower id was missing).
    applied_above: BTreeSet<i64>,
    /// The highest id read while some lower id was missing, and the first transaction id not
    /// yet started then. Once every transaction older than that has ended, an id at or below
    /// it that is still missing never will be there (rolled back), and is skipped.
    horizon: Option<(i64, i64)>,
}

/// What one [`catch_up_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CatchUp {
    /// Outbox rows read and applied.
    pub rows: usize,
    /// The outbox id the index now says it includes.
    pub through: i64,
    /// A lower id is still missing: look again shortly (its transaction may yet commit).
    pub waiting_for_gap: bool,
}

/// Applies every outbox row visible now to `index`, batch by batch, and commits the new
/// position. `Err(SearchError::NotBuilt)` when the index must be rebuilt first.
pub async fn catch_up_once(
    db: &PgPool,
    index: &dyn SearchIndex,
    cursor: &mut OutboxCursor,
) -> Result<CatchUp, SearchError> {
    let mut through = index.applied_through().await?.ok_or(SearchError::NotBuilt)?;
    let mut done = CatchUp { through, ..CatchUp::default() };
    loop {
        let mut tx = snapshot_tx(db).await?;
        let (xmin, xmax, pruned): (i64, i64, i64) = sqlx::query_as(
            "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint,
                    (SELECT through_id FROM search_outbox_pruned)
               FROM pg_current_snapshot() s",
        )
        .fetch_one(&mut *tx)
        .await?;
        if through < pruned {
            // Rows this index never saw are gone from the outbox.
            return Err(SearchError::NotBuilt);
        }
        let rows: Vec<(i64, Uuid)> =
            sqlx::query_as("SELECT id, product_id FROM search_outbox WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(through)
                .bind(BATCH)
                .fetch_all(&mut *tx)
                .await?;
        let full = rows.len() as i64 == BATCH;
        let last = rows.last().map_or(through, |r| r.0);

        // How far the committed position may move: over ids now known to be gone for good,
        // then along consecutive ids.
        let mut end = through;
        if let Some((max_id, horizon_xmax)) = cursor.horizon
            && xmin >= horizon_xmax
        {
            if full && last < max_id {
                end = end.max(last);
            } else {
                end = end.max(max_id);
                cursor.horizon = None;
            }
        }
        for &(id, _) in &rows {
            if id <= end {
                continue;
            }
            if id == end + 1 { end = id } else { break }
        }
        if end < last && cursor.horizon.is_none() {
            cursor.horizon = Some((last, xmax));
        }

        let fresh: Vec<(i64, Uuid)> =
            rows.iter().copied().filter(|(id, _)| !cursor.applied_above.contains(id)).collect();
        let mut seen = HashSet::new();
        let product_ids: Vec<Uuid> = fresh.iter().map(|r| r.1).filter(|id| seen.insert(*id)).collect();
        let docs = if product_ids.is_empty() { Vec::new() } else { load_docs(&mut *tx, &product_ids).await? };
        tx.commit().await?;
        let present: HashSet<Uuid> = docs.iter().map(|d| d.id).collect();
        let deletes: Vec<Uuid> = product_ids.iter().copied().filter(|id| !present.contains(id)).collect();

        if !product_ids.is_empty() || end != through {
            index.apply(docs, deletes, end).await?;
        }
        for &(id, _) in &fresh {
            if id > end {
                cursor.applied_above.insert(id);
            }
        }
        cursor.applied_above = cursor.applied_above.split_off(&(end + 1));
        done.rows += fresh.len();
        done.waiting_for_gap = end < last;
        through = end;
        done.through = end;
        if !full || done.waiting_for_gap {
            return Ok(done);
        }
    }
}

/// A read-only transaction with one snapshot for all its statements.
async fn snapshot_tx(db: &PgPool) -> Result<Transaction<'static, Postgres>, SearchError> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    Ok(tx)
}

/// Rebuilds `index` from every active product (`threadr search-reindex`, and an instance
/// whose index is unusable). Returns the number of documents.
///
/// The position recorded is the highest outbox id visible before the rebuild, taken once
/// every transaction running then has ended, so every change at or below it is in the
/// products the rebuild reads; rows above it are applied afterwards (again, harmlessly).
pub async fn reindex(db: &PgPool, index: &dyn SearchIndex) -> Result<u64, SearchError> {
    let (through, xmax): (i64, i64) = sqlx::query_as(
        // Not below what was pruned: when every row is pruned the highest id is gone too.
        "SELECT greatest((SELECT max(id) FROM search_outbox), (SELECT through_id FROM search_outbox_pruned), 0),
                pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
    )
    .fetch_one(db)
    .await?;
    let started = Instant::now();
    loop {
        let xmin: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").fetch_one(db).await?;
        if xmin >= xmax {
            break;
        }
        if started.elapsed() > REBUILD_SETTLE {
            tracing::warn!("search rebuild: a transaction has been running for over a minute; rebuilding anyway");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut tx = snapshot_tx(db).await?;
    let docs = stream_all(&mut *tx);
    let count = index.rebuild(docs, through).await?;
    tx.commit().await?;
    Ok(count)
}

/// `threadr search-reindex`: rebuilds the index in `dir` from PostgreSQL and applies what
/// changed meanwhile. The directory must not be in use by a running instance (tantivy locks
/// it; the error says so): stop the instance, or let a running one rebuild by itself (it does
/// when its index is missing, of another version, or behind the pruned outbox).
pub async fn reindex_dir(db: &PgPool, dir: &std::path::Path) -> Result<u64, SearchError> {
    let index = super::TantivyIndex::open(dir)?;
    let count = reindex(db, &index).await?;
    let mut cursor = OutboxCursor::default();
    catch_up_once(db, &index, &mut cursor).await?;
    Ok(count)
}

/// Whether the index must be rebuilt before it can be caught up: never built, another
/// format, or behind rows that were pruned from the outbox.
pub async fn needs_rebuild(db: &PgPool, index: &dyn SearchIndex) -> Result<bool, SearchError> {
    let Some(through) = index.applied_through().await? else { return Ok(true) };
    let pruned: i64 = sqlx::query_scalar("SELECT through_id FROM search_outbox_pruned").fetch_one(db).await?;
    Ok(through < pruned)
}

/// Deletes outbox rows older than `keep` and records the highest id deleted. Returns how many
/// rows went. Every instance may run it; it is idempotent.
pub async fn prune_outbox(db: &PgPool, keep: Duration) -> Result<u64, SearchError> {
    let (deleted, _): (i64, Option<i64>) = sqlx::query_as(
        "WITH cut AS (SELECT max(id) AS id FROM search_outbox WHERE created_at < now() - make_interval(secs => $1)),
              gone AS (DELETE FROM search_outbox WHERE id <= (SELECT id FROM cut) RETURNING id),
              mark AS (UPDATE search_outbox_pruned SET through_id = greatest(through_id, (SELECT max(id) FROM gone))
                        WHERE EXISTS (SELECT 1 FROM gone) RETURNING through_id)
         SELECT (SELECT count(*) FROM gone), (SELECT through_id FROM mark)",
    )
    .bind(keep.as_secs_f64())
    .fetch_one(db)
    .await?;
    Ok(u64::try_from(deleted).unwrap_or(0))
}

/// Brings the index up to date (rebuilding it when needed), then marks the service ready.
async fn prepare(db: &PgPool, service: &SearchService, cursor: &mut OutboxCursor) -> Result<(), SearchError> {
    let index = service.index.as_ref();
    if needs_rebuild(db, index).await? {
        service.set_ready(false);
        tracing::info!("search index: rebuilding from PostgreSQL (searches use PostgreSQL meanwhile)");
        let started = Instant::now();
        let count = reindex(db, index).await?;
        *cursor = OutboxCursor::default();
        tracing::info!(documents = count, seconds = started.elapsed().as_secs_f64(), "search index rebuilt");
    }
    // Until the index has everything visible now, PostgreSQL answers.
    loop {
        let step = catch_up_once(db, service, cursor).await?;
        if !step.waiting_for_gap || step.rows == 0 {
            break;
        }
    }
    service.set_ready(true);
    Ok(())
}

/// The applier loop: never returns (the task is dropped with the runtime).
async fn run_applier(db: PgPool, service: SearchService) {
    let mut cursor = OutboxCursor::default();
    while let Err(e) = prepare(&db, &service, &mut cursor).await {
        if db.is_closed() {
            return;
        }
        tracing::error!(error = %e, "search index could not be prepared; retrying");
        tokio::time::sleep(RETRY_AFTER_ERROR).await;
    }
    let mut listener: Option<PgListener> = None;
    let mut last_prune: Option<Instant> = None;
    let mut wait = Duration::ZERO;
    loop {
        // The app (or a test) is shutting down: let its pool close.
        if db.is_closed() {
            return;
        }
        if listener.is_none() {
            listener = match PgListener::connect_with(&db).await {
                Ok(mut l) => match l.listen("search_outbox").await {
                    Ok(()) => Some(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "search outbox: LISTEN failed; polling");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "search outbox: no listener connection; polling");
                    None
                }
            };
            // Anything committed while not listening is caught up below.
            wait = Duration::ZERO;
        }
        if !wait.is_zero() {
            match listener.as_mut() {
                Some(l) => match tokio::time::timeout(wait, l.try_recv()).await {
                    // Woken (or the poll is due): drain what else is buffered, then catch up.
                    Ok(Ok(Some(_))) | Err(_) => while l.next_buffered().is_some() {},
                    // The connection was lost and is reconnected: notifications may be lost.
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "search outbox: listener failed");
                        listener = None;
                    }
                },
                None => tokio::time::sleep(wait).await,
            }
        }
        wait = match catch_up_once(&db, &service, &mut cursor).await {
            Ok(step) if step.waiting_for_gap => GAP_RETRY,
            Ok(_) => POLL,
            Err(SearchError::NotBuilt) => {
                if let Err(e) = prepare(&db, &service, &mut cursor).await {
                    tracing::error!(error = %e, "search index could not be rebuilt");
                }
                RETRY_AFTER_ERROR
            }
            Err(e) => {
                tracing::error!(error = %e, "search outbox: applying failed; retrying");
                RETRY_AFTER_ERROR
            }
        };
        if last_prune.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(Instant::now());
            match prune_outbox(&db, OUTBOX_KEEP).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "search outbox pruned"),
                Err(e) => tracing::warn!(error = %e, "search outbox: pruning failed"),
            }
        }
    }
}
