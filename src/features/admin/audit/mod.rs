//! `/admin/audit`: every security event and admin action, filtered by actor, action, target
//! and time, with a CSV export.

mod api;
mod model;
mod page;

#[cfg(feature = "ssr")]
mod db;

#[cfg(feature = "ssr")]
pub use api::audit_csv;
pub use api::{AdminAudit, admin_audit};
#[cfg(feature = "ssr")]
pub use db::{about_user, inert};
pub use model::{AUDIT_CSV_MAX, AuditFilter, AuditLine, AuditPage, encode};
pub use page::AdminAuditPage;
