//! The outbox worker: claims due messages, sends each through the first provider that
//! accepts it, retries with exponential backoff and jitter, and dead-letters after
//! `max_attempts`. Runs inside `serve` and as `threadr process-mail` (drain once).

use sqlx::{PgPool, postgres::PgListener};
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::model::EmailStatus;
use super::outbox::{self, CHANNEL, Claimed};
use super::providers::{EmailProvider, OutgoingEmail};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Claim loops running side by side.
    pub concurrency: usize,
    /// Messages a loop claims at once.
    pub batch_size: i64,
    /// A claim not finished within this time is taken over by another worker.
    pub lease: Duration,
    pub max_attempts: i32,
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How often to look for due messages when no notification arrives.
    pub poll_interval: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            batch_size: 10,
            lease: Duration::from_secs(300),
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(6 * 3600),
            poll_interval: Duration::from_secs(5),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, o: Self) {
        self.claimed += o.claimed;
        self.sent += o.sent;
        self.failed += o.failed;
        self.dead += o.dead;
    }
}

pub struct Worker {
    pool: PgPool,
    providers: Vec<Arc<dyn EmailProvider>>,
    /// The provider an admin prefers (tried first), switched at run time.
    preference: super::preference::Preference,
    from: String,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(pool: PgPool, providers: Vec<Arc<dyn EmailProvider>>, from: String, config: WorkerConfig) -> Self {
        let preference = super::preference::Preference::new(pool.clone());
        Self { pool, providers, preference, from, config }
    }

    /// Sends everything that is due now, with `concurrency` loops, and returns the totals.
    pub async fn drain(self: &Arc<Self>) -> Report {
        let loops: Vec<_> = (0..self.config.concurrency.max(1))
            .map(|_| {
                let this = self.clone();
                tokio::spawn(async move {
                    let mut total = Report::default();
                    loop {
                        match this.process_batch(None).await {
                            Ok(report) if report.claimed > 0 => total += report,
                            Ok(_) => break,
                            Err(e) => {
                                tracing::error!(error = %e, "mail worker could not claim messages");
                                break;
                            }
                        }
                    }
                    total
                })
            })
            .collect();
        let mut total = Report::default();
        for handle in loops {
            if let Ok(report) = handle.await {
                total += report;
            }
        }
        total
    }

    /// Runs until `shutdown` is cancelled. New messages wake it at once through
    /// LISTEN/NOTIFY; polling covers a lost notification or a lost listener connection.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let (wake_tx, wake_rx) = watch::channel(0u64);
        let listener = tokio::spawn(listen(self.pool.clone(), wake_tx, shutdown.clone()));
        let loops: Vec<_> = (0..self.config.concurrency.max(1))
            .map(|_| tokio::spawn(self.clone().claim_loop(wake_rx.clone(), shutdown.clone())))
            .collect();
        for handle in loops {
            let _ = handle.await;
        }
        listener.abort();
        tracing::info!("mail worker stopped");
    }

    async fn claim_loop(self: Arc<Self>, mut wake: watch::Receiver<u64>, shutdown: CancellationToken) {
        let mut idle_wait = self.config.poll_interval;
        while !shutdown.is_cancelled() {
            wake.borrow_and_update();
            match self.process_batch(Some(&shutdown)).await {
                Ok(report) if report.claimed > 0 => continue,
                Ok(_) => idle_wait = self.config.poll_interval,
                Err(e) => {
                    // The database is away: wait longer each time, up to a minute.
                    tracing::warn!(error = %e, "mail worker could not claim messages");
                    idle_wait = (idle_wait * 2).min(Duration::from_secs(60));
                }
            }
            tokio::select! {
                _ = wake.changed() => {},
                _ = tokio::time::sleep(idle_wait) => {},
                _ = shutdown.cancelled() => break,
            }
        }
    }

    /// Claims one batch and delivers it. On shutdown, messages not yet started are released.
    pub async fn process_batch(&self, shutdown: Option<&CancellationToken>) -> Result<Report, sqlx::Error> {
        let claimed = outbox::claim(&self.pool, self.config.batch_size, self.config.lease).await?;
        let mut report = Report { claimed: claimed.len(), ..Report::default() };
        let mut rest = claimed.into_iter();
        for message in rest.by_ref() {
            match self.deliver(&message).await {
                Some(EmailStatus::Sent) => report.sent += 1,
                Some(EmailStatus::Dead) => report.dead += 1,
                Some(_) => report.failed += 1,
                None => {}
            }
            if shutdown.is_some_and(CancellationToken::is_cancelled) {
                break;
            }
        }
        let unstarted: Vec<Claimed> = rest.collect();
        if !unstarted.is_empty() {
            outbox::release(&self.pool, &unstarted).await?;
        }
        Ok(report)
    }

    /// Tries each provider in order; records the outcome. None when the claim was lost.
    async fn deliver(&self, message: &Claimed) -> Option<EmailStatus> {
        let attachments = if message.has_attachments {
            match outbox::attachments(&self.pool, message.id).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(email_id = %message.id, error = %e, "could not load an email's attachments");
                    let summary = format!("could not load the attachments: {e}");
                    return self.record_failure(message, summary, true).await;
                }
            }
        } else {
            Vec::new()
        };
        let email = OutgoingEmail {
            id: message.id,
            from: self.from.clone(),
            to: message.recipient.clone(),
            subject: message.subject.clone(),
            html: message.html_body.clone(),
            text: message.text_body.clone(),
            attachments,
        };
        let mut errors = Vec::new();
        let preferred = self.preference.current().await;
        for provider in &super::preference::ordered(&self.providers, preferred.as_deref()) {
            match provider.send(&email).await {
                Ok(()) => {
                    return match outbox::mark_sent(&self.pool, message, provider.name()).await {
                        Ok(true) => Some(EmailStatus::Sent),
                        Ok(false) => {
                            tracing::warn!(email_id = %message.id, "claim expired before the send was recorded");
                            None
                        }
                        Err(e) => {
                            // Sent but not recorded: the lease will expire and the message is
                            // sent again. Providers get the outbox id to recognise the repeat.
                            tracing::error!(email_id = %message.id, error = %e, "could not record a sent email");
                            None
                        }
                    };
                }
                Err(e) => {
                    tracing::warn!(email_id = %message.id, provider = provider.name(), error = %e, "email provider failed");
                    errors.push(e);
                }
            }
        }
        let retryable = errors.iter().any(|e| e.retryable);
        let summary: String =
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ").chars().take(2000).collect();
        self.record_failure(message, summary, retryable).await
    }

    /// Schedules the next attempt, or dead-letters when retrying cannot help or attempts ran out.
    async fn record_failure(&self, message: &Claimed, summary: String, retryable: bool) -> Option<EmailStatus> {
        let give_up = !retryable || message.attempts >= self.config.max_attempts;
        let delay = backoff(message.attempts, self.config.retry_base, self.config.retry_cap, rand::random::<f64>());
        match outbox::mark_failed(&self.pool, message, &summary, delay, give_up).await {
            Ok(Some(EmailStatus::Dead)) => {
                tracing::error!(email_id = %message.id, attempts = message.attempts, error = %summary, "email is dead: giving up");
                Some(EmailStatus::Dead)
            }
            Ok(status) => status,
            Err(e) => {
                tracing::error!(email_id = %message.id, error = %e, "could not record a failed email");
                None
            }
        }
    }
}

/// Exponential backoff with "equal jitter": the wait after attempt n lies in
/// [step/2, step] where step = base·2^(n-1) (capped), so until the cap waits never shrink
/// from one attempt to the next while workers still spread out. `random` is in [0, 1).
pub fn backoff(attempt: i32, base: Duration, cap: Duration, random: f64) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(30);
    let step = base.saturating_mul(2u32.saturating_pow(exponent)).min(cap);
    step / 2 + step.mul_f64(random.clamp(0.0, 1.0) / 2.0)
}

async fn listen(pool: PgPool, wake: watch::Sender<u64>, shutdown: CancellationToken) {
    let mut listener = loop {
        let attempt = async {
            let mut l = PgListener::connect_with(&pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        };
        match attempt.await {
            Ok(l) => break l,
            Err(e) => {
                tracing::warn!(error = %e, "mail worker cannot LISTEN yet; polling meanwhile");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {},
                    _ = shutdown.cancelled() => return,
                }
            }
        }
    };
    loop {
        tokio::select! {
            received = listener.recv() => match received {
                Ok(_) => { wake.send_modify(|n| *n = n.wrapping_add(1)); }
                Err(e) => {
                    tracing::warn!(error = %e, "mail worker lost its LISTEN connection; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_never_shrinks() {
        let base = Duration::from_secs(30);
        let cap = Duration::from_secs(6 * 3600);
        assert_eq!(backoff(1, base, cap, 0.0), Duration::from_secs(15));
        assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(30));
        assert_eq!(backoff(2, base, cap, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(3, base, cap, 0.5), Duration::from_secs(90));
        // 30 s · 2^9 is the last step below the 6 h cap.
        for attempt in 1..=9 {
            let longest_now = backoff(attempt, base, cap, 1.0);
            let shortest_next = backoff(attempt + 1, base, cap, 0.0);
            assert!(shortest_next >= longest_now, "attempt {attempt}");
        }
    }

    #[test]
    fn backoff_is_capped_and_survives_huge_attempt_counts() {
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff(1000, Duration::from_secs(30), cap, 1.0), cap);
        assert_eq!(backoff(0, Duration::from_secs(30), cap, 1.0), Duration::from_secs(30));
        assert_eq!(backoff(-5, Duration::from_secs(30), cap, 1.0), Duration::from_secs(30));
    }
}
