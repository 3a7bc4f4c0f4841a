//! One letter generation: quota reserved, the letter moved to `generating`, the provider
//! streamed to the page, the text saved and the letter `ready` (the member emailed) — or, on
//! failure or cancel, the reservation given back and the letter back to draft with the reason
//! in its timeline.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::db::{self, Also, ChangeError};
use super::document::long_date;
use super::model::{BODY_MAX, Letter, LetterStatus, LetterStreamEvent, Transition};
use super::workflow;
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::ai::{self, AiError, Chunk, LetterTask, Prompt, Provider, request_log};
use crate::features::email::templates::LetterUpdateKind;
use crate::features::quotas::{self, Reservation};
use crate::server::{error::internal, state::AppState};

const BUFFER: usize = 32;

pub async fn start(state: AppState, me: Member, id: Uuid) -> Result<TextStream<AppError>, AppError> {
    let letter = workflow::owned(&state, &me, id).await?;
    letter.status.apply(Transition::StartGeneration).map_err(|e| AppError::invalid(e.to_string()))?;
    let caller = quotas::caller(&state).await?;
    let reservation = quotas::reserve(&state.db, &caller.subject, caller.plan, state.clock.now(), true).await?;
    let now = state.clock.now();
    let started = {
        let mut tx = state.db.begin().await?;
        match db::change_status(
            &mut tx,
            id,
            letter.status,
            Transition::StartGeneration,
            Some(me.id),
            "",
            now,
            Also::default(),
        )
        .await
        {
            Ok(changed) => {
                tx.commit().await?;
                changed.letter
            }
            Err(e) => {
                drop(tx);
                quotas::release(&state.db, &reservation).await?;
                return Err(e.into());
            }
        }
    };
    let Some(started_at) = started.generating_started_at else {
        return Err(internal("letter generation", "generating without a start time"));
    };
    let job = Job { state: state.clone(), member: me, letter: started, started_at, reservation };
    let provider = state.ai.clone();
    let clock_started = Instant::now();
    let stream = match provider.stream(prompt(&job.letter, now.date_naive())).await {
        Ok(stream) => stream,
        Err(e) => {
            log(&state, job.member.id, provider.as_ref(), clock_started, None, None, Err(&e)).await;
            let message = format!("{e} Nothing was counted.");
            job.fail(&message, None).await;
            return Err(AppError::Dependency { message });
        }
    };
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(run(job, stream, tx, clock_started));
    Ok(TextStream::new(futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    }))))
}

/// A generation in progress.
struct Job {
    state: AppState,
    member: Member,
    letter: Letter,
    started_at: DateTime<Utc>,
    reservation: Reservation,
}

impl Job {
    /// Gives the reservation back and returns the letter to draft with `reason` in its
    /// timeline (`actor`: the member who cancelled; `None`: the system).
    async fn fail(&self, reason: &str, actor: Option<Uuid>) {
        if let Err(e) = quotas::release(&self.state.db, &self.reservation).await {
            tracing::error!(error = %e, "releasing a quota reservation failed");
        }
        let also = Also { generation_started: Some(self.started_at), ..Also::default() };
        let result = async {
            let mut tx = self.state.db.begin().await?;
            let now = self.state.clock.now();
            db::change_status(
                &mut tx,
                self.letter.id,
                LetterStatus::Generating,
                Transition::GenerationFailed,
                actor,
                reason,
                now,
                also,
            )
            .await?;
            tx.commit().await.map_err(ChangeError::from)
        }
        .await;
        match result {
            // Already reset (stuck-job recovery got there first): nothing left to do.
            Ok(()) | Err(ChangeError::Conflict) => {}
            Err(e) => {
                tracing::error!(error = %e, letter = %self.letter.id, "returning a failed letter to draft failed")
            }
        }
    }

    /// Saves the text, makes the letter ready and emails the member. False when the letter
    /// was reset meanwhile (the text is then not kept).
    async fn finish(&self, body: String) -> Result<bool, AppError> {
        let also = Also { body: Some(body), generation_started: Some(self.started_at), ..Also::default() };
        let mut tx = self.state.db.begin().await?;
        let now = self.state.clock.now();
        match db::change_status(
            &mut tx,
            self.letter.id,
            LetterStatus::Generating,
            Transition::Generated,
            None,
            "",
            now,
            also,
        )
        .await
        {
            Ok(changed) => {
                workflow::notify(&self.state, &mut tx, &changed, LetterUpdateKind::Ready, None, None).await?;
                tx.commit().await?;
                Ok(true)
            }
            Err(ChangeError::Conflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

async fn run(job: Job, mut stream: ai::ChunkStream, tx: mpsc::Sender<Result<String, AppError>>, started: Instant) {
    let provider = job.state.ai.clone();
    let mut text = String::new();
    let mut first_token = None;
    let mut usage = None;
    let mut failure: Option<AiError> = None;
    let mut cancelled = false;
    loop {
        let next = tokio::select! {
            _ = tx.closed() => { cancelled = true; break; }
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Ok(Chunk::Text(piece))) => {
                first_token.get_or_insert_with(|| started.elapsed());
                text.push_str(&piece);
                if !send(&tx, &LetterStreamEvent::Text { text: piece }).await {
                    cancelled = true;
                    break;
                }
            }
            Some(Ok(Chunk::Usage(u))) => usage = Some(u),
            Some(Err(e)) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(stream);
    let body: String = text.trim().chars().take(BODY_MAX).collect();
    let outcome = match (&failure, cancelled) {
        (Some(e), _) => Err(e),
        (None, true) => Err(&AiError::Cancelled),
        (None, false) if body.is_empty() => Err(&EMPTY),
        _ => Ok(()),
    };
    log(&job.state, job.member.id, provider.as_ref(), started, usage, first_token, outcome).await;
    if cancelled {
        job.fail("Generation was cancelled. Nothing was counted.", Some(job.member.id)).await;
        return;
    }
    if let Some(e) = failure {
        let message = format!("{e} The letter is back to draft; nothing was counted.");
        job.fail(&message, None).await;
        send(&tx, &LetterStreamEvent::Error { message }).await;
        return;
    }
    if body.is_empty() {
        let message = "The AI returned nothing. The letter is back to draft; nothing was counted.".to_string();
        job.fail(&message, None).await;
        send(&tx, &LetterStreamEvent::Error { message }).await;
        return;
    }
    match job.finish(body).await {
        Ok(true) => {
            send(&tx, &LetterStreamEvent::Done).await;
        }
        Ok(false) => {
            if let Err(e) = quotas::release(&job.state.db, &job.reservation).await {
                tracing::error!(error = %e, "releasing a quota reservation failed");
            }
            let message = "This generation took too long and the letter was reset to draft. Nothing was counted; \
                           please generate it again."
                .to_string();
            send(&tx, &LetterStreamEvent::Error { message }).await;
        }
        Err(e) => {
            let _ = tx.send(Err(e)).await;
        }
    }
}

/// False when the page has gone.
async fn send(tx: &mpsc::Sender<Result<String, AppError>>, event: &LetterStreamEvent) -> bool {
    let Ok(mut line) = serde_json::to_string(event) else { return false };
    line.push('\n');
    tx.send(Ok(line)).await.is_ok()
}

/// The provider answered with no text at all.
static EMPTY: AiError = AiError::BadResponse { detail: String::new() };

/// The row in `ai_requests` (kind "letter").
async fn log(
    state: &AppState,
    user: Uuid,
    provider: &dyn Provider,
    started: Instant,
    usage: Option<ai::Usage>,
    first_token: Option<Duration>,
    outcome: Result<(), &AiError>,
) {
    let mut record = request_log::NewRequest {
        user_id: Some(user),
        kind: "letter",
        provider: provider.name().as_str().to_string(),
        model: provider.model().to_string(),
        latency: started.elapsed(),
        time_to_first_token: first_token,
        ..Default::default()
    };
    if let Some(u) = usage {
        record.input_tokens = u.input_tokens;
        record.output_tokens = u.output_tokens;
        record.tokens_estimated = u.estimated;
    }
    (record.outcome, record.error_class) = match outcome {
        Ok(()) => (request_log::Outcome::Ok, None),
        Err(AiError::Cancelled) => (request_log::Outcome::Cancelled, Some("cancelled")),
        Err(e) => (request_log::Outcome::Failed, Some(e.class())),
    };
    if let Err(e) = request_log::record(&state.db, &record).await {
        tracing::error!(error = %e, "writing the AI request log failed");
    }
}

/// What the provider is asked for this letter.
pub fn prompt(letter: &Letter, today: NaiveDate) -> Prompt {
    Prompt::letter(task(letter, today))
}

pub fn task(letter: &Letter, today: NaiveDate) -> LetterTask {
    let f = &letter.form;
    LetterTask {
        letter_type: f.letter_type.as_str().to_string(),
        letter_label: f.letter_type.label().to_string(),
        purpose: f.letter_type.purpose().to_string(),
        sender_name: f.sender.name.clone(),
        sender_address: f.sender.address(),
        recipient_name: f.recipient.name.clone(),
        recipient_address: f.recipient.address(),
        facts: f.facts.clone(),
        relevant_dates: f.relevant_dates.clone(),
        amount: f.amount.map(|a| a.formatted()),
        desired_outcome: f.desired_outcome.clone(),
        deadline: f.deadline.map(long_date),
        today: long_date(today),
    }
}
