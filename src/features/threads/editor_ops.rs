//! The editor's changes as pure operations on a list of posts, each undoable. The page keeps
//! one [`Posts`] in a signal; the browser and the tests drive the same code.

use std::fmt;

use super::model::SAVED_POSTS_MAX;
use super::packer::{Numbering, numbered};
use super::xlength::{XLength, x_length};

/// How many changes "Undo" can go back.
pub const UNDO_DEPTH: usize = 100;

/// One post. The id stays with the post when it moves, so the page can keep its text box
/// (and the focus in it) while the order changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    pub id: u64,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Why a change was not made, in words for the person editing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditError {
    NoSuchPost,
    AtEdge,
    SplitAtEdge,
    NoNextPost,
    LastPost,
    TooMany,
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSuchPost => f.write_str("That post no longer exists."),
            Self::AtEdge => f.write_str("The post is already at that end of the thread."),
            Self::SplitAtEdge => f.write_str("Place the cursor inside the post's text to split it there."),
            Self::NoNextPost => f.write_str("The last post has no next post to merge with."),
            Self::LastPost => f.write_str("A thread keeps at least one post."),
            Self::TooMany => write!(f, "A thread can have at most {SAVED_POSTS_MAX} posts."),
        }
    }
}

/// The posts being edited and the states "Undo" returns to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Posts {
    items: Vec<Post>,
    next_id: u64,
    undo: Vec<Vec<Post>>,
    /// The post being typed in: a run of keystrokes in one post is one undo step.
    typing: Option<u64>,
}

impl Posts {
    pub fn new<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Self {
        let mut posts = Self::default();
        for text in texts {
            let post = posts.fresh(text.into());
            posts.items.push(post);
        }
        posts
    }

    fn fresh(&mut self, text: String) -> Post {
        self.next_id += 1;
        Post { id: self.next_id, text }
    }

    pub fn items(&self) -> &[Post] {
        &self.items
    }

    pub fn texts(&self) -> Vec<String> {
        self.items.iter().map(|p| p.text.clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.items.iter().position(|p| p.id == id)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    fn checkpoint(&mut self) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(self.items.clone());
        self.typing = None;
    }

    fn check(&self, index: usize) -> Result<(), EditError> {
        if index < self.items.len() { Ok(()) } else { Err(EditError::NoSuchPost) }
    }

    /// Replaces a post's text (typing).
    pub fn edit(&mut self, index: usize, text: String) -> Result<(), EditError> {
        self.check(index)?;
        if self.items[index].text == text {
            return Ok(());
        }
        let id = self.items[index].id;
        if self.typing != Some(id) {
            self.checkpoint();
            self.typing = Some(id);
        }
        self.items[index].text = text;
        Ok(())
    }

    /// Moves a post one place; answers its new index.
    pub fn move_post(&mut self, index: usize, direction: Direction) -> Result<usize, EditError> {
        self.check(index)?;
        let to = match direction {
            Direction::Up => index.checked_sub(1),
            Direction::Down => Some(index + 1).filter(|&i| i < self.items.len()),
        }
        .ok_or(EditError::AtEdge)?;
        self.checkpoint();
        self.items.swap(index, to);
        Ok(to)
    }

    /// Splits a post where the cursor is. `utf16_offset` is a text box's `selectionStart`
    /// (the browser counts UTF-16 code units); the halves lose the spaces around the cut.
    pub fn split_at(&mut self, index: usize, utf16_offset: usize) -> Result<(), EditError> {
        self.check(index)?;
        if self.items.len() >= SAVED_POSTS_MAX {
            return Err(EditError::TooMany);
        }
        let text = &self.items[index].text;
        let at = byte_offset(text, utf16_offset);
        let (left, right) = (text[..at].trim_end().to_string(), text[at..].trim_start().to_string());
        if left.is_empty() || right.is_empty() {
            return Err(EditError::SplitAtEdge);
        }
        self.checkpoint();
        self.items[index].text = left;
        let post = self.fresh(right);
        self.items.insert(index + 1, post);
        Ok(())
    }

    /// Joins a post and the one after it with a space.
    pub fn merge_with_next(&mut self, index: usize) -> Result<(), EditError> {
        self.check(index)?;
        if index + 1 >= self.items.len() {
            return Err(EditError::NoNextPost);
        }
        self.checkpoint();
        let next = self.items.remove(index + 1).text;
        let text = &mut self.items[index].text;
        let (left, right) = (text.trim_end(), next.trim_start());
        *text = match (left.is_empty(), right.is_empty()) {
            (true, _) => right.to_string(),
            (_, true) => left.to_string(),
            _ => format!("{left} {right}"),
        };
        Ok(())
    }

    pub fn delete(&mut self, index: usize) -> Result<(), EditError> {
        self.check(index)?;
        if self.items.len() == 1 {
            return Err(EditError::LastPost);
        }
        self.checkpoint();
        self.items.remove(index);
        Ok(())
    }

    /// Adds an empty post at the end; answers its index.
    pub fn add(&mut self) -> Result<usize, EditError> {
        if self.items.len() >= SAVED_POSTS_MAX {
            return Err(EditError::TooMany);
        }
        self.checkpoint();
        let post = self.fresh(String::new());
        self.items.push(post);
        Ok(self.items.len() - 1)
    }

    /// Goes back to the state before the last change; false when there is none.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(items) => {
                self.items = items;
                self.typing = None;
                true
            }
            None => false,
        }
    }
}

/// The byte offset of a UTF-16 offset in `text`, clamped to the text and never inside a
/// character.
pub fn byte_offset(text: &str, utf16_offset: usize) -> usize {
    let mut units = 0;
    for (byte, c) in text.char_indices() {
        if units >= utf16_offset {
            return byte;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Posts as they are saved and published: trimmed, blank ones left out.
pub fn kept(posts: &[String]) -> Vec<String> {
    posts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// X's count for each post as it will be published (numbered among the kept posts, exactly
/// as the server checks it); blank posts count 0.
pub fn lengths(posts: &[String], numbering: Numbering) -> Vec<XLength> {
    let total = posts.iter().filter(|p| !p.trim().is_empty()).count();
    let mut position = 0;
    posts
        .iter()
        .map(|post| {
            let post = post.trim();
            if post.is_empty() {
                return XLength { weighted_length: 0, valid: true };
            }
            let length = x_length(&numbered(post, position, total, numbering));
            position += 1;
            length
        })
        .collect()
}

#[cfg(test)]
#[path = "editor_ops_tests.rs"]
mod tests;
