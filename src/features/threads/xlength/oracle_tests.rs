//! Our counter against the `twitter-text` crate (a dev-dependency: it needs C++ and cannot
//! ship in the browser build).
//!
//! The crate has three parsing backends that disagree in places, and its default one (nom)
//! counts a URL without a protocol by its characters, misses `hello.com` (it finds
//! `ello.com`) and `example.com.` (a sentence-final dot), and reads `🇺🇸🇬🇧` as one unknown
//! sequence. The official twitter-text and the crate's two Pest backends count such URLs as
//! 23 and flags in pairs; the nom backend is right where the Pest ones are not (`$abc.com` is
//! no URL). So every space-separated word must get the answer of at least one backend —
//! nom's with URLs without a protocol counted as 23 — and a whole text the answer of all three
//! whenever they agree.

use super::{MAX_WEIGHTED_LENGTH, URL_WEIGHT, x_length};
use proptest::prelude::*;
use twitter_text::ParserBackend;
use twitter_text::entity::Type;
use twitter_text::extractor::{Extract, ValidatingExtractor};

fn config() -> &'static twitter_text_config::Configuration {
    twitter_text_config::config_v3()
}

/// The text weight of `s` by the configuration's own ranges.
fn config_weight(s: &str) -> usize {
    let config = config();
    let units: i32 = s
        .chars()
        .map(|c| config.ranges.iter().find(|r| r.contains(c as i32)).map_or(config.default_weight, |r| r.weight))
        .sum();
    (units / config.scale) as usize
}

/// The nom backend, with each URL without a protocol counted as 23 instead of its characters.
fn nom_with_urls(text: &str) -> usize {
    let mut extractor = ValidatingExtractor::with_parser_backend(config(), ParserBackend::Nom);
    let input = extractor.prep_input(text);
    let result = extractor.extract_urls_with_indices(&input);
    let mut length = result.parse_results.weighted_length as usize;
    for entity in &result.entities {
        let url = entity.get_value();
        let lower = url.to_ascii_lowercase();
        if entity.get_type() == Type::URL && !lower.starts_with("http://") && !lower.starts_with("https://") {
            length = length + URL_WEIGHT - config_weight(url);
        }
    }
    length
}

fn backend(text: &str, backend: ParserBackend) -> usize {
    twitter_text::parse_with_parser_backend(text, config(), true, backend).weighted_length as usize
}

/// The three answers, or `None` where the crate panics (it slices strings inside a character
/// in a few places, e.g. `¥$@a`).
fn oracles(text: &str) -> Option<[usize; 3]> {
    quiet_crate_panics();
    std::panic::catch_unwind(|| {
        [nom_with_urls(text), backend(text, ParserBackend::External), backend(text, ParserBackend::Pest)]
    })
    .ok()
}

/// Keeps the crate's own panics out of the test output (other panics print as usual).
fn quiet_crate_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("twitter-text-0.3.1")) {
                default(info);
            }
        }));
    });
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let ours = x_length(text);
    for word in text.split([' ', '\n']) {
        let Some(theirs) = oracles(word) else { return Ok(()) };
        let mine = x_length(word).weighted_length;
        if theirs[0] != theirs[1] && theirs[1] != theirs[2] && theirs[0] != theirs[2] {
            // No two backends agree (`a.bHTTPS://example.com`): the crate has no answer.
            continue;
        }
        prop_assert!(
            theirs.contains(&mine),
            "word {word:?}: ours {mine}, twitter-text (nom+urls, external, pest) {theirs:?}"
        );
    }
    // Words count independently: the packer adds up their weights.
    let words_total: usize = text.split([' ', '\n']).map(|w| x_length(w).weighted_length).sum();
    prop_assert_eq!(
        ours.weighted_length,
        words_total + text.matches([' ', '\n']).count(),
        "words add up in {:?}",
        text
    );
    let Some(theirs) = oracles(text) else { return Ok(()) };
    if theirs.iter().all(|&t| t == theirs[0]) {
        prop_assert_eq!(ours.weighted_length, theirs[0], "whole text {:?}", text);
    }
    let invalid_char = text.contains(['\u{fffe}', '\u{feff}', '\u{ffff}']);
    prop_assert_eq!(ours.valid, !invalid_char && (1..=MAX_WEIGHTED_LENGTH).contains(&ours.weighted_length));
    let crate_says = twitter_text::parse(text, config(), true);
    if crate_says.weighted_length as usize == ours.weighted_length {
        prop_assert_eq!(ours.valid, crate_says.is_valid, "validity of {:?}", text);
    }
    Ok(())
}

/// RGI emoji, as people type them (with and without U+FE0F).
const EMOJI: &[&str] = &[
    "😀",
    "👍",
    "👍🏽",
    "👋🏿",
    "❤️",
    "❤",
    "☺",
    "✌️",
    "✌🏻",
    "👨‍👩‍👧‍👦",
    "👩🏽‍💻",
    "🧑🏻‍🤝‍🧑🏿",
    "🏳️‍🌈",
    "🏴‍☠️",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿",
    "1️⃣",
    "#⃣",
    "*️⃣",
    "©",
    "®️",
    "™️",
    "⌚",
    "⌚️",
    "🫶🏼",
    "🐈‍⬛",
    "😶‍🌫️",
    "❤️‍🔥",
    "🙂‍↔️",
];

/// Flags. Right after another emoji the crate's nom backend reads the regional indicators as
/// part of that emoji (`😀🇺🇸`, `🇺🇸🇬🇧` count 6 and 8, not 4): `known_disagreements…` pins
/// those; here a flag starts a word.
const FLAGS: &[&str] = &["🇺🇸", "🇯🇵", "🇬🇧", "🇺🇦"];

/// Sequences that are no emoji. Next to other emoji the crate's backends disagree with each
/// other about them (the nom one reads a run of them as one unknown sequence), so they come
/// as words of their own.
const NOT_EMOJI: &[&str] = &[" 😀\u{fe0f}", "\u{200d}", " 🏻", "👨‍🐱", " 🇦🇦", " 🇺", " ✌\u{fe0f}🏻"];

const DOMAINS: &[&str] = &[
    "example.com",
    "hello.com",
    "t.co",
    "x.com",
    "bit.ly",
    "sub.example.co.uk",
    "test.dev",
    "my-site.io",
    "example.notatld",
    "under_score.example.org",
    "例え.jp",
    "bücher.de",
    "twitter.みんな",
    "foo.рф",
    "1.2.3.4",
    "a.b",
    "example.com.",
    "EXAMPLE.COM",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,12}",
        1 => "[a-z]{1,6}[.,!?:;]",
        1 => "[0-9]{1,4}",
        2 => (prop::sample::select(DOMAINS), "(/[a-zA-Z0-9_()-]{0,10})?([?][a-z]=[0-9])?[.,)]?")
            .prop_map(|(d, path)| format!("{d}{path}")),
        2 => (prop_oneof![Just("http://"), Just("https://"), Just("HTTPS://")], prop::sample::select(DOMAINS), "(/[a-zA-Z0-9_.~-]{0,20})?")
            .prop_map(|(p, d, path)| format!("{p}{d}{path}")),
        2 => "[\u{4e00}-\u{9fff}\u{3040}-\u{30ff}\u{ac00}-\u{d7af}]{1,8}",
        3 => prop::collection::vec(prop::sample::select(EMOJI), 1..4).prop_map(|e| e.concat()),
        1 => prop::sample::select(NOT_EMOJI).prop_map(str::to_string),
        1 => prop::sample::select(FLAGS).prop_map(|flag| format!(" {flag}")),
        1 => "[a-zé][\u{0300}-\u{036f}]{1,3}[a-z]{0,3}",
        1 => "[@#$][a-zA-Z_]{1,10}",
        1 => "[\u{2000}-\u{206f}\u{fe0e}\u{20e3}]{1,3}",
        1 => "\\PC{1,4}".prop_filter("the crate slices inside U+FF20", |s| !s.contains(['\u{ff20}', '\u{ff03}'])),
    ]
}

fn text() -> impl Strategy<Value = String> {
    // Words glued to each other (`a.bHTTPS://x.com`) make the crate's backends disagree with
    // each other and with the official twitter-text; text has spaces or punctuation.
    let separator = prop_oneof![6 => Just(" "), 1 => Just("\n"), 1 => Just(", "), 1 => Just(". "), 1 => Just("\n\n")];
    prop::collection::vec((word(), separator), 1..12)
        .prop_map(|parts| parts.into_iter().flat_map(|(w, sep)| [w, sep.to_string()]).collect())
}

proptest! {
    // proptest's default of 256 cases; PROPTEST_CASES=N runs more.
    #[test]
    fn agrees_with_twitter_text(text in text()) {
        check(&text)?;
    }
}

#[test]
fn known_disagreements_follow_the_official_twitter_text() {
    // (text, ours, nom backend as it is)
    for (text, ours) in [
        ("hello.com", 23),
        ("Read example.com.", 5 + 23 + 1),
        ("🇺🇸🇬🇧", 4),
        ("I 😀🇺🇸", 2 + 2 + 2),
        ("$abc.com", 8),
        ("a.👨‍👩‍👧", 2 + 2),
    ] {
        assert_eq!(x_length(text).weighted_length, ours, "{text}");
        check(text).unwrap();
    }
}

#[test]
fn emoji_list_matches_the_emojis_crate() {
    let mut checked = 0;
    for emoji in emojis::iter().flat_map(|e| std::iter::once(e).chain(e.skin_tones().into_iter().flatten())) {
        let form = emoji.as_str();
        let chars: Vec<char> = form.chars().collect();
        let mut variants = vec![form.to_string(), format!("{form}\u{fe0f}"), form.replace('\u{fe0f}', "")];
        for i in 0..chars.len() {
            let mut v = chars.clone();
            v.insert(i + 1, '\u{fe0f}');
            variants.push(v.into_iter().collect());
        }
        for v in variants {
            assert_eq!(super::emoji::is_emoji(&v), emojis::get(&v).is_some(), "{}", v.escape_unicode());
            checked += 1;
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn tld_list_matches_twitter_text() {
    let theirs: std::collections::BTreeSet<&str> = twitter_text::tlds::TLDS.iter().copied().collect();
    let ours: std::collections::BTreeSet<&str> = include_str!("tlds.txt").lines().collect();
    assert_eq!(ours, theirs);
}
