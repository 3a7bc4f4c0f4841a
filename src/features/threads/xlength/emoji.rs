//! Emoji sequences: the candidate grammar of twitter-text 0.3.1's `nom_parser::emoji`
//! (Apache-2.0) and the list it checks candidates against (the `emojis` crate 0.9.1, which
//! the crate uses; `emoji.txt` is generated from it and a test keeps them equal).
//!
//! `emoji.txt` holds every fully-qualified emoji, sorted and front-coded: each line starts
//! with one character `'0' + n` saying how many code points it shares with the line before.
//! Each of them is also accepted with any of its U+FE0F left out. Its last line, after `~`,
//! lists the emoji whose form with U+FE0F added is accepted too.

use std::collections::HashSet;
use std::sync::OnceLock;

const TABLE: &str = include_str!("emoji.txt");

pub(super) fn is_start(c: char) -> bool {
    matches!(c, '\u{a9}' | '\u{ae}' | '\u{203c}'..='\u{3299}' | '\u{1f000}'..='\u{1faff}' | '#' | '*' | '0'..='9')
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1f1e6}'..='\u{1f1ff}')
}

/// What may follow an emoji without a joiner. Unlike the crate, regional indicators are not
/// among them: they pair up into flags, so `🇺🇸🇬🇧` is two flags, as in the official
/// twitter-text.
fn is_modifier(c: char) -> bool {
    matches!(c, '\u{1f3fb}'..='\u{1f3ff}' | '\u{fe0e}' | '\u{fe0f}' | '\u{20e3}' | '\u{e0000}'..='\u{e007f}')
}

/// The length in bytes of the emoji candidate at the start of `input`, if one starts there.
pub(super) fn candidate(input: &str) -> Option<usize> {
    let mut chars = input.chars();
    let first = chars.next()?;
    if !is_start(first) {
        return None;
    }
    let mut len = first.len_utf8();
    if matches!(first, '#' | '*' | '0'..='9') {
        // A keycap: the base, an optional U+FE0F, then U+20E3.
        return match (chars.next(), chars.next()) {
            (Some('\u{20e3}'), _) => Some(len + 3),
            (Some('\u{fe0f}'), Some('\u{20e3}')) => Some(len + 6),
            _ => None,
        };
    }
    if is_regional_indicator(first)
        && let Some(second) = chars.next().filter(|&c| is_regional_indicator(c))
    {
        len += second.len_utf8();
    }
    loop {
        let mut rest = input[len..].chars();
        match rest.next() {
            Some(c) if is_modifier(c) => len += c.len_utf8(),
            Some('\u{200d}') => match rest.next() {
                Some(next) if is_start(next) => len += 3 + next.len_utf8(),
                _ => break,
            },
            _ => break,
        }
    }
    Some(len)
}

/// Whether `candidate` is in the emoji list.
pub(super) fn is_emoji(candidate: &str) -> bool {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(build).contains(candidate)
}

fn build() -> HashSet<String> {
    let mut set = HashSet::with_capacity(5500);
    let mut previous: Vec<char> = Vec::new();
    for line in TABLE.lines() {
        let mut chars = line.chars();
        match chars.next() {
            Some('~') => {
                for base in chars {
                    set.insert(format!("{base}\u{fe0f}"));
                }
            }
            Some(shared) => {
                previous.truncate((shared as usize).saturating_sub('0' as usize));
                previous.extend(chars);
                insert_without_fe0f(&mut set, &previous);
            }
            None => {}
        }
    }
    set
}

/// Inserts `emoji` and every form of it with some of its U+FE0F left out.
fn insert_without_fe0f(set: &mut HashSet<String>, emoji: &[char]) {
    let selectors: Vec<usize> = emoji.iter().enumerate().filter(|&(_, &c)| c == '\u{fe0f}').map(|(i, _)| i).collect();
    for mask in 0..1u32 << selectors.len() {
        let form = emoji
            .iter()
            .enumerate()
            .filter(|(i, _)| selectors.iter().position(|s| s == i).is_none_or(|bit| mask & (1 << bit) == 0))
            .map(|(_, c)| c)
            .collect();
        set.insert(form);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_group_sequences() {
        assert_eq!(candidate("👨‍👩‍👧 x"), Some("👨‍👩‍👧".len()));
        assert_eq!(candidate("👍🏽!"), Some("👍🏽".len()));
        assert_eq!(candidate("🇺🇸🇬🇧"), Some("🇺🇸".len()));
        assert_eq!(candidate("1️⃣"), Some("1️⃣".len()));
        assert_eq!(candidate("1"), None);
        assert_eq!(candidate("a"), None);
    }

    #[test]
    fn the_list_knows_qualified_and_unqualified_forms() {
        for emoji in ["😀", "❤️", "❤", "⌚️", "⌚", "🇺🇸", "👩🏽‍💻", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "©", "©️"]
        {
            assert!(is_emoji(emoji), "{emoji}");
        }
        for not in ["😀\u{fe0f}", "🇦🇦", "🏻", "あ", "👨‍🐱"] {
            assert!(!is_emoji(not), "{not}");
        }
    }
}
