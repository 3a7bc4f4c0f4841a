//! One folder per capability. Each keeps its pages, server functions (`api`), domain types
//! and SQL (`db`, server only) together; other features call it through its `mod.rs`.
//!
//! Planned homes: `generation`, `quotas`, `billing`, `marketplace`.

pub mod accounts;
pub mod admin;
pub mod email;
pub mod status;
