//! How posts are told apart in a provider's text: every provider (the offline one included)
//! puts a line holding only `---` between two posts, and the prompts ask models for the same.
//! A blank line would not do: a post may itself hold paragraphs.

/// The line, alone and trimmed, that separates two posts.
pub const POST_SEPARATOR_LINE: &str = "---";

/// What a provider writes between two posts.
pub const POST_SEPARATOR: &str = "\n---\n";

/// Cuts streamed text into posts as soon as each one is complete, so a page can show the
/// first post while the model still writes the rest. Chunks may break anywhere, even inside
/// the separator.
#[derive(Default)]
pub struct PostSplitter {
    /// The current post's text so far, including an unfinished last line.
    buffer: String,
    /// Where the first line not yet checked for being a separator starts.
    line_start: usize,
}

impl PostSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds streamed text; returns the posts it completed (trimmed, never empty).
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buffer.push_str(text);
        let mut posts = Vec::new();
        while let Some(offset) = self.buffer[self.line_start..].find('\n') {
            let newline = self.line_start + offset;
            if self.buffer[self.line_start..newline].trim() == POST_SEPARATOR_LINE {
                let post = self.buffer[..self.line_start].trim();
                if !post.is_empty() {
                    posts.push(post.to_string());
                }
                self.buffer.drain(..=newline);
                self.line_start = 0;
            } else {
                self.line_start = newline + 1;
            }
        }
        posts
    }

    /// The last post, once the stream has ended.
    pub fn finish(mut self) -> Option<String> {
        if self.buffer[self.line_start..].trim() == POST_SEPARATOR_LINE {
            self.buffer.truncate(self.line_start);
        }
        let post = self.buffer.trim();
        (!post.is_empty()).then(|| post.to_string())
    }
}

/// Every post of a complete text.
pub fn split_posts(text: &str) -> Vec<String> {
    let mut splitter = PostSplitter::new();
    let mut posts = splitter.push(text);
    posts.extend(splitter.finish());
    posts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_split_on_separator_lines_only() {
        let text = "First post.\n\nWith a second paragraph.\n---\nSecond --- not a separator\n  ---  \nThird\n---\n";
        assert_eq!(
            split_posts(text),
            ["First post.\n\nWith a second paragraph.", "Second --- not a separator", "Third"]
        );
        assert_eq!(split_posts("---\n\n---\nOnly\n---"), ["Only"], "empty posts are dropped");
        assert_eq!(split_posts("Windows\r\n---\r\nlines"), ["Windows", "lines"]);
        assert!(split_posts("  \n ").is_empty());
    }

    #[test]
    fn any_chunking_gives_the_same_posts() {
        let text = "Héllo wörld 🎉\n---\nTwo\nlines\n---\n\nthree ---\n---\nend";
        let expected = split_posts(text);
        assert_eq!(expected.len(), 4);
        let cuts: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for &a in &cuts {
            for &b in cuts.iter().filter(|&&b| b >= a) {
                let mut splitter = PostSplitter::new();
                let mut posts = splitter.push(&text[..a]);
                posts.extend(splitter.push(&text[a..b]));
                posts.extend(splitter.push(&text[b..]));
                posts.extend(splitter.finish());
                assert_eq!(posts, expected, "cut at {a} and {b}");
            }
        }
    }

    #[test]
    fn a_post_is_released_as_soon_as_its_separator_line_ends() {
        let mut splitter = PostSplitter::new();
        assert!(splitter.push("One").is_empty());
        assert!(splitter.push("\n--").is_empty());
        assert_eq!(splitter.push("-\nTw"), ["One"]);
        assert_eq!(splitter.finish().as_deref(), Some("Tw"));
    }

    #[test]
    fn the_separator_constant_is_a_separator_line() {
        assert_eq!(split_posts(&["a", "b", "c"].join(POST_SEPARATOR)), ["a", "b", "c"]);
    }
}
