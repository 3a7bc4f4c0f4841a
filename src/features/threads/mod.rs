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
// Enabled when the AI provider branch merges.
#[cfg(all(feature = "ssr", any()))]
mod generate;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(all(feature = "ssr", any()))]
mod prompt;
#[cfg(feature = "ssr")]
mod split;

pub use pages::{HistoryListPage, NewThreadPage, ThreadPage};

pub use api::{
    CreateThread, DeleteThread, DuplicateThread, GenerateThread, GetThread, RenameThread, RestoreThread, SaveThread,
    ThreadHistory, create_thread, delete_thread, duplicate_thread, generate_thread, get_thread, rename_thread,
    restore_thread, save_thread, thread_history,
};
