//! Components shared by every feature.

pub mod skeleton;
pub mod toast;

pub use skeleton::Skeleton;
