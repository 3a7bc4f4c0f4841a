//! Packing text into posts that X accepts: whole sentences where they fit, numbered.
//!
//! Whitespace: the text is NFC-normalised; blank lines separate paragraphs; inside a
//! paragraph runs of spaces and tabs become one space and line breaks are kept (one `\n`),
//! so lists and short lines survive. Two paragraphs in one post are joined by a blank line.
//!
//! Break points, best first: between paragraphs (a paragraph that does not fit whole in
//! what is left of a post starts the next one), between sentences (Unicode sentence
//! boundaries; a sentence that does not fit starts the next post), between words (only in a
//! sentence longer than a post), inside a word (only a word longer than a post: at its own
//! sentence boundaries, as in CJK text without spaces, then between grapheme clusters).
//! Every check is X's exact weighted length of the post with its numbering.

use super::xlength::{MAX_WEIGHTED_LENGTH, x_length};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use unicode_normalization::{UnicodeNormalization, is_nfc};
use unicode_segmentation::UnicodeSegmentation;

/// How posts are numbered: `1/7 `, `1. ` or not at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Numbering {
    #[default]
    Fraction,
    Dot,
    None,
}

impl Numbering {
    pub const ALL: [Numbering; 3] = [Numbering::Fraction, Numbering::Dot, Numbering::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Numbering::Fraction => "1/7",
            Numbering::Dot => "1.",
            Numbering::None => "none",
        }
    }

    /// The prefix of post `index` (0-based) of `total`.
    fn prefix(self, index: usize, total: usize) -> String {
        match self {
            Numbering::Fraction => format!("{}/{} ", index + 1, total),
            Numbering::Dot => format!("{}. ", index + 1),
            Numbering::None => String::new(),
        }
    }

    /// The widest prefix of a thread of `total` posts (the last post's). The prefix is ASCII
    /// followed by a space, so it adds exactly its length to a post's weighted length.
    pub(super) fn reserve(self, total: usize) -> usize {
        let total = total.max(1);
        self.prefix(total - 1, total).len()
    }
}

impl fmt::Display for Numbering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("numbering must be \"1/7\", \"1.\" or \"none\"")]
pub struct UnknownNumbering;

impl FromStr for Numbering {
    type Err = UnknownNumbering;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Numbering::ALL.into_iter().find(|n| n.as_str().eq_ignore_ascii_case(s.trim())).ok_or(UnknownNumbering)
    }
}

/// The text that would be posted as post `index` (0-based) of `total`.
pub fn numbered(post: &str, index: usize, total: usize, numbering: Numbering) -> String {
    let mut text = numbering.prefix(index, total);
    text.push_str(post);
    text
}

/// Whether post `index` of `total`, numbered, stays within X's 280.
pub fn post_fits(post: &str, index: usize, total: usize, numbering: Numbering) -> bool {
    x_length(&numbered(post, index, total, numbering)).weighted_length <= MAX_WEIGHTED_LENGTH
}

/// The sentences of `text` (Unicode sentence boundaries), trimmed, without empty ones.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split_sentence_bounds().map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Packs `text` into posts that each fit 280 weighted characters with their numbering.
pub fn pack(text: &str, numbering: Numbering) -> Vec<String> {
    let paragraphs = paragraphs(&nfc(text));
    with_numbering(numbering, |budget| {
        let mut packer = Packer::new(budget);
        packer.add_paragraphs(&paragraphs);
        packer.finish()
    })
}

/// For posts written by a model: keeps those that fit as they are (trimmed), splits the
/// others by the rules of [`pack`] and drops empty ones.
pub fn repack(posts: Vec<String>, numbering: Numbering) -> Vec<String> {
    let posts: Vec<String> = posts.iter().map(|p| nfc(p.trim()).into_owned()).filter(|p| !p.is_empty()).collect();
    with_numbering(numbering, |budget| {
        let mut out = Vec::with_capacity(posts.len());
        for post in &posts {
            if x_length(post).weighted_length <= budget {
                out.push(post.clone());
            } else {
                let mut packer = Packer::new(budget);
                packer.add_paragraphs(&paragraphs(post));
                out.extend(packer.finish());
            }
        }
        out
    })
}

/// Posts threaded before the total is known (a model's output as it streams): each keeps room
/// for the numbering of a 99-post thread, so it still fits whatever the final count.
pub fn repack_for_stream(posts: Vec<String>, numbering: Numbering) -> Vec<String> {
    let budget = MAX_WEIGHTED_LENGTH - numbering.reserve(99);
    let mut out = Vec::with_capacity(posts.len());
    for post in posts.iter().map(|p| nfc(p.trim()).into_owned()).filter(|p| !p.is_empty()) {
        if x_length(&post).weighted_length <= budget {
            out.push(post);
        } else {
            let mut packer = Packer::new(budget);
            packer.add_paragraphs(&paragraphs(&post));
            out.extend(packer.finish());
        }
    }
    out
}

pub(super) fn nfc(text: &str) -> Cow<'_, str> {
    if is_nfc(text) { Cow::Borrowed(text) } else { Cow::Owned(text.nfc().collect()) }
}

/// Packs with room for the numbering of the final count: when the count needs a wider
/// prefix than was reserved (`9/9` → `10/10`), packs again with that room.
fn with_numbering(numbering: Numbering, pack: impl Fn(usize) -> Vec<String>) -> Vec<String> {
    let mut reserved = numbering.reserve(1);
    loop {
        let posts = pack(MAX_WEIGHTED_LENGTH - reserved);
        let needed = numbering.reserve(posts.len());
        if needed <= reserved {
            return posts;
        }
        reserved = needed;
    }
}

/// Greedy packing into posts of at most `budget` weighted characters.
///
/// A text's weight is the sum of its words' weights and its whitespace (URLs and emoji never
/// span a space; the x_length tests check it), so whole sentences and words are weighed once
/// and added up. Only the pieces of a cut word are weighed together with the post.
struct Packer {
    budget: usize,
    posts: Vec<String>,
    current: String,
    weight: usize,
}

impl Packer {
    fn new(budget: usize) -> Self {
        Packer { budget, posts: Vec::new(), current: String::new(), weight: 0 }
    }

    fn finish(mut self) -> Vec<String> {
        self.flush();
        self.posts
    }

    fn flush(&mut self) {
        if !self.current.is_empty() {
            self.posts.push(std::mem::take(&mut self.current));
        }
        self.weight = 0;
    }

    /// The post's weight with a piece weighing `weight` added after `separator` (whitespace).
    fn with(&self, separator: &str, weight: usize) -> usize {
        if self.current.is_empty() { weight } else { self.weight + separator.len() + weight }
    }

    fn append(&mut self, separator: &str, piece: &str, weight: usize) {
        self.weight = self.with(separator, weight);
        if !self.current.is_empty() {
            self.current.push_str(separator);
        }
        self.current.push_str(piece);
    }

    fn add_paragraphs(&mut self, paragraphs: &[Paragraph]) {
        for paragraph in paragraphs {
            if !self.current.is_empty() && self.with("\n\n", paragraph.weight) > self.budget {
                self.flush();
            }
            let mut separator = "\n\n";
            for unit in &paragraph.units {
                self.add_sentence(separator, &paragraph.text[unit.start..unit.end], unit.weight);
                separator = unit.separator_after;
            }
        }
    }

    fn add_sentence(&mut self, separator: &str, sentence: &str, weight: usize) {
        if self.with(separator, weight) <= self.budget {
            return self.append(separator, sentence, weight);
        }
        self.flush();
        if weight <= self.budget {
            return self.append("", sentence, weight);
        }
        let mut separator = "";
        for (word, after) in words(sentence) {
            self.add_word(separator, word);
            separator = after;
        }
    }

    fn add_word(&mut self, separator: &str, word: &str) {
        let weight = x_length(word).weighted_length;
        if self.with(separator, weight) <= self.budget {
            return self.append(separator, word, weight);
        }
        self.flush();
        if weight <= self.budget {
            return self.append("", word, weight);
        }
        self.cut(word);
    }

    /// Cuts a word longer than a post: each post takes the longest piece that fits, ending
    /// at one of the word's own sentence boundaries when one is in that piece (CJK without
    /// spaces), else between grapheme clusters (between characters only for one cluster
    /// longer than a post). Pieces are weighed together with the post, as one text: a piece
    /// may complete or break a URL or an emoji sequence.
    fn cut(&mut self, word: &str) {
        let graphemes: Vec<usize> = word.grapheme_indices(true).map(|(i, g)| i + g.len()).collect();
        let sentence_ends: Vec<usize> = word.split_sentence_bound_indices().map(|(i, s)| i + s.len()).collect();
        let mut start = 0;
        while start < word.len() {
            let ends: Vec<usize> = graphemes.iter().copied().filter(|&e| e > start).collect();
            let fits = |packer: &Self, end: usize| {
                x_length(&format!("{}{}", packer.current, &word[start..end])).weighted_length <= packer.budget
            };
            // The longest fitting piece (weight grows with length but for URLs and emoji, so
            // the search is checked and walked back when needed).
            let (mut low, mut high) = (0, ends.len());
            while low < high {
                let mid = (low + high).div_ceil(2);
                if fits(self, ends[mid - 1]) { low = mid } else { high = mid - 1 }
            }
            while low > 0 && !fits(self, ends[low - 1]) {
                low -= 1;
            }
            let end = if low > 0 {
                let longest = ends[low - 1];
                if longest == word.len() {
                    longest
                } else {
                    sentence_ends
                        .iter()
                        .rev()
                        .copied()
                        .find(|&e| e > start && e <= longest && fits(self, e))
                        .unwrap_or(longest)
                }
            } else if !self.current.is_empty() {
                self.flush();
                continue;
            } else {
                // One grapheme cluster longer than a post: cut it between characters.
                let cluster = &word[start..ends[0]];
                let mut end = start;
                for (i, c) in cluster.char_indices() {
                    if end > start && !fits(self, start + i + c.len_utf8()) {
                        break;
                    }
                    end = start + i + c.len_utf8();
                }
                end
            };
            self.current.push_str(&word[start..end]);
            self.weight = x_length(&self.current).weighted_length;
            start = end;
            if start < word.len() {
                self.flush();
            }
        }
    }
}

/// A paragraph: its normalised text, its weight and its sentences.
pub(super) struct Paragraph {
    text: String,
    weight: usize,
    units: Vec<Unit>,
}

impl Paragraph {
    /// Its sentences (see [`Unit`]), in order.
    pub(super) fn sentences(&self) -> impl Iterator<Item = &str> {
        self.units.iter().map(|u| &self.text[u.start..u.end])
    }
}

/// The paragraphs of `text` (NFC) with whitespace normalised, split into sentences.
pub(super) fn document(text: &str) -> Vec<Paragraph> {
    paragraphs(text)
}

/// The document with only the sentences `keep` says yes to (numbered across paragraphs, in
/// order), joined as they were; paragraphs left empty disappear.
pub(super) fn select(document: &[Paragraph], keep: impl Fn(usize) -> bool) -> Vec<Paragraph> {
    let mut index = 0;
    let mut out = Vec::new();
    for paragraph in document {
        let mut text = String::new();
        let mut units = Vec::new();
        let mut separator = "";
        for unit in &paragraph.units {
            if keep(index) {
                text.push_str(separator);
                let start = text.len();
                text.push_str(&paragraph.text[unit.start..unit.end]);
                units.push(Unit { start, end: text.len(), ..*unit });
                separator = unit.separator_after;
            }
            index += 1;
        }
        if !units.is_empty() {
            let weight = paragraph_weight(&units);
            out.push(Paragraph { text, weight, units });
        }
    }
    out
}

/// Packs a document into posts of at most `limit` weighted characters (numbering included
/// by the caller's choice of limit).
pub(super) fn pack_document(document: &[Paragraph], limit: usize) -> Vec<String> {
    let mut packer = Packer::new(limit);
    packer.add_paragraphs(document);
    packer.finish()
}

/// A sentence, or sentences written without space between them (`他说。好。`, `end.Next`):
/// they stay together unless they are longer than a post. A range of the paragraph's text.
#[derive(Clone, Copy)]
struct Unit {
    start: usize,
    end: usize,
    weight: usize,
    separator_after: &'static str,
}

/// Splits at blank lines and normalises whitespace inside each paragraph.
fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            lines.push(line);
        } else if !lines.is_empty() {
            out.push(paragraph(lines.join("\n")));
            lines.clear();
        }
    }
    out
}

fn paragraph(text: String) -> Paragraph {
    let mut units = Vec::new();
    let mut start = 0;
    for (i, segment) in text.split_sentence_bound_indices() {
        let trimmed = segment.trim_end().len();
        if trimmed == segment.len() && i + segment.len() < text.len() {
            continue; // glued to the next sentence
        }
        let end = i + trimmed;
        let unit_start = start + (text[start..end].len() - text[start..end].trim_start().len());
        if unit_start < end {
            let separator_after = if segment[trimmed..].contains('\n') { "\n" } else { " " };
            let weight = x_length(&text[unit_start..end]).weighted_length;
            units.push(Unit { start: unit_start, end, weight, separator_after });
        }
        start = i + segment.len();
    }
    let weight = paragraph_weight(&units);
    Paragraph { text, weight, units }
}

/// Sentences and the whitespace between them add up (see `Packer`).
fn paragraph_weight(units: &[Unit]) -> usize {
    units.iter().map(|u| u.weight + u.separator_after.len()).sum::<usize>()
        - units.last().map_or(0, |u| u.separator_after.len())
}

/// The words of a normalised sentence with the separator after each (`" "` or `"\n"`).
fn words(sentence: &str) -> impl Iterator<Item = (&str, &'static str)> {
    let mut rest = sentence;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find([' ', '\n']).unwrap_or(rest.len());
        let word = &rest[..end];
        let separator = if rest[end..].starts_with('\n') { "\n" } else { " " };
        rest = rest.get(end + 1..).unwrap_or("");
        Some((word, separator))
    })
}

#[cfg(test)]
#[path = "packer_tests.rs"]
mod tests;
