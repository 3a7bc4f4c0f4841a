//! A subscription's row follows the newest Stripe object we have seen. Events arrive late, twice
//! or out of order, so each snapshot is compared with the stored one by Stripe's own time:
//! older never overwrites newer, an ended subscription never comes back, and two different
//! snapshots from the same second are settled by asking Stripe for the subscription as it is.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::event::SubscriptionSnapshot;
use super::process::{Deps, ProcessError};
use crate::features::billing::model::SubscriptionStatus;
use crate::features::billing::notices;
use crate::features::quotas::Plan;

/// What is stored about a subscription, as far as ordering goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub plan: Plan,
    pub status: SubscriptionStatus,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub state_as_of: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Apply,
    /// Same second, different content: only Stripe knows which is current.
    Refetch,
    Stale,
}

/// Whether a snapshot made at `as_of` (Stripe seconds) replaces what is stored.
pub fn decide(stored: &Stored, plan: Plan, incoming: &SubscriptionSnapshot, as_of: i64) -> Decision {
    let ended = |s: SubscriptionStatus| s.is_final();
    if ended(stored.status) && !ended(incoming.status) {
        return Decision::Stale;
    }
    if ended(incoming.status) && !ended(stored.status) {
        return Decision::Apply;
    }
    let same = stored.plan == plan
        && stored.status == incoming.status
        && stored.current_period_end == incoming.current_period_end
        && stored.cancel_at_period_end == incoming.cancel_at_period_end;
    match as_of.cmp(&stored.state_as_of) {
        std::cmp::Ordering::Greater => Decision::Apply,
        std::cmp::Ordering::Equal if !same => Decision::Refetch,
        _ => Decision::Stale,
    }
}

/// Applies `snapshot` (made at `as_of`) to the member's subscription row; returns what happened.
pub async fn apply(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    snapshot: SubscriptionSnapshot,
    as_of: i64,
) -> Result<String, ProcessError> {
    let plan = deps.plan_for_price(&snapshot.price_id)?;
    let inserted = sqlx::query(
        "INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan, status,
                current_period_end, cancel_at_period_end, ended_at, state_as_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (stripe_subscription_id) DO NOTHING",
    )
    .bind(&snapshot.id)
    .bind(user)
    .bind(&snapshot.customer)
    .bind(plan.as_str())
    .bind(snapshot.status.as_str())
    .bind(snapshot.current_period_end)
    .bind(snapshot.cancel_at_period_end)
    .bind(snapshot.ended_at)
    .bind(as_of)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        notify(tx, deps, user, plan, None, &snapshot).await?;
        return Ok(format!("subscription {} stored: {} {}", snapshot.id, plan.as_str(), snapshot.status.as_str()));
    }

    let stored = locked(tx, &snapshot.id).await?;
    let (snapshot, as_of) = match decide(&stored, plan, &snapshot, as_of) {
        Decision::Stale => {
            return Ok(format!("subscription {} unchanged: the stored state is newer", snapshot.id));
        }
        Decision::Apply => (snapshot, as_of),
        Decision::Refetch => {
            let stripe = deps.stripe.ok_or_else(|| {
                ProcessError::Config("two snapshots of one second differ and Stripe is not configured to ask".into())
            })?;
            let current = stripe.subscription(&snapshot.id).await?;
            // What Stripe says now is at least as new as anything sent so far.
            (current, as_of.max(deps.now.timestamp()))
        }
    };
    let plan = deps.plan_for_price(&snapshot.price_id)?;
    sqlx::query(
        "UPDATE subscriptions SET plan = $2, status = $3, current_period_end = $4, cancel_at_period_end = $5,
                ended_at = $6, state_as_of = $7
          WHERE stripe_subscription_id = $1",
    )
    .bind(&snapshot.id)
    .bind(plan.as_str())
    .bind(snapshot.status.as_str())
    .bind(snapshot.current_period_end)
    .bind(snapshot.cancel_at_period_end)
    .bind(snapshot.ended_at)
    .bind(as_of)
    .execute(&mut *tx)
    .await?;
    notify(tx, deps, user, plan, Some(&stored), &snapshot).await?;
    Ok(format!("subscription {} now {} {}", snapshot.id, plan.as_str(), snapshot.status.as_str()))
}

async fn locked(tx: &mut PgConnection, id: &str) -> Result<Stored, ProcessError> {
    let (plan, status, current_period_end, cancel_at_period_end, state_as_of): (
        String,
        String,
        Option<DateTime<Utc>>,
        bool,
        i64,
    ) = sqlx::query_as(
        "SELECT plan, status, current_period_end, cancel_at_period_end, state_as_of
               FROM subscriptions WHERE stripe_subscription_id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Stored {
        plan: Plan::parse(&plan).ok_or_else(|| ProcessError::Malformed(format!("stored plan {plan:?}")))?,
        status: SubscriptionStatus::parse(&status)
            .ok_or_else(|| ProcessError::Malformed(format!("stored status {status:?}")))?,
        current_period_end,
        cancel_at_period_end,
        state_as_of,
    })
}

/// Tells the member once when their subscription is set to end, and once when it has ended.
async fn notify(
    tx: &mut PgConnection,
    deps: &Deps<'_>,
    user: Uuid,
    plan: Plan,
    before: Option<&Stored>,
    now: &SubscriptionSnapshot,
) -> Result<(), ProcessError> {
    let was_ended = before.is_some_and(|s| s.status.is_final());
    if now.status == SubscriptionStatus::Canceled && !was_ended {
        let ended_at = now.ended_at.or(now.current_period_end).unwrap_or(deps.now);
        let key = format!("subscription-ended:{}", now.id);
        notices::subscription_cancelled(tx, deps, user, plan, ended_at, true, &key).await?;
    } else if now.cancel_at_period_end
        && !now.status.is_final()
        && !before.is_some_and(|s| s.cancel_at_period_end)
        && let Some(end) = now.current_period_end
    {
        let key = format!("subscription-cancel:{}:{}", now.id, end.timestamp());
        notices::subscription_cancelled(tx, deps, user, plan, end, false, &key).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(status: SubscriptionStatus, end: i64, cancel: bool) -> SubscriptionSnapshot {
        SubscriptionSnapshot {
            id: "sub_1".into(),
            customer: "cus_1".into(),
            price_id: "price_pro".into(),
            status,
            current_period_end: DateTime::from_timestamp(end, 0),
            cancel_at_period_end: cancel,
            ended_at: None,
        }
    }

    fn stored(status: SubscriptionStatus, end: i64, as_of: i64) -> Stored {
        Stored {
            plan: Plan::Pro,
            status,
            current_period_end: DateTime::from_timestamp(end, 0),
            cancel_at_period_end: false,
            state_as_of: as_of,
        }
    }

    use SubscriptionStatus::*;

    #[test]
    fn newer_applies_older_is_stale() {
        let s = stored(Active, 100, 50);
        assert_eq!(decide(&s, Plan::Pro, &snapshot(PastDue, 100, false), 51), Decision::Apply);
        assert_eq!(decide(&s, Plan::Pro, &snapshot(PastDue, 100, false), 49), Decision::Stale);
    }

    #[test]
    fn the_same_second_refetches_only_when_the_content_differs() {
        let s = stored(Active, 100, 50);
        assert_eq!(decide(&s, Plan::Pro, &snapshot(Active, 100, false), 50), Decision::Stale);
        assert_eq!(decide(&s, Plan::Pro, &snapshot(Incomplete, 100, false), 50), Decision::Refetch);
        assert_eq!(decide(&s, Plan::Business, &snapshot(Active, 100, false), 50), Decision::Refetch);
    }

    #[test]
    fn an_ended_subscription_never_comes_back() {
        let ended = stored(Canceled, 100, 10);
        assert_eq!(decide(&ended, Plan::Pro, &snapshot(Active, 200, false), 99), Decision::Stale);
        let live = stored(Active, 100, 99);
        assert_eq!(decide(&live, Plan::Pro, &snapshot(Canceled, 100, false), 10), Decision::Apply);
    }
}
