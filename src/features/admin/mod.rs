//! The admin area: `/admin` asks for the admin portal key when ADMIN_PORTAL_KEY is set, then
//! shows today's figures and the maintenance switch; users, the audit log and the features'
//! own admin screens hang off it. Every admin server function is guarded by `require_admin`
//! and every admin action writes one audit row.

pub mod alerts;
pub mod analytics;
pub mod audit;
mod dashboard;
pub mod maintenance;
pub mod moderation;
pub mod nav;
#[cfg(feature = "ssr")]
pub mod ops_health;
#[cfg(feature = "ssr")]
pub mod ops_metrics;
pub mod oversight;
pub mod queues;
pub mod users;

pub use dashboard::{AdminHomePage, AdminToday, Today};
pub use maintenance::{AdminMaintenance, AdminSetMaintenance, MaintenanceBanner, MaintenanceNotice, MaintenanceState};
pub use moderation::{AdminProductsPage, AdminReviewsPage};
pub use nav::AdminNav;
pub use oversight::{AdminOrdersPage, AdminReferralsPage, AdminReportsPage};
pub use queues::{AdminEmailsPage, AdminWebhookPage, AdminWebhooksPage};
pub use users::{AdminUserPage, AdminUsersPage};

#[cfg(feature = "ssr")]
pub use maintenance::{Maintenance, apply_startup_switch};

/// The admin area's own HTTP routes (CSV exports).
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new()
        .route("/admin/audit.csv", axum::routing::get(audit::audit_csv))
        .route(ops_health::PATH, axum::routing::get(ops_health::detailed_health))
        .route("/admin/analytics.csv", axum::routing::get(analytics::analytics_csv))
}

/// The maintenance gate, as a layer over every route.
#[cfg(feature = "ssr")]
pub use maintenance::gate as maintenance_gate;
