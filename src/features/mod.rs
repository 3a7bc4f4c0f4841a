//! One folder per capability. Each keeps its pages, server functions (`api`), domain types
//! and SQL (`db`, server only) together; other features call it through its `mod.rs`.
//!
//! Planned homes: `billing`, `marketplace`.

pub mod accounts;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod ai;
pub mod email;
pub mod quotas;
pub mod status;
pub mod threads;
