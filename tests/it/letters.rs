//! Letters over HTTP: the whole review path with its timeline and the member's emails in the
//! dev mailbox, generation through the offline provider and the fake OpenAI/Anthropic
//! servers, stuck-job recovery with a hand-moved clock (two background tasks at once), the
//! operator's commands, who may read or approve a letter, and bad input.

use crate::accounts::member;
use crate::fake_ai::{FakeAi, Reply};
use crate::helpers::{TestApp, config_with, count};
use serde_json::Value;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::features::{ai, letters::stuck};
use threadr::server::{
    clock::{Clock, ManualClock},
    config::{AiBackend, AiConfig, LlmEndpoint},
    db::MIGRATOR,
};
use uuid::Uuid;

/// A good demand letter's form, as the page sends it.
fn demand(recipient_email: &str) -> Vec<(String, String)> {
    [
        ("letter_type", "demand_for_payment"),
        ("sender_name", "Ada Lovelace"),
        ("sender_address", "1 Analytical Way\nLondon"),
        ("sender_email", "ada@example.com"),
        ("recipient_name", "Acme Widgets Ltd"),
        ("recipient_address", "2 Main Street\nSpringfield"),
        ("recipient_email", recipient_email),
        ("facts", "I delivered 40 widgets on 1 September 2026 under invoice 42. Acme has not paid."),
        ("relevant_dates", "Invoice sent 1 September 2026; due 1 October 2026"),
        ("amount", "1234.50"),
        ("currency", "USD"),
        ("desired_outcome", "Pay invoice 42 in full"),
        ("deadline", "2099-12-31"),
    ]
    .into_iter()
    .map(|(k, v)| (format!("input[{k}]"), v.to_string()))
    .collect()
}

fn with(mut form: Vec<(String, String)>, field: &str, value: &str) -> Vec<(String, String)> {
    let key = format!("input[{field}]");
    form.retain(|(k, _)| *k != key);
    form.push((key, value.to_string()));
    form
}

async fn call(app: &TestApp, endpoint: &str, form: &[(String, String)], cookie: &str) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call_as(endpoint, &pairs, Some(cookie)).await
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn create(app: &TestApp, cookie: &str, form: &[(String, String)]) -> Uuid {
    let letter = ok_json(call(app, "letters/create", form, cookie).await).await;
    letter["id"].as_str().unwrap().parse().unwrap()
}

/// The streamed events of one generation (or the error body when it did not start).
async fn generate(app: &TestApp, cookie: &str, id: Uuid) -> (u16, Vec<Value>) {
    let res = app.call_as("letters/generate", &[("id", &id.to_string())], Some(cookie)).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    if status != 200 {
        return (status, vec![serde_json::from_str(&body).unwrap_or(Value::String(body))]);
    }
    (status, body.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect())
}

async fn act(app: &TestApp, endpoint: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.call_as(endpoint, form, Some(cookie)).await
}

async fn get(app: &TestApp, cookie: &str, id: Uuid) -> Value {
    ok_json(act(app, "letters/get", cookie, &[("id", &id.to_string())]).await).await
}

async fn status_of(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM letters WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
}

/// The status changes of the timeline as "from>to".
fn moves(view: &Value) -> Vec<String> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| format!("{}>{}", e["from_status"].as_str().unwrap_or("-"), e["to_status"].as_str().unwrap()))
        .collect()
}

async fn quota_used(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").fetch_one(pool).await.unwrap()
}

fn text_of(events: &[Value]) -> String {
    events.iter().filter(|e| e["type"] == "text").map(|e| e["text"].as_str().unwrap()).collect()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_letter_goes_the_whole_way_with_its_timeline_and_the_members_emails(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let id = create(&app, &ada, &demand("billing@acme.example")).await;
    let view = get(&app, &ada, id).await;
    assert_eq!(view["letter"]["status"], "draft");
    assert_eq!(view["letter"]["title"], "Demand for payment to Acme Widgets Ltd");
    assert_eq!(view["letter"]["form"]["amount"]["minor"], 123_450);

    // Generation through the offline provider streams the letter in several pieces.
    let (status, events) = generate(&app, &ada, id).await;
    assert_eq!(status, 200, "{events:?}");
    assert!(events.iter().filter(|e| e["type"] == "text").count() >= 4, "streamed in pieces: {events:?}");
    assert_eq!(events.last().unwrap()["type"], "done");
    let written = text_of(&events);
    assert!(written.starts_with("Dear Acme Widgets Ltd,"), "{written}");
    assert!(written.contains("$1,234.50") && written.contains("31 December 2099"), "{written}");
    let view = get(&app, &ada, id).await;
    assert_eq!(view["letter"]["status"], "ready");
    assert_eq!(view["letter"]["body"], written.trim());
    assert_eq!(quota_used(&pool).await, 3, "one AI request, one daily and one monthly generation");
    let (kind, provider, outcome): (String, String, String) =
        sqlx::query_as("SELECT kind, provider, outcome FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!((kind.as_str(), provider.as_str(), outcome.as_str()), ("letter", "offline", "ok"));

    // The member edits one sentence and submits.
    let edited = written.trim().replace("I therefore ask", "I therefore require");
    let res = act(&app, "letters/save-body", &ada, &[("id", &id.to_string()), ("body", &edited)]).await;
    assert_eq!(ok_json(res).await["body"], edited);
    ok_json(act(&app, "letters/submit", &ada, &[("id", &id.to_string())]).await).await;
    let res = act(&app, "letters/save-body", &ada, &[("id", &id.to_string()), ("body", "Changed in review")]).await;
    assert_eq!(res.status(), 400, "no member edits while a reviewer has it");

    // The reviewer comments, returns it; the member fixes it and resubmits.
    let sid = id.to_string();
    assert_eq!(act(&app, "letters/return", &admin, &[("id", &sid), ("comment", "  ")]).await.status(), 400);
    ok_json(act(&app, "letters/comment", &admin, &[("id", &sid), ("comment", "Looks close.")]).await).await;
    let comment = "Please name the invoice date in the first paragraph.";
    ok_json(act(&app, "letters/return", &admin, &[("id", &sid), ("comment", comment)]).await).await;
    let fixed = edited.replace("I am writing", "Further to my invoice of 1 September 2026, I am writing");
    ok_json(act(&app, "letters/save-body", &ada, &[("id", &sid), ("body", &fixed)]).await).await;
    ok_json(act(&app, "letters/submit", &ada, &[("id", &sid)]).await).await;

    // The reviewer edits a word, approves and sends it by email.
    let final_text = fixed.replace("Sincerely,", "Yours sincerely,");
    ok_json(act(&app, "letters/review-edit", &admin, &[("id", &sid), ("body", &final_text)]).await).await;
    ok_json(act(&app, "letters/approve", &admin, &[("id", &sid), ("comment", "")]).await).await;
    let sent =
        ok_json(act(&app, "letters/send", &admin, &[("id", &sid), ("method", "email"), ("posted_on", "")]).await).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["sent_by"], "email");

    let view = get(&app, &ada, id).await;
    assert_eq!(
        moves(&view),
        [
            "->draft",
            "draft>generating",
            "generating>ready",
            "ready>in_review",
            "in_review>returned",
            "returned>in_review",
            "in_review>approved",
            "approved>sent"
        ]
    );
    let events = view["events"].as_array().unwrap();
    let returned = events.iter().find(|e| e["to_status"] == "returned").unwrap();
    assert_eq!(returned["comment"], comment);
    assert_eq!(returned["actor_name"], "reviewer");
    assert!(events.iter().any(|e| e["kind"] == "comment" && e["comment"] == "Looks close."));
    assert!(events.iter().any(|e| e["kind"] == "edit"));
    let generated = events.iter().find(|e| e["to_status"] == "ready").unwrap();
    assert!(generated["actor_name"].is_null(), "the system wrote it");
    assert_eq!(count(&pool, "SELECT count(*) FROM letter_events WHERE kind = 'status'").await, 8, "one row per change");

    // The dev mailbox has the four emails to the member and the letter to the recipient.
    let mail = ok_json(app.call_as("mail/list", &[], Some(&admin)).await).await;
    let items = mail["items"].as_array().unwrap();
    let to_member: Vec<&str> = items
        .iter()
        .filter(|m| m["recipient"] == "ada@example.com" && m["template"] == "letter_update")
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    for subject in
        ["Your letter is ready", "Your letter needs changes", "Your letter was approved", "Your letter was sent"]
    {
        assert!(
            to_member.contains(&format!("{subject}: Demand for payment to Acme Widgets Ltd").as_str()),
            "{subject}: {to_member:?}"
        );
    }
    assert_eq!(to_member.len(), 4);
    let (returned_text,): (String,) = sqlx::query_as(
        "SELECT text_body FROM email_outbox WHERE template = 'letter_update' AND subject LIKE 'Your letter needs changes%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(returned_text.contains(comment), "the comment is in the email: {returned_text}");
    let delivery = items.iter().find(|m| m["template"] == "letter_delivery").expect("the letter went to the recipient");
    assert_eq!(delivery["recipient"], "billing@acme.example");
    let (delivered,): (String,) =
        sqlx::query_as("SELECT text_body FROM email_outbox WHERE template = 'letter_delivery'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(delivered.contains("Yours sincerely,") && delivered.contains("$1,234.50"), "{delivered}");

    // A sent letter never changes: not by the workflow, not even by SQL.
    let res = act(&app, "letters/send", &admin, &[("id", &sid), ("method", "post"), ("posted_on", "2026-01-01")]).await;
    assert_eq!(res.status(), 400);
    let changed = sqlx::query("UPDATE letters SET body = 'forged' WHERE id = $1").bind(id).execute(&pool).await;
    assert!(changed.is_err(), "the trigger refuses changes to a sent letter");
    // The PDF went out attached to the recipient's email, and is the one stored for good.
    let (stored,): (Vec<u8>,) =
        sqlx::query_as("SELECT sent_pdf FROM letters WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    let (attached, filename): (Vec<u8>, String) = sqlx::query_as(
        "SELECT a.bytes, a.filename FROM email_attachments a JOIN email_outbox o ON o.id = a.email_id
          WHERE o.template = 'letter_delivery'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(attached, stored, "the attachment is the stored PDF");
    assert_eq!(filename, "demand-for-payment-to-acme-widgets-ltd.pdf");
    let text = pdf_extract::extract_text_from_mem(&stored).expect("PDF text");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Acme Widgets Ltd") && text.contains("$1,234.50"), "{text}");
    let download = app.get_as(&format!("/letters/{sid}/pdf"), &ada).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().to_vec(), stored, "a sent letter downloads as sent");
    let changed =
        sqlx::query("UPDATE letters SET sent_pdf = '\\x00'::bytea WHERE id = $1").bind(id).execute(&pool).await;
    assert!(changed.is_err(), "the stored PDF is final");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_letter_can_be_marked_sent_by_post_with_its_date(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let id = create(&app, &ada, &demand("")).await;
    let sid = id.to_string();
    generate(&app, &ada, id).await;
    ok_json(act(&app, "letters/submit", &ada, &[("id", &sid)]).await).await;
    ok_json(act(&app, "letters/approve", &admin, &[("id", &sid), ("comment", "Fine.")]).await).await;
    let res = act(&app, "letters/send", &admin, &[("id", &sid), ("method", "email"), ("posted_on", "")]).await;
    assert_eq!(res.status(), 400, "no recipient email to send to");
    let res = act(&app, "letters/send", &admin, &[("id", &sid), ("method", "post"), ("posted_on", "2999-01-01")]).await;
    assert_eq!(res.status(), 400, "not posted in the future");
    let sent = ok_json(
        act(&app, "letters/send", &admin, &[("id", &sid), ("method", "post"), ("posted_on", "2026-11-02")]).await,
    )
    .await;
    assert_eq!((sent["status"].as_str(), sent["sent_by"].as_str()), (Some("sent"), Some("post")));
    assert!(sent["sent_at"].as_str().unwrap().starts_with("2026-11-02"));
    assert_eq!(count(&pool, "SELECT count(*) FROM email_outbox WHERE template = 'letter_delivery'").await, 0);
    let (text,): (String,) =
        sqlx::query_as("SELECT text_body FROM email_outbox WHERE subject LIKE 'Your letter was sent%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(text.contains("by post on 2 November 2026"), "{text}");
}

fn hosted(fake: &FakeAi, anthropic: bool) -> Arc<dyn ai::Provider> {
    let endpoint =
        |model: &str| LlmEndpoint { api_key: "sk-test".into(), base_url: fake.base_url.clone(), model: model.into() };
    let config = AiConfig {
        backend: if anthropic {
            AiBackend::Anthropic(endpoint("claude-haiku-4-5"))
        } else {
            AiBackend::OpenAi(endpoint("gpt-4o-mini"))
        },
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
async fn hosted_providers_write_the_letter_and_a_failure_goes_back_to_draft_free(pool: PgPool) {
    let fake = FakeAi::start().await;
    for (anthropic, provider, model) in [(false, "openai", "gpt-4o-mini"), (true, "anthropic", "claude-haiku-4-5")] {
        sqlx::query("DELETE FROM ai_requests").execute(&pool).await.unwrap();
        sqlx::query("DELETE FROM quota_usage").execute(&pool).await.unwrap();
        let ai = hosted(&fake, anthropic);
        let app = TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_ai(ai)).await;
        let cookie = member(&app, &pool, &format!("{provider}@example.com")).await;
        let id = create(&app, &cookie, &demand("billing@acme.example")).await;
        let letter = "Dear Acme Widgets Ltd,\n\nPay $1,234.50 by 31 December 2099.\n\nSincerely,\nAda Lovelace";
        fake.script([Reply::text(letter, 5)]);
        let (status, events) = generate(&app, &cookie, id).await;
        assert_eq!(status, 200, "{provider}: {events:?}");
        assert_eq!(text_of(&events), letter, "{provider}");
        assert_eq!(get(&app, &cookie, id).await["letter"]["body"], letter);
        let sent = fake.requests().last().unwrap().body.to_string();
        assert!(
            sent.contains("invoice 42") && sent.contains("$1,234.50") && sent.contains("attorney"),
            "{provider}: {sent}"
        );
        let (p, m, kind, output): (String, String, String, i64) =
            sqlx::query_as("SELECT provider, model, kind, output_tokens FROM ai_requests")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((p.as_str(), m.as_str(), kind.as_str(), output), (provider, model, "letter", 5));

        // The provider fails: 503, nothing counted, back to draft with the reason in the timeline.
        ok_json(
            call(&app, "letters/update", &[vec![("id".to_string(), id.to_string())], demand("")].concat(), &cookie)
                .await,
        )
        .await;
        fake.script([Reply::status(500)]);
        let (status, body) = generate(&app, &cookie, id).await;
        assert_eq!(status, 503, "{provider}: {body:?}");
        assert!(body[0]["message"].as_str().unwrap().contains("Nothing was counted"), "{body:?}");
        assert_eq!(quota_used(&pool).await, 3, "{provider}: only the first generation counts");
        let view = get(&app, &cookie, id).await;
        assert_eq!(view["letter"]["status"], "draft");
        assert_eq!(view["letter"]["body"], letter, "the earlier text is kept");
        let last = view["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["from_status"].as_str(), last["to_status"].as_str()), (Some("generating"), Some("draft")));
        assert!(last["comment"].as_str().unwrap().contains("Nothing was counted"), "{last}");

        // Cut mid-stream: an error line, the letter back to draft, nothing counted.
        fake.script([Reply::CutAfter { text: letter.into(), pieces: 4, after: 2 }]);
        let (status, events) = generate(&app, &cookie, id).await;
        assert_eq!(status, 200);
        assert_eq!(events.last().unwrap()["type"], "error", "{events:?}");
        assert_eq!(status_of(&pool, id).await, "draft");
        assert_eq!(quota_used(&pool).await, 3, "{provider}");
    }
}

async fn put_in_generating(pool: &PgPool, id: Uuid, since: chrono::DateTime<chrono::Utc>) {
    sqlx::query("UPDATE letters SET status = 'generating', generating_started_at = $2 WHERE id = $1")
        .bind(id)
        .bind(since)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_stuck_letter_is_reset_exactly_once_by_two_background_tasks(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let stuck_id = create(&app, &ada, &demand("")).await;
    let young_id = create(&app, &ada, &demand("")).await;
    // As a crashed instance leaves them: generating, started 11 and 9 minutes ago.
    put_in_generating(&pool, stuck_id, clock.now() - chrono::Duration::minutes(11)).await;
    put_in_generating(&pool, young_id, clock.now() - chrono::Duration::minutes(9)).await;

    let tasks: Vec<_> =
        (0..2).map(|_| tokio::spawn(stuck::run_every(pool.clone(), clock.clone(), Duration::from_millis(5)))).collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(status_of(&pool, stuck_id).await, "draft");
    assert_eq!(status_of(&pool, young_id).await, "generating", "9 minutes is not stuck");
    let resets = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM letter_events WHERE letter_id = $1 AND from_status = 'generating' AND to_status = 'draft'",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(resets(stuck_id).await, 1, "reset exactly once");
    let view = get(&app, &ada, stuck_id).await;
    let last = view["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["comment"], stuck::REASON);
    assert!(last["actor_name"].is_null());

    // Two more minutes: the other one is stuck too, and is reset once.
    clock.advance(chrono::Duration::minutes(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    for t in tasks {
        t.abort();
    }
    assert_eq!(status_of(&pool, young_id).await, "draft");
    assert_eq!(resets(young_id).await, 1);
    assert_eq!(resets(stuck_id).await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_reviewer_resets_stuck_letters_from_the_queue(pool: PgPool) {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::spawn_with_clock(pool.clone(), clock.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let old = create(&app, &ada, &demand("")).await;
    let recent = create(&app, &ada, &demand("")).await;
    put_in_generating(&pool, old, clock.now() - chrono::Duration::minutes(30)).await;
    put_in_generating(&pool, recent, clock.now() - chrono::Duration::minutes(1)).await;
    let queue = ok_json(act(&app, "letters/queue", &admin, &[("status", "generating"), ("age", "any")]).await).await;
    assert_eq!(queue["stuck"], 1);
    assert_eq!(queue["letters"].as_array().unwrap().len(), 2);
    let counts = queue["counts"].as_array().unwrap();
    assert!(counts.contains(&serde_json::json!(["generating", 2])), "{counts:?}");
    assert_eq!(ok_json(act(&app, "letters/reset-stuck", &admin, &[]).await).await, 1);
    assert_eq!(status_of(&pool, old).await, "draft");
    assert_eq!(status_of(&pool, recent).await, "generating");
    // One letter on purpose, at any age.
    assert_eq!(ok_json(act(&app, "letters/reset-stuck", &admin, &[("id", &recent.to_string())]).await).await, 1);
    assert_eq!(status_of(&pool, recent).await, "draft");
    let res = act(&app, "letters/reset-stuck", &admin, &[("id", &recent.to_string())]).await;
    assert_eq!(res.status(), 400, "nothing left to reset");
    let actor: Option<Uuid> =
        sqlx::query_scalar("SELECT actor_id FROM letter_events WHERE letter_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(recent)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(actor.is_some(), "the reviewer is on the timeline");
    assert_eq!(act(&app, "letters/reset-stuck", &ada, &[]).await.status(), 403);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn reset_stuck_dry_run_changes_nothing_and_the_real_run_resets(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let id = create(&app, &ada, &demand("")).await;
    put_in_generating(&pool, id, chrono::Utc::now() - chrono::Duration::minutes(11)).await;
    let url = crate::cli::database_url(&pool);

    let out = crate::cli::run(&["reset-stuck", "--dry-run"], &[("DATABASE_URL", &url)]);
    let stdout = crate::cli::text(&out.stdout);
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    assert!(stdout.contains(&format!("would reset {id}")), "{stdout}");
    assert!(stdout.contains("1 letter would be reset to draft (dry run: nothing changed)"), "{stdout}");
    assert_eq!(status_of(&pool, id).await, "generating", "a dry run changes nothing");
    assert_eq!(count(&pool, "SELECT count(*) FROM letter_events").await, 1);

    let out = crate::cli::run(&["reset-stuck", "--older-than", "20m"], &[("DATABASE_URL", &url)]);
    assert!(crate::cli::text(&out.stdout).contains("0 letters reset to draft"));
    assert_eq!(status_of(&pool, id).await, "generating");

    let out = crate::cli::run(&["reset-stuck"], &[("DATABASE_URL", &url)]);
    let stdout = crate::cli::text(&out.stdout);
    assert!(stdout.contains(&format!("reset {id} \"Demand for payment to Acme Widgets Ltd\"")), "{stdout}");
    assert_eq!(status_of(&pool, id).await, "draft");

    let out = crate::cli::run(&["reset-stuck", "--older-than", "soon"], &[("DATABASE_URL", &url)]);
    assert_eq!(out.status.code(), Some(2));

    let out = crate::cli::run(&["letters-stats"], &[("DATABASE_URL", &url)]);
    let stdout = crate::cli::text(&out.stdout);
    assert!(out.status.success());
    let line = |status: &str| stdout.lines().find(|l| l.split_whitespace().next() == Some(status)).map(str::to_string);
    assert_eq!(line("draft").unwrap().split_whitespace().nth(1), Some("1"), "{stdout}");
    assert_eq!(line("sent").unwrap().split_whitespace().nth(1), Some("0"), "every status is listed: {stdout}");
    assert_eq!(line("total").unwrap().split_whitespace().nth(1), Some("1"), "{stdout}");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_the_owner_and_reviewers_read_a_letter_and_nobody_approves_their_own(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let id = create(&app, &ada, &demand("")).await;
    let sid = id.to_string();

    for endpoint in ["letters/get", "letters/generate", "letters/submit", "letters/delete"] {
        assert_eq!(act(&app, endpoint, &bob, &[("id", &sid)]).await.status(), 404, "{endpoint}");
    }
    let res = call(&app, "letters/update", &[vec![("id".to_string(), sid.clone())], demand("")].concat(), &bob).await;
    assert_eq!(res.status(), 404);
    assert_eq!(act(&app, "letters/save-body", &bob, &[("id", &sid), ("body", "x")]).await.status(), 404);
    assert_eq!(app.get_as(&format!("/letters/{id}"), &bob).await.status(), 404);
    assert_eq!(app.get_as(&format!("/letters/{id}/print"), &bob).await.status(), 404);
    assert_eq!(app.get_as(&format!("/letters/{id}/pdf"), &bob).await.status(), 404, "the PDF too");
    assert_eq!(app.get(&format!("/letters/{id}/pdf")).await.status(), 404, "and for visitors");
    let pdf = app.get_as(&format!("/letters/{id}/pdf?size=us_letter"), &ada).await;
    assert_eq!(pdf.status(), 200, "the owner downloads a draft's PDF");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(app.get_as(&format!("/letters/{id}/pdf"), &admin).await.status(), 200, "and a reviewer");
    assert_eq!(app.get_as(&format!("/letters/{id}/pdf?size=a5"), &ada).await.status(), 400);
    assert_eq!(app.call("letters/get", &[("id", &sid)]).await.status(), 401);
    assert_eq!(app.get_as(&format!("/letters/{id}"), &ada).await.status(), 200);
    assert_eq!(get(&app, &admin, id).await["owner_email"], "ada@example.com");
    let bobs = ok_json(act(&app, "letters/list", &bob, &[]).await).await;
    assert!(bobs["letters"].as_array().unwrap().is_empty());
    assert_eq!(bobs["total"], 0);

    // Members cannot reach approval at all, not even for their own letter.
    generate(&app, &ada, id).await;
    ok_json(act(&app, "letters/submit", &ada, &[("id", &sid)]).await).await;
    for endpoint in ["letters/approve", "letters/return", "letters/comment"] {
        let res = act(&app, endpoint, &ada, &[("id", &sid), ("comment", "ok")]).await;
        assert_eq!(res.status(), 403, "{endpoint}");
    }
    assert_eq!(act(&app, "letters/queue", &ada, &[("status", ""), ("age", "any")]).await.status(), 403);
    assert_eq!(status_of(&pool, id).await, "in_review");
    assert!(!get(&app, &ada, id).await["can_approve"].as_bool().unwrap());
    assert!(get(&app, &admin, id).await["can_approve"].as_bool().unwrap());

    // An admin's own letter needs another admin.
    let own = create(&app, &admin, &demand("")).await;
    generate(&app, &admin, own).await;
    ok_json(act(&app, "letters/submit", &admin, &[("id", &own.to_string())]).await).await;
    assert!(!get(&app, &admin, own).await["can_approve"].as_bool().unwrap());
    let res = act(&app, "letters/approve", &admin, &[("id", &own.to_string()), ("comment", "")]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("cannot approve your own letter"));
    let other = app.sign_in_admin(&pool, "second@example.com").await;
    ok_json(act(&app, "letters/approve", &other, &[("id", &own.to_string()), ("comment", "")]).await).await;
    assert_eq!(status_of(&pool, own).await, "approved");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_reviews_let_exactly_one_change_win(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let id = create(&app, &ada, &demand("")).await;
    let sid = id.to_string();
    generate(&app, &ada, id).await;
    ok_json(act(&app, "letters/submit", &ada, &[("id", &sid)]).await).await;
    let approve_form = [("id", sid.as_str()), ("comment", "")];
    let return_form = [("id", sid.as_str()), ("comment", "Fix it")];
    let approve = act(&app, "letters/approve", &admin, &approve_form);
    let give_back = act(&app, "letters/return", &admin, &return_form);
    let (a, b) = tokio::join!(approve, give_back);
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert!(statuses.contains(&200) && statuses.contains(&400), "{statuses:?}");
    assert_eq!(count(&pool, "SELECT count(*) FROM letter_events WHERE from_status = 'in_review'").await, 1);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_input_gets_a_clear_400_and_nothing_is_stored(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let long_facts = "x".repeat(20_001);
    let cases = [
        (with(demand(""), "recipient_name", " "), "Recipient's name: This is required."),
        (with(demand(""), "amount", "100.005"), "Amount: Use at most two decimals"),
        (with(demand(""), "amount", "-20"), "Amount: The amount cannot be negative."),
        (with(demand(""), "deadline", "2020-01-01"), "Deadline: The deadline is in the past"),
        (with(demand(""), "facts", &long_facts), "What happened: This is 20001 characters; the limit is 20000."),
        (with(with(demand(""), "recipient_address", ""), "recipient_email", ""), "Recipient's postal address: Give"),
        (with(demand(""), "recipient_email", "acme at example"), "Recipient's email: Enter a valid email"),
    ];
    for (form, message) in cases {
        let res = call(&app, "letters/create", &form, &ada).await;
        assert_eq!(res.status(), 400, "{message}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "invalid");
        assert!(body["message"].as_str().unwrap().contains(message), "{message}: {body}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM letters").await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn markup_in_any_field_is_stored_as_typed_and_shown_inert(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let script = "<script>alert(1)</script>";
    let img = "<img src=x onerror=alert(2)>";
    let form = with(with(demand(""), "recipient_name", script), "facts", img);
    let id = create(&app, &ada, &form).await;
    let stored: String =
        sqlx::query_scalar("SELECT recipient_name FROM letters WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(stored, script, "stored as typed");
    generate(&app, &ada, id).await;
    for path in [format!("/letters/{id}"), format!("/letters/{id}/print"), "/letters".to_string()] {
        let res = app.get_as(&path, &ada).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        for live in [script, img] {
            let at = html.find(live).map(|i| &html[i.saturating_sub(200)..(i + 100).min(html.len())]);
            assert!(at.is_none(), "{path}: markup is not live: {at:?}");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{path}: shown as text");
    }
}

/// `/history` lists every kind a member saved, filters by kind, searches titles and text,
/// and deletes and restores a letter like a thread; nobody sees another member's items.
#[sqlx::test(migrator = "MIGRATOR")]
async fn one_history_lists_filters_searches_and_deletes_every_kind(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let letter = create(&app, &ada, &demand("")).await;
    let thread = act(&app, "threads/create", &ada, &[("posts[0]", "Widgets are great"), ("numbering", "none")]).await;
    assert_eq!(thread.status(), 200);
    let user: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'").fetch_one(&pool).await.unwrap();
    sqlx::query("INSERT INTO descriptions (user_id, title, body, input) VALUES ($1, 'Oak table', 'Solid oak, seats six.', '{}')")
        .bind(user)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO transcripts (user_id, title, text, segments, duration_ms) VALUES ($1, 'standup.wav', 'We ship widgets on Friday.', '[]', 95000)",
    )
    .bind(user)
    .execute(&pool)
    .await
    .unwrap();
    let list = |kind: &'static str, q: &'static str, who: String| {
        let app = &app;
        async move { ok_json(act(app, "history/list", &who, &[("kind", kind), ("query", q), ("page", "1")]).await).await }
    };
    let all = list("all", "", ada.clone()).await;
    assert_eq!(all["total"], 4);
    let kinds: Vec<&str> = all["items"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    for kind in ["thread", "letter", "description", "transcript"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let letters = list("letter", "", ada.clone()).await;
    assert_eq!(letters["total"], 1);
    assert_eq!(letters["items"][0]["detail"], "draft");
    assert_eq!(list("transcript", "", ada.clone()).await["items"][0]["detail"], "95000");
    // "widgets" is in the letter's facts, the thread's post and the transcript's text.
    assert_eq!(list("all", "widgets", ada.clone()).await["total"], 3);
    assert_eq!(list("description", "oak", ada.clone()).await["total"], 1);
    assert_eq!(list("all", "", bob.clone()).await["total"], 0);

    let sid = letter.to_string();
    let form = [("kind", "letter"), ("id", sid.as_str())];
    assert_eq!(act(&app, "history/delete", &bob, &form).await.status(), 404);
    assert_eq!(act(&app, "history/delete", &ada, &form).await.status(), 200);
    assert_eq!(list("all", "", ada.clone()).await["total"], 3);
    assert_eq!(act(&app, "history/restore", &ada, &form).await.status(), 200);
    assert_eq!(list("letter", "", ada.clone()).await["total"], 1);
    let did: Uuid = sqlx::query_scalar("SELECT id FROM descriptions").fetch_one(&pool).await.unwrap();
    let did = did.to_string();
    // Stored by an older version (its request is not readable now): the description still opens.
    let opened = ok_json(act(&app, "tools/description", &ada, &[("id", &did)]).await).await;
    assert_eq!(
        (opened["request"].is_null(), &opened["description"]["paragraphs"][0]),
        (true, &Value::from("Solid oak, seats six."))
    );
    assert_eq!(act(&app, "history/delete", &ada, &[("kind", "description"), ("id", &did)]).await.status(), 200);
    assert_eq!(list("description", "", ada.clone()).await["total"], 0);
    assert_eq!(
        act(&app, "tools/description", &ada, &[("id", &did)]).await.status(),
        404,
        "a deleted one no longer opens"
    );
    assert_eq!(act(&app, "history/list", &ada, &[("kind", "poems"), ("query", ""), ("page", "1")]).await.status(), 400);
}

/// `n` letters for `user`, one a minute apart (the newest `minutes_ago` old), in `status`.
async fn insert_letters(pool: &PgPool, user: Uuid, n: i32, status: &str, minutes_ago: i32) {
    sqlx::query(
        "INSERT INTO letters (user_id, status, letter_type, sender_name, recipient_name, facts, title, created_at, updated_at)
         SELECT $1, $3, 'general', 'Ada', 'Recipient ' || g, 'Facts', 'Letter ' || g,
                now() - make_interval(mins => $4 + g), now() - make_interval(mins => $4 + g)
           FROM generate_series(1, $2) g",
    )
    .bind(user)
    .bind(n)
    .bind(status)
    .bind(minutes_ago)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn long_lists_come_in_pages_that_neither_skip_nor_repeat(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let ada = member(&app, &pool, "ada@example.com").await;
    let bob = member(&app, &pool, "bob@example.com").await;
    let admin = app.sign_in_admin(&pool, "reviewer@example.com").await;
    let ada_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'").fetch_one(&pool).await.unwrap();
    let bob_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'bob@example.com'").fetch_one(&pool).await.unwrap();
    insert_letters(&pool, ada_id, 120, "draft", 0).await;
    insert_letters(&pool, bob_id, 70, "in_review", 0).await;

    let mut seen = Vec::new();
    for (page, rows) in [(1, 50), (2, 50), (3, 20), (4, 0)] {
        let list = ok_json(act(&app, "letters/list", &ada, &[("page", &page.to_string())]).await).await;
        assert_eq!(list["total"], 120, "the total is of all her letters");
        assert_eq!(list["page"], page);
        let letters = list["letters"].as_array().unwrap();
        assert_eq!(letters.len(), rows, "page {page}");
        seen.extend(letters.iter().map(|l| l["title"].as_str().unwrap().to_string()));
    }
    let expected: Vec<String> = (1..=120).map(|g| format!("Letter {g}")).collect();
    assert_eq!(seen, expected, "newest first, each letter exactly once");
    assert_eq!(
        ok_json(act(&app, "letters/list", &bob, &[]).await).await["total"],
        70,
        "only her own are counted for her"
    );
    assert_eq!(act(&app, "letters/list", &ada, &[("page", "x")]).await.status(), 400);

    // The queue: drafts are not waiting for anyone; oldest first; the total of what matches.
    let form = |page: &'static str| [("status", ""), ("age", "any"), ("page", page)];
    let first = ok_json(act(&app, "letters/queue", &admin, &form("1")).await).await;
    assert_eq!(first["total"], 70);
    assert_eq!(first["letters"][0]["title"], "Letter 70", "the longest-waiting letter comes first");
    let second = ok_json(act(&app, "letters/queue", &admin, &form("2")).await).await;
    assert_eq!(second["letters"].as_array().unwrap().len(), 20);
    assert_eq!(second["letters"][19]["title"], "Letter 1");
    let week = ok_json(act(&app, "letters/queue", &admin, &[("status", "in_review"), ("age", "7d")]).await).await;
    assert_eq!(week["total"], 0, "none has waited a week");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_stalled_generation_reset_as_stuck_gives_its_quota_back_exactly_once(pool: PgPool) {
    let fake = FakeAi::start().await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let ai = hosted(&fake, false);
    let app = {
        let clock = clock.clone();
        TestApp::spawn_changed(pool.clone(), config_with(&[]), move |s| s.with_ai(ai).with_clock(clock)).await
    };
    let ada = member(&app, &pool, "ada@example.com").await;
    let done = create(&app, &ada, &demand("")).await;
    fake.script([Reply::text("Dear Acme,\n\nPay.\n\nAda", 2)]);
    assert_eq!(generate(&app, &ada, done).await.0, 200);
    assert_eq!(quota_used(&pool).await, 3, "a finished generation counts: this hour, today, this month");

    // The next one stalls after its first words, as a crashed or hung instance would leave it.
    let stalled = create(&app, &ada, &demand("")).await;
    fake.script([Reply::StallAfter { text: "Dear Acme, I write about invoice 42.".into(), pieces: 4, after: 1 }]);
    let answer = {
        let (app_url, cookie) = (app.url("/api/letters/generate"), ada.clone());
        let client = app.client.clone();
        tokio::spawn(async move {
            let res = client.post(app_url).header("cookie", cookie).form(&[("id", stalled.to_string())]).send().await;
            res.unwrap().text().await.unwrap()
        })
    };
    for _ in 0..100 {
        if status_of(&pool, stalled).await == "generating" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(quota_used(&pool).await, 6, "held while it generates");

    clock.advance(chrono::Duration::minutes(11));
    let reset = stuck::reset(&pool, clock.now(), stuck::STUCK_AFTER, None, None).await.unwrap();
    assert_eq!(reset.iter().map(|l| l.id).collect::<Vec<_>>(), [stalled]);
    assert_eq!(status_of(&pool, stalled).await, "draft");
    assert_eq!(quota_used(&pool).await, 3, "the reset gives the stalled generation's quota back");

    // The stalled generation times out afterwards: it finds the letter reset and gives nothing
    // back a second time (that would take the finished generation's count too).
    let body = answer.await.unwrap();
    assert!(body.contains("\"type\":\"error\""), "{body}");
    assert_eq!(quota_used(&pool).await, 3, "given back exactly once");
    assert_eq!(status_of(&pool, stalled).await, "draft");
    let resets: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM letter_events WHERE letter_id = $1 AND from_status = 'generating' AND to_status = 'draft'",
    )
    .bind(stalled)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(resets, 1, "one way back to draft, one timeline row");
    let held: Option<Value> = sqlx::query_scalar("SELECT generation_reservation FROM letters WHERE id = $1")
        .bind(stalled)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(held, None);
}
