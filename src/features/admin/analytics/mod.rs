//! `/admin/analytics`: MRR, subscriptions, sign-ups and conversion, churn, orders, GMV and
//! fees, AI requests, cost and failures, and email delivery over a chosen range of days, as
//! SVG charts with tables and CSV. Finished days are read from daily rollups (see
//! `migrations/…_analytics.sql` and [`job`]), so a year of data answers in milliseconds.

mod api;
pub mod model;
mod page;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
mod figures;
#[cfg(feature = "ssr")]
pub mod job;

#[cfg(feature = "ssr")]
pub use api::analytics_csv;

/// The page's figures for `range` (what the server function answers, without the guard).
#[cfg(feature = "ssr")]
pub async fn compute(db: &sqlx::PgPool, range: model::DayRange) -> sqlx::Result<model::Analytics> {
    Ok(figures::build(range, db::rows(db, range.from(), range.to()).await?))
}
pub use api::{AdminAnalytics, admin_analytics};
pub use page::AdminAnalyticsPage;
