//! Components shared by every feature.

mod error_page;
mod field;
pub mod form;
mod loaded;
pub mod skeleton;
pub mod toast;

pub use error_page::ErrorPage;
pub use field::Field;
pub use loaded::{loaded, reloaded};
pub use skeleton::Skeleton;
