//! Threads over HTTP: streamed generation with the offline provider, limits through the real
//! endpoint (also across two app instances), saving, the editor's saves and history.

use crate::accounts::member;
use crate::helpers::{TestApp, count};
use serde_json::Value;
use sqlx::PgPool;
use threadr::features::threads::xlength::x_length;
use threadr::server::db::MIGRATOR;

pub const ARTICLE: &str = "Rust is a systems programming language that runs blazingly fast. \
It prevents segfaults and guarantees thread safety. Ownership is the idea at its heart: every value \
has one owner, and the value is dropped when the owner goes away. Borrowing lets code use a value \
without taking it. The compiler checks every borrow, so data races cannot compile. Cargo builds \
code, fetches libraries and runs tests. The community writes crates for almost everything, from web \
servers to embedded firmware. Teams adopt Rust for reliability first and speed second. Many say \
the compiler feels like a patient pair programmer. Error messages explain what went wrong and how \
to fix it. Learning takes time, but the payoff is software that keeps working.";

/// The events of one generation, parsed from the streamed JSON lines.
pub async fn generate(app: &TestApp, cookie: Option<&str>, source: &str) -> (u16, Vec<Value>) {
    let form = [("source", source), ("tone", "neutral"), ("posts", "auto"), ("numbering", "1/7")];
    let res = app.call_as("threads/generate", &form, cookie).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    if status != 200 {
        return (status, vec![serde_json::from_str(&body).unwrap_or(Value::String(body))]);
    }
    (status, body.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect())
}

fn posts(events: &[Value]) -> Vec<String> {
    events.iter().filter(|e| e["type"] == "post").map(|e| e["text"].as_str().unwrap().to_string()).collect()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_visitor_gets_a_streamed_thread_within_the_limit_and_it_is_logged(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let (status, events) = generate(&app, None, ARTICLE).await;
    assert_eq!(status, 200);
    let posts = posts(&events);
    assert!(posts.len() >= 2, "{events:?}");
    let total = posts.len();
    for (i, post) in posts.iter().enumerate() {
        let numbered = threadr::features::threads::packer::numbered(post, i, total, Default::default());
        assert!(x_length(&numbered).weighted_length <= 280, "post {i} too long: {numbered}");
    }
    let indexes: Vec<u64> =
        events.iter().filter(|e| e["type"] == "post").map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indexes, (0..total as u64).collect::<Vec<_>>(), "in order, each once");
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done");
    assert!(done["thread_id"].is_null(), "visitors' threads are not stored");
    assert_eq!(done["usage"]["hour"]["used"], 1);
    assert_eq!(done["usage"]["hour"]["limit"], 5);

    let row: (Option<uuid::Uuid>, Option<String>, String, String, String, i64, bool, i64) = sqlx::query_as(
        "SELECT user_id, anon_ip_hash, kind, provider, outcome, output_tokens, tokens_estimated, cost_microusd FROM ai_requests",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row.0, None);
    assert_eq!(row.1.as_ref().map(String::len), Some(64), "a salted hash, not the IP");
    assert_eq!((row.2.as_str(), row.3.as_str(), row.4.as_str()), ("thread", "offline", "ok"));
    assert!(row.5 > 0 && row.6, "offline tokens are estimated");
    assert_eq!(row.7, 0, "the offline provider is free");
    assert_eq!(count(&pool, "SELECT count(*) FROM threads").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_input_gets_a_clear_400_and_nothing_is_counted(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let long = "a".repeat(50_001);
    let cases: [(&str, &str); 4] = [
        ("   ", "Paste some text or a link to start."),
        (&long, "The text is 50001 characters; the limit is 50000."),
        ("javascript:alert(1)", "Only http and https links can be imported"),
        ("ftp://example.com/notes.txt", "Only http and https links can be imported"),
    ];
    for (source, message) in cases {
        let (status, body) = generate(&app, None, source).await;
        assert_eq!(status, 400, "{source:.40}");
        assert!(body[0]["message"].as_str().unwrap().starts_with(message), "{body:?}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM quota_usage WHERE used > 0").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn fifty_parallel_generations_by_a_free_member_with_five_left_let_exactly_five_through(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let other = TestApp::spawn(pool.clone()).await;
    let cookie = member(&app, &pool, "free@example.com").await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            // Half the requests go to a second app instance on the same database.
            let (url, client, cookie) = (
                if i % 2 == 0 { app.url("/api/threads/generate") } else { other.url("/api/threads/generate") },
                app.client.clone(),
                cookie.clone(),
            );
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", cookie)
                    .body(format!("source={}&tone=neutral&posts=auto&numbering=1%2F7", urlencode(ARTICLE)))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                let body = res.text().await.unwrap();
                (status, retry_after, body)
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let (status, retry_after, body) = t.await.unwrap();
        match status {
            200 => {
                assert!(body.contains("\"type\":\"done\""), "{body}");
                ok += 1;
            }
            429 => {
                assert!(retry_after.unwrap().parse::<u64>().unwrap() > 0);
                let e: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(e["kind"], "quota_exceeded");
                assert_eq!(e["upgrade"], true);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(count(&pool, "SELECT count(*) FROM threads").await, 5, "each success saved for the member");
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests").await, 5);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn fifty_parallel_visitor_requests_from_one_ip_let_exactly_five_through(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (url, client) = (app.url("/api/threads/generate"), app.client.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("source=One+sentence+here.+Another+one+there.&tone=neutral&posts=auto&numbering=none")
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 45);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_members_thread_is_saved_edited_and_listed_only_for_them(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let (_, events) = generate(&app, Some(&ada), ARTICLE).await;
    let id = events.last().unwrap()["thread_id"].as_str().expect("saved").to_string();

    let doc: Value = app.call_as("threads/get", &[("id", &id)], Some(&ada)).await.json().await.unwrap();
    assert_eq!(doc["posts"].as_array().unwrap().len(), posts(&events).len());
    assert_eq!(doc["version"], 1);
    assert_eq!(app.call_as("threads/get", &[("id", &id)], Some(&bob)).await.status(), 404, "not Bob's");

    // The editor saves; an old version (another tab) is refused; an over-long post is refused.
    let save = |posts: Vec<String>, version: &str| {
        let mut form: Vec<(String, String)> =
            vec![("id".into(), id.clone()), ("numbering".into(), "1/7".into()), ("version".into(), version.into())];
        form.extend(posts.into_iter().enumerate().map(|(i, p)| (format!("posts[{i}]"), p)));
        form
    };
    let form = save(vec!["Edited hook".into(), "Second".into()], "1");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved: Value = app.call_as("threads/save", &form, Some(&ada)).await.json().await.unwrap();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["title"], "Edited hook");
    let res = app.call_as("threads/save", &form, Some(&ada)).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("changed in another tab"));
    let long = save(vec!["x".repeat(300)], "2");
    let long: Vec<(&str, &str)> = long.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.call_as("threads/save", &long, Some(&ada)).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Post 1 is 304 characters long; X allows 280"));
    let res = app.call_as("threads/save", &form, Some(&bob)).await;
    assert_eq!(res.status(), 404, "Bob cannot overwrite it");

    // History: rename, duplicate, search, delete and undo.
    let renamed: Value = app
        .call_as("threads/rename", &[("id", &id), ("title", "  My Rust  thread ")], Some(&ada))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["title"], "My Rust thread");
    let copy: Value = app.call_as("threads/duplicate", &[("id", &id)], Some(&ada)).await.json().await.unwrap();
    assert_eq!(copy["title"], "Copy of My Rust thread");
    let history = |q: &'static str| {
        let (app, ada) = (&app, ada.clone());
        async move {
            let v: Value = app
                .call_as("history/list", &[("kind", "thread"), ("query", q), ("page", "1")], Some(&ada))
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    assert_eq!(history("").await["total"], 2);
    assert_eq!(history("copy of").await["total"], 1);
    assert_eq!(history("Second").await["total"], 2, "posts are searched too");
    assert_eq!(history("100%_").await["total"], 0, "LIKE wildcards are literal");
    let bobs: Value = app
        .call_as("history/list", &[("kind", "all"), ("query", ""), ("page", "1")], Some(&bob))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bobs["total"], 0);

    assert_eq!(app.call_as("threads/delete", &[("id", &id)], Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("threads/delete", &[("id", &id)], Some(&ada)).await.status(), 200);
    assert_eq!(history("").await["total"], 1);
    assert_eq!(app.call_as("threads/restore", &[("id", &id)], Some(&ada)).await.status(), 200);
    assert_eq!(history("").await["total"], 2, "undo brought it back");
    // The one history deletes and restores any kind the same way.
    let (kind, id) = (("kind", "thread"), ("id", id.as_str()));
    assert_eq!(app.call_as("history/delete", &[kind, id], Some(&bob)).await.status(), 404);
    assert_eq!(app.call_as("history/delete", &[kind, id], Some(&ada)).await.status(), 200);
    assert_eq!(history("").await["total"], 1);
    assert_eq!(app.call_as("history/restore", &[kind, id], Some(&ada)).await.status(), 200);
    assert_eq!(history("").await["total"], 2);
    assert_eq!(
        app.call_as("history/list", &[("kind", "poems"), ("query", ""), ("page", "1")], Some(&ada)).await.status(),
        400
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// leptos_meta writes `<title>` unescaped: a title that closes it must not open a script.
#[sqlx::test(migrator = "MIGRATOR")]
async fn a_title_with_markup_cannot_leave_the_page_title(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let made: Value = app
        .call_as("threads/create", &[("posts[0]", "Hello"), ("numbering", "none")], Some(&ada))
        .await
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap().to_string();
    let title = "</title><script>alert(1)</script>";
    let res = app.call_as("threads/rename", &[("id", &id), ("title", title)], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let page = app.get_as(&format!("/threads/{id}"), &ada).await.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)"), "the title's markup stays text");
    assert!(
        page.contains("<title>‹/title›‹script›alert(1)‹/script› · Threadr</title>"),
        "{}",
        &page[..page.len().min(600)]
    );
}
