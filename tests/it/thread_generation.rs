//! Generation end to end with the hosted providers' wire formats (the fake OpenAI server) and
//! link import (the fake web): failures and cancellations cost nothing and are logged.

use crate::accounts::member;
use crate::fake_ai::{FakeAi, Reply};
use crate::fake_web::FakeWeb;
use crate::helpers::{TestApp, config_with, count};
use crate::threads::generate;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::features::{
    ai,
    threads::import::{ImportPolicy, Importer},
};
use threadr::server::{
    config::{AiBackend, AiConfig, LlmEndpoint},
    db::MIGRATOR,
};

fn openai(fake: &FakeAi) -> Arc<dyn ai::Provider> {
    let config = AiConfig {
        backend: AiBackend::OpenAi(LlmEndpoint {
            api_key: "sk-test".into(),
            base_url: fake.base_url.clone(),
            model: "gpt-4o-mini".into(),
        }),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_retries: 2,
        retry_base: Duration::from_millis(10),
        offline_pace: Duration::ZERO,
    };
    ai::from_config(&config, ai::http_client(&config).unwrap(), threadr::features::offline_writer())
}

async fn app_with(pool: &PgPool, fake: &FakeAi) -> TestApp {
    let provider = openai(fake);
    TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_ai(provider)).await
}

async fn used(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_openai_thread_streams_is_repacked_and_costed(pool: PgPool) {
    let fake = FakeAi::start().await;
    let long = "word ".repeat(80); // 400 characters: the server must split it.
    fake.set_default(Reply::text(&format!("A hook.\n---\n{long}\n---\nThe end."), 6));
    let app = app_with(&pool, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, events) = generate(&app, Some(&cookie), "Some notes about words.").await;
    assert_eq!(status, 200);
    let posts: Vec<&str> = events.iter().filter(|e| e["type"] == "post").map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(posts[0], "A hook.");
    assert_eq!(*posts.last().unwrap(), "The end.");
    assert_eq!(posts.len(), 4, "the 400-character post became two");
    let body = &fake.requests()[0].body;
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "gpt-4o-mini");
    let (provider, model, input, output, cost, outcome, ttft): (String, String, i64, i64, i64, String, Option<i32>) =
        sqlx::query_as(
            "SELECT provider, model, input_tokens, output_tokens, cost_microusd, outcome, ttft_ms FROM ai_requests",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((provider.as_str(), model.as_str(), outcome.as_str()), ("openai", "gpt-4o-mini", "ok"));
    assert_eq!((input, output), (crate::fake_ai::INPUT_TOKENS as i64, 6), "the provider's usage fields");
    // 42 × $0.15/M + 6 × $0.60/M = 9.9 micro-dollars, rounded up.
    assert_eq!(cost, 10);
    assert!(ttft.is_some());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failed_generation_consumes_no_quota_and_is_logged_as_failed(pool: PgPool) {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::status(500));
    let app = app_with(&pool, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, body) = generate(&app, Some(&cookie), "Some notes.").await;
    assert_eq!(status, 503);
    assert_eq!(body[0]["message"], "The AI service had a problem. Please try again. Nothing was counted.");
    assert_eq!(fake.attempts(), 3, "retried twice");
    assert_eq!(used(&pool).await, 0);
    let (outcome, class): (String, Option<String>) =
        sqlx::query_as("SELECT outcome, error_class FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!((outcome.as_str(), class.as_deref()), ("failed", Some("server_error")));

    // A 429 with Retry-After, then success: the member gets the thread.
    fake.script([Reply::rate_limited(1), Reply::text("Hook.\n---\nBody.", 2)]);
    let (status, events) = generate(&app, Some(&cookie), "Some notes.").await;
    assert_eq!(status, 200);
    assert_eq!(events.iter().filter(|e| e["type"] == "post").count(), 2);
    assert_eq!(used(&pool).await, 3, "one request, one day and one month generation");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_stream_cut_before_any_post_costs_nothing_after_a_post_keeps_it(pool: PgPool) {
    let fake = FakeAi::start().await;
    let app = app_with(&pool, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    // Cut after the first piece, which holds no whole post yet: nothing shown, nothing counted.
    fake.script([Reply::CutAfter { text: "First post here.\n---\nSecond post.".into(), pieces: 4, after: 1 }]);
    let (status, events) = generate(&app, Some(&cookie), "Notes.").await;
    assert_eq!(status, 200);
    assert_eq!(events.last().unwrap()["type"], "error");
    assert!(events.iter().all(|e| e["type"] != "post"));
    assert_eq!(used(&pool).await, 0);
    // Cut after the first post was complete: it is kept and the generation counts.
    fake.script([Reply::CutAfter { text: "First post here.\n---\nSecond post.".into(), pieces: 3, after: 2 }]);
    let (_, events) = generate(&app, Some(&cookie), "Notes.").await;
    let error = events.last().unwrap();
    assert_eq!(error["type"], "error");
    assert!(error["message"].as_str().unwrap().ends_with("The posts above are kept."), "{error}");
    assert_eq!(events.iter().filter(|e| e["type"] == "post").count(), 1);
    assert_eq!(used(&pool).await, 3);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM ai_requests WHERE outcome = 'failed' AND error_class = 'stream_cut'").await,
        2
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn cancelling_before_any_post_gives_the_quota_back(pool: PgPool) {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::Stream {
        text: "Slow hook.\n---\nSlow body.".into(),
        pieces: 10,
        delay: Duration::from_millis(300),
    });
    let app = app_with(&pool, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let res = app
        .call_as(
            "threads/generate",
            &[("source", "Notes."), ("tone", "neutral"), ("posts", "auto"), ("numbering", "1/7")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(used(&pool).await, 3, "reserved while it runs");
    drop(res); // the person pressed Cancel: the page drops the stream
    let mut released = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if used(&pool).await == 0 && count(&pool, "SELECT count(*) FROM ai_requests").await == 1 {
            released = true;
            break;
        }
    }
    assert!(released, "the reservation came back and the request was logged");
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(outcome, "cancelled");
    assert_eq!(fake.abandoned(), 1, "the provider's connection was closed too");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_link_becomes_a_thread_and_a_refused_link_says_why_and_costs_nothing(pool: PgPool) {
    let web = FakeWeb::start().await;
    let config = config_with(&[]);
    let importer = Importer::new(ImportPolicy::new(&config.public_url), web.resolver.clone(), web.connector.clone());
    let app = TestApp::spawn_changed(pool.clone(), config, move |s| s.with_importer(importer)).await;

    let (status, events) = generate(&app, None, "http://news.example/article").await;
    assert_eq!(status, 200, "{events:?}");
    assert_eq!(events[0]["type"], "source");
    assert_eq!(events[0]["url"], "http://news.example/article");
    let text: String = events.iter().filter(|e| e["type"] == "post").map(|e| e["text"].as_str().unwrap()).collect();
    assert!(text.contains("The river rose"), "{text}");

    web.forget();
    for (link, reason) in [
        ("http://127.0.0.1/admin", "private"),
        ("http://169.254.169.254/latest/meta-data/", "private network"),
        ("http://news.example/to-private", "private"),
        ("http://news.example/pdf", "PDF"),
        ("http://news.example/big", "2 MB"),
        ("http://news.example/missing", "404"),
    ] {
        let (status, body) = generate(&app, None, link).await;
        assert_eq!(status, 400, "{link}");
        let message = body[0]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{link}: {message}");
    }
    assert!(web.connects().iter().all(|a| a.ip() == crate::fake_web::NEWS_IP), "{:?}", web.connects());
    assert_eq!(used(&pool).await, 1, "only the imported article counted");
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests").await, 1);
}
