//! Reading a description while it streams. Models are asked for `TITLE: …`, a blank line, the
//! paragraphs, a blank line, then `- ` bullets; they do not always comply, so the reader also
//! takes Markdown emphasis, numbered or starred bullets, a missing label and closing remarks.

use super::model::{BULLETS_MAX, DescriptionEvent, ProductDescription};

/// Longest title, paragraph and bullet kept (characters); more is cut.
const TITLE_MAX: usize = 200;
const PARAGRAPH_MAX: usize = 2_000;
const BULLET_MAX: usize = 300;
const PARAGRAPHS_MAX: usize = 6;

#[derive(Debug, Default)]
pub struct DescriptionParser {
    pending: String,
    result: ProductDescription,
    has_title: bool,
    /// The last line was paragraph text (a following text line continues it).
    in_paragraph: bool,
}

impl DescriptionParser {
    /// Adds a piece of the answer; returns the events of the lines it completed.
    pub fn push(&mut self, chunk: &str) -> Vec<DescriptionEvent> {
        self.pending.push_str(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.find('\n') {
            let line: String = self.pending.drain(..=end).collect();
            events.extend(self.line(&line));
        }
        events
    }

    /// The last line (without its newline), once the answer has ended.
    pub fn finish(&mut self) -> Vec<DescriptionEvent> {
        let rest = std::mem::take(&mut self.pending);
        self.line(&rest).into_iter().collect()
    }

    pub fn result(&self) -> &ProductDescription {
        &self.result
    }

    /// Whether anything worth keeping came out (a description or bullets).
    pub fn produced(&self) -> bool {
        !self.result.paragraphs.is_empty() || !self.result.bullets.is_empty()
    }

    fn line(&mut self, raw: &str) -> Option<DescriptionEvent> {
        let line = raw.trim();
        if line.is_empty() {
            self.in_paragraph = false;
            return None;
        }
        let bare = line.trim_start_matches(['#', '*', '_', ' ']).trim();
        let lower = bare.to_lowercase();
        if let Some(rest) = label(bare, &lower, &["title:", "title suggestion:", "product title:"]) {
            self.in_paragraph = false;
            return self.title(rest);
        }
        if matches!(
            lower.trim_end_matches(['*', '_', ' ']),
            "description:" | "bullets:" | "bullet points:" | "key features:" | "features:" | "highlights:"
        ) {
            self.in_paragraph = false;
            return None;
        }
        if let Some(bullet) = bullet(line) {
            self.in_paragraph = false;
            return self.bullet(bullet);
        }
        let text = match label(bare, &lower, &["description:"]) {
            Some(rest) => rest,
            None => line,
        };
        let text = strip_emphasis(text);
        if text.is_empty() {
            return None;
        }
        // A model that left out the label usually still starts with a short title line.
        if !self.has_title && self.result.paragraphs.is_empty() && text.chars().count() <= 80 && !text.ends_with('.') {
            return self.title(text);
        }
        if !self.result.bullets.is_empty() {
            // Text after the bullets is a closing remark, not part of the description.
            return None;
        }
        let paragraphs = &mut self.result.paragraphs;
        if self.in_paragraph
            && let Some(last) = paragraphs.last_mut()
        {
            last.push(' ');
            last.push_str(text);
            *last = cut(last, PARAGRAPH_MAX);
        } else {
            if paragraphs.len() >= PARAGRAPHS_MAX {
                return None;
            }
            paragraphs.push(cut(text, PARAGRAPH_MAX));
        }
        self.in_paragraph = true;
        let index = paragraphs.len() - 1;
        Some(DescriptionEvent::Paragraph { index, text: paragraphs[index].clone() })
    }

    fn title(&mut self, text: &str) -> Option<DescriptionEvent> {
        let text = cut(strip_emphasis(text).trim_matches(['"', '“', '”', '\'']).trim(), TITLE_MAX);
        if text.is_empty() {
            return None;
        }
        self.has_title = true;
        self.result.title = text.clone();
        Some(DescriptionEvent::Title { text })
    }

    fn bullet(&mut self, text: &str) -> Option<DescriptionEvent> {
        let text = strip_emphasis(text);
        if text.is_empty() || self.result.bullets.len() >= BULLETS_MAX {
            return None;
        }
        self.result.bullets.push(cut(text, BULLET_MAX));
        let index = self.result.bullets.len() - 1;
        Some(DescriptionEvent::Bullet { index, text: self.result.bullets[index].clone() })
    }
}

/// The text after one of `labels` (matched in `lower`, the lowercase of `bare`).
fn label<'a>(bare: &'a str, lower: &str, labels: &[&str]) -> Option<&'a str> {
    let len = labels.iter().find(|l| lower.starts_with(**l))?.len();
    // Lowercasing can change lengths outside ASCII; labels are ASCII, so the prefix is too.
    bare.get(len..).map(|rest| rest.trim_start_matches(['*', '_']).trim())
}

/// The text of a bullet line (`- `, `* `, `• `, `– `, `1. ` or `1) `), if it is one.
fn bullet(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "• ", "– ", "— "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest.trim());
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=2).contains(&digits) {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(rest.trim());
        }
    }
    None
}

/// Markdown bold or italics around the whole text removed.
fn strip_emphasis(text: &str) -> &str {
    let t = text.trim();
    for mark in ["**", "__", "*", "_"] {
        if t.len() > 2 * mark.len()
            && let Some(inner) = t.strip_prefix(mark).and_then(|r| r.strip_suffix(mark))
        {
            return inner.trim();
        }
    }
    t
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(text: &str, piece: usize) -> (Vec<DescriptionEvent>, ProductDescription) {
        let mut p = DescriptionParser::default();
        let chars: Vec<char> = text.chars().collect();
        let mut events = Vec::new();
        for chunk in chars.chunks(piece) {
            events.extend(p.push(&chunk.iter().collect::<String>()));
        }
        events.extend(p.finish());
        (events, p.result().clone())
    }

    const ANSWER: &str = "TITLE: Blue Mug\n\nA sturdy mug for\nslow mornings.\n\nIt holds 350 ml.\n\n- Holds 350 ml\n- Dishwasher safe\n- Made in Portugal";

    #[test]
    fn the_format_is_read_whatever_the_chunking() {
        let expected = ProductDescription {
            title: "Blue Mug".into(),
            paragraphs: vec!["A sturdy mug for slow mornings.".into(), "It holds 350 ml.".into()],
            bullets: vec!["Holds 350 ml".into(), "Dishwasher safe".into(), "Made in Portugal".into()],
        };
        for piece in [1, 3, 7, 1000] {
            let (events, result) = parse_in_pieces(ANSWER, piece);
            assert_eq!(result, expected, "pieces of {piece}");
            assert_eq!(events[0], DescriptionEvent::Title { text: "Blue Mug".into() });
            assert_eq!(events[1], DescriptionEvent::Paragraph { index: 0, text: "A sturdy mug for".into() });
            assert_eq!(
                events[2],
                DescriptionEvent::Paragraph { index: 0, text: "A sturdy mug for slow mornings.".into() }
            );
            assert_eq!(events.last(), Some(&DescriptionEvent::Bullet { index: 2, text: "Made in Portugal".into() }));
        }
    }

    #[test]
    fn markdown_labels_numbered_bullets_and_closing_remarks_are_handled() {
        let text = "**Title:** \"Blue Mug\"\n\n**Description:** A mug.\n\n**Key features:**\n1. One\n2) Two\n* Three\n• Four\n- Five\n- Six\n\nLet me know if you need changes!";
        let (_, d) = parse_in_pieces(text, 5);
        assert_eq!(d.title, "Blue Mug");
        assert_eq!(d.paragraphs, ["A mug."]);
        assert_eq!(d.bullets, ["One", "Two", "Three", "Four", "Five"], "at most five");
    }

    #[test]
    fn a_missing_title_label_takes_the_short_first_line() {
        let (_, d) = parse_in_pieces("Blue Mug\nA sturdy mug.\n- One", 4);
        assert_eq!((d.title.as_str(), d.paragraphs.len(), d.bullets.len()), ("Blue Mug", 1, 1));
        let (_, d) = parse_in_pieces("A sturdy mug for slow mornings.", 4);
        assert_eq!((d.title.as_str(), d.paragraphs.len()), ("", 1), "a sentence is not a title");
    }

    #[test]
    fn nothing_but_a_title_is_not_a_description() {
        let mut p = DescriptionParser::default();
        p.push("TITLE: Mug\n\n");
        p.finish();
        assert!(!p.produced());
    }
}
