//! The offline provider's product description: a deterministic template filled from the
//! facts, in the same line format hosted models are asked for (so one parser reads both).

use super::model::{BULLETS_MAX, Length, Tone};

/// The fields of a description task, as the offline writer needs them.
pub struct Facts<'a> {
    pub name: &'a str,
    pub category: &'a str,
    pub facts: &'a str,
    pub audience: &'a str,
    pub tone: Tone,
    pub length: Length,
}

/// The answer in lines (each ends with a newline), streamed one by one.
pub fn write_description(f: &Facts<'_>) -> Vec<String> {
    let name = f.name.trim();
    let category = f.category.trim();
    let audience = f.audience.trim();
    let facts = fact_list(f.facts);
    let title = if category.is_empty() { name.to_string() } else { format!("{name} – {category}") };
    let what = if category.is_empty() { "product".to_string() } else { category.to_lowercase() };
    let for_whom = if audience.is_empty() { String::new() } else { format!(" for {audience}") };
    let intro = match f.tone {
        Tone::Friendly => format!(
            "Meet {name}, a {what} made{}.",
            if for_whom.is_empty() { " to make life easier" } else { &for_whom }
        ),
        Tone::Professional => {
            format!("{name} is a {what} designed{}.", if for_whom.is_empty() { " for everyday use" } else { &for_whom })
        }
        Tone::Playful => format!("Say hello to {name}, the {what} you didn't know you needed{for_whom}!"),
        Tone::Luxurious => format!(
            "Discover {name}, a refined {what} crafted{}.",
            if for_whom.is_empty() { " for those who appreciate quality" } else { &for_whom }
        ),
        Tone::Persuasive => format!("Looking for a {what} that delivers? {name} is the one{for_whom}."),
        Tone::Minimal => format!("{name}. A {what}{for_whom}."),
    };
    let closing = match f.tone {
        Tone::Friendly => format!("We think you'll love {name}."),
        Tone::Professional => format!("{name} is ready when you are."),
        Tone::Playful => format!("Go on, treat yourself to {name}."),
        Tone::Luxurious => format!("{name}: quality you can feel."),
        Tone::Persuasive => format!("Order {name} today."),
        Tone::Minimal => "Simple as that.".to_string(),
    };
    let sentences: Vec<String> = facts.iter().map(|f| sentence(f)).collect();
    let paragraphs = match f.length {
        Length::Short => vec![join(&intro, &sentences[..sentences.len().min(2)], None)],
        Length::Medium => vec![join(&intro, &sentences[..sentences.len().min(4)], Some(&closing))],
        Length::Long => {
            let all = &sentences[..sentences.len().min(10)];
            let half = all.len().div_ceil(2);
            vec![join(&intro, &all[..half], None), join("", &all[half..], Some(&closing))]
        }
    };
    let mut bullets: Vec<String> = facts.iter().take(BULLETS_MAX).map(|f| bullet(f)).collect();
    for extra in [
        (!category.is_empty()).then(|| format!("Category: {category}")),
        (!audience.is_empty()).then(|| format!("Made for {audience}")),
        Some(format!("{} by name: {name}", if f.tone == Tone::Minimal { "Known" } else { "Look for it" })),
    ]
    .into_iter()
    .flatten()
    {
        if bullets.len() >= 3 {
            break;
        }
        bullets.push(extra);
    }
    let mut lines = vec![format!("TITLE: {title}\n"), "\n".to_string()];
    for p in paragraphs.into_iter().filter(|p| !p.is_empty()) {
        lines.push(format!("{p}\n"));
        lines.push("\n".to_string());
    }
    lines.extend(bullets.into_iter().map(|b| format!("- {b}\n")));
    lines
}

/// The facts one by one: lines, semicolons and sentences, list markers dropped, no repeats.
fn fact_list(facts: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in facts.split(['\n', ';']).flat_map(|l| l.split(". ")) {
        let fact = piece.trim().trim_start_matches(['-', '*', '•', ' ']).trim().trim_end_matches(['.', ',']).trim();
        if !fact.is_empty() && !out.iter().any(|f| f.eq_ignore_ascii_case(fact)) {
            out.push(fact.to_string());
        }
    }
    out
}

fn sentence(fact: &str) -> String {
    let mut s = capitalised(fact);
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

fn bullet(fact: &str) -> String {
    capitalised(fact).chars().take(120).collect()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn join(first: &str, middle: &[String], last: Option<&str>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if !first.is_empty() {
        parts.push(first);
    }
    parts.extend(middle.iter().map(String::as_str));
    parts.extend(last);
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::tools::format::DescriptionParser;

    fn facts(text: &str, tone: Tone, length: Length) -> Vec<String> {
        write_description(&Facts { name: "Blue Mug", category: "Mugs", facts: text, audience: "", tone, length })
    }

    #[test]
    fn the_template_uses_the_facts_and_reads_back_through_the_parser() {
        let lines =
            facts("- Holds 350 ml\n- dishwasher safe; made in Portugal. Stoneware", Tone::Friendly, Length::Medium);
        let mut p = DescriptionParser::default();
        for l in &lines {
            p.push(l);
        }
        p.finish();
        let d = p.result();
        assert_eq!(d.title, "Blue Mug – Mugs");
        assert_eq!(d.paragraphs.len(), 1);
        assert!(d.paragraphs[0].starts_with("Meet Blue Mug, a mugs made"), "{}", d.paragraphs[0]);
        assert!(d.paragraphs[0].contains("Dishwasher safe."));
        assert_eq!(d.bullets, ["Holds 350 ml", "Dishwasher safe", "Made in Portugal", "Stoneware"]);
    }

    #[test]
    fn few_facts_still_give_three_bullets_and_the_same_input_the_same_answer() {
        let a = facts("Holds 350 ml", Tone::Minimal, Length::Long);
        assert_eq!(a, facts("Holds 350 ml", Tone::Minimal, Length::Long));
        assert_eq!(a.iter().filter(|l| l.starts_with("- ")).count(), 3);
        assert_ne!(a, facts("Holds 350 ml", Tone::Playful, Length::Long), "the tone changes the words");
    }
}
