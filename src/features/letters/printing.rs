//! A letter as PDF: the printable document laid out by [`super::pdf`], downloaded from
//! `/letters/{id}/pdf` by its owner or an admin, and stored once when the letter is sent.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sqlx::PgConnection;
use uuid::Uuid;

use super::document::LetterDocument;
use super::model::{Letter, LetterStatus};
use super::pdf::{PageSize, PdfLetter, PdfParty, render};
use crate::error::AppError;
use crate::features::accounts::{Role, session::Member};
use crate::server::state::AppState;

/// Closing words a generated letter may already end with (then the PDF prints its own
/// closing and the sender's name once, not twice).
const CLOSINGS: [&str; 6] = ["sincerely", "yours", "kind regards", "regards", "best regards", "respectfully"];

/// The PDF's view of a letter: the body's own sign-off, when it has one, becomes the closing.
pub fn pdf_letter(doc: &LetterDocument, page_size: PageSize) -> PdfLetter {
    let mut paragraphs = doc.body_paragraphs.clone();
    let mut closing = "Sincerely,".to_string();
    if let Some(last) = paragraphs.last() {
        let first_line = last.lines().next().unwrap_or("").trim().to_string();
        let lower = first_line.to_lowercase();
        if CLOSINGS.iter().any(|c| lower.starts_with(c)) && first_line.len() <= 40 {
            closing = first_line;
            paragraphs.pop();
        }
    }
    let party = |p: &super::model::Party| PdfParty {
        name: p.name.clone(),
        address_lines: p.address_lines.clone(),
        email: p.email.clone(),
    };
    PdfLetter {
        title: doc.title.clone(),
        date: doc.date_line(),
        sender: party(&doc.sender),
        recipient: party(&doc.recipient),
        subject: doc.subject.clone(),
        paragraphs,
        closing,
        page_size,
    }
}

/// The letter's PDF bytes.
pub fn letter_pdf(letter: &Letter, page_size: PageSize) -> Result<Vec<u8>, AppError> {
    render(&pdf_letter(&super::document(letter), page_size)).map_err(|e| {
        tracing::error!(error = ?e, letter = %letter.id, "rendering a letter PDF failed");
        AppError::Internal { reference: "letter pdf".into() }
    })
}

/// Renders the letter as sent and stores it; the database refuses to change it afterwards.
pub async fn store_sent_pdf(conn: &mut PgConnection, letter: &Letter) -> Result<Vec<u8>, AppError> {
    let bytes = letter_pdf(letter, PageSize::A4)?;
    super::db::store_sent_pdf(conn, letter.id, &bytes).await?;
    Ok(bytes)
}

/// The file name: "demand-for-payment-to-acme-ltd.pdf".
pub fn file_name(letter: &Letter) -> String {
    let mut slug = String::new();
    for c in letter.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(80).collect();
    format!("{}.pdf", if slug.is_empty() { "letter" } else { &slug })
}

#[derive(serde::Deserialize)]
pub struct PdfQuery {
    /// `a4` (default) or `us_letter`.
    size: Option<String>,
}

/// `GET /letters/{id}/pdf[?size=us_letter]`: the owner's or an admin's download; anyone else
/// gets 404, so ids are not confirmed. A sent letter is always the stored PDF.
pub async fn pdf_route(
    State(state): State<AppState>,
    me: Option<Member>,
    Path(id): Path<Uuid>,
    Query(query): Query<PdfQuery>,
) -> Response {
    let Some(me) = me else { return StatusCode::NOT_FOUND.into_response() };
    let page_size = match query.size.as_deref() {
        None | Some("a4") => PageSize::A4,
        Some("us_letter") | Some("letter") => PageSize::UsLetter,
        Some(_) => return AppError::invalid("Choose a4 or us_letter.").into_response(),
    };
    let letter = match super::db::get(&state.db, id).await {
        Ok(Some((letter, _, _))) if letter.user_id == me.id || me.role == Role::Admin => letter,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    // A sent letter is downloaded as it went out (A4, whatever was asked); only then is the
    // stored copy read.
    let stored = match letter.status {
        LetterStatus::Sent => super::db::sent_pdf(&state.db, id).await,
        _ => Ok(None),
    };
    let bytes = match stored {
        Ok(Some(bytes)) => bytes,
        Ok(None) => match letter_pdf(&letter, page_size) {
            Ok(bytes) => bytes,
            Err(e) => return e.into_response(),
        },
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file_name(&letter))) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}
