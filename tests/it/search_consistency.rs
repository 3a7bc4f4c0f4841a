//! Index consistency: two instances, each with its own index and applier on one database,
//! agree with PostgreSQL within a second of each product change; an instance killed while
//! applying catches up from the outbox when it starts again.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use threadr::features::catalogue::search::{
    Condition, OutboxCursor, PostgresSearch, SearchIndex, SearchQuery, SearchService, TantivyIndex, catch_up_once,
    prune_outbox, reindex, tantivy_index::IndexedDoc,
};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

use crate::search_corpus as corpus;

/// Where the index disagrees with PostgreSQL: every active product must be in the index with
/// its current title, price, stock, condition, category and seller rating, and nothing else.
async fn disagreements(db: &PgPool, index: &TantivyIndex) -> Vec<String> {
    type Row = (Uuid, String, String, i64, i32, String, i32, i32, i32);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.title, p.status::text, p.price_cents, p.stock, p.condition::text, p.category_id,
                s.rating_total, s.rating_count
           FROM products p JOIN sellers s ON s.user_id = p.seller_id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let mut out = Vec::new();
    let mut active = 0;
    for (id, title, status, price_cents, stock, condition, category_id, total, count) in rows {
        let want = (status == "active").then(|| IndexedDoc {
            title,
            price_cents,
            in_stock: stock > 0,
            condition: Condition::parse(&condition),
            category_id,
            rating_milli: (count > 0).then(|| (i64::from(total) * 1000 / i64::from(count)) as u64),
        });
        active += usize::from(want.is_some());
        match index.indexed(id) {
            Ok(got) if got == want => {}
            Ok(got) => out.push(format!("{id}: index has {got:?}, PostgreSQL {want:?}")),
            Err(e) => out.push(format!("{id}: {e}")),
        }
    }
    if index.num_docs() != active as u64 {
        out.push(format!("index holds {} documents, PostgreSQL {active} active products", index.num_docs()));
    }
    out
}

/// Searches whose answers must match PostgreSQL's once an index has caught up.
const PROBES: &[&str] = &[
    "q=walnut+",
    "q=velvet+",
    "q=denim+",
    "q=lovelace+&category=collectibles",
    "min_rating=5",
    "max_price=1",
    "q=lamp+",
];

/// Waits until both indexes agree with PostgreSQL, document by document and on the probe
/// searches; returns how long that took.
async fn until_agreed(db: &PgPool, indexes: &[&TantivyIndex], within: Duration) -> Duration {
    let started = Instant::now();
    let fallback = PostgresSearch::new(db.clone());
    loop {
        let mut problems = Vec::new();
        for index in indexes {
            problems.extend(disagreements(db, index).await);
            for params in PROBES {
                let (want, got) = (ids_for(&fallback, params).await, ids_for(*index, params).await);
                if want != got {
                    problems.push(format!("{params}: index {got:?}, PostgreSQL {want:?}"));
                }
            }
        }
        if problems.is_empty() {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "not agreed after {within:?}:\n{}", problems.join("\n"));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn ids_for(service: &dyn SearchIndex, params: &str) -> Vec<Uuid> {
    let mut ids = service.search(&SearchQuery::parse_query_string(params).unwrap()).await.unwrap().ids;
    ids.sort();
    ids
}

async fn instance(db: &PgPool) -> (tempfile::TempDir, TantivyIndex, SearchService) {
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    let service = SearchService::new(Arc::new(index.clone()), Arc::new(PostgresSearch::new(db.clone())));
    service.spawn_applier(db.clone());
    (dir, index, service)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn two_instances_agree_with_postgres_within_a_second(db: PgPool) {
    let products = corpus::load(&db).await;
    let (_dir_a, a, service_a) = instance(&db).await;
    let (_dir_b, b, service_b) = instance(&db).await;
    // Each builds its index in the background, answering from PostgreSQL meanwhile.
    let started = Instant::now();
    while !(service_a.is_ready() && service_b.is_ready()) {
        assert!(started.elapsed() < Duration::from_secs(30), "instances never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    until_agreed(&db, &[&a, &b], Duration::from_secs(1)).await;

    let slug_id = |slug: &str| products.iter().find(|p| p.slug == slug).unwrap().id;
    let seller: Uuid =
        sqlx::query_scalar("SELECT user_id FROM sellers WHERE handle = 'bram-vintage'").fetch_one(&db).await.unwrap();
    let category: i32 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'furniture'").fetch_one(&db).await.unwrap();
    let changes: Vec<(&str, String)> = vec![
        ("create", format!(
            "INSERT INTO products (seller_id, slug, title, description, category_id, price_cents, stock, condition, status, published_at)
             VALUES ('{seller}', 'velvet-armchair', 'Velvet Armchair', 'Deep blue velvet.', {category}, 21000, 1, 'good', 'active', now())"
        )),
        ("edit", format!("UPDATE products SET title = 'Walnut Dining Table' WHERE id = '{}'", slug_id("oak-dining-table"))),
        ("hide", format!("UPDATE products SET status = 'hidden' WHERE id = '{}'", slug_id("denim-jacket"))),
        ("delete", format!("DELETE FROM products WHERE id = '{}'", slug_id("thinkpad"))),
        ("publish", "UPDATE products SET status = 'active' WHERE slug = 'brass-desk-lamp'".into()),
        ("price", format!("UPDATE products SET price_cents = 99 WHERE id = '{}'", slug_id("catan"))),
        ("seller renamed", format!("UPDATE users SET display_name = 'Bram Lovelace' WHERE id = '{seller}'")),
        ("seller rated", "UPDATE sellers SET rating_total = 10, rating_count = 2 WHERE handle = 'nordic-threads'".into()),
    ];
    let fallback = PostgresSearch::new(db.clone());
    for (what, sql) in changes {
        sqlx::query(&sql).execute(&db).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        let took = until_agreed(&db, &[&a, &b], Duration::from_secs(1)).await;
        println!("{what}: both indexes agree after {} ms", took.as_millis());
        // Searches through either instance answer as PostgreSQL does.
        for params in PROBES {
            let want = ids_for(&fallback, params).await;
            assert_eq!(ids_for(&service_a, params).await, want, "{what}: {params}");
            assert_eq!(ids_for(&service_b, params).await, want, "{what}: {params}");
        }
    }
    // Renamed seller: every one of their products (the velvet armchair and the published lamp
    // in, the hidden denim jacket out).
    let bram = products.iter().filter(|p| p.seller == "bram-vintage" && p.status == "active").count() as u64 + 1;
    let lovelace = SearchQuery::parse_query_string("q=lovelace+").unwrap();
    assert_eq!(service_a.search(&lovelace).await.unwrap().total, bram);
    assert_eq!(service_b.search(&lovelace).await.unwrap().total, bram);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_writers_with_rollbacks_leave_no_gap_behind(db: PgPool) {
    let products = corpus::load(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    reindex(&db, &index).await.unwrap();
    let mut cursor = OutboxCursor::default();
    // Transaction 1 takes an outbox id and stays open; transaction 2 takes the next id and
    // commits; transaction 3 takes one and rolls back.
    let mut slow = db.begin().await.unwrap();
    sqlx::query("UPDATE products SET title = 'Slow Title' WHERE id = $1")
        .bind(products[0].id)
        .execute(&mut *slow)
        .await
        .unwrap();
    sqlx::query("UPDATE products SET title = 'Fast Title' WHERE id = $1")
        .bind(products[1].id)
        .execute(&db)
        .await
        .unwrap();
    let mut undone = db.begin().await.unwrap();
    sqlx::query("UPDATE products SET title = 'Undone' WHERE id = $1")
        .bind(products[2].id)
        .execute(&mut *undone)
        .await
        .unwrap();
    undone.rollback().await.unwrap();

    let step = catch_up_once(&db, &index, &mut cursor).await.unwrap();
    // The fast change is applied at once; the position stays below the open transaction's id.
    assert_eq!(index.indexed(products[1].id).unwrap().map(|d| d.title).as_deref(), Some("Fast Title"));
    assert!(step.waiting_for_gap, "{step:?}");
    let before = index.applied_through().await.unwrap().unwrap();

    slow.commit().await.unwrap();
    let step = catch_up_once(&db, &index, &mut cursor).await.unwrap();
    assert_eq!(index.indexed(products[0].id).unwrap().map(|d| d.title).as_deref(), Some("Slow Title"));
    // The rolled-back id is skipped once no transaction that could hold it is running.
    let mut step = step;
    let started = Instant::now();
    while step.waiting_for_gap {
        assert!(started.elapsed() < Duration::from_secs(10), "the rolled-back id is never skipped");
        tokio::time::sleep(Duration::from_millis(20)).await;
        step = catch_up_once(&db, &index, &mut cursor).await.unwrap();
    }
    let max: i64 = sqlx::query_scalar("SELECT max(id) FROM search_outbox").fetch_one(&db).await.unwrap();
    assert!(before < max);
    assert_eq!(index.applied_through().await.unwrap(), Some(max));
    assert!(disagreements(&db, &index).await.is_empty());
}

/// The parent's test database, as a URL for a child process.
fn database_url(db: &PgPool) -> String {
    let o = db.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        o.get_username(),
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or("postgres")
    )
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_instance_killed_mid_update_catches_up_from_the_outbox(db: PgPool) {
    let products = corpus::load(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["search_consistency::applier_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("SEARCH_CHILD_DATABASE_URL", database_url(&db))
        .env("SEARCH_CHILD_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).any(|line| line.contains("APPLIER READY"))
    });
    assert!(tokio::time::timeout(Duration::from_secs(60), ready).await.unwrap().unwrap(), "the child never started");

    // A stream of changes; the child is killed while it applies them.
    let writer = {
        let db = db.clone();
        let ids: Vec<Uuid> = products.iter().filter(|p| p.status == "active").map(|p| p.id).take(40).collect();
        tokio::spawn(async move {
            for round in 0..60 {
                sqlx::query("UPDATE products SET title = split_part(title, ' #', 1) || ' #' || $1 WHERE id = ANY($2)")
                    .bind(round.to_string())
                    .bind(&ids)
                    .execute(&db)
                    .await
                    .unwrap();
                if round % 7 == 0 {
                    sqlx::query("UPDATE products SET status = CASE status WHEN 'active' THEN 'hidden'::product_status ELSE 'active' END WHERE id = $1")
                        .bind(ids[round % ids.len()])
                        .execute(&db)
                        .await
                        .unwrap();
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    child.kill().unwrap(); // SIGKILL: no chance to finish a commit
    child.wait().unwrap();
    writer.await.unwrap();

    // Restarted: it opens its index where the last commit left it, then catches up.
    let index = TantivyIndex::open(dir.path()).unwrap();
    let left_at = index.applied_through().await.unwrap().expect("the child had built its index");
    let max: i64 = sqlx::query_scalar("SELECT max(id) FROM search_outbox").fetch_one(&db).await.unwrap();
    println!("killed at outbox id {left_at} of {max}");
    assert!(left_at < max, "the kill came after everything was applied: no catching up was tested");
    let mut cursor = OutboxCursor::default();
    let started = Instant::now();
    loop {
        let step = catch_up_once(&db, &index, &mut cursor).await.unwrap();
        if !step.waiting_for_gap {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    let problems = disagreements(&db, &index).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(index.applied_through().await.unwrap(), Some(max));
}

/// The instance the test above kills: only runs when started by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started by an_instance_killed_mid_update_catches_up_from_the_outbox"]
async fn applier_child() {
    let (Ok(url), Ok(dir)) = (std::env::var("SEARCH_CHILD_DATABASE_URL"), std::env::var("SEARCH_CHILD_DIR")) else {
        return;
    };
    let db = PgPool::connect(&url).await.unwrap();
    let index = TantivyIndex::open(std::path::Path::new(&dir)).unwrap();
    let service = SearchService::new(Arc::new(index), Arc::new(PostgresSearch::new(db.clone())));
    service.spawn_applier(db);
    while !service.is_ready() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("APPLIER READY");
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_index_behind_the_pruned_outbox_is_rebuilt_and_postgres_answers_meanwhile(db: PgPool) {
    let products = corpus::load(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    reindex(&db, &index).await.unwrap();
    let through = index.applied_through().await.unwrap().unwrap();

    // Changes this index never applies, then a day passes and they are pruned.
    sqlx::query("UPDATE products SET title = 'Pruned Change' WHERE id = $1")
        .bind(products[0].id)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE search_outbox SET created_at = now() - interval '2 days'").execute(&db).await.unwrap();
    let pruned = prune_outbox(&db, Duration::from_secs(24 * 3600)).await.unwrap();
    assert!(pruned > 0);
    let pruned_through: i64 =
        sqlx::query_scalar("SELECT through_id FROM search_outbox_pruned").fetch_one(&db).await.unwrap();
    assert!(pruned_through > through);
    assert!(matches!(
        catch_up_once(&db, &index, &mut OutboxCursor::default()).await,
        Err(threadr::features::catalogue::search::SearchError::NotBuilt)
    ));

    // A service on that index answers from PostgreSQL until its applier has rebuilt it.
    let service = SearchService::new(Arc::new(index.clone()), Arc::new(PostgresSearch::new(db.clone())));
    let q = SearchQuery::parse_query_string("q=pruned+change").unwrap();
    let page = service.search(&q).await.unwrap();
    assert_eq!(page.engine, threadr::features::catalogue::search::Engine::Fallback);
    assert_eq!(page.ids, [products[0].id]);
    service.spawn_applier(db.clone());
    let started = Instant::now();
    while !service.is_ready() {
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = service.search(&q).await.unwrap();
    assert_eq!(page.engine, threadr::features::catalogue::search::Engine::Index);
    assert_eq!(page.ids, [products[0].id]);
    assert!(index.applied_through().await.unwrap().unwrap() >= pruned_through);
    assert!(disagreements(&db, &index).await.is_empty());
}
