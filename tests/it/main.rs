//! Integration tests: the real router over real HTTP against a real PostgreSQL
//! (a fresh database per test through `#[sqlx::test]`). One binary so it links once.

mod cli;
mod database_outage;
mod helpers;
mod http_baseline;
mod proxy;
