//! X's (Twitter's) weighted length of a post, by twitter-text's **v3** configuration: what the
//! composer counts against the 280 limit.
//!
//! - The text is NFC-normalised first.
//! - Code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 weigh 1,
//!   everything else 2 (CJK, most symbols, emoji).
//! - Every URL counts 23 whatever its length (t.co wraps it), with or without a protocol
//!   (`example.com` counts when `com` is a real top-level domain).
//! - An emoji sequence (ZWJ families, skin tones, flags, keycaps, tag flags) counts 2, as long
//!   as it is one of the RGI emoji: twitter-text looks each candidate up in its emoji list.
//! - Valid means 1 to 280 and none of U+FFFE, U+FEFF, U+FFFF.
//!
//! This runs in the browser as the person types, so it is our own code rather than the
//! `twitter-text` crate (which needs C++ through `cxx` and cannot build for wasm32). The
//! scanner is a port of that crate's (0.3.1, Apache-2.0, © Robert Sayre) nom parser, which the
//! tests use as the oracle. Three places follow the official twitter-text (and X) where that
//! parser's default backend does not: a URL without a protocol counts 23 (it counted its
//! characters), a domain starting with `h` is found from its first letter (`hello.com`, not
//! `ello.com`), and adjacent flags pair up (`🇺🇸🇬🇧` is two flags, not one unknown sequence).

mod emoji;
mod idna;
mod scan;
mod tlds;
mod url;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod oracle_tests;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// X's limit for one post.
pub const MAX_WEIGHTED_LENGTH: usize = 280;
/// What any URL counts.
pub const URL_WEIGHT: usize = 23;
/// What a recognised emoji sequence counts, however many code points it has.
const EMOJI_WEIGHT: usize = 2;

/// The weighted length of a text and whether X would accept it as one post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XLength {
    pub weighted_length: usize,
    pub valid: bool,
}

/// X's weighted length and validity of `text` (see the module documentation for the rules).
pub fn x_length(text: &str) -> XLength {
    let text: Cow<str> = if is_nfc(text) { Cow::Borrowed(text) } else { Cow::Owned(text.nfc().collect()) };
    let mut weighted_length = 0;
    let mut has_invalid_char = false;
    let mut counted_to = 0;
    for entity in scan::entities(&text) {
        weighted_length += text_weight(&text[counted_to..entity.start]);
        counted_to = entity.start;
        match entity.kind {
            scan::Kind::Url => {
                weighted_length += URL_WEIGHT;
                counted_to = entity.end;
            }
            scan::Kind::Emoji => {
                weighted_length += EMOJI_WEIGHT;
                counted_to = entity.end;
            }
            // It still counts as a character; it only makes the text invalid.
            scan::Kind::InvalidChar => has_invalid_char = true,
        }
    }
    weighted_length += text_weight(&text[counted_to..]);
    XLength {
        weighted_length,
        valid: !has_invalid_char && weighted_length > 0 && weighted_length <= MAX_WEIGHTED_LENGTH,
    }
}

/// The v3 weight of one code point outside URLs and emoji.
pub fn char_weight(c: char) -> usize {
    match c as u32 {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

/// The weight of plain text (no URL or emoji recognition): a cheap lower-level measure.
pub fn text_weight(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.chars().map(char_weight).sum() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len(text: &str) -> usize {
        x_length(text).weighted_length
    }

    #[test]
    fn latin_counts_one_and_cjk_two() {
        assert_eq!(len("hello"), 5);
        assert_eq!(len("漢字"), 4);
        assert_eq!(len("café"), 4);
        assert_eq!(len("“quoted” — dash"), 15);
    }

    #[test]
    fn urls_count_23_with_or_without_a_protocol() {
        assert_eq!(len("https://example.com/a/very/long/path/that/goes/on/and/on?and=more#frag"), 23);
        assert_eq!(len("see example.com now"), 4 + 23 + 4);
        assert_eq!(len("hello.com"), 23, "a domain starting with h is one URL");
        assert_eq!(len("example.notatld"), 15, "no URL without a real top-level domain");
        assert_eq!(len("mail me at a@example.com"), 24, "an email address is not a URL");
        assert_eq!(len("$abc.com"), 8, "a cashtag-like prefix hides the domain");
    }

    #[test]
    fn emoji_sequences_count_two() {
        assert_eq!(len("👨‍👩‍👧‍👦"), 2);
        assert_eq!(len("👍🏽"), 2);
        assert_eq!(len("🇺🇸🇬🇧"), 4, "two flags");
        assert_eq!(len("1️⃣"), 2);
        assert_eq!(len("🏴󠁧󠁢󠁥󠁮󠁧󠁿"), 2);
        assert_eq!(len("©"), 2, "© is an emoji, though its code point weighs 1");
        assert_eq!(len("😀\u{fe0f}"), 4, "not an RGI sequence: its parts count");
    }

    #[test]
    fn text_is_normalised_first() {
        assert_eq!(len("e\u{301}"), 1);
        assert_eq!(x_length("e\u{301}"), x_length("é"));
    }

    #[test]
    fn validity_needs_one_to_280_and_no_invalid_characters() {
        assert!(!x_length("").valid);
        assert!(x_length(&"a".repeat(280)).valid);
        assert!(!x_length(&"a".repeat(281)).valid);
        assert!(!x_length("abc\u{feff}").valid);
        assert_eq!(len("abc\u{fffe}"), 5);
        assert!(x_length("\u{202a}abc\u{202c}").valid, "directional marks are allowed");
    }

    #[test]
    fn serialises_as_the_cli_prints_it() {
        let json = serde_json::to_string(&x_length("hi")).unwrap();
        assert_eq!(json, r#"{"weighted_length":2,"valid":true}"#);
    }
}
