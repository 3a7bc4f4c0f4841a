//! Threads benchmark (not a test; `scripts/bench` runs it in release mode and prints figures):
//! offline packing throughput, time to the first streamed post and to the whole thread for a
//! 5,000-word article (offline provider, and OpenAI's wire format from the local fake), and
//! quota check-and-reserve latency with 64 concurrent callers. Needs DATABASE_URL.

use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../tests/it/fake_ai.rs"]
mod fake_ai;

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
        let end = (seed >> 20).is_multiple_of(14);
        if end && i.is_multiple_of(97) {
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

/// Serves the app in-process on loopback with `state`; returns its address.
async fn serve(state: threadr::server::state::AppState) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(threadr::server::serve::serve(listener, state, std::future::pending()));
    addr
}

fn state(pool: sqlx::PgPool, fake: Option<&fake_ai::FakeAi>) -> threadr::server::state::AppState {
    let mut vars = vec![
        ("DATABASE_URL".to_string(), "postgres://unused@127.0.0.1:1/unused".to_string()),
        ("TRUSTED_PROXY_HOPS".to_string(), "1".to_string()),
        ("REQUESTS_PER_MINUTE".to_string(), "100000".to_string()),
    ];
    if let Some(fake) = fake {
        vars.push(("OPENAI_API_KEY".into(), "sk-bench".into()));
        vars.push(("OPENAI_BASE_URL".into(), fake.base_url.clone()));
    }
    let config =
        threadr::server::config::Config::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .expect("bench configuration");
    let site = leptos::prelude::LeptosOptions::builder()
        .output_name("threadr")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .hash_files(false)
        .build();
    threadr::server::state::AppState::new(config, site, pool)
}

/// Time to the first streamed post and to the whole thread, median of `runs` generations
/// (each from its own client address, so the visitor limit does not interfere).
async fn stream_timing(addr: std::net::SocketAddr, text: &str, runs: usize) -> (Duration, Duration, usize) {
    use futures_util::StreamExt;
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    let body = format!(
        "source={}&tone=neutral&posts=auto&numbering=1%2F7",
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
    );
    let (mut first, mut whole, mut posts) = (Vec::new(), Vec::new(), 0);
    for run in 0..runs {
        let started = Instant::now();
        let res = client
            .post(format!("http://{addr}/api/threads/generate"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", format!("198.18.{}.{}", run / 250, run % 250 + 1))
            .body(body.clone())
            .send()
            .await
            .expect("generate");
        assert_eq!(res.status(), 200, "generation answered {}", res.status());
        let mut stream = res.bytes_stream();
        let mut seen = String::new();
        let mut first_post = None;
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            if first_post.is_none() && seen.contains("\"type\":\"post\"") {
                first_post = Some(started.elapsed());
            }
        }
        whole.push(started.elapsed());
        first.push(first_post.expect("a post arrived"));
        posts = seen.matches("\"type\":\"post\"").count();
        assert!(seen.contains("\"type\":\"done\""), "the thread finished");
    }
    first.sort();
    whole.sort();
    (percentile(&first, 0.5), percentile(&whole, 0.5), posts)
}

async fn generation_latency(pool: sqlx::PgPool) {
    let text = article(5000);
    let addr = serve(state(pool.clone(), None)).await;
    let (first, whole, posts) = stream_timing(addr, &text, 5).await;
    println!(
        "5,000-word article, offline provider: first post {:.1} ms, whole thread ({posts} posts) {:.1} ms (median of 5)",
        first.as_secs_f64() * 1e3,
        whole.as_secs_f64() * 1e3
    );
    // OpenAI's wire format from the local fake: 25 posts in 250 pieces, 4 ms apart (a model
    // writing about 60 tokens/s would be slower still; this measures our side of the stream).
    let fake = fake_ai::FakeAi::start().await;
    let answer: Vec<String> =
        (1..=25).map(|i| format!("Post number {i} of the thread says something useful about the article.")).collect();
    fake.set_default(fake_ai::Reply::Stream {
        text: answer.join("\n---\n"),
        pieces: 250,
        delay: Duration::from_millis(4),
    });
    let addr = serve(state(pool, Some(&fake))).await;
    let (first, whole, posts) = stream_timing(addr, &text, 5).await;
    println!(
        "5,000-word article, fake OpenAI (250 SSE chunks, 4 ms apart): first post {:.1} ms, whole thread ({posts} posts) {:.1} ms (median of 5)",
        first.as_secs_f64() * 1e3,
        whole.as_secs_f64() * 1e3
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
        quota_latency(pool.clone()).await;
        generation_latency(pool).await;
    });
}
