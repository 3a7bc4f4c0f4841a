//! Product descriptions end to end: streamed through the offline provider and the fake
//! OpenAI and Anthropic servers, bad input refused clearly, the quota counted (and given back
//! when nothing came out), members' descriptions saved.

use crate::accounts::member;
use crate::fake_ai::{FakeAi, Reply};
use crate::helpers::{TestApp, config_with, count};
use serde_json::Value;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::features::ai;
use threadr::features::tools::model::SavedDescription;
use threadr::server::{
    config::{AiBackend, AiConfig, LlmEndpoint},
    db::MIGRATOR,
};

const FACTS: &str = "Holds 350 ml\nDishwasher safe\nHand-glazed stoneware\nMade in Portugal";

fn form<'a>(name: &'a str, facts: &'a str, tone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("product_name", name),
        ("category", "Mugs"),
        ("facts", facts),
        ("audience", "coffee lovers"),
        ("tone", tone),
        ("length", "medium"),
    ]
}

async fn describe(app: &TestApp, cookie: Option<&str>, form: &[(&str, &str)]) -> (u16, Vec<Value>) {
    let res = app.call_as("tools/describe", form, cookie).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    if status != 200 {
        return (status, vec![serde_json::from_str(&body).unwrap_or(Value::String(body))]);
    }
    (status, body.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect())
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

async fn used(pool: &PgPool) -> i64 {
    count(pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").await
}

fn hosted(backend: fn(LlmEndpoint) -> AiBackend, fake: &FakeAi, model: &str) -> Arc<dyn ai::Provider> {
    let config = AiConfig {
        backend: backend(LlmEndpoint {
            api_key: "sk-test".into(),
            base_url: fake.base_url.clone(),
            model: model.into(),
        }),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_retries: 0,
        retry_base: Duration::from_millis(10),
        offline_pace: Duration::ZERO,
    };
    ai::from_config(&config, ai::http_client(&config).unwrap(), threadr::features::offline_writer())
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_offline_description_streams_in_parts_and_a_members_is_saved(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, events) = describe(&app, Some(&cookie), &form("Blue Mug", FACTS, "friendly")).await;
    assert_eq!(status, 200, "{events:?}");
    assert_eq!(events[0]["type"], "title", "the title comes first");
    assert_eq!(events[0]["text"], "Blue Mug – Mugs");
    let paragraphs = of_type(&events, "paragraph");
    assert!(paragraphs[0]["text"].as_str().unwrap().contains("coffee lovers"), "{events:?}");
    let bullets: Vec<&str> = of_type(&events, "bullet").iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert_eq!(bullets, ["Holds 350 ml", "Dishwasher safe", "Hand-glazed stoneware", "Made in Portugal"]);
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done");
    let id: uuid::Uuid = serde_json::from_value(done["description_id"].clone()).expect("saved for the member");

    let (title, body, input): (String, String, Value) =
        sqlx::query_as("SELECT title, body, input FROM descriptions WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(title, "Blue Mug – Mugs");
    assert!(body.ends_with("- Hand-glazed stoneware\n- Made in Portugal"), "{body}");
    assert_eq!(input["tone"], "friendly");
    let (kind, provider, outcome): (String, String, String) =
        sqlx::query_as("SELECT kind, provider, outcome FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!((kind.as_str(), provider.as_str(), outcome.as_str()), ("description", "offline", "ok"));
    assert_eq!(used(&pool).await, 3, "one AI request, one generation today and this month");

    // The history opens it on its own page: the owner reads it back in its parts, nobody else.
    let id_text = id.to_string();
    let res = app.call_as("tools/description", &[("id", id_text.as_str())], Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    let saved: SavedDescription = res.json().await.unwrap();
    assert_eq!(saved.description.title, "Blue Mug – Mugs");
    assert_eq!(saved.description.bullets, bullets);
    assert_eq!(saved.description.paragraphs[0], paragraphs[0]["text"].as_str().unwrap());
    assert_eq!(saved.request.expect("the request is kept").facts, FACTS);
    let stranger = member(&app, &pool, "eve@example.com").await;
    let res = app.call_as("tools/description", &[("id", id_text.as_str())], Some(&stranger)).await;
    assert_eq!(res.status(), 404, "another member's description does not exist for them");

    // Another tone, other words; the same facts.
    let (_, again) = describe(&app, Some(&cookie), &form("Blue Mug", FACTS, "luxurious")).await;
    assert_ne!(of_type(&again, "paragraph")[0]["text"], paragraphs[0]["text"]);
    assert_eq!(count(&pool, "SELECT count(*) FROM descriptions").await, 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_visitor_gets_a_description_that_is_not_saved(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (status, events) = describe(&app, None, &form("Blue Mug", FACTS, "minimal")).await;
    assert_eq!(status, 200);
    assert_eq!(events.last().unwrap()["type"], "done");
    assert!(events.last().unwrap()["description_id"].is_null());
    assert_eq!(count(&pool, "SELECT count(*) FROM descriptions").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests WHERE anon_ip_hash IS NOT NULL").await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_input_is_refused_with_clear_messages(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let long_name = "n".repeat(141);
    let long_facts = "f".repeat(5001);
    for (form, message) in [
        (form(" ", FACTS, "friendly"), "Enter the product's name."),
        (form(&long_name, FACTS, "friendly"), "The product name can be at most 140 characters."),
        (
            form("Mug", "", "friendly"),
            "Enter a few key facts about the product (what it is, what it is made of, what it does).",
        ),
        (form("Mug", &long_facts, "friendly"), "The key facts can be at most 5000 characters."),
        (form("Mug", FACTS, "angry"), "Choose a tone from the list."),
    ] {
        let (status, body) = describe(&app, None, &form).await;
        assert_eq!(status, 400, "{body:?}");
        assert_eq!(body[0]["message"], message);
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests").await, 0);
    assert_eq!(used(&pool).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn hosted_models_stream_through_the_line_format(pool: PgPool) {
    let fake = FakeAi::start().await;
    let answer = "TITLE: **Blue Mug**\n\nA sturdy mug for\nslow mornings.\n\n- Holds 350 ml\n- Dishwasher safe\n- Made in Portugal\n\nEnjoy!";
    fake.set_default(Reply::text(answer, 9));
    for (backend, model, path) in [
        (AiBackend::OpenAi as fn(LlmEndpoint) -> AiBackend, "gpt-4o-mini", "/v1/chat/completions"),
        (AiBackend::Anthropic as fn(LlmEndpoint) -> AiBackend, "claude-haiku-4-5", "/v1/messages"),
    ] {
        sqlx::query("DELETE FROM descriptions").execute(&pool).await.unwrap();
        let provider = hosted(backend, &fake, model);
        let app = TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_ai(provider)).await;
        let cookie = member(&app, &pool, &format!("{model}@example.com")).await;
        let (status, events) = describe(&app, Some(&cookie), &form("Blue Mug", FACTS, "playful")).await;
        assert_eq!(status, 200, "{events:?}");
        assert_eq!(events[0], serde_json::json!({ "type": "title", "text": "Blue Mug" }));
        let last_paragraph = of_type(&events, "paragraph").last().unwrap()["text"].clone();
        assert_eq!(last_paragraph, "A sturdy mug for slow mornings.");
        assert_eq!(of_type(&events, "bullet").len(), 3, "the closing remark is not a bullet");
        assert_eq!(events.last().unwrap()["type"], "done");
        let body: String = sqlx::query_scalar("SELECT body FROM descriptions").fetch_one(&pool).await.unwrap();
        assert_eq!(body, "A sturdy mug for slow mornings.\n\n- Holds 350 ml\n- Dishwasher safe\n- Made in Portugal");
        let sent = fake.requests().into_iter().rfind(|r| r.path == path).expect("the provider was asked");
        let asked = sent.body.to_string();
        assert!(
            asked.contains("TITLE:") && asked.contains("Hand-glazed stoneware") && asked.contains("playful"),
            "{asked}"
        );
        let logged: String = sqlx::query_scalar(
            "SELECT model FROM ai_requests WHERE kind = 'description' ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(logged, model);
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failed_description_gives_the_quota_back(pool: PgPool) {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::status(500));
    let provider = hosted(AiBackend::OpenAi, &fake, "gpt-4o-mini");
    let app = TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_ai(provider)).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, body) = describe(&app, Some(&cookie), &form("Blue Mug", FACTS, "friendly")).await;
    assert_eq!(status, 503, "{body:?}");
    assert!(body[0]["message"].as_str().unwrap().ends_with("Nothing was counted."), "{body:?}");
    assert_eq!(used(&pool).await, 0);
    // An answer that is only a title is no description: given back too.
    fake.set_default(Reply::text("TITLE: Blue Mug\n", 2));
    let (status, events) = describe(&app, Some(&cookie), &form("Blue Mug", FACTS, "friendly")).await;
    assert_eq!(status, 200);
    assert_eq!(events.last().unwrap()["type"], "error");
    assert_eq!(used(&pool).await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM descriptions").await, 0);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM ai_requests WHERE kind = 'description' AND outcome = 'failed'").await,
        2
    );
}
