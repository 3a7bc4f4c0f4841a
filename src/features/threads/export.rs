//! A thread as text to copy or download: plain text, Markdown or JSON, numbered as it will be
//! published (blank posts left out, the rest trimmed, exactly as saving keeps them).

use serde_json::json;

use super::editor_ops::kept;
use super::packer::{Numbering, numbered};
use super::xlength::x_length;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Text, Format::Markdown, Format::Json];

    pub fn file_name(self) -> &'static str {
        match self {
            Self::Text => "thread.txt",
            Self::Markdown => "thread.md",
            Self::Json => "thread.json",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Text => "text/plain;charset=utf-8",
            Self::Markdown => "text/markdown;charset=utf-8",
            Self::Json => "application/json",
        }
    }

    /// The name of its button.
    pub fn label(self) -> &'static str {
        match self {
            Self::Text => "Export as text",
            Self::Markdown => "Export as Markdown",
            Self::Json => "Export as JSON",
        }
    }

    pub fn render(self, title: &str, posts: &[String], numbering: Numbering) -> String {
        match self {
            Self::Text => to_text(posts, numbering),
            Self::Markdown => to_markdown(title, posts, numbering),
            Self::Json => to_json(title, posts, numbering),
        }
    }
}

/// Each kept post with its number, as it will be posted.
pub fn numbered_posts(posts: &[String], numbering: Numbering) -> Vec<String> {
    let posts = kept(posts);
    let total = posts.len();
    posts.iter().enumerate().map(|(i, p)| numbered(p, i, total, numbering)).collect()
}

/// The whole thread, posts separated by a blank line ("Copy thread" uses it too).
pub fn to_text(posts: &[String], numbering: Numbering) -> String {
    numbered_posts(posts, numbering).join("\n\n")
}

/// A heading with the title, then the posts separated by horizontal rules.
pub fn to_markdown(title: &str, posts: &[String], numbering: Numbering) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = numbered_posts(posts, numbering).join("\n\n---\n\n");
    format!("# {title}\n\n{body}\n")
}

/// The thread for programs: each post's own text, its numbered form and X's count of it.
pub fn to_json(title: &str, posts: &[String], numbering: Numbering) -> String {
    let texts = kept(posts);
    let numbered = numbered_posts(posts, numbering);
    let posts: Vec<_> = texts
        .iter()
        .zip(&numbered)
        .enumerate()
        .map(|(i, (text, numbered))| {
            json!({
                "number": i + 1,
                "text": text,
                "numbered": numbered,
                "weighted_length": x_length(numbered).weighted_length,
            })
        })
        .collect();
    let doc = json!({ "title": title, "numbering": numbering.as_str(), "posts": posts });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts() -> Vec<String> {
        vec![" First post. ".into(), "".into(), "Second\npost.".into()]
    }

    #[test]
    fn text_is_numbered_and_separated_by_blank_lines() {
        assert_eq!(to_text(&posts(), Numbering::Fraction), "1/2 First post.\n\n2/2 Second\npost.");
        assert_eq!(to_text(&posts(), Numbering::Dot), "1. First post.\n\n2. Second\npost.");
        assert_eq!(to_text(&posts(), Numbering::None), "First post.\n\nSecond\npost.");
    }

    #[test]
    fn markdown_has_the_title_and_rules_between_posts() {
        assert_eq!(
            to_markdown("My  thread\n", &posts(), Numbering::Fraction),
            "# My thread\n\n1/2 First post.\n\n---\n\n2/2 Second\npost.\n"
        );
    }

    #[test]
    fn json_keeps_text_numbered_form_and_count() {
        let value: serde_json::Value = serde_json::from_str(&to_json("T", &posts(), Numbering::Dot)).unwrap();
        assert_eq!(value["title"], "T");
        assert_eq!(value["numbering"], "1.");
        assert_eq!(value["posts"].as_array().unwrap().len(), 2);
        assert_eq!(value["posts"][1]["number"], 2);
        assert_eq!(value["posts"][1]["text"], "Second\npost.");
        assert_eq!(value["posts"][1]["numbered"], "2. Second\npost.");
        assert_eq!(value["posts"][0]["weighted_length"], x_length("1. First post.").weighted_length);
    }

    #[test]
    fn formats_name_their_files() {
        let names: Vec<_> = Format::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(names, ["thread.txt", "thread.md", "thread.json"]);
        assert!(Format::Markdown.render("T", &posts(), Numbering::None).starts_with("# T\n"));
    }
}
