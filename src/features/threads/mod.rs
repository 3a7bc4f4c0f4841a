//! Threads: X's weighted length, packing text into posts, the offline thread writer, URL
//! import (SSRF-safe), generation (streamed), the editor and history.

mod api;
pub mod editor_ops;
pub mod export;
pub mod model;
pub mod offline;
pub mod packer;
mod pages;
pub mod xlength;

#[cfg(feature = "ssr")]
mod db;
#[cfg(feature = "ssr")]
mod generate;
#[cfg(feature = "ssr")]
pub mod import;

pub use pages::{NewThreadPage, ThreadPage, browser};

pub use api::{
    CreateThread, DeleteThread, DuplicateThread, GenerateThread, GetThread, RenameThread, RestoreThread, SaveThread,
    create_thread, delete_thread, duplicate_thread, generate_thread, get_thread, rename_thread, restore_thread,
    save_thread,
};

/// The member's threads as rows of the one history (`features::history`).
pub const HISTORY_SQL: &str = "SELECT 'thread'::text AS kind, id, user_id, title, posts::text AS body,
        jsonb_array_length(posts)::text AS detail, created_at, updated_at, deleted_at FROM threads";

/// Deletes a saved thread from the history (undo brings it back for a while).
#[cfg(feature = "ssr")]
pub async fn delete_saved(
    db: &sqlx::PgPool,
    me: &crate::features::accounts::session::Member,
    id: uuid::Uuid,
) -> Result<bool, sqlx::Error> {
    db::delete(db, me, id).await
}

#[cfg(feature = "ssr")]
pub async fn restore_saved(
    db: &sqlx::PgPool,
    me: &crate::features::accounts::session::Member,
    id: uuid::Uuid,
) -> Result<bool, sqlx::Error> {
    db::restore(db, me, id).await
}

/// The offline provider's thread: the deterministic packer with its hook post.
#[cfg(feature = "ssr")]
pub fn write_offline(t: &crate::features::ai::ThreadTask) -> Vec<String> {
    let options = offline::ThreadOptions {
        tone: t.tone.parse().unwrap_or_default(),
        posts: t.posts,
        numbering: t.numbering.parse().unwrap_or_default(),
    };
    offline::write_thread(&t.source, &options)
}
