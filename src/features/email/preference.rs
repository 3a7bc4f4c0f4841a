//! The preferred email provider, switched from `/admin/emails` at run time without a restart:
//! kept in `app_settings`, read by each instance's worker at most every [`FRESH_FOR`]. The
//! preferred provider is tried first; the others stay behind it as fallbacks.

use sqlx::{PgConnection, PgPool};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

use super::providers::EmailProvider;

const KEY: &str = "email_provider";
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// The provider name an admin chose, if any.
pub async fn read(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM app_settings WHERE key = $1").bind(KEY).fetch_optional(pool).await?;
    Ok(value.and_then(|v| v.get("preferred").and_then(|p| p.as_str()).map(str::to_string)))
}

/// Stores the choice (None: the configured order).
pub async fn write(conn: &mut PgConnection, preferred: Option<&str>, by: Option<Uuid>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO app_settings (key, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by",
    )
    .bind(KEY)
    .bind(serde_json::json!({ "preferred": preferred }))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// `providers` with the one named `preferred` first, the rest in their configured order.
pub fn ordered(providers: &[Arc<dyn EmailProvider>], preferred: Option<&str>) -> Vec<Arc<dyn EmailProvider>> {
    let mut ordered: Vec<Arc<dyn EmailProvider>> = providers.to_vec();
    if let Some(name) = preferred {
        ordered.sort_by_key(|p| p.name() != name);
    }
    ordered
}

/// The choice last read, and when.
type Known = Option<(Option<String>, Instant)>;

/// A worker's view of the choice, read again when older than [`FRESH_FOR`].
#[derive(Clone)]
pub struct Preference {
    pool: PgPool,
    known: Arc<Mutex<Known>>,
}

impl Preference {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, known: Arc::new(Mutex::new(None)) }
    }

    pub async fn current(&self) -> Option<String> {
        let known = self.known.lock().ok().and_then(|k| k.clone());
        if let Some((name, at)) = &known
            && at.elapsed() < FRESH_FOR
        {
            return name.clone();
        }
        let name = match read(&self.pool).await {
            Ok(name) => name,
            Err(e) => {
                tracing::warn!(error = %e, "preferred email provider unreadable; keeping the last known");
                known.and_then(|(name, _)| name)
            }
        };
        if let Ok(mut k) = self.known.lock() {
            *k = Some((name.clone(), Instant::now()));
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::email::providers::{OutgoingEmail, ProviderError};

    struct Named(&'static str);

    #[async_trait::async_trait]
    impl EmailProvider for Named {
        fn name(&self) -> &'static str {
            self.0
        }
        async fn send(&self, _: &OutgoingEmail) -> Result<(), ProviderError> {
            Ok(())
        }
    }

    #[test]
    fn the_preferred_provider_goes_first_and_the_rest_keep_their_order() {
        let providers: Vec<Arc<dyn EmailProvider>> =
            vec![Arc::new(Named("resend")), Arc::new(Named("smtp")), Arc::new(Named("x"))];
        let names = |p: Vec<Arc<dyn EmailProvider>>| p.iter().map(|p| p.name()).collect::<Vec<_>>();
        assert_eq!(names(ordered(&providers, Some("smtp"))), ["smtp", "resend", "x"]);
        assert_eq!(names(ordered(&providers, None)), ["resend", "smtp", "x"]);
        assert_eq!(
            names(ordered(&providers, Some("gone"))),
            ["resend", "smtp", "x"],
            "an unknown name changes nothing"
        );
    }
}
