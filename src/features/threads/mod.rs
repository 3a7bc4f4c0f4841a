//! Threads: X's weighted length, packing text into posts, the offline thread writer, URL
//! import (SSRF-safe), generation, the editor and history.

pub mod offline;
pub mod packer;
pub mod xlength;

#[cfg(feature = "ssr")]
pub mod import;
