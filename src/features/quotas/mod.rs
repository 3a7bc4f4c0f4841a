//! Quotas and AI request limits (billing rules: exact under concurrency, shared by every app
//! instance, kept in PostgreSQL) and the entitlement that decides which limits apply.

mod api;
mod model;

#[cfg(feature = "ssr")]
pub mod admin_cli;
#[cfg(feature = "ssr")]
mod entitlement;
#[cfg(feature = "ssr")]
mod ip_hash;
#[cfg(feature = "ssr")]
mod reserve;

pub use api::{GetUsage, get_usage};
pub use model::{LimitLeft, Plan, UsageSummary};

#[cfg(feature = "ssr")]
pub use api::{Caller, caller};
#[cfg(feature = "ssr")]
pub use entitlement::{PAST_DUE_GRACE_DAYS, entitlement, grace_ends_sql, grant, revoke_grants};
#[cfg(feature = "ssr")]
pub use ip_hash::anon_ip_hash;
#[cfg(feature = "ssr")]
pub use reserve::{Reservation, Subject, release, release_in, reserve, summary};
