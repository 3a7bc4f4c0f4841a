//! The offline provider's letters: a fixed template per letter type filled with the member's
//! own words, so the same form always gives the same letter. Streamed a paragraph at a time.

use crate::features::ai::LetterTask;

/// The letter's paragraphs, each but the last followed by a blank line (the pieces the
/// offline provider streams; joined they are the letter's text).
pub fn write_letter(t: &LetterTask) -> Vec<String> {
    let recipient = t.recipient_name.trim();
    let sender = t.sender_name.trim();
    let facts = sentence(&t.facts);
    let outcome = sentence(&t.desired_outcome);
    let amount = t.amount.as_deref();
    let by = t.deadline.as_deref().map(|d| format!(" no later than {d}")).unwrap_or_default();
    let mut paragraphs = vec![format!("Dear {recipient},")];
    let opening = match t.letter_type.as_str() {
        "demand_for_payment" => match amount {
            Some(a) => format!("I am writing to demand payment of {a}, which remains due and owing to me."),
            None => "I am writing to demand payment of the sum that remains due and owing to me.".to_string(),
        },
        "cease_and_desist" => {
            "I am writing to demand that you immediately cease and desist from the conduct described below.".to_string()
        }
        "complaint" => "I am writing to make a formal complaint about the matter described below.".to_string(),
        "refund_request" => match amount {
            Some(a) => format!("I am writing to request a full refund of {a}."),
            None => "I am writing to request a full refund of the amount I paid.".to_string(),
        },
        "security_deposit_return" => match amount {
            Some(a) => format!("I am writing to request the return of my security deposit of {a}."),
            None => "I am writing to request the return of my security deposit.".to_string(),
        },
        "debt_validation" => {
            "I am writing in response to your claim that I owe a debt. I dispute this debt and request validation of it \
             under the Fair Debt Collection Practices Act, 15 U.S.C. § 1692g."
                .to_string()
        }
        _ => "I am writing to set out my position on the matter described below.".to_string(),
    };
    paragraphs.push(opening);
    paragraphs.push(format!("The facts are as follows. {facts}"));
    if !t.relevant_dates.trim().is_empty() {
        paragraphs.push(format!("The relevant dates are: {}", sentence(&t.relevant_dates)));
    }
    let request = match t.letter_type.as_str() {
        "debt_validation" => format!(
            "Please provide the amount of the debt and how it was calculated, the name of the original creditor, and \
             proof that you are licensed to collect it. Until you do, cease all collection activity. {outcome}"
        ),
        "cease_and_desist" => format!("I therefore demand the following{by}: {outcome}"),
        _ => format!("I therefore ask for the following{by}: {outcome}"),
    };
    paragraphs.push(request);
    let consequence = match t.letter_type.as_str() {
        "demand_for_payment" | "security_deposit_return" | "refund_request" => {
            "If this matter is not resolved by then, I intend to pursue all remedies available to me, including \
             filing a claim in small claims court, without further notice."
        }
        "cease_and_desist" => {
            "If you do not comply, I am prepared to take further action to protect my rights, without further notice."
        }
        "debt_validation" => "Please direct any further communication about this matter to me in writing.",
        _ => "I would prefer to resolve this matter without further steps and look forward to your prompt reply.",
    };
    paragraphs.push(consequence.to_string());
    paragraphs.push(format!("Sincerely,\n{sender}"));
    let last = paragraphs.len() - 1;
    paragraphs.into_iter().enumerate().map(|(i, p)| if i < last { format!("{p}\n\n") } else { p }).collect()
}

/// Text as one sentence-ending paragraph: lines joined, a full stop added when missing.
fn sentence(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.ends_with(['.', '!', '?']) { joined } else { format!("{joined}.") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(kind: &str) -> LetterTask {
        LetterTask {
            letter_type: kind.into(),
            sender_name: "Ada Lovelace".into(),
            recipient_name: "Acme Ltd".into(),
            facts: "Invoice 42 was due on 1 October.\nIt is unpaid".into(),
            amount: Some("$1,234.50".into()),
            desired_outcome: "Pay the invoice in full".into(),
            deadline: Some("31 December 2026".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_demand_letter_names_the_amount_deadline_and_signs_off() {
        let pieces = write_letter(&task("demand_for_payment"));
        let text: String = pieces.concat();
        assert!(pieces.len() >= 5, "streamed in several pieces");
        assert!(text.starts_with("Dear Acme Ltd,\n\n"), "{text}");
        assert!(text.contains("demand payment of $1,234.50"), "{text}");
        assert!(text.contains("no later than 31 December 2026: Pay the invoice in full."), "{text}");
        assert!(text.contains("Invoice 42 was due on 1 October. It is unpaid."), "{text}");
        assert!(text.ends_with("Sincerely,\nAda Lovelace"), "{text}");
        assert!(!text.contains('['), "no placeholders");
    }

    #[test]
    fn every_type_has_its_own_opening_and_the_same_input_gives_the_same_letter() {
        let kinds = crate::features::letters::model::LetterType::ALL;
        let openings: std::collections::HashSet<String> =
            kinds.iter().map(|k| write_letter(&task(k.as_str()))[1].clone()).collect();
        assert_eq!(openings.len(), kinds.len());
        for k in kinds {
            assert_eq!(write_letter(&task(k.as_str())), write_letter(&task(k.as_str())));
        }
    }
}
