//! One letter generation: quota reserved, the letter moved to `generating`, the provider
//! streamed to the page, the text saved and the letter `ready` (the member emailed) — or, on
//! failure or cancel, the reservation given back and the letter back to draft with the reason
//! in its timeline.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::server_fn::codec::TextStream;
use uuid::Uuid;

use super::db::{self, Also, ChangeError};
use super::document::long_date;
use super::model::{BODY_MAX, Letter, LetterStatus, LetterStreamEvent, Transition};
use super::workflow;
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::ai::{self, LetterTask, Lines, Prompt, Requester, Run};
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
            Also { reservation: Some(reservation.clone()), ..Also::default() },
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
    let run = Run::start(&state.db, "letter", provider.as_ref(), Requester::member(job.member.id));
    let stream = match provider.stream(prompt(&job.letter, now.date_naive())).await {
        Ok(stream) => stream,
        Err(e) => {
            run.log_refused(&e).await;
            let message = format!("{e} Nothing was counted.");
            job.fail(&message, None).await;
            return Err(AppError::Dependency { message });
        }
    };
    let (page, body) = Lines::open(BUFFER);
    tokio::spawn(write(job, stream, run, page));
    Ok(body)
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
    /// Returns the letter to draft with `reason` in its timeline (`actor`: the member who
    /// cancelled; `None`: the system) and gives the reservation back, in one transaction. If the
    /// stuck-job recovery got there first, it has given the reservation back already.
    async fn fail(&self, reason: &str, actor: Option<Uuid>) {
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
            quotas::release_in(&mut tx, &self.reservation).await?;
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

async fn write(job: Job, mut stream: ai::ChunkStream, mut run: Run, page: Lines) {
    let mut text = String::new();
    while let Some(piece) = run.next_text(&mut stream, &page).await {
        text.push_str(&piece);
        if !page.send(&LetterStreamEvent::Text { text: piece }).await {
            run.cancel();
            break;
        }
    }
    drop(stream);
    let body: String = text.trim().chars().take(BODY_MAX).collect();
    run.log(!body.is_empty()).await;
    if run.cancelled() {
        job.fail("Generation was cancelled. Nothing was counted.", Some(job.member.id)).await;
        return;
    }
    if let Some(e) = run.failure() {
        let message = format!("{e} The letter is back to draft; nothing was counted.");
        job.fail(&message, None).await;
        page.send(&LetterStreamEvent::Error { message }).await;
        return;
    }
    if body.is_empty() {
        let message = "The AI returned nothing. The letter is back to draft; nothing was counted.".to_string();
        job.fail(&message, None).await;
        page.send(&LetterStreamEvent::Error { message }).await;
        return;
    }
    match job.finish(body).await {
        Ok(true) => {
            page.send(&LetterStreamEvent::Done).await;
        }
        Ok(false) => {
            // The stuck-job recovery reset it and gave the reservation back.
            let message = "This generation took too long and the letter was reset to draft. Nothing was counted; \
                           please generate it again."
                .to_string();
            page.send(&LetterStreamEvent::Error { message }).await;
        }
        Err(e) => page.fail(e).await,
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
