//! Cuts a provider's streamed text into posts as it arrives: every provider separates posts
//! with a line holding only `---` ([`ai::POST_SEPARATOR`]), so a post is complete as soon as
//! the next separator line is seen and can be shown before the rest is written.

/// Accumulates streamed text and hands out finished posts.
#[derive(Default)]
pub struct PostSplitter {
    buffer: String,
}

impl PostSplitter {
    /// Adds streamed text; returns the posts it completed.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buffer.push_str(text);
        let mut posts = Vec::new();
        // Only whole lines can be judged: keep the last, unfinished line for later.
        while let Some(end) = self.separator_end() {
            let (post, rest) = split_at_separator(&self.buffer, end);
            if let Some(post) = clean(&post) {
                posts.push(post);
            }
            self.buffer = rest;
        }
        posts
    }

    /// The stream ended: the rest is the last post.
    pub fn finish(self) -> Vec<String> {
        clean(&self.buffer).into_iter().collect()
    }

    /// Byte index just past the first complete separator line, if any.
    fn separator_end(&self) -> Option<usize> {
        let mut start = 0;
        for (i, c) in self.buffer.char_indices() {
            if c == '\n' {
                if is_separator(&self.buffer[start..i]) {
                    return Some(i + 1);
                }
                start = i + 1;
            }
        }
        None
    }
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.len() >= 3 && line.chars().all(|c| c == '-')
}

/// The text before the separator line that ends at `end`, and the text after it.
fn split_at_separator(buffer: &str, end: usize) -> (String, String) {
    let line_start = buffer[..end - 1].rfind('\n').map(|i| i + 1).unwrap_or(0);
    (buffer[..line_start].to_string(), buffer[end..].to_string())
}

/// A post as shown: trimmed, blank lines squeezed, models' own numbering ("1/7", "3.") taken
/// off because the page numbers posts itself.
fn clean(post: &str) -> Option<String> {
    let lines: Vec<&str> = post.lines().map(str::trim_end).collect();
    let mut text = lines.join("\n").trim().to_string();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    let text = strip_leading_number(&text).trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn strip_leading_number(text: &str) -> &str {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return text;
    }
    let rest = &text[digits..];
    if let Some(after) = rest.strip_prefix('/') {
        let total = after.chars().take_while(char::is_ascii_digit).count();
        if (1..=3).contains(&total) && after[total..].starts_with([' ', '\n']) {
            return &after[total..];
        }
    } else if let Some(after) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
        return after;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_complete_as_separators_arrive() {
        let mut s = PostSplitter::default();
        assert!(s.push("First post, hook").is_empty());
        assert!(s.push(" here.\n--").is_empty(), "a separator is judged only once its line ends");
        assert_eq!(s.push("-\nSecond"), ["First post, hook here."]);
        assert_eq!(s.push(" post.\n---\n"), ["Second post."]);
        assert_eq!(s.push("Third\n\n\n\nline"), Vec::<String>::new());
        assert_eq!(s.finish(), ["Third\n\nline"]);
    }

    #[test]
    fn models_numbering_and_empty_posts_are_dropped() {
        let mut s = PostSplitter::default();
        let posts = s.push("1/3 Hook\n---\n\n---\n2. Body\n ----- \n");
        assert_eq!(posts, ["Hook", "Body"]);
        assert_eq!(s.finish(), Vec::<String>::new());
        assert_eq!(clean("2024 was a year"), Some("2024 was a year".into()), "years are not numbering");
    }

    #[test]
    fn dashes_inside_text_are_kept() {
        let mut s = PostSplitter::default();
        assert!(s.push("A -- B\nwell---known\n").is_empty());
        assert_eq!(s.finish(), ["A -- B\nwell---known"]);
    }
}
