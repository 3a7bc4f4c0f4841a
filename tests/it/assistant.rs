//! The assistant end to end over real HTTP: replies streamed from the fake Anthropic and
//! OpenAI servers and stored, rendered inert, limited per hour, trimmed to the context budget,
//! answered by the offline provider when no AI is configured, and kept private to their owner.

use crate::accounts::member;
use crate::fake_ai::{FakeAi, Reply};
use crate::helpers::{TestApp, config_with, count};
use chrono::{TimeZone, Utc};
use serde_json::Value;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::features::{ai, assistant::markdown};
use threadr::server::{
    clock::ManualClock,
    config::{AiBackend, AiConfig, LlmEndpoint},
    db::MIGRATOR,
};
use uuid::Uuid;

#[derive(Clone, Copy, Debug)]
enum Which {
    OpenAi,
    Anthropic,
}

fn provider(which: Which, fake: &FakeAi) -> Arc<dyn ai::Provider> {
    let endpoint =
        |model: &str| LlmEndpoint { api_key: "sk-test".into(), base_url: fake.base_url.clone(), model: model.into() };
    let backend = match which {
        Which::OpenAi => AiBackend::OpenAi(endpoint("gpt-4o-mini")),
        Which::Anthropic => AiBackend::Anthropic(endpoint("claude-haiku-4-5")),
    };
    let config = AiConfig {
        backend,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_retries: 1,
        retry_base: Duration::from_millis(10),
        offline_pace: Duration::ZERO,
    };
    ai::from_config(&config, ai::http_client(&config).unwrap(), threadr::features::offline_writer())
}

async fn app_with(pool: &PgPool, which: Which, fake: &FakeAi) -> TestApp {
    let assistant = provider(which, fake);
    TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_assistant(assistant)).await
}

/// Sends a message (in `conversation` when given); answers the status and the events (or the
/// error body as the only item).
async fn send(app: &TestApp, cookie: &str, conversation: Option<Uuid>, message: &str) -> (u16, Vec<Value>) {
    let id = conversation.map(|c| c.to_string());
    let mut form = vec![("message", message), ("retry", "false")];
    if let Some(id) = &id {
        form.push(("conversation", id.as_str()));
    }
    let res = app.call_as("assistant/send", &form, Some(cookie)).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    if status != 200 {
        return (status, vec![serde_json::from_str(&body).unwrap_or(Value::String(body))]);
    }
    (status, body.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect())
}

fn reply_text(events: &[Value]) -> String {
    events.iter().filter(|e| e["type"] == "text").map(|e| e["text"].as_str().unwrap()).collect()
}

fn conversation_of(events: &[Value]) -> Uuid {
    assert_eq!(events[0]["type"], "started", "{events:?}");
    events[0]["conversation_id"].as_str().unwrap().parse().unwrap()
}

async fn user_id(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_streamed_reply_arrives_is_stored_and_the_history_is_sent_as_messages(pool: PgPool) {
    for which in [Which::Anthropic, Which::OpenAi] {
        sqlx::query("TRUNCATE ai_requests, quota_usage, assistant_conversations CASCADE").execute(&pool).await.unwrap();
        let fake = FakeAi::start().await;
        fake.script([Reply::text("**Hello!** How can I help with your thread?", 4), Reply::text("Sure.", 2)]);
        let app = app_with(&pool, which, &fake).await;
        let email = format!("ada-{which:?}@example.com").to_lowercase();
        let cookie = member(&app, &pool, &email).await;

        let (status, events) = send(&app, &cookie, None, "  Hi there, help me write a thread  ").await;
        assert_eq!(status, 200, "{which:?}: {events:?}");
        let id = conversation_of(&events);
        assert_eq!(events[0]["title"], "Hi there, help me write a thread");
        assert_eq!(reply_text(&events), "**Hello!** How can I help with your thread?");
        assert!(events.iter().filter(|e| e["type"] == "text").count() >= 2, "streamed in pieces");
        assert_eq!(events.last().unwrap()["type"], "done", "{events:?}");

        let stored: Vec<(String, String, String, Option<Uuid>)> = sqlx::query_as(
            "SELECT role, content, status, ai_request_id FROM assistant_messages WHERE conversation_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!((stored[0].0.as_str(), stored[0].1.as_str()), ("user", "Hi there, help me write a thread"));
        assert_eq!((stored[1].0.as_str(), stored[1].2.as_str()), ("assistant", "complete"));
        assert_eq!(stored[1].1, "**Hello!** How can I help with your thread?");
        let request = stored[1].3.expect("the reply points at its AI request");
        let (kind, outcome, cost): (String, String, i64) =
            sqlx::query_as("SELECT kind, outcome, cost_microusd FROM ai_requests WHERE id = $1")
                .bind(request)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((kind.as_str(), outcome.as_str()), ("assistant", "ok"));
        assert!(cost > 0, "costed from the price table");
        assert_eq!(
            count(&pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage WHERE metric = 'ai_requests_hour'")
                .await,
            1
        );
        assert_eq!(
            count(&pool, "SELECT count(*) FROM quota_usage WHERE metric <> 'ai_requests_hour'").await,
            0,
            "not a generation"
        );

        // The second message carries the first exchange as proper messages.
        let (status, events) = send(&app, &cookie, Some(id), "Make it shorter").await;
        assert_eq!(status, 200);
        assert_eq!(conversation_of(&events), id);
        let body = &fake.requests()[1].body;
        let messages = body["messages"].as_array().unwrap();
        let turns: Vec<(&str, &str)> =
            messages.iter().map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap())).collect();
        let system = match which {
            Which::Anthropic => body["system"].as_str().unwrap(),
            Which::OpenAi => {
                assert_eq!(turns[0].0, "system");
                turns[0].1
            }
        };
        assert!(system.contains("writing assistant for") || system.contains("writing assistant"), "{system}");
        let chat: Vec<_> = turns.iter().filter(|(role, _)| *role != "system").cloned().collect();
        assert_eq!(
            chat,
            [
                ("user", "Hi there, help me write a thread"),
                ("assistant", "**Hello!** How can I help with your thread?"),
                ("user", "Make it shorter"),
            ],
            "{which:?}"
        );
        assert_eq!(count(&pool, "SELECT count(*) FROM assistant_messages").await, 4);
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn html_in_a_reply_is_rendered_inert(pool: PgPool) {
    let fake = FakeAi::start().await;
    let evil =
        "Here you go: <script>alert(1)</script> and <img src=x onerror=alert(1)> and [click](javascript:alert(1)).";
    fake.set_default(Reply::text(evil, 5));
    let app = app_with(&pool, Which::Anthropic, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, events) = send(&app, &cookie, None, "Say something risky").await;
    assert_eq!(status, 200);
    assert_eq!(reply_text(&events), evil, "the stream carries text, not HTML");
    let id = conversation_of(&events);

    let html = markdown::render(&reply_text(&events));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("javascript:alert(1)\""), "{html}");

    // The page renders the stored reply on the server the same way.
    let page = app.get_as(&format!("/assistant/{id}"), &cookie).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the reply is on the page");
    assert!(!page.contains("<script>alert(1)"), "no live script");
    assert!(!page.contains("<img src=x onerror"), "no live image");
    assert!(!page.contains("href=\"javascript:"), "no script link");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_eleventh_message_in_an_hour_from_a_free_member_is_refused(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 14, 20, 0).unwrap()));
    let app = {
        let clock = clock.clone();
        TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_clock(clock)).await
    };
    let cookie = member(&app, &pool, "ada@example.com").await;
    let mut conversation = None;
    for i in 0..10 {
        let (status, events) = send(&app, &cookie, conversation, &format!("Question {i}")).await;
        assert_eq!(status, 200, "message {i}: {events:?}");
        conversation = Some(conversation_of(&events));
    }
    let res = app
        .call_as(
            "assistant/send",
            &[("message", "Question 10"), ("retry", "false"), ("conversation", &conversation.unwrap().to_string())],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers().get("retry-after").unwrap(), &(40 * 60).to_string());
    let body = res.text().await.unwrap();
    assert!(body.contains("10 AI requests"), "{body}");
    assert!(body.contains("at 15:00 UTC"), "the reset time: {body}");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM assistant_messages WHERE role = 'user'").await,
        10,
        "the refused message is not stored"
    );
    // The next hour it goes through.
    clock.advance(chrono::Duration::minutes(41));
    let (status, _) = send(&app, &cookie, conversation, "Question 10").await;
    assert_eq!(status, 200);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_sixty_turn_conversation_is_trimmed_to_the_budget(pool: PgPool) {
    use threadr::features::assistant::trim::HISTORY_BUDGET_TOKENS;
    let fake = FakeAi::start().await;
    let app = app_with(&pool, Which::Anthropic, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let me = user_id(&pool, "ada@example.com").await;
    let id: Uuid =
        sqlx::query_scalar("INSERT INTO assistant_conversations (user_id, title) VALUES ($1, 'Long') RETURNING id")
            .bind(me)
            .fetch_one(&pool)
            .await
            .unwrap();
    for i in 0..60 {
        let (role, text) = if i % 2 == 0 {
            ("user", format!("Question number {i} about my listing {}", "detail ".repeat(140)))
        } else {
            ("assistant", format!("Answer number {i}: {}", "words ".repeat(160)))
        };
        sqlx::query("INSERT INTO assistant_messages (conversation_id, role, content) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(role)
            .bind(text)
            .execute(&pool)
            .await
            .unwrap();
    }
    let full: i64 = count(&pool, "SELECT sum(char_length(content))::int8 FROM assistant_messages").await;
    assert!(full > 50_000, "the conversation is well over the budget: {full}");

    let (status, events) = send(&app, &cookie, Some(id), "The newest question: shorter title please").await;
    assert_eq!(status, 200, "{events:?}");
    let body = &fake.requests()[0].body;
    let messages = body["messages"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(
        (last["role"].as_str(), last["content"].as_str()),
        (Some("user"), Some("The newest question: shorter title please"))
    );
    assert_eq!(messages[0]["role"], "user", "the history starts with a question");
    let history_chars: usize =
        messages[..messages.len() - 1].iter().map(|m| m["content"].as_str().unwrap().chars().count()).sum();
    let system = body["system"].as_str().unwrap();
    let summary = system.split("\n\n").last().unwrap();
    assert!(summary.starts_with("Earlier in this conversation ("), "{system}");
    assert!(summary.contains("“Question number 0 about my listing detail detail"), "{summary}");
    let budget_chars = HISTORY_BUDGET_TOKENS as usize * 4;
    assert!(history_chars + summary.chars().count() <= budget_chars, "{history_chars} + summary over {budget_chars}");
    assert!(messages.len() < 61, "older turns were dropped");
    assert!(
        messages[messages.len() - 2]["content"].as_str().unwrap().starts_with("Answer number 59"),
        "the newest turns are kept"
    );
    assert!(body.to_string().len() < budget_chars + 4_000, "the whole request stays bounded");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_an_ai_the_offline_provider_says_so_and_suggests_the_tools(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, events) = send(&app, &cookie, None, "Can you write me a complaint letter?").await;
    assert_eq!(status, 200);
    let text = reply_text(&events);
    assert!(text.starts_with("No AI service is configured"), "{text}");
    assert!(text.contains("(/letters)"), "{text}");
    assert!(text.contains("(/threads/new)") && text.contains("(/tools/description)"), "{text}");
    assert_eq!(events.last().unwrap()["type"], "done");
    let (provider, kind): (String, String) =
        sqlx::query_as("SELECT provider, kind FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!((provider.as_str(), kind.as_str()), ("offline", "assistant"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn stopping_keeps_the_partial_reply_marked_stopped(pool: PgPool) {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::Stream {
        text: "One. Two. Three. Four. Five. Six.".into(),
        pieces: 6,
        delay: Duration::from_millis(200),
    });
    let app = app_with(&pool, Which::OpenAi, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let mut res = app.call_as("assistant/send", &[("message", "Count"), ("retry", "false")], Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    // Read until some text has arrived, then stop.
    let mut seen = String::new();
    while !seen.contains("\"type\":\"text\"") {
        let chunk = res.chunk().await.unwrap().expect("more of the stream");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(res);
    let mut stored = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stored = sqlx::query_as::<_, (String, String)>(
            "SELECT content, status FROM assistant_messages WHERE role = 'assistant'",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if stored.is_some() {
            break;
        }
    }
    let (content, status) = stored.expect("the partial reply was stored");
    assert_eq!(status, "stopped");
    assert!(content.starts_with("One."), "{content}");
    assert!(!content.contains("Six."), "cut before the end: {content}");
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(outcome, "cancelled");
    assert_eq!(
        count(&pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").await,
        1,
        "text was produced, so the request counts"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failed_reply_can_be_retried_and_the_failure_costs_nothing(pool: PgPool) {
    let fake = FakeAi::start().await;
    fake.script([Reply::status(500), Reply::status(500), Reply::text("Better now.", 2)]);
    let app = app_with(&pool, Which::Anthropic, &fake).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, events) = send(&app, &cookie, None, "Hello?").await;
    assert_eq!(status, 200);
    let id = conversation_of(&events);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["kept"], false);
    assert!(last["message"].as_str().unwrap().contains("Nothing was counted"), "{last}");
    assert_eq!(count(&pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").await, 0);

    let id_s = id.to_string();
    let res = app
        .call_as("assistant/send", &[("message", ""), ("retry", "true"), ("conversation", &id_s)], Some(&cookie))
        .await;
    assert_eq!(res.status(), 200);
    let events: Vec<Value> = res.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reply_text(&events), "Better now.");
    assert_eq!(events.last().unwrap()["type"], "done");
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT role FROM assistant_messages ORDER BY seq").fetch_all(&pool).await.unwrap();
    assert_eq!(roles, ["user", "assistant"], "the question was asked again, not stored twice");
    let retried = fake.requests().last().unwrap().body.clone();
    assert_eq!(retried["messages"].as_array().unwrap().len(), 1);
    assert_eq!(retried["messages"][0]["content"], "Hello?");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_the_owner_can_read_rename_delete_or_continue_a_conversation(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let (_, events) = send(&app, &ada, None, "My private plans").await;
    let id = conversation_of(&events).to_string();

    for (endpoint, form) in [
        ("assistant/conversation", vec![("id", id.as_str())]),
        ("assistant/rename", vec![("id", id.as_str()), ("title", "Mine now")]),
        ("assistant/delete", vec![("id", id.as_str())]),
        ("assistant/send", vec![("conversation", id.as_str()), ("message", "hi"), ("retry", "false")]),
        ("assistant/send", vec![("conversation", id.as_str()), ("message", ""), ("retry", "true")]),
    ] {
        let res = app.call_as(endpoint, &form, Some(&bob)).await;
        assert_eq!(res.status(), 404, "{endpoint} by another member");
    }
    let listed = app.call_as("assistant/conversations", &[], Some(&bob)).await.text().await.unwrap();
    assert_eq!(listed, "[]");
    assert_eq!(app.get_as(&format!("/assistant/{id}"), &bob).await.status(), 404);

    let res = app.call_as("assistant/rename", &[("id", &id), ("title", "  ")], Some(&ada)).await;
    assert_eq!(res.status(), 400);
    let res = app.call_as("assistant/rename", &[("id", &id), ("title", "  Launch   plans ")], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let listed: Value = app.call_as("assistant/conversations", &[], Some(&ada)).await.json().await.unwrap();
    assert_eq!(listed[0]["title"], "Launch plans");
    let res = app.call_as("assistant/delete", &[("id", &id)], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let res = app.call_as("assistant/conversation", &[("id", &id)], Some(&ada)).await;
    assert_eq!(res.status(), 404, "deleted");
    let listed = app.call_as("assistant/conversations", &[], Some(&ada)).await.text().await.unwrap();
    assert_eq!(listed, "[]");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_messages_get_a_clear_message_and_cost_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let cookie = member(&app, &pool, "ada@example.com").await;
    let (status, body) = send(&app, &cookie, None, "   ").await;
    assert_eq!(status, 400);
    assert!(body[0].to_string().contains("Write a message first."), "{body:?}");
    let long = "a".repeat(8_001);
    let (status, body) = send(&app, &cookie, None, &long).await;
    assert_eq!(status, 400);
    assert!(body[0].to_string().contains("the limit is 8000"), "{body:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM quota_usage").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM assistant_conversations").await, 0);
}
