//! Operators' database chores as commands: statistics, ending idle transactions, backup and
//! restore. Plumbing only: none of it knows a feature's tables.

pub mod backup;
pub mod db_stats;
