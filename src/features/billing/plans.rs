//! The plans as the `plans` table has them, with whether each can be bought here (payments on
//! and its `STRIPE_PRICE_*` set).

use sqlx::PgPool;

use super::model::{Billing, PlanCard};
use crate::features::quotas::Plan;
use crate::server::config::BillingConfig;

type PlanRow = (String, String, String, i32, String, Option<i32>, i32, Option<i32>, Option<i32>, String, Vec<String>);

pub async fn all(db: &PgPool, config: &BillingConfig) -> Result<Vec<PlanCard>, sqlx::Error> {
    let rows: Vec<PlanRow> = sqlx::query_as(
        "SELECT code, name, billing, amount_cents, currency, pass_days, ai_requests_per_hour,
                generations_per_day, generations_per_month, summary, features
           FROM plans ORDER BY position",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(code, name, billing, amount, currency, pass_days, per_hour, per_day, per_month, summary, features)| {
                let plan = if code == "free" { Plan::Free } else { Plan::parse(&code)? };
                Some(PlanCard {
                    plan,
                    name,
                    billing: Billing::parse(&billing)?,
                    amount_cents: i64::from(amount),
                    currency,
                    pass_days: pass_days.and_then(|d| u32::try_from(d).ok()),
                    summary,
                    features,
                    ai_requests_per_hour: u32::try_from(per_hour).ok()?,
                    generations: per_day
                        .zip(per_month)
                        .and_then(|(d, m)| Some((u32::try_from(d).ok()?, u32::try_from(m).ok()?))),
                    purchasable: config.stripe_secret_key.is_some() && price_of(config, plan).is_some(),
                })
            },
        )
        .collect())
}

/// The configured Stripe price of a paid plan.
pub fn price_of(config: &BillingConfig, plan: Plan) -> Option<&str> {
    let p = &config.prices;
    match plan {
        Plan::Pass => p.pass.as_deref(),
        Plan::Starter => p.starter.as_deref(),
        Plan::Pro => p.pro.as_deref(),
        Plan::Business => p.business.as_deref(),
        Plan::Free | Plan::Anonymous => None,
    }
}
