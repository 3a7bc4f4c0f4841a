//! `/history`: the list and its rows.

mod list;
mod row;

pub use list::HistoryListPage;
