//! The tools' domain types, shared by the server and the pages: a product description request
//! (parsed strictly), its streamed events and result, and a transcript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::features::quotas::UsageSummary;

pub const NAME_MAX: usize = 140;
pub const CATEGORY_MAX: usize = 80;
pub const FACTS_MAX: usize = 5_000;
pub const AUDIENCE_MAX: usize = 200;
/// A description has at most this many bullet points (the model is asked for 3 to 5).
pub const BULLETS_MAX: usize = 5;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    #[default]
    Friendly,
    Professional,
    Playful,
    Luxurious,
    Persuasive,
    Minimal,
}

impl Tone {
    pub const ALL: [Tone; 6] =
        [Self::Friendly, Self::Professional, Self::Playful, Self::Luxurious, Self::Persuasive, Self::Minimal];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Friendly => "friendly",
            Self::Professional => "professional",
            Self::Playful => "playful",
            Self::Luxurious => "luxurious",
            Self::Persuasive => "persuasive",
            Self::Minimal => "minimal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Friendly => "Friendly",
            Self::Professional => "Professional",
            Self::Playful => "Playful",
            Self::Luxurious => "Luxurious",
            Self::Persuasive => "Persuasive",
            Self::Minimal => "Minimal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim().to_ascii_lowercase())
    }

    /// The next tone in the list: what "Regenerate with a different tone" offers first.
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    Short,
    #[default]
    Medium,
    Long,
}

impl Length {
    pub const ALL: [Length; 3] = [Self::Short, Self::Medium, Self::Long];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Short => "short",
            Self::Medium => "medium",
            Self::Long => "long",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Short => "Short (about 50 words)",
            Self::Medium => "Medium (about 100 words)",
            Self::Long => "Long (about 200 words)",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// What a product description is made from. Only [`DescriptionRequest::parse`] makes one, so
/// every field is within its limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescriptionRequest {
    pub product_name: String,
    pub category: Option<String>,
    pub facts: String,
    pub audience: Option<String>,
    pub tone: Tone,
    pub length: Length,
}

impl DescriptionRequest {
    /// The form's fields, trimmed and checked; the error says what to fix.
    pub fn parse(
        product_name: &str,
        category: &str,
        facts: &str,
        audience: &str,
        tone: &str,
        length: &str,
    ) -> Result<Self, String> {
        let product_name = one_line(product_name);
        if product_name.is_empty() {
            return Err("Enter the product's name.".into());
        }
        if product_name.chars().count() > NAME_MAX {
            return Err(format!("The product name can be at most {NAME_MAX} characters."));
        }
        let category = one_line(category);
        if category.chars().count() > CATEGORY_MAX {
            return Err(format!("The category can be at most {CATEGORY_MAX} characters."));
        }
        let facts = text(facts);
        if facts.is_empty() {
            return Err(
                "Enter a few key facts about the product (what it is, what it is made of, what it does).".into()
            );
        }
        if facts.chars().count() > FACTS_MAX {
            return Err(format!("The key facts can be at most {FACTS_MAX} characters."));
        }
        let audience = one_line(audience);
        if audience.chars().count() > AUDIENCE_MAX {
            return Err(format!("The audience can be at most {AUDIENCE_MAX} characters."));
        }
        let tone = Tone::parse(tone).ok_or("Choose a tone from the list.")?;
        let length = Length::parse(length).ok_or("Choose a length: short, medium or long.")?;
        let optional = |s: String| (!s.is_empty()).then_some(s);
        Ok(Self { product_name, category: optional(category), facts, audience: optional(audience), tone, length })
    }
}

/// One line: control characters (newlines included) become spaces, runs of spaces one.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Text that keeps its lines: control characters other than newlines and tabs dropped.
fn text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// One line of the description stream (JSON, one per line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DescriptionEvent {
    Title {
        text: String,
    },
    /// Paragraph `index` of the description as far as it is written (it may grow).
    Paragraph {
        index: usize,
        text: String,
    },
    Bullet {
        index: usize,
        text: String,
    },
    /// `description_id` is set when a member's description was saved.
    Done {
        description_id: Option<Uuid>,
        usage: UsageSummary,
    },
    Error {
        message: String,
    },
}

/// A finished product description: what the marketplace's product form takes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDescription {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub bullets: Vec<String>,
}

impl ProductDescription {
    /// The description paragraphs, blank-line separated.
    pub fn description(&self) -> String {
        self.paragraphs.join("\n\n")
    }

    /// The bullet points as `- ` lines.
    pub fn bullet_lines(&self) -> String {
        self.bullets.iter().map(|b| format!("- {b}")).collect::<Vec<_>>().join("\n")
    }

    /// The description and its bullets as one text (what is saved and copied as "all").
    pub fn body(&self) -> String {
        match (self.paragraphs.is_empty(), self.bullets.is_empty()) {
            (_, true) => self.description(),
            (true, false) => self.bullet_lines(),
            (false, false) => format!("{}\n\n{}", self.description(), self.bullet_lines()),
        }
    }
}

impl ProductDescription {
    /// The saved form back into its parts: [`ProductDescription::body`] read in reverse (the
    /// last blank-line block is the bullets when every line of it starts with `- `).
    pub fn from_body(title: &str, body: &str) -> Self {
        let mut blocks: Vec<&str> = body.split("\n\n").map(str::trim).filter(|b| !b.is_empty()).collect();
        let is_bullets = |b: &str| b.lines().all(|l| l.starts_with("- "));
        let bullets = match blocks.last() {
            Some(last) if is_bullets(last) => {
                let last = blocks.pop().unwrap_or_default();
                last.lines().map(|l| l.trim_start_matches("- ").to_string()).collect()
            }
            _ => Vec::new(),
        };
        Self { title: title.to_string(), paragraphs: blocks.into_iter().map(str::to_string).collect(), bullets }
    }
}

/// A member's saved description, as its own page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDescription {
    pub id: Uuid,
    /// What the member asked for; `None` when the stored request is not one this version
    /// reads (the description itself is still shown).
    pub request: Option<DescriptionRequest>,
    pub description: ProductDescription,
    pub created_at: DateTime<Utc>,
}

/// A member's saved transcript, as its own page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTranscript {
    pub transcript: Transcript,
    pub created_at: DateTime<Utc>,
}

/// A timed piece of a transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// A transcript as the upload answers it; `id` is set when it was saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub id: Option<Uuid>,
    pub title: String,
    pub text: String,
    pub segments: Vec<Segment>,
    pub duration_ms: Option<u64>,
}

/// What the transcription page may offer the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TranscriptionAccess {
    SignedOut,
    /// A member without a paid plan: the upgrade offer.
    NeedsUpgrade,
    /// A paid member, but this server has no transcription provider.
    NotConfigured,
    Ready {
        max_bytes: u64,
    },
}

/// Where the transcription page uploads the audio (an axum route, not a server function).
pub const TRANSCRIBE_UPLOAD_PATH: &str = "/api/tools/transcribe-upload";

/// The largest audio file accepted (25 MB, as OpenAI's endpoint).
pub const TRANSCRIBE_MAX_BYTES: u64 = 25 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, facts: &str) -> Result<DescriptionRequest, String> {
        DescriptionRequest::parse(name, " Kitchen ", facts, "", "Playful", "long")
    }

    #[test]
    fn a_request_is_trimmed_and_its_lists_checked() {
        let r = parse("  Blue\n mug ", " Holds 350 ml.\r\nDishwasher safe. ").unwrap();
        assert_eq!(r.product_name, "Blue mug");
        assert_eq!(r.category.as_deref(), Some("Kitchen"));
        assert_eq!(r.facts, "Holds 350 ml.\nDishwasher safe.");
        assert_eq!(r.audience, None);
        assert_eq!((r.tone, r.length), (Tone::Playful, Length::Long));
        let bad_tone = DescriptionRequest::parse("Mug", "", "Facts", "", "angry", "short");
        assert_eq!(bad_tone.unwrap_err(), "Choose a tone from the list.");
        let bad_length = DescriptionRequest::parse("Mug", "", "Facts", "", "friendly", "huge");
        assert!(bad_length.unwrap_err().contains("short, medium or long"));
    }

    #[test]
    fn limits_are_counted_in_characters() {
        assert_eq!(parse(" ", "x").unwrap_err(), "Enter the product's name.");
        assert!(parse(&"é".repeat(NAME_MAX), "x").is_ok());
        assert!(parse(&"é".repeat(NAME_MAX + 1), "x").unwrap_err().contains("at most 140"));
        assert!(parse("Mug", "").unwrap_err().starts_with("Enter a few key facts"));
        assert!(parse("Mug", &"a".repeat(FACTS_MAX)).is_ok());
        assert!(parse("Mug", &"a".repeat(FACTS_MAX + 1)).unwrap_err().contains("5000"));
    }

    #[test]
    fn the_body_is_the_description_then_the_bullets() {
        let d = ProductDescription {
            title: "T".into(),
            paragraphs: vec!["One.".into(), "Two.".into()],
            bullets: vec!["A".into(), "B".into()],
        };
        assert_eq!(d.body(), "One.\n\nTwo.\n\n- A\n- B");
        assert_eq!(Tone::Minimal.next(), Tone::Friendly);
    }

    #[test]
    fn a_saved_body_reads_back_into_its_parts() {
        let only_text = ProductDescription::from_body("T", "One.\n\n- not a list\nbecause of this line");
        assert_eq!(only_text.paragraphs, ["One.", "- not a list\nbecause of this line"]);
        assert!(only_text.bullets.is_empty());
        let only_bullets = ProductDescription::from_body("T", "- A\n- B");
        assert_eq!((only_bullets.paragraphs.len(), only_bullets.bullets), (0, vec!["A".to_string(), "B".to_string()]));
        assert_eq!(
            ProductDescription::from_body("T", ""),
            ProductDescription { title: "T".into(), ..Default::default() }
        );
    }

    proptest::proptest! {
        #[test]
        fn body_and_from_body_are_inverse(
            paragraphs in proptest::collection::vec("[A-Za-z][A-Za-z .,!]{0,40}", 0..4),
            bullets in proptest::collection::vec("[A-Za-z][A-Za-z .,]{0,30}", 0..6),
        ) {
            let paragraphs: Vec<String> = paragraphs.into_iter().map(|p| p.trim().to_string()).collect();
            let bullets: Vec<String> = bullets.into_iter().map(|b| b.trim().to_string()).collect();
            let d = ProductDescription { title: "Mug".into(), paragraphs, bullets };
            proptest::prop_assert_eq!(ProductDescription::from_body("Mug", &d.body()), d);
        }
    }
}
