//! Integration tests: the real router over real HTTP against a real PostgreSQL
//! (a fresh database per test through `#[sqlx::test]`). One binary so it links once.

mod account_settings;
mod accounts;
mod addresses;
mod admin_step_up;
mod ai_providers;
mod assistant;
mod cli;
mod database_outage;
mod email_attachments;
mod email_mailbox;
mod email_outbox;
mod email_worker;
mod fake_ai;
mod fake_mail_api;
mod fake_oidc;
mod fake_transcribe;
mod fake_web;
mod google_sign_in;
mod guards;
mod helpers;
mod http_baseline;
mod letters;
mod proxy;
mod quotas;
mod rate_limit;
mod redis_server;
mod referrals;
mod smtp_sink;
mod thread_generation;
mod threads;
mod tools_description;
mod transcription;
mod url_import;
