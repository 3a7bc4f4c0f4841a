//! Server-only code: configuration, database, HTTP wiring, CLI. Compiled with `ssr` only.

pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod observe;
pub mod ops;
pub mod serve;
pub mod state;
pub mod telemetry;
