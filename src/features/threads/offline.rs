//! The offline thread writer, used when no AI provider is configured: deterministic, no
//! network, fast.
//!
//! A hook post comes first: the most representative of the first three sentences, with a
//! lead-in for the tone and a thread marker (🧵). The other sentences follow, packed into
//! posts by [`packer`](super::packer). When they need more posts than asked for (or than
//! 25), the best sentences are kept in their original order: each sentence scores the
//! average document frequency of its content words, with a bonus for opening the text or a
//! paragraph. With a requested count and enough sentences, the thread has exactly that many
//! posts: the sentences are spread by packing against a lower per-post limit.

use super::packer::{self, Numbering, Paragraph};
use super::xlength::{MAX_WEIGHTED_LENGTH, x_length};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// The most posts in a thread.
pub const MAX_POSTS: usize = 25;
/// The fewest posts one can ask for.
pub const MIN_POSTS: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Casual,
    Professional,
    Enthusiastic,
    Witty,
}

impl Tone {
    pub const ALL: [Tone; 5] = [Tone::Neutral, Tone::Casual, Tone::Professional, Tone::Enthusiastic, Tone::Witty];

    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Casual => "casual",
            Tone::Professional => "professional",
            Tone::Enthusiastic => "enthusiastic",
            Tone::Witty => "witty",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Tone::Neutral => "Neutral",
            Tone::Casual => "Casual",
            Tone::Professional => "Professional",
            Tone::Enthusiastic => "Enthusiastic",
            Tone::Witty => "Witty",
        }
    }

    /// The hook post around its sentence; `body_posts` is how many posts follow it.
    fn hook(self, sentence: &str, body_posts: usize) -> String {
        match self {
            Tone::Neutral => format!("{sentence}\n\nA thread 🧵"),
            Tone::Casual => format!("Okay, so here's the thing: {sentence} 🧵👇"),
            Tone::Professional => match body_posts {
                0 => format!("Key insight: {sentence}"),
                1 => format!("Key insight: {sentence}\n\nThe details in one more post 🧵"),
                n => format!("Key insight: {sentence}\n\nThe details in {n} posts 🧵"),
            },
            Tone::Enthusiastic => format!("This is worth your time! {sentence} 🧵👇"),
            Tone::Witty => format!("Plot twist: {sentence} 🧵"),
        }
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tone must be one of neutral, casual, professional, enthusiastic, witty")]
pub struct UnknownTone;

impl FromStr for Tone {
    type Err = UnknownTone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tone::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s.trim())).ok_or(UnknownTone)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the number of posts must be \"auto\" or {MIN_POSTS} to {MAX_POSTS}")]
pub struct InvalidPostCount;

/// Parses the posts option: `auto` (or empty) is `None`, else a number from 2 to 25.
pub fn parse_post_count(s: &str) -> Result<Option<u8>, InvalidPostCount> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    match s.parse::<u8>() {
        Ok(n) if (MIN_POSTS..=MAX_POSTS).contains(&usize::from(n)) => Ok(Some(n)),
        _ => Err(InvalidPostCount),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ThreadOptions {
    pub tone: Tone,
    /// `None` is automatic; otherwise 2 to 25 (values outside are brought within).
    pub posts: Option<u8>,
    pub numbering: Numbering,
}

/// Writes a thread from `source`: a hook post, then the text packed into posts, each within
/// 280 weighted characters with its numbering. Empty text gives no posts.
pub fn write_thread(source: &str, options: &ThreadOptions) -> Vec<String> {
    let document = packer::document(&packer::nfc(source));
    let sentences: Vec<&str> = document.iter().flat_map(Paragraph::sentences).collect();
    if sentences.is_empty() {
        return Vec::new();
    }
    let scores = scores(&document, &sentences);
    let hook =
        (0..sentences.len().min(3)).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a))).unwrap_or(0);
    let rest = packer::select(&document, |i| i != hook);

    let requested = options.posts.map(|n| usize::from(n).clamp(MIN_POSTS, MAX_POSTS) - 1);
    let numbering = options.numbering;
    // Room for the numbering of the longest thread this can become.
    let limit_for = |body: usize| MAX_WEIGHTED_LENGTH - numbering.reserve(body + 1);
    let natural = packer::pack_document(&rest, limit_for(MAX_POSTS - 1));
    let target = requested.unwrap_or(natural.len().min(MAX_POSTS - 1));
    let body = if natural.len() > target {
        shorten(&rest, &scores, hook, target, limit_for(target))
    } else if requested.is_some() && natural.len() < target {
        spread(&rest, target, limit_for(target))
    } else {
        packer::pack_document(&rest, limit_for(natural.len()))
    };

    let total = body.len() + 1;
    let mut thread = Vec::with_capacity(total);
    thread.push(hook_post(options.tone, sentences[hook], body.len(), total, numbering));
    thread.extend(body);
    thread
}

/// The best sentences (in their order) that fit in `target` posts.
fn shorten(rest: &[Paragraph], scores: &[f64], hook: usize, target: usize, limit: usize) -> Vec<String> {
    // Sentence numbers of `rest` skip the hook's.
    let mut ranked: Vec<usize> = (0..scores.len()).filter(|&i| i != hook).collect();
    ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let original = |kept: usize| if kept >= hook { kept + 1 } else { kept };
    let pack_best = |count: usize| {
        let mut keep = vec![false; scores.len()];
        for &i in &ranked[..count] {
            keep[i] = true;
        }
        packer::pack_document(&packer::select(rest, |i| keep[original(i)]), limit)
    };
    // The most sentences that still fit (packing grows with the sentences kept).
    let (mut low, mut high) = (1, ranked.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        if pack_best(mid).len() <= target { low = mid } else { high = mid - 1 }
    }
    let posts = pack_best(low);
    if posts.len() > target {
        // Even the best sentence alone needs more posts than asked: keep its first ones.
        return posts.into_iter().take(target).collect();
    }
    posts
}

/// Exactly `target` posts when there are enough sentences: packed against the smallest
/// per-post limit that keeps them within `target` posts, then the heaviest posts of several
/// sentences split in two (at the sentence that balances them best) until there are
/// `target`.
fn spread(rest: &[Paragraph], target: usize, limit: usize) -> Vec<String> {
    let longest = rest.iter().flat_map(Paragraph::sentences).map(|s| x_length(s).weighted_length).max().unwrap_or(0);
    let (mut low, mut high) = (longest.min(limit), limit);
    while low < high {
        let mid = (low + high) / 2;
        if packer::pack_document(rest, mid).len() <= target { high = mid } else { low = mid + 1 }
    }
    let mut posts = packer::pack_document(rest, low);
    while posts.len() < target {
        let split = posts
            .iter()
            .enumerate()
            .filter_map(|(i, post)| Some((i, split_in_two(post, limit)?)))
            .max_by_key(|(i, _)| (x_length(&posts[*i]).weighted_length, std::cmp::Reverse(*i)));
        let Some((i, halves)) = split else { break };
        posts.splice(i..=i, halves);
    }
    posts
}

/// A post of several sentences as two posts, split at the sentence that balances them best.
fn split_in_two(post: &str, limit: usize) -> Option<Vec<String>> {
    let document = packer::document(post);
    let count = document.iter().map(|p| p.sentences().count()).sum::<usize>();
    (1..count)
        .map(|k| {
            let mut halves = packer::pack_document(&packer::select(&document, |i| i < k), limit);
            halves.extend(packer::pack_document(&packer::select(&document, |i| i >= k), limit));
            halves
        })
        .min_by_key(|halves| halves.iter().map(|h| x_length(h).weighted_length).max().unwrap_or(0))
}

/// The hook post: the tone's lead-in around the sentence, shortened at a word (with `…`)
/// when the whole would not fit as post 1 of `total`.
fn hook_post(tone: Tone, sentence: &str, body_posts: usize, total: usize, numbering: Numbering) -> String {
    let fits = |post: &str| packer::post_fits(post, 0, total, numbering);
    let post = tone.hook(sentence, body_posts);
    if fits(&post) {
        return post;
    }
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let (mut low, mut high) = (0, words.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(&tone.hook(&format!("{}…", words[..mid].join(" ")), body_posts)) { low = mid } else { high = mid - 1 }
    }
    if low > 0 {
        return tone.hook(&format!("{}…", words[..low].join(" ")), body_posts);
    }
    // A first word longer than a post: its start.
    let mut cut = String::new();
    for grapheme in unicode_segmentation::UnicodeSegmentation::graphemes(sentence, true) {
        if !fits(&tone.hook(&format!("{cut}{grapheme}…"), body_posts)) {
            break;
        }
        cut.push_str(grapheme);
    }
    tone.hook(&format!("{cut}…"), body_posts)
}

/// Each sentence's score: the average number of sentences its content words appear in,
/// plus a bonus for the first sentence of the text and of each paragraph.
fn scores(document: &[Paragraph], sentences: &[&str]) -> Vec<f64> {
    let words: Vec<Vec<String>> = sentences.iter().map(|s| content_words(s)).collect();
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    for sentence in &words {
        let mut seen: Vec<&str> = sentence.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for word in seen {
            *frequency.entry(word).or_default() += 1;
        }
    }
    let mut paragraph_starts = Vec::new();
    let mut index = 0;
    for paragraph in document {
        paragraph_starts.push(index);
        index += paragraph.sentences().count();
    }
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let centrality = if w.is_empty() {
                0.0
            } else {
                w.iter().map(|word| frequency[word.as_str()] as f64).sum::<f64>() / w.len() as f64
            };
            let position = if i == 0 {
                1.0
            } else if paragraph_starts.contains(&i) {
                0.5
            } else {
                0.0
            };
            centrality + position
        })
        .collect()
}

fn content_words(sentence: &str) -> Vec<String> {
    unicode_segmentation::UnicodeSegmentation::unicode_words(sentence)
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 2 || !w.is_ascii())
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

const STOPWORDS: &[&str] = &[
    "about", "after", "all", "also", "and", "any", "are", "because", "been", "before", "but", "can", "could", "did",
    "does", "for", "from", "had", "has", "have", "her", "his", "how", "into", "its", "just", "more", "most", "not",
    "now", "only", "other", "our", "out", "over", "she", "should", "some", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "too", "very", "was", "were", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "would", "you", "your",
];

#[cfg(test)]
#[path = "offline_tests.rs"]
mod tests;
