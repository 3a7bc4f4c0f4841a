//! The printable letter: one structure that the print view and the PDF both render, so
//! the two always show the same letter.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::{Letter, Party};

/// Everything printed on the page, in reading order. Text is plain (markup stays as typed;
/// each renderer shows it as text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterDocument {
    /// "Demand for payment to Acme Ltd" (the document title, not printed in the letter).
    pub title: String,
    /// The date printed on the letter: the day it was sent, else the day it was last changed.
    pub date: NaiveDate,
    pub sender: Party,
    pub recipient: Party,
    /// The "Re:" line.
    pub subject: String,
    /// The letter's text, one entry per paragraph (lines inside a paragraph kept with `\n`).
    pub body_paragraphs: Vec<String>,
    /// "$1,234.50", when the letter names an amount.
    pub amount: Option<String>,
    /// "31 December 2026", when the letter sets a deadline.
    pub deadline: Option<String>,
    /// A short reference printed in the footer (the first 8 characters of the letter id).
    pub reference: String,
}

impl LetterDocument {
    /// "28 November 2026".
    pub fn date_line(&self) -> String {
        long_date(self.date)
    }
}

/// "31 December 2026".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The printable form of `letter`.
pub fn document(letter: &Letter) -> LetterDocument {
    let form = &letter.form;
    let date = letter.sent_at.unwrap_or(letter.updated_at).date_naive();
    let subject = match form.amount {
        Some(amount) => format!("{} — {}", form.letter_type.label(), amount.formatted()),
        None => form.letter_type.label().to_string(),
    };
    LetterDocument {
        title: letter.title.clone(),
        date,
        sender: form.sender.clone(),
        recipient: form.recipient.clone(),
        subject,
        body_paragraphs: paragraphs(&letter.body),
        amount: form.amount.map(|a| a.formatted()),
        deadline: form.deadline.map(long_date),
        reference: letter.id.simple().to_string().chars().take(8).collect(),
    }
}

/// Paragraphs are separated by blank lines; lines inside one are kept.
pub fn paragraphs(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::letters::model::{LetterForm, LetterInput, LetterStatus};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(
            paragraphs("Dear Sir,\n\nPay now.\nThanks.\n\n\n  \nYours,\nAda\n"),
            ["Dear Sir,", "Pay now.\nThanks.", "Yours,\nAda"]
        );
        assert!(paragraphs("  \n").is_empty());
    }

    #[test]
    fn the_document_carries_parties_amount_and_deadline() {
        let input = LetterInput {
            letter_type: "demand_for_payment".into(),
            sender_name: "Ada".into(),
            sender_address: "1 Way".into(),
            recipient_name: "Acme Ltd".into(),
            recipient_address: "2 Main St".into(),
            facts: "Unpaid.".into(),
            amount: "1234.50".into(),
            desired_outcome: "Pay.".into(),
            deadline: "2026-12-31".into(),
            ..Default::default()
        };
        let form = LetterForm::parse(&input, None).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let letter = Letter {
            id: Uuid::parse_str("0123456789abcdef0123456789abcdef").unwrap(),
            user_id: Uuid::nil(),
            status: LetterStatus::Approved,
            title: form.title(),
            form,
            body: "Dear Acme,\n\nPay.".into(),
            created_at: at,
            updated_at: at,
            generating_started_at: None,
            sent_at: None,
            sent_by: None,
        };
        let doc = document(&letter);
        assert_eq!(doc.subject, "Demand for payment — $1,234.50");
        assert_eq!(doc.deadline.as_deref(), Some("31 December 2026"));
        assert_eq!(doc.date_line(), "28 November 2026");
        assert_eq!(doc.body_paragraphs, ["Dear Acme,", "Pay."]);
        assert_eq!(doc.recipient.name, "Acme Ltd");
        assert_eq!(doc.reference, "01234567");
    }
}
