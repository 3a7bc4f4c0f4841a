//! Tests of the packer: examples, then properties over unicode-rich text.

use super::*;
use proptest::prelude::*;

fn weight(text: &str) -> usize {
    x_length(text).weighted_length
}

fn assert_all_fit(posts: &[String], numbering: Numbering) {
    for (i, post) in posts.iter().enumerate() {
        assert!(post_fits(post, i, posts.len(), numbering), "post {i} of {}: {post:?}", posts.len());
    }
}

#[test]
fn numbering_prefixes_and_names() {
    assert_eq!(numbered("Hi", 0, 7, Numbering::Fraction), "1/7 Hi");
    assert_eq!(numbered("Hi", 9, 12, Numbering::Dot), "10. Hi");
    assert_eq!(numbered("Hi", 0, 1, Numbering::None), "Hi");
    for n in Numbering::ALL {
        assert_eq!(n.as_str().parse::<Numbering>(), Ok(n));
    }
    assert_eq!(" NONE ".parse::<Numbering>(), Ok(Numbering::None));
    assert!("1)".parse::<Numbering>().is_err());
    assert_eq!(Numbering::default(), Numbering::Fraction);
}

#[test]
fn post_fits_counts_the_prefix() {
    let post = "a".repeat(276);
    assert!(post_fits(&post, 0, 9, Numbering::Fraction), "\"1/9 \" + 276 = 280");
    assert!(!post_fits(&post, 9, 10, Numbering::Fraction), "\"10/10 \" + 276 = 282");
    assert!(post_fits(&post, 9, 10, Numbering::None));
}

#[test]
fn sentences_are_unicode_sentences() {
    assert_eq!(sentences("Hello there. How are you?  Fine!\n"), vec!["Hello there.", "How are you?", "Fine!"]);
    assert_eq!(sentences("他说。好的。"), vec!["他说。", "好的。"]);
    assert!(sentences("  \n ").is_empty());
}

#[test]
fn short_text_is_one_post_and_empty_text_none() {
    assert_eq!(pack("  Just one   thought.  ", Numbering::Fraction), vec!["Just one thought."]);
    assert!(pack(" \n\n \t", Numbering::Fraction).is_empty());
}

#[test]
fn whole_sentences_go_together() {
    let sentence = |c: char| format!("{} end.", c.to_string().repeat(120));
    let text = [sentence('a'), sentence('b'), sentence('c')].join(" ");
    let posts = pack(&text, Numbering::Fraction);
    assert_eq!(posts, vec![format!("{} {}", sentence('a'), sentence('b')), sentence('c')]);
}

#[test]
fn paragraphs_are_preferred_break_points_and_lines_are_kept() {
    let text = "First paragraph, short.\nSecond line of it.\n\nSecond paragraph.";
    assert_eq!(pack(text, Numbering::None), vec!["First paragraph, short.\nSecond line of it.\n\nSecond paragraph."]);
    let long = "word ".repeat(40);
    let text = format!("Intro.\n\n{long}\n\n{long}");
    let posts = pack(&text, Numbering::None);
    assert_eq!(
        posts,
        vec![format!("Intro.\n\n{}", long.trim()), long.trim().to_string()],
        "the second long paragraph no longer fits whole"
    );
}

#[test]
fn urls_count_23_when_packing() {
    let url = format!("https://example.com/{}", "x".repeat(200));
    let text = format!("Read {url} and {url} now.");
    assert_eq!(pack(&text, Numbering::Fraction), vec![text.clone()]);
}

#[test]
fn a_long_sentence_splits_at_words() {
    let text = "lorem ipsum dolor sit amet ".repeat(20);
    let posts = pack(&text, Numbering::Fraction);
    assert_eq!(posts.len(), 2);
    assert_all_fit(&posts, Numbering::Fraction);
    assert!(posts.iter().all(|p| p.split(' ').all(|w| ["lorem", "ipsum", "dolor", "sit", "amet"].contains(&w))));
}

#[test]
fn cjk_without_spaces_splits_at_sentence_ends() {
    let sentence = "故人西辞黄鹤楼烟花三月下扬州。"; // 15 characters, 30 weighted
    let text = sentence.repeat(12);
    let posts = pack(&text, Numbering::Fraction);
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.ends_with('。')), "{posts:?}");
    assert_eq!(posts[0], sentence.repeat(9));
}

#[test]
fn a_word_longer_than_a_post_is_cut_between_grapheme_clusters() {
    let family = "👨‍👩‍👧‍👦";
    let word = format!("{}{}", "x".repeat(270), family.repeat(10));
    let posts = pack(&word, Numbering::Fraction);
    assert_all_fit(&posts, Numbering::Fraction);
    assert_eq!(posts.concat(), word);
    for post in &posts {
        assert!(post.replace(family, "").chars().all(|c| c == 'x'), "no family cut apart: {post:?}");
    }
}

#[test]
fn the_numbering_of_the_final_count_is_reserved() {
    // Nine posts of 276 fit "1/9 " … "9/9 "; a tenth post makes the prefix "10/10 ".
    let post = |c: char| c.to_string().repeat(275) + ".";
    let text: Vec<String> = "abcdefghij".chars().map(post).collect();
    let posts = pack(&text.join(" "), Numbering::Fraction);
    assert_all_fit(&posts, Numbering::Fraction);
    assert!(posts.len() > 10, "each 276 post no longer fits with \"10/11 \"");
    let nine = pack(&text[..9].join(" "), Numbering::Fraction);
    assert_eq!(nine.len(), 9);
}

#[test]
fn repack_keeps_fitting_posts_and_splits_the_others() {
    let long = "This sentence is long enough. ".repeat(12);
    let posts = vec!["  First post. ".to_string(), String::new(), long.clone(), "Last.".to_string()];
    let repacked = repack(posts, Numbering::Fraction);
    assert_eq!(repacked.first().map(String::as_str), Some("First post."));
    assert_eq!(repacked.last().map(String::as_str), Some("Last."));
    assert_eq!(repacked.len(), 4);
    assert_all_fit(&repacked, Numbering::Fraction);
    assert_eq!(repacked[1..3].concat().replace(' ', ""), long.replace(' ', ""));
}

#[test]
fn repack_keeps_a_fitting_post_verbatim() {
    let post = "Line one\n\n  indented   line".to_string();
    assert_eq!(repack(vec![post.clone()], Numbering::None), vec![post]);
}

// ---- properties ----

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z]{1,10}[.,!?]?",
        2 => "[\u{4e00}-\u{9fff}\u{3040}-\u{30ff}]{1,12}[。、]?",
        1 => "[\u{4e00}-\u{9fff}]{20,160}",
        2 => prop::sample::select(vec!["👍", "👍🏽", "👨‍👩‍👧‍👦", "🇺🇸", "1️⃣", "❤️", "©", "🏳️‍🌈"]).prop_map(str::to_string),
        1 => "[a-z]{1,3}[\u{0300}-\u{036f}]{1,3}",
        1 => prop::sample::select(vec!["https://example.com/a/b", "example.org", "http://t.co/xyz", "a@b.com"])
            .prop_map(str::to_string),
        1 => "[a-z]{200,400}",
        1 => "(https://x\\.com/)[a-z]{100,300}",
        1 => "[ا-ي]{1,8}",
    ]
}

fn text(max_words: usize) -> impl Strategy<Value = String> {
    let separator = prop_oneof![
        10 => Just(" "), 2 => Just(". "), 1 => Just("\n"), 1 => Just("\n\n"), 1 => Just("  \t"),
        1 => Just("\u{3000}"), 1 => Just("\u{a0}"), 1 => Just("! "), 1 => Just("")
    ];
    prop::collection::vec((word(), separator), 0..max_words)
        .prop_map(|parts| parts.into_iter().flat_map(|(w, s)| [w, s.to_string()]).collect())
}

fn non_whitespace(text: &str) -> String {
    text.nfc().filter(|c| !c.is_whitespace()).collect()
}

/// Every whitespace-separated word of `text` is whole in some post unless it is longer
/// than a post; a cut word's pieces end and start consecutive posts.
fn check_words(text: &str, posts: &[String], numbering: Numbering) -> Result<(), TestCaseError> {
    let budget = MAX_WEIGHTED_LENGTH - numbering.reserve(posts.len());
    let normalised: String = text.nfc().collect();
    let mut pieces = posts.iter().enumerate().flat_map(|(i, p)| p.split_whitespace().map(move |w| (i, w)));
    for word in normalised.split_whitespace() {
        let Some((mut post, first)) = pieces.next() else { return Err(TestCaseError::fail("words missing")) };
        if first == word {
            continue;
        }
        prop_assert!(weight(word) > budget, "word {word:?} fits a post ({budget}) but was cut");
        let mut joined = first.to_string();
        while joined.len() < word.len() {
            let Some((next_post, piece)) = pieces.next() else { return Err(TestCaseError::fail("cut word missing")) };
            prop_assert_eq!(next_post, post + 1, "a cut word continues in the next post");
            joined.push_str(piece);
            post = next_post;
        }
        prop_assert_eq!(&joined, word);
    }
    prop_assert!(pieces.next().is_none());
    Ok(())
}

proptest! {
    #[test]
    fn packed_posts_fit_and_keep_every_word(text in text(100), numbering in prop::sample::select(Numbering::ALL.to_vec())) {
        let posts = pack(&text, numbering);
        for (i, post) in posts.iter().enumerate() {
            prop_assert!(!post.trim().is_empty());
            prop_assert!(
                post_fits(post, i, posts.len(), numbering),
                "post {} of {} weighs {}: {:?}", i, posts.len(), weight(&numbered(post, i, posts.len(), numbering)), post
            );
        }
        // Post by post: joined first, a combining mark that starts a post would compose with the
        // end of the post before it ("は" + U+3099 → "ば"), which no reader ever sees.
        prop_assert_eq!(posts.iter().map(|p| non_whitespace(p)).collect::<String>(), non_whitespace(&text));
        check_words(&text, &posts, numbering)?;
    }

    #[test]
    fn repacked_posts_fit_and_keep_their_text(
        posts in prop::collection::vec(text(30), 0..5),
        numbering in prop::sample::select(Numbering::ALL.to_vec()),
    ) {
        let repacked = repack(posts.clone(), numbering);
        for (i, post) in repacked.iter().enumerate() {
            prop_assert!(!post.trim().is_empty());
            prop_assert!(post_fits(post, i, repacked.len(), numbering));
        }
        let joined = |posts: &[String]| posts.iter().map(|p| non_whitespace(p)).collect::<String>();
        prop_assert_eq!(joined(&repacked), joined(&posts));
    }
}

#[test]
fn streamed_posts_keep_room_for_the_widest_numbering() {
    let long = "word ".repeat(60); // 300 characters
    let posts = repack_for_stream(vec![long.clone(), "  ".into(), "short".into()], Numbering::Fraction);
    assert_eq!(posts.len(), 3, "{posts:?}");
    for post in &posts {
        assert!(post_fits(post, 98, 99, Numbering::Fraction), "{post}");
    }
    assert_eq!(posts.last().map(String::as_str), Some("short"));
}
