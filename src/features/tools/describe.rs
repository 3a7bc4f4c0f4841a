//! One product description, start to finish: limits reserved first, the provider streamed and
//! read line by line into title, paragraphs and bullets, the request logged, a member's result
//! saved — and the reservation given back when nothing came out.

use leptos::server_fn::codec::TextStream;

use super::db;
use super::format::DescriptionParser;
use super::model::{DescriptionEvent, DescriptionRequest};
use crate::error::AppError;
use crate::features::ai::{self, AiError, DescriptionTask, Lines, Prompt, Run};
use crate::features::quotas::{self, Caller, Reservation};
use crate::server::{error::internal, state::AppState};

/// Lines waiting for a slow reader; the provider is not read further until there is room.
const BUFFER: usize = 32;

pub async fn start(state: AppState, request: DescriptionRequest) -> Result<TextStream<AppError>, AppError> {
    let caller = quotas::caller(&state).await?;
    let reservation = quotas::reserve(&state.db, &caller.subject, caller.plan, state.clock.now(), true).await?;
    let provider = state.ai.clone();
    let run = Run::start(&state.db, "description", provider.as_ref(), caller.subject.requester());
    let stream = match provider.stream(prompt(&request)).await {
        Ok(stream) => stream,
        Err(e) => {
            quotas::release(&state.db, &reservation).await?;
            run.log_refused(&e).await;
            return Err(unavailable(&e));
        }
    };
    let (page, body) = Lines::open(BUFFER);
    tokio::spawn(write(state, caller, reservation, request, stream, run, page));
    Ok(body)
}

async fn write(
    state: AppState,
    caller: Caller,
    reservation: Reservation,
    request: DescriptionRequest,
    mut stream: ai::ChunkStream,
    mut run: Run,
    page: Lines,
) {
    let mut parser = DescriptionParser::default();
    'read: while let Some(text) = run.next_text(&mut stream, &page).await {
        for event in parser.push(&text) {
            if !page.send(&event).await {
                run.cancel();
                break 'read;
            }
        }
    }
    drop(stream);
    if !run.cancelled() && run.failure().is_none() {
        for event in parser.finish() {
            if !page.send(&event).await {
                run.cancel();
                break;
            }
        }
    }
    let produced = parser.produced();
    if !produced && let Err(e) = quotas::release(&state.db, &reservation).await {
        tracing::error!(error = %e, "releasing a quota reservation failed");
    }
    run.log(produced).await;
    if run.cancelled() {
        return;
    }
    if let Some(e) = run.failure() {
        let message =
            if produced { format!("{} The parts above are kept.", unavailable(e)) } else { unavailable(e).to_string() };
        page.send(&DescriptionEvent::Error { message }).await;
        return;
    }
    if !produced {
        let message = "The AI returned no description. Nothing was counted; please try again.".to_string();
        page.send(&DescriptionEvent::Error { message }).await;
        return;
    }
    let description_id = match &caller.member {
        Some(member) => {
            match db::save_description(&state.db, member, &request, parser.result(), state.clock.now()).await {
                Ok(id) => Some(id),
                Err(e) => {
                    internal("saving a product description", e);
                    None
                }
            }
        }
        None => None,
    };
    match quotas::summary(&state.db, &caller.subject, caller.plan, state.clock.now()).await {
        Ok(usage) => {
            page.send(&DescriptionEvent::Done { description_id, usage }).await;
        }
        Err(e) => page.fail(e).await,
    }
}

fn prompt(request: &DescriptionRequest) -> Prompt {
    Prompt::description(DescriptionTask {
        product_name: request.product_name.clone(),
        category: request.category.clone().unwrap_or_default(),
        facts: request.facts.clone(),
        audience: request.audience.clone().unwrap_or_default(),
        tone: request.tone.as_str().to_string(),
        length: request.length.as_str().to_string(),
    })
}

/// What the page says when the provider failed; nothing was counted.
fn unavailable(e: &AiError) -> AppError {
    AppError::Dependency { message: format!("{e} Nothing was counted.") }
}
