//! What the assistant asks the model, and what the offline provider answers instead.

use super::trim::{HISTORY_BUDGET_TOKENS, trim};
use crate::features::ai::{ChatTask, Prompt, Task, Turn};

/// The longest reply asked for (about 8,000 characters).
pub const MAX_REPLY_TOKENS: u32 = 2_048;

const SYSTEM: &str = "You are Threadr's writing assistant. You help people write:\n\
- threads for X (Twitter): posts of at most 280 characters, a strong first post, no hashtag spam;\n\
- marketplace listings: a clear title, an honest description and short bullet points;\n\
- formal letters: demand letters, complaints, refund requests and the like, polite and precise, \
with dates and amounts in full. You are not a lawyer: for legal advice, say so and suggest a review.\n\
Answer in the language the person writes in. Use Markdown (headings, lists, bold) where it helps; \
never write HTML. Keep answers focused; ask one short question when something essential is missing.\n\
Threadr also has built-in tools the person can open: the thread writer (/threads/new), \
letters (/letters) and product descriptions (/tools/description).";

/// The prompt for the newest message, with the earlier turns trimmed to the budget.
pub fn build(history: Vec<Turn>, message: String) -> Prompt {
    let trimmed = trim(history, HISTORY_BUDGET_TOKENS);
    let system = match &trimmed.summary {
        Some(summary) => format!("{SYSTEM}\n\n{summary}"),
        None => SYSTEM.to_string(),
    };
    Prompt {
        system,
        history: trimmed.turns,
        user: message.clone(),
        max_output_tokens: MAX_REPLY_TOKENS,
        task: Task::Chat(ChatTask { message }),
    }
}

/// The offline provider's reply: there is no model to talk to, so it says so plainly and
/// points to the tools that work without one. Deterministic; streamed in pieces (one a line).
pub fn write_offline(task: &ChatTask) -> Vec<String> {
    let lower = task.message.to_lowercase();
    let mentions = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let best = if mentions(&["letter", "refund", "complaint", "demand", "deposit", "cease"]) {
        Some(
            "For a letter, start with **[Letters](/letters)**: choose the type, fill in the parties and the facts, and Threadr drafts it.",
        )
    } else if mentions(&["listing", "product", "description", "sell", "marketplace"]) {
        Some(
            "For a listing, **[Product descriptions](/tools/description)** turns a product name and its key facts into a title, a description and bullet points.",
        )
    } else if mentions(&["thread", "tweet", "post", " x ", "twitter"]) {
        Some(
            "For a thread, paste your text or a link into the **[thread writer](/threads/new)**: it packs it into posts that fit X's limit.",
        )
    } else {
        None
    };
    let mut lines = vec![
        "No AI service is configured on this Threadr, so I can't write a reply to your message myself.\n\n".to_string(),
    ];
    if let Some(best) = best {
        lines.push(format!("{best}\n\n"));
    }
    lines.push("These built-in tools work without one:\n\n".to_string());
    lines.push("- **[Thread writer](/threads/new)**: text or a link becomes a thread of posts for X.\n".to_string());
    lines.push(
        "- **[Letters](/letters)**: formal letters such as a demand for payment, a complaint or a refund request.\n"
            .to_string(),
    );
    lines.push(
        "- **[Product descriptions](/tools/description)**: a title, a description and bullet points for a listing.\n"
            .to_string(),
    );
    lines.push(
        "\nAn operator can turn the assistant on by setting `ANTHROPIC_API_KEY` or `OPENAI_API_KEY`.".to_string(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::ai::Role;

    #[test]
    fn the_offline_reply_explains_and_suggests_the_tools() {
        let text = write_offline(&ChatTask { message: "Help me with a refund letter".into() }).concat();
        assert!(text.starts_with("No AI service is configured"), "{text}");
        assert!(text.contains("[Letters](/letters)**: choose the type"), "the letter tool first: {text}");
        for link in ["/threads/new", "/letters", "/tools/description"] {
            assert!(text.contains(&format!("]({link})")), "{link}");
        }
        let again = write_offline(&ChatTask { message: "Help me with a refund letter".into() }).concat();
        assert_eq!(text, again);
    }

    #[test]
    fn prompts_carry_the_system_rules_history_and_summary() {
        let history =
            vec![Turn { role: Role::User, text: "Hi".into() }, Turn { role: Role::Assistant, text: "Hello".into() }];
        let p = build(history.clone(), "Write a thread".into());
        assert!(p.system.contains("writing assistant"));
        assert_eq!(p.history, history);
        assert_eq!(p.user, "Write a thread");
        let long: Vec<Turn> = (0..60)
            .map(|i| Turn {
                role: if i % 2 == 0 { Role::User } else { Role::Assistant },
                text: format!("turn {i} {}", "w ".repeat(500)),
            })
            .collect();
        let p = build(long, "Newest".into());
        assert!(p.system.contains("Earlier in this conversation ("), "{}", p.system);
        assert!(p.history.len() < 60);
    }
}
