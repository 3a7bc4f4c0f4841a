//! What is left for the caller (the thread page shows it), and who the caller is for limits.

use leptos::prelude::*;

use super::model::UsageSummary;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub use ssr::{Caller, caller};

#[cfg(feature = "ssr")]
mod ssr {
    use super::super::{Plan, Subject, anon_ip_hash, entitlement};
    use crate::error::AppError;
    use crate::features::accounts::session::{self, Member};
    use crate::server::{error::internal, state::AppState};

    /// The caller as the limits see them: a member with their plan, or a visitor by IP.
    pub struct Caller {
        pub member: Option<Member>,
        pub subject: Subject,
        pub plan: Plan,
    }

    pub async fn caller(state: &AppState) -> Result<Caller, AppError> {
        let now = state.clock.now();
        match session::current_member().await? {
            Some(member) => {
                let plan = entitlement(&state.db, member.id, now).await?;
                Ok(Caller { subject: Subject::User(member.id), plan, member: Some(member) })
            }
            None => {
                let ip = session::origin().await.ip.ok_or_else(|| internal("caller", "no client address"))?;
                let hash = anon_ip_hash(&state.db, ip).await?;
                Ok(Caller { member: None, subject: Subject::Anonymous(hash), plan: Plan::Anonymous })
            }
        }
    }
}

/// What is left this hour, today and this month for whoever asks (visitors by IP).
#[server(prefix = "/api", endpoint = "quotas/usage")]
pub async fn get_usage() -> Result<UsageSummary, AppError> {
    let state = crate::server::state::app_state()?;
    let caller = caller(&state).await?;
    super::summary(&state.db, &caller.subject, caller.plan, state.clock.now()).await
}
