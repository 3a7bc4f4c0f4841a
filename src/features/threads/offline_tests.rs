//! Tests of the offline thread writer.

use super::*;
use crate::features::threads::packer::post_fits;
use proptest::prelude::*;

/// An article of `sentences` distinct sentences in paragraphs of five, about one topic.
fn article(sentences: usize) -> String {
    let topics = ["threads", "writing", "readers", "editing", "numbers", "hooks", "drafts"];
    (0..sentences)
        .map(|i| {
            let topic = topics[i % topics.len()];
            let sentence = format!(
                "Sentence {i} explains how {topic} help good threads reach readers who care about {topic} and clear writing."
            );
            if i % 5 == 4 { format!("{sentence}\n\n") } else { format!("{sentence} ") }
        })
        .collect()
}

fn options(posts: Option<u8>) -> ThreadOptions {
    ThreadOptions { posts, ..ThreadOptions::default() }
}

fn assert_thread_fits(thread: &[String], numbering: Numbering) {
    for (i, post) in thread.iter().enumerate() {
        assert!(post_fits(post, i, thread.len(), numbering), "post {i} of {}: {post:?}", thread.len());
    }
}

/// The sentence numbers (from `article`) in a post, in order.
fn sentence_numbers(post: &str) -> Vec<usize> {
    post.split("Sentence ").skip(1).filter_map(|rest| rest.split(' ').next()?.parse().ok()).collect()
}

#[test]
fn tones_and_post_counts_parse() {
    for tone in Tone::ALL {
        assert_eq!(tone.as_str().parse::<Tone>(), Ok(tone));
        assert!(!tone.label().is_empty());
    }
    assert!("angry".parse::<Tone>().is_err());
    assert_eq!(parse_post_count("auto"), Ok(None));
    assert_eq!(parse_post_count(""), Ok(None));
    assert_eq!(parse_post_count("7"), Ok(Some(7)));
    assert_eq!(parse_post_count("25"), Ok(Some(25)));
    assert!(parse_post_count("1").is_err());
    assert!(parse_post_count("26").is_err());
    assert!(parse_post_count("seven").is_err());
}

#[test]
fn empty_text_gives_no_thread() {
    assert!(write_thread("  \n\n ", &ThreadOptions::default()).is_empty());
}

#[test]
fn the_hook_comes_first_with_the_tone_and_a_thread_marker() {
    let text = article(12);
    for tone in Tone::ALL {
        let thread = write_thread(&text, &ThreadOptions { tone, ..ThreadOptions::default() });
        assert!(thread.len() >= 2);
        assert!(thread[0].contains('🧵'), "{tone}: {}", thread[0]);
        assert!(thread[0].contains("Sentence 0 explains"), "{tone}: {}", thread[0]);
        assert!(!thread[1..].concat().contains("Sentence 0 explains"), "the hook's sentence is not repeated");
        assert_thread_fits(&thread, Numbering::Fraction);
    }
    let witty = write_thread(&text, &ThreadOptions { tone: Tone::Witty, ..ThreadOptions::default() });
    assert!(witty[0].starts_with("Plot twist: "));
}

#[test]
fn a_requested_count_is_met_exactly() {
    let text = article(120);
    for n in [2u8, 3, 7, 12, 25] {
        let thread = write_thread(&text, &options(Some(n)));
        assert_eq!(thread.len(), usize::from(n), "asked for {n}");
        assert_thread_fits(&thread, Numbering::Fraction);
    }
    // Fewer sentences than posts asked for: spread out, one sentence a post.
    let thread = write_thread(&article(30), &options(Some(25)));
    assert_eq!(thread.len(), 25);
}

#[test]
fn a_short_text_gives_fewer_posts_than_asked() {
    let thread = write_thread("One idea. A second idea. A third idea.", &options(Some(10)));
    assert_eq!(thread.len(), 3, "{thread:?}");
}

#[test]
fn automatic_threads_stop_at_25_posts_and_keep_the_order() {
    let thread = write_thread(&article(400), &options(None));
    assert_eq!(thread.len(), MAX_POSTS);
    assert_thread_fits(&thread, Numbering::Fraction);
    let order: Vec<usize> = thread[1..].iter().flat_map(|p| sentence_numbers(p)).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sentences keep their order: {order:?}");
    assert!(order.len() > 24, "whole sentences are chosen, not cut");
}

#[test]
fn a_text_that_fits_is_kept_whole() {
    let text = article(10);
    let thread = write_thread(&text, &options(None));
    let order: Vec<usize> = thread[1..].iter().flat_map(|p| sentence_numbers(p)).collect();
    assert_eq!(order, (1..10).collect::<Vec<_>>());
}

#[test]
fn the_same_text_gives_the_same_thread() {
    let text = article(200);
    let options = ThreadOptions { tone: Tone::Casual, posts: Some(9), numbering: Numbering::Dot };
    assert_eq!(write_thread(&text, &options), write_thread(&text, &options));
}

#[test]
fn counts_outside_the_range_are_brought_within() {
    let text = article(100);
    assert_eq!(write_thread(&text, &options(Some(0))).len(), MIN_POSTS);
    assert_eq!(write_thread(&text, &options(Some(200))).len(), MAX_POSTS);
}

#[test]
fn a_giant_first_sentence_makes_a_shortened_hook() {
    let text = format!("{} end. Then more. And more.", "word ".repeat(100));
    let thread = write_thread(&text, &options(None));
    assert!(thread[0].contains('…'), "{}", thread[0]);
    assert_thread_fits(&thread, Numbering::Fraction);
}

#[test]
fn a_5000_word_article_is_quick() {
    let text = article(300); // about 5,100 words
    let started = std::time::Instant::now();
    let thread = write_thread(&text, &options(Some(25)));
    assert_eq!(thread.len(), 25);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn threads_fit_and_respect_the_count(
        sentences in prop::collection::vec("[A-Z][a-z]{1,8}( [a-zà-ü]{1,10}){0,40}[.!?]( [\u{4e00}-\u{9fff}]{1,30}。)?", 0..60),
        paragraph_every in 1usize..8,
        posts in prop::option::of(0u8..30),
        tone in prop::sample::select(Tone::ALL.to_vec()),
        numbering in prop::sample::select(Numbering::ALL.to_vec()),
    ) {
        let text: String = sentences
            .iter()
            .enumerate()
            .map(|(i, s)| if i % paragraph_every == paragraph_every - 1 { format!("{s}\n\n") } else { format!("{s} ") })
            .collect();
        let options = ThreadOptions { tone, posts, numbering };
        let thread = write_thread(&text, &options);
        prop_assert!(thread.len() <= MAX_POSTS);
        if let Some(n) = posts {
            prop_assert!(thread.len() <= usize::from(n).clamp(MIN_POSTS, MAX_POSTS));
        }
        prop_assert_eq!(thread.is_empty(), text.trim().is_empty());
        for (i, post) in thread.iter().enumerate() {
            prop_assert!(post_fits(post, i, thread.len(), numbering), "post {} of {}: {:?}", i, thread.len(), post);
            prop_assert!(!post.trim().is_empty());
        }
        prop_assert_eq!(&thread, &write_thread(&text, &options));
    }
}
