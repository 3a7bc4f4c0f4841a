//! Alerts: the seeds' operational thresholds (payment failures, webhook failures, failed admin
//! sign-ins, slow responses, email delivery, AI failures and cost, database connections)
//! measured each minute by one instance at a time; an episode per crossing, mailed to admins
//! when it starts and when it resolves, shown on `/admin` and kept in `/admin/alerts`.

mod api;
pub mod model;
mod page;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod evaluate;

pub use api::{
    AdminAlertHistory, AdminAlerts, AdminCheckAlerts, admin_alert_history, admin_alerts, admin_check_alerts,
};
#[cfg(feature = "ssr")]
pub use api::{
    cli_report,
    ssr::{history, now, thresholds},
};
pub use page::{AdminAlertsPage, OpenAlerts};
pub use rules::{RULES, Rule, Thresholds};
