//! Transcription end to end against the local fake `/audio/transcriptions` server: a real WAV
//! made here becomes a transcript with segments; every refusal (wrong content, too large,
//! empty, free member, no provider) is clear, stores nothing, charges nothing; the temporary
//! upload file is gone afterwards every time.

use crate::accounts::member;
use crate::fake_transcribe::{FakeTranscribe, Heard};
use crate::helpers::{TestApp, config_with, count};
use serde_json::Value;
use sqlx::PgPool;
use threadr::features::quotas::{Plan, grant};
use threadr::features::tools::model::SavedTranscript;
use threadr::features::tools::{Transcript, srt};
use threadr::server::db::MIGRATOR;

const UPLOAD: &str = "/api/tools/transcribe-upload";

/// A real PCM WAV: 16-bit mono at 8 kHz, a 440 Hz tone of `millis` milliseconds.
fn wav(millis: u32) -> Vec<u8> {
    let rate = 8000u32;
    let samples = rate * millis / 1000;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend(b"RIFF");
    out.extend((36 + data_len).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes()); // fmt chunk size
    out.extend(1u16.to_le_bytes()); // PCM
    out.extend(1u16.to_le_bytes()); // mono
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2).to_le_bytes()); // bytes per second
    out.extend(2u16.to_le_bytes()); // block align
    out.extend(16u16.to_le_bytes()); // bits per sample
    out.extend(b"data");
    out.extend(data_len.to_le_bytes());
    for i in 0..samples {
        let t = i as f64 / rate as f64;
        let v = ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16;
        out.extend(v.to_le_bytes());
    }
    out
}

struct Setup {
    app: TestApp,
    fake: FakeTranscribe,
    temp: tempfile::TempDir,
}

async fn setup(pool: &PgPool, configured: bool) -> Setup {
    let fake = FakeTranscribe::start().await;
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_str().unwrap().to_string();
    let mut vars = vec![("TRANSCRIBE_TEMP_DIR", dir.as_str())];
    if configured {
        vars.extend([("TRANSCRIBE_API_KEY", "sk-transcribe"), ("TRANSCRIBE_BASE_URL", fake.base_url.as_str())]);
    }
    let app = TestApp::spawn_with(pool.clone(), config_with(&vars)).await;
    Setup { app, fake, temp }
}

/// A signed-in member; on a paid plan (an admin grant) when `paid`.
async fn signed_in(s: &Setup, pool: &PgPool, email: &str, paid: bool) -> String {
    let cookie = member(&s.app, pool, email).await;
    if paid {
        let id: uuid::Uuid =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap();
        let now = chrono::Utc::now();
        grant(pool, id, Plan::Pro, (now - chrono::Duration::hours(1), now + chrono::Duration::days(30)), "test")
            .await
            .unwrap();
    }
    cookie
}

async fn upload(s: &Setup, cookie: Option<&str>, name: &str, body: Vec<u8>) -> (u16, Value) {
    let mut req =
        s.app.client.post(s.app.url(&format!("{UPLOAD}?name={name}"))).header("content-type", "audio/mpeg").body(body);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.expect("upload answered");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn temp_files(s: &Setup) -> usize {
    std::fs::read_dir(s.temp.path()).unwrap().count()
}

async fn nothing_stored(pool: &PgPool) {
    assert_eq!(count(pool, "SELECT count(*) FROM transcripts").await, 0, "no transcript");
    assert_eq!(count(pool, "SELECT count(*) FROM ai_requests").await, 0, "nothing logged or charged");
    assert_eq!(count(pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").await, 0, "no AI request counted");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_wav_becomes_a_timed_transcript_that_is_saved_and_costed(pool: PgPool) {
    let s = setup(&pool, true).await;
    let cookie = signed_in(&s, &pool, "paid@example.com", true).await;
    let audio = wav(500);
    let (status, body) = upload(&s, Some(&cookie), "My%20talk.wav", audio.clone()).await;
    assert_eq!(status, 200, "{body}");
    let transcript: Transcript = serde_json::from_value(body).unwrap();
    assert_eq!(transcript.title, "My talk.wav");
    assert_eq!(transcript.text, "Hello there. General Kenobi.");
    assert_eq!(transcript.segments.len(), 2);
    assert_eq!((transcript.segments[1].start_ms, transcript.segments[1].end_ms), (1500, 3000));
    assert_eq!(transcript.segments[1].text, "General Kenobi.");
    assert_eq!(transcript.duration_ms, Some(3000));
    let subtitles = srt::to_srt(&transcript).unwrap();
    assert!(
        subtitles.starts_with("1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:00:01,500 --> 00:00:03,000\n"),
        "{subtitles}"
    );

    // What the provider received: the very bytes, named by their detected type, as multipart.
    let received = s.fake.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.file, audio, "the audio arrives unchanged");
    assert_eq!(r.file_name.as_deref(), Some("audio.wav"), "named by content, not by the upload's name");
    assert_eq!(r.file_type.as_deref(), Some("audio/wav"));
    assert_eq!(r.fields.get("model").map(String::as_str), Some("whisper-1"));
    assert_eq!(r.fields.get("response_format").map(String::as_str), Some("verbose_json"));
    assert_eq!(r.header("authorization"), Some("Bearer sk-transcribe"));

    let (title, text, segments, duration): (String, String, Value, Option<i64>) =
        sqlx::query_as("SELECT title, text, segments, duration_ms FROM transcripts WHERE id = $1")
            .bind(transcript.id.expect("saved for the member"))
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((title.as_str(), text.as_str(), duration), ("My talk.wav", "Hello there. General Kenobi.", Some(3000)));
    assert_eq!(segments[0]["text"], "Hello there.");
    let (kind, model, outcome, tokens, cost): (String, String, String, i64, i64) =
        sqlx::query_as("SELECT kind, model, outcome, input_tokens + output_tokens, cost_microusd FROM ai_requests")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), model.as_str(), outcome.as_str(), tokens), ("transcription", "whisper-1", "ok", 0));
    assert_eq!(cost, 300, "3 s at $0.006 a minute");
    assert_eq!(temp_files(&s), 0, "the upload's temporary file is deleted");

    // Opened again from the history: the same transcript, for its owner only.
    let id = transcript.id.unwrap().to_string();
    let res = s.app.call_as("tools/transcript", &[("id", id.as_str())], Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    let saved: SavedTranscript = res.json().await.unwrap();
    assert_eq!(saved.transcript, transcript);
    let stranger = signed_in(&s, &pool, "eve@example.com", true).await;
    let res = s.app.call_as("tools/transcript", &[("id", id.as_str())], Some(&stranger)).await;
    assert_eq!(res.status(), 404, "another member's transcript does not exist for them");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn wrong_content_too_large_and_empty_files_are_refused_clearly(pool: PgPool) {
    let s = setup(&pool, true).await;
    let cookie = signed_in(&s, &pool, "paid@example.com", true).await;

    let html = b"<!DOCTYPE html><html><head><title>x</title></head><body>not audio at all</body></html>".repeat(20);
    let (status, body) = upload(&s, Some(&cookie), "song.mp3", html).await;
    assert_eq!(status, 415, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("not audio we can transcribe") && message.contains("whatever its name says"), "{message}");
    assert_eq!(temp_files(&s), 0);

    // 26 MB that start as a real WAV: refused while streaming, at 25 MB + 1 byte.
    let mut big = wav(100);
    big.resize(26 * 1024 * 1024, 0);
    let (status, body) = upload(&s, Some(&cookie), "long.wav", big).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["message"].as_str().unwrap().contains("larger than 25 MB"), "{body}");
    assert_eq!(temp_files(&s), 0);

    let (status, body) = upload(&s, Some(&cookie), "empty.wav", Vec::new()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["message"], "The file is empty. Choose an audio recording.");

    assert!(s.fake.received().is_empty(), "nothing reached the provider");
    nothing_stored(&pool).await;
    assert_eq!(temp_files(&s), 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn free_members_and_visitors_are_refused_before_anything_is_uploaded(pool: PgPool) {
    let s = setup(&pool, true).await;
    let cookie = signed_in(&s, &pool, "free@example.com", false).await;
    let (status, body) = upload(&s, Some(&cookie), "a.wav", wav(200)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["upgrade"], true);
    assert!(body["message"].as_str().unwrap().contains("paid plans"), "{body}");
    let (status, _) = upload(&s, None, "a.wav", wav(200)).await;
    assert_eq!(status, 401);
    // The page offers the upgrade instead of the form.
    let res = s.app.call_as("tools/transcription-access", &[], Some(&cookie)).await;
    assert_eq!(res.json::<Value>().await.unwrap(), "NeedsUpgrade");
    let res = s.app.call_as("tools/transcription-access", &[], None).await;
    assert_eq!(res.json::<Value>().await.unwrap(), "SignedOut");
    assert!(s.fake.received().is_empty());
    nothing_stored(&pool).await;
    assert_eq!(temp_files(&s), 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn without_a_provider_the_answer_says_so_and_nothing_is_charged(pool: PgPool) {
    let s = setup(&pool, false).await;
    let cookie = signed_in(&s, &pool, "paid@example.com", true).await;
    let (status, body) = upload(&s, Some(&cookie), "a.wav", wav(200)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["message"], "Transcription is not configured on this server. Nothing was uploaded or charged.");
    let res = s.app.call_as("tools/transcription-access", &[], Some(&cookie)).await;
    assert_eq!(res.json::<Value>().await.unwrap(), "NotConfigured");
    nothing_stored(&pool).await;
    assert_eq!(temp_files(&s), 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_failing_provider_charges_nothing_and_the_file_is_still_deleted(pool: PgPool) {
    let s = setup(&pool, true).await;
    let cookie = signed_in(&s, &pool, "paid@example.com", true).await;
    s.fake.answer_with(Heard::Status(500));
    let (status, body) = upload(&s, Some(&cookie), "a.wav", wav(200)).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["message"].as_str().unwrap().ends_with("Nothing was charged."), "{body}");
    assert_eq!(s.fake.received().len(), 3, "tried, then tried twice more");
    assert_eq!(count(&pool, "SELECT count(*) FROM transcripts").await, 0);
    assert_eq!(
        count(&pool, "SELECT coalesce(sum(used), 0)::int8 FROM quota_usage").await,
        0,
        "the AI request was given back"
    );
    let (outcome, cost): (String, i64) =
        sqlx::query_as("SELECT outcome, cost_microusd FROM ai_requests").fetch_one(&pool).await.unwrap();
    assert_eq!((outcome.as_str(), cost), ("failed", 0));
    assert_eq!(temp_files(&s), 0);

    // A provider without segments: the transcript is still there, the srt is one cue.
    s.fake.answer_with(Heard::Speech { text: vec!["Just words.".into()], segment_ms: 0 });
    let (status, body) = upload(&s, Some(&cookie), "b.wav", wav(200)).await;
    assert_eq!(status, 200, "{body}");
    let t: Transcript = serde_json::from_value(body).unwrap();
    assert!(t.segments.is_empty());
    assert_eq!(srt::to_srt(&t).unwrap(), "1\n00:00:00,000 --> 00:00:01,000\nJust words.\n\n");
    assert_eq!(temp_files(&s), 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_busy_provider_is_tried_again_and_one_transcript_is_charged_once(pool: PgPool) {
    let s = setup(&pool, true).await;
    let cookie = signed_in(&s, &pool, "paid@example.com", true).await;
    // Busy, then rate limited with Retry-After: 1, then it answers.
    s.fake.answer_next([Heard::Status(503), Heard::RateLimited { retry_after_secs: 1 }]);
    let started = std::time::Instant::now();
    let audio = wav(300);
    let (status, body) = upload(&s, Some(&cookie), "again.wav", audio.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "the service's Retry-After was honoured");
    let received = s.fake.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.file == audio), "every try sends the whole recording again");
    assert_eq!(count(&pool, "SELECT count(*) FROM transcripts").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM ai_requests WHERE outcome = 'ok'").await, 1, "one request logged");
    assert_eq!(temp_files(&s), 0);

    // A Retry-After longer than we wait fails at once: one try, nothing charged.
    s.fake.answer_next([Heard::RateLimited { retry_after_secs: 3600 }]);
    let (status, body) = upload(&s, Some(&cookie), "later.wav", wav(200)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(s.fake.received().len(), 4);
    assert_eq!(count(&pool, "SELECT count(*) FROM transcripts").await, 1);
}
