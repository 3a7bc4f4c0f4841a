//! Threads benchmark (not a test; `scripts/bench` runs it in release mode and prints figures):
//! offline packing throughput, time to the first streamed post and to the whole thread for a
//! 5,000-word article (offline provider, and OpenAI's wire format from the local fake), and
//! quota check-and-reserve latency with 64 concurrent callers. Needs DATABASE_URL.

use std::time::{Duration, Instant};

use threadr::features::threads::{
    offline::{ThreadOptions, write_thread},
    packer::{Numbering, pack},
};

/// A deterministic 5,000-word article: varied sentence lengths, paragraphs, some long words,
/// URLs and non-Latin text, like pasted articles.
fn article(words: usize) -> String {
    const VOCAB: &[&str] = &[
        "the",
        "market",
        "shifted",
        "quickly",
        "after",
        "engineers",
        "shipped",
        "a",
        "safer",
        "runtime",
        "and",
        "customers",
        "noticed",
        "fewer",
        "crashes",
        "during",
        "peak",
        "hours",
        "because",
        "memory",
        "errors",
        "disappeared",
        "entirely",
        "from",
        "production",
        "logs",
        "which",
        "surprised",
        "everyone",
        "involved",
        "https://example.com/a/very/long/path/to/an/article",
        "東京",
        "résumé",
        "internationalization",
    ];
    let mut out = String::new();
    let mut seed: u64 = 42;
    for i in 0..words {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let word = VOCAB[(seed >> 33) as usize % VOCAB.len()];
        if out.is_empty() || out.ends_with(". ") || out.ends_with("\n\n") {
            let mut c = word.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push_str(word);
        }
        let end = (seed >> 20) % 14 == 0;
        if end && i % 97 == 0 {
            out.push_str(".\n\n");
        } else if end {
            out.push_str(". ");
        } else {
            out.push(' ');
        }
    }
    out.push('.');
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn packing() {
    let text = article(5000);
    let mb = text.len() as f64 / 1e6;
    let runs = 20;
    let started = Instant::now();
    let mut posts = 0;
    for _ in 0..runs {
        posts = pack(&text, Numbering::Fraction).len();
    }
    let pack_secs = started.elapsed().as_secs_f64() / runs as f64;
    let options = ThreadOptions { tone: Default::default(), posts: None, numbering: Numbering::Fraction };
    let started = Instant::now();
    let mut thread = 0;
    for _ in 0..runs {
        thread = write_thread(&text, &options).len();
    }
    let write_secs = started.elapsed().as_secs_f64() / runs as f64;
    println!("offline packing, 5,000-word article ({} bytes):", text.len());
    println!("  pack (all {posts} posts)          {:>8.2} ms  {:>8.1} MB/s", pack_secs * 1e3, mb / pack_secs);
    println!("  write_thread ({thread} posts, hook) {:>8.2} ms  {:>8.1} MB/s", write_secs * 1e3, mb / write_secs);
}

async fn quota_latency(pool: sqlx::PgPool) {
    use threadr::features::quotas::{Plan, Subject, release, reserve};
    let callers = 64;
    let per_caller = 50;
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let me = Subject::Anonymous(format!("bench-{i}"));
                let mut times = Vec::with_capacity(per_caller);
                for _ in 0..per_caller {
                    let t = Instant::now();
                    let r = reserve(&pool, &me, Plan::Free, chrono::Utc::now(), true).await.expect("reserve");
                    times.push(t.elapsed());
                    release(&pool, &r).await.expect("release");
                }
                times
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("caller"));
    }
    let wall = started.elapsed();
    all.sort();
    println!(
        "quota check-and-reserve (3 counters, one transaction), {callers} concurrent callers × {per_caller}: p50 {:.2} ms, p99 {:.2} ms, {:.0} reservations/s (each followed by a release)",
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.len() as f64 / wall.as_secs_f64()
    );
}

fn main() {
    packing();
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!("DATABASE_URL unset: skipping the database benchmarks");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(64).connect(&url).await.expect("database");
        threadr::server::db::migrate(&pool).await.expect("migrate");
        quota_latency(pool).await;
    });
}
