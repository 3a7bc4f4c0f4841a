//! Buyer–seller messaging over real HTTP and PostgreSQL: live delivery across two app
//! instances (server-sent events fed by LISTEN/NOTIFY), resuming after a dropped connection,
//! editing within 15 minutes (hand-moved clock), who may see and do what, blocking, email
//! notices of unread messages, and what bad input gets.

use crate::billing_support::emails;
use crate::commerce_support::{Market, ROOMY, message};
use crate::sse_client::SseClient;
use serde_json::Value;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

const SECOND: Duration = Duration::from_secs(1);

/// A seller with a listing, and a buyer who opened a conversation about it.
async fn conversation(m: &Market) -> (String, String, Uuid, Uuid) {
    let sally = m.seller("sally@example.com", "sally-shop").await;
    let desk = m.listing(&sally, "Walnut desk", "120.00", "3").await;
    let (bea, _) = m.buyer("bea@example.com").await;
    let d = desk.to_string();
    let res = m.app.call_as("messages/start", &[("product", d.as_str())], Some(&bea)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    let id: Uuid = res.json().await.unwrap();
    (sally, bea, desk, id)
}

async fn send(app: &crate::helpers::TestApp, cookie: &str, conversation: Uuid, text: &str) -> reqwest::Response {
    let c = conversation.to_string();
    app.call_as("messages/send", &[("conversation", c.as_str()), ("text", text)], Some(cookie)).await
}

async fn sent(app: &crate::helpers::TestApp, cookie: &str, conversation: Uuid, text: &str) -> Value {
    let res = send(app, cookie, conversation, text).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    res.json().await.unwrap()
}

async fn view(app: &crate::helpers::TestApp, cookie: &str, conversation: Uuid) -> reqwest::Response {
    let c = conversation.to_string();
    app.call_as("messages/conversation", &[("id", c.as_str())], Some(cookie)).await
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_message_sent_through_one_instance_arrives_live_at_the_other_and_a_reconnect_gets_exactly_what_it_missed(
    pool: PgPool,
) {
    let m = Market::start_with(&pool, ROOMY).await;
    let (sally, bea, desk, conversation) = conversation(&m).await;
    let other = m.second_instance().await;
    // Starting again from the product opens the same conversation.
    let d = desk.to_string();
    let again: Uuid =
        m.app.call_as("messages/start", &[("product", d.as_str())], Some(&bea)).await.json().await.unwrap();
    assert_eq!(again, conversation);

    // Sally's page is connected to the second instance.
    let mut sally_live = SseClient::connect(&other, "/messages/events?after=0", &sally, None).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // the instance's LISTEN is up
    let started = Instant::now();
    let first = sent(&m.app, &bea, conversation, "Hello! Is the desk still available?").await;
    let event = sally_live.next(SECOND).await.expect("the message arrives within a second");
    assert!(started.elapsed() < SECOND, "took {:?}", started.elapsed());
    assert_eq!(event.data["kind"], "message");
    assert_eq!(event.data["message"]["body"], "Hello! Is the desk still available?");
    assert_eq!(event.data["message"]["id"], first["id"]);
    assert_eq!(event.data["message"]["mine"], false, "as Sally sees it");
    assert_eq!(event.id.as_deref(), event.data["event"].as_i64().map(|i| i.to_string()).as_deref());

    // Bea types: Sally sees it (not stored, no id).
    let c = conversation.to_string();
    assert_eq!(m.app.call_as("messages/typing", &[("conversation", c.as_str())], Some(&bea)).await.status(), 200);
    let typing = sally_live.next(SECOND).await.expect("typing");
    assert_eq!(typing.data["kind"], "typing");
    assert!(typing.id.is_none());

    // Sally's connection drops; meanwhile two messages and an edit.
    let last = sally_live.last_id.clone().expect("an id");
    drop(sally_live);
    let second = sent(&m.app, &bea, conversation, "I can collect on Saturday.").await;
    sent(&m.app, &bea, conversation, "Or Sunday.").await;
    let i = second["id"].to_string();
    let res = m
        .app
        .call_as("messages/edit", &[("id", i.as_str()), ("text", "I can collect on Saturday morning.")], Some(&bea))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    // She reconnects to the first instance with the last id she saw: exactly those, once.
    let mut back = SseClient::connect(&m.app, "/messages/events?after=0", &sally, Some(&last)).await;
    let missed = back.drain(Duration::from_millis(700)).await;
    // Each event carries its message as it is now (the edit shows in both of its events).
    let bodies: Vec<&str> = missed.iter().filter_map(|e| e.data["message"]["body"].as_str()).collect();
    assert_eq!(bodies, ["I can collect on Saturday morning.", "Or Sunday.", "I can collect on Saturday morning."]);
    assert_eq!(missed[0].data["message"]["id"], second["id"]);
    assert_eq!(missed[2].data["message"]["id"], second["id"]);
    assert_eq!(missed[2].data["message"]["edited"], true);
    let ids: Vec<i64> = missed.iter().filter_map(|e| e.id.as_deref()?.parse().ok()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order, none twice: {ids:?}");
    assert!(ids[0] > last.parse::<i64>().unwrap());

    // Sally reads: Bea's page hears it (for "seen"), and Sally's unread count is 0.
    let mut bea_live = SseClient::connect(&other, &format!("/messages/events?after={}", ids[2]), &bea, None).await;
    let through = missed[1].data["message"]["id"].to_string();
    let res = m
        .app
        .call_as("messages/read", &[("conversation", c.as_str()), ("through", through.as_str())], Some(&sally))
        .await;
    assert_eq!(res.status(), 200);
    let read = bea_live.next(SECOND).await.expect("read event");
    assert_eq!(read.data["kind"], "read");
    assert_eq!(read.data["through"].to_string(), through);
    let start: Value = m.app.call_as("messages/live-start", &[], Some(&sally)).await.json().await.unwrap();
    assert_eq!(start["unread"], 0);
    let list: Value = m.app.call_as("messages/list", &[], Some(&sally)).await.json().await.unwrap();
    let bea_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE email = 'bea@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(list[0]["other_name"], bea_name.as_str());
    assert_eq!(list[0]["subject"], "Walnut desk");
    assert_eq!(list[0]["last_text"], "Or Sunday.");
    assert_eq!(list[0]["unread"], 0);
    let bea_list: Value = m.app.call_as("messages/list", &[], Some(&bea)).await.json().await.unwrap();
    assert_eq!(bea_list[0]["unread"], 0, "her own messages are never unread to her");
    // Signed out: no stream.
    assert_eq!(m.app.get("/messages/events").await.status(), 401);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_the_two_members_see_or_touch_a_conversation_edits_stop_after_15_minutes_and_blocks_hold(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let (sally, bea, _desk, conversation) = conversation(&m).await;
    let (mallory, _) = m.buyer("mallory@example.com").await;
    let mine = sent(&m.app, &bea, conversation, "Hello").await;
    let id = mine["id"].to_string();
    let c = conversation.to_string();

    // Someone else: 404 for everything, and nothing changed.
    assert_eq!(view(&m.app, &mallory, conversation).await.status(), 404);
    assert_eq!(send(&m.app, &mallory, conversation, "let me in").await.status(), 404);
    let res = m.app.call_as("messages/edit", &[("id", id.as_str()), ("text", "hacked")], Some(&mallory)).await;
    assert_eq!(res.status(), 404);
    assert_eq!(m.app.call_as("messages/delete", &[("id", id.as_str())], Some(&mallory)).await.status(), 404);
    let res =
        m.app.call_as("messages/read", &[("conversation", c.as_str()), ("through", id.as_str())], Some(&mallory)).await;
    assert_eq!(res.status(), 404);
    let res = m.app.call_as("messages/report", &[("message", id.as_str()), ("reason", "x")], Some(&mallory)).await;
    assert_eq!(res.status(), 404);
    let list: Value = m.app.call_as("messages/list", &[], Some(&mallory)).await.json().await.unwrap();
    assert_eq!(list, serde_json::json!([]));
    let page = m.app.get_as(&format!("/messages/{conversation}"), &mallory).await;
    assert_eq!(page.status(), 404);
    // Her stream never carries their events.
    let mut spy = SseClient::connect(&m.app, "/messages/events?after=0", &mallory, None).await;
    assert!(spy.next(Duration::from_millis(300)).await.is_none());
    // Sally cannot edit Bea's message either (404: not hers).
    let res = m.app.call_as("messages/edit", &[("id", id.as_str()), ("text", "changed")], Some(&sally)).await;
    assert_eq!(res.status(), 404);

    // Bea edits within 15 minutes; the earlier text is kept for moderation.
    m.clock.advance(chrono::Duration::minutes(14));
    let res = m.app.call_as("messages/edit", &[("id", id.as_str()), ("text", "Hello there")], Some(&bea)).await;
    assert_eq!(res.status(), 200);
    let versions: Vec<String> =
        sqlx::query_scalar("SELECT body FROM message_versions ORDER BY replaced_at").fetch_all(&pool).await.unwrap();
    assert_eq!(versions, ["Hello"]);
    // After 15 minutes: refused, unchanged.
    m.clock.advance(chrono::Duration::minutes(2));
    let res = m.app.call_as("messages/edit", &[("id", id.as_str()), ("text", "Too late")], Some(&bea)).await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.contains("15 minutes"));
    let shown: Value = view(&m.app, &sally, conversation).await.json().await.unwrap();
    assert_eq!(shown["messages"][0]["body"], "Hello there");
    assert_eq!(shown["messages"][0]["edited"], true);
    assert_eq!(shown["messages"][0]["editable"], false);
    // Deleting still works: "message deleted" for both, the text kept in versions.
    let res = m.app.call_as("messages/delete", &[("id", id.as_str())], Some(&bea)).await;
    assert_eq!(res.status(), 200);
    let shown: Value = view(&m.app, &sally, conversation).await.json().await.unwrap();
    assert_eq!(shown["messages"][0]["deleted"], true);
    assert_eq!(shown["messages"][0]["body"], "");
    let res = m.app.call_as("messages/edit", &[("id", id.as_str()), ("text", "x")], Some(&bea)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "This message was deleted.");

    // Sally reports a message of Bea's; her own is refused.
    let rude = sent(&m.app, &bea, conversation, "Rude words").await["id"].to_string();
    let res =
        m.app.call_as("messages/report", &[("message", rude.as_str()), ("reason", "abusive")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    let reported: i64 = sqlx::query_scalar("SELECT count(*) FROM message_reports").fetch_one(&pool).await.unwrap();
    assert_eq!(reported, 1);
    let res = m.app.call_as("messages/report", &[("message", rude.as_str()), ("reason", "x")], Some(&bea)).await;
    assert_eq!(res.status(), 400);

    // Sally blocks Bea: neither can message the other; unblocking lifts it.
    let res = m.app.call_as("messages/block", &[("conversation", c.as_str()), ("blocked", "true")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    let res = send(&m.app, &bea, conversation, "Hello?").await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "This member does not take messages from you.");
    let res = send(&m.app, &sally, conversation, "Bye").await;
    assert_eq!(res.status(), 400);
    assert!(message(res).await.starts_with("You blocked this member"));
    let shown: Value = view(&m.app, &bea, conversation).await.json().await.unwrap();
    assert_eq!(shown["blocked_by_them"], true);
    let res =
        m.app.call_as("messages/block", &[("conversation", c.as_str()), ("blocked", "false")], Some(&sally)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(send(&m.app, &bea, conversation, "Hello again").await.status(), 200);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_input_gets_a_clear_answer_and_nothing_is_stored_wrongly(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let (_sally, bea, _desk, conversation) = conversation(&m).await;
    let count =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM messages").fetch_one(&pool).await.unwrap() };
    for (text, expected) in [
        ("", "Write something first: a message cannot be empty."),
        ("   \n\t ", "Write something first: a message cannot be empty."),
    ] {
        let res = send(&m.app, &bea, conversation, text).await;
        assert_eq!(res.status(), 400);
        assert_eq!(message(res).await, expected);
    }
    let long = "a".repeat(4_001);
    let res = send(&m.app, &bea, conversation, &long).await;
    assert_eq!(res.status(), 400);
    assert_eq!(message(res).await, "A message can be 4,000 characters at most. Split it in two.");
    assert_eq!(count().await, 0, "nothing stored");
    assert_eq!(send(&m.app, &bea, conversation, &"a".repeat(4_000)).await.status(), 200);
    // Markup and script links are stored as written and shown as text; only http(s) links.
    let hostile = "<script>alert(1)</script> javascript:alert(2) https://example.com/ok";
    let stored = sent(&m.app, &bea, conversation, hostile).await;
    assert_eq!(stored["body"], hostile);
    let html = m.app.get_as(&format!("/messages/{conversation}"), &bea).await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "escaped in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("href=\"javascript:"), "no script links");
    assert!(html.contains(r#"href="https://example.com/ok" rel="nofollow noopener noreferrer""#), "a web link");
    // Unknown or someone else's ids, and a conversation about nothing.
    assert_eq!(send(&m.app, &bea, Uuid::new_v4(), "hi").await.status(), 404);
    assert_eq!(m.app.call_as("messages/start", &[], Some(&bea)).await.status(), 400);
    let res = m.app.call_as("messages/start", &[("order", "TH-999999")], Some(&bea)).await;
    assert_eq!(res.status(), 404);
    let res = m.app.call_as("messages/start", &[("product", &Uuid::new_v4().to_string())], Some(&bea)).await;
    assert_eq!(res.status(), 404);
    // 30 a minute at most: the 31st is refused with when to try again.
    let before = count().await;
    for n in before..30 {
        assert_eq!(send(&m.app, &bea, conversation, &format!("message {n}")).await.status(), 200);
    }
    let res = send(&m.app, &bea, conversation, "one too many").await;
    assert_eq!(res.status(), 429);
    assert_eq!(count().await, 30);
    m.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(send(&m.app, &bea, conversation, "a minute later").await.status(), 200);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_unread_message_is_emailed_once_after_10_minutes_and_at_most_hourly(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let (sally, bea, _desk, conversation) = conversation(&m).await;
    let notices = || async { emails(&pool, "new_message", "sally@example.com").await };
    let due = || async { threadr::features::messaging::notices::send_due(&m.state).await.unwrap() };
    sent(&m.app, &bea, conversation, "Is it still available?").await;
    m.clock.advance(chrono::Duration::minutes(9));
    assert_eq!(due().await, 0, "not yet");
    m.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(due().await, 1);
    assert_eq!(notices().await, 1);
    let body: String = sqlx::query_scalar("SELECT text_body FROM email_outbox WHERE template = 'new_message'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(body.contains("Is it still available?"), "{body}");
    assert!(body.contains(&format!("/messages/{conversation}")), "{body}");
    assert_eq!(due().await, 0, "once");
    // A second message 5 minutes later: no second email within the hour.
    m.clock.advance(chrono::Duration::minutes(5));
    sent(&m.app, &bea, conversation, "Hello?").await;
    m.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(due().await, 0);
    assert_eq!(notices().await, 1);
    // Bea never gets one for her own messages; a read message gets none.
    assert_eq!(emails(&pool, "new_message", "bea@example.com").await, 0);
    let reply = sent(&m.app, &sally, conversation, "Yes it is").await;
    let c = conversation.to_string();
    let through = reply["id"].to_string();
    let res = m
        .app
        .call_as("messages/read", &[("conversation", c.as_str()), ("through", through.as_str())], Some(&bea))
        .await;
    assert_eq!(res.status(), 200);
    m.clock.advance(chrono::Duration::minutes(11));
    due().await;
    assert_eq!(emails(&pool, "new_message", "bea@example.com").await, 0, "read in time");
    // Turned off: none.
    let res = m.app.call_as("messages/set-email-notices", &[("on", "false")], Some(&bea)).await;
    assert_eq!(res.status(), 200);
    sent(&m.app, &sally, conversation, "Anything else?").await;
    m.clock.advance(chrono::Duration::minutes(11));
    due().await;
    assert_eq!(emails(&pool, "new_message", "bea@example.com").await, 0, "she turned them off");
}
