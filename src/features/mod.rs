//! One folder per capability. Each keeps its pages, server functions (`api`), domain types
//! and SQL (`db`, server only) together; other features call it through its `mod.rs`.
//!
//! Planned homes: `accounts`, `generation`, `quotas`, `billing`, `marketplace`,
//! `admin`.

pub mod email;
pub mod status;
