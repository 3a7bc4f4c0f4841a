//! Components shared by every feature.

pub mod chart;
mod error_page;
pub mod event_stream;
mod field;
pub mod form;
mod loaded;
pub mod pager;
mod route;
pub mod skeleton;
pub mod toast;
pub mod upload;

pub use error_page::ErrorPage;
pub use field::{Field, described_by};
pub use loaded::{loaded, loaded_or};
pub use pager::{page_count, page_param, pager};
pub use route::{day, go_to, route_id, when};
pub use skeleton::Skeleton;
