//! The editor's operations: each change, its limits, and undo.

use super::*;

fn texts(p: &Posts) -> Vec<String> {
    p.texts()
}

#[test]
fn moves_keep_ids_and_stop_at_the_ends() {
    let mut p = Posts::new(["a", "b", "c"]);
    let ids: Vec<u64> = p.items().iter().map(|p| p.id).collect();
    assert_eq!(p.move_post(2, Direction::Up), Ok(1));
    assert_eq!(texts(&p), ["a", "c", "b"]);
    assert_eq!(p.items()[1].id, ids[2]);
    assert_eq!(p.move_post(0, Direction::Up), Err(EditError::AtEdge));
    assert_eq!(p.move_post(2, Direction::Down), Err(EditError::AtEdge));
    assert_eq!(p.move_post(0, Direction::Down), Ok(1));
    assert_eq!(texts(&p), ["c", "a", "b"]);
    assert_eq!(p.move_post(5, Direction::Down), Err(EditError::NoSuchPost));
}

#[test]
fn split_uses_the_browsers_utf16_cursor() {
    let mut p = Posts::new(["Hello world. Next sentence."]);
    p.split_at(0, 12).unwrap();
    assert_eq!(texts(&p), ["Hello world.", "Next sentence."]);
    // "😀" is two UTF-16 units and four bytes; "é" one unit and two bytes.
    let mut p = Posts::new(["😀é ab"]);
    p.split_at(0, 3).unwrap();
    assert_eq!(texts(&p), ["😀é", "ab"]);
    // Inside a surrogate pair: never cuts the character.
    let mut p = Posts::new(["a😀b"]);
    p.split_at(0, 2).unwrap();
    assert_eq!(texts(&p), ["a😀", "b"]);
    assert_ne!(p.items()[0].id, p.items()[1].id);
}

#[test]
fn split_at_an_edge_changes_nothing() {
    let mut p = Posts::new(["  text  "]);
    for at in [0, 1, 6, 8, 100] {
        assert_eq!(p.split_at(0, at), Err(EditError::SplitAtEdge), "at {at}");
    }
    assert!(!p.can_undo());
}

#[test]
fn merge_joins_with_one_space() {
    let mut p = Posts::new(["one ", " two", "three"]);
    p.merge_with_next(0).unwrap();
    assert_eq!(texts(&p), ["one two", "three"]);
    assert_eq!(p.merge_with_next(1), Err(EditError::NoNextPost));
    let mut p = Posts::new(["", "two"]);
    p.merge_with_next(0).unwrap();
    assert_eq!(texts(&p), ["two"]);
}

#[test]
fn delete_and_add() {
    let mut p = Posts::new(["a", "b"]);
    p.delete(0).unwrap();
    assert_eq!(texts(&p), ["b"]);
    assert_eq!(p.delete(0), Err(EditError::LastPost));
    assert_eq!(p.add(), Ok(1));
    assert_eq!(texts(&p), ["b", ""]);
    let mut full = Posts::new(vec!["x"; SAVED_POSTS_MAX]);
    assert_eq!(full.add(), Err(EditError::TooMany));
    assert_eq!(full.split_at(0, 0), Err(EditError::TooMany));
}

#[test]
fn undo_goes_back_one_change_at_a_time() {
    let mut p = Posts::new(["a", "b"]);
    p.move_post(1, Direction::Up).unwrap();
    p.delete(0).unwrap();
    p.add().unwrap();
    assert!(p.undo());
    assert_eq!(texts(&p), ["a"]);
    assert!(p.undo());
    assert_eq!(texts(&p), ["b", "a"]);
    assert!(p.undo());
    assert_eq!(texts(&p), ["a", "b"]);
    assert!(!p.undo());
}

#[test]
fn typing_in_one_post_is_one_undo_step() {
    let mut p = Posts::new(["a", "b"]);
    p.edit(0, "ab".into()).unwrap();
    p.edit(0, "abc".into()).unwrap();
    p.edit(1, "bx".into()).unwrap();
    p.edit(0, "abcd".into()).unwrap();
    assert!(p.undo());
    assert_eq!(texts(&p), ["abc", "bx"]);
    assert!(p.undo());
    assert_eq!(texts(&p), ["abc", "b"]);
    assert!(p.undo());
    assert_eq!(texts(&p), ["a", "b"]);
    // Typing after a structural change starts a new step.
    p.edit(0, "a1".into()).unwrap();
    p.move_post(0, Direction::Down).unwrap();
    p.edit(1, "a12".into()).unwrap();
    p.undo();
    assert_eq!(texts(&p), ["b", "a1"]);
}

#[test]
fn undo_is_bounded() {
    let mut p = Posts::new(["a", "b"]);
    for _ in 0..UNDO_DEPTH + 11 {
        p.move_post(0, Direction::Down).unwrap();
    }
    let mut steps = 0;
    while p.undo() {
        steps += 1;
    }
    assert_eq!(steps, UNDO_DEPTH);
    // 11 swaps were forgotten: the oldest state left is the one after them.
    assert_eq!(texts(&p), ["b", "a"]);
}

#[test]
fn lengths_count_as_published() {
    let posts = vec!["x".repeat(276), "  ".into(), "y".into()];
    let l = lengths(&posts, Numbering::Fraction);
    // "1/2 " + 276 = 280: the blank post is not counted in the total.
    assert_eq!(l[0].weighted_length, 280);
    assert_eq!(l[1].weighted_length, 0);
    assert_eq!(l[2].weighted_length, 5);
    assert_eq!(lengths(&posts, Numbering::None)[0].weighted_length, 276);
    assert_eq!(kept(&posts), vec!["x".repeat(276), "y".into()]);
}
