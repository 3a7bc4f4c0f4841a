//! One history: everything a member saved (threads, letters, product descriptions,
//! transcripts) in one list, with a kind filter, search over titles and text, and delete with
//! undo. Each feature lends its rows as one SQL `SELECT` (its `HISTORY_SQL`) and its own
//! delete and restore; this feature only combines them.

mod api;
pub mod model;
mod pages;

#[cfg(feature = "ssr")]
mod db;

pub use api::{DeleteSaved, ListHistory, RestoreSaved, delete_saved, list_history, restore_saved};
pub use pages::HistoryListPage;
