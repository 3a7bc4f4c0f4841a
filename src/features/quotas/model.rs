//! Plans, their limits and what is left, shared by the server and the page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who is asking, as far as limits go. Paid plans come from `entitlement(user)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Anonymous,
    Free,
    Pass,
    Starter,
    Pro,
    Business,
}

impl Plan {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pass" => Self::Pass,
            "starter" => Self::Starter,
            "pro" => Self::Pro,
            "business" => Self::Business,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Free => "free",
            Self::Pass => "pass",
            Self::Starter => "starter",
            Self::Pro => "pro",
            Self::Business => "business",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Anonymous => "Visitor",
            Self::Free => "Free",
            Self::Pass => "30-day pass",
            Self::Starter => "Starter",
            Self::Pro => "Pro",
            Self::Business => "Business",
        }
    }

    pub fn is_paid(self) -> bool {
        self >= Self::Pass
    }

    /// AI requests allowed per UTC clock hour.
    pub fn ai_requests_per_hour(self) -> u32 {
        match self {
            Self::Anonymous => 5,
            Self::Free => 10,
            Self::Pass | Self::Starter | Self::Pro => 100,
            Self::Business => 1000,
        }
    }

    /// Generations per UTC day and per UTC calendar month; `None` is unlimited.
    pub fn generations(self) -> Option<(u32, u32)> {
        match self {
            Self::Free => Some((5, 20)),
            // Visitors are held by the hourly limit alone.
            _ => None,
        }
    }
}

/// One limit: how much of it is used, and when its window starts again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitLeft {
    pub used: u32,
    pub limit: u32,
    pub resets_at: DateTime<Utc>,
}

impl LimitLeft {
    pub fn left(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

/// What the thread page shows: what is left this hour, today and this month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSummary {
    pub plan: Plan,
    pub hour: LimitLeft,
    /// `None` when generations are unlimited (or not counted, for visitors).
    pub day: Option<LimitLeft>,
    pub month: Option<LimitLeft>,
}

impl UsageSummary {
    /// Free members and visitors are offered an upgrade when a limit stops them.
    pub fn can_upgrade(&self) -> bool {
        !self.plan.is_paid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_spec() {
        assert_eq!(Plan::Anonymous.ai_requests_per_hour(), 5);
        assert_eq!(Plan::Free.ai_requests_per_hour(), 10);
        assert_eq!(Plan::Free.generations(), Some((5, 20)));
        for paid in [Plan::Pass, Plan::Starter, Plan::Pro] {
            assert_eq!(paid.ai_requests_per_hour(), 100);
            assert_eq!(paid.generations(), None);
            assert!(paid.is_paid());
        }
        assert_eq!(Plan::Business.ai_requests_per_hour(), 1000);
        assert!(!Plan::Free.is_paid() && !Plan::Anonymous.is_paid());
    }

    #[test]
    fn the_highest_plan_wins() {
        let mut plans = [Plan::Pass, Plan::Business, Plan::Starter];
        plans.sort();
        assert_eq!(plans.last(), Some(&Plan::Business));
        assert_eq!(Plan::parse("business"), Some(Plan::Business));
        assert_eq!(Plan::parse("free"), None, "free is not granted");
    }
}
