//! Letters as the page and the server share them: the letter types, the guided form (parsed,
//! never merely validated), a stored letter with its timeline, and the streamed generation.
//! Text is stored exactly as typed (markup included) and always shown as text.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::status::{IllegalTransition, LetterStatus, Role, Transition};

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const EMAIL_MAX: usize = 254;
pub const FACTS_MAX: usize = 20_000;
pub const DATES_MAX: usize = 2_000;
pub const OUTCOME_MAX: usize = 2_000;
pub const BODY_MAX: usize = 40_000;
pub const COMMENT_MAX: usize = 5_000;
pub const TITLE_MAX: usize = 200;
/// The largest amount a letter may name, in minor units ($10 billion).
pub const AMOUNT_MAX_MINOR: i64 = 1_000_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterType {
    DemandForPayment,
    CeaseAndDesist,
    Complaint,
    RefundRequest,
    SecurityDepositReturn,
    DebtValidation,
    General,
}

impl LetterType {
    pub const ALL: [LetterType; 7] = [
        Self::DemandForPayment,
        Self::CeaseAndDesist,
        Self::Complaint,
        Self::RefundRequest,
        Self::SecurityDepositReturn,
        Self::DebtValidation,
        Self::General,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DemandForPayment => "demand_for_payment",
            Self::CeaseAndDesist => "cease_and_desist",
            Self::Complaint => "complaint",
            Self::RefundRequest => "refund_request",
            Self::SecurityDepositReturn => "security_deposit_return",
            Self::DebtValidation => "debt_validation",
            Self::General => "general",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DemandForPayment => "Demand for payment",
            Self::CeaseAndDesist => "Cease and desist",
            Self::Complaint => "Complaint",
            Self::RefundRequest => "Refund request",
            Self::SecurityDepositReturn => "Security deposit return",
            Self::DebtValidation => "Debt validation",
            Self::General => "General letter",
        }
    }

    /// What the letter is for, as the form's hint and the prompt say it.
    pub fn purpose(self) -> &'static str {
        match self {
            Self::DemandForPayment => "demand payment of money that is owed",
            Self::CeaseAndDesist => "demand that the recipient stop a harmful or unlawful activity",
            Self::Complaint => "complain formally about a product, service or conduct and ask for a remedy",
            Self::RefundRequest => "request a refund for a purchase",
            Self::SecurityDepositReturn => "demand the return of a rental security deposit",
            Self::DebtValidation => {
                "request validation of a debt a collector claims (Fair Debt Collection Practices Act)"
            }
            Self::General => "state the sender's position formally and ask for the outcome they want",
        }
    }
}

impl std::str::FromStr for LetterType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| "Choose a letter type from the list.".to_string())
    }
}

/// The form as typed, one string per field: what the page sends and keeps while editing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterInput {
    pub letter_type: String,
    pub sender_name: String,
    pub sender_address: String,
    pub sender_email: String,
    pub recipient_name: String,
    pub recipient_address: String,
    pub recipient_email: String,
    pub facts: String,
    pub relevant_dates: String,
    pub amount: String,
    pub currency: String,
    pub desired_outcome: String,
    /// `YYYY-MM-DD` (what a date input sends), or empty.
    pub deadline: String,
}

/// The form's fields by name, for errors that belong to one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    LetterType,
    SenderName,
    SenderAddress,
    SenderEmail,
    RecipientName,
    RecipientAddress,
    RecipientEmail,
    Facts,
    RelevantDates,
    Amount,
    Currency,
    DesiredOutcome,
    Deadline,
}

impl FieldName {
    pub fn label(self) -> &'static str {
        match self {
            Self::LetterType => "Letter type",
            Self::SenderName => "Your name",
            Self::SenderAddress => "Your postal address",
            Self::SenderEmail => "Your email",
            Self::RecipientName => "Recipient's name",
            Self::RecipientAddress => "Recipient's postal address",
            Self::RecipientEmail => "Recipient's email",
            Self::Facts => "What happened",
            Self::RelevantDates => "Relevant dates",
            Self::Amount => "Amount",
            Self::Currency => "Currency",
            Self::DesiredOutcome => "What you want",
            Self::Deadline => "Deadline",
        }
    }
}

/// Every problem with a form, each tied to its field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(FieldName, String)>);

impl FieldErrors {
    pub fn get(&self, field: FieldName) -> Option<String> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, field: FieldName, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(field, m)| format!("{}: {m}", field.label())).collect();
        f.write_str(&parts.join(" "))
    }
}

/// A party to the letter. The recipient always has a name and an address or email.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// The postal address as lines, as typed.
    pub address_lines: Vec<String>,
    pub email: Option<String>,
}

impl Party {
    fn new(name: &str, address: &str, email: &str) -> Self {
        Self {
            name: name.trim().to_string(),
            address_lines: address.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
            email: Some(email.trim().to_string()).filter(|e| !e.is_empty()),
        }
    }

    pub fn address(&self) -> String {
        self.address_lines.join("\n")
    }
}

/// An amount in integer minor units with its ISO 4217 currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn formatted(&self) -> String {
        crate::money::format_minor(self.minor, self.currency.as_str())
    }
}

/// Three upper-case ASCII letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Ok(Self::USD);
        }
        match <[u8; 3]>::try_from(code.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Self(bytes)),
            _ => Err("Use a three-letter currency code such as USD, EUR or GBP.".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("USD")
    }
}

/// "1234.50" → 123450 minor units. Thousands separators and a leading `$`, `€` or `£` are
/// allowed; more than two decimals or a negative amount are refused with a message.
pub fn parse_amount(raw: &str) -> Result<Option<i64>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.starts_with('-') || trimmed.starts_with('(') {
        return Err("The amount cannot be negative.".into());
    }
    let digits = trimmed.trim_start_matches(['$', '€', '£']).trim().replace(',', "");
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits.as_str(), ""),
    };
    let numeric = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !numeric(whole) || !numeric(fraction) {
        return Err("Enter the amount as a number, like 1234.50.".into());
    }
    if fraction.len() > 2 {
        return Err("Use at most two decimals (cents), like 1234.50.".into());
    }
    let cents = format!("{fraction:0<2}");
    let minor = format!("{}{cents}", if whole.is_empty() { "0" } else { whole })
        .parse::<i64>()
        .ok()
        .filter(|m| *m <= AMOUNT_MAX_MINOR)
        .ok_or_else(|| "That amount is too large for a letter.".to_string())?;
    if minor == 0 {
        return Err("The amount must be more than zero; leave it empty if there is none.".into());
    }
    Ok(Some(minor))
}

/// An email address a letter can be sent to: one `@`, a dotted domain, no spaces.
pub fn parse_email(raw: &str) -> Result<Option<String>, String> {
    let email = raw.trim();
    if email.is_empty() {
        return Ok(None);
    }
    let valid = email.chars().count() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid { Ok(Some(email.to_string())) } else { Err("Enter a valid email address, like name@example.com.".into()) }
}

/// The form, parsed: the only way to get one is [`LetterForm::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterForm {
    pub letter_type: LetterType,
    pub sender: Party,
    pub recipient: Party,
    pub facts: String,
    pub relevant_dates: String,
    pub amount: Option<Money>,
    pub desired_outcome: String,
    pub deadline: Option<NaiveDate>,
}

impl LetterForm {
    /// Reads every field and reports every problem at once. `today` (UTC) refuses a deadline
    /// in the past; `None` skips that check (a browser without a trustworthy clock).
    pub fn parse(input: &LetterInput, today: Option<NaiveDate>) -> Result<Self, FieldErrors> {
        use FieldName as F;
        let mut errors = FieldErrors::default();
        let letter_type = input.letter_type.parse::<LetterType>().map_err(|m| errors.add(F::LetterType, m)).ok();
        let mut text = |field: FieldName, value: &str, max: usize, required: bool| {
            let chars = value.trim().chars().count();
            if required && chars == 0 {
                errors.add(field, "This is required.");
            } else if chars > max {
                errors.add(field, format!("This is {chars} characters; the limit is {max}."));
            }
        };
        text(F::SenderName, &input.sender_name, NAME_MAX, true);
        text(F::SenderAddress, &input.sender_address, ADDRESS_MAX, false);
        text(F::RecipientName, &input.recipient_name, NAME_MAX, true);
        text(F::RecipientAddress, &input.recipient_address, ADDRESS_MAX, false);
        text(F::Facts, &input.facts, FACTS_MAX, true);
        text(F::RelevantDates, &input.relevant_dates, DATES_MAX, false);
        text(F::DesiredOutcome, &input.desired_outcome, OUTCOME_MAX, true);
        if let Err(m) = parse_email(&input.sender_email) {
            errors.add(F::SenderEmail, m);
        }
        match parse_email(&input.recipient_email) {
            Err(m) => errors.add(F::RecipientEmail, m),
            Ok(None) if input.recipient_address.trim().is_empty() && !input.recipient_name.trim().is_empty() => errors
                .add(
                    F::RecipientAddress,
                    "Give the recipient's postal address or email, so the letter can reach them.",
                ),
            Ok(_) => {}
        }
        let amount = parse_amount(&input.amount).map_err(|m| errors.add(F::Amount, m)).ok().flatten();
        let currency = Currency::parse(&input.currency).map_err(|m| errors.add(F::Currency, m)).ok();
        let deadline = match input.deadline.trim() {
            "" => None,
            raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(date) if today.is_some_and(|t| date < t) => {
                    errors.add(F::Deadline, "The deadline is in the past; choose today or a later date.");
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.add(F::Deadline, "Enter the deadline as a date, like 2026-12-31.");
                    None
                }
            },
        };
        match (letter_type, currency) {
            (Some(letter_type), Some(currency)) if errors.is_empty() => Ok(Self {
                letter_type,
                sender: Party::new(&input.sender_name, &input.sender_address, &input.sender_email),
                recipient: Party::new(&input.recipient_name, &input.recipient_address, &input.recipient_email),
                facts: input.facts.trim().to_string(),
                relevant_dates: input.relevant_dates.trim().to_string(),
                amount: amount.map(|minor| Money { minor, currency }),
                desired_outcome: input.desired_outcome.trim().to_string(),
                deadline,
            }),
            _ => Err(errors),
        }
    }

    /// The title in the shared history: "Demand for payment to Acme Ltd".
    pub fn title(&self) -> String {
        let title = format!("{} to {}", self.letter_type.label(), self.recipient.name);
        title.chars().take(TITLE_MAX).collect()
    }
}

/// The letter's text as edited by the member or a reviewer: not empty, at most 40,000 characters.
pub fn parse_body(raw: &str) -> Result<String, String> {
    let body = raw.trim();
    let chars = body.chars().count();
    if chars == 0 {
        return Err("The letter is empty. Write it or generate it first.".into());
    }
    if chars > BODY_MAX {
        return Err(format!("The letter is {chars} characters; the limit is {BODY_MAX}."));
    }
    Ok(body.replace("\r\n", "\n"))
}

/// A reviewer's comment; required when returning a letter.
pub fn parse_comment(raw: &str, required: bool) -> Result<String, String> {
    let comment = raw.trim();
    let chars = comment.chars().count();
    if required && chars == 0 {
        return Err("Write a comment so the member knows what to change.".into());
    }
    if chars > COMMENT_MAX {
        return Err(format!("The comment is {chars} characters; the limit is {COMMENT_MAX}."));
    }
    Ok(comment.to_string())
}

/// How an approved letter went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentBy {
    Email,
    Post,
}

impl SentBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "post" => Some(Self::Post),
            _ => None,
        }
    }
}

/// A stored letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub id: Uuid,
    pub user_id: Uuid,
    pub status: LetterStatus,
    pub form: LetterForm,
    pub body: String,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub generating_started_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_by: Option<SentBy>,
}

impl Letter {
    /// The form as the page edits it.
    pub fn input(&self) -> LetterInput {
        let f = &self.form;
        LetterInput {
            letter_type: f.letter_type.as_str().into(),
            sender_name: f.sender.name.clone(),
            sender_address: f.sender.address(),
            sender_email: f.sender.email.clone().unwrap_or_default(),
            recipient_name: f.recipient.name.clone(),
            recipient_address: f.recipient.address(),
            recipient_email: f.recipient.email.clone().unwrap_or_default(),
            facts: f.facts.clone(),
            relevant_dates: f.relevant_dates.clone(),
            amount: f.amount.map(|m| format!("{}.{:02}", m.minor / 100, m.minor % 100)).unwrap_or_default(),
            currency: f.amount.map_or_else(|| "USD".to_string(), |m| m.currency.as_str().to_string()),
            desired_outcome: f.desired_outcome.clone(),
            deadline: f.deadline.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        }
    }
}

/// What kind of timeline row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The status changed (exactly one row per change).
    Status,
    /// A reviewer's comment without a status change.
    Comment,
    /// The letter's text was edited by a reviewer.
    Edit,
}

/// One row of a letter's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterEvent {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub from_status: Option<LetterStatus>,
    pub to_status: LetterStatus,
    /// `None` for the system (generation results, stuck-job recovery).
    pub actor_name: Option<String>,
    pub actor_is_reviewer: bool,
    pub comment: String,
}

/// A letter with its timeline, as its owner or a reviewer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterView {
    pub letter: Letter,
    pub events: Vec<LetterEvent>,
    /// The author's name and email (reviewers see who wrote it).
    pub owner_name: String,
    pub owner_email: String,
    /// Whether the caller may approve it (a reviewer who is not its author).
    pub can_approve: bool,
    pub viewer_is_reviewer: bool,
}

/// One row of a list (the member's letters or the review queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSummary {
    pub id: Uuid,
    pub title: String,
    pub letter_type: LetterType,
    pub status: LetterStatus,
    pub owner_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Rows per page of the member's letters and of the review queue.
pub const LETTERS_PAGE_SIZE: u32 = 50;

/// One page of the member's letters, most recently changed first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterList {
    pub letters: Vec<LetterSummary>,
    /// All the member's letters, not only this page's.
    pub total: i64,
    /// 1-based.
    pub page: u32,
}

/// The review queue: one page of the rows that match the filter (oldest first), how many
/// match, and how many letters are in each status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    pub letters: Vec<LetterSummary>,
    pub total: i64,
    /// 1-based.
    pub page: u32,
    pub counts: Vec<(LetterStatus, i64)>,
    /// Letters in `generating` for longer than the stuck limit.
    pub stuck: i64,
}

/// The review queue's age filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeFilter {
    #[default]
    Any,
    /// Unchanged for more than a day.
    OlderThanDay,
    /// Unchanged for more than a week.
    OlderThanWeek,
}

impl AgeFilter {
    pub const ALL: [AgeFilter; 3] = [Self::Any, Self::OlderThanDay, Self::OlderThanWeek];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::OlderThanDay => "1d",
            Self::OlderThanWeek => "7d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Any => "Any age",
            Self::OlderThanDay => "Waiting over a day",
            Self::OlderThanWeek => "Waiting over a week",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|a| a.as_str() == s).unwrap_or_default()
    }

    /// The minimum age in hours.
    pub fn hours(self) -> i64 {
        match self {
            Self::Any => 0,
            Self::OlderThanDay => 24,
            Self::OlderThanWeek => 24 * 7,
        }
    }
}

/// One line of the generation stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LetterStreamEvent {
    /// The next piece of the letter's text.
    Text { text: String },
    /// The letter is written and saved; its status is now `ready`.
    Done,
    /// The generation stopped; the letter is back to draft and nothing was counted.
    Error { message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn input() -> LetterInput {
        LetterInput {
            letter_type: "demand_for_payment".into(),
            sender_name: "Ada Lovelace".into(),
            sender_address: "1 Analytical Way\nLondon".into(),
            sender_email: "ada@example.com".into(),
            recipient_name: "Acme Ltd".into(),
            recipient_address: "2 Main St\n\n Springfield ".into(),
            recipient_email: "".into(),
            facts: "Invoice 42 is unpaid.".into(),
            relevant_dates: "Invoice sent 2026-09-01".into(),
            amount: "1,234.50".into(),
            currency: "".into(),
            desired_outcome: "Pay the invoice.".into(),
            deadline: "2026-12-31".into(),
        }
    }

    fn today() -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 11, 28)
    }

    fn errors(input: LetterInput) -> FieldErrors {
        LetterForm::parse(&input, today()).unwrap_err()
    }

    #[test]
    fn a_good_form_parses_into_types() {
        let form = LetterForm::parse(&input(), today()).unwrap();
        assert_eq!(form.letter_type, LetterType::DemandForPayment);
        assert_eq!(form.amount, Some(Money { minor: 123_450, currency: Currency::USD }));
        assert_eq!(form.recipient.address_lines, ["2 Main St", "Springfield"]);
        assert_eq!(form.sender.email.as_deref(), Some("ada@example.com"));
        assert_eq!(form.recipient.email, None);
        assert_eq!(form.title(), "Demand for payment to Acme Ltd");
        assert_eq!(form.amount.unwrap().formatted(), "$1,234.50");
    }

    #[test]
    fn amounts_are_integer_minor_units() {
        assert_eq!(parse_amount("1234.50"), Ok(Some(123_450)));
        assert_eq!(parse_amount("1234.5"), Ok(Some(123_450)));
        assert_eq!(parse_amount("$1,000"), Ok(Some(100_000)));
        assert_eq!(parse_amount(".99"), Ok(Some(99)));
        assert_eq!(parse_amount("  "), Ok(None));
        assert_eq!(parse_amount("1234.567").unwrap_err(), "Use at most two decimals (cents), like 1234.50.");
        assert_eq!(parse_amount("-5").unwrap_err(), "The amount cannot be negative.");
        assert!(parse_amount("12a").is_err());
        assert!(parse_amount("0").is_err());
        assert!(parse_amount("99999999999999999999").is_err());
    }

    #[test]
    fn every_bad_field_is_reported_with_its_own_message() {
        let mut bad = input();
        bad.recipient_name = "  ".into();
        bad.amount = "10.001".into();
        bad.deadline = "2026-11-27".into();
        bad.facts = "x".repeat(FACTS_MAX + 1);
        bad.letter_type = "threat".into();
        bad.currency = "dollars".into();
        let e = errors(bad);
        assert_eq!(e.get(FieldName::RecipientName).as_deref(), Some("This is required."));
        assert!(e.get(FieldName::Amount).unwrap().contains("two decimals"));
        assert!(e.get(FieldName::Deadline).unwrap().contains("in the past"));
        assert_eq!(e.get(FieldName::Facts).unwrap(), "This is 20001 characters; the limit is 20000.");
        assert!(e.get(FieldName::LetterType).is_some());
        assert!(e.get(FieldName::Currency).is_some());
        assert!(e.to_string().starts_with("Letter type: Choose"), "{e}");
    }

    #[test]
    fn the_recipient_needs_an_address_or_an_email() {
        let mut no_way = input();
        no_way.recipient_address = " ".into();
        assert!(errors(no_way.clone()).get(FieldName::RecipientAddress).is_some());
        no_way.recipient_email = "billing@acme.example".into();
        assert!(LetterForm::parse(&no_way, today()).is_ok());
        no_way.recipient_email = "not an email".into();
        assert!(errors(no_way).get(FieldName::RecipientEmail).is_some());
    }

    #[test]
    fn a_deadline_today_is_fine_and_the_check_can_be_skipped() {
        let mut i = input();
        i.deadline = "2026-11-28".into();
        assert!(LetterForm::parse(&i, today()).is_ok());
        i.deadline = "2020-01-01".into();
        assert!(LetterForm::parse(&i, None).is_ok());
        i.deadline = "31/12/2026".into();
        assert!(errors(i).get(FieldName::Deadline).unwrap().contains("as a date"));
    }

    #[test]
    fn markup_is_kept_as_typed() {
        let mut i = input();
        i.recipient_name = "<script>alert(1)</script>".into();
        let form = LetterForm::parse(&i, today()).unwrap();
        assert_eq!(form.recipient.name, "<script>alert(1)</script>");
    }

    #[test]
    fn the_edit_form_round_trips() {
        let form = LetterForm::parse(&input(), today()).unwrap();
        let letter = Letter {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            status: LetterStatus::Draft,
            form: form.clone(),
            body: String::new(),
            title: form.title(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            generating_started_at: None,
            sent_at: None,
            sent_by: None,
        };
        assert_eq!(LetterForm::parse(&letter.input(), today()).unwrap(), form);
    }

    #[test]
    fn bodies_and_comments_have_limits() {
        assert!(parse_body("  ").is_err());
        assert_eq!(parse_body(" Dear Sir,\r\nPay. ").unwrap(), "Dear Sir,\nPay.");
        assert!(parse_body(&"x".repeat(BODY_MAX + 1)).is_err());
        assert!(parse_comment("", true).is_err());
        assert_eq!(parse_comment("", false).unwrap(), "");
    }
}
