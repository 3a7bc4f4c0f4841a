//! Long conversations are trimmed to a context budget so each message costs a bounded amount:
//! the oldest turns go first and are replaced by one deterministic line saying what was
//! dropped. The newest question travels outside the history and is always sent whole.

use crate::features::ai::{Role, Turn, estimate_tokens};

/// Estimated tokens of history sent with a message (about 24,000 characters).
pub const HISTORY_BUDGET_TOKENS: u64 = 6_000;
/// The summary line is at most this long (characters).
pub const SUMMARY_MAX_CHARS: usize = 600;
/// One turn is cut to this many characters (about 2,500 tokens), so the newest exchange always
/// fits the budget next to the summary.
pub const TURN_MAX_CHARS: usize = 10_000;
/// Words quoted from each dropped question.
const QUOTED_WORDS: usize = 8;
/// …and at most this many characters of them.
const QUOTED_CHARS: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trimmed {
    /// The turns kept, oldest first; the first is always the person's.
    pub turns: Vec<Turn>,
    /// What was dropped, in one line; `None` when everything fits.
    pub summary: Option<String>,
}

impl Trimmed {
    /// Estimated tokens of what is sent: the kept turns and the summary.
    pub fn tokens(&self) -> u64 {
        self.turns.iter().map(|t| cost(&t.text)).sum::<u64>() + self.summary.as_deref().map_or(0, cost)
    }
}

fn cost(text: &str) -> u64 {
    estimate_tokens(text.chars().count())
}

/// Makes the history the providers accept (alternating roles, the person first, no empty
/// turns, none longer than [`TURN_MAX_CHARS`]) and trims it to `budget` estimated tokens.
/// `budget` must leave room for the summary (more than [`SUMMARY_MAX_CHARS`] / 4 tokens).
pub fn trim(history: Vec<Turn>, budget: u64) -> Trimmed {
    let turns = normalise(history);
    let total: u64 = turns.iter().map(|t| cost(&t.text)).sum();
    if total <= budget {
        return Trimmed { turns, summary: None };
    }
    let room = budget.saturating_sub(estimate_tokens(SUMMARY_MAX_CHARS));
    // The longest suffix within the room…
    let mut start = turns.len();
    let mut used = 0;
    while start > 0 {
        let next = cost(&turns[start - 1].text);
        if used + next > room {
            break;
        }
        used += next;
        start -= 1;
    }
    // …that begins with the person's turn.
    while start < turns.len() && turns[start].role != Role::User {
        start += 1;
    }
    let kept = turns[start..].to_vec();
    let summary = summarise(&turns[..start]);
    Trimmed { turns: kept, summary: Some(summary) }
}

/// Merges neighbouring turns of one speaker, drops empty ones and any reply before the first
/// question, and cuts over-long turns.
fn normalise(history: Vec<Turn>) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::with_capacity(history.len());
    for turn in history {
        let text = turn.text.trim();
        if text.is_empty() || (out.is_empty() && turn.role != Role::User) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.role == turn.role => {
                last.text.push_str("\n\n");
                last.text.push_str(text);
            }
            _ => out.push(Turn { role: turn.role, text: text.to_string() }),
        }
    }
    for turn in &mut out {
        if turn.text.chars().count() > TURN_MAX_CHARS {
            turn.text = turn.text.chars().take(TURN_MAX_CHARS - 1).collect::<String>() + "…";
        }
    }
    out
}

/// "Earlier in this conversation (12 messages, trimmed), the person asked: “Write a thread
/// about…”; “Make it shorter…”." — at most [`SUMMARY_MAX_CHARS`].
fn summarise(dropped: &[Turn]) -> String {
    let head = format!("Earlier in this conversation ({} messages, trimmed)", dropped.len());
    let quotes: Vec<String> = dropped
        .iter()
        .filter(|t| t.role == Role::User)
        .map(|t| {
            let words: Vec<&str> = t.text.split_whitespace().collect();
            let start = words[..words.len().min(QUOTED_WORDS)].join(" ");
            let cut = start.chars().count() > QUOTED_CHARS;
            let start: String = start.chars().take(QUOTED_CHARS).collect();
            let more = if words.len() > QUOTED_WORDS || cut { "…" } else { "" };
            format!("“{start}{more}”")
        })
        .collect();
    let mut line = if quotes.is_empty() { format!("{head}.") } else { format!("{head}, the person asked: ") };
    for (i, quote) in quotes.iter().enumerate() {
        let sep = if i == 0 { "" } else { "; " };
        // Room for this quote, its separator and the closing "; …." must remain.
        if line.chars().count() + sep.len() + quote.chars().count() + 4 > SUMMARY_MAX_CHARS {
            line.push_str(if i == 0 { "…" } else { "; …" });
            break;
        }
        line.push_str(sep);
        line.push_str(quote);
    }
    if !quotes.is_empty() {
        line.push('.');
    }
    line.chars().take(SUMMARY_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn turn(role: Role, text: &str) -> Turn {
        Turn { role, text: text.to_string() }
    }

    fn exchange(n: usize, chars: usize) -> Vec<Turn> {
        (0..n)
            .flat_map(|i| {
                [
                    turn(Role::User, &format!("Question {i} {}", "q".repeat(chars))),
                    turn(Role::Assistant, &format!("Answer {i} {}", "a".repeat(chars))),
                ]
            })
            .collect()
    }

    #[test]
    fn a_short_conversation_is_sent_whole() {
        let history = exchange(3, 100);
        let trimmed = trim(history.clone(), HISTORY_BUDGET_TOKENS);
        assert_eq!(trimmed, Trimmed { turns: history, summary: None });
    }

    #[test]
    fn a_long_one_loses_its_oldest_turns_and_says_so() {
        let trimmed = trim(exchange(30, 1_000), HISTORY_BUDGET_TOKENS);
        assert!(trimmed.tokens() <= HISTORY_BUDGET_TOKENS);
        let summary = trimmed.summary.as_deref().expect("a summary");
        let dropped = 60 - trimmed.turns.len();
        assert!(
            summary.starts_with(&format!(
                "Earlier in this conversation ({dropped} messages, trimmed), the person asked: “Question 0"
            )),
            "{summary}"
        );
        assert!(summary.chars().count() <= SUMMARY_MAX_CHARS);
        assert_eq!(trimmed.turns.first().map(|t| t.role), Some(Role::User));
        assert!(trimmed.turns.last().unwrap().text.starts_with("Answer 29"));
    }

    #[test]
    fn histories_are_made_acceptable_to_the_providers() {
        let trimmed = trim(
            vec![
                turn(Role::Assistant, "orphan reply"),
                turn(Role::User, "one"),
                turn(Role::User, "two"),
                turn(Role::Assistant, "  "),
                turn(Role::Assistant, "answer"),
            ],
            HISTORY_BUDGET_TOKENS,
        );
        assert_eq!(trimmed.turns, [turn(Role::User, "one\n\ntwo"), turn(Role::Assistant, "answer")]);
    }

    fn arb_history() -> impl Strategy<Value = Vec<Turn>> {
        let turn = (any::<bool>(), 0usize..14_000, "[a-z ]{0,40}").prop_map(|(user, len, words)| Turn {
            role: if user { Role::User } else { Role::Assistant },
            text: format!("{words} {}", "x".repeat(len)),
        });
        prop::collection::vec(turn, 0..80)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn the_result_is_within_budget_and_keeps_the_newest_turn(history in arb_history()) {
            let normal = normalise(history.clone());
            let trimmed = trim(history, HISTORY_BUDGET_TOKENS);
            prop_assert!(trimmed.tokens() <= HISTORY_BUDGET_TOKENS, "{} tokens", trimmed.tokens());
            // What is kept is the newest part, in order…
            prop_assert!(normal.ends_with(&trimmed.turns));
            // …always with the newest turn, starting with a question.
            prop_assert_eq!(trimmed.turns.last(), normal.last());
            if let Some(first) = trimmed.turns.first() {
                prop_assert_eq!(first.role, Role::User);
            }
            prop_assert_eq!(trimmed.summary.is_some(), trimmed.turns.len() < normal.len());
        }
    }
}
