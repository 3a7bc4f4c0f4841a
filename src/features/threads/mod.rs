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

pub use pages::{HistoryListPage, LineBuffer, NewThreadPage, ThreadPage, browser};

pub use api::{
    CreateThread, DeleteThread, DuplicateThread, GenerateThread, GetThread, RenameThread, RestoreThread, SaveThread,
    ThreadHistory, create_thread, delete_thread, duplicate_thread, generate_thread, get_thread, rename_thread,
    restore_thread, save_thread, thread_history,
};

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
