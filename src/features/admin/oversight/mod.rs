//! Reported messages, orders with refunds, and referral commissions in the admin area.

mod api;
mod model;
mod pages;

pub use api::{AdminOrders, AdminReferrals, AdminReports, AdminResolveReport};
pub use model::{Commission, OrderList, OrderRow, Referrals, ReferrerTotal, ReportedMessage};
pub use pages::{AdminOrdersPage, AdminReferralsPage, AdminReportsPage};
