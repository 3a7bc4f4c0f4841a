//! Attachments (a letter's PDF): stored with the message in the caller's transaction, sent
//! through SMTP (multipart/mixed), the HTTP API (base64 JSON) and the dev mailbox, and
//! downloadable from the mailbox page.

use crate::accounts::{PASSWORD, sign_in_cookie, signed_up_and_confirmed};
use crate::email_outbox::links;
use crate::fake_mail_api::FakeMailApi;
use crate::helpers::{TestApp, config_with};
use crate::smtp_sink::SmtpSink;
use mail_parser::MimeHeaders;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use threadr::features::email::{
    Attachment, AttachmentError,
    outbox::{self, EnqueueError},
    providers::{DevMailbox, EmailProvider, HttpApi, Smtp},
    templates::Welcome,
    worker::{Worker, WorkerConfig},
};
use threadr::features::letters::pdf::{PageSize, PdfLetter, PdfParty, render};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

const FROM: &str = "Threadr <no-reply@threadr.example>";
const PDF_NAME: &str = "Letter to Zoë Ñúñez.pdf";

fn letter_pdf() -> Vec<u8> {
    render(&PdfLetter {
        title: "Demand for payment".into(),
        date: "28 November 2026".into(),
        sender: PdfParty { name: "Ada Lovelace".into(), address_lines: vec!["1 Analytical Way".into()], email: None },
        recipient: PdfParty {
            name: "Zoë Ñúñez".into(),
            address_lines: vec!["12 Rue de la Paix".into(), "75002 Paris".into()],
            email: Some("zoe@example.com".into()),
        },
        subject: "Unpaid invoice 2026-114".into(),
        paragraphs: vec!["The amount due is 1,250.00 €.".into()],
        closing: "Sincerely,".into(),
        page_size: PageSize::A4,
    })
    .expect("letter PDF")
}

fn files() -> Vec<Attachment> {
    vec![
        Attachment::new(PDF_NAME, "application/pdf", letter_pdf()).unwrap(),
        Attachment::new("facts.txt", "text/plain", "Invoice 2026-114\r\n1,250.00 €\n".as_bytes().to_vec()).unwrap(),
    ]
}

/// Enqueues one welcome email with `attachments` in a committed transaction; its outbox id.
async fn enqueue_with(pool: &PgPool, key: &str, attachments: &[Attachment]) -> Uuid {
    let mut tx = pool.begin().await.unwrap();
    let queued = outbox::enqueue_with_attachments(
        &mut tx,
        &links(),
        "zoe@example.com",
        &Welcome { name: "Zoë".into() },
        key,
        attachments,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(queued.created);
    queued.id
}

fn worker(pool: &PgPool, provider: Arc<dyn EmailProvider>) -> Arc<Worker> {
    let config = WorkerConfig { concurrency: 1, retry_base: Duration::from_millis(200), ..WorkerConfig::default() };
    Arc::new(Worker::new(pool.clone(), vec![provider], FROM.into(), config))
}

async fn attachment_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_attachments").fetch_one(pool).await.unwrap()
}

fn pdf_text(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("PDF text").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn smtp_sends_the_bodies_and_the_files_as_multipart_mixed(pool: PgPool) {
    let sink = SmtpSink::start().await;
    enqueue_with(&pool, "smtp-attach", &files()).await;
    let smtp = Arc::new(Smtp::from_url(&sink.url(), 1, "threadr.example").unwrap());
    let report = worker(&pool, smtp).drain().await;
    assert_eq!((report.claimed, report.sent), (1, 1));

    let raw = sink.messages().await.pop().expect("one message");
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).expect("parsable MIME");
    let top = parsed.content_type().expect("content type");
    assert_eq!((top.ctype(), top.subtype()), ("multipart", Some("mixed")), "{raw:.600}");
    assert!(parsed.body_text(0).unwrap().contains("Welcome"), "the text body is still there");
    assert!(parsed.body_html(0).unwrap().contains("<h1"), "and the HTML one");
    assert_eq!(parsed.attachment_count(), 2);

    let pdf = parsed.attachment(0).unwrap();
    assert_eq!(pdf.attachment_name(), Some(PDF_NAME));
    let ct = pdf.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("application", Some("pdf")));
    assert_eq!(pdf.contents(), letter_pdf().as_slice(), "the PDF arrives byte for byte");
    assert!(pdf_text(pdf.contents()).contains("Zoë Ñúñez"));

    let text = parsed.attachment(1).unwrap();
    assert_eq!(text.attachment_name(), Some("facts.txt"));
    assert_eq!(text.contents(), "Invoice 2026-114\r\n1,250.00 €\n".as_bytes(), "line endings and UTF-8 kept");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_message_without_files_stays_multipart_alternative(pool: PgPool) {
    let sink = SmtpSink::start().await;
    enqueue_with(&pool, "smtp-plain", &[]).await;
    let smtp = Arc::new(Smtp::from_url(&sink.url(), 1, "threadr.example").unwrap());
    assert_eq!(worker(&pool, smtp).drain().await.sent, 1);
    let raw = sink.messages().await.pop().unwrap();
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    assert_eq!(parsed.content_type().unwrap().subtype(), Some("alternative"));
    assert_eq!(parsed.attachment_count(), 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_http_api_gets_the_files_as_base64_json(pool: PgPool) {
    let api = FakeMailApi::start().await;
    let id = enqueue_with(&pool, "http-attach", &files()).await;
    let http = Arc::new(HttpApi::new(&api.base_url.parse().unwrap(), "re_test_key").unwrap());
    let report = worker(&pool, http).drain().await;
    assert_eq!((report.claimed, report.sent), (1, 1));

    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].idempotency_key, id.to_string());
    let received = &requests[0].attachments;
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].filename, PDF_NAME);
    assert_eq!(received[0].content_type.as_deref(), Some("application/pdf"));
    assert_eq!(received[0].content, letter_pdf());
    assert!(pdf_text(&received[0].content).contains("1,250.00 €"));
    assert_eq!(received[1].filename, "facts.txt");
    assert_eq!(received[1].content_type.as_deref(), Some("text/plain"));
    assert!(requests[0].body["text"].as_str().unwrap().contains("Welcome"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_message_without_files_sends_no_attachments_field(pool: PgPool) {
    let api = FakeMailApi::start().await;
    enqueue_with(&pool, "http-plain", &[]).await;
    let http = Arc::new(HttpApi::new(&api.base_url.parse().unwrap(), "re_test_key").unwrap());
    assert_eq!(worker(&pool, http).drain().await.sent, 1);
    assert!(api.requests()[0].body.get("attachments").is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn ten_megabytes_go_through_the_http_api(pool: PgPool) {
    let api = FakeMailApi::start().await;
    let big: Vec<u8> = (0..10 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    enqueue_with(&pool, "http-big", &[Attachment::new("scan.bin", "application/octet-stream", big.clone()).unwrap()])
        .await;
    let http = Arc::new(HttpApi::new(&api.base_url.parse().unwrap(), "re_test_key").unwrap());
    assert_eq!(worker(&pool, http).drain().await.sent, 1);
    assert_eq!(api.requests()[0].attachments[0].content, big);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_dev_mailbox_keeps_the_files_and_admins_download_them(pool: PgPool) {
    let id = enqueue_with(&pool, "dev-attach", &files()).await;
    let report = worker(&pool, Arc::new(DevMailbox::new(pool.clone()))).drain().await;
    assert_eq!(report.sent, 1);
    let kept: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT filename, bytes FROM dev_mailbox_attachments WHERE outbox_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!((kept[0].0.as_str(), &kept[0].1), (PDF_NAME, &letter_pdf()));

    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let page = app.get_as(&format!("/admin/mail/{id}"), &admin).await.text().await.unwrap();
    assert!(page.contains("Download Letter to Zoë Ñúñez.pdf"), "the page lists the files");
    assert!(page.contains(&format!("href=\"/admin/mail/{id}/attachments/0\"")));
    assert!(page.contains("application/pdf"));

    let detail: serde_json::Value =
        app.call_as("mail/get", &[("id", &id.to_string())], Some(&admin)).await.json().await.unwrap();
    assert_eq!(detail["attachments"][0]["filename"], PDF_NAME);
    assert_eq!(detail["attachments"][0]["size"], letter_pdf().len());
    assert_eq!(detail["attachments"][1]["content_type"], "text/plain");

    let res = app.get_as(&format!("/admin/mail/{id}/attachments/0"), &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment;"), "downloaded, never shown inline: {disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''Letter%20to%20Zo%C3%AB%20%C3%91%C3%BA%C3%B1ez.pdf"),
        "{disposition}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let body = res.bytes().await.unwrap();
    assert_eq!(body.as_ref(), letter_pdf().as_slice());
    assert!(pdf_text(&body).contains("Zoë Ñúñez"));

    assert_eq!(app.get_as(&format!("/admin/mail/{id}/attachments/2"), &admin).await.status(), 404);
    assert_eq!(app.get_as(&format!("/admin/mail/{}/attachments/0", Uuid::nil()), &admin).await.status(), 404);
    assert_eq!(app.get_as(&format!("/admin/mail/{id}/attachments/x"), &admin).await.status(), 400);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_message_page_without_files_says_so(pool: PgPool) {
    let id = enqueue_with(&pool, "no-files", &[]).await;
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let page = app.get_as(&format!("/admin/mail/{id}"), &admin).await.text().await.unwrap();
    assert!(page.contains("This message has no attachments."));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn only_admins_download_and_never_in_production(pool: PgPool) {
    let id = enqueue_with(&pool, "guarded", &files()).await;
    let path = format!("/admin/mail/{id}/attachments/0");
    let app = TestApp::spawn(pool.clone()).await;
    signed_up_and_confirmed(&app, &pool, "member@example.com").await;
    let member = sign_in_cookie(&app, "member@example.com", PASSWORD).await.unwrap();
    assert_eq!(app.get(&path).await.status(), 401);
    assert_eq!(app.get_as(&path, &member).await.status(), 403);

    let config = config_with(&[("APP_ENV", "production"), ("PUBLIC_URL", "https://threadr.example")]);
    let prod = TestApp::spawn_with(pool.clone(), config).await;
    let admin = prod.sign_in_admin(&pool, "root@example.com").await;
    assert_eq!(prod.get_as(&path, &admin).await.status(), 404);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_rolled_back_transaction_leaves_no_message_and_no_files(pool: PgPool) {
    let mut tx = pool.begin().await.unwrap();
    outbox::enqueue_with_attachments(
        &mut tx,
        &links(),
        "zoe@example.com",
        &Welcome { name: "Zoë".into() },
        "rb",
        &files(),
    )
    .await
    .unwrap();
    let inside: i64 = sqlx::query_scalar("SELECT count(*) FROM email_attachments").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(inside, 2, "written in the caller's transaction");
    tx.rollback().await.unwrap();
    assert_eq!(attachment_rows(&pool).await, 0);
    assert_eq!(crate::email_outbox::count(&pool).await, 0);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn enqueueing_the_same_key_again_keeps_one_set_of_files(pool: PgPool) {
    let first = enqueue_with(&pool, "once", &files()).await;
    let mut conn = pool.acquire().await.unwrap();
    let again = outbox::enqueue_with_attachments(
        &mut conn,
        &links(),
        "zoe@example.com",
        &Welcome { name: "Zoë".into() },
        "once",
        &files(),
    )
    .await
    .unwrap();
    assert_eq!((again.id, again.created), (first, false));
    assert_eq!(attachment_rows(&pool).await, 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn bad_names_and_oversized_files_are_refused_and_nothing_is_stored(pool: PgPool) {
    for bad in ["", "../letter.pdf", "dir/letter.pdf", "dir\\letter.pdf", "letter\n.pdf"] {
        assert!(
            matches!(
                Attachment::new(bad, "application/pdf", vec![1]),
                Err(AttachmentError::EmptyName | AttachmentError::BadName(_))
            ),
            "{bad:?}"
        );
    }
    let half = Attachment::new("a.bin", "application/octet-stream", vec![7; 6 * 1024 * 1024]).unwrap();
    let mut tx = pool.begin().await.unwrap();
    let refused = outbox::enqueue_with_attachments(
        &mut tx,
        &links(),
        "zoe@example.com",
        &Welcome { name: "Zoë".into() },
        "too-big",
        &[half.clone(), half],
    )
    .await;
    assert!(matches!(refused, Err(EnqueueError::Attachment(AttachmentError::TooLarge))), "{refused:?}");
    tx.commit().await.unwrap();
    assert_eq!(crate::email_outbox::count(&pool).await, 0);
    assert_eq!(attachment_rows(&pool).await, 0);

    // The table refuses a path as a name even from SQL written by hand.
    let id = enqueue_with(&pool, "sql", &[]).await;
    let bypass = sqlx::query(
        "INSERT INTO email_attachments (email_id, position, filename, content_type, bytes)
         VALUES ($1, 0, '../x.pdf', 'application/pdf', '\\x01')",
    )
    .bind(id)
    .execute(&pool)
    .await;
    assert!(bypass.is_err());
}
